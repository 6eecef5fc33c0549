//! `topogen::scheduling::unmatched-selector`: a scheduling selector matches no pool.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use std::collections::HashSet;

use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::scheduling::unmatched-selector",
    severity: Severity::Error,
    summary: "a scheduling selector matches no pool",
    docs: r#"## What it does
Checks that every `prefer`, `avoid` and `require` selector of every scheduling profile
matches the labels of at least one pool in every environment, suggesting the closest
label that exists.

## Why is this bad?
A selector that matches no node is the classic silent drift: a `prefer` that matches
nothing does nothing, an `avoid` that matches nothing protects nothing (apps land on the
nodes it was meant to keep them off), and a `require` that matches nothing leaves the apps
pending forever. Kubernetes accepts all three without a word."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role=worker
}
scheduling {
    profile apps {
        prefer role=workers weight=100
        avoid role=controlplane
    }
}
/-pool kafka
/-kafka events
"#,
    fixed: r#"pool kafka role=agent server-type=cx23 count=3 range=kafka {
    labels role=kafka
}
scheduling {
    profile apps {
        prefer role=worker weight=100
        avoid role=control-plane
    }
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let mut labels: Vec<String> = Vec::new();
    // labels that labels::syntax rejects: a selector close to one is the same mistake
    let mut invalid: Vec<String> = Vec::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for p in &t.pools {
        for l in &p.labels {
            if seen.insert((&l.key.value, &l.value.value)) {
                let written = format!("{}={}", l.key.value, l.value.value);
                if support::label_key_problem(&l.key.value).is_some()
                    || support::label_value_problem(&l.value.value).is_some()
                {
                    invalid.push(written);
                } else {
                    labels.push(written);
                }
            }
        }
    }
    for profile in &t.profiles {
        let selectors = profile
            .prefer
            .iter()
            .map(|p| ("prefer", &p.label))
            .chain(profile.avoid.iter().map(|s| ("avoid", s)))
            .chain(profile.require.iter().map(|s| ("require", s)));
        for (how, s) in selectors {
            if seen.contains(&(s.key.value.as_str(), s.value.value.as_str())) {
                continue;
            }
            let written = format!("{}={}", s.key.value, s.value.value);
            if support::suggest(&written, invalid.iter().map(String::as_str)).is_some() {
                continue;
            }
            let effect = match how {
                "prefer" => "prefers nothing",
                "avoid" => "keeps apps off nothing",
                _ => "leaves its apps unschedulable",
            };
            let help = if labels.is_empty() {
                "no pool has labels: add `labels …` to the pools the profile is meant for"
                    .to_owned()
            } else {
                format!(
                    "{}the pools carry {}",
                    support::did_you_mean(&written, labels.iter().map(String::as_str)),
                    support::list(&labels, 8)
                )
            };
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "`{how} {written}` in profile `{}` matches no pool: it {effect}",
                        profile.name.value
                    ),
                )
                .label(s.span, "no pool carries this label")
                .help(help),
            );
        }
    }
}
