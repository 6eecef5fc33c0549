//! `topogen::kafka::quorum`: the KRaft controller quorum does not tolerate a failure.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::quorum",
    severity: Severity::Warning,
    summary: "the KRaft controller quorum does not tolerate a failure",
    docs: r#"## What it does
Reports a KRaft controller quorum of one node or of an even number of nodes. It is a
warning in environments that are not marked `production=#true`, and an error in
production ones.

## Why is this bad?
A KRaft quorum needs a majority of its controllers: one controller is a single point of
failure, and an even count tolerates no more failures than the odd count below it (4
controllers survive one loss, like 3) while adding one more voter to every metadata write.
Strimzi warns about both; a production cluster should not depend on luck."#,
    fail: r#"pool kafka role=agent server-type=cx23 count=2 range=kafka {
    labels role=kafka
}
kafka events brokers=kafka {
    replication factor=2 min-insync=1
    listener plain type=internal port=9092
}
"#,
    fixed: r#"pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
}
kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some((k, pool)) = t.kafka_controllers() else {
        return;
    };
    let n = pool.count.value;
    if n == 0 || (n % 2 == 1 && n > 1) {
        return; // no nodes: topogen::kafka::pools
    }
    let message = if n == 1 {
        format!(
            "the KRaft quorum has a single controller: losing pool `{}`'s node stops the Kafka cluster",
            pool.name.value
        )
    } else {
        format!(
            "the KRaft quorum has {n} controllers: an even quorum tolerates no more failures than {}",
            n - 1
        )
    };
    let mut f = Finding::new(&RULE, message)
        .label(
            pool.count.span,
            format!("{n} controller{}", if n == 1 { "" } else { "s" }),
        )
        .label(k.controllers.span, "KRaft controllers run on this pool");
    if t.env.production.value {
        f = f
            .severity(Severity::Error)
            .label(t.env.production.span, "a production environment");
    }
    let odd = if n == 1 { 3 } else { n.saturating_add(1) };
    out.push(f.help(format!(
        "run an odd number of controllers, 3 or more (e.g. `count={odd}`): 3 survive one failure, 5 survive two"
    )));
}
