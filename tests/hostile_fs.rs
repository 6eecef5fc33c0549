//! The repository as an attacker leaves it: links, special files, edited
//! manifests and build records, overlapping output directories. Every
//! command that touches the file system (`build`, `check`, `fmt`, `init`,
//! `templates --dump`, `show`, `validate`) either refuses with an error
//! naming the path, or does something harmless — and never reads, writes or
//! prints anything outside the repository (issue 11, classes 2, 5 and 7).
//!
//! No test here has a time bound: a hang (a FIFO read) is caught by the
//! harness's own limit.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tree::tree;

const BIN: &str = env!("CARGO_BIN_EXE_topogen");
const CLUSTER: &str = include_str!("../cluster.kdl");
const SECRET: &str = "-----BEGIN OPENSSH PRIVATE KEY----- sentinel-7f3a\n";

/// A project directory and, beside it, a directory "outside the repository"
/// holding a private key, which nothing may read, change or copy.
struct World {
    _tmp: tempfile::TempDir,
    project: PathBuf,
    outside: PathBuf,
    outside_before: BTreeMap<String, Vec<u8>>,
}

fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&project).unwrap();
    fs::create_dir_all(outside.join("ssh")).unwrap();
    fs::write(outside.join("ssh/id_ed25519"), SECRET).unwrap();
    fs::write(outside.join("victim.txt"), "do not touch\n").unwrap();
    fs::write(project.join("cluster.kdl"), CLUSTER).unwrap();
    let outside_before = tree(&outside);
    World {
        _tmp: tmp,
        project,
        outside,
        outside_before,
    }
}

impl World {
    fn p(&self, rel: &str) -> PathBuf {
        self.project.join(rel)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(&self.project)
            .args(args)
            .env("NO_COLOR", "1")
            .env("TOPOGEN_CACHE_DIR", self.project.join("../records"))
            .env_remove("TOPOGEN_FAULT_AT")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn built(self) -> Self {
        let o = self.run(&["build"]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        self
    }

    /// Nothing outside the project changed, and no copy of the key is in it.
    fn assert_outside_untouched(&self) {
        assert_eq!(tree(&self.outside), self.outside_before, "outside changed");
        for (rel, bytes) in tree(&self.project) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("sentinel-7f3a") || rel.starts_with("->"),
                "the private key was copied into the repository at {rel}"
            );
        }
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn both(o: &Output) -> String {
    format!("{}{}", out(o), err(o))
}

/// `o` exited with `code`; its output shown if not.
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", both(o));
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

// ------------------------------------------------------------ class 2: links

#[test]
fn a_generated_link_out_of_the_repository_is_refused_by_build_and_check() {
    let w = world();
    symlink(w.outside.join("ssh"), w.p("generated")).unwrap();
    let o = w.run(&["build"]);
    assert_exit(&o, 2);
    assert_contains(err(&o), "topogen::io::symlink");
    assert_contains(err(&o), "`generated` is a symbolic link");
    let o = w.run(&["check"]);
    assert_exit(&o, 1);
    assert_contains(out(&o), "`generated` is a symbolic link");
    assert!(!both(&o).contains("sentinel"), "{}", both(&o));
    assert!(w.p("generated").is_symlink());
    w.assert_outside_untouched();
}

#[test]
fn a_link_part_way_along_the_output_path_is_refused_and_nothing_is_created_outside() {
    let w = world();
    let kdl = CLUSTER.replace("output dir=generated", "output dir=\"a/b/generated\"");
    fs::write(w.p("cluster.kdl"), kdl).unwrap();
    fs::create_dir(w.p("a")).unwrap();
    symlink(&w.outside, w.p("a/b")).unwrap();
    for cmd in ["build", "check"] {
        let o = w.run(&[cmd]);
        assert_ne!(o.status.code(), Some(0), "{cmd}: {}", both(&o));
        assert!(
            both(&o).contains("`a/b` is a symbolic link"),
            "{cmd}: {}",
            both(&o)
        );
    }
    assert!(!w.outside.join("generated").exists());
    w.assert_outside_untouched();
}

#[test]
fn links_and_special_files_inside_the_tree_are_never_followed_or_printed() {
    let w = world().built();
    let g = w.p("generated");
    // an owned file → the secret; another → /dev/zero; a third → a FIFO
    fs::remove_file(g.join("TOPOLOGY.md")).unwrap();
    symlink(w.outside.join("ssh/id_ed25519"), g.join("TOPOLOGY.md")).unwrap();
    fs::remove_file(g.join("environments/dev.tfvars")).unwrap();
    symlink("/dev/zero", g.join("environments/dev.tfvars")).unwrap();
    fs::remove_file(g.join("environments/prod.tfvars")).unwrap();
    mkfifo(&g.join("environments/prod.tfvars"));
    // a whole owned directory replaced by a link out of the tree
    fs::remove_dir_all(g.join("pins/dev")).unwrap();
    symlink(w.outside.join("ssh"), g.join("pins/dev")).unwrap();

    let o = w.run(&["check"]);
    assert_exit(&o, 1);
    let text = out(&o);
    assert!(!text.contains("sentinel"), "the secret was printed: {text}");
    for (file, why) in [
        ("TOPOLOGY.md", "is a symbolic link"),
        ("environments/dev.tfvars", "is a symbolic link"),
        ("environments/prod.tfvars", "is a FIFO"),
        (
            "pins/dev/strimzi.version",
            "`generated/pins/dev` is a symbolic link",
        ),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("generated/{file}")) && l.contains(why)),
            "{file}: {text}"
        );
    }
    // a link where topogen needs its directory is in the way, not followed
    let o = w.run(&["build"]);
    assert_exit(&o, 2);
    assert_contains(
        err(&o),
        "`generated/pins/dev` exists and was not written by topogen",
    );
    fs::remove_file(g.join("pins/dev")).unwrap();
    // build replaces the links and the FIFO with the files, following nothing
    let o = w.run(&["build"]);
    assert_exit(&o, 0);
    for f in [
        "TOPOLOGY.md",
        "environments/dev.tfvars",
        "environments/prod.tfvars",
    ] {
        let m = fs::symlink_metadata(g.join(f)).unwrap();
        assert!(m.is_file(), "{f} is still not a regular file");
    }
    assert!(fs::symlink_metadata(g.join("pins/dev")).unwrap().is_dir());
    assert_eq!(w.run(&["check", "--no-cache"]).status.code(), Some(0));
    w.assert_outside_untouched();
}

