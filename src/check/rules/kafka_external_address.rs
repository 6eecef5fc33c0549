//! `topogen::kafka::external-address`: an external nodeport listener whose broker pool has no Primary IP.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::external-address",
    severity: Severity::Error,
    summary: "an external nodeport listener whose broker pool has no Primary IP",
    docs: r#"## What it does
Checks that when the Kafka cluster has a `type=nodeport` listener, the broker pool holds a
`primary-ip`: every broker is advertised to outside clients through the node with the
persistent address (broker `i` as `<primary IP>:<broker-node-port + i>`).

## Why is this bad?
Without a Primary IP the brokers' ephemeral public addresses change on every rebuild of
the cluster: the generated `advertisedHost` has nothing stable to point at, and clients
that bootstrapped successfully are then sent to addresses that no longer exist."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener external type=nodeport port=9094 bootstrap-node-port=30001 broker-node-port=30002
}
firewall {
    allow kafka "203.0.113.0/24" port="30001-30004"
    allow http "203.0.113.0/24" port=30080
    allow https "203.0.113.0/24" port=30443
}
"#,
    fixed: r#"pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
    primary-ip node=0
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some((k, pool)) = t.kafka_brokers() else {
        return;
    };
    if pool.primary_ip.is_some() {
        return;
    }
    let Some(l) = k.listeners.iter().find(|l| l.kind.value == "nodeport") else {
        return;
    };
    out.push(
        Finding::new(
            &RULE,
            format!(
                "listener `{}` is advertised through a Primary IP, but broker pool `{}` has none",
                l.name.value, pool.name.value
            ),
        )
        .label(l.kind.span, "outside clients connect here")
        .label(pool.span, "no `primary-ip` in this pool")
        .help(format!(
            "add `primary-ip node=0` to pool `{}`; its persistent address is what the brokers advertise",
            pool.name.value
        )),
    );
}
