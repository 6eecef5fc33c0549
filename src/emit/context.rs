//! The data every template and serialiser sees: the topology with every
//! derived fact computed once (node names, IPs, NodePorts, costs).
//!
//! Templates never compute topology facts themselves; they only format what
//! is here.

use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use crate::model::{Project, Role, SecretUse, Topology};

/// The context converted to a template value once, on first use.
///
/// minijinja converts a serde context into its own values on every render,
/// and drops them afterwards. The environment and project contexts hold
/// every node (twice: by pool and by range) and are rendered into many
/// files (one cloud-init per pool, every workflow, the docs), so converting
/// them per render made the emit stage O(pools × nodes). With this cache
/// each is converted once per run: serialising a `minijinja::Value` into a
/// value is a reference-count increment.
#[derive(Debug, Default)]
struct ValueCache(OnceLock<minijinja::Value>);

/// `Serialize` for a context type with a [`ValueCache`]: into a template
/// value through the cache, anything else (JSON, YAML) field by field.
macro_rules! cached_serialize {
    ($ty:ident) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if minijinja::value::serializing_for_value() {
                    /// The fields, without the cache (no recursion).
                    struct Fields<'a>(&'a $ty);
                    impl Serialize for Fields<'_> {
                        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                            $ty::serialize(self.0, s)
                        }
                    }
                    self.cache
                        .0
                        .get_or_init(|| minijinja::Value::from_serialize(Fields(self)))
                        .serialize(s)
                } else {
                    $ty::serialize(self, s)
                }
            }
        }
    };
}

cached_serialize!(ProjectCtx);
cached_serialize!(EnvCtx);

/// Everything about all environments (workflows, which are shared).
#[derive(Debug, Serialize)]
#[serde(remote = "Self")]
pub struct ProjectCtx {
    /// This context as a template value (see [`ValueCache`]).
    #[serde(skip)]
    cache: ValueCache,
    /// The cluster name.
    pub cluster: String,
    /// Environment names, in file order.
    pub env_names: Vec<String>,
    /// Each environment.
    pub envs: Vec<EnvCtx>,
    /// Distinct destroy schedules: `{cron, envs}`.
    pub destroy_schedules: Vec<DestroySchedule>,
    /// The output directory relative to the repository root (`generated`):
    /// workflows read the tfvars, pins and manifests under it.
    pub output_dir: String,
    /// `topogen git=… rev=…`: the topogen the drift check installs.
    pub topogen: Option<PinCtx>,
    /// The Terraform root module's own context (`emit/terraform.rs`).
    #[serde(skip)]
    pub(crate) terraform: super::terraform::ModuleCtx,
}

/// The pinned topogen: its git URL and full commit hash.
#[derive(Debug, Serialize)]
pub struct PinCtx {
    /// An `https://` URL.
    pub git: String,
    /// 40 lowercase hexadecimal digits.
    pub rev: String,
}

/// A cron line of the maintenance workflow and the environments it destroys.
#[derive(Debug, Serialize)]
pub struct DestroySchedule {
    /// `M H * * *` (UTC).
    pub cron: String,
    /// `HH:MM` (UTC).
    pub time: String,
    /// Environments destroyed at that time.
    pub envs: Vec<String>,
}

/// Everything about one environment.
#[derive(Debug, Serialize)]
#[serde(remote = "Self")]
pub struct EnvCtx {
    /// This context as a template value (see [`ValueCache`]).
    #[serde(skip)]
    cache: ValueCache,
    /// Environment name.
    pub env: String,
    /// Production environment.
    pub production: bool,
    /// Cluster name.
    pub cluster: String,
    /// `<env>-<cluster>`: the prefix of every Hetzner name.
    pub prefix: String,
    /// Placement.
    pub hetzner: HetznerCtx,
    /// Pinned versions.
    pub versions: VersionsCtx,
    /// Network.
    pub network: NetworkCtx,
    /// The IP plan with each range's addresses and users.
    pub ranges: Vec<RangeCtx>,
    /// Pools with their nodes.
    pub pools: Vec<PoolCtx>,
    /// The control plane node (the server pool's first node).
    pub control_plane: Node,
    /// Agent pools only (they join the control plane).
    pub agent_pools: Vec<String>,
    /// Total number of nodes.
    pub node_count: u32,
    /// Kafka, if any.
    pub kafka: Option<KafkaCtx>,
    /// Scheduling profiles.
    pub profiles: Vec<ProfileCtx>,
    /// Traefik NodePorts.
    pub ingress: IngressCtx,
    /// Firewall rules.
    pub firewall: Vec<FirewallCtx>,
    /// Schedule and cost inputs.
    pub schedule: ScheduleCtx,
    /// GitOps source.
    pub gitops: GitOpsCtx,
    /// Secret names by use (`hcloud_token` → `HCLOUD_TOKEN`); optional ones may be absent.
    pub secrets: std::collections::BTreeMap<String, String>,
    /// Every secret.
    pub secret_list: Vec<SecretCtx>,
    /// Cost figures.
    pub cost: CostCtx,
}

