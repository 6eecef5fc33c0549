//! `topogen::schema::unmatched-override`: an environment overrides a pool, range or listener the base does not have.

use crate::check::{Check, Rule};
use crate::codes;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: codes::SCHEMA_UNMATCHED_OVERRIDE.code,
    severity: codes::SCHEMA_UNMATCHED_OVERRIDE.severity,
    summary: "an environment overrides a pool, range or listener the base does not have",
    docs: r#"## What it does
In an `environment` block, a `pool`, `range` or `listener` overrides the base's node of
the same name. This rule reports one whose name the base does not have, suggesting the
closest name; an environment that adds one deliberately writes `new=#true` on it (`new=#true` on a name the base has, or outside an environment, is
reported too).

## Why is this bad?
A typo in the name (`pool workr count=2`) would otherwise add a second, half-defined pool
instead of changing the one meant, and the error would be three missing properties of a
pool nobody intended."#,
    fail: r#"pool worker role=agent server-type=cx23 count=1 range=workers
environment prod {
    pool workr count=2
    gitops overlay="overlays/prod"
}
/-pool kafka
/-kafka events
"#,
    fixed: r#"ip-plan {
    range control from=10 to=19
    range workers from=30 to=49
    range batch from=50 to=59
}
environment prod {
    pool worker count=2
    pool batch new=#true role=agent server-type=cx23 count=1 range=batch
    gitops overlay="overlays/prod"
}
"#,
    check: Check::Lowering,
};
