//! `topogen::syntax::limits`: the file is too large, too deeply nested or not UTF-8.

use crate::check::{Check, Rule};
use crate::diag::Severity;

/// The rule.
pub const RULE: Rule = Rule {
    code: "topogen::syntax::limits",
    severity: Severity::Error,
    summary: "the file is too large, too deeply nested or not UTF-8",
    docs: r#"## What it does
Rejects files that are not UTF-8, larger than 4 MiB, or nested more than 64 blocks deep,
before parsing them.

## Why is this bad?
A real cluster.kdl is a few KiB and 4 levels deep. Anything else is a mistake (an
unbalanced brace, a binary file) or an attack on the tools that read it; topogen runs in
pre-commit hooks and must answer instantly, never crash."#,
    fail: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan { range control from=10 to=19 }
    pool control role=server server-type=cx23 count=1 range=control { labels { a { b { c { d { e { f { g { h { i { j { k { l { m { n { o { p { q { r { s { t { u { v { w { x { y { z { aa { ab { ac { ad { ae { af { ag { ah { ai { aj { ak { al { am { an { ao { ap { aq { ar { as { at { au { av { aw { ax { ay { az { ba { bb { bc { bd { be { bf { bg { bh { bi { bj { bk { bl { bm; }}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}
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
