//! What a user installs and the conventions a Rust CLI is expected to keep:
//! the declared MSRV against the lock file, `--version` with the commit,
//! shared options before the command, shell completions and the man page.

use bin::topogen;
use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `git ARGS` in the repository; `None` when git fails (not a clone).
fn git(args: &[&str]) -> Option<String> {
    let o = Command::new("git")
        .args(args)
        .current_dir(ROOT)
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}

/// `1.95` → `(1, 95, 0)`.
fn version(s: &str) -> (u64, u64, u64) {
    let mut parts = s.split('.').map(|p| p.parse::<u64>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// `rust-version` of Cargo.toml is the highest `rust-version` of any package
/// in Cargo.lock (the resolved graph for this host, from the local registry
/// cache): neither a promise the lock breaks (1.89 with kdl 6.7.1 needing
/// 1.95) nor a demand higher than the dependencies make.
#[test]
fn declared_msrv_is_the_lock_files_highest_rust_version() {
    let host = Command::new("rustc").arg("-vV").output().unwrap();
    let host = String::from_utf8(host.stdout).unwrap();
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_owned();
    let o = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--filter-platform",
            &host,
        ])
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(o.status.success(), "cargo metadata: {}", stderr(&o));
    let meta: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "topogen").unwrap();
    let declared = ours["rust_version"].as_str().expect("rust-version is set");
    let (needed, by) = packages
        .iter()
        .filter(|p| p["name"] != "topogen")
        .filter_map(|p| {
            let v = p["rust_version"].as_str()?;
            Some((version(v), format!("{} {} ({v})", p["name"], p["version"])))
        })
        .max()
        .unwrap();
    assert!(packages.len() > 50, "the whole graph is resolved");
    assert_eq!(
        version(declared),
        needed,
        "Cargo.toml declares rust-version {declared}, the lock's highest is {by}"
    );
    assert_eq!(declared, env!("CARGO_PKG_RUST_VERSION"));
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let o = topogen(Path::new(ROOT), &["--version"]);
    assert!(o.status.success());
    let line = stdout(&o);
    let expected = match git(&["log", "-1", "--format=%h %cs", "--abbrev=12"]) {
        Some(rev) if git(&["rev-parse", "--show-toplevel"]).is_some() => rev,
        _ => "unknown revision".to_owned(),
    };
    assert_eq!(
        line,
        format!("topogen {} ({expected})\n", env!("CARGO_PKG_VERSION"))
    );
}

/// The shared options mean the same before and after the command's name.
#[test]
fn shared_options_are_accepted_before_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let minimal = Path::new(ROOT).join("examples/minimal/cluster.kdl");
    std::fs::copy(&minimal, dir.path().join("small.kdl")).unwrap();
    let before = topogen(
        dir.path(),
        &["--config", "small.kdl", "--format", "json", "validate"],
    );
    let after = topogen(
        dir.path(),
        &["validate", "--config", "small.kdl", "--format", "json"],
    );
    assert_eq!(before.status.code(), Some(0), "{}", stderr(&before));
    assert_eq!(stdout(&before), stdout(&after));
    let json: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert!(!json["diagnostics"].as_array().unwrap().is_empty());
    // without --config there is no cluster.kdl in the directory
    let missing = topogen(dir.path(), &["--format", "json", "validate"]);
    assert_eq!(missing.status.code(), Some(2));
    // fmt formats the file the shared --config names
    let fmt = topogen(dir.path(), &["-c", "small.kdl", "fmt", "--check"]);
    assert_eq!(fmt.status.code(), Some(0), "{}", stderr(&fmt));
}

