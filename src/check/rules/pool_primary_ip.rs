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
Checks that `primary-ip node=N` names a node the pool has (`N < count`, in every
environment) and that no two pools give the same `address=`.

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
        if ip.node.value >= p.count.value {
            let nodes = match p.count.value {
                0 => "no nodes".to_owned(),
                1 => "node 0 only".to_owned(),
                n => format!("nodes 0-{}", n - 1),
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
