//! `topogen::kafka::topic-config`: a topic configuration key Kafka does not know, or a value of the wrong type.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity, did_you_mean};
use crate::model::{ConfigValue, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::topic-config",
    severity: Severity::Error,
    summary: "a topic configuration key Kafka does not know, or a value of the wrong type",
    docs: r#"## What it does
Checks every `config KEY VALUE` of a topic against Kafka 4.0's topic-level configuration:
the key must be one of them, and the value of its type — a whole number within the key's
bounds (`retention.ms` from -1, `min.insync.replicas` from 1), a ratio from 0 to 1, a
boolean, or one of the key's words (`cleanup.policy` is `delete`, `compact` or
`compact,delete`). A number may be written as a string (`"604800000"`). Keys removed in
Kafka 4.0 (`message.format.version`, `message.downconversion.enable`,
`message.timestamp.difference.max.ms`) are unknown.

## Why is this bad?
Kafka rejects an unknown key or a malformed value when the Topic Operator creates the
topic: the `KafkaTopic` stays NotReady with `InvalidConfigurationException` and the deploy
waits for it in vain, or — for a typo of an optional key — the setting silently never
applies."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=6 {
        config "retention.msec" 604800000
    }
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=6 {
        config "retention.ms" 604800000
    }
}
"#,
    check: Check::Topology(check),
};

/// The type of a topic configuration value.
#[derive(Clone, Copy)]
enum Type {
    /// A whole number from `min` to `max`.
    Long { min: i64, max: i64 },
    /// A number from 0 to 1.
    Ratio,
    /// `true` or `false`.
    Bool,
    /// One of these words.
    Word(&'static [&'static str]),
    /// A comma-separated, non-empty list of these words.
    Words(&'static [&'static str]),
    /// Any string (replica lists for throttling: `*` or `partition:broker,…`).
    Text,
}

const INT_MAX: i64 = i32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;

const fn long(min: i64) -> Type {
    Type::Long { min, max: LONG_MAX }
}

const fn int(min: i64) -> Type {
    Type::Long { min, max: INT_MAX }
}

