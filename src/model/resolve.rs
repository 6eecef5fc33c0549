//! Derived facts: nodes and addresses from pools and the IP plan, and
//! [`Resolved`], one environment with every fact the rules, `show` and the
//! emitters read (names, IPs, Kafka's broker set and NodePorts, cost).

mod cost;
mod env;
mod kafka;

use std::net::Ipv4Addr;

pub use env::Resolved;
pub(crate) use env::{DEPLOY_KEY_SUFFIX, dotted, snake};
pub(crate) use env::{
    Reach, ResolvedFirewallRule, ResolvedNode, ResolvedPool, ResolvedPrimaryIp, ResolvedRange,
};
pub(crate) use kafka::{External, NodeIds, NodePortUse, ResolvedKafka, ResolvedTopic};

use super::{Pool, Role, Topology};

/// One server of a pool, with everything derived for it.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    /// The pool it belongs to.
    pub pool: &'a Pool,
    /// Its index in the pool.
    pub(crate) index: u32,
    /// Short name: `kafka-0`; a single-server control-plane pool's node is
    /// just the pool name (`control`), as the root module names it.
    pub(crate) name: String,
    /// Hetzner server name: `<env>-<cluster>-<name>`.
    pub server_name: String,
    /// Private IP: host `range.from + index` of the subnet (`None` when the
    /// range is unknown or the address falls outside the subnet).
    pub ip: Option<Ipv4Addr>,
    /// Whether it holds the pool's persistent Primary IP.
    pub primary_ip: bool,
}

impl Pool {
    /// The indexes of its live nodes, ascending: the first `count` indexes
    /// that no `retire` names (`count=3` with `retire 1`: 0, 2, 3).
    pub(crate) fn node_indices(&self) -> impl Iterator<Item = u32> + '_ {
        (0..=u32::MAX)
            .filter(|i| !self.retired.iter().any(|r| r.index.value == *i))
            .take(self.count.value as usize)
    }

    /// One past its highest live index: how many offsets of its range the
    /// pool spans (its `count` without a retired index below its last node).
    pub(crate) fn span_of_indices(&self) -> u64 {
        self.node_indices().last().map_or(0, |i| u64::from(i) + 1)
    }

    /// Whether node `index` is one of its live nodes.
    pub(crate) fn has_node(&self, index: u32) -> bool {
        !self.retired.iter().any(|r| r.index.value == index)
            && u64::from(index) < self.span_of_indices()
    }
}

impl Topology {
    /// The host `offset` of the subnet, if it lies inside it.
    pub(crate) fn host(&self, offset: u32) -> Option<Ipv4Addr> {
        let net = self.network.subnet.value;
        let base = u32::from(net.network());
        let size = 1u64 << (32 - u32::from(net.prefix_len()));
        (u64::from(offset) < size).then(|| Ipv4Addr::from(base.wrapping_add(offset)))
    }

    /// Every node of every pool, pool by pool, in index order.
    pub fn nodes(&self) -> Vec<Node<'_>> {
        let mut out = Vec::new();
        for pool in &self.pools {
            self.push_nodes(pool, &mut out);
        }
        out
    }

    fn push_nodes<'a>(&'a self, pool: &'a Pool, out: &mut Vec<Node<'a>>) {
        let from = self.range(&pool.range.value).map(|r| r.from.value);
        let single = pool.role.value == Role::Server && pool.count.value == 1;
        out.reserve(pool.count.value as usize);
        // concatenated, not format!: a 1,000-node build names 2,000 nodes
        let prefix = [self.env.name.value.as_str(), "-", &self.cluster.value, "-"].concat();
        let mut digits = itoa::Buffer::new();
        for index in pool.node_indices() {
            let name = if single {
                pool.name.value.clone()
            } else {
                let index = digits.format(index);
                [pool.name.value.as_str(), "-", index].concat()
            };
            out.push(Node {
                pool,
                index,
                server_name: [prefix.as_str(), &name].concat(),
                ip: from
                    .and_then(|f| f.checked_add(index))
                    .and_then(|o| self.host(o)),
                primary_ip: pool
                    .primary_ip
                    .as_ref()
                    .is_some_and(|p| p.node.value == index),
                name,
            });
        }
    }

    /// The Primary IP's Hetzner name for `pool`: `<env>-<cluster>-<pool>-ip`.
    pub fn primary_ip_name(&self, pool: &Pool) -> String {
        format!(
            "{}-{}-{}-ip",
            self.env.name.value, self.cluster.value, pool.name.value
        )
    }

    /// Number of nodes in all pools.
    pub(crate) fn node_count(&self) -> u32 {
        self.pools.iter().map(|p| p.count.value).sum()
    }
}
