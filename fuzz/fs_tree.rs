//! One file-system fuzz case, shared by the cargo-fuzz target
//! `fuzz_targets/tree.rs` and the stable proptest fuzzer `tests/fs_fuzz.rs`.
//!
//! A project is built (the repository's cluster.kdl, with the workflows in
//! a second output directory) and recorded; then the input, read as a list
//! of operations, turns its file-system state hostile: links (out of the
//! repository, to `/dev/zero`, dangling, looping, in place of a directory or
//! of a whole output directory), FIFOs, directories where files were, edits
//! to files, to the manifests and to the build record, planted staging and
//! backup names. Then `check`, the record and `build` run through the
//! library, and whatever they do:
//!
//! - nothing panics or hangs;
//! - nothing outside the project is read into an output, changed or
//!   printed (a private key sits beside it);
//! - the record never vouches for a tree `check` finds drift in;
//! - a build that succeeds leaves both directories exactly as planned (a
//!   clean `check`) and a file topogen does not own unchanged; a build that
//!   fails changes neither directory.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use topogen::cache::{Key, Store};
use topogen::emit::Plan;
use topogen::output::{Destination, Drift, Target};

#[path = "../tests/support/tree.rs"]
mod tree;
use tree::tree;

const SECRET: &str = "sentinel-private-key-9c41";
const CLUSTER: &str = include_str!("../cluster.kdl");
const UNOWNED: &str = "NOTES.md";
/// The two output directories: the main one and the workflows'.
const OUTPUTS: [&str; 2] = ["generated", ".github/workflows"];

/// The two plans (main, workflows) of the repository's cluster.kdl.
fn plans() -> &'static (Plan, Plan) {
    static P: OnceLock<(Plan, Plan)> = OnceLock::new();
    P.get_or_init(|| {
        let compiled = topogen::compile(topogen::source::Source::new("cluster.kdl", CLUSTER));
        let project = compiled
            .project
            .expect("the repository's cluster.kdl compiles");
        let templates = topogen::emit::Templates::new(None).expect("built-in templates");
        let plan = topogen::emit::plan(&project, &templates).expect("it renders");
        plan.split()
    })
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        // links and FIFOs are removed, never followed
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Scratch {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "topogen-fs-fuzz-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch directory");
    Scratch(dir)
}

/// Replaces whatever is at `p` (not following it) with nothing.
fn clear(p: &Path) {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = fs::remove_file(p);
        }
        Err(_) => {}
    }
}

/// The contents of `p` when it is a regular file (never a link to
/// `/dev/zero` or a FIFO: the harness must not hang either).
fn read_regular(p: &Path) -> Option<Vec<u8>> {
    fs::symlink_metadata(p).ok().filter(|m| m.is_file())?;
    fs::read(p).ok()
}

fn mkfifo(p: &Path) {
    let _ = rustix::fs::mknodat(
        rustix::fs::CWD,
        p,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    );
}

