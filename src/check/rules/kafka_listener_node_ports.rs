//! `topogen::kafka::listener-node-ports`: NodePorts on a listener that is not `type=nodeport`, or missing on one that is.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Listener, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::listener-node-ports",
    severity: Severity::Error,
    summary: "NodePorts on a listener that is not `type=nodeport`, or missing on one that is",
    docs: r#"## What it does
Checks the NodePort settings of Kafka listeners: `bootstrap-node-port=` and
`broker-node-port=` only on `type=nodeport` listeners, and both required there (broker `i`
gets `broker-node-port + i`); and at most one `type=nodeport` listener, the one the
generated firewall, workflows and docs describe as the external access.

## Why is this bad?
NodePorts on another listener type are ignored by Strimzi, so the firewall would open
ports nothing listens on. Without fixed NodePorts Kubernetes picks random ones, which the
generated firewall rules and the advertised broker addresses cannot know."#,
    fail: r#"pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
    primary-ip node=0
}
kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092 bootstrap-node-port=30001
    listener external type=nodeport port=9094
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
    let Some(k) = &t.kafka else { return };
    let mut first_nodeport: Option<&Listener> = None;
    for l in &k.listeners {
        let name = &l.name.value;
        if l.kind.value != "nodeport" {
            for (prop, value) in [
                ("bootstrap-node-port", &l.bootstrap_node_port),
                ("broker-node-port", &l.broker_node_port),
            ] {
                if let Some(v) = value {
                    out.push(
                        Finding::new(
                            &RULE,
                            format!(
                                "`{prop}` on listener `{name}`, which is not a nodeport listener"
                            ),
                        )
                        .label(v.span, "ignored by Strimzi")
                        .label(l.kind.span, format!("type `{}`", l.kind.value))
                        .help(format!(
                            "remove `{prop}`, or make the listener `type=nodeport`"
                        )),
                    );
                }
            }
            continue;
        }
        let missing: Vec<&str> = [
            ("bootstrap-node-port", l.bootstrap_node_port.is_none()),
            ("broker-node-port", l.broker_node_port.is_none()),
        ]
        .into_iter()
        .filter_map(|(p, m)| m.then_some(p))
        .collect();
        if !missing.is_empty() {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "nodeport listener `{name}` has no {}",
                        missing.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(" and ")
                    ),
                )
                .label(l.span, "Kubernetes would pick random NodePorts")
                .help("fix the ports, e.g. `bootstrap-node-port=30001 broker-node-port=30002`: broker i gets broker-node-port + i"),
            );
        }
        match first_nodeport {
            None => first_nodeport = Some(l),
            Some(first) => out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "listeners `{}` and `{name}` are both nodeport listeners; topogen supports one",
                        first.name.value
                    ),
                )
                .label(l.kind.span, "a second nodeport listener")
                .label(first.kind.span, "the external listener")
                .help("keep one `type=nodeport` listener for outside clients; use `internal` for the others"),
            ),
        }
    }
}
