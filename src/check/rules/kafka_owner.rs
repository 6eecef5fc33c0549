//! `topogen::kafka::owner`: `kafka owner=gitops` with something only topogen's deploy would apply.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{KafkaOwner, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::owner",
    severity: Severity::Error,
    summary: "`kafka owner=gitops` with topics or an advertised address only topogen's deploy would apply",
    docs: r#"## What it does
With `kafka owner=gitops` the GitOps repository defines the Kafka cluster and the deploy
applies none of `k8s/<env>/strimzi/`. This rule reports what would then silently go
missing: `topic` nodes (their `KafkaTopic` resources are not applied either), and an
external `nodeport` listener whose broker pool's Primary IP has no recorded address
(`primary-ip address=`): the deploy patches that address into the `Kafka` resource it
applies, and it applies none.

## Why is this bad?
A Kafka cluster has one owner (see `owner=` of `kafka`): two definitions applied by two
tools fight, each undoing the other's changes. With the GitOps repository as the owner,
what `cluster.kdl` still says about the cluster must be something the GitOps repository
can copy verbatim: a topic list nothing applies, or brokers advertising an address nobody
fills in, would look deployed and not be."#,
    fail: r#"kafka events brokers=kafka owner=gitops {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    topic orders partitions=3
}
"#,
    fixed: r#"kafka events brokers=kafka owner=gitops {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    if k.owner.value != KafkaOwner::Gitops {
        return;
    }
    if !k.topics.is_empty() {
        let mut f = Finding::new(
            &RULE,
            format!(
                "Kafka `{}` belongs to the GitOps repository, but cluster.kdl declares its topics",
                k.name.value
            ),
        )
        .label(
            k.owner.span,
            "the GitOps repository applies the Kafka resources",
        );
        for topic in &k.topics {
            f = f.label(topic.name.span, "a KafkaTopic the deploy would not apply");
        }
        out.push(f.help(
            "move the topics into the GitOps repository (copy `k8s/<env>/strimzi/kafkatopic-*.yaml`), or let topogen own Kafka: `owner=topogen`",
        ));
    }
    if let Some((_, pool)) = t.kafka_brokers()
        && let Some(ip) = &pool.primary_ip
        && ip.address.is_none()
        && let Some(l) = k.listeners.iter().find(|l| l.kind.value == "nodeport")
    {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "listener `{}` advertises the Primary IP of pool `{}`, whose address cluster.kdl does not record, and the deploy patches no Kafka resource the GitOps repository owns",
                    l.name.value, pool.name.value
                ),
            )
            .label(l.kind.span, "the brokers advertise the Primary IP here")
            .label(ip.node.span, "no `address=`: looked up at deploy time")
            .label(k.owner.span, "the GitOps repository applies the Kafka resource")
            .help(
                "record the Primary IP's address (`primary-ip node=0 address=…`, from `hcloud primary-ip list`) so the generated kafka.yaml carries it, or let topogen own Kafka: `owner=topogen`",
            ),
        );
    }
}
