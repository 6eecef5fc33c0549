//! Where the resolved model meets minijinja: the template values several
//! emitters share, and the adapters that make them cheap.
//!
//! Each emitter builds the small context its templates read next to itself
//! (`tfvars.rs`, `cloud_init.rs`, …) from [`Resolved`]; what more than one of
//! them shows the same way — a pool with its nodes, a node, the pinned
//! versions, a label — is serialised here, once, the same way everywhere.
//!
//! A node is not converted into a map of template values: at 1,000 nodes,
//! converting every node (twice: by pool and by range) was the largest part of
//! building the template context (issue 6). A template reads it as an
//! [`Object`] field by field, and `rows`/`shwords` (`templates.rs`) read its
//! text fields in place through [`TextField`].

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, Value};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::model::resolve::{
    Reach, Resolved, ResolvedNode, ResolvedPool, ResolvedPrimaryIp, dotted, snake,
};
use crate::model::{KafkaOwner, KeyValue, Taint, Versions};

/// The node type the template filters downcast to.
pub(crate) type NodeCtx = ResolvedNode;

impl Object for ResolvedNode {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.field(key.as_str()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(FIELDS)
    }
}

/// The fields of a node a template can read, in declaration order.
const FIELDS: &[&str] = &[
    "name",
    "server_name",
    "pool",
    "index",
    "ip",
    "primary_ip",
    "reach",
    "public_ip",
];

impl ResolvedNode {
    /// Field `name` when it is text: what `rows` and `shwords` read without
    /// making a template value of it.
    pub(crate) fn text_field(&self, name: &str) -> Option<&str> {
        TextField::named(name).map(|f| self.text(f))
    }

    /// A text field, found by [`TextField::named`] once for many nodes.
    pub(crate) fn text(&self, field: TextField) -> &str {
        match field {
            TextField::Name => &self.name,
            TextField::ServerName => &self.server_name,
            TextField::Pool => &self.pool,
            TextField::Ip => &self.private_ip,
            TextField::Reach => self.reach.as_str(),
            TextField::PublicIp => &self.public_ip,
        }
    }

    /// Field `name` as a template value.
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "index" => Some(Value::from(self.index)),
            "primary_ip" => Some(Value::from(self.primary_ip)),
            _ => {
                let field = TextField::named(name)?;
                if super::provenance::active()
                    && let Some(v) = super::provenance::node_text(self, field)
                {
                    return Some(v);
                }
                Some(Value::from(self.text(field)))
            }
        }
    }
}

/// A text field of a node, as templates name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextField {
    Name,
    ServerName,
    Pool,
    Ip,
    Reach,
    PublicIp,
}

impl TextField {
    /// The text field a template calls `name`.
    pub(crate) fn named(name: &str) -> Option<Self> {
        Some(match name {
            "name" => Self::Name,
            "server_name" => Self::ServerName,
            "pool" => Self::Pool,
            "ip" => Self::Ip,
            "reach" => Self::Reach,
            "public_ip" => Self::PublicIp,
            _ => return None,
        })
    }
}

/// A node: an [`Object`] in a template, its fields anywhere else.
#[derive(Clone, Debug)]
pub(crate) struct Node(pub(crate) Arc<ResolvedNode>);

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if minijinja::value::serializing_for_value() {
            return Value::from_dyn_object(self.0.clone()).serialize(s);
        }
        #[derive(Serialize)]
        struct Fields<'a> {
            name: &'a str,
            server_name: &'a str,
            pool: &'a str,
            index: u32,
            ip: &'a str,
            primary_ip: bool,
            reach: &'static str,
            public_ip: &'a str,
        }
        let n = &*self.0;
        Fields {
            name: &n.name,
            server_name: &n.server_name,
            pool: &n.pool,
            index: n.index,
            ip: &n.private_ip,
            primary_ip: n.primary_ip,
            reach: n.reach.as_str(),
            public_ip: &n.public_ip,
        }
        .serialize(s)
    }
}

/// Nodes: in a template, one [`NodeSeq`] object that makes a value of a node
/// only when the template reads it; anywhere else, the list of [`Node`]s.
#[derive(Clone)]
pub(crate) struct Nodes(pub(crate) Vec<Arc<[Arc<ResolvedNode>]>>);

impl Nodes {
    /// The nodes of one pool.
    pub(crate) fn of(nodes: &Arc<[Arc<ResolvedNode>]>) -> Self {
        Self(vec![nodes.clone()])
    }
}

impl Serialize for Nodes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if minijinja::value::serializing_for_value() {
            let len = self.0.iter().map(|run| run.len()).sum();
            return Value::from_object(NodeSeq {
                runs: self.0.clone(),
                len,
            })
            .serialize(s);
        }
        s.collect_seq(
            self.0
                .iter()
                .flat_map(|run| run.iter())
                .map(|n| Node(n.clone())),
        )
    }
}

