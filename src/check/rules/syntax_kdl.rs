//! `topogen::syntax::kdl`: the file is not valid KDL v2.

use crate::check::{Check, Rule};
use crate::diag::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    code: "topogen::syntax::kdl",
    severity: Severity::Error,
    summary: "the file is not valid KDL v2",
    docs: r#"## What it does
Reports KDL syntax errors, with the span the KDL v2 parser points at.

## Why is this bad?
Nothing can be read from a file that does not parse. cluster.kdl is KDL v2: strings
with spaces, slashes or a leading digit need quotes; booleans are `#true`/`#false`."#,
    fail: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan { range control from=10 to=19 }
    pool control role=server server-type=cx23 count=1 range=control {
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
