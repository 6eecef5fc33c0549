//! `topogen::exposure::internal`: a port only the cluster itself should reach is open to addresses outside it.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{FirewallRule, Protocol, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::exposure::internal",
    severity: Severity::Warning,
    summary: "a port only the cluster itself should reach is open to addresses outside it",
    docs: r#"## What it does
Reports firewall `allow` rules whose port range contains a port that only the cluster's
own nodes should reach, from any source outside the cluster's private `network`: no
sources (`0.0.0.0/0` and `::/0`), a CIDR wider than that network, or any other outside
address (an office, a runner range). The ports, from K3s's inbound rules
(<https://docs.k3s.io/installation/requirements#inbound-rules-for-k3s-nodes>):

| Port | Protocol | What listens |
|---|---|---|
| 2379-2380 | TCP | embedded etcd (client and peer) |
| 5001 | TCP | the embedded registry mirror (Spegel) |
| 8472 | UDP | Flannel's VXLAN overlay |
| 9100 | TCP | node-exporter (kube-prometheus-stack, host network) |
| 10250 | TCP | the kubelet API and metrics (scraped by metrics-server) |
| 51820-51821 | UDP | Flannel's WireGuard backend (IPv4, IPv6) |

A range that contains one of them counts (`port="1-65535"`). It is a warning in
environments not marked `production=#true` and an error in production ones; `reason=`
does not acknowledge it (it acknowledges `topogen::exposure::public`, which covers SSH
and the K3s supervisor and Kubernetes API on 6443: those two share one port, and
reaching it from outside can be intended). K3s's other ports (6444, 10248, 10256…)
listen on loopback only.

## Why is this bad?
Nothing outside the cluster has a reason to talk to these ports, and each hands over
much more than it seems: etcd holds every Secret; the kubelet runs commands in any pod
of its node for whoever gets past its authentication, and its metrics map the
workloads; VXLAN has no authentication at all, so anyone can inject packets into the pod
network; node-exporter and Spegel tell an attacker what runs where. The nodes reach each
other on the private network, which the Hetzner firewall does not filter (it applies to
public interfaces only), so removing the rule breaks nothing that topogen deploys."#,
    fail: r#"firewall {
    allow flannel port=8472 protocol=udp
    allow kubelet "203.0.113.0/24" port=10250
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
}
environment dev production=#true
"#,
    fixed: r#"firewall {
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
}
"#,
    check: Check::Topology(check),
};

/// A cluster-internal port range.
pub(crate) struct Internal {
    /// TCP or UDP.
    pub(crate) protocol: Protocol,
    /// First port.
    pub(crate) first: u32,
    /// Last port.
    pub(crate) last: u32,
    /// What listens there.
    what: &'static str,
    /// Why exposing it is dangerous.
    why: &'static str,
}

const fn p(
    protocol: Protocol,
    first: u32,
    last: u32,
    what: &'static str,
    why: &'static str,
) -> Internal {
    Internal {
        protocol,
        first,
        last,
        what,
        why,
    }
}

/// The ports only the cluster's own nodes should reach, sorted.
pub(crate) const PORTS: &[Internal] = &[
    p(
        Protocol::Tcp,
        2379,
        2380,
        "embedded etcd",
        "it holds every Secret of the cluster",
    ),
    p(
        Protocol::Tcp,
        5001,
        5001,
        "the embedded registry mirror (Spegel)",
        "it serves the cluster's images to whoever asks",
    ),
    p(
        Protocol::Udp,
        8472,
        8472,
        "Flannel's VXLAN overlay",
        "VXLAN has no authentication: anyone can inject packets into the pod network",
    ),
    p(
        Protocol::Tcp,
        9100,
        9100,
        "node-exporter",
        "it tells anyone what runs on the node",
    ),
    p(
        Protocol::Tcp,
        10250,
        10250,
        "the kubelet API and metrics",
        "the kubelet runs commands in any pod of its node",
    ),
    p(
        Protocol::Udp,
        51820,
        51821,
        "Flannel's WireGuard backend",
        "it is the overlay's tunnel endpoint, not a service for outsiders",
    ),
];

/// The internal port ranges a rule's port range touches.
fn touched(r: &FirewallRule) -> Vec<&'static Internal> {
    let (a, b) = r.ports.value;
    PORTS
        .iter()
        .filter(|i| i.protocol == r.protocol.value && i.first <= b && a <= i.last)
        .collect()
}

