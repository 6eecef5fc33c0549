//! Kafka's derived facts: broker and controller sets, the KRaft metadata
//! version, the external listener's NodePorts; and every NodePort an
//! environment exposes, for the rules.

use std::net::Ipv4Addr;

use super::env::ResolvedPool;
use crate::model::{Kafka, Listener, Pool, Span, Spanned, Topic, Topology};

/// Kafka, resolved.
#[derive(Debug)]
pub struct ResolvedKafka<'t> {
    /// Kafka as written.
    pub(crate) kafka: &'t Kafka,
    /// Index (into [`super::Resolved::pools`]) of the broker pool, if it exists.
    pub broker_pool: Option<usize>,
    /// Index of the controller pool, if it exists.
    pub(crate) controller_pool: Option<usize>,
    /// Brokers and controllers are the same nodes (one dual-role pool).
    pub(crate) dual_role: bool,
    /// Broker count: the broker pool's node count (0 without the pool).
    pub brokers: u32,
    /// Controller count.
    pub(crate) controllers: u32,
    /// The broker pool's Kafka node IDs (its node indexes) and the IDs its
    /// `retire`s removed, ascending.
    pub(crate) broker_ids: NodeIds,
    /// The controller pool's node IDs: after every broker ID, the broker
    /// pool's highest index + 1 plus the node index (the broker IDs in a
    /// dual-role pool).
    pub(crate) controller_ids: NodeIds,
    /// The KRaft metadata version: as written, or Strimzi's default for the
    /// Kafka version ([`default_metadata_version`]).
    pub metadata_version: String,
    /// `host:port` of the internal bootstrap service (first internal listener).
    pub(crate) internal_bootstrap: Option<String>,
    /// The first `type=nodeport` listener, if it has both NodePorts.
    pub external: Option<External<'t>>,
    /// The topics, in file order.
    pub(crate) topics: Vec<ResolvedTopic<'t>>,
}

/// A topic, resolved: its `KafkaTopic` resource name and replication factor.
#[derive(Debug)]
pub(crate) struct ResolvedTopic<'t> {
    /// The topic as written.
    pub(crate) topic: &'t Topic,
    /// The `KafkaTopic`'s `metadata.name` ([`topic_resource_name`]).
    pub(crate) resource: String,
    /// Replicas: as written, or the cluster's replication factor.
    pub(crate) replicas: &'t Spanned<u32>,
}

/// The `KafkaTopic` resource name for Kafka topic `name`: the name itself
/// when it is a DNS-1123 subdomain (what Kubernetes accepts as a resource
/// name), else lowercased with every other character as `-`, trimmed, and a
/// hash of the real name appended, so that `Orders_v1` and `orders-v1` stay
/// two resources (Strimzi's own convention for topics it discovers).
pub(crate) fn topic_resource_name(name: &str) -> String {
    let subdomain = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
    if subdomain {
        return name.to_owned();
    }
    let mut base: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    base = base.trim_matches('-').to_owned();
    base.truncate(200);
    let base = base.trim_end_matches('-');
    // FNV-1a: stable across builds and platforms (no std hasher is)
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let hash = format!("{:08x}", h & 0xffff_ffff);
    if base.is_empty() {
        format!("topic-{hash}")
    } else {
        format!("{base}-{hash}")
    }
}

/// The external NodePort listener: a bootstrap port and one port per broker.
#[derive(Debug)]
pub struct External<'t> {
    /// The listener as written.
    pub(crate) listener: &'t Listener,
    /// Its index in `spec.kafka.listeners` (file order).
    pub index: u32,
    /// Bootstrap NodePort.
    pub(crate) bootstrap_node_port: u32,
    /// `(broker id, NodePort)` per broker, in ID order: the NodePorts are
    /// consecutive from `broker-node-port` (a retired broker's port goes to
    /// the next one), the IDs are the broker pool's node indexes.
    pub brokers: Vec<BrokerPort>,
    /// The node whose Primary IP is advertised (empty without one).
    pub(crate) via_node: String,
    /// That Primary IP's Hetzner name (empty without one).
    pub(crate) via_primary_ip: String,
    /// Its address, if recorded.
    pub(crate) address: Option<Ipv4Addr>,
}

