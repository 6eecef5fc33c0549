//! The only stage that touches the disk: write a [`Plan`] atomically
//! (`build`) or compare it with the disk (`check`).
//!
//! **Atomicity.** `build` writes the whole new tree into a staging directory
//! beside `generated/`, then swaps the two directories with one
//! `renameat2(RENAME_EXCHANGE)` system call: at every instant `generated/` is
//! exactly the old tree or exactly the new one. Where the kernel or file
//! system cannot exchange, two renames are used and the next run recovers
//! from an interruption between them. Leftover staging directories of an
//! interrupted build are removed by the next build. A lock on the parent
//! directory serialises concurrent builds.
//!
//! **Durability** is opt-in (`build --sync`): by default nothing is flushed
//! to disk, like cargo's `target/` or a `git checkout`. Every process sees
//! the old or the new tree whatever happens to the build; only a power cut
//! or kernel crash right after a build could leave the swapped-in tree with
//! files the disk never received, and `check` reports those and `build`
//! rewrites them from `cluster.kdl`. The flush waits for the disk (and
//! `syncfs` for every dirty file of the file system, other programs'
//! included): 5 ms of a 14 ms 1,000-node build on the development VM, and
//! unbounded on a busy machine — too much to pay by default in a pre-commit
//! hook, for files that can always be rebuilt (issue 6).
//!
//! **Ownership.** The manifest `generated/.topogen-manifest` lists the files
//! topogen owns. A build removes owned files it no longer produces, refuses
//! to overwrite a file it does not own, and carries every file it does not
//! own into the new tree unchanged.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::emit::Plan;

/// Name of the manifest inside the output directory.
pub const MANIFEST: &str = ".topogen-manifest";
const STAGING: &str = ".topogen-staging-";
const OLD: &str = ".topogen-old-";

/// What a build did to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new file.
    Created(String),
    /// An owned file with new contents.
    Updated(String),
    /// An owned file that is no longer produced.
    Removed(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Created(p) => write!(f, "  created {p}"),
            Change::Updated(p) => write!(f, "  updated {p}"),
            Change::Removed(p) => write!(f, "  removed {p}"),
        }
    }
}

/// Why the output could not be written or read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum OutputError {
    /// An I/O operation failed.
    #[error("{action} `{path}`: {source}")]
    #[diagnostic(
        code(topogen::io::write),
        help("nothing in the output directory was changed; fix the cause and run the build again")
    )]
    Io {
        /// What topogen was doing.
        action: &'static str,
        /// Where.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another build holds the lock.
    #[error("another `topogen build` is writing `{path}`")]
    #[diagnostic(
        code(topogen::io::locked),
        help("wait for it to finish; if none is running, the lock is released automatically")
    )]
    Locked {
        /// The output directory.
        path: String,
    },
    /// A planned file exists but is not owned by topogen.
    #[error("`{path}` exists and was not written by topogen")]
    #[diagnostic(
        code(topogen::io::not_owned),
        help("topogen never overwrites a file it does not own: move it away, then build again")
    )]
    NotOwned {
        /// The file.
        path: String,
    },
    /// A planned path would leave the output directory (a bug: validation
    /// should have rejected the name it came from).
    #[error(
        "refusing to write `{path}`: the path leaves the output directory or has an empty component"
    )]
    #[diagnostic(
        code(topogen::io::unsafe_path),
        help(
            "nothing was written; a pool, environment or cluster name in cluster.kdl is probably empty or contains `/` or `..`"
        )
    )]
    UnsafePath {
        /// The planned path.
        path: String,
    },
    /// The output path is not a directory.
    #[error("`{path}` is not a directory")]
    #[diagnostic(
        code(topogen::io::not_a_directory),
        help("the output directory (`--out`) must be a directory or not exist yet")
    )]
    NotADirectory {
        /// The path.
        path: String,
    },
}

type Result<T, E = OutputError> = std::result::Result<T, E>;

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// A test-only fault-injection hook: when `TOPOGEN_FAULT_AT` names this
/// point, the process aborts here, as a crash or `kill -9` would.
fn fault(point: &str) {
    if std::env::var_os("TOPOGEN_FAULT_AT").is_some_and(|v| v == point) {
        std::process::abort();
    }
}

