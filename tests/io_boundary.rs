//! ARCHITECTURE.md: "Only `output.rs`, `cache.rs` and `app.rs` (with
//! `app/`) do I/O, and every path inside the repository goes through
//! `fsutil.rs`". This test reads every module of `src/` (without its
//! `#[cfg(test)]` part) and fails on a file-system, standard-input or
//! working-directory call outside those modules, and on a use of `fsutil`
//! outside them.

use std::path::{Path, PathBuf};

/// The modules that may do I/O: the commands (`app.rs`, `app/*.rs`), the
/// output tree, the build record, and `fsutil.rs` itself.
const ALLOWED: &[&str] = &["app.rs", "app/", "output.rs", "cache.rs", "fsutil.rs"];

/// What a module that does I/O writes.
const IO: &[&str] = &[
    "std::fs",
    "fs::",
    "File::",
    "OpenOptions",
    "read_to_string",
    "read_dir",
    "stdin()",
    "current_dir",
    "set_current_dir",
    "rustix::fs",
    "fsutil::",
    "crate::fsutil",
    "include_str!(\"/",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// A module's text without its unit tests: everything from the first
/// `#[cfg(test)]` on (topogen keeps tests at the end of a file).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// Every `(file, line, what)` of `src/` that does I/O outside [`ALLOWED`].
fn violations(root: &Path) -> Vec<(String, usize, &'static str)> {
    let mut files = Vec::new();
    sources(root, &mut files);
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED
            .iter()
            .any(|a| rel == *a || (a.ends_with('/') && rel.starts_with(a)))
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in without_tests(&text).lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for needle in IO {
                if code.contains(needle) {
                    found.push((rel.clone(), n + 1, *needle));
                }
            }
        }
    }
    found
}

#[test]
fn only_the_io_layer_touches_the_disk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&root);
    assert!(
        found.is_empty(),
        "I/O outside app, output, cache and fsutil (ARCHITECTURE.md):\n{}",
        found
            .iter()
            .map(|(f, n, what)| format!("  src/{f}:{n}: `{what}`"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The scan finds what it looks for: a module outside the I/O layer that
/// reads a file is reported, one inside it is not, and neither are tests.
#[test]
fn the_scan_finds_io_where_it_is_not_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("emit")).unwrap();
    std::fs::create_dir_all(src.join("app")).unwrap();
    std::fs::write(
        src.join("emit/overlay.rs"),
        "fn f() { let _ = std::fs::read(\"x\"); }\n// std::fs in a comment\n",
    )
    .unwrap();
    std::fs::write(
        src.join("run.rs"),
        "use crate::fsutil::open_regular;\n#[cfg(test)]\nmod tests { fn t() { std::fs::read(\"x\"); } }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("app/input.rs"),
        "fn f() { std::fs::read(\"x\"); }\n",
    )
    .unwrap();
    std::fs::write(src.join("output.rs"), "fn f() { std::fs::read(\"x\"); }\n").unwrap();
    let found = violations(src);
    assert_eq!(
        found,
        vec![
            ("emit/overlay.rs".to_owned(), 1, "std::fs"),
            ("emit/overlay.rs".to_owned(), 1, "fs::"),
            ("run.rs".to_owned(), 1, "fsutil::"),
            ("run.rs".to_owned(), 1, "crate::fsutil"),
        ]
    );
}
