//! `topogen::kafka::topic-partitions`: a topic with no partitions.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::topic-partitions",
    severity: Severity::Error,
    summary: "a topic with no partitions",
    docs: r#"## What it does
Checks that every topic has `partitions=` of at least 1, in every environment.

## Why is this bad?
A topic is its partitions: Kafka refuses to create one with none, and the `KafkaTopic`
resource (`spec.partitions`, minimum 1) is rejected by the Kubernetes API, so the deploy
fails at the topics step. Partitions can be added later but never removed (`topogen plan`
reports a decrease), so start with the number the consumers will need."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=0
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=6
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    for topic in &k.topics {
        let p = &topic.partitions;
        if p.value >= 1 || t.is_invalid(p.span) {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                format!("topic `{}` has no partitions", topic.name.value),
            )
            .label(p.span, "0 partitions")
            .label(topic.name.span, "this topic")
            .help("give it at least one, e.g. `partitions=6`; partitions can grow later, never shrink"),
        );
    }
}
