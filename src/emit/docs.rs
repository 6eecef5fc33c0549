//! `TOPOLOGY.md`: the architecture diagram, IP plan, nodes, endpoints, costs,
//! versions and secrets of every environment, from `templates/docs/TOPOLOGY.md.j2`.

use serde::Serialize;

use super::value::{
    FirewallValue, GitOpsValue, HetznerValue, IngressValue, KafkaValue, Kv, MonitoringValue,
    NetworkValue, Node, Nodes, PoolValue, RegistryValue, VersionsValue, control_plane,
};
use super::{EmitError, Plan, Templates};
use crate::model::Resolved;
use crate::model::Spanned;
use crate::model::resolve::ResolvedPool;
use crate::model::resolve::dotted;
use minijinja::Value;
use std::sync::Arc;

use super::provenance::composed;

/// `on` when `flag` is set, else `off`: a word the flag decides, with its
/// origin.
fn word(flag: &Spanned<bool>, on: &str, off: &str) -> Value {
    composed(if flag.value { on } else { off }.to_owned(), [flag.span])
}

/// The template, overridable by name with `--templates`.
const TEMPLATE: &str = "docs/TOPOLOGY.md.j2";
/// Where it goes, at the top of the output.
const PATH: &str = "TOPOLOGY.md";

/// What `docs/TOPOLOGY.md.j2` reads.
#[derive(Serialize)]
struct Ctx<'a> {
    /// The cluster name.
    cluster: &'a str,
    /// Every environment, in file order.
    envs: Vec<Env<'a>>,
}

/// One environment's section.
#[derive(Serialize)]
struct Env<'a> {
    env: &'a str,
    production: bool,
    /// ` (production)` after the environment's name in the list, or nothing.
    production_note: Value,
    /// ` Production environment.` after its network, or nothing.
    production_sentence: Value,
    /// `approval=`: the GitHub environment that gates the provision job.
    approval: Option<&'a str>,
    cluster: &'a str,
    node_count: u32,
    control_plane: Node,
    network: NetworkValue,
    hetzner: HetznerValue<'a>,
    versions: VersionsValue<'a>,
    ranges: Vec<Range<'a>>,
    pools: Vec<PoolValue<'a>>,
    /// What the architecture diagram draws of each pool, in `pools` order.
    drawn: Vec<Drawn>,
    /// How the access endpoints reach the control-plane node from outside.
    cp_public: PublicIp,
    kafka: Option<KafkaValue<'a>>,
    profiles: Vec<Profile<'a>>,
    ingress: IngressValue,
    firewall: Vec<FirewallValue<'a>>,
    schedule: Schedule,
    cost: Cost<'a>,
    secret_list: Vec<Secret<'a>>,
    registries: Vec<RegistryValue<'a>>,
    monitoring: Option<MonitoringValue<'a>>,
    topics: Vec<Topic<'a>>,
    gitops: GitOpsValue<'a>,
}

/// What the architecture diagram draws of a pool: every node of a pool of up
/// to [`DRAWN`] nodes; of a larger one, its Primary IP node and one box for
/// the rest (GitHub stops rendering a diagram past 50,000 characters, and a
/// box per node stops being readable long before).
#[derive(Serialize)]
struct Drawn {
    /// The nodes drawn one box each.
    shown: Nodes,
    /// The box for the others, when the pool has more than [`DRAWN`] nodes.
    rest: Option<Rest>,
    /// The label of the arrow to a node without the Primary IP: which nodes
    /// there are and which holds it decide where it is drawn.
    ephemeral: Value,
}

/// The most nodes of one pool the diagram draws one by one.
const DRAWN: usize = 8;

/// The nodes of a large pool the diagram draws as one box.
#[derive(Serialize)]
struct Rest {
    first: Node,
    last: Node,
    count: usize,
}

impl Drawn {
    fn new(p: &ResolvedPool<'_>) -> Self {
        let nodes = &p.nodes;
        let n = nodes.len();
        let held = p.primary_ip.as_ref().map(|ip| ip.node_index as usize);
        let (shown, rest) = if n <= DRAWN {
            (Nodes::of(nodes), None)
        } else {
            let one: Arc<[_]> = held
                .and_then(|h| nodes.get(h))
                .cloned()
                .into_iter()
                .collect();
            let first = if held == Some(0) {
                &nodes[1]
            } else {
                &nodes[0]
            };
            let last = if held == Some(n - 1) {
                &nodes[n - 2]
            } else {
                &nodes[n - 1]
            };
            let rest = Rest {
                first: Node(first.clone()),
                last: Node(last.clone()),
                count: n - usize::from(held.is_some()),
            };
            (Nodes::of(&one), Some(rest))
        };
        let held = p.pool.primary_ip.as_ref().map(|ip| ip.node.span);
        let ephemeral = composed(
            "ephemeral IPv4".to_owned(),
            [p.name.span, p.count.span].into_iter().chain(held),
        );
        Self {
            shown,
            rest,
            ephemeral,
        }
    }
}

