//! `topogen::syntax::limits`: the file is not UTF-8, or asks for more than topogen's limits.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SYNTAX_LIMITS.code,
    severity: codes::SYNTAX_LIMITS.severity,
    summary: "the file is not UTF-8, or asks for more than topogen's limits",
    docs: r#"## What it does
Rejects a file that is not UTF-8 or goes past one of the limits listed under "Limits" in
`topogen reference` (docs/cluster-kdl.md), each checked before the work it bounds: the
file's size, nesting and words (node names, arguments, properties) before parsing; the
number of environments, and their words once each has merged the base, before merging;
the servers of all environments (the pools' `count`) before any node or address is
derived. Past the shown findings' limit, the rest are summed up in one finding of this
code.

## Why is this bad?
A real cluster.kdl is a few KiB, a few hundred words and 4 levels deep. Anything else
is a mistake (an unbalanced brace, a binary file, a `count` with a digit too many) or an
attack on the tools that read it; topogen runs in pre-commit hooks and on every pull
request, and must answer in a fraction of a second, in a few MiB, and never crash."#,
    fail: r#"pool control role=server server-type=cx23 count=1 range=control { labels { a { b { c { d { e { f { g { h { i { j { k { l { m { n { o { p { q { r { s { t { u { v { w { x { y { z { aa { ab { ac { ad { ae { af { ag { ah { ai { aj { ak { al { am { an { ao { ap { aq { ar { as { at { au { av { aw { ax { ay { az { ba { bb { bc { bd { be { bf { bg { bh { bi { bj { bk { bl { bm; }}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}
"#,
    fixed: r#"pool control role=server server-type=cx23 count=1 range=control apps=#false {
    labels role=control-plane
    taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
}
"#,
    check: Check::Lowering,
};
