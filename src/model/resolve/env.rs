//! [`Resolved`]: one environment with every derived fact computed once.

use std::borrow::Cow;
use std::net::Ipv4Addr;
use std::sync::Arc;

use ipnet::IpNet;

use super::cost::Cost;
use super::kafka::{NodePortUse, ResolvedKafka};
use crate::model::catalog::ServerType;
use crate::model::{FirewallRule, IpRange, Pool, Role, SecretUse, Topology};

/// What follows the cluster's name in the name of the project's deploy SSH key
/// ([`Resolved::ssh_key`]; the Terraform module appends it to `var.cluster_name`).
/// Not `<env>-<cluster>-…`: the key is no environment's, and the maintenance
/// workflow's by-prefix selection of an environment's objects never meets it.
pub(crate) const DEPLOY_KEY_SUFFIX: &str = "-deploy";

/// One environment, resolved: the [`Topology`] it comes from (every input
/// value with its span) and the facts derived from it — nodes, names,
/// addresses, the Kafka broker and controller sets and NodePorts, cost.
///
/// The rules, `topogen show` and every emitter read these facts here; none
/// derives them again.
#[derive(Debug)]
pub struct Resolved<'t> {
    /// The environment as written, spans included.
    pub(crate) topo: &'t Topology,
    /// `<env>-<cluster>`: the prefix of every Hetzner name.
    pub(crate) prefix: String,
    /// The project's deploy SSH key, `<cluster>-deploy` ([`DEPLOY_KEY_SUFFIX`]): one
    /// per cluster, shared by its environments (Hetzner refuses a second key with the
    /// same public key in a project), made by the provision workflow and only looked
    /// up by the Terraform module.
    pub(crate) ssh_key: String,
    /// Pools, in file order, each with its nodes.
    pub pools: Vec<ResolvedPool<'t>>,
    /// The control plane: the server pool's first node.
    pub(crate) control_plane: Option<Arc<ResolvedNode>>,
    /// The subnet's gateway (host 1).
    pub(crate) gateway: Option<Ipv4Addr>,
    /// The IP plan, each range with its users.
    pub(crate) ranges: Vec<ResolvedRange<'t>>,
    /// Kafka, if any.
    pub kafka: Option<ResolvedKafka<'t>>,
    /// Every NodePort the environment exposes (see [`Topology::node_ports`]).
    pub node_ports: Vec<NodePortUse>,
    /// Inbound firewall rules, with their effective sources.
    pub(crate) firewall: Vec<ResolvedFirewallRule<'t>>,
    /// Secret names by use; an optional one may be absent.
    pub(crate) secrets: Vec<(SecretUse, &'t str)>,
    /// Number of nodes in all pools.
    pub(crate) node_count: u32,
    /// Monthly cost.
    pub(crate) cost: Cost,
}

/// A pool and its nodes.
#[derive(Debug)]
pub struct ResolvedPool<'t> {
    /// The pool as written (`count`, `labels`, … with their spans).
    pub(crate) pool: &'t Pool,
    /// True for the K3s server pool.
    pub server: bool,
    /// Its server type's catalog entry (vCPUs, RAM, price), if known.
    pub(crate) catalog: Option<&'t ServerType>,
    /// Terraform variable prefix: `control_plane` for the server pool, else
    /// the pool name in snake case.
    pub tf_prefix: String,
    /// Value of the Hetzner `role` server label the root module sets.
    pub(crate) hetzner_role: String,
    /// The persistent Primary IP, if any.
    pub(crate) primary_ip: Option<ResolvedPrimaryIp>,
    /// Its `count` live nodes, in index order, each with its index (a
    /// retired index is skipped, never reused) (shared: a template reads the
    /// list without copying it).
    pub nodes: Arc<[Arc<ResolvedNode>]>,
    /// Its nodes' names as the tables show them: `kafka-0..kafka-2`, the
    /// one name of a single node, empty without nodes.
    pub(crate) names: String,
}

/// The pool's own fields (`count`, `labels`, …); [`ResolvedPool::primary_ip`]
/// is the resolved one, the written one is `pool.primary_ip`.
impl std::ops::Deref for ResolvedPool<'_> {
    type Target = Pool;
    fn deref(&self) -> &Pool {
        self.pool
    }
}