/// Placement.
#[derive(Debug, Serialize)]
pub struct HetznerCtx {
    /// Location.
    pub location: String,
    /// Datacenter.
    pub datacenter: String,
    /// Network zone.
    pub network_zone: String,
    /// OS image.
    pub image: String,
}

/// Pinned versions.
#[derive(Debug, Serialize)]
pub struct VersionsCtx {
    /// Terraform constraint.
    pub terraform: String,
    /// Terraform CLI release.
    pub terraform_cli: String,
    /// hcloud provider constraint.
    pub hcloud_provider: String,
    /// hcloud CLI release.
    pub hcloud_cli: String,
    /// K3s release.
    pub k3s: String,
    /// Helm release.
    pub helm: String,
    /// Traefik chart version.
    pub traefik_chart: String,
    /// Strimzi release.
    pub strimzi: String,
    /// Kafka version.
    pub kafka: String,
    /// ArgoCD operator release.
    pub argocd_operator: String,
}

/// Network.
#[derive(Debug, Serialize)]
pub struct NetworkCtx {
    /// Network CIDR.
    pub cidr: String,
    /// Subnet CIDR.
    pub subnet: String,
    /// The subnet's gateway (host 1).
    pub gateway: String,
    /// The subnet's prefix, e.g. `10.0.1` for a /24 (display only).
    pub prefix_len: u8,
}

/// One IP-plan range.
#[derive(Debug, Serialize)]
pub struct RangeCtx {
    /// Name.
    pub name: String,
    /// First offset.
    pub from: u32,
    /// Last offset.
    pub to: u32,
    /// First address.
    pub first: String,
    /// Last address.
    pub last: String,
    /// Not for nodes.
    pub reserved: bool,
    /// What it is for.
    pub purpose: String,
    /// Number of addresses (`to - from + 1`).
    pub size: u32,
    /// Pools that take addresses from it.
    pub pools: Vec<String>,
    /// The nodes that take their addresses from it, pool by pool.
    pub nodes: Vec<Node>,
}

/// One pool.
#[derive(Debug, Serialize)]
pub struct PoolCtx {
    /// Name.
    pub name: String,
    /// `server` or `agent`.
    pub role: String,
    /// True for the K3s server pool.
    pub server: bool,
    /// Terraform variable prefix: `control_plane` for the server pool, else the pool name in snake case.
    pub tf_prefix: String,
    /// Value of the Hetzner `role` server label the root module sets.
    pub hetzner_role: String,
    /// Server type.
    pub server_type: String,
    /// vCPUs of the server type.
    pub vcpu: u32,
    /// RAM (GB) of the server type.
    pub ram_gb: u32,
    /// Monthly price per node, if known.
    pub eur_per_month: Option<f64>,
    /// Node count.
    pub count: u32,
    /// IP range name.
    pub range: String,
    /// Node labels.
    pub labels: Vec<KvCtx>,
    /// Node taints.
    pub taints: Vec<TaintCtx>,
    /// Apps may schedule here.
    pub apps: bool,
    /// The persistent Primary IP, if any.
    pub primary_ip: Option<PrimaryIpCtx>,
    /// The nodes.
    pub nodes: Vec<Node>,
}

