//! `topogen::schema::unknown-property`: a property or argument that the node does not take.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SCHEMA_UNKNOWN_PROPERTY.code,
    severity: codes::SCHEMA_UNKNOWN_PROPERTY.severity,
    summary: "a property or argument that the node does not take",
    docs: r#"## What it does
Reports properties a node does not have (with a "did you mean"), and arguments where the
node takes none or fewer.

## Why is this bad?
A typo such as `cuont=3` would leave the real setting at its default: the silent drift
topogen exists to prevent."#,
    fail: r#"pool control role=server server-type=cx23 cuont=1 range=control apps=#false {
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