/// A pool's persistent Primary IP.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedPrimaryIp {
    /// Hetzner name, `<env>-<cluster>-<pool>-ip`.
    pub(crate) name: String,
    /// Terraform variable that receives its ID (`<tf_prefix>_primary_ip_id`).
    pub(crate) tf_var: String,
    /// Index of the node that holds it.
    pub(crate) node_index: u32,
    /// Name of the node that holds it (empty when the index is out of range).
    pub(crate) node: String,
    /// The address, when recorded in `cluster.kdl`.
    pub(crate) address: Option<Ipv4Addr>,
}

/// How SSH reaches a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Through its own Primary IP.
    Direct,
    /// Through the control plane.
    Jump,
}

impl Reach {
    /// `direct` or `jump`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reach::Direct => "direct",
            Reach::Jump => "jump",
        }
    }
}

/// One server, shared by its pool and its IP range.
#[derive(Debug, Clone)]
pub struct ResolvedNode {
    /// Short name (`kafka-0`; see [`crate::model::Node::name`]).
    pub(crate) name: String,
    /// Hetzner server name, `<env>-<cluster>-<name>`.
    pub(crate) server_name: String,
    /// Pool name, shared by the pool's nodes.
    pub(crate) pool: Arc<str>,
    /// Index in the pool.
    pub(crate) index: u32,
    /// Private IP in dotted form, if the range places it inside the subnet;
    /// empty without one.
    pub(crate) private_ip: String,
    /// Holds the pool's Primary IP.
    pub(crate) primary_ip: bool,
    /// How SSH reaches it.
    pub(crate) reach: Reach,
    /// Its public address as people read it:
    /// `Primary IP <name> (persistent[, <address>])`, or `ephemeral`.
    pub(crate) public_ip: Cow<'static, str>,
}

/// One range of the IP plan and the nodes that take addresses from it.
#[derive(Debug)]
pub(crate) struct ResolvedRange<'t> {
    /// The range as written.
    pub(crate) range: &'t IpRange,
    /// First address.
    pub(crate) first: Option<Ipv4Addr>,
    /// Last address.
    pub(crate) last: Option<Ipv4Addr>,
    /// Number of addresses (`to - from + 1`).
    pub(crate) size: u32,
    /// Indexes (into [`Resolved::pools`]) of the pools that use it.
    pub(crate) pools: Vec<usize>,
}

/// A firewall rule with its effective sources.
#[derive(Debug)]
pub(crate) struct ResolvedFirewallRule<'t> {
    /// The rule as written.
    pub(crate) rule: &'t FirewallRule,
    /// `22` or `30001-30004`.
    pub(crate) port: String,
    /// The sources, or every address when none is given.
    pub(crate) sources: Vec<IpNet>,
}

/// `s` with `-` replaced by `_`.
pub(crate) fn snake(s: &str) -> String {
    s.replace('-', "_")
}

