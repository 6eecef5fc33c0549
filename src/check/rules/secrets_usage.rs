//! `topogen::secrets::usage`: a secret the workflows need is missing, given twice or marked optional.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Secret, SecretUse, Span, Topology};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::secrets::usage",
    severity: Severity::Error,
    summary: "a secret the workflows need is missing, given twice or marked optional",
    docs: r#"## What it does
Checks the `secrets` block against what the generated workflows use: every required use
(`hcloud-token`, `ssh-public-key`, `ssh-private-key`, `config-repo-token`) is provided by
exactly one secret, and none of them is marked `optional=#true`. `argocd-admin-password`
is optional; `registry-token` is needed by a `registry` (`topogen::registry::token`). Without a `secrets` block topogen
uses the conventional names (`HCLOUD_TOKEN`, …).

## Why is this bad?
A workflow step that reads a secret nobody declared gets an empty string: Terraform,
`hcloud` or the ArgoCD bootstrap fail with an authentication error far from the cause.
Two secrets for one use leave it to chance which one a workflow reads."#,
    fail: r#"secrets {
    secret HCLOUD_TOKEN use=hcloud-token
    secret SSH_PUBLIC_KEY use=ssh-public-key
    secret SSH_PRIVATE_KEY use=ssh-private-key
    secret CONFIG_REPO_TOKEN use=config-repo-token
    secret REGISTRY_TOKEN use=config-repo-token
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

fn check(t: &Topology, out: &mut Findings) {
    for usage in SecretUse::ALL {
        let providers: Vec<&Secret> = t
            .secrets
            .iter()
            .filter(|s| s.usage.value == usage)
            .collect();
        match providers.as_slice() {
            [] if usage.required() => {
                let mut f = Finding::new(
                    &RULE,
                    format!(
                        "no secret provides `{}`, which the workflows need",
                        usage.as_str()
                    ),
                );
                f = match t.secrets.iter().find(|s| s.span != Span::default()) {
                    Some(s) => f.label(s.span, "the secrets are declared here"),
                    None => f.label(t.cluster.span, "this cluster declares no secrets"),
                };
                out.push(f.help(format!(
                    "add `secret {} use={}` to the `secrets` block",
                    usage.default_name(),
                    usage.as_str()
                )));
            }
            [] => {}
            [one] => {
                if one.optional.value && usage.required() {
                    out.push(
                        Finding::new(
                            &RULE,
                            format!(
                                "secret `{}` is marked optional, but the workflows need `{}`",
                                one.name.value,
                                usage.as_str()
                            ),
                        )
                        .label(one.span, "optional=#true")
                        .help("remove `optional=#true`: the workflows cannot run without it"),
                    );
                }
            }
            [first, rest @ ..] => {
                for other in rest {
                    out.push(
                        Finding::new(
                            &RULE,
                            format!(
                                "secrets `{}` and `{}` both provide `{}`",
                                first.name.value,
                                other.name.value,
                                usage.as_str()
                            ),
                        )
                        .label(other.usage.span, "provided again here")
                        .label(first.usage.span, "first provided here")
                        .help("keep one secret per use; the workflows read exactly one"),
                    );
                }
            }
        }
    }
}