/// A node pool's Kafka node IDs: node ID = first ID + node index, so that a
/// retired node's ID is removed and never reused.
#[derive(Clone, Debug, Default)]
pub(crate) struct NodeIds {
    /// The live nodes' IDs, ascending.
    pub(crate) live: Vec<u32>,
    /// The retired nodes' IDs, ascending.
    pub(crate) removed: Vec<u32>,
}

impl NodeIds {
    fn of(pool: Option<&Pool>, first: u32) -> Self {
        let Some(p) = pool else {
            return Self::default();
        };
        let mut removed: Vec<u32> = p
            .retired
            .iter()
            .map(|r| first.saturating_add(r.index.value))
            .collect();
        removed.sort_unstable();
        removed.dedup();
        Self {
            live: p.node_indices().map(|i| first.saturating_add(i)).collect(),
            removed,
        }
    }
}

/// One broker's NodePort.
#[derive(Clone, Copy, Debug)]
pub struct BrokerPort {
    /// Kafka node id.
    pub(crate) broker: u32,
    /// NodePort.
    pub node_port: u32,
}

/// The KRaft metadata version Strimzi 0.48 uses by default for a Kafka version.
pub(crate) fn default_metadata_version(kafka: &str) -> String {
    match kafka {
        "4.0.0" => "4.0-IV3".to_owned(),
        "4.1.0" => "4.1-IV1".to_owned(),
        other => {
            let mut parts = other.split('.');
            format!(
                "{}.{}",
                parts.next().unwrap_or("0"),
                parts.next().unwrap_or("0")
            )
        }
    }
}

impl<'t> ResolvedKafka<'t> {
    pub(super) fn new(t: &'t Topology, k: &'t Kafka, pools: &[ResolvedPool<'t>]) -> Self {
        let brokers = t.broker_count();
        let controllers = t.pool(&k.controllers.value).map_or(0, |p| p.count.value);
        let index = |name: &str| pools.iter().position(|p| p.name.value == name);
        let broker_pool = index(&k.brokers.value);
        let brokers_written = t.pool(&k.brokers.value);
        let broker_ids = NodeIds::of(brokers_written, 0);
        let controller_ids = if k.brokers.value == k.controllers.value {
            broker_ids.clone()
        } else {
            let first = brokers_written.map_or(0, |p| {
                u32::try_from(p.span_of_indices()).unwrap_or(u32::MAX)
            });
            NodeIds::of(t.pool(&k.controllers.value), first)
        };
        let ip = broker_pool
            .and_then(|i| pools.get(i))
            .and_then(|p| p.primary_ip.as_ref());
        let external = k
            .listeners
            .iter()
            .enumerate()
            .find(|(_, l)| l.kind.value == "nodeport")
            .and_then(|(li, l)| {
                let bootstrap = l.bootstrap_node_port.as_ref()?.value;
                let first = l.broker_node_port.as_ref()?.value;
                let ports: Vec<BrokerPort> = (0..brokers)
                    .zip(&broker_ids.live)
                    .map(|(b, &id)| BrokerPort {
                        broker: id,
                        node_port: first + b,
                    })
                    .collect();
                Some(External {
                    listener: l,
                    index: li as u32,
                    bootstrap_node_port: bootstrap,
                    brokers: ports,
                    via_node: ip.map(|i| i.node.clone()).unwrap_or_default(),
                    via_primary_ip: ip.map(|i| i.name.clone()).unwrap_or_default(),
                    address: ip.and_then(|i| i.address),
                })
            });
        Self {
            kafka: k,
            broker_pool,
            controller_pool: index(&k.controllers.value),
            dual_role: k.brokers.value == k.controllers.value,
            brokers,
            controllers,
            broker_ids,
            controller_ids,
            metadata_version: t.metadata_version().unwrap_or_default(),
            internal_bootstrap: k
                .listeners
                .iter()
                .find(|l| l.kind.value == "internal")
                .map(|l| {
                    format!(
                        "{}-kafka-bootstrap.{}:{}",
                        k.name.value, k.namespace.value, l.port.value
                    )
                }),
            external,
            topics: k
                .topics
                .iter()
                .map(|topic| ResolvedTopic {
                    topic,
                    resource: topic_resource_name(&topic.name.value),
                    replicas: topic.replicas.as_ref().unwrap_or(&k.replication.factor),
                })
                .collect(),
        }
    }
}

/// One NodePort, or a run of consecutive ones, that the topology uses.
#[derive(Clone, Debug)]
pub struct NodePortUse {
    /// First port.
    pub first: u32,
    /// Last port (inclusive).
    pub last: u32,
    /// What uses it, for messages: `` `ingress https-node-port` ``.
    pub(crate) what: String,
    /// Where it is set.
    pub(crate) span: Span,
    /// A Kafka listener without TLS (plaintext on the wire).
    pub(crate) plaintext_kafka: bool,
    /// For broker ports: where the broker count comes from.
    pub(crate) count_span: Option<Span>,
    /// For Kafka ports: the listener's name and where its `tls` is decided.
    pub(crate) listener: Option<(String, Span)>,
}

impl Topology {
    /// Kafka and its broker pool, when both exist.
    pub(crate) fn kafka_brokers(&self) -> Option<(&Kafka, &Pool)> {
        let k = self.kafka.as_ref()?;
        Some((k, self.pool(&k.brokers.value)?))
    }

