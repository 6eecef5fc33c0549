//! `topogen::versions::terraform-cli`: the pinned Terraform CLI does not satisfy the `terraform` constraint.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::versions::terraform-cli",
    severity: Severity::Error,
    summary: "the pinned Terraform CLI does not satisfy the `terraform` constraint",
    docs: r#"## What it does
Checks that `versions { terraform-cli … }`, the Terraform release the provision workflow
installs, satisfies the `versions { terraform … }` constraint the root module declares as
`required_version` (operators `=`, `!=`, `>`, `>=`, `<`, `<=` and `~>`, comma-separated).

## Why is this bad?
A pinned version that is never installed: `terraform init` refuses to run with "Unsupported
Terraform Core version", and every deployment fails at its first step."#,
    fail: r#"versions {
    terraform ">= 1.13"
    terraform-cli "1.12.2"
    hcloud-provider "~> 1.54"
    hcloud-cli "v1.47.0"
    k3s "v1.34.1+k3s1"
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

/// Terraform version constraints.
pub(crate) mod constraint {
    /// `>= 1.13` → (`>=`, [1, 13]).
    pub(crate) type Clause<'a> = (&'a str, Vec<u64>);

    /// The clauses of a comma-separated constraint, or `None` if malformed.
    pub(crate) fn parse(s: &str) -> Option<Vec<Clause<'_>>> {
        s.split(',')
            .map(|c| {
                let c = c.trim();
                let op = ["~>", ">=", "<=", "!=", "=", ">", "<"]
                    .into_iter()
                    .find(|op| c.starts_with(op))
                    .unwrap_or("=");
                let rest = c.strip_prefix(op).unwrap_or(c).trim();
                let rest = rest.strip_prefix('v').unwrap_or(rest);
                let parts: Option<Vec<u64>> = rest
                    .split('.')
                    .map(|p| {
                        (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
                            .then(|| p.parse().ok())
                            .flatten()
                    })
                    .collect();
                let parts = parts?;
                (1..=3).contains(&parts.len()).then_some((op, parts))
            })
            .collect()
    }

    fn pad(v: &[u64]) -> [u64; 3] {
        [
            v.first().copied().unwrap_or(0),
            v.get(1).copied().unwrap_or(0),
            v.get(2).copied().unwrap_or(0),
        ]
    }

    /// Whether `version` satisfies every clause.
    pub(crate) fn satisfied(clauses: &[Clause<'_>], version: [u64; 3]) -> bool {
        clauses.iter().all(|(op, parts)| {
            let want = pad(parts);
            match *op {
                ">=" => version >= want,
                "<=" => version <= want,
                ">" => version > want,
                "<" => version < want,
                "!=" => version != want,
                "~>" => {
                    // ~> 1.2 allows 1.x from 1.2; ~> 1.2.3 allows 1.2.x from 1.2.3
                    let mut upper = want;
                    match parts.len() {
                        1 | 2 => {
                            upper = [want[0].saturating_add(1), 0, 0];
                        }
                        _ => {
                            upper[1] = upper[1].saturating_add(1);
                            upper[2] = 0;
                        }
                    }
                    if parts.len() == 1 {
                        version >= want
                    } else {
                        version >= want && version < upper
                    }
                }
                _ => version == want,
            }
        })
    }
}

fn check(t: &Topology, out: &mut Findings) {
    let v = &t.versions;
    let (Some(clauses), Some((a, b, c))) = (
        constraint::parse(&v.terraform.value),
        support::semver(&v.terraform_cli.value),
    ) else {
        return; // topogen::versions::syntax
    };
    if constraint::satisfied(&clauses, [a, b, c]) {
        return;
    }
    out.push(
        Finding::new(
            &RULE,
            format!(
                "Terraform {} does not satisfy the constraint `{}`",
                v.terraform_cli.value, v.terraform.value
            ),
        )
        .label(v.terraform_cli.span, "the release the workflows install")
        .label(v.terraform.span, "what the root module requires")
        .help("pin a `terraform-cli` release that the `terraform` constraint allows, or relax the constraint"),
    );
}
