//! Emitter stub: filled in by the artifact's owner.

use super::context::ProjectCtx;
use super::{EmitError, Plan, Templates};

/// Renders this artifact kind for every environment into `plan`.
pub(crate) fn emit(_cx: &ProjectCtx, _t: &Templates, _plan: &mut Plan) -> Result<(), EmitError> {
    Ok(())
}
