//! Fingerprints the sources the rendered output depends on (the Rust code,
//! the built-in templates and the locked dependencies) as `TOPOGEN_ENGINE`.
//! The local build cache (`src/cache.rs`) keys its records with it, so that
//! a topogen built from other sources never trusts a record this one wrote.

use std::path::{Path, PathBuf};

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
}
