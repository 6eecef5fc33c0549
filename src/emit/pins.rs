//! `pins/<env>/<tool>.version`: the versions install steps read from a file.
//!
//! One line each, the version and nothing else, so that a workflow step can
//! use `$(tr -d '[:space:]' < pins/dev/strimzi.version)`:
//!
//! ```text
//! pins/<env>/strimzi.version   the Strimzi operator release (deploy-strimzi),
//!                              for an environment that runs Kafka
//! pins/<env>/kube-prometheus-stack.version, pins/<env>/grafana-operator.version
//!                              the monitoring charts (deploy-monitoring), for an
//!                              environment that declares them
//! ```
//!
//! Only what a step reads is written (issue 15 item 7): the K3s release
//! reaches the nodes through their cloud-init and the runners' kubectl
//! through the workflows' environment `case`, the ArgoCD operator's release
//! through deploy-argocd's; a `k3s.version` or `argocd-operator.version`
//! beside them would be a second copy nothing reads, free to drift.
//! `tests/emit_workflows.rs` holds every file here to a step that reads it.

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
        // deploy-strimzi reads it only where the environment runs Kafka
        let strimzi = env.kafka.is_some().then_some(("strimzi", &v.strimzi));
        let charts = env.topo.monitoring.iter().flat_map(|m| m.charts());
        for (tool, version) in strimzi.into_iter().chain(charts) {
            let version = &version.value;
            let path = format!("pins/{}/{tool}.version", env.topo.env.name.value);
            plan.render(path, || t.render(TEMPLATE, Ctx { version }))?;
        }
    }
    Ok(())
}
