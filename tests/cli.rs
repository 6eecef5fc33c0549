//! End-to-end tests of every command and exit code, running the real binary.

use scratch::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO_KDL: &str = include_str!("../cluster.kdl");

/// A scratch directory (its path, and the `TempDir` that removes it on drop).
fn command(dir: &Path, args: &[&str]) -> Command {
    // a scratch run keeps its build records inside the scratch directory; a
    // run in the repository keeps none
    let records = if dir.starts_with(std::env::temp_dir()) {
        dir.join(".records")
    } else {
        PathBuf::new()
    };
    let mut c = Command::new(env!("CARGO_BIN_EXE_topogen"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TOPOGEN_CACHE_DIR", records)
        .env_remove("TOPOGEN_FAULT_AT");
    c
}

fn topogen(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

/// [`topogen`] with `input` on standard input.
fn topogen_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = command(dir, args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // topogen stops reading past its limit: a broken pipe then is expected
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// A scratch project holding the repository's cluster.kdl, built once.
fn built(name: &str) -> Scratch {
    let s = Scratch::project(name, REPO_KDL);
    let o = topogen(&s.0, &["build"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    s
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `o`'s standard output and error, once it exited with `expected`.
fn exited(o: &Output, expected: i32) -> (String, String) {
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(o), expected, "stdout:\n{out}\nstderr:\n{err}");
    (out, err)
}

const BROKEN: &str = "cluster demo {\n    hetzner location=nbg1 datacenter=nbg1-dc3\n    ip-plan { range control from=10 to=19 }\n    pool control role=server server-type=cx23 cuont=1 range=control\n    gitops repo=\"my-org/config\" overlay=\"overlays/dev\"\n    environment dev\n}\n";

#[test]
fn validate_is_silent_and_exits_0_on_the_repository_cluster() {
    let s = Scratch::project("validate-ok", REPO_KDL);
    let o = topogen(&s.0, &["validate"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn validate_reports_problems_with_code_span_and_help_and_exits_1() {
    let s = Scratch::project("validate-bad", BROKEN);
    let o = topogen(&s.0, &["validate"]);
    let err = exited(&o, 1).1;
    assert_contains(&err, "topogen::schema::unknown-property");
    assert_contains(&err, "cluster.kdl:4:47");
    assert_contains(&err, "did you mean `count`?");
    assert_contains(&err, "1 error");
}

#[test]
fn missing_file_and_usage_errors_exit_2() {
    let s = Scratch::new("missing");
    assert_contains(
        exited(&topogen(&s.0, &["validate", "--config", "nope.kdl"]), 2).1,
        "cannot read `nope.kdl`",
    );
    assert_eq!(code(&topogen(&s.0, &["validate", "--no-such-flag"])), 2);
    assert_eq!(code(&topogen(&s.0, &["frobnicate"])), 2);
}

#[test]
fn json_format_is_machine_readable() {
    let s = Scratch::project("json", BROKEN);
    let o = topogen(&s.0, &["validate", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "topogen::schema::unknown-property");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 4);
    assert_eq!(d["column"], 47);
    assert_eq!(d["help"], "did you mean `count`?");
}

#[test]
fn build_writes_then_is_a_no_op_and_check_passes() {
    let s = Scratch::project("build", REPO_KDL);
    let o = topogen(&s.0, &["build"]);
    let out = exited(&o, 0).0;
    assert!(
        out.contains("created .topogen-manifest") || out.contains("created"),
        "{out}"
    );
    assert!(s.path("generated/.topogen-manifest").is_file());
    assert_contains(exited(&topogen(&s.0, &["build"]), 0).0, "is up to date");
    let o = topogen(&s.0, &["check"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    assert!(o.stdout.is_empty());
}

#[test]
fn build_sync_writes_the_same_tree() {
    let s = Scratch::project("build-sync", REPO_KDL);
    assert_eq!(code(&topogen(&s.0, &["build", "--out", "plain"])), 0);
    let o = topogen(&s.0, &["build", "--sync", "--out", "synced"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let manifest = s.read("plain/.topogen-manifest");
    for rel in manifest.lines().filter(|l| !l.starts_with('#')) {
        assert_eq!(
            std::fs::read(s.path(&format!("plain/{rel}"))).unwrap(),
            std::fs::read(s.path(&format!("synced/{rel}"))).unwrap(),
            "{rel}"
        );
    }
    assert_eq!(
        code(&topogen(&s.0, &["check", "--no-cache", "--out", "synced"])),
        0
    );
}

#[test]
fn check_fails_with_a_diff_after_a_one_word_edit_and_writes_nothing() {
    let s = built("check-drift");
    let before = s.read("generated/.topogen-manifest");
    let edited = REPO_KDL
        .replacen("count=3 range=kafka", "count=5 range=kafka", 1)
        .replacen("port=\"30001-30004\"", "port=\"30001-30006\"", 1);
    assert_ne!(edited, REPO_KDL);
    s.write("cluster.kdl", &edited);
    let o = topogen(&s.0, &["check"]);
    let out = exited(&o, 1).0;
    assert!(
        out.contains("drifted:") || out.contains("missing:"),
        "{out}"
    );
    assert_contains(&out, "run `topogen build");
    assert_eq!(s.read("generated/.topogen-manifest"), before);
}

#[test]
fn check_reports_a_hand_edited_and_an_extra_file() {
    let s = built("check-edit");
    let manifest = s.read("generated/.topogen-manifest");
    let owned: Vec<&str> = manifest.lines().filter(|l| !l.starts_with('#')).collect();
    if let Some(first) = owned.first() {
        let p = s.path(&format!("generated/{first}"));
        let mut t = std::fs::read_to_string(&p).unwrap();
        t.push_str("# hand edit\n");
        std::fs::write(&p, t).unwrap();
        let o = topogen(&s.0, &["check"]);
        let out = exited(&o, 1).0;
        assert!(
            out.contains("drifted: ") && !out.contains("+# hand edit"),
            "{out}"
        );
        assert!(
            out.contains("-# hand edit"),
            "diff shows the hand edit being removed: {out}"
        );
    }
}

#[test]
fn build_refuses_on_errors_and_changes_nothing() {
    let s = built("build-bad");
    let before = s.read("generated/.topogen-manifest");
    s.write("cluster.kdl", BROKEN);
    assert_contains(
        exited(&topogen(&s.0, &["build"]), 1).1,
        "nothing was written",
    );
    assert_eq!(s.read("generated/.topogen-manifest"), before);
}

#[test]
fn build_keeps_files_it_does_not_own_and_never_overwrites_them() {
    let s = Scratch::project("ownership", REPO_KDL);
    s.write("generated/NOTES.txt", "mine\n");
    assert_eq!(code(&topogen(&s.0, &["build"])), 0);
    assert_eq!(s.read("generated/NOTES.txt"), "mine\n");
    let manifest = s.read("generated/.topogen-manifest");
    assert!(!manifest.contains("NOTES.txt"));
    // an edit that produces fewer files removes only owned ones
    assert_eq!(code(&topogen(&s.0, &["build"])), 0);
    assert!(s.path("generated/NOTES.txt").is_file());
}

#[test]
fn explain_prints_docs_and_examples() {
    let s = Scratch::new("explain");
    let o = topogen(&s.0, &["explain", "schema::unknown-property"]);
    let out = exited(&o, 0).0;
    assert!(
        out.starts_with("# topogen::schema::unknown-property"),
        "{out}"
    );
    assert!(
        out.contains("## What it does") && out.contains("Use instead:"),
        "{out}"
    );
    let o = topogen(&s.0, &["explain", "topogen::schema::unknown-propertee"]);
    assert_eq!(code(&o), 2);
    assert_contains(
        &o.stderr,
        "did you mean `topogen::schema::unknown-property`?",
    );
    let o = topogen(&s.0, &["explain", "--list"]);
    assert_eq!(code(&o), 0);
    for r in topogen::check::registry() {
        assert!(text(&o.stdout).contains(r.code), "{}", r.code);
    }
}

#[test]
fn explain_knows_the_codes_of_io_and_template_errors() {
    let s = Scratch::new("explain-io");
    let o = topogen(&s.0, &["explain", "io::symlink"]);
    let out = exited(&o, 0).0;
    assert!(out.starts_with("# topogen::io::symlink\n"), "{out}");
    assert_contains(&out, "SECURITY.md");
    // the code an unreadable config prints is one explain knows
    assert_contains(
        exited(&topogen(&s.0, &["validate", "--config", "absent.kdl"]), 2).1,
        "topogen::io::read",
    );
    assert_eq!(code(&topogen(&s.0, &["explain", "topogen::io::read"])), 0);
    // an area lists its codes: every error code is in `io`, `template` or `why`
    let io = text(&topogen(&s.0, &["explain", "io"]).stdout);
    let template = text(&topogen(&s.0, &["explain", "topogen::template"]).stdout);
    let why = text(&topogen(&s.0, &["explain", "why"]).stdout);
    for e in topogen::errors::ALL {
        assert!(
            io.contains(e.code) || template.contains(e.code) || why.contains(e.code),
            "{}",
            e.code
        );
    }
    assert!(io.lines().all(|l| l.starts_with("topogen::io::")), "{io}");
    let kafka = text(&topogen(&s.0, &["explain", "kafka"]).stdout);
    assert!(kafka.contains("topogen::kafka::replication"), "{kafka}");
    assert_contains(
        exited(&topogen(&s.0, &["explain", "io::symlnk"]), 2).1,
        "did you mean `topogen::io::symlink`?",
    );
}

#[test]
fn reference_tables_keep_their_cells_on_github() {
    let s = Scratch::new("reference-cells");
    let o = topogen(&s.0, &["reference"]);
    let doc = text(&o.stdout);
    // GitHub ends a cell at every `|` not escaped as `\|`, even inside backticks
    let cells = |row: &str| row.replace("\\|", "").matches('|').count();
    let mut header = 0;
    let mut rows = 0;
    for line in doc.lines() {
        if !line.starts_with('|') {
            header = 0;
            continue;
        }
        if header == 0 {
            header = cells(line);
            continue;
        }
        rows += 1;
        assert_eq!(cells(line), header, "{line}");
    }
    assert!(rows > 50, "{rows} table rows");
    assert!(
        doc.contains("`server` \\| `agent`"),
        "the role's type is escaped"
    );
    // the environment node points at the merge rule, which comes first
    let rule = doc.find("## Environments").unwrap();
    let node = doc.find("### `cluster > environment`").unwrap();
    assert!(rule < node);
    assert!(doc[node..].contains("[Environments](#environments) at the top of this page"));
}

#[test]
fn user_facing_text_never_says_the_seed() {
    let s = Scratch::new("seed-words");
    let mut texts = vec![text(&topogen(&s.0, &["reference"]).stdout)];
    for r in topogen::check::registry() {
        texts.push(text(&topogen(&s.0, &["explain", r.code]).stdout));
    }
    texts.push(text(&topogen(&s.0, &["--help"]).stdout));
    texts.push(text(&topogen(&s.0, &["init", "--help"]).stdout));
    for t in texts {
        assert!(!t.to_lowercase().contains("seed"), "{t}");
    }
}

#[test]
fn init_writes_the_starter_and_never_overwrites() {
    let s = Scratch::new("init");
    let o = topogen(&s.0, &["init"]);
    assert_eq!(code(&o), 0);
    let starter = s.read("cluster.kdl");
    assert_eq!(
        starter,
        include_str!("../examples/starter/cluster.kdl"),
        "the neutral starter"
    );
    // placeholder names, no other team's repository or names
    assert!(starter.contains("cluster example {"), "{starter}");
    assert!(starter.contains("my-org/"), "{starter}");
    assert!(!starter.to_lowercase().contains("trading"), "{starter}");
    // it validates without a finding and builds as it is
    let o = topogen(&s.0, &["validate"]);
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));
    assert_eq!(code(&topogen(&s.0, &["build"])), 0);
    assert!(s.path("generated/TOPOLOGY.md").is_file());
    assert_eq!(code(&topogen(&s.0, &["check"])), 0);
    // the bundled clusters stay available; `seed` is accepted for the trading one
    for (example, want) in [
        ("trading", REPO_KDL),
        ("seed", REPO_KDL),
        ("minimal", include_str!("../examples/minimal/cluster.kdl")),
        ("large", include_str!("../examples/large/cluster.kdl")),
    ] {
        let name = format!("{example}.kdl");
        let o = topogen(&s.0, &["init", &name, "--example", example]);
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        assert_eq!(s.read(&name), want);
    }
    assert_contains(
        exited(&topogen(&s.0, &["init", "x.kdl", "--example", "huge"]), 2).1,
        "starter, trading, minimal, large",
    );
    s.write("cluster.kdl", "mine");
    let o = topogen(&s.0, &["init"]);
    assert_eq!(code(&o), 2);
    assert_eq!(s.read("cluster.kdl"), "mine");
    assert_eq!(
        code(&topogen(
            &s.0,
            &["validate", "--config", "../nope/cluster.kdl"]
        )),
        2
    );
}

#[test]
fn fmt_check_and_write() {
    let s = Scratch::project("fmt", REPO_KDL);
    assert_eq!(code(&topogen(&s.0, &["fmt", "--check"])), 0);
    let messy = REPO_KDL
        .replace("\n    pool kafka", "\n  pool kafka")
        .replace(
            "labels role=worker workload=apps",
            "labels role=worker workload=apps   ",
        )
        .replace("\n\n    ingress", "\n\n\n\n    ingress");
    s.write("cluster.kdl", &messy);
    let o = topogen(&s.0, &["fmt", "--check"]);
    assert_eq!(code(&o), 1);
    assert_eq!(s.read("cluster.kdl"), messy);
    assert_eq!(code(&topogen(&s.0, &["fmt"])), 0);
    assert_eq!(s.read("cluster.kdl"), REPO_KDL);
}

#[test]
fn show_prints_the_resolved_environment() {
    let s = Scratch::project("show", REPO_KDL);
    let o = topogen(&s.0, &["show", "--env", "prod"]);
    let out = exited(&o, 0).0;
    assert!(
        out.contains("prod-k3s-trading-kafka-2") && out.contains("10.1.1.22"),
        "{out}"
    );
    assert!(!out.contains("environment dev"), "{out}");
    assert_contains(
        exited(&topogen(&s.0, &["show", "--env", "qa"]), 2).1,
        "defines dev, prod",
    );
}

#[test]
fn the_language_reference_is_current() {
    let s = Scratch::new("reference");
    let o = topogen(&s.0, &["reference"]);
    assert_eq!(code(&o), 0);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cluster-kdl.md"))
            .unwrap();
    assert_eq!(
        text(&o.stdout),
        committed,
        "run `topogen reference > docs/cluster-kdl.md`"
    );
}

#[test]
fn template_overlay_replaces_by_name_and_rejects_unknown_names() {
    let s = Scratch::project("templates", REPO_KDL);
    let o = topogen(&s.0, &["templates"]);
    assert_eq!(code(&o), 0);
    let names = text(&o.stdout);
    let Some(first) = names.lines().next() else {
        return;
    };
    s.write(
        &format!("overlay/{first}"),
        "overridden {{{ cluster if cluster is defined else 'x' }}}\n",
    );
    let o = topogen(&s.0, &["build", "--templates", "overlay"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    s.write("bad/no-such-template.j2", "x");
    assert_contains(
        exited(&topogen(&s.0, &["build", "--templates", "bad"]), 2).1,
        "replaces no built-in template",
    );
}

#[test]
fn the_committed_generated_tree_does_not_drift() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("generated/.topogen-manifest").exists() {
        return; // not built yet in this checkout
    }
    let o = topogen(root, &["check"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
}

#[test]
fn workflows_can_go_to_an_out_of_tree_directory_without_touching_other_files() {
    let s = Scratch::new("out-of-tree");
    let kdl = REPO_KDL.to_owned();
    assert!(kdl.contains("output dir=generated workflows=\".github/workflows\""));
    s.write("cluster.kdl", &kdl);
    s.write(".github/workflows/ci.yml", "on: push\n");
    let o = topogen(&s.0, &["build"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let wf = s.path(".github/workflows");
    assert_eq!(
        std::fs::read_to_string(wf.join("ci.yml")).unwrap(),
        "on: push\n"
    );
    assert!(wf.join(".topogen-manifest").is_file());
    assert!(!s.path("generated/.github").exists());
    assert_eq!(code(&topogen(&s.0, &["check"])), 0);
    std::fs::write(wf.join("ci.yml"), "on: pull_request\n").unwrap();
    assert_eq!(
        code(&topogen(&s.0, &["check"])),
        0,
        "unowned files are not drift"
    );
    let bad = kdl.replace(
        "workflows=\".github/workflows\"",
        "workflows=\"../elsewhere\"",
    );
    s.write("cluster.kdl", &bad);
    assert_contains(
        exited(&topogen(&s.0, &["validate"]), 1).1,
        "is not a portable path inside the repository",
    );
}

/// The build record of `generated/` in scratch `s` (the workflows
/// directory has its own).
fn record_of(s: &Scratch) -> PathBuf {
    let mut records: Vec<_> = std::fs::read_dir(s.path(".records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|r| r.contains(" TOPOLOGY.md\n")))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    records.pop().unwrap()
}

#[test]
fn build_and_a_clean_check_leave_a_record_that_the_next_run_trusts() {
    let s = built("record");
    let record = std::fs::read_to_string(record_of(&s)).unwrap();
    let manifest = s.read("generated/.topogen-manifest");
    let owned = manifest.lines().filter(|l| !l.starts_with('#')).count();
    // every owned file and the manifest, by hash
    assert_eq!(
        record
            .lines()
            .filter(|l| l.len() > 33 && l.as_bytes()[32] == b' ')
            .count(),
        owned + 1,
        "{record}"
    );
    let o = topogen(&s.0, &["build"]);
    assert_eq!(
        text(&o.stdout),
        format!(
            "generated is up to date ({owned} files)\n.github/workflows is up to date ({} files)\n",
            std::fs::read_dir(s.path(".github/workflows"))
                .unwrap()
                .count()
                - 1
        )
    );

    // a check that finds nothing to change writes the record too
    std::fs::remove_dir_all(s.path(".records")).unwrap();
    assert_eq!(code(&topogen(&s.0, &["check"])), 0);
    assert_eq!(std::fs::read_to_string(record_of(&s)).unwrap(), record);
}

#[test]
fn a_record_never_hides_a_hand_edit_a_deleted_file_or_a_changed_input() {
    let s = built("record-drift");
    let topology = s.path("generated/TOPOLOGY.md");
    let good = std::fs::read_to_string(&topology).unwrap();

    std::fs::write(&topology, format!("{good}hand edit\n")).unwrap();
    assert_contains(exited(&topogen(&s.0, &["check"]), 1).0, "-hand edit");

    std::fs::remove_file(&topology).unwrap();
    assert_contains(
        exited(&topogen(&s.0, &["check"]), 1).0,
        "missing: generated/TOPOLOGY.md",
    );
    assert_eq!(code(&topogen(&s.0, &["build"])), 0);
    assert_eq!(std::fs::read_to_string(&topology).unwrap(), good);

    let edited = REPO_KDL
        .replacen("count=3 range=kafka", "count=5 range=kafka", 1)
        .replacen("port=\"30001-30004\"", "port=\"30001-30006\"", 1);
    s.write("cluster.kdl", &edited);
    let o = topogen(&s.0, &["check"]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert_contains(&o.stdout, "drifted: generated/environments/");
}

#[test]
fn a_record_is_only_trusted_for_the_same_template_overrides() {
    let s = Scratch::project("record-templates", REPO_KDL);
    s.write("overlay/pins/version.j2", "{{{ version }}}\n");
    let args = ["--templates", "overlay"];
    assert_eq!(code(&topogen(&s.0, &[&["build"][..], &args].concat())), 0);
    assert_eq!(code(&topogen(&s.0, &[&["check"][..], &args].concat())), 0);
    s.write("overlay/pins/version.j2", "version={{{ version }}}\n");
    assert_contains(
        exited(&topogen(&s.0, &[&["check"][..], &args].concat()), 1).0,
        "+version=",
    );
}

#[test]
fn check_trusts_the_record_and_no_cache_does_not() {
    // What the record is: a statement that a render of these inputs wrote
    // these bytes. Forge one, and only `--no-cache` (a fresh clone, CI)
    // sees the drift; this is why the record lives outside the repository.
    let s = built("record-forged");
    let topology = s.path("generated/TOPOLOGY.md");
    let good = std::fs::read(&topology).unwrap();
    let mut edited = good.clone();
    edited.extend_from_slice(b"hand edit\n");
    std::fs::write(&topology, &edited).unwrap();
    let path = record_of(&s);
    let record = std::fs::read_to_string(&path).unwrap();
    let forged = record.replace(
        &format!("{:032x} TOPOLOGY.md", topogen::cache::digest(&good)),
        &format!("{:032x} TOPOLOGY.md", topogen::cache::digest(&edited)),
    );
    assert_ne!(forged, record);
    std::fs::write(&path, forged).unwrap();
    assert_eq!(code(&topogen(&s.0, &["check"])), 0);
    assert_contains(
        exited(&topogen(&s.0, &["check", "--no-cache"]), 1).0,
        "-hand edit",
    );
}

#[test]
fn an_interrupted_build_is_cleaned_up_even_when_the_record_matches() {
    let s = built("record-leftover");
    let leftover = s.path(".generated.topogen-staging-1");
    std::fs::create_dir_all(&leftover).unwrap();
    assert_eq!(code(&topogen(&s.0, &["check"])), 0);
    let o = topogen(&s.0, &["build"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!leftover.exists());
}

#[test]
fn config_is_found_in_the_nearest_parent_up_to_the_repository_root() {
    let s = Scratch::new("discovery");
    std::fs::create_dir_all(s.path("repo/.git")).unwrap();
    s.write("repo/cluster.kdl", REPO_KDL);
    std::fs::create_dir_all(s.path("repo/k8s/apps")).unwrap();
    let deep = s.path("repo/k8s/apps");
    let o = topogen(&deep, &["validate", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    // found upward, and the output directory stays beside it
    let o = topogen(&deep, &["build"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("../../generated:"),
        "{}",
        text(&o.stdout)
    );
    assert!(s.path("repo/generated/TOPOLOGY.md").is_file());
    assert!(!deep.join("generated").exists());
    assert_eq!(code(&topogen(&deep, &["check"])), 0);
    // a finding names the file it found
    s.write("repo/cluster.kdl", BROKEN);
    assert_contains(
        exited(&topogen(&deep, &["validate"]), 1).1,
        "../../cluster.kdl",
    );
    // a cluster.kdl above the repository's root is not this repository's
    std::fs::remove_file(s.path("repo/cluster.kdl")).unwrap();
    s.write("cluster.kdl", REPO_KDL);
    let o = topogen(&deep, &["validate"]);
    assert_eq!(code(&o), 2);
    // miette wraps the message at 100 columns
    let err = text(&o.stderr)
        .replace("\n  │ ", " ")
        .replace("\n        ", " ");
    assert_contains(&err, "topogen::io::no_config");
    assert_contains(&err, &format!("no `cluster.kdl` in `{}`", deep.display()));
    assert_contains(
        &err,
        &format!(
            "up to `{}`, the repository's root",
            s.path("repo").display()
        ),
    );
    assert_contains(&err, "--config FILE");
    // an explicit --config is taken as given, never searched for
    s.write("repo/cluster.kdl", REPO_KDL);
    assert_contains(
        exited(&topogen(&deep, &["validate", "--config", "cluster.kdl"]), 2).1,
        "topogen::io::read",
    );
    // a link named cluster.kdl is found, and refused as --config would refuse it
    std::fs::remove_file(s.path("repo/cluster.kdl")).unwrap();
    std::os::unix::fs::symlink(s.path("cluster.kdl"), s.path("repo/cluster.kdl")).unwrap();
    assert_contains(exited(&topogen(&deep, &["validate"]), 2).1, "symbolic link");
    // one another user owns is not read (only root can make one here)
    std::fs::remove_file(s.path("repo/cluster.kdl")).unwrap();
    s.write("repo/cluster.kdl", REPO_KDL);
    if std::os::unix::fs::chown(s.path("repo/cluster.kdl"), Some(65534), None).is_ok() {
        let o = topogen(&deep, &["validate"]);
        let err = exited(&o, 2).1;
        assert_contains(&err, "topogen::io::foreign_config");
        assert_contains(&err, "`../../cluster.kdl` belongs to another user");
        let o = topogen(&deep, &["validate", "-c", "../../cluster.kdl"]);
        assert_eq!(code(&o), 0, "named, it is read");
    } else {
        eprintln!("not root: the foreign-owner case is not exercised");
    }
}

#[test]
fn config_dash_reads_standard_input() {
    let s = Scratch::new("stdin");
    let o = topogen_stdin(&s.0, &["validate", "-c", "-"], REPO_KDL.as_bytes());
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));
    let o = topogen_stdin(&s.0, &["-c", "-", "validate"], BROKEN.as_bytes());
    assert_eq!(code(&o), 1);
    assert_contains(&o.stderr, "<stdin>:4:");
    // bounded like a file
    let big = format!("{REPO_KDL}{}", "// padding\n".repeat(30_000));
    let o = topogen_stdin(&s.0, &["validate", "-c", "-"], big.as_bytes());
    assert_eq!(code(&o), 1);
    assert_contains(&o.stderr, "topogen::syntax::limits");
    // build and check treat the working directory as the config's
    let o = topogen_stdin(&s.0, &["build", "-c", "-"], REPO_KDL.as_bytes());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(s.path("generated/TOPOLOGY.md").is_file());
    let o = topogen_stdin(&s.0, &["check", "-c", "-"], REPO_KDL.as_bytes());
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    // fmt is a filter on standard input; --check diffs it
    let messy = REPO_KDL.replace("\n    pool kafka", "\n  pool kafka");
    let o = topogen_stdin(&s.0, &["fmt", "-c", "-"], messy.as_bytes());
    assert_eq!((code(&o), text(&o.stdout)), (0, REPO_KDL.to_owned()));
    let o = topogen_stdin(&s.0, &["fmt", "--check", "-c", "-"], messy.as_bytes());
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stdout).starts_with("--- <stdin>"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn diffs_are_coloured_only_when_asked_or_on_a_terminal() {
    let s = built("color");
    let file = s.path("generated/TOPOLOGY.md");
    let edited = std::fs::read_to_string(&file).unwrap() + "hand edit\n";
    std::fs::write(&file, edited).unwrap();
    // piped (as here), and with NO_COLOR: plain
    let plain = topogen(&s.0, &["check"]);
    assert_eq!(code(&plain), 1);
    assert!(!plain.stdout.contains(&0x1b), "{}", text(&plain.stdout));
    let o = command(&s.0, &["check"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(o.stdout, plain.stdout);
    let painted = topogen(&s.0, &["check", "--color", "always"]);
    let out = exited(&painted, 1).0;
    assert_contains(&out, "\x1b[31m-hand edit\x1b[0m\n");
    assert_contains(&out, "\x1b[1m--- a/TOPOLOGY.md (on disk)\x1b[0m");
    assert_eq!(code(&topogen(&s.0, &["check", "--color", "never"])), 1);
    // fmt --check too
    s.write(
        "cluster.kdl",
        &REPO_KDL.replace("\n    pool kafka", "\n  pool kafka"),
    );
    assert_contains(
        exited(&topogen(&s.0, &["fmt", "--check", "--color", "always"]), 1).0,
        "\x1b[32m+    pool kafka",
    );
    let o = topogen(&s.0, &["fmt", "--check"]);
    assert!(!o.stdout.contains(&0x1b));
}

#[path = "support/assert.rs"]
mod assert;
use assert::assert_contains;

#[path = "support/scratch.rs"]
mod scratch;
