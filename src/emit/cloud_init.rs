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

use super::context::{EnvCtx, PoolCtx, ProjectCtx};
use super::{EmitError, Plan, Templates};

const TEMPLATE: &str = "cloud-init/node.yaml.j2";

#[derive(Serialize)]
struct Ctx<'a> {
    env: &'a EnvCtx,
    pool: &'a PoolCtx,
}

/// Renders `cloud-init/<env>/<pool>.yaml` for every pool of every environment.
pub(crate) fn emit(cx: &ProjectCtx, t: &Templates, plan: &mut Plan) -> Result<(), EmitError> {
    for env in &cx.envs {
        for pool in &env.pools {
            let text = t.render(TEMPLATE, Ctx { env, pool })?;
            plan.add(format!("cloud-init/{}/{}.yaml", env.env, pool.name), text);
        }
    }
    Ok(())
}