/// A list of nodes as a template sequence, made of the pools' shared lists
/// (a pool's nodes are one run, an IP range's are its pools' runs): the
/// contexts of every emitter hold the same nodes without converting or
/// copying them (issue 6; issue 12).
#[derive(Debug)]
pub(crate) struct NodeSeq {
    runs: Vec<Arc<[Arc<ResolvedNode>]>>,
    len: usize,
}

impl Object for NodeSeq {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let mut i = key.as_usize()?;
        for run in &self.runs {
            match run.get(i) {
                Some(n) => return Some(Value::from_dyn_object(n.clone())),
                None => i -= run.len(),
            }
        }
        None
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len)
    }
}

/// The control plane node; an empty one when there is no server pool
/// (emit runs only on a topology that has one).
pub(crate) fn control_plane(env: &Resolved<'_>) -> Node {
    Node(env.control_plane.clone().unwrap_or_else(|| {
        Arc::new(ResolvedNode {
            name: String::new(),
            server_name: String::new(),
            pool: "".into(),
            index: 0,
            private_ip: String::new(),
            primary_ip: false,
            reach: Reach::Jump,
            public_ip: "".into(),
        })
    }))
}

/// A `key=value` pair (a label, a scheduling requirement).
#[derive(Serialize)]
pub(crate) struct Kv<'a> {
    key: &'a str,
    value: &'a str,
}

impl<'a> Kv<'a> {
    /// Every pair of `list`.
    pub(crate) fn all(list: &'a [KeyValue]) -> Vec<Self> {
        list.iter()
            .map(|l| Kv {
                key: &l.key.value,
                value: &l.value.value,
            })
            .collect()
    }
}

/// A node taint.
#[derive(Serialize)]
struct TaintValue<'a> {
    key: &'a str,
    value: &'a str,
    effect: &'a str,
}

impl<'a> TaintValue<'a> {
    fn new(t: &'a Taint) -> Self {
        Self {
            key: &t.key.value,
            value: &t.value.value,
            effect: &t.effect.value,
        }
    }
}

/// A pool as every template reads it.
#[derive(Serialize)]
pub(crate) struct PoolValue<'a> {
    name: &'a str,
    /// `server` or `agent`.
    role: &'static str,
    server: bool,
    tf_prefix: &'a str,
    hetzner_role: &'a str,
    server_type: &'a str,
    vcpu: u32,
    ram_gb: u32,
    eur_per_month: Option<f64>,
    count: u32,
    range: &'a str,
    labels: Vec<Kv<'a>>,
    taints: Vec<TaintValue<'a>>,
    apps: bool,
    primary_ip: Option<PrimaryIpValue<'a>>,
    /// The retired indexes, in file order.
    retired: Vec<u32>,
    nodes: Nodes,
    /// `kafka-0..kafka-2` (the model's [`ResolvedPool::names`]).
    names: &'a str,
}

/// A pool's Primary IP.
#[derive(Serialize)]
pub(crate) struct PrimaryIpValue<'a> {
    name: &'a str,
    tf_var: &'a str,
    node_index: u32,
    node: &'a str,
    address: Option<String>,
}

impl<'a> PrimaryIpValue<'a> {
    /// The template value of `ip`.
    fn new(ip: &'a ResolvedPrimaryIp) -> Self {
        Self {
            name: &ip.name,
            tf_var: &ip.tf_var,
            node_index: ip.node_index,
            node: &ip.node,
            address: ip.address.map(|a| a.to_string()),
        }
    }

    /// The Primary IPs of `env`'s pools, in pool order.
    pub(crate) fn all(env: &'a Resolved<'_>) -> Vec<Self> {
        env.pools
            .iter()
            .filter_map(|p| p.primary_ip.as_ref())
            .map(Self::new)
            .collect()
    }
}

impl<'a> PoolValue<'a> {
    /// The template value of `p`.
    pub(crate) fn new(p: &'a ResolvedPool<'_>) -> Self {
        let st = p.catalog;
        Self {
            name: &p.name.value,
            role: p.role.value.as_str(),
            server: p.server,
            tf_prefix: &p.tf_prefix,
            hetzner_role: &p.hetzner_role,
            server_type: &p.server_type.value,
            vcpu: st.map_or(0, |s| s.vcpu),
            ram_gb: st.map_or(0, |s| s.ram_gb),
            eur_per_month: st.and_then(|s| s.eur_per_month),
            count: p.count.value,
            range: &p.range.value,
            labels: Kv::all(&p.labels),
            taints: p.taints.iter().map(TaintValue::new).collect(),
            apps: p.apps.value,
            primary_ip: p.primary_ip.as_ref().map(PrimaryIpValue::new),
            retired: p.retired.iter().map(|r| r.index.value).collect(),
            nodes: Nodes::of(&p.nodes),
            names: &p.names,
        }
    }

