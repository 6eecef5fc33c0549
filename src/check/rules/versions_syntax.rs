//! `topogen::versions::syntax`: a pinned version or version constraint is malformed.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Spanned, Topology};

use super::support;
use super::versions_terraform_cli::constraint;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::versions::syntax",
    severity: Severity::Error,
    summary: "a pinned version or version constraint is malformed",
    docs: r#"## What it does
Checks the form of every pinned version: K3s as `vX.Y.Z+k3sN` (e.g. `v1.34.1+k3s1`);
Strimzi, Kafka, the Terraform CLI and the Traefik chart as semver `X.Y.Z`; the hcloud CLI,
Helm and the ArgoCD operator as `vX.Y.Z` (a `-suffix` allowed); and the `terraform` and
`hcloud-provider` entries as Terraform version constraints (`>= 1.13`, `~> 1.54`,
comma-separated).

## Why is this bad?
The versions are written into install scripts, workflow steps and Terraform blocks. A
malformed one fails at install time, on a fresh server, in the middle of a deployment (or
worse, matches something unintended such as a release channel instead of a pin). The
strict form is also what keeps a version from breaking out of its quoting."#,
    fail: r#"versions {
    terraform ">= 1.13"
    terraform-cli "1.13.4"
    hcloud-provider "~ 1.54"
    hcloud-cli "v1.47.0"
    k3s "1.34.1"
}
"#,
    fixed: r#"versions {
    terraform ">= 1.13"
    terraform-cli "1.13.4"
    hcloud-provider "~> 1.54"
    hcloud-cli "v1.47.0"
    k3s "v1.34.1+k3s1"
}
"#,
    check: Check::Topology(check),
};

fn k3s(s: &str) -> bool {
    let Some((v, build)) = s.strip_prefix('v').and_then(|r| r.split_once("+k3s")) else {
        return false;
    };
    !build.is_empty()
        && build.bytes().all(|b| b.is_ascii_digit())
        && support::semver(v).is_some()
        && !v.contains('+')
}

fn plain(s: &str) -> bool {
    support::semver(s).is_some() && !s.contains('+')
}

fn v_prefixed(s: &str) -> bool {
    s.strip_prefix('v').is_some_and(plain)
}

/// A pinned version: its name, value, well-formedness test and expected form.
type Pin<'a> = (&'a str, &'a Spanned<String>, fn(&str) -> bool, &'a str);

fn check(t: &Topology, out: &mut Findings) {
    let v = &t.versions;
    let checks: [Pin<'_>; 10] = [
        ("k3s", &v.k3s, k3s, "a K3s release such as `v1.34.1+k3s1`"),
        ("strimzi", &v.strimzi, plain, "a version such as `0.48.0`"),
        ("kafka", &v.kafka, plain, "a version such as `4.0.0`"),
        (
            "terraform-cli",
            &v.terraform_cli,
            plain,
            "an exact release such as `1.13.4`",
        ),
        (
            "traefik-chart",
            &v.traefik_chart,
            plain,
            "a chart version such as `37.1.1`",
        ),
        (
            "hcloud-cli",
            &v.hcloud_cli,
            v_prefixed,
            "a release such as `v1.47.0`",
        ),
        ("helm", &v.helm, v_prefixed, "a release such as `v3.19.0`"),
        (
            "argocd-operator",
            &v.argocd_operator,
            v_prefixed,
            "a release such as `v0.15.0-1`",
        ),
        (
            "terraform",
            &v.terraform,
            |s| constraint::parse(s).is_some(),
            "a constraint such as `>= 1.13`",
        ),
        (
            "hcloud-provider",
            &v.hcloud_provider,
            |s| constraint::parse(s).is_some(),
            "a constraint such as `~> 1.54`",
        ),
    ];
    for (what, value, ok, expected) in checks {
        if ok(&value.value) {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                format!("`{what}` version `{}` is malformed", value.value),
            )
            .label(value.span, format!("expected {expected}"))
            .help(format!(
                "write {expected}; pins are exact so every install is reproducible"
            )),
        );
    }
}
