//! The repository layout GitHub runs (issue 13): the bundled `cluster.kdl`
//! and every `topogen init` starter write the workflows into
//! `.github/workflows/` at the repository root, and every file a workflow,
//! the Terraform module or a cloud-init names exists in the built tree —
//! for the default layout and for a non-default `--out`.
//!
//! The scan is generic, so it covers files added later (the generated
//! Terraform module): in a workflow, every `uses: ./PATH` and every path
//! built on `$GENERATED`; in a `.tf` file, every `file(…)`/`templatefile(…)`
//! and every `${path.module}/…` string; in a cloud-init, every `runcmd`
//! program. `$ENVIRONMENT` and `${var.environment}` take each environment's
//! name; any other interpolation matches any one path component, and at
//! least one file must match.
//!
//! This scan is independent of `src/emit/refs.rs` (which runs inside every
//! build on the in-memory plan), so that one bug cannot hide in both: it
//! reads the tree the binary wrote to disk, covers what refs.rs does not
//! (cloud-init `runcmd` programs, `${path.module}` strings), expands
//! interpolations with a regular expression, and leaves `..` and `*` to the
//! file system itself, through the `glob` crate, where refs.rs matches
//! strings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_topogen");

fn topogen(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .args(["--color", "never", "--no-cache"])
        .current_dir(dir)
        .env("TOPOGEN_CACHE_DIR", dir.join(".records"))
        .output()
        .unwrap()
}

/// Every file under `root`, as `/`-separated paths relative to it.
fn files(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(root.join(&rel)).unwrap() {
            let e = e.unwrap();
            let path = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.insert(path.to_str().unwrap().to_owned());
            }
        }
    }
    out
}

/// Whether `pattern` (relative to `root`; `*`: any run of characters within
/// one path component) names a file or directory under `root`, as the file
/// system resolves it (`..` included).
fn resolves(root: &Path, pattern: &str) -> bool {
    let literal = |s: &str| glob::Pattern::escape(s);
    let pattern: Vec<String> = pattern.split('*').map(literal).collect();
    let full = format!("{}/{}", literal(root.to_str().unwrap()), pattern.join("*"));
    glob::glob(&full)
        .expect("a valid pattern")
        .any(|p| p.is_ok())
}

/// `text` with `${…}` and `$NAME` interpolations replaced: the known ones
/// by `known`, every other by `*`.
fn expand(text: &str, known: &[(&str, &str)]) -> String {
    let interpolation = regex::Regex::new(r"\$(?:\{([^}]*)\}?|([A-Za-z0-9_]*))").unwrap();
    interpolation
        .replace_all(text, |c: &regex::Captures<'_>| {
            let name = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            known
                .iter()
                .find(|(k, _)| *k == name)
                .map_or("*", |(_, v)| v)
                .to_owned()
        })
        .into_owned()
}

/// The path-like word starting at `s` (up to a quote, space or `)`).
fn word(s: &str) -> &str {
    let end = s
        .find(|c: char| c == '"' || c == '\'' || c.is_whitespace() || c == ')' || c == ',')
        .unwrap_or(s.len());
    s[..end].trim_end_matches(['.', ';'])
}

/// A reference found in a file: where, and the path pattern it names
/// (relative to the repository root).
struct Ref {
    from: String,
    pattern: String,
}

/// The value of `KEY: "value"` lines in a workflow.
fn env_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix(&format!("{key}: "))
            .map(|v| v.trim().trim_matches('"'))
    })
}

/// Every reference in the built repository at `root` whose output
/// directory is `dir`, for the environments `envs`.
fn references(root: &Path, dir: &str, envs: &[&str]) -> Vec<Ref> {
    let mut refs = Vec::new();
    for rel in files(root) {
        let text = std::fs::read_to_string(root.join(&rel)).unwrap();
        let push = |refs: &mut Vec<Ref>, pattern: String| {
            refs.push(Ref {
                from: rel.clone(),
                pattern,
            })
        };
        if rel.starts_with(".github/workflows/") && rel.ends_with(".yml") {
            for l in text.lines() {
                if let Some(u) = l.trim().strip_prefix("uses: ./") {
                    push(&mut refs, word(u).to_owned());
                }
            }
            if let Some(g) = env_value(&text, "GENERATED") {
                assert_eq!(g, dir, "{rel}: GENERATED is not the output directory");
            }
            for (at, _) in text.match_indices("$GENERATED/") {
                let w = word(&text[at..]);
                for env in envs {
                    let known = [("GENERATED", dir), ("ENVIRONMENT", env)];
                    push(&mut refs, expand(w, &known));
                }
            }
            // no path to the output directory is written by hand: with a
            // non-default `--out` the default's name appears nowhere
            if dir != "generated" {
                assert!(!text.contains("generated/"), "{rel} names generated/");
            }
        } else if rel.ends_with(".tf") {
            let module = Path::new(&rel)
                .parent()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            for f in ["file(\"", "templatefile(\"", "fileexists(\""] {
                for (at, _) in text.match_indices(f) {
                    let w = word(&text[at + f.len()..]);
                    for env in envs {
                        let known = [("path.module", module.as_str()), ("var.environment", env)];
                        push(&mut refs, expand(w, &known));
                    }
                }
            }
        } else if rel.contains("cloud-init/") && rel.ends_with(".yaml") {
            // every program runcmd runs is a file the same cloud-config writes
            let written: Vec<&str> = text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("- path: "))
                .collect();
            let runcmd = text.split_once("\nruncmd:\n").map_or("", |(_, r)| r);
            for l in runcmd.lines().take_while(|l| l.starts_with("  ")) {
                let program = l
                    .trim()
                    .trim_start_matches("- ")
                    .trim_start_matches('[')
                    .split([',', ']', ' '])
                    .next()
                    .unwrap_or_default();
                if program.starts_with('/') {
                    assert!(
                        written.contains(&program),
                        "{rel}: runcmd runs {program}, which it does not write"
                    );
                }
            }
        }
    }
    refs
}

