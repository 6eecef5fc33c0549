//! Nothing is echoed raw (issue 11, class 4): whatever `cluster.kdl`, the
//! output tree on disk, a template overlay or the command line holds, what
//! topogen prints — every command, every format — carries no terminal control
//! (`ESC ]52;…BEL` would set the clipboard of whoever runs it, `ESC [2J` clears
//! the screen), no bidi control and no line terminator but `\n`, and no
//! secret-shaped value in any letter case.

use std::path::Path;
use std::process::{Command, Output};

const CLUSTER: &str = include_str!("../cluster.kdl");
const BIN: &str = env!("CARGO_BIN_EXE_topogen");

/// A token and a Hetzner-Cloud-API-token-shaped value; each also appears
/// lower- and upper-cased.
const TOKEN: &str = "ghp_R4nd0mL00k1ngT0k3nV4lu3xyzABCDEF123456";
const HCLOUD: &str = "q8W2eR5tY7uI9oP1aS3dF6gH8jK0lZ2xC4vB6nM8qW1eR3tY5uI7oP9aS2dF4gH6";

/// What a terminal or a log viewer must never receive raw: every hostile
/// character the tests plant, one after the other.
const HOSTILE: &str = "\u{1b}]52;c;SGVsbG8=\u{7}|\u{1b}[2J|\u{9b}31m|\u{7}|\u{2028}|\u{2029}|\u{202e}|\u{2066}|\u{85}|\r|\u{8}|\u{7f}";

/// True for a character no output may contain: C0 controls but `\n`, DEL, C1
/// controls, U+2028/U+2029 and the bidi controls.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Lower-case letters and digits only: a secret's skeleton, whatever its case
/// and whatever a suggested fix replaced its `_` with.
fn skeleton(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Asserts that `o` (of `what`) prints nothing raw and no secret.
fn assert_clean(what: &str, o: &Output) {
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        if let Some((i, c)) = text.char_indices().find(|&(_, c)| forbidden(c)) {
            let before: String = text[..i].chars().rev().take(80).collect();
            panic!(
                "{what}: {stream} prints U+{:04X} raw after {:?}",
                u32::from(c),
                before.chars().rev().collect::<String>()
            );
        }
        let printed = skeleton(&text);
        for secret in [TOKEN, HCLOUD] {
            // the token's characters past its prefix, 24 of them
            let core = &skeleton(secret)[4..28];
            assert!(
                !printed.contains(core),
                "{what}: {stream} repeats a secret:\n{text}"
            );
        }
    }
}

/// Every string of a JSON value (keys too), one a line.
fn strings(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push_str(k);
            out.push('\n');
            strings(x, out);
        }),
        _ => {}
    }
}

/// [`assert_clean`], and for the JSON formats the same of every string
/// decoded, as `jq -r` prints it: a JSON escape (`\u001b`) protects nothing.
/// Returns stdout as a reader sees it: decoded in the JSON formats.
fn assert_clean_in(format: &str, what: &str, o: &Output) -> String {
    assert_clean(what, o);
    if !matches!(format, "json" | "sarif") {
        return String::from_utf8_lossy(&o.stdout).into_owned();
    }
    {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{what}: not one JSON document: {e}"));
        let mut decoded = String::new();
        strings(&v, &mut decoded);
        let decoded = Output {
            status: o.status,
            stdout: decoded.into_bytes(),
            stderr: Vec::new(),
        };
        assert_clean(&format!("{what}, decoded"), &decoded);
        String::from_utf8(decoded.stdout).unwrap()
    }
}

