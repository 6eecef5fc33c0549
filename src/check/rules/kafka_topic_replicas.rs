//! `topogen::kafka::topic-replicas`: a topic wants more replicas than the environment has brokers.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::topic-replicas",
    severity: Severity::Error,
    summary: "a topic wants more replicas than the environment has brokers",
    docs: r#"## What it does
Checks each `topic … replicas=` against the number of brokers — the broker pool's `count` —
in every environment. A topic written for the production cluster is checked against the
smaller ones too: an environment that scales the broker pool down must override the
topic's `replicas` (`topic orders replicas=1` in its block). A topic without `replicas`
takes the cluster's `replication factor`, which `topogen::kafka::replication` checks.

## Why is this bad?
Kafka cannot place two replicas of a partition on one broker: the Topic Operator's
`KafkaTopic` stays NotReady (`InvalidReplicationFactorException`) and producers to the
topic fail in that environment only — typically the dev cluster nobody watches."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=6 replicas=4
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=6 replicas=3
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let Some(pool) = t.pool(&k.brokers.value) else {
        return;
    };
    let brokers = pool.count.value;
    if brokers == 0 || t.is_invalid(pool.count.span) {
        return;
    }
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    let env = t.env.span;
    let in_env = |s: crate::model::Span| s.offset >= env.offset && s.offset < env.offset + env.len;
    for topic in &k.topics {
        let Some(replicas) = &topic.replicas else {
            continue;
        };
        if replicas.value <= brokers {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "topic `{}` wants {} replicas, but the environment has {brokers} broker{}",
                    topic.name.value,
                    replicas.value,
                    plural(brokers)
                ),
            )
            .label(topic.name.span, "this topic")
            .label(
                replicas.span,
                format!("{} replicas per partition", replicas.value),
            )
            .label(
                pool.count.span,
                format!("{brokers} broker{} here", plural(brokers)),
            )
            .help(if in_env(pool.count.span) && !in_env(replicas.span) {
                format!(
                    "this environment has fewer brokers: override the topic in `environment {}`: `kafka {} {{ topic {} replicas={brokers} }}`",
                    t.env.name.value, k.name.value, topic.name.value
                )
            } else {
                format!(
                    "lower `replicas` to {brokers}, or give the broker pool {} nodes",
                    replicas.value
                )
            }),
        );
    }
}
