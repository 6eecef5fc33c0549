//! `topogen::ip::subnet`: the subnet is not inside the network, or either is not a
//! private network address.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Spanned, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::ip::subnet",
    severity: Severity::Error,
    summary: "the subnet is not inside the network, or an address is not a private network",
    docs: r#"## What it does
Checks, in every environment after its overlay, that the `network` and its `subnet=` are
network addresses (no host bits set, `10.0.1.0/24` rather than `10.0.1.5/24`), that the
network is one of the private ranges of RFC 1918 (`10.0.0.0/8`, `172.16.0.0/12`,
`192.168.0.0/16`) as Hetzner Cloud requires, and that the subnet lies inside the network.

## Why is this bad?
Hetzner refuses a subnet outside its network only when `terraform apply` runs, half-way
through creating the cluster. An environment overlay that changes the network but forgets
the subnet (`network "10.1.0.0/16"` with the base's `10.0.1.0/24`) is the usual cause."#,
    fail: r#"environment prod production=#true {
    network "10.1.0.0/16"
    gitops overlay="overlays/prod"
}
"#,
    fixed: r#"environment prod production=#true {
    network "10.1.0.0/16" subnet="10.1.1.0/24"
    gitops overlay="overlays/prod"
}
"#,
    check: Check::Topology(check),
};

fn is_private(net: &Ipv4Net) -> bool {
    [
        (Ipv4Addr::new(10, 0, 0, 0), 8),
        (Ipv4Addr::new(172, 16, 0, 0), 12),
        (Ipv4Addr::new(192, 168, 0, 0), 16),
    ]
    .into_iter()
    .filter_map(|(a, p)| Ipv4Net::new(a, p).ok())
    .any(|private| private.contains(net))
}

fn host_bits(out: &mut Findings, what: &str, net: &Spanned<Ipv4Net>) -> bool {
    let v = net.value;
    if v.addr() == v.network() {
        return false;
    }
    let fixed =
        Ipv4Net::new(v.network(), v.prefix_len()).map_or_else(|_| v.to_string(), |n| n.to_string());
    out.push(
        Finding::new(&RULE, format!("the {what} `{v}` has host bits set"))
            .label(
                net.span,
                format!(
                    "`{}` is not the first address of a /{}",
                    v.addr(),
                    v.prefix_len()
                ),
            )
            .help(format!("write the network address: `{fixed}`")),
    );
    true
}

fn check(t: &Topology, out: &mut Findings) {
    let net = &t.network.cidr;
    let sub = &t.network.subnet;
    let bad_net = host_bits(out, "network", net);
    let bad_sub = host_bits(out, "subnet", sub);
    if !is_private(&net.value) {
        out.push(
            Finding::new(
                &RULE,
                format!("the network `{}` is not a private address range", net.value),
            )
            .label(
                net.span,
                "not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
            )
            .help("Hetzner private networks must use an RFC 1918 range, e.g. `10.0.0.0/16`"),
        );
    }
    if bad_net || bad_sub {
        return;
    }
    if !net.value.contains(&sub.value) {
        let example = Ipv4Net::new(net.value.network(), 24.max(net.value.prefix_len()))
            .map_or_else(|_| String::new(), |n| format!(", e.g. `subnet=\"{n}\"`"));
        out.push(
            Finding::new(
                &RULE,
                format!("the subnet `{}` is not inside the network `{}`", sub.value, net.value),
            )
            .label(sub.span, "this subnet")
            .label(net.span, "is outside this network")
            .help(format!(
                "pick a subnet inside `{}`{example}; an environment that overrides `network` usually needs its own `subnet=` too",
                net.value
            )),
        );
    }
}
