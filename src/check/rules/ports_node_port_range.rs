//! `topogen::ports::node-port-range`: a NodePort outside the Kubernetes NodePort range 30000-32767.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ports::node-port-range",
    severity: Severity::Error,
    summary: "a NodePort outside the Kubernetes NodePort range 30000-32767",
    docs: r#"## What it does
Checks every NodePort the topology uses against the Kubernetes (and K3s) default
NodePort range, 30000-32767: `ingress http-node-port` and `https-node-port`, and for the
Kafka `type=nodeport` listener its `bootstrap-node-port` and every broker's port
(`broker-node-port + i` for each broker `i` of the broker pool).

## Why is this bad?
The API server refuses a Service with a NodePort outside its range: Traefik or the Kafka
external listener never comes up. Broker ports are derived from the pool's count, so
scaling the broker pool up can push the last broker past 32767."#,
    fail: r#"pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
    primary-ip node=0
}
kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    listener external type=nodeport port=9094 bootstrap-node-port=32765 broker-node-port=32766
}
ingress http-node-port=8080 https-node-port=30443
firewall {
    allow kafka "203.0.113.0/24" port="32765-32768"
    allow http "203.0.113.0/24" port=8080
    allow https "203.0.113.0/24" port=30443
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    listener external type=nodeport port=9094 bootstrap-node-port=30001 broker-node-port=30002
}
ingress http-node-port=30080 https-node-port=30443
firewall {
    allow kafka "203.0.113.0/24" port="30001-30004"
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
}
"#,
    check: Check::Topology(check),
};

const MIN: u32 = 30_000;
const MAX: u32 = 32_767;

fn check(t: &Topology, out: &mut Findings) {
    for u in t.node_ports() {
        if u.first >= MIN && u.last <= MAX {
            continue;
        }
        let ports = support::port_range(u.first, u.last);
        let mut f = Finding::new(
            &RULE,
            format!(
                "NodePort{} {ports} of {} {} outside the NodePort range {MIN}-{MAX}",
                if u.first == u.last { "" } else { "s" },
                u.what,
                if u.first == u.last {
                    "is"
                } else {
                    "are partly"
                },
            ),
        )
        .label(u.span, "outside 30000-32767");
        if let Some(count) = u.count_span
            && u.first >= MIN
        {
            f = f.label(count, "one NodePort per broker");
        }
        let width = u.last - u.first;
        let start = if u.first < MIN {
            MIN
        } else {
            MAX.saturating_sub(width).max(MIN)
        };
        out.push(f.help(format!(
            "Kubernetes only accepts NodePorts from {MIN} to {MAX}; move {} into the range, e.g. {}",
            if u.first == u.last { "it" } else { "them" },
            support::port_range(start, start.saturating_add(width))
        )));
    }
}
