//! `topogen::pool::server`: the cluster needs exactly one K3s server pool, of one node.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Pool, Role, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::pool::server",
    severity: Severity::Error,
    summary: "there is not exactly one `role=server` pool with `count=1`",
    docs: r#"## What it does
Checks that exactly one pool has `role=server` (the K3s control plane) and that its
`count` is 1.

## Why is this bad?
The Terraform root module, the cloud-init join hand-off and the workflows support one
control-plane node: every agent joins the one server's private IP with the token it
writes. With no server nothing can join; with two server pools, or a server pool of three,
the extra servers would start clusters of their own (K3s HA needs an embedded-etcd
bootstrap topogen does not generate)."#,
    fail: r#"pool control role=server server-type=cx23 count=3 range=control apps=#true
pool worker role=server server-type=cx23 count=2 range=workers
"#,
    fixed: r#"pool control role=server server-type=cx23 count=1 range=control apps=#true
pool worker role=agent server-type=cx23 count=2 range=workers
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let servers: Vec<&Pool> = t
        .pools
        .iter()
        .filter(|p| p.role.value == Role::Server)
        .collect();
    let Some(first) = servers.first() else {
        let mut f = Finding::new(
            &RULE,
            "no pool has `role=server`: the cluster has no control plane",
        );
        f = match t.pools.first() {
            Some(p) => f.label(p.role.span, "the first pool is an agent"),
            None => f.label(t.cluster.span, "this cluster has no pools"),
        };
        out.push(f.help(
            "add a control-plane pool, e.g. `pool control role=server server-type=cx23 count=1 range=control apps=#false`",
        ));
        return;
    };
    for extra in servers.iter().skip(1) {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "pools `{}` and `{}` both have `role=server`, but the cluster supports one control plane",
                    first.name.value, extra.name.value
                ),
            )
            .label(extra.role.span, "a second server pool")
            .label(first.role.span, "the control plane")
            .help("make the other pool `role=agent`"),
        );
    }
    if first.count.value != 1 {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "the server pool `{}` has {} nodes, but the cluster runs exactly one K3s server",
                    first.name.value, first.count.value
                ),
            )
            .label(first.count.span, format!("count={}", first.count.value))
            .label(first.role.span, "the control plane")
            .help("set `count=1`; add capacity with agent pools"),
        );
    }
}
