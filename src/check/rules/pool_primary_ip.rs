//! `topogen::pool::primary-ip`: a Primary IP on a node the pool does not have, or an
//! address claimed twice.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Span, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::pool::primary-ip",
    severity: Severity::Error,
    summary: "`primary-ip` names a node outside its pool, or an address twice",
    docs: r#"## What it does
Checks that `primary-ip node=N` names a node the pool has (one of its first `count`
indexes that no `retire` names, in every environment) and that no two pools give the same `address=`.

## Why is this bad?
The persistent Primary IP is what outside clients and DNS point at; a Primary IP on a node
that is never created is billed every month and reachable by nobody, and everything
advertised through it (the Kafka external listener, the ArgoCD URL) points nowhere."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    primary-ip node=2
}
"#,
    fixed: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    primary-ip node=0
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let mut addresses: HashMap<Ipv4Addr, (&str, Span)> = HashMap::new();
    for p in &t.pools {
        let Some(ip) = &p.primary_ip else { continue };
        // a retire in the control plane is `topogen::pool::retire`'s finding alone
        let retires_control_plane =
            p.role.value == crate::model::Role::Server && !p.retired.is_empty();
        if retires_control_plane {
            // nothing more to say
        } else if let Some(r) = p.retired.iter().find(|r| r.index.value == ip.node.value) {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "`primary-ip node={}` is on a node pool `{}` retires",
                        ip.node.value, p.name.value
                    ),
                )
                .label(ip.node.span, "retired node")
                .label(r.span, "retired here")
                .help("move the Primary IP to a live node of the pool, e.g. its first"),
            );
        } else if !p.has_node(ip.node.value) {
            let indices: Vec<u32> = p.node_indices().collect();
            let nodes = match indices.as_slice() {
                [] => "no nodes".to_owned(),
                [one] => format!("node {one} only"),
                [first, .., last] if p.retired.is_empty() => format!("nodes {first}-{last}"),
                [first, .., last] => format!("nodes {first}-{last} less the retired ones"),
            };
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "`primary-ip node={}` is not a node of pool `{}`, which has {nodes}",
                        ip.node.value, p.name.value
                    ),
                )
                .label(ip.node.span, "no such node")
                .label(p.count.span, format!("count={}", p.count.value))
                .help("node indexes count from 0: use a node below `count`, usually `node=0`"),
            );
        }
        if let Some(a) = &ip.address {
            if let Some((other, span)) = addresses.get(&a.value) {
                out.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "pools `{other}` and `{}` both claim the Primary IP {}",
                            p.name.value, a.value
                        ),
                    )
                    .label(a.span, "claimed again here")
                    .label(*span, "first claimed here")
                    .help("a Primary IP is bound to one server; give each pool its own address"),
                );
            } else {
                addresses.insert(a.value, (&p.name.value, a.span));
            }
        }
    }
}
