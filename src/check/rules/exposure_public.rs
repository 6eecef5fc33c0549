//! `topogen::exposure::public`: SSH, the Kubernetes API or plaintext Kafka is open to the whole internet without a reason.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Protocol, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::exposure::public",
    severity: Severity::Warning,
    summary: "SSH, the Kubernetes API or plaintext Kafka is open to the whole internet without a reason",
    docs: r#"## What it does
Reports firewall rules open to the whole internet (no sources, or `0.0.0.0/0` / `::/0`)
that expose SSH (22), the Kubernetes API (6443) or a Kafka NodePort without TLS
(`tls=#false`), unless the rule states why with `reason="…"`. It is a warning in
environments not marked `production=#true` and an error in production ones.

## Why is this bad?
These are the ports scanners try first: SSH and the API server are brute-forced within
minutes of a server getting an address, and plaintext Kafka hands market data (and the
ability to write into topics) to anyone. Sometimes it is the right trade-off (GitHub-hosted
runners have no fixed address); `reason=` records that it was decided, not forgotten.
Restricting the Kubernetes API's sources never breaks the cluster: the K3s server
advertises its private address, and agents, kubelets and pods reach it over the private
network, which the firewall does not filter; only kubectl from outside (the workflows)
uses the public 6443."#,
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
    allow ssh port=22
    allow kafka port="30001-30004"
    allow http port=30080
    allow https port=30443
}
"#,
    fixed: r#"firewall {
    allow ssh port=22 reason="GitHub-hosted runners have no fixed address"
    allow kafka "203.0.113.0/24" port="30001-30004"
    allow http port=30080
    allow https port=30443
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let plaintext: Vec<crate::model::resolve::NodePortUse> = t
        .node_ports()
        .into_iter()
        .filter(|u| u.plaintext_kafka)
        .collect();
    for r in &t.firewall {
        if r.reason.is_some() || !r.is_public() {
            continue;
        }
        let (a, b) = r.ports.value;
        let tcp = r.protocol.value == Protocol::Tcp;
        let mut what = Vec::new();
        let mut related = Vec::new();
        if tcp && a <= 22 && 22 <= b {
            what.push("SSH (22)".to_owned());
        }
        if tcp && a <= 6443 && 6443 <= b {
            what.push("the Kubernetes API (6443)".to_owned());
        }
        for u in &plaintext {
            if let (true, Some((name, tls))) = (tcp && u.first <= b && a <= u.last, &u.listener) {
                let w = format!("the plaintext Kafka listener `{name}`");
                if !what.contains(&w) {
                    what.push(w);
                    related.push(*tls);
                }
            }
        }
        if what.is_empty() {
            continue;
        }
        let whole = r
            .sources
            .iter()
            .find(|s| s.value.prefix_len() == 0)
            .map_or(r.ports.span, |s| s.span);
        let mut f = Finding::new(
            &RULE,
            format!(
                "`allow {}` opens {} to the whole internet",
                r.name.value,
                support::join_and(&what)
            ),
        )
        .label(
            whole,
            if r.sources.is_empty() {
                "no sources: open to 0.0.0.0/0 and ::/0"
            } else {
                "open to every address"
            },
        );
        for s in related {
            f = f.label(s, "`tls=#false`: traffic in plaintext");
        }
        if t.env.production.value {
            f = f
                .severity(Severity::Error)
                .label(t.env.production.span, "a production environment");
        }
        out.push(f.help(format!(
            "restrict the sources (`allow {} \"203.0.113.0/24\" {}`), or acknowledge the exposure with `reason=\"…\"`",
            r.name.value,
            support::port_prop(a, b)
        )));
    }
}
