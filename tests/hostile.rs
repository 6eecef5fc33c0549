//! Hostile inputs: the corpus in `tests/hostile/` and the pathological files.
//!
//! Every hostile value of `values.kdl` is put at every site of `sites.kdl` in
//! the repository's `cluster.kdl`. Expected outcome per site (`sites.kdl`):
//! `reject` sites (names, labels, versions) reject every value with a
//! character outside `[A-Za-z0-9._-]`; every other outcome must be "safe":
//! rejected with an error whose spans lie in the file, or accepted and then
//! intact and inert in every artifact — YAML parsed by serde_yaml and HCL by
//! `hcl2tojson` compare equal to the rendering of a benign marker with the
//! value substituted (so the value arrived intact and changed no structure),
//! every shell script passes `bash -n`, Markdown tables keep their shape;
//! and YAML read by PyYAML, a YAML 1.1 reader (U+2028 is a line break to it,
//! `on` a boolean), has the benign build's structure and types too.
//! Plus: a 50 MB file, nesting 100,000 deep, invalid UTF-8, overflowing
//! counts and ports, and literal secrets, which must be rejected and never
//! appear in any output or diagnostic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kdl::{KdlDocument, KdlValue};
use serde::Deserialize as _;
use topogen::emit::Plan;
use topogen::source::Source;

#[path = "support/compiled.rs"]
mod compiled;
use compiled::{check_findings, compile_and_plan, rendered};

#[path = "support/venv.rs"]
mod venv;

const CLUSTER: &str = include_str!("../cluster.kdl");
const BIN: &str = env!("CARGO_BIN_EXE_topogen");

