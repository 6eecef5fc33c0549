//! Determinism: the same cluster.kdl gives byte-identical output whatever the
//! working directory, time zone, locale, environment variables, user or the
//! order in which the file system lists directories.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_topogen");
const CLUSTER: &str = include_str!("../cluster.kdl");

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// One run environment: a clean environment plus these variables.
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.current_dir(cwd).args(args).env_clear();
    // PATH only so that nothing but the listed variables is inherited
    if let Some(p) = std::env::var_os("PATH") {
        c.env("PATH", p);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::null()).output().unwrap()
}

fn env_a() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TZ", "UTC"),
        ("LANG", "C"),
        ("LC_ALL", "C"),
        ("HOME", "/root"),
        ("USER", "root"),
        // no build record: every run here renders
        ("TOPOGEN_CACHE_DIR", ""),
    ]
}

fn env_b(salt: u64) -> Vec<(String, String)> {
    let mut v = vec![
        ("TZ".into(), "Pacific/Chatham".into()),
        ("LANG".into(), "tr_TR.UTF-8".into()), // the dotless-i locale
        ("LC_ALL".into(), "de_DE.UTF-8".into()), // decimal comma
        ("LC_NUMERIC".into(), "fr_FR.UTF-8".into()),
        ("HOME".into(), "/nonexistent/home".into()),
        ("USER".into(), "somebody-else".into()),
        ("LOGNAME".into(), "somebody-else".into()),
        ("SOURCE_DATE_EPOCH".into(), "1".into()),
        ("COLUMNS".into(), "37".into()),
        ("NO_COLOR".into(), "1".into()),
        ("CI".into(), "true".into()),
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("TOPOGEN_LOG".into(), "trace".into()),
    ];
    // random extra variables
    let mut x = salt | 1;
    for i in 0..20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push((format!("RANDOM_VAR_{i}_{:x}", x % 0xffff), format!("{x:x}")));
    }
    v
}

fn salt() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[test]
fn builds_are_byte_identical_across_environments() {
    let t = tempfile::tempdir().unwrap();
    // project A: built from its own directory, with a relative config
    let a = t.path().join("a");
    fs::create_dir(&a).unwrap();
    fs::write(a.join("cluster.kdl"), CLUSTER).unwrap();
    let o = run(&a, &["build", "--color", "never"], &env_a());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // project B: deeper path, built from elsewhere with absolute paths, other
    // TZ/locale/env; its output directory pre-populated with directories
    // created in the reverse order of the plan (file-system listing order)
    let b = t.path().join("some/where/else/b project");
    fs::create_dir_all(&b).unwrap();
    let gen_a = tree(&a.join("generated"));
    let mut dirs: Vec<String> = gen_a
        .keys()
        .filter_map(|k| k.rsplit_once('/').map(|(d, _)| d.to_owned()))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs.reverse();
    for d in &dirs {
        fs::create_dir_all(b.join("generated").join(d)).unwrap();
    }
    fs::write(b.join("cluster.kdl"), CLUSTER).unwrap();
    let elsewhere = t.path().join("cwd");
    fs::create_dir(&elsewhere).unwrap();
    let env: Vec<(String, String)> = env_b(salt());
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cfg = b.join("cluster.kdl");
    let o = run(
        &elsewhere,
        &[
            "build",
            "--color",
            "never",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &env_ref,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let gen_b = tree(&b.join("generated"));
    assert_eq!(
        gen_a.keys().collect::<Vec<_>>(),
        gen_b.keys().collect::<Vec<_>>(),
        "different file sets"
    );
    for (k, va) in &gen_a {
        assert!(
            gen_b[k] == *va,
            "{k} differs between the two builds (env {env:?})"
        );
    }
    // and each tree is `check`-clean from the other's environment
    let o = run(&a, &["check", "--color", "never"], &env_ref);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    // a third build over B's tree from A's environment changes nothing
    let o = run(&b, &["build", "--color", "never"], &env_a());
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("up to date"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// The in-process plan is the same on every call (no hash-map order, clock or
/// randomness), and the diagnostics of a broken file are too.
#[test]
fn plans_and_diagnostics_are_stable_in_process() {
    let plan = || {
        let c = topogen::compile(topogen::source::Source::new("cluster.kdl", CLUSTER));
        let p = c.project.expect("cluster.kdl lowers");
        topogen::emit::plan(&p, &topogen::emit::Templates::new(None).unwrap()).unwrap()
    };
    let first = plan();
    for _ in 0..3 {
        assert_eq!(plan(), first);
    }
    let broken = CLUSTER
        .replace("count=3", "count=30")
        .replace("port=22", "port=99999");
    let diag = || {
        let c = topogen::compile(topogen::source::Source::new("cluster.kdl", broken.as_str()));
        topogen::report::json(&c.source, &c.findings, Default::default())
    };
    let d = diag();
    for _ in 0..3 {
        assert_eq!(diag(), d);
    }
}

#[test]
fn diagnostics_are_identical_across_environments() {
    let t = tempfile::tempdir().unwrap();
    let broken = CLUSTER
        .replace("count=3", "count=30")
        .replace("port=22", "port=99999");
    fs::write(t.path().join("cluster.kdl"), &broken).unwrap();
    let env: Vec<(String, String)> = env_b(salt())
        .into_iter()
        .filter(|(k, _)| k != "COLUMNS" && k != "NO_COLOR")
        .collect();
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for format in ["human", "json", "github"] {
        let args = ["validate", "--color", "never", "--format", format];
        let a = run(t.path(), &args, &env_a());
        let b = run(t.path(), &args, &env_ref);
        assert_eq!(a.status.code(), Some(1), "{format}");
        assert_eq!(a.status.code(), b.status.code(), "{format}");
        assert_eq!(a.stdout, b.stdout, "{format} stdout");
        assert_eq!(a.stderr, b.stderr, "{format} stderr");
    }
}
