//! `topogen::ip::range-bounds`: an IP-plan range that ends before it starts, leaves the
//! subnet, or takes the network, gateway or broadcast address.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ip::range-bounds",
    severity: Severity::Error,
    summary: "an IP-plan range is empty, leaves the subnet or takes a special address",
    docs: r#"## What it does
Checks every `range` of the `ip-plan` in every environment: `from` is not after `to`, the
range fits in the subnet (`to` below the subnet's size: 256 offsets in a /24), and a range
that is not `reserved=#true` stays clear of offset 0 (the network address), offset 1 (the
gateway; topogen keeps the first host for it, as Hetzner's network does) and the last offset
(the broadcast address).

## Why is this bad?
Offsets are turned into addresses per environment; an offset past the subnet gives nodes
addresses Hetzner will not attach, and a node on the gateway or broadcast address breaks
the private network for every node. A smaller subnet in one environment's overlay can
push a range that fits in the base out of that environment."#,
    fail: r#"ip-plan {
    range control from=1 to=9
    range workers from=250 to=260
}
/-pool kafka
/-kafka events
"#,
    fixed: r#"ip-plan {
    range reserved from=1 to=9 reserved=#true
    range control from=10 to=19
    range workers from=240 to=249
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let subnet = t.network.subnet.value;
    let size: u64 = 1u64 << (32 - u32::from(subnet.prefix_len()).min(32));
    let last = size - 1;
    for r in &t.ip_plan {
        let (from, to) = (u64::from(r.from.value), u64::from(r.to.value));
        let name = &r.name.value;
        if from > to {
            out.push(
                Finding::new(&RULE, format!("range `{name}` ends before it starts"))
                    .label(r.from.span, format!("starts at offset {from}"))
                    .label(r.to.span, format!("ends at offset {to}"))
                    .help("swap `from` and `to`: both are inclusive host offsets, `from` first"),
            );
            continue;
        }
        if to > last {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "range `{name}` ({from}-{to}) does not fit in the subnet `{subnet}` (offsets 0-{last})"
                    ),
                )
                .label(r.to.span, format!("offset {to} is past the subnet's last address"))
                .label(t.network.subnet.span, format!("{size} addresses"))
                .help(format!("end the range at offset {} or earlier, or use a larger subnet", last.saturating_sub(1))),
            );
            continue;
        }
        if r.reserved.value {
            continue;
        }
        let mut taken = Vec::new();
        if from == 0 {
            taken.push("the network address (offset 0)".to_owned());
        }
        if from <= 1 && to >= 1 && last > 1 {
            taken.push("the gateway (offset 1)".to_owned());
        }
        if to == last && last > 1 {
            taken.push(format!("the broadcast address (offset {last})"));
        }
        if taken.is_empty() {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            format!(
                "range `{name}` includes {}",
                super::support::join_and(&taken)
            ),
        );
        if from <= 1 {
            f = f.label(r.from.span, "starts on a special address");
        }
        if to == last && last > 1 {
            f = f.label(
                r.to.span,
                format!("offset {last} is the broadcast address of `{subnet}`"),
            );
        }
        out.push(f.help(format!(
            "nodes may use offsets 2-{}; mark the range `reserved=#true` if it holds no nodes",
            last.saturating_sub(1)
        )));
    }
}