fn corpus(name: &str) -> KdlDocument {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    KdlDocument::parse_v2(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn str_prop(n: &kdl::KdlNode, key: &str) -> String {
    match n.get(key) {
        Some(KdlValue::String(s)) => s.clone(),
        other => panic!("{}: `{key}` is {other:?}", n.name().value()),
    }
}

fn values() -> Vec<(String, String)> {
    corpus("values.kdl")
        .nodes()
        .iter()
        .map(|n| {
            let args: Vec<&KdlValue> = n
                .entries()
                .iter()
                .filter(|e| e.name().is_none())
                .map(|e| e.value())
                .collect();
            match (args.first(), args.get(1)) {
                (Some(KdlValue::String(name)), Some(KdlValue::String(v))) => {
                    (name.clone(), v.clone())
                }
                _ => panic!("bad value node {n}"),
            }
        })
        .collect()
}

struct Site {
    name: String,
    reject: bool,
    /// An empty value must be rejected (a name or a required reference).
    empty_rejected: bool,
    find: String,
    replace: String,
    /// A second place the value goes (a label and the profile that selects it).
    also: Option<(String, String)>,
}

fn sites() -> Vec<Site> {
    corpus("sites.kdl")
        .nodes()
        .iter()
        .map(|n| Site {
            name: match n.entries().first().map(|e| e.value()) {
                Some(KdlValue::String(s)) => s.clone(),
                _ => panic!("site without a name"),
            },
            reject: str_prop(n, "expect") == "reject",
            empty_rejected: match n.get("empty") {
                Some(KdlValue::String(e)) => e == "reject",
                _ => str_prop(n, "expect") == "reject",
            },
            find: str_prop(n, "find"),
            replace: str_prop(n, "replace"),
            also: n
                .get("find2")
                .map(|_| (str_prop(n, "find2"), str_prop(n, "replace2"))),
        })
        .collect()
}

/// A KDL v2 quoted string for `s`: what KDL forbids literally, and the
/// quote and the backslash, as `\u{…}` escapes (KDL v2 reads one for any
/// character).
fn kdl_string(s: &str) -> String {
    let escaped = |c: char| {
        matches!(c, '"' | '\\')
            || c.is_control()
            || matches!(c as u32, 0x200E | 0x200F | 0x2028 | 0x2029 | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
    };
    let mut out = String::from("\"");
    for c in s.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn place(site: &Site, value: &str) -> String {
    let mut text = CLUSTER.to_owned();
    for (find, replace) in
        std::iter::once((&site.find, &site.replace)).chain(site.also.as_ref().map(|(f, r)| (f, r)))
    {
        assert!(
            text.contains(find.as_str()),
            "site {}: `{find}` is not in cluster.kdl",
            site.name,
        );
        text = text.replacen(
            find.as_str(),
            &replace.replace("VALUE", &kdl_string(value)),
            1,
        );
    }
    text
}

/// The benign value a site is rendered with for the differential comparison.
fn benign(site: &Site) -> &'static str {
    match site.name.as_str() {
        "gitops-repo" => "trading-cz/xmarkerx",
        "gitops-overlay" => "overlays/xmarkerx",
        "version" => "v1.34.2+k3s1",
        "hcloud-cli-version" => "v1.47.7",
        "terraform-constraint" => ">= 1.3.7",
        "provider-constraint" => "~> 1.54.7",
        "secret-name" => "XMARKERX",
        "storage-size" => "7373Gi",
        "resources-cpu" => "737m",
        _ => "xmarkerx",
    }
}

struct Outcome {
    compiled: topogen::Compiled,
    plan: Option<Plan>,
}

fn run(text: &str) -> Outcome {
    let (compiled, plan) = compile_and_plan(text);
    check_findings(&compiled);
    Outcome { compiled, plan }
}

fn safe_path(p: &str) -> bool {
    !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

// ------------------------------------------------------------- differential

fn yaml_docs(path: &str, text: &str) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            serde_yaml::Value::deserialize(d)
                .unwrap_or_else(|e| panic!("{path}: not valid YAML: {e}\n{text}"))
        })
        .collect()
}

/// `have` is `want` with the marker replaced by the value in every string
/// (keys too): verbatim, or shell-quoted by topogen's `sh` filter inside
/// scripts (`run:` steps, cloud-init scripts), whose inertness `bash -n` and
/// the filter's unit tests show.
fn same_yaml(
    want: &serde_yaml::Value,
    have: &serde_yaml::Value,
    marker: &str,
    value: &str,
) -> bool {
    use serde_yaml::Value as V;
    match (want, have) {
        (V::String(w), V::String(h)) => same_text(w, h, marker, value),
        (V::Sequence(w), V::Sequence(h)) => {
            w.len() == h.len() && w.iter().zip(h).all(|(a, b)| same_yaml(a, b, marker, value))
        }
        (V::Mapping(w), V::Mapping(h)) => {
            w.len() == h.len()
                && w.iter().zip(h).all(|((wk, wv), (hk, hv))| {
                    same_yaml(wk, hk, marker, value) && same_yaml(wv, hv, marker, value)
                })
        }
        (V::Tagged(w), V::Tagged(h)) => {
            w.tag == h.tag && same_yaml(&w.value, &h.value, marker, value)
        }
        (w, h) => w == h,
    }
}

/// String `h` is `w` with the marker replaced by the value (see
/// [`same_yaml`]), or by the value as a Markdown cell in a shell word (a
/// job summary's table row: `md|sh`), with any `${{` broken up as workflow
/// templates do.
fn same_text(w: &str, h: &str, marker: &str, value: &str) -> bool {
    use topogen::emit::templates::{md_cell, sh_quote};
    let quoted = sh_quote(value);
    [value.to_owned(), quoted.clone(), sh_quote(&md_cell(value))]
        .iter()
        .any(|r| *h == w.replace(marker, r) || *h == w.replace(marker, &r.replace("${{", "$ {{")))
        || *h == w.replace(&format!("'{marker}'"), &quoted)
        || *h == w.replace(&format!("\"{marker}\""), &quoted)
}

/// The value of an HCL quoted string as python-hcl2 returns it (raw source):
/// escapes decoded, `$${`/`%%{` unescaped. `Err` when it holds a live
/// interpolation or directive.
fn hcl_literal(raw: &str) -> Result<String, String> {
    let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return Ok(raw.to_owned());
    };
    let mut out = String::new();
    let mut it = inner.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('u') => {
                    let hex: String = (0..4).filter_map(|_| it.next()).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                Some('U') => {
                    let hex: String = (0..8).filter_map(|_| it.next()).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                other => return Err(format!("unknown escape \\{other:?} in {raw}")),
            },
            '$' | '%' if it.peek() == Some(&c) => {
                // `$${` is a literal `${`; `$$` elsewhere is two dollars
                it.next();
                if it.peek() == Some(&'{') {
                    out.push(c);
                } else {
                    out.push(c);
                    out.push(c);
                }
            }
            '$' | '%' if it.peek() == Some(&'{') => {
                return Err(format!("live template sequence in {raw}"));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn map_json(
    v: &serde_json::Value,
    f: &dyn Fn(&str) -> Result<String, String>,
) -> Result<serde_json::Value, String> {
    use serde_json::Value as V;
    Ok(match v {
        V::String(s) => V::String(f(s)?),
        V::Array(a) => V::Array(a.iter().map(|x| map_json(x, f)).collect::<Result<_, _>>()?),
        V::Object(o) => V::Object(
            o.iter()
                .filter(|(k, _)| *k != "__file__")
                .map(|(k, x)| Ok((f(k)?, map_json(x, f)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn hcl2tojson() -> Option<PathBuf> {
    venv::tool("hcl2tojson")
}

/// Parses every file with python-hcl2 in one process: path → JSON.
fn parse_hcl(tool: &Path, files: &BTreeMap<String, String>) -> BTreeMap<String, serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (name, text)) in files.iter().enumerate() {
        let p = dir.path().join(format!("{i}.tfvars"));
        std::fs::write(&p, text).unwrap();
        paths.push((p, name.clone()));
    }
    let out = Command::new(tool)
        .arg("--ndjson")
        .args(paths.iter().map(|(p, _)| p))
        .output()
        .unwrap();
    let mut by_file = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let f = v["__file__"].as_str().unwrap().to_owned();
        by_file.insert(f, v);
    }
    let mut res = BTreeMap::new();
    for (p, name) in paths {
        match by_file.remove(p.to_str().unwrap()) {
            Some(v) => {
                res.insert(name, v);
            }
            None => panic!(
                "{name}: hcl2tojson cannot parse it: {}\n{}",
                String::from_utf8_lossy(&out.stderr),
                files[&name]
            ),
        }
    }
    res
}

fn bash_n(what: &str, script: &str) {
    let mut child = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "{what}: bash -n fails: {}\n{script}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The shell scripts inside an artifact: cloud-init `write_files` scripts and
/// `runcmd` strings, workflow `run:` steps, and `.sh` files.
fn scripts(path: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path.ends_with(".sh") {
        out.push(text.to_owned());
    }
    if !(path.ends_with(".yaml") || path.ends_with(".yml")) {
        return out;
    }
    for doc in yaml_docs(path, text) {
        if let Some(files) = doc.get("write_files").and_then(|w| w.as_sequence()) {
            for f in files {
                let content = f
                    .get("content")
                    .and_then(|c| c.as_str())
                    .unwrap_or_default();
                if content.starts_with("#!")
                    && content.lines().next().is_some_and(|l| l.contains("sh"))
                {
                    out.push(content.to_owned());
                }
            }
        }
        if let Some(cmds) = doc.get("runcmd").and_then(|w| w.as_sequence()) {
            for c in cmds {
                if let Some(s) = c.as_str() {
                    out.push(s.to_owned());
                }
            }
        }
        if let Some(jobs) = doc.get("jobs").and_then(|j| j.as_mapping()) {
            for job in jobs.values() {
                for step in job
                    .get("steps")
                    .and_then(|s| s.as_sequence())
                    .into_iter()
                    .flatten()
                {
                    if let Some(run) = step.get("run").and_then(|r| r.as_str()) {
                        out.push(run.to_owned());
                    }
                }
            }
        }
    }
    out
}

/// Unescaped `|` per line (after an even number of backslashes): the shape
/// of Markdown tables.
fn md_shape(text: &str) -> Vec<usize> {
    text.lines()
        .map(|l| {
            let b = l.as_bytes();
            (0..b.len())
                .filter(|&i| {
                    b[i] == b'|'
                        && b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0
                })
                .count()
        })
        .collect()
}

/// The benign build's text of `path`: the same path, or the path with the
/// value replaced by the marker (a name in a path), at one place or all.
fn counterpart<'a>(path: &str, value: &str, marker: &str, base: &'a Plan) -> Option<&'a String> {
    if let Some(t) = base.files.get(path) {
        return Some(t);
    }
    if value.is_empty() {
        return None;
    }
    let one_at = path
        .match_indices(value)
        .map(|(i, _)| format!("{}{marker}{}", &path[..i], &path[i + value.len()..]));
    std::iter::once(path.replace(value, marker))
        .chain(one_at)
        .find_map(|p| base.files.get(&p))
}

/// Proves that `value`, accepted at `site`, is intact and inert in `plan`,
/// against `base`, the plan for the site's benign marker.
fn assert_inert(
    site: &Site,
    value: &str,
    base: &Plan,
    plan: &Plan,
    hcl: &mut Vec<(String, String, String)>,
    yaml: &mut Vec<YamlPair>,
) {
    let what = format!("site {} value {value:?}", site.name);
    let marker = benign(site);
    for p in plan.files.keys() {
        assert!(safe_path(p), "{what}: unsafe output path {p:?}");
    }
    for (path, text) in &plan.files {
        assert!(text.ends_with('\n'), "{what}: {path} has no final newline");
        let Some(base_text) = counterpart(path, value, marker, base) else {
            panic!("{what}: {path} has no counterpart in the benign build");
        };
        // the value did not reach this file: nothing to compare
        if text == base_text {
            continue;
        }
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            let want = yaml_docs(path, base_text);
            let have = yaml_docs(path, text);
            assert!(
                want.len() == have.len()
                    && want
                        .iter()
                        .zip(&have)
                        .all(|(w, h)| same_yaml(w, h, marker, value)),
                "{what}: {path} parses differently than the benign build with the value substituted\n{text}"
            );
            if text != base_text {
                yaml.push(YamlPair {
                    what: format!("{what}: {path}"),
                    marker: marker.to_owned(),
                    value: value.to_owned(),
                    base: base_text.clone(),
                    have: text.clone(),
                });
            }
        }
        if path.ends_with(".tfvars") {
            hcl.push((what.clone(), base_text.clone(), text.clone()));
        }
        if path.ends_with(".md") {
            assert_eq!(
                md_shape(base_text),
                md_shape(text),
                "{what}: {path}: the Markdown changed shape"
            );
        }
        for s in scripts(path, text) {
            bash_n(&format!("{what}: {path}"), &s);
        }
    }
    assert_eq!(
        base.files.len(),
        plan.files.len(),
        "{what}: a different set of files"
    );
}

/// A YAML file of a hostile build and its benign counterpart.
struct YamlPair {
    what: String,
    marker: String,
    value: String,
    base: String,
    have: String,
}

/// Every YAML file a hostile value changed, read by PyYAML (YAML 1.1): the
/// structure and scalar types of the benign build, strings with the value
/// substituted. The violations, one line each.
fn check_yaml_1_1(pairs: &[YamlPair]) -> Vec<String> {
    let Some(python) = venv::python() else {
        eprintln!(
            "SKIP YAML 1.1 check of {} files: PyYAML not found; run `bash /work/shared/conformance/install.sh` \
             (or the conformance installer of this repository) to enable it",
            pairs.len()
        );
        return Vec::new();
    };
    let mut texts = BTreeMap::new();
    for (i, p) in pairs.iter().enumerate() {
        texts.insert(format!("{i:06}-base"), p.base.clone());
        texts.insert(format!("{i:06}-have"), p.have.clone());
    }
    let parsed = venv::load_all(&python, &texts);
    let mut violations = Vec::new();
    for (i, p) in pairs.iter().enumerate() {
        let base = parsed[&format!("{i:06}-base")]
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: the benign build is not YAML 1.1: {e}", p.what));
        match &parsed[&format!("{i:06}-have")] {
            Err(e) => violations.push(format!("{}: PyYAML cannot read it: {e}", p.what)),
            Ok(have) => {
                if !venv::same(base, have, &|w, h| same_text(w, h, &p.marker, &p.value)) {
                    violations.push(format!(
                        "{}: PyYAML (YAML 1.1) reads another structure or type than the benign build's",
                        p.what
                    ));
                }
            }
        }
    }
    eprintln!("PyYAML: {} YAML files read and compared", pairs.len());
    violations
}

fn check_hcl(marker_for: &BTreeMap<String, (String, String)>, hcl: &[(String, String, String)]) {
    let Some(tool) = hcl2tojson() else {
        eprintln!(
            "SKIP HCL check of {} tfvars: hcl2tojson not found; run `bash /work/shared/conformance/install.sh` \
             (or the conformance installer of this repository) to enable it",
            hcl.len()
        );
        return;
    };
    let mut files = BTreeMap::new();
    for (i, (what, base, text)) in hcl.iter().enumerate() {
        files.insert(format!("{i:05}-base {what}"), base.clone());
        files.insert(format!("{i:05}-have {what}"), text.clone());
    }
    let parsed = parse_hcl(&tool, &files);
    for (i, (what, _, text)) in hcl.iter().enumerate() {
        let (marker, value) = &marker_for[what];
        let base = &parsed[&format!("{i:05}-base {what}")];
        let have = &parsed[&format!("{i:05}-have {what}")];
        let want = map_json(base, &|s| {
            hcl_literal(s).map(|s| s.replace(marker.as_str(), value))
        })
        .unwrap_or_else(|e| panic!("{what}: base: {e}"));
        let have = map_json(have, &hcl_literal)
            .unwrap_or_else(|e| panic!("{what}: the value is live HCL: {e}\n{text}"));
        assert!(
            want == have,
            "{what}: the tfvars parse differently than the benign build with the value substituted\n{text}"
        );
    }
    eprintln!("hcl2tojson: {} tfvars pairs parsed and compared", hcl.len());
}

fn plain(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[test]
fn hostile_values_are_rejected_or_inert() {
    let values = values();
    let sites = sites();
    assert!(values.len() >= 30 && sites.len() >= 10);
    let mut hcl = Vec::new();
    let mut yaml = Vec::new();
    let mut marker_for = BTreeMap::new();
    let (mut rejected, mut accepted) = (0, 0);
    let mut accepted_list = Vec::new();
    let mut violations: Vec<String> = Vec::new();
    for site in &sites {
        let base = run(&place(site, benign(site)));
        let base_plan = base.plan.unwrap_or_else(|| {
            panic!(
                "site {}: the benign marker is rejected:\n{}",
                site.name,
                rendered(&base.compiled)
            )
        });
        for (name, value) in &values {
            let o = run(&place(site, value));
            let what = format!("site {} value {name}", site.name);
            match &o.plan {
                None => {
                    rejected += 1;
                    assert!(o.compiled.failed(false), "{what}: no plan, no error");
                    let _ = rendered(&o.compiled);
                }
                Some(plan) => {
                    if (site.reject && !plain(value) && !value.is_empty())
                        || (site.empty_rejected && value.is_empty())
                    {
                        violations.push(format!(
                            "{what}: {value:?} must be rejected at this site but was accepted"
                        ));
                        continue;
                    }
                    accepted += 1;
                    accepted_list.push(format!("{}:{name}", site.name));
                    let key = format!("site {} value {value:?}", site.name);
                    marker_for.insert(key, (benign(site).to_owned(), value.clone()));
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        assert_inert(site, value, &base_plan, plan, &mut hcl, &mut yaml);
                    }));
                    if let Err(e) = r {
                        let msg = e
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                            .unwrap_or_default();
                        violations.push(msg.lines().next().unwrap_or_default().to_owned());
                    }
                }
            }
        }
    }
    check_hcl(&marker_for, &hcl);
    violations.extend(check_yaml_1_1(&yaml));
    assert!(
        violations.is_empty(),
        "{} hostile case(s) failed:\n{}",
        violations.len(),
        violations.join("\n")
    );
    eprintln!(
        "hostile corpus: {rejected} rejected, {accepted} accepted and proven inert: {accepted_list:?}"
    );
}

// ------------------------------------------------------------ pathological

fn validate_file(bytes: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), bytes).unwrap();
    // no time limit here: how long a run takes depends on the machine; a
    // hang is caught by the test harness's own limit
    Command::new(BIN)
        .args(["validate", "--color", "never"])
        .current_dir(dir.path())
        .output()
        .unwrap()
}

fn assert_rejected(bytes: &[u8], code: &str) {
    let o = validate_file(bytes);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected findings (exit 1): {:?}\n{err}",
        o.status
    );
    assert!(
        err.contains(code),
        "expected `{code}`:\n{}",
        err.chars().take(3000).collect::<String>()
    );
}

