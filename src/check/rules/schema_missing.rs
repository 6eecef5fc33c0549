//! `topogen::schema::missing`: a required node, property or argument is missing.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SCHEMA_MISSING.code,
    severity: codes::SCHEMA_MISSING.severity,
    summary: "a required node, property or argument is missing",
    docs: r#"## What it does
Reports required nodes (`cluster`, `hetzner`, `gitops`, at least one `environment`),
required properties (`pool … count=`) and required arguments (`pool NAME`).

## Why is this bad?
topogen has no sensible default for these: where the cluster runs, how many nodes a pool
has, where ArgoCD syncs from."#,
    fail: r#"pool control role=server server-type=cx23 range=control apps=#false {
    labels role=control-plane
    taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
}
"#,
    fixed: r#"pool control role=server server-type=cx23 count=1 range=control apps=#false {
    labels role=control-plane
    taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
}
"#,
    check: Check::Lowering,
};
