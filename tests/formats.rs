//! The machine-readable diagnostic formats, checked from the outside: the real
//! binary runs on small failing topologies and its output is parsed as its
//! consumers parse it.
//!
//! - `--format github`: the workflow-command syntax GitHub documents
//!   (`::error file=…,line=…,col=…,title=CODE::message`), with property values
//!   escaped (`%`→`%25`, `\r`→`%0D`, `\n`→`%0A`, `:`→`%3A`, `,`→`%2C`) and
//!   the message escaped (`%`, `\r`, `\n`);
//! - `--format json`: serde_json, field by field;
//! - `--format sarif`: the SARIF 2.1.0 structure with rules from the registry,
//!   and each log validated against the OASIS schema with check-jsonschema
//!   (as `scripts/conformance.sh` does) when the conformance venv is installed,
//!   since no JSON-schema crate is a dependency;
//! - every command that prints, in every machine format: one document on stdout
//!   (docs/formats.md), `check`'s drift in each.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bin::topogen;
use scratch::Scratch;
use serde_json::Value;

/// A scratch directory (its path, and the `TempDir` that removes it on drop).
fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// A file name that needs every property escape GitHub documents but the
/// newline: a comma, a colon and a percent sign.
const AWKWARD_NAME: &str = "top,o:gen 100%.kdl";

/// At least two errors: an IP range that leaves the subnet, and a misspelled
/// property whose name holds a `%`, so that the message needs a data escape.
const BROKEN: &str = "cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    network \"10.0.0.0/16\" subnet=\"10.0.1.0/24\"
    ip-plan { range control from=10 to=300 }
    pool control role=server server-type=cx23 count=1 range=control co%nt=1
    gitops repo=\"my-org/config\" overlay=\"overlays/dev\"
    environment dev
}
";

/// The rule registry as the binary lists it: code -> default severity.
fn registry(dir: &Path) -> Vec<(String, String)> {
    let o = topogen(dir, &["explain", "--list"]);
    assert_eq!(o.status.code(), Some(0));
    let rules: Vec<(String, String)> = stdout(&o)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect();
    assert!(rules.len() > 10, "explain --list lists the registry");
    rules
}

/// The diagnostics of `validate --format json` on `file`.
fn json_diagnostics(dir: &Path, file: &str) -> Vec<Value> {
    let o = topogen(dir, &["validate", "--config", file, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("--format json is one JSON document");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .clone()
}

/// 1-based (line, column in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, col as u64)
}

// --------------------------------------------------------------------- github

/// Undoes the documented escapes; panics on any `%` that is not one of them.
fn gh_unescape(s: &str, allowed: &[(&str, char)]) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let esc = rest.get(i..i + 3).unwrap_or(&rest[i..]);
        let (_, c) = allowed
            .iter()
            .find(|(e, _)| *e == esc)
            .unwrap_or_else(|| panic!("`{esc}` is not a documented escape in {s:?}"));
        out.push(*c);
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

const DATA_ESCAPES: &[(&str, char)] = &[("%25", '%'), ("%0D", '\r'), ("%0A", '\n')];
const PROPERTY_ESCAPES: &[(&str, char)] = &[
    ("%25", '%'),
    ("%0D", '\r'),
    ("%0A", '\n'),
    ("%3A", ':'),
    ("%2C", ','),
];

/// One parsed workflow command: `::NAME key=value,...::DATA`.
struct WorkflowCommand {
    name: String,
    props: BTreeMap<String, String>,
    data: String,
}

fn parse_workflow_command(line: &str) -> WorkflowCommand {
    let rest = line
        .strip_prefix("::")
        .unwrap_or_else(|| panic!("a workflow command starts with `::`: {line:?}"));
    assert!(!line.contains('\r'), "raw carriage return in {line:?}");
    let (head, data) = rest
        .split_once("::")
        .unwrap_or_else(|| panic!("no `::` before the message: {line:?}"));
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let mut map = BTreeMap::new();
    for p in props.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = p
            .split_once('=')
            .unwrap_or_else(|| panic!("property without `=`: {p:?} in {line:?}"));
        assert!(
            k.chars().all(|c| c.is_ascii_alphanumeric()),
            "property name {k:?}"
        );
        assert!(
            !v.contains(':') && !v.contains(',') && !v.contains('\n'),
            "unescaped property value {v:?}"
        );
        assert!(
            map.insert(k.to_string(), gh_unescape(v, PROPERTY_ESCAPES))
                .is_none(),
            "duplicate property {k} in {line:?}"
        );
    }
    WorkflowCommand {
        name: name.to_string(),
        props: map,
        data: gh_unescape(data, DATA_ESCAPES),
    }
}

