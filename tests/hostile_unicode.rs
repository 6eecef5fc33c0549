//! Issue 11, classes 1 and 6, beyond the value corpus of `hostile.rs`:
//! path-valued properties accept a portable set only, with an error that
//! names the character; the two output directories are disjoint; the
//! command line's `--out` reaches no file; and an output path that got past
//! validation, with any line terminator in it, still changes the structure
//! of no generated YAML file, to a YAML 1.2 reader (serde_yaml) or a YAML
//! 1.1 one (PyYAML: the reader that turned U+2028 in a workflow comment into
//! a top-level `defaults:` key).

use std::collections::BTreeMap;
use std::process::Command;

use topogen::emit::{Plan, Templates};
use topogen::source::Source;

#[path = "support/venv.rs"]
mod venv;

const CLUSTER: &str = include_str!("../cluster.kdl");
const BIN: &str = env!("CARGO_BIN_EXE_topogen");
const ANCHOR: &str = "    // Environments overlay the base";

/// Every character some reader ends a line at.
const LINE_TERMINATORS: [char; 7] = [
    '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// The repository's cluster.kdl with `output PROPS`.
fn with_output(props: &str) -> String {
    let bundled = "    output dir=generated workflows=\".github/workflows\"\n";
    assert!(CLUSTER.contains(bundled));
    CLUSTER
        .replacen(bundled, "", 1)
        .replacen(ANCHOR, &format!("    output {props}\n\n{ANCHOR}"), 1)
}

fn compile(text: &str) -> topogen::Compiled {
    topogen::compile(Source::new("cluster.kdl", text))
}

/// The findings about `output`, as (message, labeled source texts).
fn output_findings(c: &topogen::Compiled) -> Vec<(String, Vec<String>)> {
    let text = &c.source.text;
    c.findings
        .iter()
        .filter(|f| f.message.contains("output"))
        .map(|f| {
            let spans = f.labels.iter().map(|l| l.span.text(text).to_owned());
            (f.message.clone(), spans.collect())
        })
        .collect()
}

fn hazard(c: char) -> bool {
    c.is_control()
        || matches!(c as u32, 0x61C | 0x200E | 0x200F | 0x2028 | 0x2029 | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
}

#[test]
fn path_properties_accept_a_portable_set_only() {
    // (KDL string literal, what the message says)
    let cases = [
        (r#""gen\u{2028}defaults""#, "U+2028"),
        (r#""gen\u{2029}x""#, "U+2029"),
        (r#""gen\u{85}x""#, "U+0085"),
        (r#""gen\rx""#, "U+000D"),
        (r#""gen\nx""#, "U+000A"),
        (r#""gen\u{202e}x""#, "U+202E"),
        (r#""gen\u{1b}x""#, "U+001B"),
        (r#""gén""#, "U+00E9"),
        (r#""gen x""#, "` ` (U+0020)"),
        (r#""gen:x""#, "`:` (U+003A)"),
        (r#""gen\\x""#, "`\\` (U+005C)"),
        (r#""/etc""#, "absolute"),
        (r#""../elsewhere""#, "`..`"),
        (r#""a/../../b""#, "`..`"),
        (r#""./generated""#, "`.` component"),
        (r#"".""#, "`.` component"),
        (r#"".git""#, "inside `.git`"),
        (r#"".Git/hooks""#, "inside `.git`"),
        (r#""-rf""#, "starts with `-`"),
        (r#""a//b""#, "empty component"),
        (r#""""#, "empty"),
        (r#""/""#, "empty"),
    ];
    for key in ["dir", "workflows"] {
        for (literal, says) in cases {
            let c = compile(&with_output(&format!("{key}={literal}")));
            assert!(c.failed(false), "{key}={literal} was accepted");
            let found = output_findings(&c);
            assert_eq!(found.len(), 1, "{key}={literal}: one finding: {found:?}");
            let (message, spans) = &found[0];
            assert!(
                message.contains(&format!("`output {key}`")) && message.contains(says),
                "{key}={literal}: {message}"
            );
            assert!(!message.chars().any(hazard), "{message:?}");
            assert_eq!(spans, &[format!("{key}={literal}")], "{key}={literal}");
        }
    }
    for ok in [
        r#"dir="generated/" workflows=".github/workflows""#,
        r#"dir="out/topogen" workflows="ci/wf""#,
        r#"dir="..dots_are.fine-here""#,
    ] {
        let c = compile(&with_output(ok));
        assert!(
            output_findings(&c).is_empty(),
            "{ok}: {:?}",
            output_findings(&c)
        );
    }
}

#[test]
fn the_output_directories_must_not_overlap() {
    for (props, labels) in [
        (r#"dir="out" workflows="out""#, 2),
        (r#"dir="out" workflows="out/wf""#, 2),
        (r#"dir="out/x" workflows="out""#, 2),
        (r#"dir="Out" workflows="out""#, 2),
        (r#"workflows="generated/.github/workflows""#, 1),
        (r#"workflows="generated""#, 1),
    ] {
        let c = compile(&with_output(props));
        assert!(c.failed(false), "{props} was accepted");
        let found = output_findings(&c);
        assert_eq!(found.len(), 1, "{props}: {found:?}");
        let (message, spans) = &found[0];
        assert!(message.contains("overlap"), "{props}: {message}");
        assert_eq!(spans.len(), labels, "{props}: {spans:?}");
    }
    let c = compile(&with_output(r#"dir="out" workflows="outer""#));
    assert!(output_findings(&c).is_empty());
}

#[test]
fn the_command_line_out_path_reaches_no_file() {
    // the files name the output directory (workflows read the tfvars under
    // it): an `--out` they cannot name is refused before anything is written
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), CLUSTER).unwrap();
    let out_name = "gen\u{2028}defaults:\u{85}x";
    let out = dir.path().join(out_name);
    for command in ["build", "check"] {
        let o = Command::new(BIN)
            .args([command, "--color", "never", "--no-cache", "--out"])
            .arg(&out)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("topogen::io::out_path"), "{command}: {err}");
        assert!(
            !err.contains('\u{2028}') && !err.contains('\u{85}'),
            "{command}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only cluster.kdl"
    );
    // a portable `--out` beneath the root is what the workflows name
    let o = Command::new(BIN)
        .args(["build", "--color", "never", "--no-cache", "--out", "other"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("other/environments/dev.tfvars").is_file());
    let wf = std::fs::read_to_string(
        dir.path()
            .join(".github/workflows/01-reusable-provision-infra.yml"),
    )
    .unwrap();
    assert!(
        wf.contains("GENERATED: \"other\""),
        "--out, not cluster.kdl's dir"
    );
}

/// `value` with the marker replaced, in every string of a serde_yaml value.
fn substituted(v: &serde_yaml::Value, marker: &str, value: &str) -> serde_yaml::Value {
    use serde_yaml::Value as V;
    match v {
        V::String(s) => V::String(s.replace(marker, value)),
        V::Sequence(s) => V::Sequence(s.iter().map(|x| substituted(x, marker, value)).collect()),
        V::Mapping(m) => V::Mapping(
            m.iter()
                .map(|(k, x)| (substituted(k, marker, value), substituted(x, marker, value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn plan_with_output_dir(dir: &str) -> Plan {
    let c = compile(CLUSTER);
    let mut project = c.project.expect("the repository's cluster.kdl compiles");
    project.output.dir = dir.to_owned();
    topogen::emit::plan(&project, &Templates::new(None).unwrap()).unwrap()
}

/// Validation refuses such a path; were it to let one through, the output
/// directory reaches a workflow's comment and its `GENERATED` variable: no
/// line terminator there may change a YAML file's structure.
#[test]
fn an_output_dir_past_validation_changes_no_yaml_structure() {
    const MARKER: &str = "xmarkerx";
    let base = plan_with_output_dir(MARKER);
    let mut pairs = BTreeMap::new();
    for t in LINE_TERMINATORS {
        let value = format!("gen{t}defaults:{t}  run:{t}    shell: evil #");
        let plan = plan_with_output_dir(&value);
        assert_eq!(base.files.len(), plan.files.len());
        for ((path, want), (p2, have)) in base.files.iter().zip(&plan.files) {
            assert_eq!(path, p2);
            if want == have {
                continue;
            }
            assert_eq!(
                have.matches(t).count(),
                want.matches(t).count(),
                "{path}: {t:?} written as it is"
            );
            assert!(
                path.ends_with(".yml") || path.ends_with(".yaml"),
                "{path} changed"
            );
            let w: serde_yaml::Value = serde_yaml::from_str(want).unwrap();
            let h: serde_yaml::Value = serde_yaml::from_str(have)
                .unwrap_or_else(|e| panic!("{path} with {t:?}: not YAML: {e}"));
            assert_eq!(h, substituted(&w, MARKER, &value), "{path} with {t:?}");
            assert!(h.get("defaults").is_none());
            pairs.insert(
                format!("{path} {:04x}", t as u32),
                (value.clone(), want.clone(), have.clone()),
            );
        }
    }
    assert!(
        pairs.len() >= LINE_TERMINATORS.len(),
        "the value reached no file"
    );
    let Some(python) = venv::python() else {
        eprintln!(
            "SKIP the YAML 1.1 half: PyYAML not found; run `bash /work/shared/conformance/install.sh`"
        );
        return;
    };
    let mut texts = BTreeMap::new();
    for (name, (_, want, have)) in &pairs {
        texts.insert(format!("{name} base"), want.clone());
        texts.insert(format!("{name} have"), have.clone());
    }
    let parsed = venv::load_all(&python, &texts);
    for (name, (value, _, _)) in &pairs {
        let want = parsed[&format!("{name} base")].as_ref().unwrap();
        let have = parsed[&format!("{name} have")]
            .as_ref()
            .unwrap_or_else(|e| panic!("{name}: PyYAML cannot read it: {e}"));
        assert!(
            venv::same(want, have, &|w, h| h == w.replace(MARKER, value)),
            "{name}: PyYAML reads another structure"
        );
    }
}