#[test]
fn a_50_mb_file_is_rejected() {
    let mut big = CLUSTER.as_bytes().to_vec();
    big.extend(
        std::iter::repeat_n(
            b"// padding padding padding padding padding padding\n".as_slice(),
            1_000_000,
        )
        .flatten(),
    );
    assert!(big.len() > 50_000_000);
    assert_rejected(&big, "topogen::syntax::limits");
}

#[test]
fn nesting_100000_deep_is_rejected_without_overflow() {
    let deep = format!(
        "cluster x {{\n{}{}\n}}\n",
        "a {".repeat(100_000),
        "}".repeat(100_000)
    );
    assert_rejected(deep.as_bytes(), "topogen::syntax::limits");
    // unclosed
    assert_rejected("a {".repeat(100_000).as_bytes(), "topogen::syntax::limits");
    // in process too, on a test thread's small stack
    let c = topogen::compile(Source::new("cluster.kdl", deep));
    assert!(c.failed(false));
}

/// Other deeply nested constructs the brace scan does not count: nested block
/// comments, slashdash chains, type annotations and long lines of one token.
#[test]
fn other_deep_or_long_constructs_do_not_crash() {
    let cases: Vec<(&str, String)> = vec![
        (
            "nested block comments",
            format!("{}x{}", "/*".repeat(100_000), "*/".repeat(100_000)),
        ),
        ("unclosed nested block comments", "/*".repeat(100_000)),
        ("slashdash chain", format!("{}node", "/- ".repeat(100_000))),
        (
            "slashdash on deep children",
            format!("/- a {}{}", "b {".repeat(50), "}".repeat(50)),
        ),
        ("many nodes", "a; ".repeat(300_000)),
        (
            "many properties",
            format!("cluster x {}", "k=1 ".repeat(200_000)),
        ),
        (
            "a long string",
            format!("cluster \"{}\"", "x".repeat(3_000_000)),
        ),
        ("many type annotations", "(t)".repeat(100_000)),
        (
            "a long line continuation",
            format!("cluster x {}", "\\\n".repeat(100_000)),
        ),
    ];
    for (what, text) in cases {
        let o = validate_file(text.as_bytes());
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{what}: {:?}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
                .chars()
                .take(2000)
                .collect::<String>()
        );
    }
}

