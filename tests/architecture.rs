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
        "run", "compile", "report", "show", "plan", "format", "term", "errors", "app", "cli",
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
