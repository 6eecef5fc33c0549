//! `topogen::schema::type`: a value of the wrong type or out of range.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SCHEMA_TYPE.code,
    severity: codes::SCHEMA_TYPE.severity,
    summary: "a value of the wrong type or out of range",
    docs: r#"## What it does
Reports values of the wrong type (a string where a number belongs), numbers out of range
(a count that overflows, a port above 65535) and malformed values (a CIDR, a time of day,
an unknown enumeration word).

## Why is this bad?
The value cannot mean what the user intended; topogen replaces it with the default so that
the other rules can still run, and reports it here."#,
    fail: r#"pool control role=server server-type=cx23 count="one" range=control apps=#false {
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
