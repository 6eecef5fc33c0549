//! `topogen::registry::token`: a registry without its token secret, or a registry token nothing uses.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity, did_you_mean};
use crate::model::{SecretUse, Span, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::registry::token",
    severity: Severity::Error,
    summary: "a registry without its token secret, or a registry token nothing uses",
    docs: r#"## What it does
Checks each `registry … token=NAME` against the `secrets` block: `NAME` must be declared
there with `use=registry-token`. And the other way round: a secret declared with
`use=registry-token` that no `registry` names is reported too (in every environment; an
environment without registries does not need it).

## Why is this bad?
The pull secret is made from the token: a token the workflows are not given is an empty
password, so every private image pull fails with `ImagePullBackOff` long after the deploy
succeeded. A token declared for no registry is a credential the repository is asked to
keep (TOPOLOGY.md lists it as required) that nothing creates a pull secret from: the
images it was meant for fail the same way."#,
    fail: r#"registry ghcr.io secret=ghcr-secret token=GHCR_TOKN {
    namespace apps
}
secrets {
    secret HCLOUD_TOKEN use=hcloud-token
    secret SSH_PUBLIC_KEY use=ssh-public-key
    secret SSH_PRIVATE_KEY use=ssh-private-key
    secret CONFIG_REPO_TOKEN use=config-repo-token
    secret GHCR_TOKEN use=registry-token
}
"#,
    fixed: r#"registry ghcr.io secret=ghcr-secret token=GHCR_TOKEN {
    namespace apps
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let tokens: Vec<&str> = t
        .secrets
        .iter()
        .filter(|s| s.usage.value == SecretUse::RegistryToken)
        .map(|s| s.name.value.as_str())
        .collect();
    for r in &t.registries {
        let token = &r.token;
        if token.value.is_empty() || t.is_invalid(token.span) {
            continue;
        }
        if tokens.contains(&token.value.as_str()) {
            continue;
        }
        let declared = t.secrets.iter().find(|s| s.name.value == token.value);
        let mut f = match declared {
            Some(s) => Finding::new(
                &RULE,
                format!(
                    "registry `{}` takes its token from `{}`, a secret declared for `{}`",
                    r.server.value,
                    token.value,
                    s.usage.value.as_str()
                ),
            )
            .label(token.span, "the registry's token")
            .label(s.usage.span, "declared for another use")
            .help(format!(
                "give the registry a secret declared with `use=registry-token`, e.g. `secret {} use=registry-token`",
                SecretUse::RegistryToken.default_name()
            )),
            None => {
                let hint = did_you_mean(&token.value, tokens.iter().copied())
                    .map(|s| format!("{s} Otherwise "))
                    .unwrap_or_default();
                Finding::new(
                    &RULE,
                    format!(
                        "registry `{}` takes its token from `{}`, which no secret declares",
                        r.server.value, token.value
                    ),
                )
                .label(token.span, "not in `secrets`")
                .help(format!(
                    "{hint}declare it: `secret {} use=registry-token` in the `secrets` block",
                    token.value
                ))
            }
        };
        if let Some(first) = t.secrets.iter().find(|s| s.span != Span::default()) {
            f = f.label(first.span, "the secrets are declared here");
        }
        out.push(f);
    }
    for s in t
        .secrets
        .iter()
        .filter(|s| s.usage.value == SecretUse::RegistryToken && s.span != Span::default())
    {
        if t.registries.iter().any(|r| r.token.value == s.name.value) {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            format!(
                "secret `{}` is a registry token, but no `registry` uses it",
                s.name.value
            ),
        )
        .label(s.span, "never used");
        f = match t.registries.first() {
            Some(r) => f
                .label(r.token.span, "this registry uses another token")
                .help(format!("name it in the registry: `token={}`", s.name.value)),
            None => f.help(format!(
                "declare the registry it pulls from, e.g. `registry ghcr.io secret=ghcr-secret token={} {{ namespace apps }}`, or remove the secret",
                s.name.value
            )),
        };
        out.push(f);
    }
}