/// The manifest text for a plan: one owned path per line.
pub fn manifest(plan: &Plan) -> String {
    let mut s =
        String::from("# Files owned by topogen; regenerated by `topogen build`. Do not edit.\n");
    for p in plan.files.keys() {
        s.push_str(p);
        s.push('\n');
    }
    s
}

fn read_manifest(out: &Path) -> BTreeSet<String> {
    fs::read_to_string(out.join(MANIFEST))
        .map(|s| {
            s.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .filter(|l| safe_relative(l))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A manifest line or a plan's file path must stay inside the output
/// directory: the model's one rule for paths.
pub(crate) fn safe_relative(p: &str) -> bool {
    crate::model::path::check(p).is_ok()
}

/// Every file under `dir`, relative, sorted (symlinks are listed, not followed).
fn walk(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).map_err(io("cannot read directory", &d))? {
            let e = e.map_err(io("cannot read directory", &d))?;
            let p = e.path();
            let ft = e.file_type().map_err(io("cannot stat", &p))?;
            if ft.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, p);
            }
        }
    }
    Ok(out)
}

/// The files of the plan plus its manifest (the plan's texts borrowed, not
/// copied: 1.3 MB at 1,000 nodes).
pub(crate) fn with_manifest(plan: &Plan) -> BTreeMap<&str, std::borrow::Cow<'_, str>> {
    let mut files: BTreeMap<&str, std::borrow::Cow<'_, str>> = plan
        .files
        .iter()
        .map(|(rel, text)| (rel.as_str(), text.as_str().into()))
        .collect();
    files.insert(MANIFEST, manifest(plan).into());
    files
}

/// What `build` would change, without changing anything.
pub fn changes(plan: &Plan, out: &Path) -> Result<Vec<Change>> {
    Ok(changes_owned(plan, out, &read_manifest(out)))
}

/// [`changes`], given the files the manifest on disk lists.
fn changes_owned(plan: &Plan, out: &Path, owned: &BTreeSet<String>) -> Vec<Change> {
    if !out.is_dir() {
        // a first build: no file to open
        return plan.files.keys().cloned().map(Change::Created).collect();
    }
    let mut changes = Vec::new();
    for (path, contents) in &plan.files {
        match fs::read(out.join(path)) {
            Ok(old) if old == contents.as_bytes() => {}
            Ok(_) => changes.push(Change::Updated(path.clone())),
            Err(_) => changes.push(Change::Created(path.clone())),
        }
    }
    for path in owned {
        if !plan.files.contains_key(path) && out.join(path).exists() {
            changes.push(Change::Removed(path.clone()));
        }
    }
    changes
}

/// Holds the build lock until dropped.
struct Lock {
    _file: fs::File,
}

impl Lock {
    /// Locks the directory that holds `out` itself (an advisory `flock` on
    /// its descriptor): no lock file is left behind for users to commit.
    fn acquire(parent: &Path, out: &Path) -> Result<Self> {
        let file = fs::File::open(parent).map_err(io("cannot open for locking", parent))?;
        if !try_lock(&file) {
            return Err(OutputError::Locked {
                path: out.display().to_string(),
            });
        }
        Ok(Self { _file: file })
    }
}

fn try_lock(file: &fs::File) -> bool {
    file.try_lock().is_ok()
}

/// Writes `plan` into `out` atomically and returns what changed.
pub fn build(plan: &Plan, out: &Path) -> Result<Vec<Change>> {
    build_with(plan, out, false)
}

/// [`build`]; with `sync`, the new tree is flushed to disk before it is
/// swapped in and the swap itself after (see the module docs).
pub fn build_with(plan: &Plan, out: &Path, sync: bool) -> Result<Vec<Change>> {
    // defence in depth: no planned file may land outside `out`
    if let Some(bad) = plan.files.keys().find(|p| !safe_relative(p)) {
        return Err(OutputError::UnsafePath { path: bad.clone() });
    }
    if out.exists() && !out.is_dir() {
        return Err(OutputError::NotADirectory {
            path: out.display().to_string(),
        });
    }
    let parent = parent_of(out).to_path_buf();
    if !parent.is_dir() {
        return Err(OutputError::Io {
            action: "cannot write into",
            path: parent.display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the parent directory does not exist",
            ),
        });
    }
    let _lock = Lock::acquire(&parent, out)?;
    let base = base_of(out);
    recover(&parent, &base, out)?;
    let owned = read_manifest(out);
    let changes = changes_owned(plan, out, &owned);
    if changes.is_empty() {
        return Ok(changes);
    }
    let existing = if out.is_dir() {
        walk(out)?
    } else {
        BTreeMap::new()
    };
    for (rel, path) in &existing {
        if plan.files.contains_key(rel) && !owned.contains(rel) {
            let same = fs::read(path)
                .is_ok_and(|b| Some(b.as_slice()) == plan.files.get(rel).map(|s| s.as_bytes()));
            if !same {
                return Err(OutputError::NotOwned {
                    path: out.join(rel).display().to_string(),
                });
            }
        }
    }
    let staging = parent.join(format!(".{base}{STAGING}{}", std::process::id()));
    let result = stage(plan, &staging, &owned, &existing, sync)
        .and_then(|()| swap(&staging, out, &parent, &base, sync));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| changes)
}

