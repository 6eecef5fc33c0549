//! `topogen::kafka::topic-name`: a topic name Kafka refuses, or one that mixes `.` and `_`.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::topic-name",
    severity: Severity::Error,
    summary: "a topic name Kafka refuses, or one that mixes `.` and `_`",
    docs: r#"## What it does
Checks each topic name as Kafka does: 1 to 249 characters from `a-z`, `A-Z`, `0-9`, `.`,
`_` and `-`, and neither `.` nor `..`; names starting with `__` belong to Kafka's internal
topics. A name that mixes `.` and `_` is a warning.

## Why is this bad?
Kafka refuses an invalid name, so the Topic Operator leaves the `KafkaTopic` NotReady and
the deploy waits for it in vain. Kafka's metrics replace `.` with `_`, so `market.data` and
`market_data` collide in them; Kafka refuses the second of two such topics, and a name that
mixes both invites exactly that mistake."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic "orders/eu" partitions=6
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders.eu partitions=6
}
"#,
    check: Check::Topology(check),
};

/// The longest topic name Kafka accepts.
const MAX: usize = 249;

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    for topic in &k.topics {
        let name = &topic.name;
        if t.is_invalid(name.span) {
            continue;
        }
        let n = name.value.as_str();
        let bad: Vec<char> = n
            .chars()
            .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
            .collect();
        let problem = if n.is_empty() {
            Some("an empty topic name".to_owned())
        } else if n == "." || n == ".." {
            Some(format!("`{n}` is not a topic name Kafka accepts"))
        } else if n.chars().count() > MAX {
            Some(format!(
                "topic name of {} characters: Kafka allows at most {MAX}",
                n.chars().count()
            ))
        } else if let Some(c) = bad.first() {
            Some(format!(
                "topic `{n}` contains {:?}, which Kafka does not allow in a topic name",
                c
            ))
        } else if n.starts_with("__") {
            Some(format!(
                "topic `{n}`: names starting with `__` are Kafka's internal topics"
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            out.push(
                Finding::new(&RULE, message)
                    .label(name.span, "not a valid topic name")
                    .help("use 1 to 249 characters from a-z, A-Z, 0-9, `.`, `_` and `-`, e.g. `market.trades`"),
            );
        } else if n.contains('.') && n.contains('_') {
            out.push(
                Finding::new(
                    &RULE,
                    format!("topic `{n}` mixes `.` and `_`, which collide in Kafka's metric names"),
                )
                .severity(Severity::Warning)
                .label(name.span, "both `.` and `_`")
                .help(format!("use one separator, e.g. `{}`", n.replace('_', "."))),
            );
        }
    }
}
