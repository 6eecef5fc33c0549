//! `topogen::hetzner::location`: an unknown Hetzner location, or a datacenter or network zone that does not belong to it.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;
use crate::model::catalog::LOCATIONS;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::hetzner::location",
    severity: Severity::Error,
    summary: "an unknown Hetzner location, or a datacenter or network zone that does not belong to it",
    docs: r#"## What it does
Checks `hetzner location=` against Hetzner Cloud's locations (`fsn1`, `nbg1`, `hel1`,
`ash`, `hil`, `sin`), suggesting the closest one; that `datacenter=` is a datacenter of
that location (`nbg1-dc3` for `nbg1`); and that `network-zone=` is the location's zone
(`eu-central` for the European ones).

## Why is this bad?
Primary IPs are created in the datacenter and servers in the location: when they disagree,
Hetzner refuses to assign the Primary IP to the server, after both were created and
billed. A network zone that is not the location's leaves the servers unable to join the
private network."#,
    fail: r#"hetzner location=fsn1 datacenter=nbg1-dc3 network-zone=us-east
"#,
    fixed: r#"hetzner location=fsn1 datacenter=fsn1-dc14 network-zone=eu-central
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let h = &t.hetzner;
    let Some((_, zone, dcs)) = LOCATIONS.iter().find(|(l, _, _)| *l == h.location.value) else {
        let names: Vec<&str> = LOCATIONS.iter().map(|(l, _, _)| *l).collect();
        out.push(
            Finding::new(
                &RULE,
                format!("unknown Hetzner location `{}`", h.location.value),
            )
            .label(h.location.span, "not a Hetzner Cloud location")
            .help(format!(
                "{}the locations are {}",
                support::did_you_mean(&h.location.value, names.iter().copied()),
                support::list(&names, 8)
            )),
        );
        return;
    };
    if !dcs.contains(&h.datacenter.value.as_str()) {
        let owner = LOCATIONS
            .iter()
            .find(|(_, _, d)| d.contains(&h.datacenter.value.as_str()))
            .map(|(l, _, _)| *l);
        let message = match owner {
            Some(other) => format!(
                "datacenter `{}` is in location `{other}`, not `{}`",
                h.datacenter.value, h.location.value
            ),
            None => format!("unknown Hetzner datacenter `{}`", h.datacenter.value),
        };
        out.push(
            Finding::new(&RULE, message)
                .label(h.datacenter.span, "Primary IPs are created here")
                .label(h.location.span, "servers are created here")
                .help(format!(
                    "`{}` has {}",
                    h.location.value,
                    support::list(dcs, 8)
                )),
        );
    }
    if h.network_zone.value != *zone {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "network zone `{}` is not the zone of location `{}`",
                    h.network_zone.value, h.location.value
                ),
            )
            .label(h.network_zone.span, "the private network's zone")
            .label(h.location.span, format!("in `{zone}`"))
            .help(format!(
                "use `network-zone={zone}`, or leave it out: it defaults to the location's zone"
            )),
        );
    }
}