/// The control-plane node's public address as the access endpoints write
/// it: the Primary IP's address when `cluster.kdl` records it, else a
/// placeholder the template writes in angle brackets (the Primary IP's name,
/// or `<node>-public-ip` for an ephemeral address).
#[derive(Serialize)]
struct PublicIp {
    address: Option<String>,
    placeholder: String,
}

impl PublicIp {
    fn of(e: &Resolved<'_>) -> Self {
        let cp = e.control_plane.as_deref();
        let pool = e.pools.iter().find(|p| p.server);
        let held = pool
            .and_then(|p| p.primary_ip.as_ref())
            .filter(|_| cp.is_some_and(|n| n.primary_ip));
        match held {
            Some(ip) => Self {
                address: ip.address.map(|a| a.to_string()),
                placeholder: ip.name.clone(),
            },
            None => {
                let placeholder = format!("{}-public-ip", cp.map_or("", |n| n.name.as_str()));
                if super::provenance::active() {
                    // the node's name: its pool's name and count (and which
                    // node holds the pool's Primary IP)
                    let spans = pool.into_iter().flat_map(|p| {
                        [Some(p.name.span), Some(p.count.span)]
                            .into_iter()
                            .chain([p.pool.primary_ip.as_ref().map(|ip| ip.node.span)])
                            .flatten()
                    });
                    super::provenance::derived(&placeholder, spans);
                }
                Self {
                    address: None,
                    placeholder,
                }
            }
        }
    }
}

/// A Kafka topic as the deploy creates it.
#[derive(Serialize)]
struct Topic<'a> {
    name: &'a str,
    partitions: u32,
    replicas: u32,
    config: String,
}

/// A range of the IP plan with the nodes in it.
#[derive(Serialize)]
struct Range<'a> {
    name: &'a str,
    first: String,
    last: String,
    size: u32,
    reserved: bool,
    /// The range's use when no pool takes from it: `reserved` or `free`.
    unused: Value,
    purpose: &'a str,
    /// Names of the pools that take addresses from it.
    pools: Vec<&'a str>,
    nodes: Nodes,
    /// How many nodes it holds (`nodes`' length, without a filter call).
    used: usize,
}

/// A scheduling profile.
#[derive(Serialize)]
struct Profile<'a> {
    name: &'a str,
    /// Highest weight first.
    prefer: Vec<Prefer<'a>>,
    avoid: Vec<Kv<'a>>,
    require: Vec<Kv<'a>>,
}

#[derive(Serialize)]
struct Prefer<'a> {
    key: &'a str,
    value: &'a str,
    weight: u32,
}

#[derive(Serialize)]
struct Schedule {
    hours_per_day: u32,
    days_per_month: u32,
    /// `HH:MM` UTC.
    destroy_at: Option<String>,
}

/// The cost table.
#[derive(Serialize)]
struct Cost<'a> {
    rows: Vec<CostRow<'a>>,
    primary_ips: u32,
    primary_ips_eur: f64,
    always_on_eur: f64,
    ephemeral_eur: f64,
    saving_percent: u32,
    unpriced: &'a [String],
}

#[derive(Serialize)]
struct CostRow<'a> {
    pool: &'a str,
    /// `kafka-0..kafka-2`.
    nodes: &'a str,
    server_type: &'a str,
    count: u32,
    unit_eur: Option<f64>,
    total_eur: Option<f64>,
}

/// A row of the secrets table (`rows`: every field is written).
#[derive(Serialize)]
struct Secret<'a> {
    name: &'a str,
    usage: &'static str,
    /// `yes`, or `no` when the workflows run without it.
    required: Value,
    description: &'a str,
}