    /// Every pool of `env`.
    pub(crate) fn all(env: &'a Resolved<'_>) -> Vec<Self> {
        env.pools.iter().map(Self::new).collect()
    }
}

/// The pinned versions, keyed as the templates read them
/// (`versions.terraform_cli`), in `versions { … }` order.
pub(crate) struct VersionsValue<'a>(&'a Versions);

impl<'a> VersionsValue<'a> {
    /// The template value of `v`.
    pub(crate) fn new(v: &'a Versions) -> Self {
        Self(v)
    }
}

impl Serialize for VersionsValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let named = self.0.named();
        let mut map = s.serialize_map(Some(named.len()))?;
        for (name, version) in named {
            map.serialize_entry(&snake(name), &version.value)?;
        }
        map.end()
    }
}

/// Where the servers run: `hetzner { … }`.
#[derive(Serialize)]
pub(crate) struct HetznerValue<'a> {
    location: &'a str,
    datacenter: &'a str,
    network_zone: &'a str,
    image: &'a str,
}

impl<'a> HetznerValue<'a> {
    /// The template value of `env`'s `hetzner`.
    pub(crate) fn of(env: &'a Resolved<'_>) -> Self {
        let h = &env.topo.hetzner;
        Self {
            location: &h.location.value,
            datacenter: &h.datacenter.value,
            network_zone: &h.network_zone.value,
            image: &h.image.value,
        }
    }
}

/// The private network.
#[derive(Serialize)]
pub(crate) struct NetworkValue {
    cidr: String,
    subnet: String,
    /// Host 1 of the subnet.
    gateway: String,
}

impl NetworkValue {
    /// The template value of `env`'s network.
    pub(crate) fn of(env: &Resolved<'_>) -> Self {
        let n = &env.topo.network;
        Self {
            cidr: n.cidr.value.to_string(),
            subnet: n.subnet.value.to_string(),
            gateway: env.gateway.map(dotted).unwrap_or_default(),
        }
    }
}

/// The ingress NodePorts.
#[derive(Serialize)]
pub(crate) struct IngressValue {
    http: u32,
    https: u32,
}

impl IngressValue {
    /// The template value of `env`'s ingress.
    pub(crate) fn of(env: &Resolved<'_>) -> Self {
        let i = &env.topo.ingress;
        Self {
            http: i.http_node_port.value,
            https: i.https_node_port.value,
        }
    }
}

/// A firewall rule as the root module's `firewall_rules` variable has it.
#[derive(Serialize)]
pub(crate) struct FirewallValue<'a> {
    description: &'a str,
    /// Always `in`.
    direction: &'static str,
    protocol: &'static str,
    port: &'a str,
    source_ips: Vec<String>,
}

impl<'a> FirewallValue<'a> {
    /// Every rule of `env`.
    pub(crate) fn all(env: &'a Resolved<'_>) -> Vec<Self> {
        env.firewall
            .iter()
            .map(|r| FirewallValue {
                description: &r.rule.name.value,
                direction: "in",
                protocol: r.rule.protocol.value.as_str(),
                port: &r.port,
                source_ips: r.sources.iter().map(ToString::to_string).collect(),
            })
            .collect()
    }
}

/// A registry with the namespaces that get its pull secret, as the docs
/// and the deploy-argocd workflow show it.
#[derive(Serialize)]
pub(crate) struct RegistryValue<'a> {
    server: &'a str,
    secret: &'a str,
    /// The GitHub secret holding the token.
    token: &'a str,
    /// Empty: the repository owner.
    username: &'a str,
    namespaces: Vec<&'a str>,
}

impl<'a> RegistryValue<'a> {
    /// Every registry of `env`.
    pub(crate) fn all(env: &'a Resolved<'_>) -> Vec<Self> {
        env.topo
            .registries
            .iter()
            .map(|r| RegistryValue {
                server: &r.server.value,
                secret: &r.secret.value,
                token: &r.token.value,
                username: r.username.as_ref().map_or("", |u| u.value.as_str()),
                namespaces: r.namespaces.iter().map(|n| n.value.as_str()).collect(),
            })
            .collect()
    }
}

