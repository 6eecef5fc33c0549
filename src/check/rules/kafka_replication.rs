//! `topogen::kafka::replication`: the replication factor exceeds the number of brokers.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::replication",
    severity: Severity::Error,
    summary: "the replication factor exceeds the number of brokers",
    docs: r#"## What it does
Checks that `replication factor=` is at most the number of brokers, which is the broker
pool's `count` in each environment.

## Why is this bad?
Strimzi refuses a `default.replication.factor` (and the internal topics' factors) above
the broker count, and Kafka cannot place more replicas than it has brokers: topic creation
fails. An environment that scales the broker pool down is the usual cause."#,
    fail: r#"environment dev {
    pool kafka count=1
}
"#,
    fixed: r#"environment dev
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some((k, pool)) = t.kafka_brokers() else {
        return;
    };
    let (factor, brokers) = (k.replication.factor.value, pool.count.value);
    if brokers == 0 || factor <= brokers {
        return;
    }
    out.push(
        Finding::new(
            &RULE,
            format!(
                "replication factor {factor} exceeds the {brokers} broker{} of pool `{}`",
                if brokers == 1 { "" } else { "s" },
                pool.name.value
            ),
        )
        .label(
            k.replication.factor.span,
            format!("{factor} replicas per partition"),
        )
        .label(
            pool.count.span,
            format!("{brokers} broker{}", if brokers == 1 { "" } else { "s" }),
        )
        .help(format!(
            "lower `factor` to {brokers}, or raise the broker pool's `count` to {factor}"
        )),
    );
}
