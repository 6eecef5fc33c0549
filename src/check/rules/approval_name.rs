//! `topogen::approval::name`: an `approval` GitHub environment name GitHub or the generated workflow cannot take.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::approval::name",
    severity: Severity::Error,
    summary: "an `approval` GitHub environment name GitHub or the generated workflow cannot take",
    docs: r#"## What it does
Checks `environment NAME approval="…"`, the GitHub deployment environment whose protection
rules (required reviewers, wait timer, branches) gate the provision job of that environment:
the name is not empty, has no space at either end, is at most 255 characters long (GitHub's
limit), and holds only letters, digits, spaces and `.`, `_`, `-`, `/`.

## Why is this bad?
GitHub refuses to create an environment with an empty or overlong name, and a job naming an
environment that cannot exist never waits for anyone: the protection the name was meant to
switch on is silently missing. The name is also written into the provision workflow's
`environment:` expression, where a quote or a brace would end the string it sits in."#,
    fail: r#"environment dev production=#true approval="prod's {{ reviewers }}"
"#,
    fixed: r#"environment dev production=#true approval="production"
"#,
    check: Check::Topology(check),
};

/// GitHub's limit on an environment name.
const MAX: usize = 255;

/// What is wrong with `name`, if anything.
fn problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".to_owned());
    }
    if name.trim() != name {
        return Some("the name starts or ends with a space".to_owned());
    }
    let n = name.chars().count();
    if n > MAX {
        return Some(format!(
            "the name is {n} characters long; GitHub allows at most {MAX}"
        ));
    }
    let bad: Vec<String> = name
        .chars()
        .filter(|&c| !allowed(c))
        .map(|c| {
            if c.is_ascii_graphic() {
                format!("`{c}`")
            } else {
                format!("U+{:04X}", u32::from(c))
            }
        })
        .fold(Vec::new(), |mut v, c| {
            if !v.contains(&c) {
                v.push(c);
            }
            v
        });
    if !bad.is_empty() {
        return Some(format!("the name holds {}", bad.join(", ")));
    }
    None
}

/// A character the name may hold.
pub(crate) fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || " ._-/".contains(c)
}

fn check(t: &Topology, out: &mut Findings) {
    let Some(a) = &t.env.approval else { return };
    let Some(p) = problem(&a.value) else { return };
    out.push(
        Finding::new(
            &RULE,
            format!(
                "environment `{}` names an approval environment GitHub cannot gate it with: {p}",
                t.env.name.value
            ),
        )
        .label(a.span, "the GitHub environment of the provision job")
        .help(
            "name the GitHub environment (Settings → Environments) with letters, digits, spaces, `.`, `_`, `-` and `/`, e.g. approval=\"production\"",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn names_github_takes_pass() {
        for ok in [
            "production",
            "prod/eu-central",
            "Prod Approval 2",
            "a.b_c-d",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        assert_eq!(problem(&"p".repeat(255)), None);
    }

    #[test]
    fn names_github_or_the_workflow_cannot_take_are_reported() {
        assert_eq!(problem("").as_deref(), Some("the name is empty"));
        assert_eq!(
            problem(" prod").as_deref(),
            Some("the name starts or ends with a space")
        );
        assert_eq!(
            problem(&"p".repeat(256)).as_deref(),
            Some("the name is 256 characters long; GitHub allows at most 255")
        );
        assert_eq!(
            problem("it's }}").as_deref(),
            Some("the name holds `'`, `}`")
        );
        assert_eq!(
            problem("pr\u{202e}o\nd").as_deref(),
            Some("the name holds U+202E, U+000A")
        );
    }
}