fn stage(
    plan: &Plan,
    staging: &Path,
    owned: &BTreeSet<String>,
    existing: &BTreeMap<String, PathBuf>,
    sync: bool,
) -> Result<()> {
    let _ = fs::remove_dir_all(staging);
    fs::create_dir(staging).map_err(io("cannot create staging directory", staging))?;
    let mut written = 0usize;
    // each directory created once, not once per file in it
    let mut made = BTreeSet::new();
    for (rel, contents) in with_manifest(plan) {
        let path = staging.join(rel);
        if let Some(d) = path.parent()
            && d != staging
            && made.insert(d.to_path_buf())
        {
            fs::create_dir_all(d).map_err(io("cannot create directory", d))?;
        }
        write_file(&path, contents.as_bytes())?;
        written += 1;
        if written == 1 {
            fault("staging");
        }
    }
    // files topogen does not own travel into the new tree unchanged
    for (rel, path) in existing {
        if rel == MANIFEST || owned.contains(rel) || plan.files.contains_key(rel) {
            continue;
        }
        let dst = staging.join(rel);
        if let Some(d) = dst.parent() {
            fs::create_dir_all(d).map_err(io("cannot create directory", d))?;
        }
        let meta = fs::symlink_metadata(path).map_err(io("cannot stat", path))?;
        if meta.file_type().is_symlink() {
            let target = fs::read_link(path).map_err(io("cannot read link", path))?;
            std::os::unix::fs::symlink(target, &dst).map_err(io("cannot copy link", &dst))?;
        } else {
            fs::copy(path, &dst).map_err(io("cannot copy unowned file", path))?;
        }
    }
    if sync {
        sync_tree(staging)?;
    }
    fault("staged");
    Ok(())
}

/// Writes a new file; its directory exists.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = fs::File::create(path).map_err(io("cannot write", path))?;
    f.write_all(bytes).map_err(io("cannot write", path))?;
    Ok(())
}

/// Makes the staged tree durable before it is swapped in (`build --sync`):
/// every file's data and every directory entry.
///
/// On Linux, one `syncfs(2)` on the staging directory's file system. It was
/// one `fsync` per file, which cost ~3.5 ms each on the development VM's
/// disk (180 ms for the 52 files of a 1,000-node build, 130 ms for the
/// repository's 32); syncfs flushes the same data (and the subdirectories,
/// which were not synced before) in one call, ~15-20 ms there (issue 6).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn sync_tree(dir: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let d = fs::File::open(dir).map_err(io("cannot sync", dir))?;
    // SAFETY: `d` is an open file descriptor for the duration of the call;
    // syncfs reads no memory of this process.
    let rc = unsafe { libc::syncfs(d.as_raw_fd()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io("cannot sync", dir)(std::io::Error::last_os_error()))
    }
}