/// A `key=value` pair.
#[derive(Debug, Serialize, Clone)]
pub struct KvCtx {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// A node taint.
#[derive(Debug, Serialize)]
pub struct TaintCtx {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Effect.
    pub effect: String,
}

/// A persistent Primary IP.
#[derive(Debug, Serialize)]
pub struct PrimaryIpCtx {
    /// Hetzner name, `<env>-<cluster>-<pool>-ip`.
    pub name: String,
    /// Terraform variable that receives its ID (`<tf_prefix>_primary_ip_id`).
    pub tf_var: String,
    /// Index of the node that holds it.
    pub node_index: u32,
    /// Name of the node that holds it.
    pub node: String,
    /// The address when recorded in cluster.kdl.
    pub address: Option<String>,
}

/// A node, shared by its pool and its IP range.
///
/// In a template it is an object read field by field: at 1,000 nodes,
/// converting every node into a map of template values (twice, by pool and
/// by range) was the largest part of building the template context
/// (issue 6). Serialised anywhere else (JSON, YAML) it is its fields.
#[derive(Debug, Clone)]
pub struct Node(std::sync::Arc<NodeCtx>);

impl std::ops::Deref for Node {
    type Target = NodeCtx;
    fn deref(&self) -> &NodeCtx {
        &self.0
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if minijinja::value::serializing_for_value() {
            minijinja::Value::from_dyn_object(self.0.clone()).serialize(s)
        } else {
            self.0.serialize(s)
        }
    }
}

impl minijinja::value::Object for NodeCtx {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        self.field(key.as_str()?)
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Str(NodeCtx::FIELDS)
    }
}

impl NodeCtx {
    /// The fields a template can read, in declaration order.
    const FIELDS: &'static [&'static str] = &[
        "name",
        "server_name",
        "pool",
        "index",
        "ip",
        "primary_ip",
        "reach",
        "public_ip",
    ];

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
            TextField::Ip => &self.ip,
            TextField::Reach => self.reach,
            TextField::PublicIp => &self.public_ip,
        }
    }

    /// Field `name` as a template value.
    fn field(&self, name: &str) -> Option<minijinja::Value> {
        use minijinja::Value;
        match name {
            "index" => Some(Value::from(self.index)),
            "primary_ip" => Some(Value::from(self.primary_ip)),
            _ => self.text_field(name).map(Value::from),
        }
    }
}

/// A text field of [`NodeCtx`].
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

/// `a.b.c.d`, without the formatting machinery (one per node and environment).
fn dotted(ip: std::net::Ipv4Addr) -> String {
    let mut out = String::with_capacity(15);
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
    out
}

/// One node.
#[derive(Debug, Serialize, Clone)]
pub struct NodeCtx {
    /// Short name (`kafka-0`).
    pub name: String,
    /// Hetzner server name.
    pub server_name: String,
    /// Pool name, shared by the pool's nodes.
    pub pool: std::sync::Arc<str>,
    /// Index in the pool.
    pub index: u32,
    /// Private IP.
    pub ip: String,
    /// Holds the pool's Primary IP.
    pub primary_ip: bool,
    /// How SSH reaches it: `direct` through its Primary IP, else `jump`
    /// through the control plane.
    pub reach: &'static str,
    /// Its public address, for people:
    /// `Primary IP <name> (persistent[, <address>])`, or `ephemeral`.
    pub public_ip: std::borrow::Cow<'static, str>,
}

/// Kafka.
#[derive(Debug, Serialize)]
pub struct KafkaCtx {
    /// Kafka resource name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Broker pool.
    pub broker_pool: String,
    /// Controller pool.
    pub controller_pool: String,
    /// Brokers and controllers are the same nodes.
    pub dual_role: bool,
    /// Broker count (the broker pool's node count).
    pub brokers: u32,
    /// Controller count.
    pub controllers: u32,
    /// Kafka version.
    pub version: String,
    /// KRaft metadata version.
    pub metadata_version: String,
    /// Replication factor.
    pub replication_factor: u32,
    /// `min.insync.replicas`.
    pub min_insync: u32,
    /// `host:port` of the internal bootstrap service (first internal listener).
    pub internal_bootstrap: Option<String>,
    /// The external NodePort listener, if any.
    pub external: Option<ExternalCtx>,
    /// Every listener, in file order (the order of `spec.kafka.listeners`).
    pub listeners: Vec<ListenerCtx>,
    /// Storage of every node pool.
    pub storage: StorageCtx,
    /// Pod resources of every node pool.
    pub resources: ResourcesCtx,
}

