//! `topogen::kafka::replication`: the replication factor exceeds the number of brokers.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub const RULE: Rule = Rule {
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
    fail: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan {
        range reserved from=1 to=9 reserved=#true
        range control from=10 to=19
        range kafka from=20 to=29
    }
    pool control role=server server-type=cx23 count=1 range=control apps=#false {
        labels role=control-plane
        taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
    }
    pool kafka role=agent server-type=cx23 count=3 range=kafka {
        labels role=kafka
    }
    kafka events brokers=kafka {
        replication factor=3 min-insync=2
        listener plain type=internal port=9092
    }
    gitops repo="my-org/config" overlay="overlays/dev"
    environment dev {
        pool kafka count=1
    }
}
"#,
    fixed: r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan {
        range reserved from=1 to=9 reserved=#true
        range control from=10 to=19
        range kafka from=20 to=29
    }
    pool control role=server server-type=cx23 count=1 range=control apps=#false {
        labels role=control-plane
        taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
    }
    pool kafka role=agent server-type=cx23 count=3 range=kafka {
        labels role=kafka
    }
    kafka events brokers=kafka {
        replication factor=3 min-insync=2
        listener plain type=internal port=9092
    }
    gitops repo="my-org/config" overlay="overlays/dev"
    environment dev
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let Some(pool) = t.pool(&k.brokers.value) else {
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
