//! The pipeline's layering holds (ARCHITECTURE.md): no module refers to a
//! module above it, so `model` never reaches into `check`, nor `check` into
//! `emit`. Every `crate::…` path in the non-test code of `src/` is checked
//! against the order below; modules of one layer may use each other.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The layers, lowest first.
const LAYERS: &[&[&str]] = &[
    &["source", "diag"],
    &["codes"],
    &["model"],
    &["check"],
    &["emit"],
    &["output", "cache", "fsutil"],
    &[
        "run", "report", "show", "plan", "format", "term", "errors", "app", "cli",
    ],
];

/// Known exceptions, each with its reason: `(file, module it uses)`.
const EXCEPTIONS: &[(&str, &str)] = &[];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a file of `src/` belongs to (`src/model/lower.rs` → `model`).
fn module_of(rel: &str) -> &str {
    let rest = rel.strip_prefix("src/").unwrap_or(rel);
    let first = rest.split('/').next().unwrap_or(rest);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The code of a file before its first `#[cfg(test)]`, comments removed.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        if line.starts_with("//") {
            continue;
        }
        // a `//` inside a string literal is rare in `use` paths; cutting there is safe
        let line = match line.find("// ") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Top-level modules named by `crate::x` and `crate::{x, y::z}` paths in `code`.
fn uses(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        if i > 0 {
            let before = code[..i].chars().next_back().unwrap_or(' ');
            if before.is_ascii_alphanumeric() || before == '_' || before == '$' {
                continue;
            }
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // top-level names of the group, skipping nested `{…}`
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start && depth == 0 => {
                        start = false;
                        let name = ident(&group[j..]);
                        if !name.is_empty() {
                            found.insert(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Every `(file, module used)` that goes up a layer.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for (rel, text) in files {
        let from = module_of(rel);
        if from == "lib" || from == "main" {
            continue;
        }
        let Some(own) = layer(from) else {
            bad.push(format!(
                "{rel}: module `{from}` is in no layer of tests/architecture.rs"
            ));
            continue;
        };
        for used in uses(&code(text)) {
            match layer(&used) {
                None => bad.push(format!("{rel}: `crate::{used}` is in no layer")),
                Some(l) if l > own && !EXCEPTIONS.contains(&(rel.as_str(), used.as_str())) => {
                    bad.push(format!("{rel}: `{from}` uses `{used}`, a layer above it"));
                }
                Some(_) => {}
            }
        }
    }
    bad
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p.strip_prefix(root).expect("under root");
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((rel, fs::read_to_string(&p).expect("read source")));
        }
    }
}

#[test]
fn no_module_uses_a_module_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), root, &mut files);
    assert!(files.len() > 50, "found {} files", files.len());
    let bad = violations(&files);
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

/// The modules `src/lib.rs` declares (`mod x;`, whatever its visibility).
fn declared_modules(lib: &str) -> BTreeSet<String> {
    code(lib)
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_suffix(';')?
                .split_once("mod ")
                .map(|(_, m)| m)
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_layers_are_exactly_the_crates_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = fs::read_to_string(root.join("src/lib.rs")).expect("read lib.rs");
    let declared = declared_modules(&lib);
    assert!(declared.len() > 10, "found {declared:?}");
    let layered: BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|l| l.iter().map(|m| (*m).to_owned()))
        .collect();
    let unlayered: Vec<_> = declared.difference(&layered).collect();
    let stale: Vec<_> = layered.difference(&declared).collect();
    assert!(
        unlayered.is_empty() && stale.is_empty(),
        "modules of lib.rs in no layer: {unlayered:?}; layers naming no module: {stale:?}"
    );
    // and the reading of lib.rs sees each form of declaration
    assert_eq!(
        declared_modules("pub mod a;\npub(crate) mod b;\nmod c;\n// mod d;\n"),
        BTreeSet::from(["a".to_owned(), "b".to_owned(), "c".to_owned()])
    );
}

/// The calls that derive a fact from the topology; `model/` makes them once
/// into `Resolved`, so the stages after it read the fact instead.
const DERIVATIONS: &[&str] = &[
    ".nodes()",
    ".node_ports()",
    ".metadata_version()",
    ".broker_count()",
    ".primary_ip_name(",
    "default_metadata_version(",
    "HOURS_PER_MONTH",
    "replace('-', \"_\")",
];

/// Every `(file, derivation)` of `files` outside `model/` and `check/` (the
/// rules run on the topology, before it is resolved).
fn rederived(files: &[(String, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for (rel, text) in files {
        if matches!(module_of(rel), "model" | "check") {
            continue;
        }
        let code = code(text);
        for d in DERIVATIONS.iter().filter(|d| code.contains(**d)) {
            bad.push(format!("{rel}: `{d}` derives again what `Resolved` holds"));
        }
    }
    bad
}

#[test]
fn facts_are_derived_once_in_the_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), root, &mut files);
    let bad = rederived(&files);
    assert!(bad.is_empty(), "facts derived twice:\n{}", bad.join("\n"));
    // the scan sees a derivation in an emitter, and not in the model
    let file = |rel: &str| vec![(rel.to_owned(), "let v = t.metadata_version();\n".to_owned())];
    assert_eq!(rederived(&file("src/emit/strimzi.rs")).len(), 1);
    assert!(rederived(&file("src/model/resolve/kafka.rs")).is_empty());
}

#[test]
fn every_exception_is_still_needed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, used) in EXCEPTIONS {
        let text = fs::read_to_string(root.join(file)).expect("exception file exists");
        assert!(
            uses(&code(&text)).contains(*used),
            "{file} no longer uses `{used}`: remove the exception"
        );
    }
}

#[test]
fn the_scan_sees_each_form_of_path() {
    let file = |text: &str| vec![("src/model/x.rs".to_owned(), text.to_owned())];
    // the forms that must be caught
    for text in [
        "use crate::check::rules::schema_type;\n",
        "use crate::{diag::Finding, check};\n",
        "use crate::{\n    diag::{Finding, Span},\n    emit::Plan,\n};\n",
        "fn f() { crate::output::write(); }\n",
    ] {
        assert_eq!(violations(&file(text)).len(), 1, "{text}");
    }
    // and what is allowed or not code
    for text in [
        "use crate::diag::{Finding, Span};\nuse crate::codes::SCHEMA_TYPE;\n",
        "// use crate::check::Rule;\n",
        "/// see [`crate::check`]\n",
        "use crate::source;\n#[cfg(test)]\nmod tests { use crate::check::Rule; }\n",
        "let s = \"mycrate::check\";\n",
    ] {
        assert!(violations(&file(text)).is_empty(), "{text}");
    }
}