/// A Kafka listener.
#[derive(Debug, Serialize)]
pub struct ListenerCtx {
    /// Name.
    pub name: String,
    /// Strimzi listener type (`internal`, `nodeport`, …).
    pub kind: String,
    /// Container port.
    pub port: u32,
    /// TLS on the listener.
    pub tls: bool,
}

/// Kafka storage.
#[derive(Debug, Serialize)]
pub struct StorageCtx {
    /// `persistent-claim` or `ephemeral`.
    pub kind: String,
    /// Volume size (`20Gi`), if any.
    pub size: Option<String>,
    /// Storage class, if any.
    pub class: Option<String>,
    /// Delete the claim with the cluster.
    pub delete_claim: bool,
}

/// Kafka pod resources.
#[derive(Debug, Serialize)]
pub struct ResourcesCtx {
    /// Memory request and limit.
    pub memory: Option<String>,
    /// CPU request.
    pub cpu: Option<String>,
}

/// The external NodePort listener.
#[derive(Debug, Serialize)]
pub struct ExternalCtx {
    /// Listener name.
    pub listener: String,
    /// Bootstrap NodePort.
    pub bootstrap_node_port: u32,
    /// `(broker id, NodePort)` per broker.
    pub brokers: Vec<BrokerPortCtx>,
    /// First and last NodePort used.
    pub first_port: u32,
    /// Last NodePort used.
    pub last_port: u32,
    /// The node whose Primary IP is advertised.
    pub via_node: String,
    /// Its Primary IP name.
    pub via_primary_ip: String,
    /// Its address, if recorded.
    pub address: Option<String>,
    /// Index of this listener in `spec.kafka.listeners`.
    pub listener_index: u32,
    /// JSON pointers (into the Kafka resource, `k8s/<env>/strimzi/kafka.yaml`)
    /// of every broker's `advertisedHost`: the deploy step sets each to the
    /// Primary IP's address when `address` is not recorded.
    pub advertised_host_pointers: Vec<String>,
}

/// One broker's NodePort.
#[derive(Debug, Serialize)]
pub struct BrokerPortCtx {
    /// Kafka node id.
    pub broker: u32,
    /// NodePort.
    pub node_port: u32,
}

/// A scheduling profile.
#[derive(Debug, Serialize)]
pub struct ProfileCtx {
    /// Name.
    pub name: String,
    /// Preferences, highest weight first.
    pub prefer: Vec<PreferCtx>,
    /// Labels to avoid.
    pub avoid: Vec<KvCtx>,
    /// Labels to require.
    pub require: Vec<KvCtx>,
}

/// A weighted preference.
#[derive(Debug, Serialize)]
pub struct PreferCtx {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Weight.
    pub weight: u32,
}

/// Traefik's NodePorts.
#[derive(Debug, Serialize)]
pub struct IngressCtx {
    /// HTTP.
    pub http: u32,
    /// HTTPS (ArgoCD UI).
    pub https: u32,
}

/// A firewall rule.
#[derive(Debug, Serialize)]
pub struct FirewallCtx {
    /// Description.
    pub description: String,
    /// `in`.
    pub direction: String,
    /// `tcp` / `udp`.
    pub protocol: String,
    /// `22` or `30001-30004`.
    pub port: String,
    /// Source CIDRs.
    pub source_ips: Vec<String>,
}

/// Schedule.
#[derive(Debug, Serialize)]
pub struct ScheduleCtx {
    /// Hours per day.
    pub hours_per_day: u32,
    /// Days per month.
    pub days_per_month: u32,
    /// `HH:MM` UTC.
    pub destroy_at: Option<String>,
    /// Cron line for the destroy.
    pub destroy_cron: Option<String>,
}

/// GitOps.
#[derive(Debug, Serialize)]
pub struct GitOpsCtx {
    /// `owner/name`.
    pub repo: String,
    /// Overlay path.
    pub overlay: String,
    /// Revision.
    pub revision: String,
    /// ArgoCD namespace.
    pub namespace: String,
}

/// A secret.
#[derive(Debug, Serialize)]
pub struct SecretCtx {
    /// Name.
    pub name: String,
    /// Use.
    pub usage: String,
    /// Optional.
    pub optional: bool,
    /// Description.
    pub description: String,
}