#[test]
fn an_oversize_owned_file_is_drift_and_is_not_printed() {
    let w = world().built();
    let big = "x".repeat(topogen::fsutil::MAX_READ + 1);
    fs::write(w.p("generated/TOPOLOGY.md"), &big).unwrap();
    let o = w.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let cap = format!("larger than {} MiB", topogen::fsutil::MAX_READ >> 20);
    assert!(out(&o).contains(&cap), "{}", out(&o));
    assert!(out(&o).len() < 100_000, "the file was printed");
    assert_eq!(w.run(&["build"]).status.code(), Some(0));
    assert_eq!(w.run(&["check", "--no-cache"]).status.code(), Some(0));
}

#[test]
fn a_staging_or_backup_name_planted_as_a_link_is_refused() {
    for name in [".generated.topogen-staging-1", ".generated.topogen-old-1"] {
        let w = world().built();
        symlink(&w.outside, w.p(name)).unwrap();
        fs::write(w.p("generated/TOPOLOGY.md"), "stale\n").unwrap();
        let before = tree(&w.p("generated"));
        let o = w.run(&["build"]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", both(&o));
        assert_contains(err(&o), &format!("{name}` is a symbolic link"));
        assert_eq!(
            tree(&w.p("generated")),
            before,
            "{name}: generated/ changed"
        );
        w.assert_outside_untouched();
    }
}

#[test]
fn a_link_or_fifo_as_cluster_kdl_is_refused_by_every_command_that_reads_it() {
    let w = world();
    fs::rename(w.p("cluster.kdl"), w.outside.join("cluster.kdl")).unwrap();
    symlink(w.outside.join("cluster.kdl"), w.p("cluster.kdl")).unwrap();
    let w = World {
        outside_before: tree(&w.outside),
        ..w
    };
    for args in [
        &["validate"][..],
        &["show"],
        &["build"],
        &["check"],
        &["fmt"],
    ] {
        let o = w.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", both(&o));
        assert!(err(&o).contains("symbolic link"), "{args:?}: {}", err(&o));
    }
    assert!(!w.p("generated").exists());
    fs::remove_file(w.p("cluster.kdl")).unwrap();
    mkfifo(&w.p("cluster.kdl"));
    for args in [
        &["validate"][..],
        &["show"],
        &["build"],
        &["fmt", "--check"],
    ] {
        let o = w.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", both(&o));
        assert!(err(&o).contains("FIFO"), "{args:?}: {}", err(&o));
    }
    w.assert_outside_untouched();
}

#[test]
fn fmt_never_writes_through_a_planted_temporary_file() {
    let w = world();
    let messy = CLUSTER.replacen("    pool control", "        pool control", 1);
    fs::write(w.p("cluster.kdl"), &messy).unwrap();
    // the names a temporary file had or could have
    for planted in [
        "cluster.kdl.topogen-fmt",
        "cluster.kdl.tmp",
        ".cluster.kdl.topogen-1",
    ] {
        symlink(w.outside.join("victim.txt"), w.p(planted)).unwrap();
    }
    let o = w.run(&["fmt"]);
    assert_exit(&o, 0);
    let m = fs::symlink_metadata(w.p("cluster.kdl")).unwrap();
    assert!(m.is_file(), "cluster.kdl became a link");
    assert_eq!(fs::read_to_string(w.p("cluster.kdl")).unwrap(), CLUSTER);
    assert_eq!(w.run(&["fmt", "--check"]).status.code(), Some(0));
    w.assert_outside_untouched();
    let leftovers: Vec<_> = fs::read_dir(&w.project)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("topogen-") && !n.ends_with("-1") && !n.ends_with("-fmt"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
}

#[test]
fn init_never_writes_through_a_dangling_link() {
    let w = world();
    fs::remove_file(w.p("cluster.kdl")).unwrap();
    let target = w.outside.join("planted.kdl");
    symlink(&target, w.p("cluster.kdl")).unwrap();
    let o = w.run(&["init"]);
    assert_exit(&o, 2);
    assert_contains(err(&o), "already exists");
    assert!(!target.exists(), "init wrote through the link");
    w.assert_outside_untouched();
}

#[test]
fn templates_dump_follows_no_link_under_its_directory() {
    let w = world();
    fs::create_dir(w.p("overlay")).unwrap();
    symlink(&w.outside, w.p("overlay/workflows")).unwrap();
    symlink(w.outside.join("new.j2"), w.p("overlay/TOPOLOGY.md.j2")).unwrap();
    let o = w.run(&["templates", "--dump", "overlay"]);
    assert_exit(&o, 2);
    assert_contains(err(&o), "`overlay/workflows` is a symbolic link");
    assert!(!w.outside.join("new.j2").exists());
    w.assert_outside_untouched();
    // the dump directory itself a link: refused too
    let w = world();
    symlink(&w.outside, w.p("overlay")).unwrap();
    let o = w.run(&["templates", "--dump", "overlay"]);
    assert_exit(&o, 2);
    assert_contains(err(&o), "`overlay` is a symbolic link");
    w.assert_outside_untouched();
}

/// Puts something hostile into a project.
type Plant = dyn Fn(&World);

#[test]
fn a_template_overlay_with_links_loops_or_fifos_is_refused() {
    let cases: [(&str, &Plant); 4] = [
        ("link out", &|w| {
            fs::create_dir_all(w.p("overlay")).unwrap();
            symlink(
                w.outside.join("ssh/id_ed25519"),
                w.p("overlay/TOPOLOGY.md.j2"),
            )
            .unwrap();
        }),
        ("loop", &|w| {
            fs::create_dir_all(w.p("overlay/pins")).unwrap();
            symlink("..", w.p("overlay/pins/loop")).unwrap();
        }),
        ("dir link", &|w| {
            fs::create_dir_all(w.p("overlay")).unwrap();
            symlink(&w.outside, w.p("overlay/workflows")).unwrap();
        }),
        ("fifo", &|w| {
            fs::create_dir_all(w.p("overlay/pins")).unwrap();
            mkfifo(&w.p("overlay/pins/version.j2"));
        }),
    ];
    for (what, plant) in cases {
        let w = world();
        plant(&w);
        for cmd in ["build", "check"] {
            let o = w.run(&[cmd, "--templates", "overlay"]);
            assert_eq!(o.status.code(), Some(2), "{what} {cmd}: {}", both(&o));
            assert!(
                err(&o).contains("template overlay") || err(&o).contains("replaces no built-in"),
                "{what} {cmd}: {}",
                err(&o)
            );
            assert!(!both(&o).contains("sentinel"), "{what}: {}", both(&o));
        }
        assert!(!w.p("generated").exists(), "{what}: a build happened");
        w.assert_outside_untouched();
    }
}

// --------------------------------------------- class 5: two directories, one transaction

fn with_workflows(dir: &str) -> String {
    let bundled = "output dir=generated workflows=\".github/workflows\"";
    assert!(CLUSTER.contains(bundled));
    CLUSTER.replace(bundled, &format!("output workflows=\"{dir}\""))
}

/// A world whose cluster.kdl puts the workflows in `.github/workflows`, which
/// holds the hand-written `files` (name, text) already.
fn world_with_workflows(files: &[(&str, &str)]) -> World {
    let w = world();
    fs::write(w.p("cluster.kdl"), with_workflows(".github/workflows")).unwrap();
    for (name, text) in files {
        let p = w.p(&format!(".github/workflows/{name}"));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    w
}

#[test]
fn a_missing_github_parent_is_created() {
    let w = world_with_workflows(&[]);
    let o = w.run(&["build"]);
    assert_exit(&o, 0);
    assert!(w.p(".github/workflows/deploy-cluster.yml").is_file());
    assert_eq!(w.run(&["check", "--no-cache"]).status.code(), Some(0));
}

#[test]
fn when_the_workflows_directory_fails_neither_directory_changes() {
    // a first build: an unowned workflow in the way
    let w = world_with_workflows(&[("deploy-cluster.yml", "mine\n")]);
    let o = w.run(&["build"]);
    assert_exit(&o, 2);
    assert_contains(err(&o), "was not written by topogen");
    let words = err(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("nothing was changed"), "{}", err(&o));
    assert!(
        !w.p("generated").exists(),
        "generated/ was swapped in alone"
    );
    assert_eq!(
        fs::read_to_string(w.p(".github/workflows/deploy-cluster.yml")).unwrap(),
        "mine\n"
    );

    // a rebuild: generated/ would change, the workflows directory cannot
    let w = world_with_workflows(&[]);
    let w = w.built();
    let edited = with_workflows(".github/workflows").replacen(
        "count=3 range=kafka",
        "count=5 range=kafka",
        1,
    );
    fs::write(
        w.p("cluster.kdl"),
        edited.replacen("port=\"30001-30004\"", "port=\"30001-30006\"", 1),
    )
    .unwrap();
    let wf = w.p(".github/workflows");
    let manifest = fs::read_to_string(wf.join(".topogen-manifest")).unwrap();
    fs::write(
        wf.join(".topogen-manifest"),
        manifest.replace("deploy-cluster.yml\n", ""),
    )
    .unwrap();
    fs::write(wf.join("deploy-cluster.yml"), "mine\n").unwrap();
    let (gen_before, wf_before) = (tree(&w.p("generated")), tree(&wf));
    let o = w.run(&["build"]);
    assert_exit(&o, 2);
    assert_eq!(tree(&w.p("generated")), gen_before, "generated/ changed");
    assert_eq!(tree(&wf), wf_before, "the workflows directory changed");

    // the workflows parent cannot be created: nothing is created at all
    let w = world();
    fs::write(w.p("cluster.kdl"), with_workflows("ci/flows/workflows")).unwrap();
    fs::write(w.p("ci"), "a file where a directory should be\n").unwrap();
    let o = w.run(&["build"]);
    assert_exit(&o, 2);
    assert_contains(err(&o), "`ci` is not a directory");
    assert!(!w.p("generated").exists());
}

#[test]
fn overlapping_output_directories_and_git_are_refused() {
    for (kdl, what) in [
        ("output dir=\"out\" workflows=\"out\"", "out"),
        ("output dir=\"out\" workflows=\"out/wf\"", "out"),
        ("output dir=\".git\"", ".git"),
        ("output dir=\"sub/.git\"", ".git"),
    ] {
        let w = world();
        fs::create_dir_all(w.p(".git/objects")).unwrap();
        fs::write(w.p(".git/objects/pack"), "git's\n").unwrap();
        fs::write(
            w.p("cluster.kdl"),
            CLUSTER.replace("output dir=generated workflows=\".github/workflows\"", kdl),
        )
        .unwrap();
        let o = w.run(&["build"]);
        // rejected by validation (exit 1) or, whatever the value, at write time (exit 2)
        assert!(
            matches!(o.status.code(), Some(1 | 2)),
            "{kdl}: {}",
            both(&o)
        );
        assert!(err(&o).contains(what), "{kdl}: {}", err(&o));
        assert!(!w.p("out").exists(), "{kdl}");
        assert_eq!(
            fs::read_to_string(w.p(".git/objects/pack")).unwrap(),
            "git's\n"
        );
        assert_eq!(
            fs::read_dir(w.p(".git")).unwrap().count(),
            1,
            "{kdl}: .git changed"
        );
    }
}

#[test]
fn the_library_refuses_overlapping_directories_at_write_time() {
    use topogen::output::{Destination, OutputError, Target, build_all};
    let tmp = tempfile::tempdir().unwrap();
    let mut plan = topogen::emit::Plan::default();
    plan.files.insert("a.txt".into(), "a\n".into());
    for (a, b) in [("out", "out"), ("out", "out/wf"), ("x/y", "x")] {
        let (ta, tb) = (
            Target::beneath(tmp.path(), a),
            Target::beneath(tmp.path(), b),
        );
        let dests = [
            Destination {
                target: &ta,
                plan: &plan,
                written: None,
            },
            Destination {
                target: &tb,
                plan: &plan,
                written: None,
            },
        ];
        let r = build_all(&dests, false);
        assert!(
            matches!(r, Err(OutputError::Overlap { .. })),
            "{a} {b}: {r:?}"
        );
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "{a} {b}: created"
        );
    }
    for dir in [".git", "a/.git", "..", "a/../b"] {
        let t = Target::beneath(tmp.path(), dir);
        let r = build_all(
            &[Destination {
                target: &t,
                plan: &plan,
                written: None,
            }],
            false,
        );
        assert!(
            matches!(r, Err(OutputError::UnsafePath { .. })),
            "{dir}: {r:?}"
        );
    }
}

// ------------------------------------------------------------ class 7: state that lies

#[test]
fn an_edited_manifest_is_rewritten_and_never_a_reason_to_delete() {
    let w = world().built();
    let m = w.p("generated/.topogen-manifest");
    let good = fs::read_to_string(&m).unwrap();
    fs::write(&m, format!("{good}# an appended comment\n")).unwrap();
    let o = w.run(&["build"]);
    assert_exit(&o, 0);
    assert_contains(out(&o), "updated .topogen-manifest");
    assert_eq!(fs::read_to_string(&m).unwrap(), good);
    assert_eq!(w.run(&["check"]).status.code(), Some(0));
    assert_eq!(w.run(&["check", "--no-cache"]).status.code(), Some(0));

    // a pull request lists an unrelated file as owned: it survives every build
    fs::write(w.p("generated/security.yml"), "on: push\n").unwrap();
    for text in [
        format!("{good}security.yml\n"),
        format!("{good}# hidden\nsecurity.yml\n"),
    ] {
        fs::write(&m, text).unwrap();
        let o = w.run(&["build"]);
        assert_exit(&o, 0);
        assert_eq!(
            fs::read_to_string(w.p("generated/security.yml")).unwrap(),
            "on: push\n"
        );
        assert_eq!(fs::read_to_string(&m).unwrap(), good);
    }
}

#[test]
fn an_edited_workflows_manifest_never_deletes_unrelated_workflows() {
    let w = world_with_workflows(&[("codeql.yml", "on: push\n")]);
    let w = w.built();
    let m = w.p(".github/workflows/.topogen-manifest");
    let good = fs::read_to_string(&m).unwrap();
    // listed in a well-formed manifest, sorted: still not topogen's by its record
    let mut lines: Vec<&str> = good.lines().skip(1).collect();
    lines.push("codeql.yml");
    lines.sort();
    fs::write(
        &m,
        format!("{}\n{}\n", good.lines().next().unwrap(), lines.join("\n")),
    )
    .unwrap();
    let o = w.run(&["build"]);
    assert_exit(&o, 0);
    assert_contains(out(&o), "kept codeql.yml");
    assert_eq!(
        fs::read_to_string(w.p(".github/workflows/codeql.yml")).unwrap(),
        "on: push\n"
    );
    assert_eq!(fs::read_to_string(&m).unwrap(), good);
}

/// The older cluster: one environment more, whose files the build record
/// shows topogen wrote.
fn with_qa() -> String {
    let prod = "    environment prod production=#true approval=\"production\" {";
    CLUSTER.replace(prod, &format!("    environment qa {{\n    }}\n{prod}"))
}

#[test]
fn an_owned_file_is_deleted_only_when_its_contents_are_what_topogen_wrote() {
    let w = world();
    fs::write(w.p("cluster.kdl"), with_qa()).unwrap();
    let w = w.built();
    let qa = w.p("generated/environments/qa.tfvars");
    fs::write(&qa, "# edited by hand after the build\n").unwrap();
    fs::write(w.p("cluster.kdl"), CLUSTER).unwrap();
    let o = w.run(&["build"]);
    assert_exit(&o, 0);
    assert_contains(out(&o), "removed cloud-init/qa/kafka.yaml");
    assert_contains(out(&o), "kept environments/qa.tfvars");
    assert!(!w.p("generated/cloud-init/qa").exists());
    assert_eq!(
        fs::read_to_string(&qa).unwrap(),
        "# edited by hand after the build\n"
    );
    // now unowned: no drift, and the next build leaves it alone
    assert_eq!(w.run(&["check", "--no-cache"]).status.code(), Some(0));
}

/// The build record of `generated/` (the workflows directory has its own).
fn record(w: &World) -> PathBuf {
    let dir = w.project.join("../records");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .filter(|p| fs::read_to_string(p).is_ok_and(|r| r.contains(" TOPOLOGY.md\n")))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.pop().unwrap()
}

#[test]
fn a_forged_record_anyone_else_could_write_does_not_hide_drift() {
    let w = world().built();
    let topology = w.p("generated/TOPOLOGY.md");
    let good = fs::read(&topology).unwrap();
    let mut edited = good.clone();
    edited.extend_from_slice(b"hand edit\n");
    fs::write(&topology, &edited).unwrap();
    let path = record(&w);
    let forged = fs::read_to_string(&path).unwrap().replace(
        &format!("{:032x} TOPOLOGY.md", topogen::cache::digest(&good)),
        &format!("{:032x} TOPOLOGY.md", topogen::cache::digest(&edited)),
    );
    // written by someone else on a shared runner: group- or world-writable
    for mode in [0o664, 0o646] {
        fs::write(&path, &forged).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        let o = w.run(&["check"]);
        assert_eq!(o.status.code(), Some(1), "mode {mode:o}: {}", both(&o));
        assert_contains(out(&o), "-hand edit");
    }
    // a link to a record elsewhere
    let elsewhere = w.outside.join("record");
    fs::write(&elsewhere, &forged).unwrap();
    fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o600)).unwrap();
    fs::remove_file(&path).unwrap();
    symlink(&elsewhere, &path).unwrap();
    assert_eq!(w.run(&["check"]).status.code(), Some(1));
    // owned by another user (only root can make one)
    if rustix::process::geteuid().is_root() {
        fs::remove_file(&path).unwrap();
        fs::write(&path, &forged).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        assert_eq!(w.run(&["check"]).status.code(), Some(1));
    }
}

#[test]
fn the_generated_drift_workflow_never_trusts_a_build_record() {
    let w = world().built();
    let wf = fs::read_to_string(w.p(".github/workflows/topogen-drift-check.yml")).unwrap();
    let runs: Vec<&str> = wf
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("topogen check"))
        .collect();
    assert!(!runs.is_empty(), "{wf}");
    for l in runs {
        assert!(l.contains("--no-cache"), "{l}");
    }
}

#[path = "support/assert.rs"]
mod assert;
use assert::assert_contains;

#[path = "support/tree.rs"]
mod tree;