/// Runs one case: `data` is read three bytes at a time as (operation,
/// which path, argument).
pub(crate) fn run(data: &[u8]) {
    let (main_plan, wf_plan) = plans();
    let s = scratch();
    let project = s.0.join("project");
    let outside = s.0.join("outside");
    let records = s.0.join("records");
    fs::create_dir_all(outside.join("ssh")).expect("outside");
    fs::write(outside.join("ssh/id_ed25519"), SECRET).expect("secret");
    fs::create_dir_all(&project).expect("project");
    let gen_t = Target::beneath(&project, "generated");
    let wf_t = Target::beneath(&project, ".github/workflows");
    let store = Store::at(&records);
    let key = Key::new(CLUSTER, []);
    let first = [
        Destination {
            target: &gen_t,
            plan: main_plan,
            written: None,
        },
        Destination {
            target: &wf_t,
            plan: wf_plan,
            written: None,
        },
    ];
    topogen::output::build_all(&first, false).expect("the first build");
    store.record_plan(gen_t.path(), key, main_plan);
    store.record_plan(wf_t.path(), key, wf_plan);
    fs::write(project.join("generated").join(UNOWNED), "hand-written\n").expect("unowned");

    // the paths an operation can pick: every file and directory of the project
    let all: Vec<String> = tree(&project).into_keys().collect();
    let record_of = |t: &Target| {
        fs::read_dir(&records)
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                read_regular(p).is_some_and(|r| {
                    String::from_utf8_lossy(&r)
                        .lines()
                        .nth(1)
                        .is_some_and(|l| l.ends_with(&*t.path().to_string_lossy()))
                })
            })
    };
    for op in data.chunks(3).take(24) {
        let (kind, which, arg) = (op[0], *op.get(1).unwrap_or(&0), *op.get(2).unwrap_or(&0));
        let rel = all[which as usize % all.len()]
            .trim_end_matches('/')
            .to_owned();
        let p = project.join(&rel);
        match kind % 16 {
            0..=4 => {
                // out of the repository, to a device, dangling, looping, to a directory
                let target: PathBuf = match kind % 16 {
                    0 => outside.join("ssh/id_ed25519"),
                    1 => "/dev/zero".into(),
                    2 => "nowhere/at/all".into(),
                    3 => p.file_name().unwrap_or_default().into(),
                    _ => outside.join("ssh"),
                };
                clear(&p);
                let _ = symlink(target, &p);
            }
            5 => {
                clear(&p);
                mkfifo(&p);
            }
            6 => {
                clear(&p);
                let _ = fs::create_dir_all(p.join("x"));
            }
            7 => {
                if let Some(mut b) = read_regular(&p) {
                    b.push(arg);
                    let _ = fs::write(&p, b);
                }
            }
            8 | 9 => {
                let m = project
                    .join(OUTPUTS[usize::from(kind % 16 == 9)])
                    .join(".topogen-manifest");
                let line = match arg % 6 {
                    0 => "# a comment".to_owned(),
                    1 => UNOWNED.to_owned(),
                    2 => "../../outside/victim".to_owned(),
                    3 => String::new(),
                    4 => rel.clone(),
                    _ => "zzz/unrelated.yml".to_owned(),
                };
                if let Some(mut t) =
                    read_regular(&m).map(|b| String::from_utf8_lossy(&b).into_owned())
                {
                    t.push_str(&line);
                    t.push('\n');
                    let _ = fs::write(&m, t);
                }
            }
            10 => {
                let _ = fs::remove_file(&p);
            }
            11 => {
                let names = [".generated.topogen-staging-7", ".generated.topogen-old-7"];
                let at = project.join(names[usize::from(arg % 2)]);
                clear(&at);
                match arg % 3 {
                    0 => drop(symlink(&outside, &at)),
                    1 => drop(fs::create_dir_all(at.join("k8s"))),
                    _ => drop(fs::write(&at, "x")),
                }
            }
            12 | 13 => {
                // the record as someone else could leave it
                let t = if kind % 16 == 12 { &gen_t } else { &wf_t };
                if let Some(r) = record_of(t) {
                    match arg % 3 {
                        0 => drop(fs::set_permissions(&r, fs::Permissions::from_mode(0o666))),
                        1 => {
                            let text = read_regular(&r).unwrap_or_default();
                            let _ = fs::write(&r, &text[..text.len() / 2]);
                        }
                        _ => {
                            clear(&r);
                            let _ = symlink("/dev/zero", &r);
                        }
                    }
                }
            }
            14 => {
                let at = project.join(OUTPUTS[usize::from(arg % 2)]);
                clear(&at);
                let _ = symlink(outside.join("ssh"), &at);
            }
            _ => {
                let at = project.join(".github");
                clear(&at);
                let _ = fs::write(&at, "a file where a directory should be\n");
            }
        }
    }

    let outside_before = tree(&outside);
    let unowned_before = read_regular(&project.join("generated").join(UNOWNED));

    let drift_of = |t: &Target, plan: &Plan| {
        let drift = topogen::output::check_target(plan, t);
        for d in &drift {
            let text = match d {
                Drift::Missing(p) | Drift::Extra(p) => p.clone(),
                Drift::Changed(p, diff) => format!("{p}{diff}"),
                Drift::Unreadable(p, why) => format!("{p}{why}"),
            };
            assert!(!text.contains(SECRET), "check printed the secret: {text}");
        }
        drift
    };
    for (t, plan) in [(&gen_t, main_plan), (&wf_t, wf_plan)] {
        let drift = drift_of(t, plan);
        if store.verify(t, key).is_some() {
            assert!(drift.is_empty(), "the record vouches for drift: {drift:?}");
        }
    }

    let before = (
        tree(&project.join("generated")),
        tree(&project.join(".github")),
    );
    let written = [store.written(gen_t.path()), store.written(wf_t.path())];
    let dests = [
        Destination {
            target: &gen_t,
            plan: main_plan,
            written: written[0].as_ref(),
        },
        Destination {
            target: &wf_t,
            plan: wf_plan,
            written: written[1].as_ref(),
        },
    ];
    let result = topogen::output::build_all(&dests, false);
    assert_eq!(
        tree(&outside),
        outside_before,
        "outside the project changed"
    );
    match result {
        Ok(_) => {
            for (t, plan) in [(&gen_t, main_plan), (&wf_t, wf_plan)] {
                let drift = drift_of(t, plan);
                assert!(drift.is_empty(), "a successful build left drift: {drift:?}");
            }
            if let Some(b) = unowned_before {
                let now = read_regular(&project.join("generated").join(UNOWNED));
                assert_eq!(now, Some(b), "a file topogen does not own changed");
            }
            for (rel, bytes) in tree(&project) {
                assert!(
                    bytes.starts_with(b"-> ") || !String::from_utf8_lossy(&bytes).contains(SECRET),
                    "the secret was copied into the project at {rel}"
                );
            }
        }
        Err(_) => {
            let after = (
                tree(&project.join("generated")),
                tree(&project.join(".github")),
            );
            assert_eq!(after, before, "a failed build changed an output directory");
        }
    }
}
