//! `topogen::schema::unknown-node`: a node that the cluster.kdl language does not have here.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub const RULE: Rule = Rule {
    code: codes::SCHEMA_UNKNOWN_NODE.code,
    severity: codes::SCHEMA_UNKNOWN_NODE.severity,
    summary: "a node that the cluster.kdl language does not have here",
    docs: r#"## What it does
Reports nodes that are not part of the language at that place, suggesting the closest
known name.

## Why is this bad?
A misspelled node (`pol` for `pool`) would otherwise be silently ignored, and the
topology would quietly lack what the user wrote."#,
    fail: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan { range control from=10 to=19 }
    pool control role=server server-type=cx23 count=1 range=control
    pol worker role=agent server-type=cx23 count=1 range=control
    gitops repo="my-org/config" overlay="overlays/dev"
    environment dev
}
"#,
    fixed: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan { range control from=10 to=19 }
    pool control role=server server-type=cx23 count=1 range=control
    gitops repo="my-org/config" overlay="overlays/dev"
    environment dev
}
"#,
    check: Check::Lowering,
};
