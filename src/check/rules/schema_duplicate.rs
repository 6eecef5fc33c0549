//! `topogen::schema::duplicate`: a node, property or name given twice.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SCHEMA_DUPLICATE.code,
    severity: codes::SCHEMA_DUPLICATE.severity,
    summary: "a node, property or name given twice",
    docs: r#"## What it does
Reports a property given twice on one node, a single node (such as `hetzner`) given twice,
and two nodes with the same name (two `pool kafka`, two `environment dev`).

## Why is this bad?
KDL keeps the last property silently, and two definitions of one pool disagree by
construction. Per-environment differences belong in `environment` blocks."#,
    fail: r#"pool control role=server server-type=cx23 count=1 range=control apps=#false {
    labels role=control-plane
    taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
}
pool control role=server server-type=cx23 count=1 range=control
"#,
    fixed: r#"/-pool control
pool control role=server server-type=cx23 count=1 range=control apps=#false {
    labels role=control-plane
    taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
}
"#,
    check: Check::Lowering,
};
