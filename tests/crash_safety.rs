//! Crash safety of `topogen build`, on the real binary in temp dirs.
//!
//! Every interrupted build — at each fault point of the write phase
//! (`TOPOGEN_FAULT_AT`) or by SIGKILL at a random moment — leaves
//! `generated/` exactly the old tree or exactly the new tree, and the next
//! build recovers (correct tree, no staging leftovers). Failing environments
//! (read-only, missing parent, a file in the way, a full disk, a concurrent
//! build) give a clear error with exit 2 and lose nothing; files topogen does
//! not own are carried over and never overwritten.

// the fault points abort only in a binary built with this feature; the self
// dev-dependency in Cargo.toml turns it on for `cargo test`
#[cfg(not(feature = "fault-injection"))]
compile_error!("tests/crash_safety.rs needs topogen's `fault-injection` feature");

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tree::tree;

const BIN: &str = env!("CARGO_BIN_EXE_topogen");
const CLUSTER: &str = include_str!("../cluster.kdl");

fn names(m: &BTreeMap<String, Vec<u8>>) -> Vec<&str> {
    m.keys().map(String::as_str).collect()
}

/// Staging or moved-aside directories an interrupted build leaves beside `generated/`.
fn leftovers(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("topogen-staging") || n.contains("topogen-old"))
        .collect()
}

fn topogen(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .args(args)
        .env_remove("TOPOGEN_FAULT_AT")
        .env("TOPOGEN_CACHE_DIR", records(dir));
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::null()).output().expect("run topogen")
}

/// Build records stay inside the scratch project (beside generated/, which
/// is the tree the assertions compare).
fn records(dir: &Path) -> PathBuf {
    dir.join(".records")
}

fn build(dir: &Path, env: &[(&str, &str)]) -> Output {
    topogen(dir, &["build", "--color", "never"], env)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A project with an "old" generated/ tree (a build of an older cluster.kdl,
/// whose owned files for one more environment the build record shows
/// topogen wrote, one owned file with stale contents, and hand-written files
/// topogen does not own) and the tree a build must produce from it.
struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    old: BTreeMap<String, Vec<u8>>,
    new: BTreeMap<String, Vec<u8>>,
}

fn unowned(g_out: &Path) {
    fs::write(g_out.join("NOTES.md"), "hand-written, not topogen's\n").unwrap();
    fs::create_dir_all(g_out.join("hand/deeper")).unwrap();
    fs::write(g_out.join("hand/deeper/keep.txt"), "keep me\n").unwrap();
    std::os::unix::fs::symlink("NOTES.md", g_out.join("notes-link")).unwrap();
}

/// The cluster with one environment more: its build owns files the current
/// cluster.kdl no longer produces.
fn older_cluster() -> String {
    let prod = "    environment prod production=#true approval=\"production\" {";
    assert!(CLUSTER.contains(prod));
    CLUSTER.replace(prod, &format!("    environment qa {{\n    }}\n{prod}"))
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("project");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("cluster.kdl"), CLUSTER).unwrap();
    let g_out = dir.join("generated");
    let o = build(&dir, &[]);
    assert!(o.status.success(), "first build failed: {}", stderr(&o));
    unowned(&g_out);
    let new = tree(&g_out);
    // age the tree: built from the older cluster.kdl, then a stale owned file
    fs::write(dir.join("cluster.kdl"), older_cluster()).unwrap();
    let o = build(&dir, &[]);
    assert!(o.status.success(), "older build failed: {}", stderr(&o));
    fs::write(dir.join("cluster.kdl"), CLUSTER).unwrap();
    assert!(
        tree(&g_out).keys().any(|k| k.starts_with("cloud-init/qa/")),
        "the older build owns files for `qa`"
    );
    let owned = new
        .keys()
        .find(|k| k.ends_with(".tfvars") || k.ends_with(".yaml"))
        .cloned();
    if let Some(k) = owned {
        fs::write(
            g_out.join(&k),
            "# stale contents from an older cluster.kdl\n",
        )
        .unwrap();
    }
    let old = tree(&g_out);
    assert_ne!(old, new);
    Fixture {
        _tmp: tmp,
        dir,
        old,
        new,
    }
}

impl Fixture {
    fn out(&self) -> PathBuf {
        self.dir.join("generated")
    }