impl<'t> Resolved<'t> {
    /// Resolves one environment.
    pub fn new(t: &'t Topology) -> Self {
        let mut by_pool = t.nodes().into_iter().peekable();
        let pools: Vec<ResolvedPool<'t>> = t
            .pools
            .iter()
            .map(|p| {
                let server = p.role.value == Role::Server;
                let tf_prefix = if server {
                    "control_plane".to_owned()
                } else {
                    snake(&p.name.value)
                };
                let pool_name: Arc<str> = p.name.value.as_str().into();
                let ip_name = p.primary_ip.as_ref().map(|_| t.primary_ip_name(p));
                let mut nodes = Vec::with_capacity(p.count.value as usize);
                // `nodes()` lists the nodes pool by pool, in pool order
                while let Some(n) = by_pool.next_if(|n| std::ptr::eq(n.pool, p)) {
                    let public_ip: Cow<'static, str> = match (&p.primary_ip, &ip_name) {
                        (Some(ip), Some(name)) if n.primary_ip => match &ip.address {
                            Some(a) => {
                                format!("Primary IP {name} (persistent, {})", a.value).into()
                            }
                            None => format!("Primary IP {name} (persistent)").into(),
                        },
                        _ => "ephemeral".into(),
                    };
                    nodes.push(Arc::new(ResolvedNode {
                        pool: pool_name.clone(),
                        index: n.index,
                        private_ip: n.ip.map(dotted).unwrap_or_default(),
                        primary_ip: n.primary_ip,
                        reach: if n.primary_ip {
                            Reach::Direct
                        } else {
                            Reach::Jump
                        },
                        public_ip,
                        name: n.name,
                        server_name: n.server_name,
                    }));
                }
                ResolvedPool {
                    pool: p,
                    server,
                    catalog: t.catalog.server_types.get(&p.server_type.value),
                    hetzner_role: if server {
                        "control-plane".to_owned()
                    } else {
                        p.name.value.clone()
                    },
                    primary_ip: p.primary_ip.as_ref().map(|ip| ResolvedPrimaryIp {
                        name: ip_name.clone().unwrap_or_default(),
                        tf_var: format!("{tf_prefix}_primary_ip_id"),
                        node_index: ip.node.value,
                        node: nodes
                            .iter()
                            .find(|n| n.index == ip.node.value)
                            .map(|n| n.name.clone())
                            .unwrap_or_default(),
                        address: ip.address.as_ref().map(|a| a.value),
                    }),
                    tf_prefix,
                    names: match &nodes[..] {
                        [] => String::new(),
                        [one] => one.name.clone(),
                        [first, .., last] => format!("{}..{}", first.name, last.name),
                    },
                    nodes: nodes.into(),
                }
            })
            .collect();
        let control_plane = pools
            .iter()
            .find(|p| p.server)
            .and_then(|p| p.nodes.first().cloned());
        let ranges = t
            .ip_plan
            .iter()
            .map(|r| ResolvedRange {
                range: r,
                first: t.host(r.from.value),
                last: t.host(r.to.value),
                size: r.to.value.saturating_sub(r.from.value) + 1,
                pools: pools
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.range.value == r.name.value)
                    .map(|(i, _)| i)
                    .collect(),
            })
            .collect();
        let kafka = t.kafka.as_ref().map(|k| ResolvedKafka::new(t, k, &pools));
        let cost = Cost::new(t, &pools);
        Self {
            topo: t,
            prefix: format!("{}-{}", t.env.name.value, t.cluster.value),
            ssh_key: format!("{}{DEPLOY_KEY_SUFFIX}", t.cluster.value),
            gateway: t.host(1),
            ranges,
            kafka,
            node_ports: t.node_ports(),
            firewall: t
                .firewall
                .iter()
                .map(|r| ResolvedFirewallRule {
                    rule: r,
                    port: r.port_string(),
                    sources: r.effective_sources(),
                })
                .collect(),
            secrets: SecretUse::ALL
                .iter()
                .filter_map(|u| t.secret(*u).map(|s| (*u, s.name.value.as_str())))
                .collect(),
            node_count: t.node_count(),
            control_plane,
            pools,
            cost,
        }
    }

    /// The resolved pool named `name`.
    pub(crate) fn pool(&self, name: &str) -> Option<&ResolvedPool<'t>> {
        self.pools.iter().find(|p| p.name.value == name)
    }

    /// Whether the pool named `pool` holds Kafka's brokers or controllers.
    pub(crate) fn holds_kafka(&self, pool: &str) -> bool {
        self.kafka
            .as_ref()
            .is_some_and(|k| k.kafka.brokers.value == pool || k.kafka.controllers.value == pool)
    }

    /// Kafka's broker pool, if Kafka and the pool exist.
    pub(crate) fn broker_pool(&self) -> Option<&ResolvedPool<'t>> {
        self.pools.get(self.kafka.as_ref()?.broker_pool?)
    }

    /// Kafka's controller pool, if Kafka and the pool exist.
    pub(crate) fn controller_pool(&self) -> Option<&ResolvedPool<'t>> {
        self.pools.get(self.kafka.as_ref()?.controller_pool?)
    }

    /// The nodes that take their addresses from `range`, pool by pool.
    pub(crate) fn range_nodes<'s>(
        &'s self,
        range: &'s ResolvedRange<'t>,
    ) -> impl Iterator<Item = &'s Arc<ResolvedNode>> + 's {
        range
            .pools
            .iter()
            .filter_map(|&i| self.pools.get(i))
            .flat_map(|p| p.nodes.iter())
    }
}

/// `a.b.c.d`, without the formatting machinery (one per node and environment).
pub(crate) fn dotted(ip: Ipv4Addr) -> String {
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