/// Cost figures (EUR per month).
#[derive(Debug, Serialize)]
pub struct CostCtx {
    /// One row per pool.
    pub rows: Vec<CostRow>,
    /// Primary IP count.
    pub primary_ips: u32,
    /// Primary IPs per month.
    pub primary_ips_eur: f64,
    /// Everything, always on.
    pub always_on_eur: f64,
    /// Servers for `hours_per_day × days_per_month`, Primary IPs all month.
    pub ephemeral_eur: f64,
    /// Saving of the schedule, percent (rounded).
    pub saving_percent: u32,
    /// Pools whose server type has no price (excluded from the totals).
    pub unpriced: Vec<String>,
}

/// One pool's cost.
#[derive(Debug, Serialize)]
pub struct CostRow {
    /// Pool.
    pub pool: String,
    /// Node names.
    pub nodes: String,
    /// Server type.
    pub server_type: String,
    /// Count.
    pub count: u32,
    /// Per node.
    pub unit_eur: Option<f64>,
    /// All nodes.
    pub total_eur: Option<f64>,
}

/// Hours in an average month, as Hetzner bills (monthly cap).
pub const HOURS_PER_MONTH: f64 = 730.0;

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl ProjectCtx {
    /// Builds the context of every environment.
    pub fn new(project: &Project) -> Self {
        let envs: Vec<EnvCtx> = project.envs.iter().map(EnvCtx::new).collect();
        let mut destroy_schedules: Vec<DestroySchedule> = Vec::new();
        for e in &envs {
            if let (Some(cron), Some(time)) = (&e.schedule.destroy_cron, &e.schedule.destroy_at) {
                match destroy_schedules.iter_mut().find(|d| &d.cron == cron) {
                    Some(d) => d.envs.push(e.env.clone()),
                    None => destroy_schedules.push(DestroySchedule {
                        cron: cron.clone(),
                        time: time.clone(),
                        envs: vec![e.env.clone()],
                    }),
                }
            }
        }
        Self {
            cluster: project
                .envs
                .first()
                .map(|t| t.cluster.value.clone())
                .unwrap_or_default(),
            env_names: envs.iter().map(|e| e.env.clone()).collect(),
            output_dir: project.output.dir.clone(),
            topogen: project.topogen.as_ref().map(|p| PinCtx {
                git: p.git.value.clone(),
                rev: p.rev.value.clone(),
            }),
            terraform: super::terraform::ModuleCtx::new(project),
            envs,
            destroy_schedules,
            cache: ValueCache::default(),
        }
    }
}

fn snake(s: &str) -> String {
    s.replace('-', "_")
}

