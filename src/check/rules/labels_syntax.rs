//! `topogen::labels::syntax`: a label, taint or selector that is not valid Kubernetes label syntax.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Spanned, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::labels::syntax",
    severity: Severity::Error,
    summary: "a label, taint or selector that is not valid Kubernetes label syntax",
    docs: r#"## What it does
Checks the Kubernetes label syntax of pool `labels`, `taint` keys and values, and the
`prefer`/`avoid`/`require` selectors of scheduling profiles. A key is an optional
DNS-subdomain prefix (at most 253 characters) and `/`, then a name of at most 63
characters matching `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`; a value is empty or
matches the same pattern, at most 63 characters.

## Why is this bad?
K3s refuses to start an agent with an invalid `--node-label` or `--node-taint`, and the
API server refuses an affinity with an invalid key: the node never joins, or the app never
deploys. These values are also written into shell scripts and YAML, where the label syntax
is what keeps them from breaking out of their quoting."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role="apps worker"
    taint "dedicated/" value=apps effect=NoSchedule
}
"#,
    fixed: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role=apps-worker
    taint dedicated value=apps effect=NoSchedule
}
"#,
    check: Check::Topology(check),
};

fn key(out: &mut Findings, what: &str, k: &Spanned<String>) {
    if let Some(problem) = support::label_key_problem(&k.value) {
        out.push(
            Finding::new(&RULE, format!("{what} key `{}` is not a valid Kubernetes label key", k.value))
                .label(k.span, problem)
                .help("a key is `name` or `prefix/name`: the name has at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit; the prefix is a DNS subdomain"),
        );
    }
}

fn value(out: &mut Findings, what: &str, v: &Spanned<String>) {
    if let Some(problem) = support::label_value_problem(&v.value) {
        out.push(
            Finding::new(&RULE, format!("{what} value `{}` is not a valid Kubernetes label value", v.value))
                .label(v.span, problem)
                .help("a value is empty or at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"),
        );
    }
}

fn check(t: &Topology, out: &mut Findings) {
    for p in &t.pools {
        for l in &p.labels {
            key(out, "label", &l.key);
            value(out, "label", &l.value);
        }
        for taint in &p.taints {
            if !taint.key.value.is_empty() {
                key(out, "taint", &taint.key);
            }
            value(out, "taint", &taint.value);
        }
    }
    for profile in &t.profiles {
        let selectors = profile
            .prefer
            .iter()
            .map(|p| &p.label)
            .chain(&profile.avoid)
            .chain(&profile.require);
        for s in selectors {
            key(out, "selector", &s.key);
            value(out, "selector", &s.value);
        }
    }
}
