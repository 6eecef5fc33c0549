//! `cloud-init/<env>/<pool>.yaml`: the user-data of every node of a pool.
//!
//! One file per pool, shared by its nodes: the setup script carries the
//! pool's private IPs and picks, at boot, the one Hetzner attached to the
//! node. K3s then uses that address and its interface for the node IP and
//! for Flannel, so nothing cluster-internal crosses the public interface.
//! Server pools install the K3s server, Helm and Traefik and write
//! `/root/k3s-ready.txt`; agent pools wait for the API and for the join
//! token the provision workflow copies to `/tmp/k3s-token`, join, and write
//! `/root/k3s-agent-ready.txt`.

use serde::Serialize;

use super::value::{IngressValue, NetworkValue, Node, PoolValue, VersionsValue, control_plane};
use super::{EmitError, Plan, Templates};
use crate::model::Resolved;

const TEMPLATE: &str = "cloud-init/node.yaml.j2";

/// What `cloud-init/node.yaml.j2` reads.
#[derive(Serialize)]
struct Ctx<'a> {
    /// The environment, converted once for all its pools.
    env: &'a minijinja::Value,
    pool: PoolValue<'a>,
    /// The pool's labels as K3s takes them, `key=value` (one shell word each).
    labels: Vec<String>,
    /// Its taints, `key=value:effect` or `key:effect`.
    taints: Vec<String>,
}

/// What a node's setup needs of its environment.
#[derive(Serialize)]
struct Env<'a> {
    env: &'a str,
    versions: VersionsValue<'a>,
    /// Traefik's NodePorts.
    ingress: IngressValue,
    control_plane: Node,
    /// The private network: a node finds its own address in `subnet` (so
    /// that scaling a pool leaves every other node's `user_data` unchanged).
    network: NetworkValue,
}

/// Renders `cloud-init/<env>/<pool>.yaml` for every pool of every environment.
pub(crate) fn emit(envs: &[Resolved<'_>], t: &Templates, plan: &mut Plan) -> Result<(), EmitError> {
    for env in envs {
        let topo = env.topo;
        let name = &topo.env.name.value;
        let value = minijinja::Value::from(minijinja::value::Serde(Env {
            env: name,
            versions: VersionsValue::new(&topo.versions),
            ingress: IngressValue::of(env),
            control_plane: control_plane(env),
            network: NetworkValue::of(env),
        }));
        for pool in &env.pools {
            let ctx = Ctx {
                env: &value,
                pool: PoolValue::new(pool),
                labels: (pool.pool.labels.iter())
                    .map(|l| format!("{}={}", l.key.value, l.value.value))
                    .collect(),
                taints: (pool.pool.taints.iter())
                    .map(|x| match x.value.value.as_str() {
                        "" => format!("{}:{}", x.key.value, x.effect.value),
                        v => format!("{}={v}:{}", x.key.value, x.effect.value),
                    })
                    .collect(),
            };
            let path = format!("cloud-init/{name}/{}.yaml", pool.name.value);
            plan.render(path, || t.render(TEMPLATE, ctx))?;
        }
    }
    Ok(())
}
