//! `topogen::names::length`: a generated Hetzner or Kubernetes name is longer than 63 characters.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Role, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::names::length",
    severity: Severity::Error,
    summary: "a generated Hetzner or Kubernetes name is longer than 63 characters",
    docs: r#"## What it does
Checks the lengths of the names topogen derives: Hetzner server names
`<env>-<cluster>-<node>` (the longest node of each pool), and with Kafka the pod names
`<kafka>-<pool>-<node id>` and the Service names Strimzi derives from the cluster and
listener names (`<kafka>-kafka-bootstrap`, `<kafka>-kafka-<listener>-bootstrap`). Each must
fit in 63 characters.

## Why is this bad?
Server names are hostnames and Service names are DNS labels: a longer name is refused when
the resource is created, which happens only for the largest environment or the last node
of a pool that has grown."#,
    fail: r#"cluster high-frequency-trading-platform
pool market-data-ingestion-workers role=agent server-type=cx23 count=12 range=workers
"#,
    fixed: r#"cluster hft-platform
"#,
    check: Check::Topology(check),
};

const MAX: usize = 63;

fn check(t: &Topology, out: &mut Findings) {
    let (env, cluster) = (&t.env.name.value, &t.cluster.value);
    for p in &t.pools {
        // the longest name is the highest live index's
        let Some(last) = p.node_indices().last() else {
            continue;
        };
        let node = if p.role.value == Role::Server && p.count.value == 1 {
            p.name.value.clone()
        } else {
            format!("{}-{last}", p.name.value)
        };
        let server = format!("{env}-{cluster}-{node}");
        if server.len() > MAX {
            out.push(
                Finding::new(
                    &RULE,
                    format!("server name `{server}` is {} characters; Hetzner allows {MAX}", server.len()),
                )
                .label(p.name.span, format!("pool `{}`", p.name.value))
                .label(t.cluster.span, "cluster name")
                .label(t.env.name.span, "environment name")
                .help(format!(
                    "server names are `<env>-<cluster>-<node>`: shorten the cluster, environment or pool name by {} characters",
                    server.len() - MAX
                )),
            );
        }
    }
    let Some(k) = &t.kafka else { return };
    let mut pools = vec![&k.brokers.value];
    if k.controllers.value != k.brokers.value {
        pools.push(&k.controllers.value);
    }
    // node ids are assigned from 0 across the pools: the largest is the total count - 1
    let ids: u64 = pools
        .iter()
        .filter_map(|n| t.pool(n))
        .map(|p| u64::from(p.count.value))
        .sum();
    for p in pools.iter().filter_map(|n| t.pool(n)) {
        let pod = format!(
            "{}-{}-{}",
            k.name.value,
            p.name.value,
            ids.saturating_sub(1)
        );
        if pod.len() > MAX {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "Kafka pod name `{pod}` is {} characters; Kubernetes allows {MAX}",
                        pod.len()
                    ),
                )
                .label(k.name.span, "Kafka cluster name")
                .label(p.name.span, "node pool name")
                .help("pods are named `<kafka>-<pool>-<node id>`: shorten the Kafka or pool name"),
            );
        }
    }
    let mut services = vec![(format!("{}-kafka-bootstrap", k.name.value), k.name.span)];
    for l in k.listeners.iter().filter(|l| l.kind.value != "internal") {
        services.push((
            format!("{}-kafka-{}-bootstrap", k.name.value, l.name.value),
            l.name.span,
        ));
    }
    for (svc, span) in services {
        if svc.len() > MAX {
            let mut f = Finding::new(
                &RULE,
                format!(
                    "Kafka Service name `{svc}` is {} characters; Kubernetes allows {MAX}",
                    svc.len()
                ),
            )
            .label(k.name.span, "Kafka cluster name");
            if span != k.name.span {
                f = f.label(span, "listener name");
            }
            out.push(f.help(
                "Strimzi derives Service names from the Kafka and listener names: shorten them",
            ));
        }
    }
}
