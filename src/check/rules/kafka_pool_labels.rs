//! `topogen::kafka::pool-labels`: a Kafka pool's labels also match another pool's nodes.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use std::collections::HashSet;

use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::pool-labels",
    severity: Severity::Warning,
    summary: "a Kafka pool's labels also match another pool's nodes",
    docs: r#"## What it does
The generated KafkaNodePools pin Kafka to its pools with node affinity on the pools'
labels. This rule warns when a broker or controller pool has no labels (the affinity would
match every node) or when every one of its labels is also carried by another pool (the
affinity would match that pool's nodes too).

## Why is this bad?
Kafka pods could then be scheduled on workers or on the control plane: they compete with
apps for memory, and a broker's persistent volume ends up on a node that is not sized,
labelled or firewalled for Kafka."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role=kafka tier=apps
}
"#,
    fixed: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role=worker tier=apps
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let mut names = vec![&k.brokers.value];
    if k.controllers.value != k.brokers.value {
        names.push(&k.controllers.value);
    }
    for name in names {
        let Some(pool) = t.pool(name) else { continue };
        if pool.labels.is_empty() {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "Kafka pool `{}` has no labels: its node affinity matches every node",
                        pool.name.value
                    ),
                )
                .label(pool.span, "no `labels`")
                .help(format!(
                    "label the pool with something only it carries, e.g. `labels role={}`",
                    pool.name.value
                )),
            );
            continue;
        }
        let own: HashSet<(&str, &str)> = pool
            .labels
            .iter()
            .map(|l| (l.key.value.as_str(), l.value.value.as_str()))
            .collect();
        for other in &t.pools {
            if std::ptr::eq(other, pool) || other.count.value == 0 {
                continue;
            }
            let theirs: HashSet<(&str, &str)> = other
                .labels
                .iter()
                .map(|l| (l.key.value.as_str(), l.value.value.as_str()))
                .collect();
            if !own.is_subset(&theirs) {
                continue;
            }
            let mut f = Finding::new(
                &RULE,
                format!(
                    "the labels of Kafka pool `{}` also match pool `{}`: Kafka may be scheduled there",
                    pool.name.value, other.name.value
                ),
            );
            if let Some(first) = pool.labels.first() {
                f = f.label(first.span, "Kafka's node affinity");
            }
            if let Some(l) = other
                .labels
                .iter()
                .find(|l| own.contains(&(l.key.value.as_str(), l.value.value.as_str())))
            {
                f = f.label(
                    l.span,
                    format!("pool `{}` carries it too", other.name.value),
                );
            }
            out.push(f.help(format!(
                "give pool `{}` a label no other pool carries, e.g. `role={}`",
                pool.name.value, pool.name.value
            )));
        }
    }
}