    /// generated/ is exactly the old or exactly the new tree.
    fn assert_old_or_new(&self, what: &str) -> &'static str {
        let now = tree(&self.out());
        if now == self.old {
            "old"
        } else if now == self.new {
            "new"
        } else {
            let extra: Vec<_> = now
                .keys()
                .filter(|k| !self.old.contains_key(*k) && !self.new.contains_key(*k))
                .collect();
            panic!(
                "{what}: generated/ is neither the old nor the new tree\n  now: {:?}\n  extra: {extra:?}",
                names(&now)
            );
        }
    }

    /// The next build succeeds, produces the new tree and leaves nothing behind.
    fn assert_recovers(&self, what: &str) {
        let o = build(&self.dir, &[]);
        assert!(
            o.status.success(),
            "{what}: recovery build failed: {}",
            stderr(&o)
        );
        assert_eq!(
            tree(&self.out()),
            self.new,
            "{what}: recovery build produced the wrong tree"
        );
        assert_eq!(
            leftovers(&self.dir),
            Vec::<String>::new(),
            "{what}: leftovers after recovery"
        );
    }
}

#[test]
fn fault_at_every_point_leaves_old_or_new_and_recovers() {
    for point in ["staging", "staged", "swapped", "moved-aside"] {
        let f = fixture();
        let o = build(&f.dir, &[("TOPOGEN_FAULT_AT", point)]);
        // `moved-aside` is only reached where renameat2(RENAME_EXCHANGE) is unsupported
        let reached = !o.status.success();
        if reached {
            assert!(
                o.status.code().is_none(),
                "{point}: expected an abort, got {:?}",
                o.status
            );
        }
        let which = f.assert_old_or_new(point);
        match point {
            "staging" | "staged" => {
                assert_eq!(which, "old", "{point}: the swap happened too early")
            }
            "swapped" => assert_eq!(which, "new", "swapped: the exchange did not happen"),
            _ => {}
        }
        f.assert_recovers(point);
    }
}

/// The state the two-rename fallback leaves when killed between its renames:
/// no generated/, the old tree moved aside. The next build restores and rebuilds.
#[test]
fn interrupted_two_rename_swap_is_recovered() {
    let f = fixture();
    let aside = f.dir.join(".generated.topogen-old-999999");
    fs::rename(f.out(), &aside).unwrap();
    // and a stale staging dir from another interrupted build
    fs::create_dir_all(f.dir.join(".generated.topogen-staging-999998/partial")).unwrap();
    fs::write(
        f.dir
            .join(".generated.topogen-staging-999998/partial/x.yaml"),
        "half",
    )
    .unwrap();
    f.assert_recovers("moved-aside state");
}

