//! `topogen::ip::duplicate-address`: two nodes get the same private IP.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Pool, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ip::duplicate-address",
    severity: Severity::Error,
    summary: "two nodes get the same private IP address",
    docs: r#"## What it does
Computes the host offsets every pool's nodes take (`from` to `from + count - 1` of its
range) and reports pools whose nodes get the same addresses, for example two pools that
share one range, or pools in overlapping ranges. Pools are compared as intervals after
sorting, so the check stays fast on large topologies.

## Why is this bad?
Hetzner refuses to attach a second server with an address already in use, so the
deployment fails half-way; with the addresses in cloud-init and K3s flags, the cluster
would be wired to the wrong node."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers
pool batch role=agent server-type=cx23 count=2 range=workers
"#,
    fixed: r#"/-pool kafka
/-kafka events
ip-plan {
    range reserved from=1 to=9 reserved=#true
    range control from=10 to=19
    range workers from=30 to=49
    range batch from=50 to=59
}
pool batch role=agent server-type=cx23 count=2 range=batch
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    // (first offset, last offset, pool), for pools with nodes and a known range
    let mut spans: Vec<(u64, u64, &Pool)> = t
        .pools
        .iter()
        .filter_map(|p| {
            let r = t.range(&p.range.value)?;
            // the highest live index: a retired one keeps its offset
            let n = p.span_of_indices().checked_sub(1)?;
            let first = u64::from(r.from.value);
            Some((first, first + n, p))
        })
        .collect();
    spans.sort_by_key(|&(a, _, p)| (a, p.span.offset));
    let mut reach: Option<(u64, u64, &Pool)> = None;
    for cur in spans {
        if let Some(prev) = reach {
            if cur.0 <= prev.1 {
                // offsets, not addresses: the same clash in environments with
                // different subnets is one finding naming them all
                let (a, b) = (cur.0, prev.1.min(cur.1));
                let at = if a == b {
                    format!("host offset {a}")
                } else {
                    format!("host offsets {a}-{b}")
                };
                let (later, earlier) = if cur.2.span.offset >= prev.2.span.offset {
                    (cur.2, prev.2)
                } else {
                    (prev.2, cur.2)
                };
                let shared = if later.range.value == earlier.range.value {
                    format!("both take addresses from range `{}`", later.range.value)
                } else {
                    "their ranges overlap".to_owned()
                };
                out.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "pools `{}` and `{}` both get {at}: {shared}",
                            earlier.name.value, later.name.value
                        ),
                    )
                    .label(
                        later.range.span,
                        format!("`{}` nodes here", later.name.value),
                    )
                    .label(
                        earlier.range.span,
                        format!("`{}` nodes here", earlier.name.value),
                    )
                    .help("give every pool a range of its own in the ip-plan"),
                );
            }
            if cur.1 > prev.1 {
                reach = Some(cur);
            }
        } else {
            reach = Some(cur);
        }
    }
}
