//! Fingerprints the sources the rendered output depends on (the Rust code,
//! the built-in templates and the locked dependencies) as `TOPOGEN_ENGINE`.
//! The local build cache (`src/cache.rs`) keys its records with it, so that
//! a topogen built from other sources never trusts a record this one wrote.
//!
//! Also sets `TOPOGEN_GIT_REVISION`, the commit the binary was built from
//! (`4d090cf1a2b3 2026-12-02`), for `--version` only: `unknown revision`
//! outside a git checkout of topogen itself (never an enclosing repository's).

use std::path::{Path, PathBuf};
use std::process::Command;

/// `git ARGS` in the crate's directory: its trimmed standard output, if it succeeded.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_owned())
}

/// The commit of HEAD and its date, when this crate is the top of a git
/// work tree; cargo reruns the build script when HEAD or the branch moves.
fn revision() -> Option<String> {
    let here = std::env::current_dir().ok()?.canonicalize().ok()?;
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?)
        .canonicalize()
        .ok()?;
    if top != here {
        return None;
    }
    for what in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--path-format=absolute", "--git-path", what]) {
            println!("cargo::rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--path-format=absolute", "--git-path", &branch])
    {
        println!("cargo::rerun-if-changed={p}");
    }
    git(&["log", "-1", "--format=%h %cs", "--abbrev=12"])
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let mut paths = Vec::new();
    for dir in ["src", "templates"] {
        println!("cargo::rerun-if-changed={dir}");
        files(Path::new(dir), &mut paths);
    }
    for file in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo::rerun-if-changed={file}");
        paths.push(PathBuf::from(file));
    }
    paths.sort();
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in &paths {
        // path and length first, so that moving bytes between files changes the hash
        let bytes = std::fs::read(p).unwrap_or_default();
        let name = p.to_string_lossy().replace('\\', "/");
        h.update(name.as_bytes());
        h.update(&[0]);
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    println!("cargo::rustc-env=TOPOGEN_ENGINE={:032x}", h.digest128());
    let revision = revision().unwrap_or_else(|| "unknown revision".to_owned());
    println!("cargo::rustc-env=TOPOGEN_GIT_REVISION={revision}");
}
