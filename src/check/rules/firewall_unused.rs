//! `topogen::firewall::unused`: a firewall rule opens ports where nothing listens.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Protocol, Topology};

use super::{exposure_internal, support};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::firewall::unused",
    severity: Severity::Warning,
    summary: "a firewall rule opens ports where nothing listens",
    docs: r#"## What it does
Checks that every port a firewall `allow` opens is used by something: SSH (22), the
Kubernetes API on the server (6443), Traefik's NodePorts, and the Kafka external
listener's bootstrap and broker NodePorts. UDP rules open nothing topogen runs. The
cluster-internal ports (kubelet, etcd, the overlay network…) have listeners: opening them
is `topogen::exposure::internal`'s finding, not this one's. While the
broker count is unknown (the broker pool is missing or its `count` is invalid, each an
error of its own), the ports from `broker-node-port` up count as used.

## Why is this bad?
An open port nothing listens on today is a port something will listen on tomorrow without
anyone deciding to expose it. It is also the trace of a change that was only half made:
a NodePort moved in one place but not in the firewall."#,
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
    allow kafka "203.0.113.0/24" port="30001-30010"
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
    allow grafana "203.0.113.0/24" port=3000
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

/// SSH and the Kubernetes API.
const FIXED: &[(u32, &str)] = &[(22, "SSH"), (6443, "the Kubernetes API")];

fn check(t: &Topology, out: &mut Findings) {
    let used = support::merge(
        FIXED
            .iter()
            .map(|&(p, _)| (p, p))
            .chain(t.node_ports().iter().map(|u| (u.first, u.last)))
            .chain(unknown_broker_ports(t))
            .collect(),
    );
    // Cluster-internal ports have listeners; exposing them is
    // `topogen::exposure::internal`'s finding, not this one's.
    let internal = |p: Protocol| {
        support::merge(
            exposure_internal::PORTS
                .iter()
                .filter(|i| i.protocol == p)
                .map(|i| (i.first, i.last))
                .collect(),
        )
    };
    let (internal_tcp, internal_udp) = (internal(Protocol::Tcp), internal(Protocol::Udp));
    for r in &t.firewall {
        let (a, b) = r.ports.value;
        let name = &r.name.value;
        if r.protocol.value == Protocol::Udp {
            let idle = support::uncovered(a, b, &internal_udp);
            if idle.is_empty() {
                continue;
            }
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "`allow {name}` opens UDP {}, where nothing listens",
                        support::port_ranges(&idle)
                    ),
                )
                .label(r.protocol.span, "nothing in the cluster listens on UDP")
                .help("remove the rule; cluster-internal traffic uses the private network"),
            );
            continue;
        }
        let idle: Vec<(u32, u32)> = support::uncovered(a, b, &used)
            .into_iter()
            .flat_map(|(x, y)| support::uncovered(x, y, &internal_tcp))
            .collect();
        if idle.is_empty() {
            continue;
        }
        let all = support::port_count(&idle) == u64::from(b - a) + 1;
        let (message, help) = if all {
            (
                format!(
                    "`allow {name}` opens {}, where nothing listens",
                    r.port_string()
                ),
                "remove the rule, or point it at the port that is actually used".to_owned(),
            )
        } else {
            (
                format!(
                    "`allow {name}` also opens {}, where nothing listens",
                    support::port_ranges(&idle)
                ),
                format!(
                    "narrow `port` to the ports in use: {}",
                    support::port_ranges(&support::merge(
                        used.iter()
                            .filter(|&&(x, y)| x <= b && y >= a)
                            .map(|&(x, y)| (x.max(a), y.min(b)))
                            .collect()
                    ))
                ),
            )
        };
        out.push(
            Finding::new(&RULE, message)
                .label(r.ports.span, "opened to the internet")
                .help(help),
        );
    }
}

/// With the broker count unknown (its pool missing or its `count` invalid,
/// each an error of its own), every port from a listener's
/// `broker-node-port` up may be in use.
fn unknown_broker_ports(t: &Topology) -> Vec<(u32, u32)> {
    if support::brokers_known(t) {
        return Vec::new();
    }
    t.kafka
        .iter()
        .flat_map(|k| &k.listeners)
        .filter_map(|l| l.broker_node_port.as_ref())
        .map(|b| (b.value, b.value.max(65_535)))
        .collect()
}
