//! `topogen::pool::server-type`: a pool's server type is not in the catalog.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::pool::server-type",
    severity: Severity::Error,
    summary: "a pool's server type is unknown",
    docs: r#"## What it does
Checks every pool's `server-type` against the server-type catalog (the built-in Hetzner
types plus any `catalog { server-type … }` of `cluster.kdl`), suggesting the closest name.

## Why is this bad?
Hetzner rejects an unknown type only at `terraform apply`, after other resources were
created; and the generated comments (vCPU, RAM) and the cost table need the type's
facts. A type Hetzner offers that topogen does not know can be added to the catalog."#,
    fail: r#"pool worker role=agent server-type=cx24 count=2 range=workers
"#,
    fixed: r#"pool worker role=agent server-type=cx23 count=2 range=workers
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    for p in &t.pools {
        let ty = &p.server_type.value;
        if ty.is_empty() || t.catalog.server_types.contains_key(ty) {
            continue;
        }
        let hint = support::did_you_mean(ty, t.catalog.server_types.keys().map(String::as_str));
        out.push(
            Finding::new(&RULE, format!("unknown server type `{ty}` in pool `{}`", p.name.value))
                .label(p.server_type.span, "not in the server-type catalog")
                .help(format!(
                    "{hint}if Hetzner offers it, describe it: `catalog {{ server-type {ty} vcpu=… ram-gb=… eur-per-month=… }}`"
                )),
        );
    }
}
