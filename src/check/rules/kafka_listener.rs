//! `topogen::kafka::listener`: a Kafka listener name, type or port that Strimzi refuses.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use std::collections::HashMap;

use crate::model::{Span, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::listener",
    severity: Severity::Error,
    summary: "a Kafka listener name, type or port that Strimzi refuses",
    docs: r#"## What it does
Checks every `listener` of the `kafka` node as Strimzi 0.48 validates it: the name matches
`^[a-z0-9]{1,11}$`; the type is one of `internal`, `route`, `loadbalancer`, `nodeport`,
`ingress`, `cluster-ip`; the port is 9092 or above and is not 9404 (metrics) or 9999
(JMX), nor 9090, 9091 or 8443, which Strimzi uses internally; and names and ports are
unique.

## Why is this bad?
The Kafka custom resource would be accepted by Kubernetes but refused by the Cluster
Operator at reconcile time, after the cluster was provisioned: the deploy workflow waits
for a Kafka cluster that never becomes ready."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    listener "Plain_TLS" type=internal port=9092 tls=#true
    listener metrics type=clusterip port=9404
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    listener tls type=internal port=9093 tls=#true
    listener clients type=cluster-ip port=9095
}
"#,
    check: Check::Topology(check),
};

fn name_ok(s: &str) -> bool {
    (1..=11).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let mut names: HashMap<&str, Span> = HashMap::new();
    let mut ports: HashMap<u32, (&str, Span)> = HashMap::new();
    for l in &k.listeners {
        let name = l.name.value.as_str();
        // a missing name is a placeholder on a poisoned node: its finding is dropped
        if !name_ok(name) {
            let fixed: String = name
                .to_ascii_lowercase()
                .bytes()
                .filter(u8::is_ascii_alphanumeric)
                .take(11)
                .map(char::from)
                .collect();
            let example = if fixed.is_empty() || !support::may_echo(name) {
                "external".to_owned()
            } else {
                fixed
            };
            out.push(
                Finding::new(
                    &RULE,
                    if name.is_empty() {
                        "an empty listener name is not valid for Strimzi".to_owned()
                    } else {
                        format!("listener name `{name}` is not valid for Strimzi")
                    },
                )
                .label(l.name.span, "expected 1-11 lowercase letters or digits")
                .help(format!("rename it, e.g. `listener {example} …`")),
            );
        }
        let kind = l.kind.value.as_str();
        if !kind.is_empty() && !support::LISTENER_TYPES.contains(&kind) {
            out.push(
                Finding::new(&RULE, format!("unknown listener type `{kind}`"))
                    .label(l.kind.span, "not a Strimzi listener type")
                    .help(format!(
                        "{}the types are {}",
                        support::did_you_mean(kind, support::LISTENER_TYPES.iter().copied()),
                        support::list(support::LISTENER_TYPES, 8)
                    )),
            );
        }
        let port = l.port.value;
        let reserved = match port {
            9404 => Some("Strimzi's Prometheus metrics port"),
            9999 => Some("Strimzi's JMX port"),
            9090 => Some("the KRaft control-plane listener"),
            9091 => Some("the inter-broker replication listener"),
            8443 => Some("Strimzi's internal HTTPS port"),
            _ => None,
        };
        if let Some(what) = reserved {
            out.push(
                Finding::new(&RULE, format!("listener `{name}` uses port {port}, which is {what}"))
                    .label(l.port.span, "reserved by Strimzi")
                    .help("use another port from 9092 up, e.g. 9092 for plain, 9093 for TLS, 9094 for external"),
            );
        } else if port < 9092 {
            out.push(
                Finding::new(&RULE, format!("listener `{name}` uses port {port}, below 9092"))
                    .label(l.port.span, "Strimzi requires 9092 or above")
                    .help("use a port from 9092 up; clients outside the cluster use the NodePorts, not this port"),
            );
        }
        if !name.is_empty() {
            if let Some(first) = names.get(name) {
                out.push(
                    Finding::new(&RULE, format!("two listeners are named `{name}`"))
                        .label(l.name.span, "named again here")
                        .label(*first, "first listener")
                        .help("give every listener its own name"),
                );
            } else {
                names.insert(name, l.name.span);
            }
        }
        if let Some((other, first)) = ports.get(&port) {
            out.push(
                Finding::new(
                    &RULE,
                    format!("listeners `{other}` and `{name}` both use port {port}"),
                )
                .label(l.port.span, "used again here")
                .label(*first, format!("used by `{other}`"))
                .help("give every listener its own port"),
            );
        } else {
            ports.insert(port, (name, l.port.span));
        }
    }
}
