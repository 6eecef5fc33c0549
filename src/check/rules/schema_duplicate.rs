//! `topogen::schema::duplicate`: a node, property or name given twice.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub const RULE: Rule = Rule {
    code: codes::SCHEMA_DUPLICATE.code,
    severity: codes::SCHEMA_DUPLICATE.severity,
    summary: "a node, property or name given twice",
    docs: r#"## What it does
Reports a property given twice on one node, a single node (such as `hetzner`) given twice,
and two nodes with the same name (two `pool kafka`, two `environment dev`).

## Why is this bad?
KDL keeps the last property silently, and two definitions of one pool disagree by
construction. Per-environment differences belong in `environment` blocks."#,
    fail: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan { range control from=10 to=19 }
    pool control role=server server-type=cx23 count=1 range=control
    pool control role=server server-type=cx23 count=1 range=control
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