fn check(t: &Topology, out: &mut Findings) {
    let own = t.network.cidr.value;
    for r in &t.firewall {
        let hit = touched(r);
        if hit.is_empty() {
            continue;
        }
        let outside = r.sources.iter().find(|s| match s.value {
            ipnet::IpNet::V4(n) => !own.contains(&n),
            ipnet::IpNet::V6(_) => true,
        });
        if !r.sources.is_empty() && outside.is_none() {
            continue; // only the cluster's own network
        }
        let proto = r.protocol.value.as_str();
        let ports: Vec<String> = hit
            .iter()
            .map(|i| {
                format!(
                    "{} ({}/{proto})",
                    i.what,
                    support::port_range(i.first, i.last)
                )
            })
            .collect();
        let why: Vec<String> = hit.iter().map(|i| i.why.to_owned()).collect();
        let mut f = Finding::new(
            &RULE,
            format!(
                "`allow {}` opens {} to addresses outside the cluster",
                r.name.value,
                support::join_and(&ports)
            ),
        )
        .label(
            r.ports.span,
            format!(
                "only the cluster's nodes should reach this: {}",
                why.join("; ")
            ),
        );
        f = match outside {
            Some(s) => f.label(s.span, format!("outside the cluster's network {own}")),
            None => f.label(r.name.span, "no sources: open to 0.0.0.0/0 and ::/0"),
        };
        if t.env.production.value {
            f = f
                .severity(Severity::Error)
                .label(t.env.production.span, "a production environment");
        }
        let (a, b) = r.ports.value;
        let whole = hit.iter().any(|i| i.first <= a && b <= i.last);
        let help = if whole {
            format!(
                "remove `allow {}`: the nodes reach each other on the private network {own}, which the Hetzner firewall does not filter",
                r.name.value
            )
        } else {
            let internal = support::merge(hit.iter().map(|i| (i.first, i.last)).collect());
            format!(
                "narrow `port` of `allow {}` to leave out {}: the nodes reach them on the private network {own}",
                r.name.value,
                support::port_ranges(&internal)
            )
        };
        out.push(f.help(help));
    }
}

#[cfg(test)]
mod tests {
    use crate::check::example;
    use crate::diag::Severity;
    use crate::source::Source;

    /// The findings of this rule for a fragment placed into the base cluster.
    fn findings(fragment: &str) -> Vec<(Severity, String)> {
        let text = example::place(&[fragment]).expect("places");
        crate::compile(Source::new("cluster.kdl", text))
            .findings
            .into_iter()
            .filter(|f| f.code == super::RULE.code)
            .map(|f| (f.severity, f.message))
            .collect()
    }

    fn firewall(rule: &str) -> String {
        format!(
            "firewall {{\n    {rule}\n    allow http \"203.0.113.0/24\" port=30080\n    allow https \"203.0.113.0/24\" port=30443\n}}\n"
        )
    }

    #[test]
    fn each_port_family_is_reported() {
        for (rule, what) in [
            (
                "allow etcd port=\"2379-2380\"",
                "embedded etcd (2379-2380/tcp)",
            ),
            ("allow etcd port=2380", "embedded etcd (2379-2380/tcp)"),
            ("allow spegel port=5001", "Spegel"),
            (
                "allow vxlan port=8472 protocol=udp",
                "VXLAN overlay (8472/udp)",
            ),
            ("allow exporter port=9100", "node-exporter (9100/tcp)"),
            (
                "allow kubelet port=10250",
                "kubelet API and metrics (10250/tcp)",
            ),
            (
                "allow wg port=51821 protocol=udp",
                "WireGuard backend (51820-51821/udp)",
            ),
            ("allow all port=\"1-65535\"", "kubelet"),
            ("allow all \"0.0.0.0/1\" port=\"10000-11000\"", "kubelet"),
            ("allow all \"10.0.0.0/8\" port=10250", "kubelet"),
            ("allow all \"2001:db8::/32\" port=10250", "kubelet"),
        ] {
            let got = findings(&firewall(rule));
            assert_eq!(got.len(), 1, "{rule}: {got:?}");
            assert_eq!(got[0].0, Severity::Warning, "{rule}");
            assert!(got[0].1.contains(what), "{rule}: {}", got[0].1);
        }
    }

    #[test]
    fn other_ports_protocols_and_own_sources_are_not() {
        for rule in [
            "allow k port=10250 protocol=udp",
            "allow v port=8472",
            "allow n port=\"10251-10260\"",
            "allow own \"10.0.0.0/16\" port=10250",
            "allow own \"10.0.1.0/24\" port=8472 protocol=udp",
        ] {
            assert_eq!(findings(&firewall(rule)), Vec::new(), "{rule}");
        }
    }

    /// One mistake, one finding: `firewall::unused` does not call the
    /// internal ports idle.
    #[test]
    fn unused_leaves_internal_ports_to_this_rule() {
        for (rule, unused) in [
            ("allow vxlan port=8472 protocol=udp", None),
            (
                "allow wg port=\"8472-8473\" protocol=udp",
                Some("UDP 8473,"),
            ),
            ("allow k port=\"10249-10251\"", Some("10249, 10251")),
        ] {
            let text = example::place(&[&firewall(rule)]).expect("places");
            let got: Vec<String> = crate::compile(Source::new("cluster.kdl", text))
                .findings
                .into_iter()
                .filter(|f| f.code == "topogen::firewall::unused")
                .map(|f| f.message)
                .collect();
            match unused {
                None => assert_eq!(got, Vec::<String>::new(), "{rule}"),
                Some(ports) => {
                    assert_eq!(got.len(), 1, "{rule}: {got:?}");
                    assert!(got[0].contains(ports), "{rule}: {}", got[0]);
                }
            }
        }
    }

    #[test]
    fn production_makes_it_an_error() {
        let got = findings(&format!(
            "{}environment dev production=#true\n",
            firewall("allow kubelet port=10250")
        ));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, Severity::Error);
    }
}