/// A tiny deterministic PRNG (xorshift), so a failure names its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkill_at_random_moments_leaves_old_or_new_and_recovers() {
    let seed = std::env::var("TOPOGEN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = Rng(seed);
    // how long a whole build takes here, to spread the kills over it
    let f = fixture();
    let t = Instant::now();
    build(&f.dir, &[]);
    let full = t.elapsed().as_micros().max(2_000) as u64;
    let (mut old, mut new) = (0, 0);
    for i in 0..24 {
        let f = fixture();
        let delay = Duration::from_micros(rng.next() % (full * 3 / 2));
        let mut child = Command::new(BIN)
            .current_dir(&f.dir)
            .args(["build", "--color", "never"])
            .env_remove("TOPOGEN_FAULT_AT")
            .env("TOPOGEN_CACHE_DIR", records(&f.dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let what = format!("kill #{i} after {delay:?} (TOPOGEN_CRASH_SEED={seed})");
        match f.assert_old_or_new(&what) {
            "old" => old += 1,
            _ => new += 1,
        }
        f.assert_recovers(&what);
    }
    eprintln!("sigkill: {old} old, {new} new (seed {seed}, build takes ~{full}µs)");
}

/// `topogen build` in `dir` fails (exit 2), saying `says`.
fn assert_build_refused(dir: &Path, says: &str) {
    let o = build(dir, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(says), "no `{says}` in: {}", stderr(&o));
}

/// A second build while one holds the lock fails cleanly; parallel builds all
/// end with the right tree.
#[test]
fn concurrent_builds_are_serialised() {
    let f = fixture();
    // the build locks the directory that holds generated/ (no lock file)
    let lock = fs::File::open(&f.dir).unwrap();
    lock.try_lock().expect("take the build lock");
    assert_build_refused(&f.dir, "another `topogen build`");
    assert_eq!(tree(&f.out()), f.old, "a locked build changed generated/");
    drop(lock);

    let kids: Vec<_> = (0..4)
        .map(|_| {
            Command::new(BIN)
                .current_dir(&f.dir)
                .args(["build", "--color", "never"])
                .env("TOPOGEN_CACHE_DIR", records(&f.dir))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for k in kids {
        let o = k.wait_with_output().unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 2)),
            "parallel build: {:?} {}",
            o.status,
            stderr(&o)
        );
    }
    f.assert_recovers("parallel builds");
}

#[test]
fn unowned_files_are_kept_and_never_overwritten() {
    let f = fixture();
    f.assert_recovers("first");
    for k in ["NOTES.md", "hand/deeper/keep.txt", "notes-link"] {
        assert!(
            f.new.contains_key(k),
            "{k} was not carried into the new tree"
        );
    }
    // a hand-written file where topogen wants to write: refused, untouched
    let g_out = f.out();
    let planned = f
        .new
        .keys()
        .find(|k| k.ends_with(".yaml"))
        .expect("the plan has a YAML artifact")
        .clone();
    let mut manifest = fs::read_to_string(g_out.join(".topogen-manifest")).unwrap();
    manifest = manifest.replace(&format!("{planned}\n"), "");
    fs::write(g_out.join(".topogen-manifest"), manifest).unwrap();
    fs::write(g_out.join(&planned), "mine: true\n").unwrap();
    let before = tree(&g_out);
    assert_build_refused(&f.dir, "was not written by topogen");
    assert_eq!(tree(&g_out), before, "a refused build changed generated/");
    assert_eq!(leftovers(&f.dir), Vec::<String>::new());
}

#[test]
fn missing_parent_directory_is_a_clear_error() {
    let f = fixture();
    let out = f.dir.join("no/such/dir/generated");
    let o = topogen(
        &f.dir,
        &["build", "--color", "never", "--out", out.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!f.dir.join("no").exists(), "the build created directories");
    assert_eq!(tree(&f.out()), f.old);
}

#[test]
fn a_file_where_the_directory_should_be_is_a_clear_error() {
    let f = fixture();
    // generated/ itself is a file
    let out = f.dir.join("out-file");
    fs::write(&out, "i am a file\n").unwrap();
    let o = topogen(
        &f.dir,
        &["build", "--color", "never", "--out", "out-file"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&out).unwrap(), "i am a file\n");

    // an unowned file where the plan needs a directory (e.g. generated/k8s)
    let dir = f
        .new
        .keys()
        .find_map(|k| k.split_once('/').map(|(d, _)| d.to_owned()))
        .expect("the plan has a subdirectory");
    let g = tempfile::tempdir().unwrap();
    let dir2 = g.path().join("p");
    fs::create_dir(&dir2).unwrap();
    fs::write(dir2.join("cluster.kdl"), CLUSTER).unwrap();
    fs::create_dir(dir2.join("generated")).unwrap();
    fs::write(
        dir2.join("generated").join(&dir),
        "a file, not a directory\n",
    )
    .unwrap();
    let before = tree(&dir2.join("generated"));
    let o = build(&dir2, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        tree(&dir2.join("generated")),
        before,
        "lost or changed files"
    );
    assert_eq!(leftovers(&dir2), Vec::<String>::new());
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs `script` in a private mount namespace (`unshare -m`), where bind and
/// tmpfs mounts vanish with the process. `None` when namespaces are unavailable.
fn in_mount_ns(script: &str, envs: &[(&str, &str)]) -> Option<Output> {
    let probe = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=64k tmpfs \"${TMPDIR:-/tmp}\""])
        .stderr(Stdio::null())
        .status()
        .ok()?;
    if !probe.success() {
        return None;
    }
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c", script]);
    for (k, v) in envs {
        c.env(k, v);
    }
    Some(c.stdin(Stdio::null()).output().unwrap())
}

#[test]
fn read_only_output_gives_exit_2_and_loses_nothing() {
    let f = fixture();
    let project = f.dir.to_str().unwrap();
    let out = if is_root() {
        // root ignores permission bits: make the directory read-only by a
        // read-only bind mount in a private mount namespace instead
        let script = r#"mount --bind "$P" "$P" && mount -o remount,bind,ro "$P" && cd "$P" && "$BIN" build --color never"#;
        match in_mount_ns(script, &[("P", project), ("BIN", BIN)]) {
            Some(o) => o,
            None => {
                eprintln!(
                    "SKIP read-only output: running as root and mount namespaces are unavailable, so nothing can make a directory read-only"
                );
                return;
            }
        }
    } else {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&f.dir, fs::Permissions::from_mode(0o555)).unwrap();
        fs::set_permissions(f.out(), fs::Permissions::from_mode(0o555)).unwrap();
        let o = build(&f.dir, &[]);
        fs::set_permissions(&f.dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(f.out(), fs::Permissions::from_mode(0o755)).unwrap();
        o
    };
    assert_eq!(
        out.status.code(),
        Some(2),
        "read-only: {:?} {}",
        out.status,
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("topogen::io::"),
        "no clear error: {}",
        stderr(&out)
    );
    assert_eq!(tree(&f.out()), f.old, "read-only build changed generated/");
    assert_eq!(leftovers(&f.dir), Vec::<String>::new());
    f.assert_recovers("after read-only");
}

/// Full disk, simulated twice: RLIMIT_FSIZE (`ulimit -f`, with SIGXFSZ ignored
/// so writes fail with EFBIG) everywhere, and a tiny full tmpfs where mount
/// namespaces are available.
#[test]
fn full_disk_gives_exit_2_and_loses_nothing() {
    // RLIMIT_FSIZE: no file may grow past 1 KiB (manifest and artifacts are larger)
    let f = fixture();
    let o = Command::new("sh")
        .current_dir(&f.dir)
        .args([
            "-c",
            r#"trap '' XFSZ; ulimit -f 2; exec "$BIN" build --color never"#,
        ])
        .env("BIN", BIN)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "ulimit -f: {:?} {}",
        o.status,
        stderr(&o)
    );
    assert!(stderr(&o).contains("topogen::io::write"), "{}", stderr(&o));
    assert_eq!(tree(&f.out()), f.old, "a failed build changed generated/");
    assert_eq!(
        leftovers(&f.dir),
        Vec::<String>::new(),
        "staging left behind"
    );
    f.assert_recovers("after EFBIG");

    // a tmpfs that holds the old tree and little else
    let f = fixture();
    let snap = tempfile::tempdir().unwrap();
    let bytes: usize = f.old.values().map(Vec::len).sum();
    let script = r#"set -e
        mount -t tmpfs -o "size=$SIZE" tmpfs "$P"
        cp -a "$SRC/." "$P/"
        cd "$P"
        dd if=/dev/zero of=filler bs=4k 2>/dev/null || true
        set +e
        "$BIN" build --color never 2>"$SNAP/stderr"
        echo $? > "$SNAP/rc"
        rm -f filler
        cp -a "$P/." "$SNAP/tree/""#;
    let src = tempfile::tempdir().unwrap();
    let copy = Command::new("cp")
        .args([
            "-a",
            &format!("{}/.", f.dir.display()),
            src.path().to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(copy.success());
    fs::create_dir(snap.path().join("tree")).unwrap();
    let size = format!("{}k", (bytes / 1024) * 2 + 256);
    let Some(o) = in_mount_ns(
        script,
        &[
            ("P", f.dir.to_str().unwrap()),
            ("SRC", src.path().to_str().unwrap()),
            ("SNAP", snap.path().to_str().unwrap()),
            ("BIN", BIN),
            ("SIZE", &size),
        ],
    ) else {
        eprintln!(
            "SKIP full tmpfs: mount namespaces are unavailable (RLIMIT_FSIZE case above ran)"
        );
        return;
    };
    assert!(o.status.success(), "tmpfs script: {}", stderr(&o));
    let rc = fs::read_to_string(snap.path().join("rc")).unwrap();
    let err = fs::read_to_string(snap.path().join("stderr")).unwrap();
    assert_eq!(rc.trim(), "2", "full disk: {err}");
    assert!(err.contains("topogen::io::"), "{err}");
    let after = snap.path().join("tree");
    assert_eq!(
        tree(&after.join("generated")),
        f.old,
        "full disk changed generated/"
    );
    assert_eq!(
        leftovers(&after),
        Vec::<String>::new(),
        "staging left on the full disk"
    );
}

#[path = "support/tree.rs"]
mod tree;
