//! `topogen::labels::kubelet`: a pool label in the `kubernetes.io` or `k8s.io` namespace that the kubelet refuses to set.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::labels::kubelet",
    severity: Severity::Error,
    summary: "a pool label in the `kubernetes.io` or `k8s.io` namespace that the kubelet refuses to set",
    docs: r#"## What it does
Pool labels become K3s `--node-label` flags, which the kubelet applies itself. The kubelet
refuses labels in the `kubernetes.io` and `k8s.io` namespaces (including subdomains such
as `node-role.kubernetes.io`) except its own well-known ones
(`kubernetes.io/hostname`, `kubernetes.io/os`, `kubernetes.io/arch`,
`topology.kubernetes.io/region` and `zone`, `node.kubernetes.io/instance-type`, and the
`node.kubernetes.io/` and `kubelet.kubernetes.io/` prefixes). This rule reports the others.

## Why is this bad?
The agent fails to start ("unknown 'kubernetes.io' or 'k8s.io' labels specified with
--node-labels") and the node never joins the cluster. A classic example is
`node-role.kubernetes.io/worker`: use your own key such as `role=worker`, or label the node
through the API afterwards. Taints are not affected."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels "node-role.kubernetes.io/worker"=""
}
"#,
    fixed: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role=worker
}
"#,
    check: Check::Topology(check),
};

/// Labels the kubelet may set on its own node.
const KUBELET_LABELS: &[&str] = &[
    "kubernetes.io/hostname",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "node.kubernetes.io/instance-type",
];

fn refused(key: &str) -> bool {
    let Some((prefix, _)) = key.split_once('/') else {
        return false;
    };
    let in_ns = |ns: &str| prefix == ns || prefix.ends_with(&format!(".{ns}"));
    if !in_ns("kubernetes.io") && !in_ns("k8s.io") {
        return false;
    }
    let allowed_ns = |ns: &str| prefix == ns || prefix.ends_with(&format!(".{ns}"));
    !(KUBELET_LABELS.contains(&key)
        || allowed_ns("kubelet.kubernetes.io")
        || allowed_ns("node.kubernetes.io"))
}

fn check(t: &Topology, out: &mut Findings) {
    for p in &t.pools {
        for l in &p.labels {
            if !refused(&l.key.value) {
                continue;
            }
            let name = l.key.value.rsplit('/').next().unwrap_or_default();
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "the kubelet refuses to set label `{}` on its node",
                        l.key.value
                    ),
                )
                .label(l.key.span, "reserved `kubernetes.io`/`k8s.io` namespace")
                .help(format!(
                    "use a key of your own, e.g. `role={name}`, or a `node.kubernetes.io/` key"
                )),
            );
        }
    }
}