/// bash completes command names, option names and option values from the
/// script `topogen completions bash` prints.
#[test]
fn bash_completion_completes_commands_options_and_values() {
    let script = topogen(Path::new(ROOT), &["completions", "bash"]);
    assert!(script.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("topogen.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    let complete = |words: &[&str]| -> String {
        let cword = words.len() - 1;
        let cur = words[cword];
        let prev = if cword > 0 { words[cword - 1] } else { "" };
        let program = format!(
            "source \"$1\"; COMP_WORDS=({}); COMP_CWORD={cword}; _topogen topogen '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let o = Command::new("bash")
            .args(["-c", &program, "bash"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(complete(&["topogen", "va"]), "validate\n");
    assert_eq!(complete(&["topogen", "com"]), "completions\n");
    assert_eq!(
        complete(&["topogen", "--format", ""]),
        "human\njson\ngithub\nsarif\nmarkdown\n"
    );
    let check = complete(&["topogen", "check", "--"]);
    for option in ["--no-cache", "--templates", "--config", "--deny-warnings"] {
        assert!(check.lines().any(|l| l == option), "{option} in {check}");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = topogen(Path::new(ROOT), &["completions", shell]);
        assert!(o.status.success(), "{shell}");
        assert!(stdout(&o).contains("validate"), "{shell}");
    }
}

/// `topogen man` renders with groff without a warning, for topogen and for
/// every command, each page with its options.
#[test]
fn man_pages_render_for_topogen_and_every_command() {
    let pages: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec!["man"], "topogen", "--deny-warnings"),
        (vec!["man", "check"], "topogen-check", "--no-cache"),
        (vec!["man", "validate"], "topogen-validate", "--config"),
        (vec!["man", "completions"], "topogen-completions", "bash"),
    ];
    for (args, title, option) in pages {
        let o = topogen(Path::new(ROOT), &args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let roff = stdout(&o);
        assert!(roff.starts_with(".ie"), "{args:?}");
        assert!(roff.contains(&format!(".TH {title} 1")), "{args:?}: {roff}");
        let mut groff = Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("groff (Debian package groff-base) renders the page");
        std::io::Write::write_all(groff.stdin.as_mut().unwrap(), roff.as_bytes()).unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(stderr(&out), "", "{args:?}: groff warnings");
        // groff overstrikes bold text: strip "x\bx" pairs before looking
        let plain: String = {
            let mut chars: Vec<char> = Vec::new();
            for c in String::from_utf8_lossy(&out.stdout).chars() {
                if c == '\u{8}' {
                    chars.pop();
                    chars.push('\u{0}');
                } else if chars.last() == Some(&'\u{0}') {
                    chars.pop();
                    chars.push(c);
                } else {
                    chars.push(c);
                }
            }
            chars.into_iter().collect()
        };
        assert!(plain.contains("NAME"), "{args:?}");
        assert!(plain.contains(option), "{args:?}: {option} in\n{plain}");
    }
    let top = stdout(&topogen(Path::new(ROOT), &["man"]));
    for command in ["validate", "build", "check", "show", "completions", "man"] {
        assert!(
            top.contains(&format!("topogen\\-{command}(1)")),
            "{command}"
        );
    }
    let o = topogen(Path::new(ROOT), &["man", "chek"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no command `chek`"), "{}", stderr(&o));
    assert!(stderr(&o).contains("`check`"), "{}", stderr(&o));
}

/// The findings of the repository's cluster.kdl with its `topogen` line
/// replaced, as (code, the text each label's span covers, help).
fn pin_findings(line: &str) -> Vec<(String, Vec<String>, String)> {
    let kdl = std::fs::read_to_string(Path::new(ROOT).join("cluster.kdl")).unwrap();
    let pinned = kdl
        .lines()
        .find(|l| l.trim_start().starts_with("topogen "))
        .expect("cluster.kdl pins topogen");
    let text = kdl.replace(pinned, line);
    let c = topogen::compile(topogen::source::Source::new("cluster.kdl", text.as_str()));
    c.findings
        .iter()
        .map(|f| {
            let spans = f.labels.iter().map(|l| l.span.text(&text).to_owned());
            (
                f.code.to_owned(),
                spans.collect(),
                f.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// A pin the drift check cannot install from is one error at the value,
/// with the fix; a good pin is silent, and `git` has a default.
#[test]
fn a_malformed_pin_is_one_error_at_its_value() {
    let rev = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(pin_findings(&format!("topogen rev=\"{rev}\"")), vec![]);
    assert_eq!(
        pin_findings(&format!(
            "topogen git=\"https://git.example.org/topogen.git\" rev=\"{rev}\""
        )),
        vec![]
    );
    let found = pin_findings("topogen rev=v0.1.0");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "topogen::schema::type");
    assert_eq!(found[0].1, vec!["rev=v0.1.0"]);
    assert!(found[0].2.contains("git rev-parse"), "{}", found[0].2);
    let found = pin_findings(&format!("topogen rev=\"{}\"", rev.to_uppercase()));
    assert_eq!(found.len(), 1, "{found:?}");
    let found = pin_findings(&format!(
        "topogen git=\"git@github.com:trading-cz/topogen\" rev=\"{rev}\""
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "topogen::schema::type");
    assert_eq!(
        found[0].1,
        vec!["git=\"git@github.com:trading-cz/topogen\""]
    );
    assert!(found[0].2.contains("https://"), "{}", found[0].2);
    let found = pin_findings("topogen git=\"https://github.com/trading-cz/topogen\"");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].2.contains("rev="), "{found:?}");
    let found = pin_findings(&format!("topogen rev=\"{rev}\" tag=v1"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "topogen::schema::unknown-property");
}

/// `topogen reference` (and so docs/cluster-kdl.md) documents the pin.
#[test]
fn the_reference_documents_the_pin() {
    let o = topogen(Path::new(ROOT), &["reference"]);
    let text = stdout(&o);
    let section = text
        .split("\n### ")
        .find(|s| s.starts_with("`cluster > topogen`"))
        .expect("a `cluster > topogen` section");
    for needle in [
        "`git`",
        "`rev`",
        "cargo install --locked --git",
        "drift-check",
    ] {
        assert!(section.contains(needle), "{needle} in {section}");
    }
}

/// The README's `console` blocks (the tour, the command list, `--version`)
/// are run and must print what the README shows (`...` stands for lines
/// left out, `[..]` for part of a line). They run in a copy of the README
/// whose `README.in/` holds the tour's cluster.kdl: the repository's with
/// the Kafka pool cut to two nodes. `TRYCMD=overwrite cargo test --test
/// install readme` writes the real output back into README.md.
#[test]
fn readme_console_examples_print_what_they_show() {
    let root = Path::new(ROOT);
    let dir = tempfile::tempdir().unwrap();
    let readme = dir.path().join("README.md");
    std::fs::copy(root.join("README.md"), &readme).unwrap();
    let kdl = std::fs::read_to_string(root.join("cluster.kdl")).unwrap();
    let pool = "pool kafka role=agent server-type=cx23 count=3 range=kafka {";
    assert_eq!(
        kdl.matches(pool).count(),
        1,
        "the tour edits the kafka pool"
    );
    std::fs::create_dir(dir.path().join("README.in")).unwrap();
    std::fs::write(
        dir.path().join("README.in/cluster.kdl"),
        kdl.replace(pool, &pool.replace("count=3", "count=2")),
    )
    .unwrap();
    // the plan example: the repository's cluster.kdl, and Kafka grown to five nodes
    std::fs::write(dir.path().join("README.in/before.kdl"), &kdl).unwrap();
    let port = "port=\"30001-30004\"";
    assert_eq!(
        kdl.matches(port).count(),
        1,
        "the plan example widens the kafka rule"
    );
    std::fs::write(
        dir.path().join("README.in/after.kdl"),
        kdl.replace(pool, &pool.replace("count=3", "count=5"))
            .replace(port, "port=\"30001-30006\""),
    )
    .unwrap();
    let text = std::fs::read_to_string(&readme).unwrap();
    assert!(
        text.matches("```console").count() >= 3,
        "the README's examples"
    );
    trycmd::TestCases::new()
        .register_bin(
            "topogen",
            std::path::PathBuf::from(env!("CARGO_BIN_EXE_topogen")),
        )
        .env("NO_COLOR", "1")
        .env("TOPOGEN_CACHE_DIR", "")
        .case(&readme)
        .run();
    if std::env::var_os("TRYCMD").is_some_and(|v| v == "overwrite") {
        std::fs::copy(&readme, root.join("README.md")).unwrap();
    }
}

/// The 40-hex revisions `text` writes after `prefix` (prose such as
/// `--rev REV` is not one).
fn revs_after(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i + prefix.len()..]
                .chars()
                .take(40)
                .collect::<String>()
        })
        .filter(|r| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

/// The pinned topogen is one commit everywhere it is written — the README's
/// `cargo install --rev` and pre-commit `rev:`, `topogen rev=` in every
/// bundled cluster.kdl — and a commit of this repository's history that
/// offers the pre-commit hooks (`scripts/precommit-test.sh --as-remote`
/// installs the hook from it).
#[test]
fn the_pinned_commit_is_one_commit_of_this_history() {
    let root = Path::new(ROOT);
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut pins: Vec<(String, String)> = Vec::new();
    for rev in revs_after(&readme, "--rev ") {
        pins.push(("README.md `cargo install --rev`".into(), rev));
    }
    for rev in revs_after(&readme, "\n    rev: ") {
        pins.push(("README.md pre-commit `rev:`".into(), rev));
    }
    for file in [
        "cluster.kdl",
        "examples/starter/cluster.kdl",
        "examples/minimal/cluster.kdl",
        "examples/large/cluster.kdl",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("topogen "))
            .unwrap_or_else(|| panic!("{file} pins topogen"));
        for rev in revs_after(line, " rev=\"") {
            pins.push((file.to_owned(), rev));
        }
    }
    assert_eq!(pins.len(), 6, "{pins:?}");
    let rev = pins[0].1.clone();
    for (place, r) in &pins {
        assert_eq!(r, &rev, "{place} pins {r}, {} pins {rev}", pins[0].0);
    }
    let head = git(&["rev-parse", "HEAD"]).expect("a git clone of topogen");
    assert!(
        git(&["cat-file", "-e", &format!("{rev}^{{commit}}")]).is_some(),
        "{rev} is not a commit of this repository (a shallow clone? `git fetch --unshallow`)"
    );
    assert!(
        git(&["merge-base", "--is-ancestor", &rev, &head]).is_some(),
        "{rev} is not in the history of HEAD"
    );
    assert!(
        git(&["cat-file", "-e", &format!("{rev}:.pre-commit-hooks.yaml")]).is_some(),
        "{rev} has no .pre-commit-hooks.yaml"
    );
}

/// The pinned commit builds this topogen: the drift-check workflow and the
/// pre-commit hook install topogen from the pin, so a pin older than the
/// sources would check the repository with another compiler (one that may
/// not know a property `cluster.kdl` now uses). Nothing that decides
/// topogen's behaviour differs between the pin and HEAD; after changing it,
/// commit and run `scripts/pin-topogen.sh`.
#[test]
fn the_pinned_commit_builds_this_topogen() {
    let kdl = std::fs::read_to_string(Path::new(ROOT).join("cluster.kdl")).unwrap();
    let line = kdl
        .lines()
        .find(|l| l.trim_start().starts_with("topogen "))
        .expect("cluster.kdl pins topogen");
    let rev = revs_after(line, " rev=\"").pop().expect("a rev= pin");
    let head = git(&["rev-parse", "HEAD"]).expect("a git clone of topogen");
    let changed = git(&[
        "diff",
        "--name-only",
        &rev,
        &head,
        "--",
        "src",
        "templates",
        "build.rs",
        "Cargo.toml",
        "Cargo.lock",
        ".pre-commit-hooks.yaml",
    ])
    .expect("git diff between the pin and HEAD");
    assert!(
        changed.trim().is_empty(),
        "the pin {rev} builds another topogen than HEAD; changed since: {}\n\
         commit, then run `scripts/pin-topogen.sh` and commit its result",
        changed.split_whitespace().collect::<Vec<_>>().join(", ")
    );
}

/// `--version` names the commit, the generated files never do: a build
/// holds neither the revision nor its date, so committing topogen changes
/// no generated file.
#[test]
fn no_generated_file_names_topogens_revision() {
    let version = stdout(&topogen(Path::new(ROOT), &["--version"]));
    let inner = version
        .split_once(" (")
        .and_then(|(_, rest)| rest.strip_suffix(")\n"))
        .expect("topogen X.Y.Z (REVISION)");
    assert_ne!(inner, "unknown revision", "the tests run in a git clone");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(ROOT).join("cluster.kdl"),
        dir.path().join("cluster.kdl"),
    )
    .unwrap();
    let o = topogen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut files = 0;
    let mut stack = vec![dir.path().join("generated")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files += 1;
                let text = std::fs::read_to_string(&p).unwrap();
                for part in inner.split(' ') {
                    assert!(!text.contains(part), "{} holds `{part}`", p.display());
                }
            }
        }
    }
    assert!(files > 20, "{files} files");
}

/// The two hooks of `.pre-commit-hooks.yaml` run on the same commit: what
/// `topogen-validate` prints about cluster.kdl, `topogen-check` does not print
/// again, and both still block a broken commit.
#[test]
fn the_two_hooks_do_not_print_the_same_diagnostics() {
    let manifest = std::fs::read_to_string(Path::new(ROOT).join(".pre-commit-hooks.yaml")).unwrap();
    let entries: Vec<Vec<&str>> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("  entry: "))
        .map(|e| e.split_whitespace().collect())
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(Path::new(ROOT).join("cluster.kdl")).unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), &good).unwrap();
    assert_eq!(topogen(dir.path(), &["build"]).status.code(), Some(0));
    // a typo: an error, and the warnings it leads to
    let broken = good.replacen("count=3", "cuont=3", 1);
    std::fs::write(dir.path().join("cluster.kdl"), broken).unwrap();
    let codes = |o: &Output| -> std::collections::BTreeSet<String> {
        let all = stdout(o) + &stderr(o);
        all.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '-' || c == '_'))
            .filter(|w| w.starts_with("topogen::"))
            .map(str::to_owned)
            .collect()
    };
    let runs: Vec<Output> = entries
        .iter()
        .map(|argv| {
            assert_eq!(argv[0], "topogen");
            topogen(dir.path(), &argv[1..])
        })
        .collect();
    for (argv, o) in entries.iter().zip(&runs) {
        assert_eq!(o.status.code(), Some(1), "{argv:?} blocks the commit");
    }
    let (validate, check) = (codes(&runs[0]), codes(&runs[1]));
    assert!(
        validate.contains("topogen::schema::unknown-property"),
        "{validate:?}"
    );
    assert!(validate.is_disjoint(&check), "{validate:?} and {check:?}");
    assert!(stderr(&runs[1]).contains("`topogen validate` prints its problems"));
    // plain `topogen check` still prints the problems for CI and other callers
    let o = topogen(dir.path(), &["check"]);
    assert!(stderr(&o).contains("topogen::schema::unknown-property"));
}

#[path = "support/bin.rs"]
mod bin;
