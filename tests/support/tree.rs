//! What a directory holds, for comparing trees before and after a command.
//! Shared by the tests and the file-system fuzz harness (`fuzz/fs_tree.rs`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Every entry under `dir`, relative path → bytes: a directory as `rel/`
/// with no bytes, a link as `-> target` (never followed), a special file as
/// `<special>`. A missing `dir` is an empty map; an entry that vanishes or
/// cannot be read while it is walked is left out or read as empty.
pub(crate) fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_symlink() {
                let t = fs::read_link(&p)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                out.insert(rel, format!("-> {t}").into_bytes());
            } else if ft.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                stack.push(p);
            } else if ft.is_file() {
                out.insert(rel, fs::read(&p).unwrap_or_default());
            } else {
                out.insert(rel, b"<special>".to_vec());
            }
        }
    }
    out
}
