//! `topogen::schema::unknown-node`: a node that the cluster.kdl language does not have here.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SCHEMA_UNKNOWN_NODE.code,
    severity: codes::SCHEMA_UNKNOWN_NODE.severity,
    summary: "a node that the cluster.kdl language does not have here",
    docs: r#"## What it does
Reports nodes that are not part of the language at that place, suggesting the closest
known name.

## Why is this bad?
A misspelled node (`pol` for `pool`) would otherwise be silently ignored, and the
topology would quietly lack what the user wrote."#,
    fail: r#"pol worker role=agent server-type=cx23 count=1 range=workers
"#,
    fixed: r#"/-pol worker
pool worker role=agent server-type=cx23 count=1 range=workers
"#,
    check: Check::Lowering,
};