/// The monitoring stack, as the docs and the workflows show it.
#[derive(Serialize)]
pub(crate) struct MonitoringValue<'a> {
    namespace: &'a str,
    /// Its Helm releases, in install order.
    charts: Vec<ChartValue<'a>>,
    /// The charts' names, in install order.
    chart_names: Vec<&'static str>,
    retention: &'a str,
    storage: &'a str,
    /// The CRDs the deploy waits for before the GitOps bootstrap.
    crds: Vec<&'static str>,
}

/// One Helm release of the monitoring stack.
#[derive(Serialize)]
pub(crate) struct ChartValue<'a> {
    /// The pin file's name and `plan`'s subject (`kube-prometheus-stack`).
    chart: &'static str,
    release: &'static str,
    repo: &'static str,
    version: &'a str,
    /// What the docs call it.
    title: &'static str,
}

impl<'a> MonitoringValue<'a> {
    /// `env`'s monitoring stack, when it declares one.
    pub(crate) fn of(env: &'a Resolved<'_>) -> Option<Self> {
        let m = env.topo.monitoring.as_ref()?;
        let chart_names = m.charts().into_iter().map(|(c, _)| c).collect();
        let charts = m
            .charts()
            .into_iter()
            .map(|(chart, version)| {
                let (release, repo, title) = crate::model::Monitoring::release(chart);
                ChartValue {
                    chart,
                    release,
                    repo,
                    version: &version.value,
                    title,
                }
            })
            .collect();
        Some(Self {
            namespace: &m.namespace.value,
            charts,
            chart_names,
            retention: &m.prometheus.retention.value,
            storage: &m.prometheus.storage.value,
            crds: m.crds(),
        })
    }
}

/// Kafka, as the docs and the workflows show it.
#[derive(Serialize)]
pub(crate) struct KafkaValue<'a> {
    name: &'a str,
    namespace: &'a str,
    metadata_version: &'a str,
    /// `topogen` or `gitops`: who applies the Kafka resources.
    owner: &'static str,
    internal_bootstrap: Option<&'a str>,
    external: Option<ExternalValue<'a>>,
}

/// The external NodePort listener.
#[derive(Serialize)]
struct ExternalValue<'a> {
    listener: &'a str,
    bootstrap_node_port: u32,
    brokers: Vec<BrokerPortValue>,
    via_node: &'a str,
    via_primary_ip: &'a str,
    address: Option<String>,
    /// See [`super::strimzi::advertised_host_pointers`].
    advertised_host_pointers: Vec<String>,
}

/// One broker's NodePort.
#[derive(Serialize)]
struct BrokerPortValue {
    broker: u32,
    node_port: u32,
}

impl<'a> KafkaValue<'a> {
    /// Kafka of `env`, if any.
    pub(crate) fn of(env: &'a Resolved<'_>) -> Option<Self> {
        let k = env.kafka.as_ref()?;
        Some(Self {
            name: &k.kafka.name.value,
            namespace: &k.kafka.namespace.value,
            metadata_version: &k.metadata_version,
            owner: k.kafka.owner.value.word(),
            internal_bootstrap: k.internal_bootstrap.as_deref(),
            external: k.external.as_ref().map(|e| ExternalValue {
                listener: &e.listener.name.value,
                bootstrap_node_port: e.bootstrap_node_port,
                brokers: e
                    .brokers
                    .iter()
                    .map(|b| BrokerPortValue {
                        broker: b.broker,
                        node_port: b.node_port,
                    })
                    .collect(),
                via_node: &e.via_node,
                via_primary_ip: &e.via_primary_ip,
                address: e.address.map(|a| a.to_string()),
                advertised_host_pointers: super::strimzi::advertised_host_pointers(e),
            }),
        })
    }
}

/// Where ArgoCD bootstraps from, as the workflows and the docs show it.
#[derive(Serialize)]
pub(crate) struct GitOpsValue<'a> {
    repo: &'a str,
    overlay: &'a str,
    revision: &'a str,
    namespace: &'a str,
    /// The namespaces the instance may sync into (its project's destinations).
    destinations: Vec<&'a str>,
    /// The Strimzi kinds ArgoCD excludes (topogen owns Kafka), else empty.
    excluded_kinds: &'static [&'static str],
}

impl<'a> GitOpsValue<'a> {
    /// The GitOps source of `env`.
    pub(crate) fn of(env: &'a Resolved<'_>) -> Self {
        let t = env.topo;
        Self {
            repo: &t.gitops.repo.value,
            overlay: &t.gitops.overlay.value,
            revision: &t.gitops.revision.value,
            namespace: &t.gitops.namespace.value,
            destinations: t.gitops_destinations(),
            excluded_kinds: match (&t.kafka, t.kafka_owner()) {
                (Some(_), KafkaOwner::Topogen) => super::strimzi::STRIMZI_OWNED_KINDS,
                _ => &[],
            },
        }
    }
}
