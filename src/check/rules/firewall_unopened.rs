//! `topogen::firewall::unopened`: a NodePort the topology exposes that no firewall rule opens.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Protocol, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::firewall::unopened",
    severity: Severity::Error,
    summary: "a NodePort the topology exposes that no firewall rule opens",
    docs: r#"## What it does
Checks that every NodePort the topology exposes to the outside is opened by a TCP `allow`
of the `firewall`: Traefik's `http-node-port` and `https-node-port` (ArgoCD's UI is served
through the HTTPS one), and the Kafka `type=nodeport` listener's bootstrap port and every
broker port. A `cluster.kdl` without a `firewall` block describes a private cluster: then
only a Kafka nodeport listener, whose only purpose is outside access, is reported.

## Why is this bad?
The Hetzner firewall drops what it does not allow. Clients reach the bootstrap port, are
told to connect to broker 2's port, and time out there; the verify-access workflow fails
after a full deployment. Broker ports follow the broker count, so a scale-up needs a wider
rule."#,
    fail: r#"pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
    primary-ip node=0
}
kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    listener external type=nodeport port=9094 bootstrap-node-port=30001 broker-node-port=30002
}
firewall {
    allow kafka "203.0.113.0/24" port="30001-30002"
    allow http "203.0.113.0/24" port=30080
}
"#,
    fixed: r#"firewall {
    allow kafka "203.0.113.0/24" port="30001-30004"
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let has_external_kafka = t
        .kafka
        .as_ref()
        .is_some_and(|k| k.listeners.iter().any(|l| l.kind.value == "nodeport"));
    if t.firewall.is_empty() && !has_external_kafka {
        return; // a private cluster
    }
    let open = support::merge(
        t.firewall
            .iter()
            .filter(|r| r.protocol.value == Protocol::Tcp)
            .map(|r| r.ports.value)
            .collect(),
    );
    let opened: Vec<String> = t
        .firewall
        .iter()
        .filter(|r| r.protocol.value == Protocol::Tcp)
        .map(|r| r.port_string())
        .collect();
    for u in t.node_ports() {
        if t.firewall.is_empty() && u.listener.is_none() {
            continue;
        }
        let missing = support::uncovered(u.first, u.last, &open);
        if missing.is_empty() {
            continue;
        }
        let n = support::port_count(&missing);
        let ports = support::port_ranges(&missing);
        let mut f = Finding::new(
            &RULE,
            format!(
                "NodePort{} {ports} of {} {} not opened by the firewall",
                if n == 1 { "" } else { "s" },
                u.what,
                if n == 1 { "is" } else { "are" }
            ),
        )
        .label(u.span, "exposed here");
        if let Some(span) = t.firewall_span {
            f = f.label(
                span,
                format!(
                    "the firewall opens TCP {}",
                    if opened.is_empty() {
                        "nothing".to_owned()
                    } else {
                        opened.join(", ")
                    }
                ),
            );
        }
        let name = if u.listener.is_some() {
            "kafka"
        } else {
            "ingress"
        };
        out.push(f.help(format!(
            "open {}: `firewall {{ allow {name} {} }}` (add sources to restrict who may connect)",
            if u.first == u.last { "it" } else { "them" },
            support::port_prop(u.first, u.last)
        )));
    }
}