/// A KDL quoted string holding `s`, every unprintable character as an escape.
fn kdl(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if forbidden(c) || c == '\n' => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn topogen(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("TOPOGEN_CACHE_DIR", "")
        .output()
        .unwrap()
}

/// `cluster.kdl` with each `(find, replace)` applied once.
fn cluster(edits: &[(&str, String)]) -> String {
    let mut text = CLUSTER.to_owned();
    for (find, replace) in edits {
        assert!(text.contains(find), "`{find}` is not in cluster.kdl");
        text = text.replacen(find, replace, 1);
    }
    text
}

/// Hostile values at the places the issue names: a pool name (a DNS-label
/// finding quotes it), a range purpose (only `show` prints it), a KDL comment
/// beside a finding (the human report quotes the line), the environment names
/// (each finding's "in environment" note and JSON's `environments`), secret
/// and pool names that suggested fixes lower- or upper-case.
fn hostile_cluster() -> String {
    let t = TOKEN;
    cluster(&[
        (
            "pool kafka role=agent server-type=cx23 count=3",
            format!(
                "pool {} role=agent server-type=cx23 count=2 /* {HOSTILE} {} */",
                kdl(&format!("kafka{HOSTILE}")),
                t.to_ascii_lowercase()
            )
            .replace(['\r', '\u{85}', '\u{2028}', '\u{2029}'], " "),
        ),
        (
            "purpose=\"worker nodes\"",
            format!("purpose={}", kdl(&format!("workers{HOSTILE}{t}"))),
        ),
        ("environment dev {", format!("environment {} {{", kdl(t))),
        (
            "environment prod production=#true approval=\"production\" {",
            format!(
                "environment {} production=#true {{",
                kdl(&HCLOUD.to_ascii_uppercase())
            ),
        ),
        (
            "secret HCLOUD_TOKEN use=hcloud-token",
            format!("secret {} use=hcloud-token", kdl(&t.to_ascii_lowercase())),
        ),
        (
            "pool worker role=agent",
            format!("pool {} role=agent", kdl(&t.to_ascii_uppercase())),
        ),
        (
            "listener external",
            format!("listener {}", kdl(&format!("{t}{HOSTILE}"))),
        ),
    ])
}

#[test]
fn findings_print_nothing_raw_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), hostile_cluster()).unwrap();
    for command in ["validate", "build", "check", "show"] {
        for format in FORMATS {
            let o = topogen(
                dir.path(),
                &[command, "--format", format, "--color", "never"],
            );
            assert_eq!(o.status.code(), Some(1), "{command} --format {format}");
            assert_clean_in(format, &format!("{command} --format {format}"), &o);
        }
    }
    // the hostile text did reach the reports, escaped
    let o = topogen(dir.path(), &["validate", "--color", "never"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("kafka\\u{1b}]52;c;SGVsbG8=\\u{7}"), "{err}");
    assert!(err.contains("/* \\u{1b}]52;c;SGVsbG8=\\u{7}"), "{err}");
    assert!(
        err.contains(&"*".repeat(TOKEN.len())),
        "a masked token: {err}"
    );
    assert!(!dir.path().join("generated").exists());
}

/// With colour, the only escape sequences are the report's own SGR colours.
#[test]
fn colour_is_the_only_escape_sequence() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), hostile_cluster()).unwrap();
    let o = topogen(dir.path(), &["validate", "--color", "always"]);
    let err = String::from_utf8_lossy(&o.stderr);
    let mut rest = err.as_ref();
    let mut sgr = 0;
    while let Some(i) = rest.find('\u{1b}') {
        let seq = &rest[i + 1..];
        let end = seq
            .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == '['))
            .unwrap_or(seq.len());
        assert!(
            seq.starts_with('[') && seq[end..].starts_with('m'),
            "a non-colour escape: {:?}",
            &seq[..seq.len().min(20)]
        );
        sgr += 1;
        rest = &seq[end..];
    }
    assert!(sgr > 0, "no colour at all");
    // everything but the colours is clean
    let plain: String = {
        let mut s = String::new();
        let mut it = err.chars();
        while let Some(c) = it.next() {
            if c == '\u{1b}' {
                for d in it.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                s.push(c);
            }
        }
        s
    };
    assert_clean(
        "validate --color always",
        &Output {
            status: o.status,
            stdout: o.stdout.clone(),
            stderr: plain.into_bytes(),
        },
    );
}

/// The formats every command prints in.
const FORMATS: [&str; 4] = ["human", "json", "github", "sarif"];

/// `show` prints every range purpose and name; none of them raw.
#[test]
fn show_prints_nothing_raw() {
    let dir = tempfile::tempdir().unwrap();
    let text = cluster(&[(
        "purpose=\"worker nodes\"",
        format!("purpose={}", kdl(&format!("workers{HOSTILE}{TOKEN}"))),
    )]);
    std::fs::write(dir.path().join("cluster.kdl"), text).unwrap();
    for format in FORMATS {
        let o = topogen(
            dir.path(),
            &["show", "--color", "never", "--format", format],
        );
        let out = assert_clean_in(format, &format!("show --format {format}"), &o);
        if matches!(format, "human" | "json") {
            assert!(out.contains("workers\\u{1b}]52;c;SGVsbG8=\\u{7}|"), "{out}");
        }
    }
    // an environment asked for on the command line is quoted, not echoed
    let env = format!("dev{HOSTILE}{TOKEN}");
    let o = topogen(dir.path(), &["show", "--env", &env, "--color", "never"]);
    assert_eq!(o.status.code(), Some(2));
    assert_clean("show --env", &o);
}

