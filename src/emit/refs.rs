//! Reference integrity: every file a generated workflow or Terraform file
//! names is a file the same build writes.
//!
//! The files are laid out as the repository holds them: output files under
//! the output directory, workflows under `output workflows` (or inside the
//! output directory). In a workflow, every path built on `$GENERATED` is
//! checked (and `GENERATED` must be the output directory), and every
//! `uses: ./PATH` when the workflows are where GitHub runs them; in a `.tf`
//! file, every `file("…")` and `templatefile("…")`. `$ENVIRONMENT` and
//! `${var.environment}` take each environment's name, `${path.module}` the
//! `.tf` file's directory; any other interpolation matches any one path
//! component. A path names a file the build writes, or a directory holding
//! one. The scan is generic, so a template overlay (`--templates`) or a new
//! artifact is held to it too.

use std::collections::BTreeSet;

use memchr::memmem;

use super::{Destination, Plan};

/// Where a build writes, relative to the repository root.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout<'a> {
    /// The output directory (`output dir`, or `--out`).
    pub(crate) dir: &'a str,
    /// The workflows directory (`output workflows`), if not inside `dir`.
    pub(crate) workflows: Option<&'a str>,
}

/// Where GitHub runs workflows, and where `uses: ./…` resolves.
const GITHUB_WORKFLOWS: &str = ".github/workflows";

/// A generated file names a file the build does not write.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`{}` names `{}`, which this build does not write", .0.file, .0.names)]
#[diagnostic(
    code(topogen::template::dangling),
    help(
        "nothing was written. With `--templates`, check the paths in your overlay against the built-in template (`topogen templates --dump DIR`); otherwise this is a bug in topogen"
    )
)]
pub(crate) struct DanglingError(pub Dangling);

/// A reference to a file the build does not write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dangling {
    /// The generated file that holds the reference, from the repository root.
    pub(crate) file: String,
    /// What it names, from the repository root (`*`: any one component).
    pub(crate) names: String,
}

/// A referencing file's repository path, and every reference in it.
fn scan(
    repo_path: &str,
    text: &str,
    workflow: bool,
    layout: Layout<'_>,
    envs: &[&str],
) -> Vec<String> {
    let mut refs = Vec::new();
    if workflow {
        let github_runs_it = repo_path.rsplit_once('/').map(|(d, _)| d) == Some(GITHUB_WORKFLOWS);
        for line in keyed_lines(text, &[USES, GENERATED]) {
            if let Some(u) = line.strip_prefix(USES)
                && github_runs_it
            {
                refs.push(word(u).to_owned());
            }
            if let Some(v) = line.strip_prefix(GENERATED) {
                let v = v.trim().trim_matches('"');
                if v != layout.dir {
                    // what the steps read is not the output directory
                    refs.push(format!("{v}/"));
                }
            }
        }
        for at in memmem::find_iter(text.as_bytes(), "$GENERATED/") {
            let w = word(&text[at..]);
            for env in envs {
                refs.push(expand(
                    w,
                    &[("GENERATED", layout.dir), ("ENVIRONMENT", env)],
                ));
            }
        }
    } else if repo_path.ends_with(".tf") {
        let module = repo_path.rsplit_once('/').map_or("", |(d, _)| d);
        for f in ["file(\"", "templatefile(\""] {
            for (at, _) in text.match_indices(f) {
                let w = word(&text[at + f.len()..]);
                for env in envs {
                    let known = [("path.module", module), ("var.environment", env)];
                    refs.push(normalize(&expand(w, &known)));
                }
            }
        }
    }
    refs
}

/// A workflow line that calls a workflow or action of the repository.
const USES: &str = "uses: ./";
/// A workflow line that sets the directory the steps read generated files from.
const GENERATED: &str = "GENERATED: ";

/// In line order, every line of `text` (as [`str::lines`] splits it) that,
/// trimmed, starts with one of `keys`, trimmed. The keys are found by a
/// substring search over the whole text, not line by line: a workflow is
/// mostly lines that hold neither.
fn keyed_lines<'t>(text: &'t str, keys: &[&str]) -> Vec<&'t str> {
    let mut starts: Vec<usize> = keys
        .iter()
        .flat_map(|k| memmem::find_iter(text.as_bytes(), k))
        .filter(|&at| {
            let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
            text[line_start..at].chars().all(char::is_whitespace)
        })
        .collect();
    starts.sort_unstable();
    starts
        .into_iter()
        .map(|at| {
            let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
            text[at..end].trim_end()
        })
        // `GENERATED: ` at the end of a line is no longer one, trimmed
        .filter(|line| keys.iter().any(|k| line.starts_with(k)))
        .collect()
}

