//! `topogen::names::dns-label`: a name that becomes a Kubernetes or Hetzner name is not a DNS-1123 label.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Spanned, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::names::dns-label",
    severity: Severity::Error,
    summary: "a name that becomes a Kubernetes or Hetzner name is not a DNS-1123 label",
    docs: r#"## What it does
Checks that the names which end up in Kubernetes object names, namespaces and Hetzner
server names are DNS-1123 labels (at most 63 lowercase letters, digits and `-`, starting
and ending with a letter or digit): the cluster, the environments, the pools (which must
also start with a letter: they name Terraform variables, `<pool>_node_count`), the Kafka
cluster name (which must also start with a letter: its Services are DNS-1035 labels) and
namespace, the scheduling profiles, the GitOps and monitoring namespaces, and each registry's pull secret
and namespaces.

These names are also the values of the Hetzner labels on servers and Primary IPs
(`environment`, `cluster`, `role`, `pool`): a DNS-1123 label always satisfies the hcloud
provider's label-value rule (at most 63 characters of letters, digits, `-`, `_` and `.`,
starting and ending with a letter or digit), so no label value is refused at apply.

## Why is this bad?
Kubernetes and Hetzner refuse such names only when the resource is created, half-way
through a deployment. The same names are written into shell scripts, HCL and YAML, where
the label syntax is what keeps them from breaking out of their quoting."#,
    fail: r#"cluster Demo_Cluster
/-kafka events
"#,
    fixed: r#"cluster demo-cluster
"#,
    check: Check::Topology(check),
};

fn report(out: &mut Findings, what: &str, name: &Spanned<String>, letter_first: bool) {
    let v = &name.value;
    // a missing name is a placeholder the run drops as a cascade; `""` written out is reported
    let problem = support::dns_label_problem(v).or_else(|| {
        (letter_first && !v.starts_with(|c: char| c.is_ascii_lowercase()))
            .then_some("it must start with a letter")
    });
    let Some(problem) = problem else { return };
    let mut fixed: String = v
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    fixed = fixed.trim_matches('-').chars().take(63).collect();
    let fixed = fixed.trim_end_matches('-');
    let example = if fixed.is_empty()
        || !support::may_echo(v)
        || letter_first && !fixed.starts_with(|c: char| c.is_ascii_lowercase())
    {
        String::new()
    } else {
        format!(", e.g. `{fixed}`")
    };
    out.push(
        Finding::new(
            &RULE,
            if v.is_empty() {
                format!("the {what} is empty")
            } else {
                format!("{what} `{v}` is not a valid DNS label")
            },
        )
            .label(name.span, problem)
            .help(format!(
                "use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit{example}"
            )),
    );
}

fn check(t: &Topology, out: &mut Findings) {
    report(out, "cluster name", &t.cluster, false);
    report(out, "environment name", &t.env.name, false);
    for p in &t.pools {
        report(out, "pool name", &p.name, true);
    }
    if let Some(k) = &t.kafka {
        report(out, "Kafka cluster name", &k.name, true);
        report(out, "Kafka namespace", &k.namespace, false);
    }
    for p in &t.profiles {
        report(out, "profile name", &p.name, false);
    }
    report(out, "GitOps namespace", &t.gitops.namespace, false);
    if let Some(m) = &t.monitoring {
        report(out, "monitoring namespace", &m.namespace, false);
    }
    for r in &t.registries {
        report(out, "registry pull secret name", &r.secret, false);
        for ns in &r.namespaces {
            report(out, "registry namespace", ns, false);
        }
    }
}
