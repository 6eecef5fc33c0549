//! `pins/<env>/<tool>.version`: the versions the install steps read.
//!
//! One line each, the version and nothing else, so that a workflow step can
//! use `$(cat pins/dev/strimzi.version)`:
//!
//! ```text
//! pins/<env>/k3s.version              the K3s release
//! pins/<env>/strimzi.version          the Strimzi operator release
//! pins/<env>/argocd-operator.version  the ArgoCD operator release
//! ```

use serde::Serialize;

use super::{EmitError, Plan, Templates};
use crate::model::Resolved;

const TEMPLATE: &str = "pins/version.j2";

#[derive(Serialize)]
struct Ctx<'a> {
    version: &'a str,
}

/// Renders the version pins of every environment.
pub(crate) fn emit(envs: &[Resolved<'_>], t: &Templates, plan: &mut Plan) -> Result<(), EmitError> {
    for env in envs {
        let v = &env.topo.versions;
        for (tool, version) in [
            ("k3s", &v.k3s.value),
            ("strimzi", &v.strimzi.value),
            ("argocd-operator", &v.argocd_operator.value),
        ] {
            let text = t.render(TEMPLATE, Ctx { version })?;
            plan.add(
                format!("pins/{}/{tool}.version", env.topo.env.name.value),
                text,
            );
        }
    }
    Ok(())
}
