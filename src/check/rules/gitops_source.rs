//! `topogen::gitops::source`: the GitOps repository, overlay path or revision is malformed.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::gitops::source",
    severity: Severity::Error,
    summary: "the GitOps repository, overlay path or revision is malformed",
    docs: r#"## What it does
Checks the `gitops` node: `repo=` is a GitHub `owner/name` (not a URL), `overlay=` is a
relative path inside the repository (no leading `/`, no `..`, no spaces), and `revision=`
is a valid Git branch, tag or commit name.

## Why is this bad?
ArgoCD is bootstrapped from these values after the cluster is up: a URL where `owner/name`
is expected, or an overlay path that escapes the repository, fails the deployment at its
very last step. They are also written into workflow steps and YAML."#,
    fail: r#"gitops repo="https://github.com/my-org/config.git" overlay="../overlays/dev" revision="main branch"
"#,
    fixed: r#"gitops repo="my-org/config" overlay="overlays/dev" revision=main
"#,
    check: Check::Topology(check),
};

fn owner_ok(s: &str) -> bool {
    (1..=39).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn name_ok(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && s != "."
        && s != ".."
}

/// `https://github.com/o/n(.git)`, `git@github.com:o/n.git` → `o/n`, when well-formed.
fn from_url(s: &str) -> Option<String> {
    let rest = s
        .strip_prefix("https://github.com/")
        .or_else(|| s.strip_prefix("http://github.com/"))
        .or_else(|| s.strip_prefix("git@github.com:"))
        .or_else(|| s.strip_prefix("github.com/"))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (o, n) = rest.split_once('/')?;
    (owner_ok(o) && name_ok(n)).then(|| format!("{o}/{n}"))
}

fn overlay_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("the path is empty")
    } else if s.starts_with('/') {
        Some("the path must be relative to the repository root")
    } else if s.split('/').any(|p| p == "..") {
        Some("the path must not leave the repository (`..`)")
    } else if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
    {
        Some("only letters, digits, `-`, `_`, `.` and `/` are allowed")
    } else {
        None
    }
}

/// Git's ref-name rules, simplified to what a branch, tag or SHA needs.
fn revision_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("the revision is empty")
    } else if s
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        Some("a Git ref cannot contain spaces")
    } else if s.bytes().any(|b| b"~^:?*[\\\"'`$".contains(&b))
        || s.contains("..")
        || s.contains("@{")
    {
        Some("a Git ref cannot contain `~^:?*[\\`, quotes, `$`, `..` or `@{`")
    } else if s.starts_with(['-', '/', '.']) || s.ends_with(['/', '.']) || s.ends_with(".lock") {
        Some("a Git ref cannot start with `-`, `/` or `.`, nor end with `/`, `.` or `.lock`")
    } else {
        None
    }
}

fn check(t: &Topology, out: &mut Findings) {
    let g = &t.gitops;
    let repo = &g.repo.value;
    let repo_ok = repo
        .split_once('/')
        .is_some_and(|(o, n)| owner_ok(o) && name_ok(n));
    if !repo_ok {
        let help = match from_url(repo) {
            Some(short) => format!("write the repository as `owner/name`: `repo=\"{short}\"`"),
            None => "write the GitHub repository as `owner/name`, e.g. `repo=\"my-org/config\"`"
                .to_owned(),
        };
        out.push(
            Finding::new(
                &RULE,
                format!("`{repo}` is not a GitHub repository `owner/name`"),
            )
            .label(g.repo.span, "expected `owner/name`")
            .help(help),
        );
    }
    if let Some(problem) = overlay_problem(&g.overlay.value) {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "overlay path `{}` is not a path inside the repository",
                    g.overlay.value
                ),
            )
            .label(g.overlay.span, problem)
            .help("use a relative path to a Kustomize overlay, e.g. `overlay=\"overlays/dev\"`"),
        );
    }
    if let Some(problem) = revision_problem(&g.revision.value) {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "revision `{}` is not a Git branch, tag or commit",
                    g.revision.value
                ),
            )
            .label(g.revision.span, problem)
            .help("use a branch (`main`), a tag (`v1.2.0`) or a commit SHA"),
        );
    }
}