impl EnvCtx {
    /// Builds the context of one environment.
    pub fn new(t: &Topology) -> Self {
        let nodes = t.nodes();
        let node_ctx = |n: crate::model::Node<'_>, pool: &std::sync::Arc<str>| {
            Node(std::sync::Arc::new(NodeCtx {
                pool: pool.clone(),
                index: n.index,
                ip: n.ip.map(dotted).unwrap_or_default(),
                primary_ip: n.primary_ip,
                reach: if n.primary_ip { "direct" } else { "jump" },
                public_ip: match &n.pool.primary_ip {
                    Some(ip) if n.primary_ip => {
                        let name = t.primary_ip_name(n.pool);
                        match &ip.address {
                            Some(a) => {
                                format!("Primary IP {name} (persistent, {})", a.value).into()
                            }
                            None => format!("Primary IP {name} (persistent)").into(),
                        }
                    }
                    _ => "ephemeral".into(),
                },
                name: n.name,
                server_name: n.server_name,
            }))
        };
        // `nodes()` lists the nodes pool by pool, in pool order
        let mut by_pool = nodes.into_iter().peekable();
        let pools: Vec<PoolCtx> = t
            .pools
            .iter()
            .map(|p| {
                let st = t.catalog.server_types.get(&p.server_type.value);
                let server = p.role.value == Role::Server;
                let tf_prefix = if server {
                    "control_plane".to_owned()
                } else {
                    snake(&p.name.value)
                };
                let mut pool_nodes = Vec::with_capacity(p.count.value as usize);
                let pool_name: std::sync::Arc<str> = p.name.value.as_str().into();
                while let Some(n) = by_pool.next_if(|n| std::ptr::eq(n.pool, p)) {
                    pool_nodes.push(node_ctx(n, &pool_name));
                }
                PoolCtx {
                    name: p.name.value.clone(),
                    role: p.role.value.as_str().to_owned(),
                    server,
                    hetzner_role: if server {
                        "control-plane".to_owned()
                    } else {
                        p.name.value.clone()
                    },
                    server_type: p.server_type.value.clone(),
                    vcpu: st.map_or(0, |s| s.vcpu),
                    ram_gb: st.map_or(0, |s| s.ram_gb),
                    eur_per_month: st.and_then(|s| s.eur_per_month),
                    count: p.count.value,
                    range: p.range.value.clone(),
                    labels: p
                        .labels
                        .iter()
                        .map(|l| KvCtx {
                            key: l.key.value.clone(),
                            value: l.value.value.clone(),
                        })
                        .collect(),
                    taints: p
                        .taints
                        .iter()
                        .map(|x| TaintCtx {
                            key: x.key.value.clone(),
                            value: x.value.value.clone(),
                            effect: x.effect.value.clone(),
                        })
                        .collect(),
                    apps: p.apps.value,
                    primary_ip: p.primary_ip.as_ref().map(|ip| PrimaryIpCtx {
                        name: t.primary_ip_name(p),
                        tf_var: format!("{tf_prefix}_primary_ip_id"),
                        node_index: ip.node.value,
                        node: pool_nodes
                            .get(ip.node.value as usize)
                            .map(|n| n.name.clone())
                            .unwrap_or_default(),
                        address: ip.address.as_ref().map(|a| a.value.to_string()),
                    }),
                    tf_prefix,
                    nodes: pool_nodes,
                }
            })
            .collect();
        let control_plane = pools
            .iter()
            .find(|p| p.server)
            .and_then(|p| p.nodes.first().cloned())
            .unwrap_or_else(|| {
                Node(std::sync::Arc::new(NodeCtx {
                    name: String::new(),
                    server_name: String::new(),
                    pool: "".into(),
                    index: 0,
                    ip: String::new(),
                    primary_ip: false,
                    reach: "jump",
                    public_ip: "".into(),
                }))
            });
        let ranges = t
            .ip_plan
            .iter()
            .map(|r| RangeCtx {
                name: r.name.value.clone(),
                from: r.from.value,
                to: r.to.value,
                size: r.to.value.saturating_sub(r.from.value) + 1,
                first: t
                    .host(r.from.value)
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                last: t
                    .host(r.to.value)
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                reserved: r.reserved,
                purpose: r.purpose.clone().unwrap_or_default(),
                pools: t
                    .pools
                    .iter()
                    .filter(|p| p.range.value == r.name.value)
                    .map(|p| p.name.value.clone())
                    .collect(),
                nodes: pools
                    .iter()
                    .filter(|p| p.range == r.name.value)
                    .flat_map(|p| p.nodes.iter().cloned())
                    .collect(),
            })
            .collect();
        let kafka = t.kafka.as_ref().map(|k| {
            let brokers = t.pool(&k.brokers.value).map_or(0, |p| p.count.value);
            let controllers = t.pool(&k.controllers.value).map_or(0, |p| p.count.value);
            let dual_role = k.brokers.value == k.controllers.value;
            let broker_pool = pools.iter().find(|p| p.name == k.brokers.value);
            let external = k
                .listeners
                .iter()
                .enumerate()
                .find(|(_, l)| l.kind.value == "nodeport")
                .and_then(|(li, l)| {
                    let bootstrap = l.bootstrap_node_port.as_ref()?.value;
                    let first = l.broker_node_port.as_ref()?.value;
                    let ip = broker_pool.and_then(|p| p.primary_ip.as_ref());
                    let brokers_v: Vec<BrokerPortCtx> = (0..brokers)
                        .map(|b| BrokerPortCtx {
                            broker: b,
                            node_port: first + b,
                        })
                        .collect();
                    let last = brokers_v.last().map_or(first, |b| b.node_port);
                    Some(ExternalCtx {
                        listener: l.name.value.clone(),
                        bootstrap_node_port: bootstrap,
                        first_port: bootstrap.min(first),
                        last_port: bootstrap.max(last),
                        brokers: brokers_v,
                        via_node: ip.map(|i| i.node.clone()).unwrap_or_default(),
                        via_primary_ip: ip.map(|i| i.name.clone()).unwrap_or_default(),
                        address: ip.and_then(|i| i.address.clone()),
                        listener_index: li as u32,
                        advertised_host_pointers: (0..brokers)
                            .map(|b| {
                                format!(
                                    "/spec/kafka/listeners/{li}/configuration/brokers/{b}/advertisedHost"
                                )
                            })
                            .collect(),
                    })
                });
            let internal_bootstrap =
                k.listeners
                    .iter()
                    .find(|l| l.kind.value == "internal")
                    .map(|l| {
                        format!(
                            "{}-kafka-bootstrap.{}:{}",
                            k.name.value, k.namespace.value, l.port.value
                        )
                    });
            KafkaCtx {
                name: k.name.value.clone(),
                namespace: k.namespace.value.clone(),
                broker_pool: k.brokers.value.clone(),
                controller_pool: k.controllers.value.clone(),
                dual_role,
                brokers,
                controllers,
                version: t.versions.kafka.value.clone(),
                metadata_version: k
                    .metadata_version
                    .as_ref()
                    .map(|m| m.value.clone())
                    .unwrap_or_else(|| default_metadata_version(&t.versions.kafka.value)),
                replication_factor: k.replication.factor.value,
                min_insync: k.replication.min_insync.value,
                internal_bootstrap,
                external,
                listeners: k
                    .listeners
                    .iter()
                    .map(|l| ListenerCtx {
                        name: l.name.value.clone(),
                        kind: l.kind.value.clone(),
                        port: l.port.value,
                        tls: l.tls.value,
                    })
                    .collect(),
                storage: StorageCtx {
                    kind: k.storage.kind.value.clone(),
                    size: k.storage.size.as_ref().map(|s| s.value.clone()),
                    class: k.storage.class.as_ref().map(|s| s.value.clone()),
                    delete_claim: k.storage.delete_claim,
                },
                resources: ResourcesCtx {
                    memory: k.resources.memory.as_ref().map(|s| s.value.clone()),
                    cpu: k.resources.cpu.as_ref().map(|s| s.value.clone()),
                },
            }
        });
        let cost = cost(t, &pools);
        let schedule = ScheduleCtx {
            hours_per_day: t.schedule.hours_per_day.value,
            days_per_month: t.schedule.days_per_month.value,
            destroy_at: t
                .schedule
                .destroy_at
                .as_ref()
                .map(|s| format!("{:02}:{:02}", s.value.0, s.value.1)),
            destroy_cron: t
                .schedule
                .destroy_at
                .as_ref()
                .map(|s| format!("{} {} * * *", s.value.1, s.value.0)),
        };
        Self {
            cache: ValueCache::default(),
            env: t.env.name.value.clone(),
            production: t.env.production.value,
            cluster: t.cluster.value.clone(),
            prefix: format!("{}-{}", t.env.name.value, t.cluster.value),
            hetzner: HetznerCtx {
                location: t.hetzner.location.value.clone(),
                datacenter: t.hetzner.datacenter.value.clone(),
                network_zone: t.hetzner.network_zone.value.clone(),
                image: t.hetzner.image.value.clone(),
            },
            versions: VersionsCtx {
                terraform: t.versions.terraform.value.clone(),
                terraform_cli: t.versions.terraform_cli.value.clone(),
                hcloud_provider: t.versions.hcloud_provider.value.clone(),
                hcloud_cli: t.versions.hcloud_cli.value.clone(),
                k3s: t.versions.k3s.value.clone(),
                helm: t.versions.helm.value.clone(),
                traefik_chart: t.versions.traefik_chart.value.clone(),
                strimzi: t.versions.strimzi.value.clone(),
                kafka: t.versions.kafka.value.clone(),
                argocd_operator: t.versions.argocd_operator.value.clone(),
            },
            network: NetworkCtx {
                cidr: t.network.cidr.value.to_string(),
                subnet: t.network.subnet.value.to_string(),
                gateway: t.host(1).map(|a| a.to_string()).unwrap_or_default(),
                prefix_len: t.network.subnet.value.prefix_len(),
            },
            ranges,
            agent_pools: pools
                .iter()
                .filter(|p| !p.server)
                .map(|p| p.name.clone())
                .collect(),
            node_count: t.node_count(),
            control_plane,
            pools,
            kafka,
            profiles: t
                .profiles
                .iter()
                .map(|p| {
                    let mut prefer: Vec<PreferCtx> = p
                        .prefer
                        .iter()
                        .map(|x| PreferCtx {
                            key: x.label.key.value.clone(),
                            value: x.label.value.value.clone(),
                            weight: x.weight.value,
                        })
                        .collect();
                    prefer.sort_by_key(|p| std::cmp::Reverse(p.weight));
                    let kv = |v: &Vec<crate::model::KeyValue>| {
                        v.iter()
                            .map(|l| KvCtx {
                                key: l.key.value.clone(),
                                value: l.value.value.clone(),
                            })
                            .collect()
                    };
                    ProfileCtx {
                        name: p.name.value.clone(),
                        prefer,
                        avoid: kv(&p.avoid),
                        require: kv(&p.require),
                    }
                })
                .collect(),
            ingress: IngressCtx {
                http: t.ingress.http_node_port.value,
                https: t.ingress.https_node_port.value,
            },
            firewall: t
                .firewall
                .iter()
                .map(|r| FirewallCtx {
                    description: r.name.value.clone(),
                    direction: "in".to_owned(),
                    protocol: r.protocol.value.as_str().to_owned(),
                    port: r.port_string(),
                    source_ips: r
                        .effective_sources()
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                })
                .collect(),
            schedule,
            gitops: GitOpsCtx {
                repo: t.gitops.repo.value.clone(),
                overlay: t.gitops.overlay.value.clone(),
                revision: t.gitops.revision.value.clone(),
                namespace: t.gitops.namespace.value.clone(),
            },
            secrets: SecretUse::ALL
                .iter()
                .filter_map(|u| {
                    t.secret(*u)
                        .map(|s| (snake(u.as_str()), s.name.value.clone()))
                })
                .collect(),
            secret_list: t
                .secrets
                .iter()
                .map(|s| SecretCtx {
                    name: s.name.value.clone(),
                    usage: s.usage.value.as_str().to_owned(),
                    optional: s.optional,
                    description: s.description.clone().unwrap_or_default(),
                })
                .collect(),
            cost,
        }
    }
}