/// Elsewhere: `fsync` every file and directory of the staged tree.
#[cfg(not(target_os = "linux"))]
fn sync_tree(dir: &Path) -> Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).map_err(io("cannot read directory", &d))? {
            let p = e.map_err(io("cannot read directory", &d))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.is_symlink() {
                fs::File::open(&p)
                    .and_then(|f| f.sync_all())
                    .map_err(io("cannot sync", &p))?;
            }
        }
        sync_dir(&d);
    }
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Puts the staged tree in place of `out`.
fn swap(staging: &Path, out: &Path, parent: &Path, base: &str, sync: bool) -> Result<()> {
    // with `build --sync`, the rename itself is made durable too
    let flush_rename = || {
        if sync {
            sync_dir(parent);
        }
    };
    if !out.exists() {
        fs::rename(staging, out).map_err(io("cannot move the new tree into place at", out))?;
        flush_rename();
        return Ok(());
    }
    if exchange(staging, out).is_ok() {
        flush_rename();
        fault("swapped");
        // `staging` now holds the old tree
        let _ = fs::remove_dir_all(staging);
        return Ok(());
    }
    // no atomic exchange here: two renames, recovered by `recover` if interrupted
    let old = parent.join(format!(".{base}{OLD}{}", std::process::id()));
    fs::rename(out, &old).map_err(io("cannot move the old tree aside at", out))?;
    fault("moved-aside");
    if let Err(e) = fs::rename(staging, out) {
        let _ = fs::rename(&old, out);
        return Err(io("cannot move the new tree into place at", out)(e));
    }
    flush_rename();
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated C strings that outlive the
    // call; renameat2 reads them and touches no other memory of this process.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// The directory that holds `out`: where its staging directory and a
/// moved-aside old tree go.
fn parent_of(out: &Path) -> &Path {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The name `out`'s staging and moved-aside directories are derived from.
fn base_of(out: &Path) -> String {
    out.file_name()
        .map_or("generated".into(), |n| n.to_string_lossy().into_owned())
}

/// What an interrupted build of `base` can leave beside it.
enum Leftover {
    /// The previous tree, moved aside (`.<base>.topogen-old-<pid>`).
    Old,
    /// A half-written new tree (`.<base>.topogen-staging-<pid>`).
    Staging,
}

/// Whether the entry `name` in the parent is a leftover of `base`.
fn leftover(name: &str, base: &str) -> Option<Leftover> {
    let rest = name.strip_prefix('.')?.strip_prefix(base)?;
    if rest.starts_with(OLD) {
        Some(Leftover::Old)
    } else if rest.starts_with(STAGING) {
        Some(Leftover::Staging)
    } else {
        None
    }
}

/// True when an interrupted build left a staging directory or a moved-aside
/// tree beside `out`: only a real build ([`build`]) cleans that up.
pub fn interrupted(out: &Path) -> bool {
    let base = base_of(out);
    fs::read_dir(parent_of(out)).is_ok_and(|entries| {
        entries
            .filter_map(|e| e.ok())
            .any(|e| leftover(&e.file_name().to_string_lossy(), &base).is_some())
    })
}

/// Cleans up after an interrupted build: restores a tree moved aside, removes
/// staging directories.
fn recover(parent: &Path, base: &str, out: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    names.sort();
    for (name, path) in names {
        match leftover(&name, base) {
            Some(Leftover::Old) if out.exists() => {
                let _ = fs::remove_dir_all(&path);
            }
            Some(Leftover::Old) => fs::rename(&path, out)
                .map_err(io("cannot restore the previous tree from", &path))?,
            Some(Leftover::Staging) => {
                let _ = fs::remove_dir_all(&path);
            }
            None => {}
        }
    }
    Ok(())
}

/// One drifted file, as `check` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drift {
    /// Planned but not on disk.
    Missing(String),
    /// On disk with other contents: a unified diff from disk to plan.
    Changed(String, String),
    /// Owned by the manifest on disk but no longer produced.
    Extra(String),
}

/// Compares the plan with `out` and writes nothing.
pub fn check(plan: &Plan, out: &Path) -> Vec<Drift> {
    let mut drift = Vec::new();
    for (rel, want) in with_manifest(plan) {
        let path = out.join(rel);
        match fs::read(&path) {
            Err(_) => drift.push(Drift::Missing(rel.to_owned())),
            Ok(have) if have == want.as_bytes() => {}
            Ok(have) => {
                let have = String::from_utf8_lossy(&have);
                let diff = similar::TextDiff::from_lines(have.as_ref(), &*want)
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("a/{rel} (on disk)"),
                        &format!("b/{rel} (from cluster.kdl)"),
                    )
                    .to_string();
                drift.push(Drift::Changed(rel.to_owned(), diff));
            }
        }
    }
    for rel in read_manifest(out) {
        if !plan.files.contains_key(&rel) && out.join(&rel).exists() {
            drift.push(Drift::Extra(rel));
        }
    }
    drift
}
