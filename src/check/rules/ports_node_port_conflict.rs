//! `topogen::ports::node-port-conflict`: two users of the same NodePort.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ports::node-port-conflict",
    severity: Severity::Error,
    summary: "two users of the same NodePort",
    docs: r#"## What it does
Checks that the NodePorts of the topology are unique: Traefik's `http-node-port` and
`https-node-port`, and the Kafka external listener's bootstrap port and broker ports
(`broker-node-port + i` for every broker). The ports are compared as sorted intervals, so
a thousand brokers cost nothing.

## Why is this bad?
Kubernetes allocates a NodePort to one Service only: the second Service is refused and
Traefik or the Kafka listener never comes up. Because broker ports are derived from the
broker count, adding a broker can silently run into the next user's port."#,
    fail: r#"pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
    primary-ip node=0
}
kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    listener external type=nodeport port=9094 bootstrap-node-port=30003 broker-node-port=30002
}
firewall {
    allow kafka "203.0.113.0/24" port="30002-30004"
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    listener external type=nodeport port=9094 bootstrap-node-port=30001 broker-node-port=30002
}
firewall {
    allow kafka "203.0.113.0/24" port="30001-30004"
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let mut uses = t.node_ports();
    uses.sort_by_key(|u| (u.first, u.span.offset));
    let mut reach: Option<usize> = None;
    for i in 0..uses.len() {
        let (Some(cur), Some(prev)) = (uses.get(i), reach.and_then(|r| uses.get(r))) else {
            reach = Some(i);
            continue;
        };
        if cur.first <= prev.last {
            let (a, b) = (cur.first, prev.last.min(cur.last));
            let (later, earlier) = if cur.span.offset >= prev.span.offset {
                (cur, prev)
            } else {
                (prev, cur)
            };
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "NodePort{} {} {} used by both {} and {}",
                        if a == b { "" } else { "s" },
                        support::port_range(a, b),
                        if a == b { "is" } else { "are" },
                        earlier.what,
                        later.what
                    ),
                )
                .label(later.span, format!("{} here", later.what))
                .label(earlier.span, format!("{} here", earlier.what))
                .help("give each its own NodePorts; broker i takes `broker-node-port` + i, so leave room for every broker"),
            );
        }
        if cur.last > prev.last {
            reach = Some(i);
        }
    }
}
