//! `topogen::ip::range-overlap`: two IP-plan ranges share host offsets.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{IpRange, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ip::range-overlap",
    severity: Severity::Error,
    summary: "two IP-plan ranges overlap",
    docs: r#"## What it does
Reports every pair of `ip-plan` ranges that share host offsets (reserved ranges included),
after sorting the ranges by their first offset, so it stays fast on large plans.

## Why is this bad?
The IP plan is the single statement of which addresses belong to what. Two ranges that
overlap give the same address two purposes: nodes of one pool collide with the other's
nodes, with DHCP, or with the infrastructure kept out of the plan."#,
    fail: r#"ip-plan {
    range reserved from=1 to=9 reserved=#true
    range control from=10 to=19
    range workers from=15 to=49
}
/-pool kafka
/-kafka events
"#,
    fixed: r#"ip-plan {
    range reserved from=1 to=9 reserved=#true
    range control from=10 to=19
    range workers from=30 to=49
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let mut ranges: Vec<&IpRange> = t
        .ip_plan
        .iter()
        .filter(|r| r.from.value <= r.to.value)
        .collect();
    // by start, then file order: a sweep that remembers the range reaching furthest
    ranges.sort_by_key(|r| (r.from.value, r.span.offset));
    let mut reach: Option<&IpRange> = None;
    for r in ranges {
        if let Some(prev) = reach {
            if r.from.value <= prev.to.value {
                let (a, b) = (r.from.value, prev.to.value.min(r.to.value));
                let at = if a == b {
                    format!("offset {a}")
                } else {
                    format!("offsets {a}-{b}")
                };
                // blame the one written later in the file
                let (later, earlier) = if r.span.offset >= prev.span.offset {
                    (r, prev)
                } else {
                    (prev, r)
                };
                out.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "ranges `{}` and `{}` overlap at {at}",
                            earlier.name.value, later.name.value
                        ),
                    )
                    .label(
                        later.span,
                        format!(
                            "`{}` is {}-{}",
                            later.name.value, later.from.value, later.to.value
                        ),
                    )
                    .label(
                        earlier.span,
                        format!(
                            "`{}` is {}-{}",
                            earlier.name.value, earlier.from.value, earlier.to.value
                        ),
                    )
                    .help(
                        "give every range its own offsets; move one of them past the other's `to`",
                    ),
                );
            }
            if r.to.value > prev.to.value {
                reach = Some(r);
            }
        } else {
            reach = Some(r);
        }
    }
}
