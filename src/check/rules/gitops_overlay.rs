//! `topogen::gitops::overlay`: two environments sync the same GitOps overlay.

use std::collections::BTreeMap;

use kdl::{KdlDocument, KdlEntry, KdlNode};

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity, Span};

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::gitops::overlay",
    severity: Severity::Warning,
    summary: "two environments sync the same GitOps overlay",
    docs: r#"## What it does
Checks that every environment's bootstrap Application syncs its own Kustomize overlay:
the `gitops overlay=` an `environment` block sets, or else the base's. Two environments
that end up with the same path are reported once, with each of them.

## Why is this bad?
The bootstrap Application syncs exactly one overlay. Shared, production runs the same
overlay as development — its replicas, its image tags, its settings — which is what the
hand-written repository avoided by applying `overlays/<environment>`. The mistake is
silent: everything syncs, just the wrong thing."#,
    fail: r#"gitops repo="my-org/config" overlay="overlays/dev"
environment prod production=#true
"#,
    fixed: r#"environment prod production=#true {
    gitops overlay="overlays/prod"
}
"#,
    check: Check::Document(check),
};

/// The `overlay=` entry of the `gitops` node among `doc`'s nodes, if any.
fn overlay(doc: Option<&KdlDocument>) -> Option<&KdlEntry> {
    doc?.nodes()
        .iter()
        .find(|n| n.name().value() == "gitops")?
        .entry("overlay")
}

/// The environment's name entry (its first argument), else its node name.
fn env_span(env: &KdlNode) -> Span {
    env.entries()
        .iter()
        .find(|e| e.name().is_none())
        .map_or_else(|| env.name().span().into(), |e| e.span().into())
}

/// The `overlay=` entries that set one path, and the environments syncing it
/// (name, name's span).
#[derive(Default)]
struct Shared {
    entries: Vec<Span>,
    envs: Vec<(String, Span)>,
}

fn check(doc: &KdlDocument, out: &mut Findings) {
    for cluster in doc.nodes().iter().filter(|n| n.name().value() == "cluster") {
        let body = cluster.children();
        let base = overlay(body);
        let mut by_path: BTreeMap<String, Shared> = BTreeMap::new();
        for env in body
            .into_iter()
            .flat_map(KdlDocument::nodes)
            .filter(|n| n.name().value() == "environment")
        {
            let Some(entry) = overlay(env.children()).or(base) else {
                continue;
            };
            let Some(path) = entry.value().as_string() else {
                continue;
            };
            let name = env
                .entries()
                .iter()
                .find(|e| e.name().is_none())
                .and_then(|e| e.value().as_string())
                .unwrap_or_default()
                .to_owned();
            let slot = by_path.entry(path.to_owned()).or_default();
            let span: Span = entry.span().into();
            if !slot.entries.contains(&span) {
                slot.entries.push(span);
            }
            slot.envs.push((name, env_span(env)));
        }
        for (path, Shared { entries, envs }) in by_path {
            if envs.len() < 2 {
                continue;
            }
            let names: Vec<String> = envs.iter().map(|(n, _)| format!("`{n}`")).collect();
            let mut f = Finding::new(
                &RULE,
                format!(
                    "environments {} all sync the GitOps overlay `{path}`",
                    names.join(", ")
                ),
            );
            for span in entries {
                f = f.label(span, "the overlay they share");
            }
            for (_, span) in &envs {
                f = f.label(*span, "syncs it");
            }
            let (last, _) = &envs[envs.len() - 1];
            out.push(f.help(format!(
                "give each environment its own overlay, e.g. `environment {last} {{ gitops overlay=\"overlays/{last}\" }}`"
            )));
        }
    }
}