#[test]
fn invalid_utf8_is_rejected_with_a_span_in_the_file() {
    let mut bytes = b"cluster k3s \xff\xfe {\n".to_vec();
    bytes.extend_from_slice(CLUSTER.as_bytes());
    assert_rejected(&bytes, "topogen::syntax::limits");
    for bytes in [
        &b"\xff"[..],
        b"\xc3",
        b"cluster \xe2\x82",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80 x",
    ] {
        let (src, finding) = topogen::run::from_bytes("cluster.kdl", bytes.to_vec());
        let c = topogen::run::compile_with(src, finding);
        assert!(c.failed(false));
        // the spans count the file's bytes (the source text holds U+FFFD
        // where they are invalid, so they need not fall on its characters)
        for l in c.findings.iter().flat_map(|f| &f.labels) {
            assert!(l.span.offset + l.span.len <= bytes.len(), "{:?}", l.span);
        }
        let _ = rendered(&c);
    }
}

#[test]
fn overflowing_counts_and_ports_are_rejected() {
    let cases = [
        (
            "count=3",
            "count=99999999999999999999999999999999999999999999",
        ),
        ("count=3", "count=340282366920938463463374607431768211456"),
        ("count=3", "count=4294967296"),
        ("count=3", "count=-1"),
        ("count=3", "count=3.5"),
        ("count=3", "count=#inf"),
        ("count=3", "count=#nan"),
        ("count=3", "count=0x7fffffffffffffffffffffffffffffff"),
        ("port=22", "port=65536"),
        ("port=22", "port=-22"),
        ("port=22", "port=18446744073709551617"),
        ("port=\"30001-30004\"", "port=\"30004-30001\""),
        ("port=\"30001-30004\"", "port=\"0-99999999999999999999\""),
        (
            "bootstrap-node-port=30001",
            "bootstrap-node-port=4294967297",
        ),
        ("port=9092", "port=9999999999999"),
        ("from=20 to=29", "from=20 to=4294967315"),
        ("hours-per-day=10", "hours-per-day=1e308"),
        ("eur-per-month=7.49", "eur-per-month=1e999"),
        ("weight=100", "weight=-9223372036854775809"),
    ];
    for (find, replace) in cases {
        assert!(CLUSTER.contains(find), "{find}");
        let text = CLUSTER.replacen(find, replace, 1);
        let o = run(&text);
        assert!(o.compiled.failed(false), "`{replace}` was accepted");
        let _ = rendered(&o.compiled);
    }
}

