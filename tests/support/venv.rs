//! The conformance suite's virtualenv (installed by
//! `../shared/conformance/install.sh`), and PyYAML from it: a YAML 1.1
//! reader, as GitHub and most Python and Go tooling read YAML, each file
//! parsed into JSON that keeps every scalar's type.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A program of the conformance suite's virtualenv, if installed.
pub(crate) fn tool(name: &str) -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let p = cache.join("topogen-conformance/venv/bin").join(name);
    p.exists().then_some(p)
}

/// The conformance venv's python (with PyYAML), if installed.
pub(crate) fn python() -> Option<PathBuf> {
    tool("python")
}

/// Every document of a file: strings as JSON strings, lists as arrays,
/// mappings as `{"!map": [[key, value], …]}` and any other scalar as
/// `{"!type": repr}` (`{"!bool": "True"}`, `{"!date": …}`).
const LOAD: &str = r#"
import json, sys, yaml
def conv(x):
    if isinstance(x, str): return x
    if isinstance(x, dict): return {"!map": [[conv(k), conv(v)] for k, v in x.items()]}
    if isinstance(x, list): return [conv(v) for v in x]
    return {"!" + type(x).__name__: repr(x)}
for p in sys.argv[1:]:
    try:
        docs = list(yaml.load_all(open(p, encoding="utf-8"), Loader=yaml.CSafeLoader))
        print(json.dumps({"ok": [conv(d) for d in docs]}))
    except Exception as e:
        print(json.dumps({"err": str(e).replace("\n", " ")}))
"#;

/// Parses every text with PyYAML in one process: name → its documents, or
/// PyYAML's error.
pub(crate) fn load_all(
    python: &Path,
    texts: &BTreeMap<String, String>,
) -> BTreeMap<String, Result<serde_json::Value, String>> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, text) in texts.values().enumerate() {
        let p = dir.path().join(format!("{i}.yaml"));
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let mut out = BTreeMap::new();
    let names: Vec<&String> = texts.keys().collect();
    // a few hundred files per process keep the command line short
    for (chunk, chunk_names) in paths.chunks(200).zip(names.chunks(200)) {
        let o = Command::new(python)
            .args(["-c", LOAD])
            .args(chunk)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "PyYAML: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let lines: Vec<&str> = std::str::from_utf8(&o.stdout).unwrap().lines().collect();
        assert_eq!(lines.len(), chunk.len());
        for (name, line) in chunk_names.iter().zip(lines) {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            let r = match v.get_mut("ok") {
                Some(docs) => Ok(docs.take()),
                None => Err(v["err"].as_str().unwrap_or_default().to_owned()),
            };
            out.insert((*name).clone(), r);
        }
    }
    out
}

/// `have` has `want`'s structure and scalar types, each string of `have`
/// matching its counterpart by `same_text`.
pub(crate) fn same(
    want: &serde_json::Value,
    have: &serde_json::Value,
    same_text: &dyn Fn(&str, &str) -> bool,
) -> bool {
    use serde_json::Value as V;
    match (want, have) {
        (V::String(w), V::String(h)) => same_text(w, h),
        (V::Array(w), V::Array(h)) => {
            w.len() == h.len() && w.iter().zip(h).all(|(a, b)| same(a, b, same_text))
        }
        (V::Object(w), V::Object(h)) => {
            w.len() == h.len()
                && w.iter()
                    .zip(h)
                    .all(|((wk, wv), (hk, hv))| wk == hk && same(wv, hv, same_text))
        }
        (w, h) => w == h,
    }
}
