//! `topogen::ip::pool-range`: a pool takes its addresses from a range that does not
//! exist or is reserved.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ip::pool-range",
    severity: Severity::Error,
    summary: "a pool's `range` does not exist or is reserved",
    docs: r#"## What it does
Checks that every pool's `range=` names a range of the `ip-plan` (suggesting the closest
name) and that this range is not marked `reserved=#true`.

## Why is this bad?
Without a range the pool's nodes have no private addresses, and every artifact that lists
them (tfvars, cloud-init, the IP table) would be wrong. A reserved range is kept for the
gateway, DHCP or future use: nodes placed there collide with whatever it was kept for."#,
    fail: r#"ip-plan {
    range reserved from=1 to=9 reserved=#true
    range control from=10 to=19
    range workers from=30 to=49
    range dhcp from=200 to=254 reserved=#true
}
pool worker role=agent server-type=cx23 count=2 range=worker
pool batch role=agent server-type=cx23 count=2 range=dhcp
/-pool kafka
/-kafka events
"#,
    fixed: r#"ip-plan {
    range reserved from=1 to=9 reserved=#true
    range control from=10 to=19
    range workers from=30 to=49
    range batch from=50 to=59
    range dhcp from=200 to=254 reserved=#true
}
pool worker role=agent server-type=cx23 count=2 range=workers
pool batch role=agent server-type=cx23 count=2 range=batch
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    for p in &t.pools {
        let want = &p.range.value;
        if want.is_empty() {
            continue; // `range` is missing: a lowering error already says so
        }
        match t.range(want) {
            None => {
                let usable: Vec<&str> = t
                    .ip_plan
                    .iter()
                    .filter(|r| !r.reserved.value)
                    .map(|r| r.name.value.as_str())
                    .collect();
                let hint = support::did_you_mean(want, usable.iter().copied());
                let help = if usable.is_empty() {
                    format!("add it to the plan: `ip-plan {{ range {want} from=30 to=49 }}`")
                } else {
                    format!(
                        "{hint}the ip-plan has {}; or add `range {want} from=… to=…`",
                        support::list(&usable, 6)
                    )
                };
                out.push(
                    Finding::new(
                        &RULE,
                        format!("pool `{}` takes addresses from range `{want}`, which is not in the ip-plan", p.name.value),
                    )
                    .label(p.range.span, "no such range")
                    .help(help),
                );
            }
            Some(r) if r.reserved.value => out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "pool `{}` takes addresses from the reserved range `{want}`",
                        p.name.value
                    ),
                )
                .label(p.range.span, "nodes placed here")
                .label(r.span, "reserved for something other than nodes")
                .help("give the pool a range of its own that is not `reserved=#true`"),
            ),
            Some(_) => {}
        }
    }
}
