//! `TOPOLOGY.md`: the architecture diagram, IP plan, nodes, endpoints, costs,
//! versions and secrets of every environment, from `templates/docs/TOPOLOGY.md.j2`.

use super::context::ProjectCtx;
use super::{EmitError, Plan, Templates};

/// The template, overridable by name with `--templates`.
const TEMPLATE: &str = "docs/TOPOLOGY.md.j2";

/// Renders `TOPOLOGY.md` at the top of the output, all environments in one file.
pub(crate) fn emit(cx: &ProjectCtx, t: &Templates, plan: &mut Plan) -> Result<(), EmitError> {
    plan.add("TOPOLOGY.md", t.render(TEMPLATE, cx)?);
    Ok(())
}