/// Every reference of `plan`'s workflows and Terraform files that names no
/// file of the plan, for the environments `envs`.
pub(crate) fn dangling(plan: &Plan, layout: Layout<'_>, envs: &[&str]) -> Vec<Dangling> {
    let placed = |path: &str| -> (String, bool) {
        match (plan.destination(path), layout.workflows) {
            (Destination::Workflows, Some(w)) => {
                let name = path
                    .strip_prefix(Destination::WORKFLOWS_IN_OUTPUT)
                    .unwrap_or(path)
                    .trim_start_matches('/');
                (format!("{w}/{name}"), true)
            }
            (d, _) => (
                format!("{}/{path}", layout.dir),
                d == Destination::Workflows,
            ),
        }
    };
    let files: Vec<(String, bool, &str)> = plan
        .files
        .iter()
        .map(|(p, text)| {
            let (repo, workflow) = placed(p);
            (repo, workflow, text.as_str())
        })
        .collect();
    // every file and every directory holding one
    let mut tree: BTreeSet<String> = BTreeSet::new();
    for (repo, _, _) in &files {
        let mut at = repo.as_str();
        tree.insert(at.to_owned());
        while let Some((dir, _)) = at.rsplit_once('/') {
            tree.insert(dir.to_owned());
            at = dir;
        }
    }
    let mut out = Vec::new();
    for (repo, workflow, text) in &files {
        for names in scan(repo, text, *workflow, layout, envs) {
            let pattern = names.trim_end_matches('/');
            // without a `*`, a pattern matches only the path it spells
            let found = if pattern.contains('*') {
                tree.iter().any(|f| matches(pattern, f))
            } else {
                tree.contains(pattern)
            };
            if !found {
                let d = Dangling {
                    file: repo.clone(),
                    names,
                };
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
    }
    out
}

/// The path-like word at the start of `s` (up to a quote, space, `)` or `,`).
fn word(s: &str) -> &str {
    let end = s
        .find(|c: char| matches!(c, '"' | '\'' | ')' | ',') || c.is_whitespace())
        .unwrap_or(s.len());
    s[..end].trim_end_matches(['.', ';'])
}

/// `text` with `${…}` and `$NAME` interpolations replaced: the `known` ones
/// by their value, every other by `*`.
fn expand(text: &str, known: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(inner) => {
                let end = inner.find('}').unwrap_or(inner.len());
                (&inner[..end], (end + 2).min(after.len()))
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match known.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v),
            None => out.push('*'),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// `a/./b/../c` → `a/c`.
fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "." | "" => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.join("/")
}

/// Whether `pattern` (`*`: any run of characters within one component)
/// matches `path`, component by component.
fn matches(pattern: &str, path: &str) -> bool {
    let (p, f): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == f.len() && p.iter().zip(&f).all(|(p, f)| glob(p, f))
}

fn glob(p: &str, s: &str) -> bool {
    match p.split_once('*') {
        None => p == s,
        Some((head, tail)) => {
            s.starts_with(head)
                && (head.len()..=s.len()).any(|i| s.is_char_boundary(i) && glob(tail, &s[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(files: &[(Destination, &str, &str)]) -> Plan {
        let mut p = Plan::default();
        for (d, name, text) in files {
            p.add_to(*d, name, (*text).to_owned());
        }
        p
    }

    const LAYOUT: Layout<'static> = Layout {
        dir: "generated",
        workflows: Some(".github/workflows"),
    };

    #[test]
    fn references_into_the_plan_resolve() {
        let p = plan(&[
            (
                Destination::Workflows,
                "a.yml",
                "env:\n  GENERATED: \"generated\"\nrun: cat \"$GENERATED/environments/$ENVIRONMENT.tfvars\"\n    uses: ./.github/workflows/b.yml\n",
            ),
            (Destination::Workflows, "b.yml", "on: workflow_call\n"),
            (Destination::Output, "environments/dev.tfvars", "x = 1\n"),
            (
                Destination::Output,
                "cloud-init/dev/kafka.yaml",
                "#cloud-config\n",
            ),
            (
                Destination::Output,
                "terraform/main.tf",
                "user_data = file(\"${path.module}/../cloud-init/${var.environment}/${each.value.pool}.yaml\")\n",
            ),
        ]);
        assert_eq!(dangling(&p, LAYOUT, &["dev"]), vec![]);
    }

    #[test]
    fn a_missing_file_a_wrong_generated_and_a_missing_workflow_are_reported() {
        let p = plan(&[
            (
                Destination::Workflows,
                "a.yml",
                "  GENERATED: \"out\"\n  run: cat \"$GENERATED/pins/$ENVIRONMENT/k3s.version\"\n    uses: ./.github/workflows/c.yml # note\n",
            ),
            (
                Destination::Output,
                "terraform/main.tf",
                "x = file(\"${path.module}/../cloud-init/${var.environment}/a.yaml\")\n",
            ),
        ]);
        let names: Vec<String> = dangling(&p, LAYOUT, &["dev"])
            .into_iter()
            .map(|d| format!("{} → {}", d.file, d.names))
            .collect();
        assert_eq!(
            names,
            [
                ".github/workflows/a.yml → out/",
                ".github/workflows/a.yml → .github/workflows/c.yml",
                ".github/workflows/a.yml → generated/pins/dev/k3s.version",
                "generated/terraform/main.tf → generated/cloud-init/dev/a.yaml",
            ]
        );
    }

    /// The substring search finds the lines that, trimmed, start with a key:
    /// the definition, line by line, is the oracle.
    #[test]
    fn keyed_lines_are_the_trimmed_lines_that_start_with_a_key() {
        let text = "a\n  uses: ./x\r\n\tGENERATED: \"g\"  \nx uses: ./no\n\u{a0}uses: ./nbsp\n\
                    GENERATED: \nuses: ./uses: ./twice\n  \u{b}GENERATED: v\nuses: ./last";
        let keys = [USES, GENERATED];
        let oracle: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| keys.iter().any(|k| l.starts_with(k)))
            .collect();
        assert_eq!(keyed_lines(text, &keys), oracle);
        assert_eq!(oracle.len(), 6, "{oracle:?}");
    }

    #[test]
    fn uses_is_checked_only_where_github_runs_the_workflows() {
        let p = plan(&[(
            Destination::Workflows,
            "a.yml",
            "    uses: ./.github/workflows/c.yml\n",
        )]);
        let inside = Layout {
            dir: "generated",
            workflows: None,
        };
        assert_eq!(dangling(&p, inside, &["dev"]), vec![]);
        assert_eq!(dangling(&p, LAYOUT, &["dev"]).len(), 1);
    }
}