/// `check` diffs files of the tree on disk, which a pull request controls:
/// their lines, names and the manifest's entries are shown escaped and masked.
#[test]
fn drift_diffs_print_nothing_raw() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), CLUSTER).unwrap();
    let o = topogen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let generated = dir.path().join("generated");
    let topology = generated.join("TOPOLOGY.md");
    let mut md = std::fs::read_to_string(&topology).unwrap();
    md.insert_str(
        md.find('\n').unwrap() + 1,
        &format!("{HOSTILE}\n{TOKEN}\n{}\n", HCLOUD.to_ascii_lowercase()),
    );
    std::fs::write(&topology, md).unwrap();
    // an owned file whose name is hostile, listed in the manifest
    let evil = "evil\u{1b}]52;c;SGk=\u{7}\u{202e}.md";
    std::fs::write(generated.join(evil), "x").unwrap();
    let manifest = generated.join(".topogen-manifest");
    let mut m = std::fs::read_to_string(&manifest).unwrap();
    m.push_str(evil);
    m.push('\n');
    std::fs::write(&manifest, m).unwrap();
    for format in FORMATS {
        let o = topogen(
            dir.path(),
            &["check", "--color", "never", "--format", format],
        );
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        let out = assert_clean_in(format, &format!("check --format {format}"), &o);
        if matches!(format, "human" | "json") {
            assert!(out.contains("-\\u{1b}]52;c;SGVsbG8=\\u{7}|"), "{out}");
            // the hostile file name, in the manifest's diff
            assert!(
                out.contains("-evil\\u{1b}]52;c;SGk=\\u{7}\\u{202e}.md"),
                "{out}"
            );
        }
    }
}

/// `fmt --check` prints a diff of `cluster.kdl`, comments and all.
#[test]
fn fmt_check_prints_nothing_raw() {
    let dir = tempfile::tempdir().unwrap();
    let comment = HOSTILE.replace(['\r', '\u{85}', '\u{2028}', '\u{2029}'], " ");
    let text = cluster(&[(
        "    // Node pools.",
        format!("        // {comment} {TOKEN}\n    // Node pools."),
    )]);
    std::fs::write(dir.path().join("cluster.kdl"), text).unwrap();
    let o = topogen(dir.path(), &["fmt", "--check"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_clean("fmt --check", &o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("// \\u{1b}]52;c;SGVsbG8=\\u{7}|"), "{out}");
}

/// Errors quote paths and names: from the command line, the overlay's file
/// names, a rule code to explain.
#[test]
fn errors_print_nothing_raw() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), CLUSTER).unwrap();
    let missing = format!("missing{HOSTILE}{TOKEN}.kdl");
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "validate --config",
            vec!["validate".into(), "--config".into(), missing.clone()],
        ),
        (
            "explain",
            vec![
                "explain".into(),
                format!("kafka::replication{HOSTILE}{TOKEN}"),
            ],
        ),
        (
            "build --templates",
            vec![
                "build".into(),
                "--templates".into(),
                "overlay".into(),
                "--out".into(),
                "out".into(),
            ],
        ),
    ];
    let overlay = dir.path().join("overlay");
    std::fs::create_dir(&overlay).unwrap();
    std::fs::write(
        overlay.join(format!("evil{}.md.j2", HOSTILE.replace('/', ""))),
        "x",
    )
    .unwrap();
    for (what, args) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = topogen(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{what}: {o:?}");
        assert_clean(what, &o);
    }
}

/// The commands that write files name them: `init`, `templates --dump` and
/// `fmt`, given hostile paths, print them escaped.
#[test]
fn written_paths_print_nothing_raw() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("c{}{TOKEN}", HOSTILE.replace('/', ""));
    let config = format!("{name}.kdl");
    let dump = format!("dump{name}");
    let runs: [(&str, &[&str], i32); 5] = [
        ("init", &["init", &config], 0),
        ("init again", &["init", &config], 2),
        ("fmt", &["fmt", "--config", &config], 0),
        ("templates --dump", &["templates", "--dump", &dump], 0),
        ("templates --dump again", &["templates", "--dump", &dump], 0),
    ];
    for (what, args, code) in runs {
        if what == "fmt" {
            // unformatted, so that fmt writes it and says so
            let path = dir.path().join(&config);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replacen("    pool", "  pool", 1)).unwrap();
        }
        let o = topogen(dir.path(), args);
        assert_eq!(o.status.code(), Some(code), "{what}: {o:?}");
        assert!(!o.stdout.is_empty() || !o.stderr.is_empty(), "{what}");
        assert_clean(what, &o);
    }
}