/// The KRaft metadata version Strimzi 0.48 uses by default for a Kafka version.
pub fn default_metadata_version(kafka: &str) -> String {
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

fn cost(t: &Topology, pools: &[PoolCtx]) -> CostCtx {
    let mut rows = Vec::new();
    let mut unpriced = Vec::new();
    let mut servers = 0.0;
    for p in pools {
        let total = p.eur_per_month.map(|u| round2(u * f64::from(p.count)));
        match total {
            Some(x) => servers += x,
            None if p.count > 0 => unpriced.push(p.name.clone()),
            None => {}
        }
        rows.push(CostRow {
            pool: p.name.clone(),
            nodes: match p.nodes.as_slice() {
                [] => String::new(),
                [one] => one.name.clone(),
                [first, .., last] => format!("{}..{}", first.name, last.name),
            },
            server_type: p.server_type.clone(),
            count: p.count,
            unit_eur: p.eur_per_month,
            total_eur: total,
        });
    }
    let primary_ips = pools.iter().filter(|p| p.primary_ip.is_some()).count() as u32;
    let primary_ips_eur = round2(t.catalog.primary_ip_eur * f64::from(primary_ips));
    let always_on = round2(servers + primary_ips_eur);
    let fraction = (f64::from(t.schedule.hours_per_day.value)
        * f64::from(t.schedule.days_per_month.value)
        / HOURS_PER_MONTH)
        .min(1.0);
    let ephemeral = round2(servers * fraction + primary_ips_eur);
    let saving = if always_on > 0.0 {
        ((1.0 - ephemeral / always_on) * 100.0).round() as u32
    } else {
        0
    };
    CostCtx {
        rows,
        primary_ips,
        primary_ips_eur,
        always_on_eur: always_on,
        ephemeral_eur: ephemeral,
        saving_percent: saving,
        unpriced,
    }
}

#[cfg(test)]
mod tests {
    use super::dotted;

    #[test]
    fn dotted_matches_display() {
        for ip in [
            "0.0.0.0",
            "10.0.1.20",
            "255.255.255.255",
            "1.10.100.9",
            "192.168.0.100",
        ] {
            let ip: std::net::Ipv4Addr = ip.parse().unwrap();
            assert_eq!(dotted(ip), ip.to_string());
        }
    }
}
