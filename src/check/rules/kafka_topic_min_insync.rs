//! `topogen::kafka::topic-min-insync`: a topic's `min.insync.replicas` is not below its replicas.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{ConfigValue, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::topic-min-insync",
    severity: Severity::Error,
    summary: "a topic's `min.insync.replicas` is not below its replicas",
    docs: r#"## What it does
Compares each topic's `min.insync.replicas` — its own `config "min.insync.replicas"`, or
else the cluster's `replication min-insync` — with the topic's replicas (its `replicas=`,
or else the cluster's `replication factor`), in every environment. Above the replicas is
an error; equal to them is a warning in environments not marked `production=#true` and an
error in production ones. A topic that sets neither is the cluster's own case,
`topogen::kafka::min-insync`.

## Why is this bad?
Producers writing with `acks=all` need `min.insync.replicas` replicas in sync: above the
replica count they can never write to the topic; equal to it, one broker down (a restart,
an upgrade) stops them. Neither Kafka nor Strimzi compares the two when the topic is
created."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=6 replicas=2 {
        config "min.insync.replicas" 3
    }
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=6 replicas=3 {
        config "min.insync.replicas" 2
    }
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    for topic in &k.topics {
        let own = topic.config("min.insync.replicas");
        if own.is_none() && topic.replicas.is_none() {
            continue;
        }
        let (min, min_span, min_what) = match own {
            Some(c) => match &c.value.value {
                ConfigValue::Int(i) => (*i, c.value.span, "set here"),
                // a value of the wrong type is `topogen::kafka::topic-config`'s
                ConfigValue::Str(s) => match s.trim().parse::<i64>() {
                    Ok(i) => (i, c.value.span, "set here"),
                    Err(_) => continue,
                },
                _ => continue,
            },
            None => (
                i64::from(k.replication.min_insync.value),
                k.replication.min_insync.span,
                "the cluster's `min-insync`",
            ),
        };
        let (replicas, replicas_span) = match &topic.replicas {
            Some(r) => (r.value, r.span),
            None => (k.replication.factor.value, k.replication.factor.span),
        };
        let name = &topic.name.value;
        if min > i64::from(replicas) {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "topic `{name}` requires {min} in-sync replicas but has only {replicas}: producers with `acks=all` can never write"
                    ),
                )
                .label(min_span, format!("{min} in-sync replicas required ({min_what})"))
                .label(replicas_span, format!("{replicas} replicas"))
                .help(format!(
                    "set `config \"min.insync.replicas\" {}` on the topic, or raise its `replicas`",
                    replicas.saturating_sub(1).max(1)
                )),
            );
        } else if min == i64::from(replicas) {
            let mut f = Finding::new(
                &RULE,
                format!(
                    "topic `{name}`: `min.insync.replicas` {min} equals its replicas: one broker down stops every `acks=all` producer"
                ),
            )
            .label(min_span, format!("no replica may be missing ({min_what})"))
            .label(replicas_span, format!("{replicas} replicas"));
            f = if t.env.production.value {
                f.label(t.env.production.span, "a production environment")
            } else {
                f.severity(Severity::Warning)
            };
            let help = if replicas == 1 {
                "with one replica no broker may fail; use 3 replicas and `min.insync.replicas` 2 where there are 3 brokers".to_owned()
            } else {
                format!(
                    "use `config \"min.insync.replicas\" {}` so one broker may fail",
                    replicas - 1
                )
            };
            out.push(f.help(help));
        }
    }
}
