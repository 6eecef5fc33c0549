//! `topogen::kafka::topic-duplicate`: two topics that Kafka takes for one.

use std::collections::BTreeMap;

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Topic, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::topic-duplicate",
    severity: Severity::Error,
    summary: "two topics that Kafka takes for one",
    docs: r#"## What it does
Reports two topics, in one environment, whose names differ only by `.` against `_`
(`market.trades` and `market_trades`). (Their `KafkaTopic` resources never share a name:
one that is not a valid resource name gets a hash of the topic name.) The same name twice is `topogen::schema::duplicate`; an environment that adds a
topic the base has is `topogen::schema::unmatched-override`.

## Why is this bad?
Kafka's metric names replace `.` with `_`, so it refuses to create a topic that collides
with an existing one this way: whichever `KafkaTopic` the Topic Operator reconciles second
stays NotReady, and which one that is depends on timing."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic market.trades partitions=6
    topic market_trades partitions=6
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic market.trades partitions=6
    topic market.quotes partitions=6
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let mut by_metric: BTreeMap<String, &Topic> = BTreeMap::new();
    for topic in &k.topics {
        let name = &topic.name.value;
        if name.is_empty() || t.is_invalid(topic.name.span) {
            continue;
        }
        let metric = name.replace('.', "_");
        if let Some(first) = by_metric.get(&metric) {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "topics `{}` and `{name}` collide: Kafka takes `.` and `_` for one",
                        first.name.value
                    ),
                )
                .label(topic.name.span, "Kafka refuses this one")
                .label(first.name.span, "collides with this topic")
                .help("rename one of them; use one separator (`.` or `_`) in all topic names"),
            );
            continue;
        }
        by_metric.insert(metric, topic);
    }
}