#[test]
fn github_format_follows_the_workflow_command_syntax() {
    let s = Scratch::new("github");
    s.write(AWKWARD_NAME, BROKEN);
    let codes: Vec<String> = registry(&s.0).into_iter().map(|(c, _)| c).collect();
    let o = topogen(
        &s.0,
        &["validate", "--config", AWKWARD_NAME, "--format", "github"],
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.ends_with('\n'),
        "one command per line, newline-terminated"
    );
    let json = json_diagnostics(&s.0, AWKWARD_NAME);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), json.len(), "one command per finding:\n{out}");
    assert!(
        lines.iter().filter(|l| l.starts_with("::error ")).count() >= 2,
        "both errors are reported:\n{out}"
    );

    for (line, j) in lines.iter().zip(&json) {
        let cmd = parse_workflow_command(line);
        assert_eq!(cmd.name, j["severity"].as_str().unwrap(), "{line}");
        assert!(matches!(cmd.name.as_str(), "error" | "warning" | "notice"));
        assert_eq!(cmd.props["file"], AWKWARD_NAME, "{line}");
        assert_eq!(cmd.props["line"], j["line"].to_string(), "{line}");
        assert_eq!(cmd.props["col"], j["column"].to_string(), "{line}");
        for k in ["line", "col", "endLine", "endColumn"] {
            if let Some(v) = cmd.props.get(k) {
                assert!(v.parse::<u32>().is_ok_and(|n| n >= 1), "{k}={v}");
            }
        }
        if let (Some(l), Some(el)) = (cmd.props.get("line"), cmd.props.get("endLine")) {
            assert!(el.parse::<u32>().unwrap() >= l.parse::<u32>().unwrap());
        }
        let title = &cmd.props["title"];
        assert!(codes.contains(title), "title {title} is a registry code");
        assert_eq!(title, j["code"].as_str().unwrap());
        assert!(
            cmd.data.starts_with(j["message"].as_str().unwrap()),
            "the message is the finding's: {:?}",
            cmd.data
        );
        if let Some(h) = j["help"].as_str() {
            assert!(
                cmd.data.contains(h),
                "the help is in the message: {:?}",
                cmd.data
            );
        }
    }

    // The misspelled `co%nt` puts a `%` into the message; it is escaped as data.
    let typo = lines
        .iter()
        .find(|l| l.contains("unknown-property"))
        .expect("the misspelled property is reported");
    assert!(typo.contains("co%25nt"), "{typo}");
    assert!(
        typo.contains("title=topogen%3A%3Aschema%3A%3Aunknown-property::"),
        "{typo}"
    );
    assert!(typo.contains("file=top%2Co%3Agen 100%25.kdl,"), "{typo}");
    // Help text goes onto a second line of the annotation: an escaped newline.
    assert!(typo.contains("%0Ahelp: "), "{typo}");
}

