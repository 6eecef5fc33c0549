//! `topogen::pool::retire`: a `retire` without a reason, or in the control-plane pool.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Role, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::pool::retire",
    severity: Severity::Error,
    summary: "a `retire` has no reason, or retires the control plane",
    docs: r#"## What it does
Checks every `retire INDEX reason=…` of a pool: the `reason` is given and not empty, and
the pool is not the one-node `role=server` pool (the control plane). The same index
retired twice in one block is `topogen::schema::duplicate`; an `environment` that retires
an index the base retires too overrides the base's `retire` (its `reason`).

## Why is this bad?
`retire` removes a node for good: its server is destroyed, its data and identity are lost,
and its index is never used again, so that every other node keeps its name and private IP.
The `reason` is the only record in `cluster.kdl` of why a numbered node is missing (the
next reader sees `worker-0`, `worker-2` and wonders). The control plane is one node, named
after its pool: retiring it does not remove a member from the middle, it replaces the
whole cluster's API server (lower nothing, rebuild instead)."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    retire 1
}
"#,
    fixed: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    retire 1 reason="disk failure; its work moved to worker-2"
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    for p in &t.pools {
        for r in &p.retired {
            if p.role.value == Role::Server {
                out.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "`retire {}` in pool `{}`, the control plane",
                            r.index.value, p.name.value
                        ),
                    )
                    .label(r.span, "retires a control-plane node")
                    .label(p.role.span, "role=server")
                    .help("the control plane is one node that is never renumbered: remove the `retire` (rebuild the cluster to replace the node)"),
                );
                continue;
            }
            if r.reason.value.trim().is_empty() {
                // without `reason=`, lowering gave the `retire` node's span
                let label = if r.reason.span == r.span {
                    "no `reason`"
                } else {
                    "empty reason"
                };
                out.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "`retire {}` in pool `{}` says not why",
                            r.index.value, p.name.value
                        ),
                    )
                    .label(r.reason.span, label)
                    .help(format!(
                        "record why node {} was removed, e.g. `retire {} reason=\"disk failure\"`",
                        r.index.value, r.index.value
                    )),
                );
            }
        }
    }
}