// ---------------------------------------------------------------- secrets

const TOKEN: &str = "ghp_R4nd0mL00k1ngT0k3nV4lu3xyzABCDEF123456";
const HCLOUD: &str = "q8W2eR5tY7uI9oP1aS3dF6gH8jK0lZ2xC4vB6nM8qW1eR3tY5uI7oP9aS2dF4gH6";
const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDk0m6bYkP2n8yXr4tW1q3sV5uY7wZ9aB2cD4eF6gH8iJ0kL2mN4oP6qR8s\n-----END OPENSSH PRIVATE KEY-----";

/// A literal token or private key where a secret reference belongs is
/// rejected, and the secret appears in no diagnostic (any format) and no file.
#[test]
fn literal_secrets_are_rejected_and_never_echoed() {
    let secret_line = "secret HCLOUD_TOKEN use=hcloud-token";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "token as the secret name",
            CLUSTER.replacen(
                secret_line,
                &format!("secret \"{TOKEN}\" use=hcloud-token"),
                1,
            ),
            TOKEN,
        ),
        (
            "hcloud token as the name",
            CLUSTER.replacen(
                secret_line,
                &format!("secret \"{HCLOUD}\" use=hcloud-token"),
                1,
            ),
            HCLOUD,
        ),
        (
            "token in a description",
            CLUSTER.replacen(
                "description=\"Hetzner Cloud API token (read+write)\"",
                &format!("description=\"{TOKEN}\""),
                1,
            ),
            TOKEN,
        ),
        (
            "private key in a description",
            CLUSTER.replacen(
                "description=\"ED25519 private key for workflows\"",
                &format!("description={}", kdl_string(KEY)),
                1,
            ),
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        ),
        (
            "private key as a raw multi-line string",
            CLUSTER.replacen(
                "description=\"ED25519 private key for workflows\"",
                &format!("description=#\"\"\"\n{KEY}\n\"\"\"#"),
                1,
            ),
            "QyNTUxOQAAACDk0m6bYkP2n8yXr4tW1q3sV5uY7wZ9aB2cD4eF6gH8iJ0kL2mN4oP6qR8s",
        ),
        (
            "token as a label value",
            CLUSTER.replacen("workload=apps", &format!("workload=\"{TOKEN}\""), 1),
            TOKEN,
        ),
        (
            "token as the gitops repo",
            CLUSTER.replacen(
                "repo=\"trading-cz/config\"",
                &format!("repo=\"{TOKEN}\""),
                1,
            ),
            TOKEN,
        ),
        (
            "token in a comment-free purpose",
            CLUSTER.replacen(
                "purpose=\"worker nodes\"",
                &format!("purpose=\"{TOKEN}\""),
                1,
            ),
            TOKEN,
        ),
    ];
    let mut leaks = Vec::new();
    for (what, text, needle) in cases {
        let o = run(&text);
        assert!(o.compiled.failed(false), "{what}: accepted");
        assert!(
            o.compiled
                .findings
                .iter()
                .any(|f| f.code == "topogen::secrets::literal"),
            "{what}: no topogen::secrets::literal finding"
        );
        for f in &o.compiled.findings {
            assert!(
                !f.message.contains(needle),
                "{what}: the message echoes the secret"
            );
        }
        let report = rendered(&o.compiled);
        if report.contains(needle) {
            leaks.push(what);
        }
        // and through the binary, in every format
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cluster.kdl"), &text).unwrap();
        for format in ["human", "json", "github", "sarif"] {
            let out = Command::new(BIN)
                .current_dir(dir.path())
                .args(["build", "--color", "never", "--format", format])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{what}");
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if all.contains(needle) && !leaks.contains(&what) {
                leaks.push(what);
            }
        }
        assert!(
            !dir.path().join("generated").exists(),
            "{what}: a rejected build wrote files"
        );
    }
    assert!(
        leaks.is_empty(),
        "the secret is printed in the diagnostics of: {leaks:?}"
    );
}

/// Regression: an empty environment name validated and planned
/// `cloud-init//control.yaml` and `environments/.tfvars`. Whatever validation
/// says, the build never writes a path outside its own tree.
#[test]
fn an_empty_name_never_writes_stray_paths() {
    let dir = tempfile::tempdir().unwrap();
    let text = CLUSTER.replacen("environment dev {", "environment \"\" {", 1);
    std::fs::write(dir.path().join("cluster.kdl"), text).unwrap();
    let o = Command::new(BIN)
        .current_dir(dir.path())
        .args(["build", "--color", "never"])
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(1 | 2)), "{:?}", o.status);
    assert!(!dir.path().join("generated/environments/.tfvars").exists());
    assert!(
        !dir.path()
            .join("generated/cloud-init/control.yaml")
            .exists()
    );
}

/// Regression: miette pads labels with a `{:width$}` format, and a width past
/// u16::MAX panics ("Formatting argument out of range"), so any finding past
/// column 65535 of one line crashed the human report (exit 101).
#[test]
fn a_finding_far_along_one_long_line_renders() {
    let text = format!("cluster x {}= {{\n", "k=1 ".repeat(20_000));
    let o = validate_file(text.as_bytes());
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