#[test]
fn github_format_is_silent_on_a_clean_topology() {
    let s = Scratch::project("github-clean", include_str!("../cluster.kdl"));
    let o = topogen(&s.0, &["validate", "--format", "github"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
}

// --------------------------------------------------------------------- json

#[test]
fn json_format_carries_every_field() {
    let s = Scratch::new("json");
    s.write(AWKWARD_NAME, BROKEN);
    let rules: BTreeMap<String, String> = registry(&s.0).into_iter().collect();
    let diags = json_diagnostics(&s.0, AWKWARD_NAME);
    assert!(diags.len() >= 2);
    for d in &diags {
        let code = d["code"].as_str().expect("code");
        assert!(rules.contains_key(code), "{code} is in the registry");
        assert!(matches!(d["severity"].as_str(), Some("error" | "warning")));
        assert!(!d["message"].as_str().expect("message").is_empty());
        assert_eq!(d["file"], AWKWARD_NAME);
        let (line, column) = (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
        assert!(line >= 1 && column >= 1);
        assert!(d["help"].is_string() || d["help"].is_null(), "help: {d}");
        let labels = d["labels"].as_array().expect("labels");
        assert!(!labels.is_empty(), "a primary span: {d}");
        // The first label is the primary span: its position is the finding's.
        assert_eq!(labels[0]["line"], d["line"]);
        assert_eq!(labels[0]["column"], d["column"]);
        for l in labels {
            let offset = l["offset"].as_u64().unwrap() as usize;
            let length = l["length"].as_u64().unwrap() as usize;
            assert!(offset + length <= BROKEN.len(), "{l}");
            assert_eq!(
                (l["line"].as_u64().unwrap(), l["column"].as_u64().unwrap()),
                line_col(BROKEN, offset),
                "line/column agree with the offset: {l}"
            );
            assert!(l["label"].is_string());
        }
    }
    let typo = diags
        .iter()
        .find(|d| d["code"] == "topogen::schema::unknown-property")
        .expect("the misspelled property");
    let l = &typo["labels"][0];
    let offset = l["offset"].as_u64().unwrap() as usize;
    assert!(
        BROKEN[offset..].starts_with("co%nt"),
        "the span is the typo: {l}"
    );
    assert_eq!(typo["line"], 5);
}

#[test]
fn json_format_is_an_empty_list_on_a_clean_topology() {
    let s = Scratch::project("json-clean", include_str!("../cluster.kdl"));
    let o = topogen(&s.0, &["validate", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["diagnostics"], serde_json::json!([]));
}

// --------------------------------------------------------------------- sarif

fn sarif(dir: &Path, file: &str, expect: i32) -> Value {
    let o = topogen(dir, &["validate", "--config", file, "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(expect), "{}", stdout(&o));
    serde_json::from_str(&stdout(&o)).expect("--format sarif is one JSON document")
}

#[test]
fn sarif_log_has_the_registry_as_rules_and_one_result_per_finding() {
    let s = Scratch::project("sarif", BROKEN);
    let registry = registry(&s.0);
    let json = json_diagnostics(&s.0, "cluster.kdl");
    let log = sarif(&s.0, "cluster.kdl", 1);

    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "topogen");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut codes: Vec<&str> = registry.iter().map(|(c, _)| c.as_str()).collect();
    codes.push("topogen::drift");
    assert_eq!(
        ids, codes,
        "tool.driver.rules is the rule registry, in order, then drift"
    );
    for (r, (_, severity)) in rules.iter().zip(&registry) {
        assert!(!r["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert_eq!(r["defaultConfiguration"]["level"], severity.as_str());
        assert!(r["help"]["text"].is_string());
    }

    let results = runs[0]["results"].as_array().expect("results");
    assert_eq!(results.len(), json.len(), "one result per finding");
    for (r, j) in results.iter().zip(&json) {
        let id = r["ruleId"].as_str().unwrap();
        assert_eq!(id, j["code"].as_str().unwrap());
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
        assert_eq!(r["level"], j["severity"]);
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.starts_with(j["message"].as_str().unwrap()));
        let locations = r["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1);
        let phys = &locations[0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], "cluster.kdl");
        let region = &phys["region"];
        assert_eq!(region["startLine"], j["line"]);
        assert_eq!(region["startColumn"], j["column"]);
        let (sl, el) = (
            region["startLine"].as_u64().unwrap(),
            region["endLine"].as_u64().unwrap(),
        );
        assert!(el >= sl);
        if el == sl {
            assert!(region["endColumn"].as_u64() >= region["startColumn"].as_u64());
        }
        for rel in r["relatedLocations"].as_array().into_iter().flatten() {
            assert!(rel["id"].is_u64());
            assert!(rel["message"]["text"].is_string());
        }
    }
}

#[test]
fn sarif_log_of_a_clean_topology_has_no_results() {
    let s = Scratch::project("sarif-clean", include_str!("../cluster.kdl"));
    let log = sarif(&s.0, "cluster.kdl", 0);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert!(
        !log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// RFC 3986 `URI-reference` for the relative and absolute paths topogen
/// writes: unreserved, sub-delims, `:`, `@`, `/` and `%XX` only, and no `:`
/// before the first `/` unless it ends a scheme.
fn is_uri_reference(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if !(i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&c)) {
            return false;
        }
        i += 1;
    }
    let first = s.split('/').next().unwrap_or("");
    match first.split_once(':') {
        None => true,
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
    }
}

#[test]
fn sarif_artifact_uris_are_uri_references() {
    let s = Scratch::new("sarif-uri");
    s.write(AWKWARD_NAME, BROKEN);
    let log = sarif(&s.0, AWKWARD_NAME, 1);
    let mut uris = vec![];
    for a in log["runs"][0]["artifacts"].as_array().into_iter().flatten() {
        uris.push(a["location"]["uri"].as_str().unwrap().to_string());
    }
    for r in log["runs"][0]["results"].as_array().unwrap() {
        for l in r["locations"].as_array().unwrap() {
            uris.push(
                l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
    }
    assert!(!uris.is_empty());
    for u in &uris {
        assert!(is_uri_reference(u), "not an RFC 3986 URI reference: {u:?}");
    }
}

// ------------------------------------------------------- every command, every format

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// `stdout` as exactly one JSON document (serde_json refuses anything after it),
/// at version 1 with a `diagnostics` array.
fn one_document(o: &Output, what: &str) -> Value {
    let v: Value = serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("{what}: not one JSON document ({e}):\n{}", stdout(o)));
    assert_eq!(v["version"], 1, "{what}: {v}");
    assert!(v["diagnostics"].is_array(), "{what}: {v}");
    v
}

/// A built copy of the reference cluster, then three drifted files: a line of
/// `environments/dev.tfvars` changed, a line appended to `TOPOLOGY.md`, and
/// `pins/dev/strimzi.version` deleted. The original fifth line of dev.tfvars.
fn drifted(s: &Scratch) -> String {
    s.write("cluster.kdl", include_str!("../cluster.kdl"));
    let o = topogen(&s.0, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let tfvars = s.0.join("generated/environments/dev.tfvars");
    let text = std::fs::read_to_string(&tfvars).unwrap();
    let fifth = text.lines().nth(4).unwrap().to_owned();
    let edited: Vec<&str> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 4 {
                "region = \"hand-edited\""
            } else {
                l
            }
        })
        .collect();
    std::fs::write(&tfvars, edited.join("\n") + "\n").unwrap();
    let topology = s.0.join("generated/TOPOLOGY.md");
    let mut text = std::fs::read_to_string(&topology).unwrap();
    text.push_str("a note by hand\n");
    std::fs::write(&topology, text).unwrap();
    std::fs::remove_file(s.0.join("generated/pins/dev/strimzi.version")).unwrap();
    fifth
}

/// `topogen check --format FORMAT` of a [`drifted`] copy in a new scratch
/// directory `name`: it exits 1. The copy, its original fifth line of
/// dev.tfvars, and what check printed.
fn check_drifted(name: &str, format: &str) -> (Scratch, String, std::process::Output) {
    let s = Scratch::new(name);
    let fifth = drifted(&s);
    let o = topogen(&s.0, &["check", "--format", format]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    (s, fifth, o)
}

/// The SARIF 2.1.0 schema the conformance suite validates against
/// (`shared/schemas/sarif-2.1.0/` in `$TOPOGEN_SHARED`, or beside the
/// repository or one of its parents), and its validator, when both are installed.
fn sarif_validator() -> Option<(PathBuf, PathBuf)> {
    const SCHEMA: &str = "schemas/sarif-2.1.0/sarif-schema-2.1.0.json";
    let schema = std::env::var_os("TOPOGEN_SHARED")
        .map(|s| PathBuf::from(s).join(SCHEMA))
        .into_iter()
        .chain(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .map(|a| a.join("shared").join(SCHEMA)),
        )
        .find(|p| p.is_file());
    match (schema, venv::tool("check-jsonschema")) {
        (Some(schema), Some(tool)) => Some((tool, schema)),
        _ => {
            eprintln!(
                "SKIP SARIF schema validation: check-jsonschema or shared/{SCHEMA} not found; \
                 run `bash /work/shared/conformance/install.sh` to enable it"
            );
            None
        }
    }
}

/// Validates SARIF logs (what printed it, the log) against the OASIS schema,
/// in one run of the validator, when it is installed.
fn validate_sarif(logs: &[(String, String)]) {
    let Some((tool, schema)) = sarif_validator() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = logs
        .iter()
        .enumerate()
        .map(|(i, (_, log))| {
            let file = dir.path().join(format!("{i}.sarif"));
            std::fs::write(&file, log).unwrap();
            file
        })
        .collect();
    let o = Command::new(tool)
        .args(["--color", "never", "--schemafile"])
        .arg(&schema)
        .args(&files)
        .output()
        .unwrap();
    let whats: Vec<&str> = logs.iter().map(|(what, _)| what.as_str()).collect();
    assert!(
        o.status.success(),
        "not valid SARIF 2.1.0 (files numbered in this order: {whats:?}):\n{}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[path = "support/venv.rs"]
#[allow(dead_code)]
mod venv;

/// Every command that prints, clean, drifted and with errors: in `json` its
/// stdout is one document, in `github` only workflow commands, in `sarif` one
/// SARIF log the OASIS schema accepts.
#[test]
fn every_command_prints_one_document_in_each_machine_format() {
    let s = Scratch::new("every");
    s.write("broken.kdl", BROKEN);
    drifted(&s);
    s.write("syntax.kdl", "cluster demo {\n    pool control count=1\n");
    s.write(
        "ugly.kdl",
        &include_str!("../cluster.kdl").replace("\n    ", "\n  "),
    );
    // the arguments, the exit status, and whether github and sarif report something
    let runs: &[(&[&str], i32, bool)] = &[
        (&["validate"], 0, false),
        (&["show"], 0, false),
        (&["show", "--env", "prod"], 0, false),
        (&["check"], 1, true),
        (&["build", "--out", "other"], 0, false),
        (&["build", "--out", "other"], 0, false),
        (&["check", "--out", "other"], 0, false),
        (&["fmt", "--check"], 0, false),
        (&["fmt", "--check", "-c", "ugly.kdl"], 1, false),
        (&["validate", "-c", "broken.kdl"], 1, true),
        (&["show", "-c", "broken.kdl"], 1, true),
        (&["check", "-c", "broken.kdl"], 1, true),
        (&["build", "-c", "broken.kdl"], 1, true),
        (&["fmt", "--check", "-c", "syntax.kdl"], 1, true),
    ];
    let mut logs = Vec::new();
    for format in ["json", "github", "sarif"] {
        for (args, code, reports) in runs {
            let mut argv = args.to_vec();
            argv.extend(["--format", format]);
            let what = argv.join(" ");
            let o = topogen(&s.0, &argv);
            assert_eq!(o.status.code(), Some(*code), "{what}: {}", stderr(&o));
            let out = stdout(&o);
            match format {
                "json" => {
                    let v = one_document(&o, &what);
                    let diagnostics = v["diagnostics"].as_array().unwrap();
                    let broken = args.contains(&"broken.kdl") || args.contains(&"syntax.kdl");
                    assert_eq!(diagnostics.is_empty(), !broken, "{what}");
                    let member = match args[0] {
                        "show" => "environments",
                        "check" => "drift",
                        "build" => "outputs",
                        "fmt" => "fmt",
                        _ => "diagnostics",
                    };
                    // errors stop build, check and fmt, which then report only them;
                    // show shows what it resolved
                    let stopped = broken && matches!(args[0], "build" | "check" | "fmt");
                    assert_eq!(v.get(member).is_some(), !stopped, "{what}: {v}");
                    if member == "fmt" && !stopped {
                        assert_eq!(v["fmt"]["unformatted"], *code == 1, "{what}: {v}");
                        assert_eq!(v["fmt"]["diff"].is_string(), *code == 1, "{what}: {v}");
                    }
                }
                "github" => {
                    for line in out.lines() {
                        let cmd = parse_workflow_command(line);
                        assert!(matches!(cmd.name.as_str(), "error" | "warning"), "{what}");
                    }
                    assert_eq!(*reports, !out.is_empty(), "{what}:\n{out}");
                }
                _ => {
                    let log: Value = serde_json::from_str(&out)
                        .unwrap_or_else(|e| panic!("{what}: not one SARIF log ({e}):\n{out}"));
                    assert_eq!(log["version"], "2.1.0", "{what}");
                    let results = log["runs"][0]["results"].as_array().unwrap();
                    assert_eq!(*reports, !results.is_empty(), "{what}");
                    logs.push((what, out));
                }
            }
        }
    }
    validate_sarif(&logs);
}

#[test]
fn check_json_lists_each_drifted_file_with_a_unified_diff() {
    let (s, fifth, o) = check_drifted("check-json", "json");
    let v = one_document(&o, "check --format json");
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    let drift = v["drift"].as_array().expect("a drift array");
    let by_path: BTreeMap<&str, &Value> = drift
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d))
        .collect();
    assert_eq!(
        by_path.keys().copied().collect::<Vec<_>>(),
        [
            "generated/TOPOLOGY.md",
            "generated/environments/dev.tfvars",
            "generated/pins/dev/strimzi.version"
        ],
        "{v}"
    );
    let tfvars = by_path["generated/environments/dev.tfvars"];
    assert_eq!(tfvars["kind"], "changed");
    let diff = tfvars["diff"].as_str().expect("a diff");
    // a unified diff from the file on disk to what cluster.kdl generates
    let lines: Vec<&str> = diff.lines().collect();
    assert!(
        lines[0].starts_with("--- a/environments/dev.tfvars"),
        "{diff}"
    );
    assert!(
        lines[1].starts_with("+++ b/environments/dev.tfvars"),
        "{diff}"
    );
    assert!(lines[2].starts_with("@@ -"), "{diff}");
    assert!(lines.contains(&"-region = \"hand-edited\""), "{diff}");
    assert!(lines.contains(&format!("+{fifth}").as_str()), "{diff}");
    // the hunk is owned by the cluster.kdl line whose value is on the
    // generated line: the environment `dev` it names
    let dev = 1 + include_str!("../cluster.kdl")
        .lines()
        .position(|l| l.trim_start().starts_with("environment dev "))
        .unwrap();
    assert_eq!(
        tfvars["owners"],
        serde_json::json!([{ "hunk": lines[2], "lines": [dev] }]),
        "{v}"
    );
    let topology = by_path["generated/TOPOLOGY.md"];
    assert_eq!(topology["kind"], "changed");
    assert!(
        topology["diff"]
            .as_str()
            .unwrap()
            .contains("\n-a note by hand\n")
    );
    let pin = by_path["generated/pins/dev/strimzi.version"];
    assert_eq!(pin["kind"], "missing");
    assert!(pin["diff"].is_null());
    for d in drift {
        assert!(s.0.join(d["path"].as_str().unwrap()).exists() || d["kind"] == "missing");
    }
    // the prose is on stderr, never in the document
    assert!(
        stderr(&o).contains("3 file(s) in generated differ"),
        "{}",
        stderr(&o)
    );

    // clean: an empty list; not compared (errors): no list at all
    topogen(&s.0, &["build"]);
    let o = topogen(&s.0, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        one_document(&o, "clean check")["drift"],
        serde_json::json!([])
    );
    s.write("cluster.kdl", BROKEN);
    let o = topogen(&s.0, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = one_document(&o, "check of a broken config");
    assert!(v.get("drift").is_none(), "{v}");
    assert!(!v["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn check_github_annotates_each_drifted_file_at_its_first_difference() {
    let (_s, _, o) = check_drifted("check-github", "github");
    let out = stdout(&o);
    let (on_config, cmds): (Vec<WorkflowCommand>, Vec<WorkflowCommand>) = out
        .lines()
        .map(parse_workflow_command)
        .partition(|c| c.props["file"] == "cluster.kdl");
    assert_eq!(cmds.len(), 3, "one annotation per drifted file:\n{out}");
    // where the fix belongs: the line of cluster.kdl whose value is on the
    // drifted line (the fifth of dev.tfvars names the environment `dev`);
    // the appended line of TOPOLOGY.md is no line cluster.kdl generates
    let kdl = include_str!("../cluster.kdl");
    let dev = 1 + kdl
        .lines()
        .position(|l| l.trim_start().starts_with("environment dev "))
        .unwrap();
    assert_eq!(on_config.len(), 1, "{out}");
    assert_eq!(on_config[0].props["title"], "topogen::drift");
    assert_eq!(on_config[0].props["line"], dev.to_string(), "{out}");
    assert!(
        on_config[0]
            .data
            .contains("`generated/environments/dev.tfvars`"),
        "{}",
        on_config[0].data
    );
    let topology_lines = include_str!("../generated/TOPOLOGY.md").lines().count();
    let expected = [
        ("generated/TOPOLOGY.md", Some(topology_lines + 1), "differs"),
        ("generated/environments/dev.tfvars", Some(5), "differs"),
        ("generated/pins/dev/strimzi.version", None, "is missing"),
    ];
    for (cmd, (file, line, says)) in cmds.iter().zip(expected) {
        assert_eq!(cmd.name, "error");
        assert_eq!(cmd.props["title"], "topogen::drift");
        assert_eq!(cmd.props["file"], file);
        assert_eq!(
            cmd.props.get("line").map(|l| l.parse::<usize>().unwrap()),
            line,
            "{file}: the line on disk where it first differs"
        );
        assert!(
            cmd.data.starts_with(&format!("`{file}` {says}")),
            "{}",
            cmd.data
        );
        assert!(
            cmd.data
                .contains("\nhelp: run `topogen build --config cluster.kdl`"),
            "{}",
            cmd.data
        );
    }
}

#[test]
fn check_sarif_carries_a_drift_result_per_file() {
    let (_s, _, o) = check_drifted("check-sarif", "sarif");
    let out = stdout(&o);
    validate_sarif(&[("check --format sarif".to_owned(), out.clone())]);
    let log: Value = serde_json::from_str(&out).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            assert_eq!(r["ruleId"], "topogen::drift");
            assert_eq!(r["level"], "error");
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], "topogen::drift");
            assert!(rules[index]["help"]["text"].is_string());
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "generated/TOPOLOGY.md",
            "generated/environments/dev.tfvars",
            "generated/pins/dev/strimzi.version"
        ]
    );
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
    let artifacts: Vec<&str> = run["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["location"]["uri"].as_str().unwrap())
        .collect();
    for u in &uris {
        assert!(artifacts.contains(u), "{u} is an artifact of the run");
    }
}

#[test]
fn check_never_says_nothing_was_written() {
    let s = Scratch::project("check-words", BROKEN);
    let o = topogen(&s.0, &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(!err.contains("written"), "{err}");
    assert!(
        err.contains("nothing was compared: fix the errors above first"),
        "{err}"
    );
    let o = topogen(&s.0, &["build"]);
    assert!(stderr(&o).contains("nothing was written: fix the errors above first"));
}

/// The same cluster with a mistake only `prod` makes: 30 workers in a
/// 20-address range.
fn prod_only_mistake() -> String {
    include_str!("../cluster.kdl").replace(
        "environment prod production=#true approval=\"production\" {",
        "environment prod production=#true approval=\"production\" {\n        pool worker count=30",
    )
}

#[test]
fn show_env_reports_only_that_environments_findings() {
    let s = Scratch::project("show-env", &prod_only_mistake());
    let o = topogen(&s.0, &["show", "--env", "dev", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "dev has no finding: {}",
        stdout(&o)
    );
    assert_eq!(
        one_document(&o, "dev")["diagnostics"],
        serde_json::json!([])
    );
    let o = topogen(&s.0, &["show", "--env", "dev"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
    let o = topogen(&s.0, &["show", "--env", "prod", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = one_document(&o, "prod");
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{v}");
    assert_eq!(diags[0]["code"], "topogen::ip::pool-capacity");
    assert_eq!(diags[0]["environments"], serde_json::json!(["prod"]));
    let o = topogen(&s.0, &["show", "--format", "json"]);
    assert_eq!(
        one_document(&o, "all")["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn show_json_is_the_resolved_topology_the_tables_show() {
    let s = Scratch::project("show-json", include_str!("../cluster.kdl"));
    let o = topogen(&s.0, &["show", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = one_document(&o, "show --format json");
    let tables = stdout(&topogen(&s.0, &["show"]));
    let envs = v["environments"].as_array().expect("environments");
    let names: Vec<&str> = envs.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["dev", "prod"]);
    assert_eq!(envs[0]["production"], false);
    assert_eq!(envs[1]["production"], true);
    assert_eq!(envs[1]["network"]["subnet"], "10.1.1.0/24");
    for e in envs {
        let pools = e["pools"].as_array().unwrap();
        let nodes = e["nodes"].as_array().unwrap();
        let count: u64 = pools.iter().map(|p| p["count"].as_u64().unwrap()).sum();
        assert_eq!(nodes.len() as u64, count, "one node per pool member");
        for n in nodes {
            let pool = pools
                .iter()
                .find(|p| p["name"] == n["pool"])
                .expect("a node's pool is a pool");
            assert_eq!(n["labels"], pool["labels"]);
            assert_eq!(n["role"], pool["role"]);
            // the same node is a row of the human table
            let (name, server, ip) = (
                n["name"].as_str().unwrap(),
                n["server"].as_str().unwrap(),
                n["private_ip"].as_str().unwrap(),
            );
            assert!(
                tables.lines().any(|l| {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    w.len() > 4 && w[0] == name && w[1] == server && w[4] == ip
                }),
                "node {name} {server} {ip} is in the tables"
            );
            let range = find(&e["ranges"], "name", pool["range"].clone());
            let last_octet = |ip: &str| ip.rsplit('.').next().unwrap().parse::<u32>().unwrap();
            let at = last_octet(ip);
            assert!(
                last_octet(range["first"].as_str().unwrap()) <= at
                    && at <= last_octet(range["last"].as_str().unwrap()),
                "{ip} is in range {range}"
            );
        }
        for r in e["ranges"].as_array().unwrap() {
            let used = pools
                .iter()
                .filter(|p| p["range"] == r["name"])
                .map(|p| p["count"].as_u64().unwrap())
                .sum::<u64>();
            assert_eq!(r["used"], used, "{r}");
        }
        let cost = &e["cost"];
        assert_eq!(cost["currency"], "EUR");
        let always_on = format!("{:.2}", cost["always_on_per_month"].as_f64().unwrap());
        assert!(
            tables
                .lines()
                .any(|l| l.trim_start().starts_with("always on") && l.ends_with(&always_on)),
            "always on {always_on} is in the tables"
        );
    }
    // the labels the topology gives its kafka nodes
    let kafka = find(&envs[0]["nodes"], "pool", "kafka");
    assert!(
        kafka["labels"].as_object().is_some_and(|l| !l.is_empty()),
        "{kafka}"
    );
}

#[path = "support/bin.rs"]
mod bin;

#[path = "support/json.rs"]
mod json;
use json::find;

#[path = "support/scratch.rs"]
mod scratch;
