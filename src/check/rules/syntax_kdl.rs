//! `topogen::syntax::kdl`: the file is not valid KDL v2.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SYNTAX_KDL.code,
    severity: codes::SYNTAX_KDL.severity,
    summary: "the file is not valid KDL v2",
    docs: r#"## What it does
Reports KDL syntax errors. The common ones are named in your terms: an unquoted value
that starts with a digit but is not a number (`subnet=10.1.1.0/24`: quote it,
`subnet="10.1.1.0/24"`); a block whose `}` is missing (the node whose block is never
closed — the first one a line indented outside it interrupts — and the end of the file,
where the parser noticed); a `}` that closes nothing (and the node indented as a parent
without its `{`); a string the line ends before its closing `"`. Any other error is the
KDL v2 parser's, with its span.

## Why is this bad?
Nothing can be read from a file that does not parse. cluster.kdl is KDL v2: strings
with spaces, slashes or a leading digit need quotes; booleans are `#true`/`#false`."#,
    fail: r#"ip-plan { range control from=10 to=19 }
pool control role=server server-type=cx23 count=1 range=control {
/-kafka events
"#,
    fixed: r#"/-pool kafka
pool control role=server server-type=cx23 count=1 range=control apps=#true
"#,
    check: Check::Lowering,
};
