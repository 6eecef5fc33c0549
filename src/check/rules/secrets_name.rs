//! `topogen::secrets::name`: a secret name GitHub Actions does not accept.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::secrets::name",
    severity: Severity::Error,
    summary: "a secret name GitHub Actions does not accept",
    docs: r#"## What it does
Checks every `secret` name against GitHub's rules for Actions secrets as topogen uses them:
`^[A-Z_][A-Z0-9_]*$` (uppercase letters, digits and `_`, not starting with a digit), and
not starting with `GITHUB_`, which GitHub reserves.

## Why is this bad?
GitHub refuses to store such a secret, so the workflows read an empty value: `hcloud`
fails to authenticate halfway through a deployment. The names are also written into
workflow expressions (`${{ secrets.NAME }}`), where only this syntax is safe."#,
    fail: r#"secrets {
    secret HCLOUD_TOKEN use=hcloud-token
    secret SSH_PUBLIC_KEY use=ssh-public-key
    secret SSH_PRIVATE_KEY use=ssh-private-key
    secret GITHUB_CONFIG_TOKEN use=config-repo-token
}
"#,
    fixed: r#"secrets {
    secret HCLOUD_TOKEN use=hcloud-token
    secret SSH_PUBLIC_KEY use=ssh-public-key
    secret SSH_PRIVATE_KEY use=ssh-private-key
    secret CONFIG_REPO_TOKEN use=config-repo-token
}
"#,
    check: Check::Topology(check),
};

fn problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("the name is empty")
    } else if name.starts_with("GITHUB_") {
        Some("GitHub reserves names starting with `GITHUB_`")
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        Some("a name cannot start with a digit")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        Some("only uppercase letters, digits and `_` are allowed")
    } else {
        None
    }
}

fn check(t: &Topology, out: &mut Findings) {
    for s in &t.secrets {
        let name = &s.name.value;
        // a missing name is a placeholder the run drops as a cascade; `""` is reported
        let Some(p) = problem(name) else { continue };
        // a token as the name: the fix is named after the secret's use instead
        let from = if support::may_echo(name) {
            name.as_str()
        } else {
            s.usage.value.as_str()
        };
        let upper: String = from
            .to_ascii_uppercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let suggestion = upper.strip_prefix("GITHUB_").unwrap_or(&upper);
        let suggestion =
            if suggestion.starts_with(|c: char| c.is_ascii_digit()) || suggestion.is_empty() {
                format!("S_{suggestion}")
            } else {
                suggestion.to_owned()
            };
        out.push(
            Finding::new(&RULE, format!("secret name `{name}` is not a valid GitHub Actions secret name"))
                .label(s.name.span, p)
                .help(format!("rename it, e.g. `secret {suggestion} …`, and store it under that name in the repository's secrets")),
        );
    }
}
