//! `topogen::ip::pool-capacity`: a pool has more nodes than its range has addresses.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ip::pool-capacity",
    severity: Severity::Error,
    summary: "a pool's count does not fit its IP range",
    docs: r#"## What it does
Checks, in every environment, that each pool's nodes fit the range it takes addresses
from: node `i` gets offset `from + i`, so a range `20-29` holds at most 10 nodes — and a
retired index keeps its offset, so `count=9` with `retire 2` needs offsets up to `from + 9`.

## Why is this bad?
The extra nodes would get addresses of the next range (another pool's nodes, DHCP, the
broadcast address). An environment overlay that scales a pool up (`pool worker count=30`)
is the usual way to outgrow a range that fits in the base."#,
    fail: r#"pool kafka role=agent server-type=cx23 count=12 range=kafka
/-kafka events
"#,
    fixed: r#"ip-plan {
    range reserved from=1 to=9 reserved=#true
    range control from=10 to=19
    range kafka from=20 to=39
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    for p in &t.pools {
        let Some(r) = t.range(&p.range.value) else {
            continue;
        };
        if r.from.value > r.to.value {
            continue; // topogen::ip::range-bounds
        }
        let capacity = u64::from(r.to.value) - u64::from(r.from.value) + 1;
        let count = u64::from(p.count.value);
        // one past the highest live index: `count` plus the retired indexes below it
        let spans = p.span_of_indices();
        if spans <= capacity {
            continue;
        }
        let needed_to = u64::from(r.from.value) + spans - 1;
        let nodes = if spans == count {
            format!("{count} nodes")
        } else {
            format!("{count} nodes up to index {}", spans - 1)
        };
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "pool `{}` has {nodes}, but range `{}` ({}-{}) holds {capacity}",
                    p.name.value, r.name.value, r.from.value, r.to.value
                ),
            )
            .label(p.count.span, nodes)
            .label(r.span, format!("{capacity} addresses"))
            .help(format!(
                "lower `count` to {}, or widen range `{}` to `to={needed_to}` if those offsets are free",
                capacity.saturating_sub(spans - count),
                r.name.value
            )),
        );
    }
}