/// Kafka 4.0's topic-level configuration keys (`TopicConfig`, `LogConfig`), with their types.
const KEYS: &[(&str, Type)] = &[
    ("cleanup.policy", Type::Words(&["compact", "delete"])),
    ("compression.gzip.level", Type::Long { min: -1, max: 9 }),
    ("compression.lz4.level", Type::Long { min: 1, max: 17 }),
    (
        "compression.type",
        Type::Word(&["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
    ),
    (
        "compression.zstd.level",
        Type::Long {
            min: -131_072,
            max: 22,
        },
    ),
    ("delete.retention.ms", long(0)),
    ("file.delete.delay.ms", long(0)),
    ("flush.messages", long(1)),
    ("flush.ms", long(0)),
    ("follower.replication.throttled.replicas", Type::Text),
    ("index.interval.bytes", int(0)),
    ("leader.replication.throttled.replicas", Type::Text),
    ("local.retention.bytes", long(-2)),
    ("local.retention.ms", long(-2)),
    ("max.compaction.lag.ms", long(1)),
    ("max.message.bytes", int(0)),
    ("message.timestamp.after.max.ms", long(0)),
    ("message.timestamp.before.max.ms", long(0)),
    (
        "message.timestamp.type",
        Type::Word(&["CreateTime", "LogAppendTime"]),
    ),
    ("min.cleanable.dirty.ratio", Type::Ratio),
    ("min.compaction.lag.ms", long(0)),
    ("min.insync.replicas", int(1)),
    ("preallocate", Type::Bool),
    ("remote.log.copy.disable", Type::Bool),
    ("remote.log.delete.on.disable", Type::Bool),
    ("remote.storage.enable", Type::Bool),
    ("retention.bytes", long(-1)),
    ("retention.ms", long(-1)),
    ("segment.bytes", int(1_048_576)),
    ("segment.index.bytes", int(4)),
    ("segment.jitter.ms", long(0)),
    ("segment.ms", long(1)),
    ("unclean.leader.election.enable", Type::Bool),
];

/// What is wrong with `value` for a key of type `ty`, if anything.
fn problem(ty: Type, value: &ConfigValue) -> Option<String> {
    match (ty, value) {
        (Type::Long { min, max }, v) => {
            let n = match v {
                ConfigValue::Int(i) => Some(*i),
                ConfigValue::Str(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match n {
                None => Some("a whole number".to_owned()),
                Some(n) if n < min || n > max => Some(if max == LONG_MAX {
                    format!("a whole number of at least {min}")
                } else {
                    format!("a whole number from {min} to {max}")
                }),
                Some(_) => None,
            }
        }
        (Type::Ratio, v) => {
            let x = match v {
                ConfigValue::Int(i) => Some(*i as f64),
                ConfigValue::Float(x) => Some(*x),
                ConfigValue::Str(s) => s.trim().parse::<f64>().ok(),
                ConfigValue::Bool(_) => None,
            };
            (!x.is_some_and(|x| (0.0..=1.0).contains(&x)))
                .then(|| "a number from 0 to 1".to_owned())
        }
        (Type::Bool, ConfigValue::Bool(_)) => None,
        (Type::Bool, ConfigValue::Str(s)) if s == "true" || s == "false" => None,
        (Type::Bool, _) => Some("`#true` or `#false`".to_owned()),
        (Type::Word(words), ConfigValue::Str(s)) if words.contains(&s.as_str()) => None,
        (Type::Word(words), _) => Some(format!("one of {}", crate::diag::list(words, 8))),
        (Type::Words(words), ConfigValue::Str(s))
            if s.split(',').all(|w| words.contains(&w.trim())) =>
        {
            None
        }
        (Type::Words(words), _) => Some(format!(
            "a comma-separated list of {}",
            crate::diag::list(words, 8)
        )),
        (Type::Text, ConfigValue::Str(_)) => None,
        (Type::Text, _) => Some("a string".to_owned()),
    }
}

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    for topic in &k.topics {
        for c in &topic.config {
            if t.is_invalid(c.key.span) {
                continue;
            }
            let key = c.key.value.as_str();
            let Some((_, ty)) = KEYS.iter().find(|(k, _)| *k == key) else {
                let hint = did_you_mean(key, KEYS.iter().map(|(k, _)| *k)).unwrap_or_else(|| {
                    "`topogen explain kafka::topic-config` lists the keys".to_owned()
                });
                out.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "topic `{}`: `{key}` is not a topic configuration key of Kafka",
                            topic.name.value
                        ),
                    )
                    .label(c.key.span, "unknown key")
                    .help(hint),
                );
                continue;
            };
            if let Some(expected) = problem(*ty, &c.value.value) {
                out.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "topic `{}`: `{key}` must be {expected}, found `{}`",
                            topic.name.value, c.value.value
                        ),
                    )
                    .label(c.value.span, format!("expected {expected}"))
                    .help(format!("write `config \"{key}\"` with {expected}")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_type() {
        let s = |v: &str| ConfigValue::Str(v.to_owned());
        let long = Type::Long {
            min: -1,
            max: LONG_MAX,
        };
        assert!(problem(long, &ConfigValue::Int(604_800_000)).is_none());
        assert!(problem(long, &s("604800000")).is_none());
        assert!(problem(long, &ConfigValue::Int(-2)).is_some());
        assert!(problem(long, &s("7d")).is_some());
        assert!(problem(long, &ConfigValue::Bool(true)).is_some());
        let policy = Type::Words(&["compact", "delete"]);
        assert!(problem(policy, &s("compact,delete")).is_none());
        assert!(problem(policy, &s("compact,archive")).is_some());
        assert!(problem(Type::Ratio, &ConfigValue::Float(0.5)).is_none());
        assert!(problem(Type::Ratio, &ConfigValue::Float(1.5)).is_some());
        assert!(problem(Type::Bool, &ConfigValue::Bool(false)).is_none());
        assert!(problem(Type::Bool, &s("yes")).is_some());
    }

    #[test]
    fn keys_are_sorted_and_unique() {
        assert!(KEYS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