/// Every reference of the tree at `root` resolves; returns how many there were.
fn assert_references_resolve(root: &Path, dir: &str, envs: &[&str]) -> usize {
    let refs = references(root, dir, envs);
    let dangling: Vec<String> = refs
        .iter()
        .filter(|r| !resolves(root, &r.pattern))
        .map(|r| format!("{} → {}", r.from, r.pattern))
        .collect();
    assert!(
        dangling.is_empty(),
        "dangling references:\n{}",
        dangling.join("\n")
    );
    refs.len()
}

/// A scratch repository holding `kdl` as its cluster.kdl.
fn repo(kdl: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), kdl).unwrap();
    dir
}

fn built(dir: &Path, args: &[&str]) {
    let o = topogen(dir, args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

const CONFIGS: &[(&str, &str, &[&str])] = &[
    (
        "cluster.kdl",
        include_str!("../cluster.kdl"),
        &["dev", "prod"],
    ),
    (
        "examples/starter",
        include_str!("../examples/starter/cluster.kdl"),
        &["dev", "prod"],
    ),
    (
        "examples/minimal",
        include_str!("../examples/minimal/cluster.kdl"),
        &["dev"],
    ),
    (
        "examples/large",
        include_str!("../examples/large/cluster.kdl"),
        &["staging", "prod"],
    ),
];

#[test]
fn the_bundled_layouts_put_the_workflows_where_github_runs_them() {
    for (name, kdl, envs) in CONFIGS {
        let r = repo(kdl);
        built(r.path(), &["build"]);
        let tree = files(r.path());
        assert!(
            tree.contains(".github/workflows/deploy-cluster.yml"),
            "{name}: {tree:?}"
        );
        assert!(
            !tree.iter().any(|f| f.starts_with("generated/.github")),
            "{name}"
        );
        let n = assert_references_resolve(r.path(), "generated", envs);
        // the orchestrator's `uses:`, and tfvars, pins and Strimzi per environment
        assert!(n >= 7 + 3 * envs.len(), "{name}: only {n} references");
    }
}

#[test]
fn a_non_default_out_is_what_every_reference_names() {
    for (name, kdl, envs) in CONFIGS {
        let r = repo(kdl);
        std::fs::create_dir(r.path().join("infra")).unwrap();
        built(r.path(), &["build", "--out", "infra/out"]);
        assert!(r.path().join("infra/out/environments").is_dir(), "{name}");
        assert!(!r.path().join("generated").exists(), "{name}");
        assert_references_resolve(r.path(), "infra/out", envs);
        // the same build is up to date under the same --out, and drifted
        // without it: the workflows name the directory
        let o = topogen(r.path(), &["check", "--out", "infra/out"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

#[test]
fn a_dangling_reference_is_caught() {
    // the negative control of the scan: a tfvars file the workflows read is gone
    let r = repo(CONFIGS[0].1);
    built(r.path(), &["build"]);
    std::fs::remove_file(r.path().join("generated/environments/prod.tfvars")).unwrap();
    let refs = references(r.path(), "generated", &["dev", "prod"]);
    let dangling: Vec<&Ref> = refs
        .iter()
        .filter(|x| !resolves(r.path(), &x.pattern))
        .collect();
    assert_eq!(dangling.len(), 1);
    assert_eq!(dangling[0].pattern, "generated/environments/prod.tfvars");
}

#[test]
fn the_scan_reads_terraform_interpolations() {
    let pattern = expand(
        "${path.module}/../cloud-init/${var.environment}/${each.value.pool}.yaml",
        &[
            ("path.module", "generated/terraform"),
            ("var.environment", "dev"),
        ],
    );
    assert_eq!(pattern, "generated/terraform/../cloud-init/dev/*.yaml");
    // `*` stays within one component; `..` resolves as the file system does
    let tree = tempfile::tempdir().unwrap();
    for dir in ["generated/terraform", "generated/cloud-init/dev/x"] {
        std::fs::create_dir_all(tree.path().join(dir)).unwrap();
    }
    std::fs::write(
        tree.path().join("generated/cloud-init/dev/x/kafka.yaml"),
        "",
    )
    .unwrap();
    assert!(!resolves(tree.path(), &pattern));
    std::fs::write(tree.path().join("generated/cloud-init/dev/kafka.yaml"), "").unwrap();
    assert!(resolves(tree.path(), &pattern));
    assert!(!resolves(tree.path(), "generated/terraform/../kafka.yaml"));
    assert_eq!(
        expand(
            "$GENERATED/pins/$ENVIRONMENT/x",
            &[("GENERATED", "g"), ("ENVIRONMENT", "e")]
        ),
        "g/pins/e/x"
    );
}

#[test]
fn a_missing_github_directory_is_created_and_other_workflows_are_kept() {
    let r = repo(CONFIGS[1].1);
    std::fs::create_dir_all(r.path().join(".github/workflows")).unwrap();
    std::fs::write(r.path().join(".github/workflows/ci.yml"), "on: push\n").unwrap();
    built(r.path(), &["build"]);
    assert_eq!(
        std::fs::read_to_string(r.path().join(".github/workflows/ci.yml")).unwrap(),
        "on: push\n"
    );
    let r = repo(CONFIGS[1].1);
    assert!(!r.path().join(".github").exists());
    built(r.path(), &["build"]);
    assert!(
        r.path()
            .join(".github/workflows/.topogen-manifest")
            .is_file()
    );
}