fn env<'a>(e: &'a Resolved<'_>) -> Env<'a> {
    let t = e.topo;
    let host = |a: Option<std::net::Ipv4Addr>| a.map(dotted).unwrap_or_default();
    let c = &e.cost;
    Env {
        env: &t.env.name.value,
        production: t.env.production.value,
        production_note: word(&t.env.production, " (production)", ""),
        production_sentence: word(&t.env.production, " Production environment.", ""),
        approval: t.env.approval.as_ref().map(|a| a.value.as_str()),
        cluster: &t.cluster.value,
        node_count: e.node_count,
        control_plane: control_plane(e),
        network: NetworkValue::of(e),
        hetzner: HetznerValue::of(e),
        versions: VersionsValue::new(&t.versions),
        ranges: e
            .ranges
            .iter()
            .map(|r| {
                let pools: Vec<_> = r.pools.iter().filter_map(|&i| e.pools.get(i)).collect();
                Range {
                    name: &r.range.name.value,
                    first: host(r.first),
                    last: host(r.last),
                    size: r.size,
                    reserved: r.range.reserved.value,
                    unused: word(&r.range.reserved, "reserved", "free"),
                    purpose: r.range.purpose.as_deref().unwrap_or_default(),
                    pools: pools.iter().map(|p| p.name.value.as_str()).collect(),
                    nodes: Nodes(pools.iter().map(|p| p.nodes.clone()).collect()),
                    used: pools.iter().map(|p| p.nodes.len()).sum(),
                }
            })
            .collect(),
        pools: PoolValue::all(e),
        drawn: e.pools.iter().map(Drawn::new).collect(),
        cp_public: PublicIp::of(e),
        kafka: KafkaValue::of(e),
        profiles: t
            .profiles
            .iter()
            .map(|p| {
                let mut prefer: Vec<Prefer<'_>> = p
                    .prefer
                    .iter()
                    .map(|x| Prefer {
                        key: &x.label.key.value,
                        value: &x.label.value.value,
                        weight: x.weight.value,
                    })
                    .collect();
                prefer.sort_by_key(|p| std::cmp::Reverse(p.weight));
                Profile {
                    name: &p.name.value,
                    prefer,
                    avoid: Kv::all(&p.avoid),
                    require: Kv::all(&p.require),
                }
            })
            .collect(),
        ingress: IngressValue::of(e),
        firewall: FirewallValue::all(e),
        schedule: Schedule {
            hours_per_day: t.schedule.hours_per_day.value,
            days_per_month: t.schedule.days_per_month.value,
            destroy_at: t.schedule.destroy_time(),
        },
        cost: Cost {
            rows: c
                .rows
                .iter()
                .zip(&e.pools)
                .map(|(row, p)| CostRow {
                    pool: &row.pool,
                    nodes: &p.names,
                    server_type: &row.server_type,
                    count: row.count,
                    unit_eur: row.unit_eur,
                    total_eur: row.total_eur,
                })
                .collect(),
            primary_ips: c.primary_ips,
            primary_ips_eur: c.primary_ips_eur,
            always_on_eur: c.always_on_eur,
            ephemeral_eur: c.ephemeral_eur,
            saving_percent: c.saving_percent,
            unpriced: &c.unpriced,
        },
        secret_list: t
            .secrets
            .iter()
            .map(|s| Secret {
                name: &s.name.value,
                usage: s.usage.value.as_str(),
                required: word(&s.optional, "no", "yes"),
                description: s.description.as_deref().unwrap_or_default(),
            })
            .collect(),
        registries: RegistryValue::all(e),
        monitoring: MonitoringValue::of(e),
        gitops: GitOpsValue::of(e),
        topics: e
            .kafka
            .iter()
            .flat_map(|k| k.topics.iter())
            .map(|rt| {
                let config = rt
                    .topic
                    .config
                    .iter()
                    .map(|c| format!("{}={}", c.key.value, c.value.value))
                    .collect::<Vec<_>>()
                    .join(", ");
                if super::provenance::active() {
                    let spans = rt
                        .topic
                        .config
                        .iter()
                        .flat_map(|c| [c.key.span, c.value.span]);
                    super::provenance::derived(&config, spans);
                }
                Topic {
                    name: &rt.topic.name.value,
                    partitions: rt.topic.partitions.value,
                    replicas: rt.replicas.value,
                    config,
                }
            })
            .collect(),
    }
}

/// Renders `TOPOLOGY.md` at the top of the output, all environments in one file.
pub(crate) fn emit(envs: &[Resolved<'_>], t: &Templates, plan: &mut Plan) -> Result<(), EmitError> {
    let ctx = Ctx {
        cluster: envs.first().map_or("", |e| e.topo.cluster.value.as_str()),
        envs: envs.iter().map(env).collect(),
    };
    plan.render(PATH, || t.render(TEMPLATE, ctx))
}