    /// Kafka and its controller pool, when both exist.
    pub(crate) fn kafka_controllers(&self) -> Option<(&Kafka, &Pool)> {
        let k = self.kafka.as_ref()?;
        Some((k, self.pool(&k.controllers.value)?))
    }

    /// Number of Kafka brokers: the broker pool's `count` (0 without Kafka
    /// or without the pool).
    pub(crate) fn broker_count(&self) -> u32 {
        self.kafka_brokers().map_or(0, |(_, p)| p.count.value)
    }

    /// The KRaft metadata version Kafka runs with: `metadata-version` as
    /// written, or Strimzi's default for the Kafka version.
    pub(crate) fn metadata_version(&self) -> Option<String> {
        let k = self.kafka.as_ref()?;
        Some(
            k.metadata_version
                .as_ref()
                .map(|m| m.value.clone())
                .unwrap_or_else(|| default_metadata_version(&self.versions.kafka.value)),
        )
    }

    /// Every NodePort the topology exposes: Traefik's two, and for each
    /// `type=nodeport` Kafka listener its bootstrap port and one port per
    /// broker, as intervals (never one entry per port).
    pub(crate) fn node_ports(&self) -> Vec<NodePortUse> {
        // without an `ingress` node the ports are defaults, spanned on the cluster name
        let default = if !self.ingress.explicit {
            " (the default; no `ingress` node)"
        } else {
            ""
        };
        let mut out = vec![
            NodePortUse {
                first: self.ingress.http_node_port.value,
                last: self.ingress.http_node_port.value,
                what: format!("`ingress http-node-port`{default}"),
                span: self.ingress.http_node_port.span,
                plaintext_kafka: false,
                count_span: None,
                listener: None,
            },
            NodePortUse {
                first: self.ingress.https_node_port.value,
                last: self.ingress.https_node_port.value,
                what: format!("`ingress https-node-port`{default}"),
                span: self.ingress.https_node_port.span,
                plaintext_kafka: false,
                count_span: None,
                listener: None,
            },
        ];
        let Some(kafka) = &self.kafka else {
            return out;
        };
        let broker_pool = self.pool(&kafka.brokers.value);
        let brokers = self.broker_count();
        for l in kafka
            .listeners
            .iter()
            .filter(|l| l.kind.value == "nodeport")
        {
            let plaintext = !l.tls.value;
            if let Some(b) = &l.bootstrap_node_port {
                out.push(NodePortUse {
                    first: b.value,
                    last: b.value,
                    what: format!("the bootstrap of listener `{}`", l.name.value),
                    span: b.span,
                    plaintext_kafka: plaintext,
                    count_span: None,
                    listener: Some((l.name.value.clone(), l.tls.span)),
                });
            }
            if let (Some(b), Some(n)) = (&l.broker_node_port, brokers.checked_sub(1)) {
                let what = if n == 0 {
                    format!("broker 0 of listener `{}`", l.name.value)
                } else {
                    format!("brokers 0-{n} of listener `{}`", l.name.value)
                };
                out.push(NodePortUse {
                    first: b.value,
                    last: b.value.saturating_add(n),
                    what,
                    span: b.span,
                    plaintext_kafka: plaintext,
                    count_span: broker_pool.map(|p| p.count.span),
                    listener: Some((l.name.value.clone(), l.tls.span)),
                });
            }
        }
        out
    }
}
