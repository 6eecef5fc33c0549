//! `topogen::pool::server-type-location`: a pool's server type is not offered in the location.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;
use crate::model::catalog::{LOCATIONS, offered_in};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::pool::server-type-location",
    severity: Severity::Error,
    summary: "a pool's server type is not offered in the Hetzner location",
    docs: r#"## What it does
Checks, in every environment, that each pool's built-in `server-type` is sold in
`hetzner location=`: the `cx` types (Intel, cost-optimised) and the `cax` types (Arm) only
in the European locations `fsn1`, `nbg1` and `hel1`; `cpx` and `ccx` everywhere. A type
`cluster.kdl` adds to the catalog is not checked: topogen does not know where it is sold.

## Why is this bad?
The hcloud provider refuses a server type that is unavailable in the server's location
only when it creates that server, at `terraform apply`, after the network, firewall and
the servers before it were created and billed; the workflow then destroys the half-built
cluster."#,
    fail: r#"hetzner location=ash datacenter=ash-dc1 network-zone=us-east
"#,
    fixed: r#"hetzner location=nbg1 datacenter=nbg1-dc3
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let location = &t.hetzner.location;
    // an unknown location is `hetzner::location`'s finding
    if !LOCATIONS.iter().any(|(l, _, _)| *l == location.value) {
        return;
    }
    for p in &t.pools {
        let ty = &p.server_type.value;
        let Some(offered) = offered_in(ty) else {
            continue;
        };
        if offered.contains(&location.value.as_str()) {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "server type `{ty}` of pool `{}` is not offered in location `{}`",
                    p.name.value, location.value
                ),
            )
            .label(p.server_type.span, format!("sold only in {}", support::list(offered, 8)))
            .label(location.span, "every server is created here")
            .help(format!(
                "pick a type sold in `{}` (a `cpx` or `ccx` type is sold in every location), or a location in {}",
                location.value,
                support::list(offered, 8)
            )),
        );
    }
}
