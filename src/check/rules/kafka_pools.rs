//! `topogen::kafka::pools`: a Kafka broker or controller pool does not exist or has no nodes.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Spanned, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::pools",
    severity: Severity::Error,
    summary: "a Kafka broker or controller pool does not exist or has no nodes",
    docs: r#"## What it does
Checks that the pools named by `kafka … brokers=` and `controllers=` exist (suggesting the
closest pool name) and have at least one node in every environment.

## Why is this bad?
Broker and controller replicas come from the pools' `count`: they are never typed twice.
Strimzi needs at least one broker-role and one controller-role node pool with a replica
("No KafkaNodePools found"); a misspelled pool leaves the Kafka cluster without nodes."#,
    fail: r#"kafka events brokers=kafak {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let names: Vec<&str> = t.pools.iter().map(|p| p.name.value.as_str()).collect();
    let roles: [(&Spanned<String>, &str); 2] = [
        (&k.brokers, "brokers"),
        (&k.controllers, "KRaft controllers"),
    ];
    for (i, (pool_name, what)) in roles.into_iter().enumerate() {
        // `controllers=` defaults to the broker pool: report a shared pool once
        if i == 1 && k.controllers.value == k.brokers.value {
            continue;
        }
        if pool_name.value.is_empty() {
            continue;
        }
        match t.pool(&pool_name.value) {
            None => out.push(
                Finding::new(
                    &RULE,
                    format!("Kafka {what} run on pool `{}`, which does not exist", pool_name.value),
                )
                .label(pool_name.span, "no such pool")
                .help(format!(
                    "{}the pools are {}",
                    support::did_you_mean(&pool_name.value, names.iter().copied()),
                    support::list(&names, 8)
                )),
            ),
            Some(p) if p.count.value == 0 => out.push(
                Finding::new(
                    &RULE,
                    format!("pool `{}` runs the Kafka {what} but has no nodes", p.name.value),
                )
                .label(p.count.span, "count=0")
                .label(pool_name.span, format!("{what} run here"))
                .help("Strimzi needs at least one broker and one controller: give the pool `count=1` or more"),
            ),
            Some(_) => {}
        }
    }
}
