//! The KDL fast path (`topogen::model::fastkdl`) against kdl's own v2
//! parser (the oracle in `fuzz/fastkdl_oracle.rs`, which the cargo-fuzz
//! target `fastkdl` runs too): whenever the fast path accepts a text, the document must be the
//! one `KdlDocument::parse_v2` builds, spans included; and `topogen::compile`
//! must report the same with and without it.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use topogen::model::fastkdl;
use topogen::report::{self, Style};
use topogen::source::Source;

#[allow(dead_code)]
#[path = "../examples/gen_topology.rs"]
mod gen_topology;

#[path = "../fuzz/fastkdl_oracle.rs"]
mod oracle;
use oracle::check;

/// Runs `f` on a thread with a large stack: kdl's own parser recurses deeply
/// on some fuzz inputs, more than a debug build's 2 MiB test thread holds.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_dir_files(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            read_dir_files(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p)
            && let Ok(text) = String::from_utf8(bytes)
        {
            out.push((p.display().to_string(), text));
        }
    }
}

/// Every KDL text of the repository, the rules' examples and the fuzz inputs.
fn corpus() -> Vec<(String, String)> {
    let root = root();
    let mut out = Vec::new();
    for p in [
        "cluster.kdl",
        "examples/minimal/cluster.kdl",
        "examples/large/cluster.kdl",
    ] {
        let text = std::fs::read_to_string(root.join(p)).expect(p);
        out.push((p.to_owned(), text));
    }
    for rule in topogen::check::registry() {
        out.push((format!("{} fail", rule.code), rule.fail.to_owned()));
        out.push((format!("{} fixed", rule.code), rule.fixed.to_owned()));
    }
    read_dir_files(&root.join("tests/hostile"), &mut out);
    read_dir_files(&root.join("fuzz/seeds"), &mut out);
    read_dir_files(&root.join("fuzz/corpus"), &mut out);
    read_dir_files(&root.join("fuzz/artifacts"), &mut out);
    for n in [5, 10, 37, 100] {
        out.push((format!("gen_topology {n}"), gen_topology::topology(n)));
    }
    out
}

#[test]
fn fast_path_accepts_the_repository_files() {
    let root = root();
    for p in [
        "cluster.kdl",
        "examples/minimal/cluster.kdl",
        "examples/large/cluster.kdl",
    ] {
        let text = std::fs::read_to_string(root.join(p)).expect(p);
        assert!(oracle::within_limits(&text), "{p}");
        assert_eq!(check(&text), Ok(true), "{p}");
    }
    for n in [5, 10, 100, 1000] {
        assert_eq!(
            check(&gen_topology::topology(n)),
            Ok(true),
            "gen_topology {n}"
        );
    }
}

#[test]
fn fast_path_agrees_with_parse_v2_on_the_corpus() {
    big_stack(fast_path_agrees_with_parse_v2_on_the_corpus_body);
}

fn fast_path_agrees_with_parse_v2_on_the_corpus_body() {
    let mut problems = Vec::new();
    let mut accepted = 0;
    let corpus = corpus();
    for (name, text) in &corpus {
        match check(text) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(e) => problems.push(format!("{name}: {e}\n---\n{text}\n---")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        accepted >= 20,
        "only {accepted} of {} accepted",
        corpus.len()
    );
}

const SNIPPETS: &[&str] = &[
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    ";",
    "{",
    "}",
    "{ }",
    "\"",
    "\"x\"",
    "=",
    "a=1",
    "/*",
    "*/",
    "/* c */",
    "/* /* n */ */",
    "// c\n",
    "//",
    "/-",
    "\\",
    "\\n",
    "\\\"",
    "#true",
    "#false",
    "#null",
    "#inf",
    "#",
    "(t)",
    "0",
    "-1",
    "+2",
    "1.5",
    "-0.25",
    "1e3",
    "0x1f",
    "1_000",
    "-",
    "+",
    ".",
    "-a",
    "+.",
    "true",
    "null",
    "inf",
    "é",
    "\u{2028}",
    "\u{a0}",
    "\u{feff}",
    "x y",
    "k=\"v\"",
    "k =v",
    "k= v",
    "\"\"",
    "\"\"\"",
    "#\"r\"#",
    "a{}",
    "170141183460469231731687303715884105728",
    "-170141183460469231731687303715884105728",
    "99999999999999999999999999999999999999999.5",
];

/// One edit of a text: at a position (a fraction of its length), insert a
/// snippet, delete up to 8 bytes, or replace up to 3 bytes by a snippet.
#[derive(Clone, Debug)]
enum Edit {
    Insert(f64, usize),
    Delete(f64, usize),
    Replace(f64, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let snippet = 0..SNIPPETS.len();
    prop_oneof![
        (0.0..=1.0f64, snippet.clone()).prop_map(|(at, s)| Edit::Insert(at, s)),
        (0.0..=1.0f64, 1..=8usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (0.0..=1.0f64, 0..=3usize, snippet).prop_map(|(at, n, s)| Edit::Replace(at, n, s)),
    ]
}

/// The byte offset at fraction `at` of `s`, on a character boundary.
fn boundary(s: &str, at: f64) -> usize {
    let mut i = ((s.len() as f64) * at) as usize;
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn end_at(s: &str, from: usize, n: usize) -> usize {
    let mut end = (from + n).min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_owned();
    for e in edits {
        match *e {
            Edit::Insert(at, k) => {
                let i = boundary(&s, at);
                s.insert_str(i, SNIPPETS[k]);
            }
            Edit::Delete(at, n) => {
                let i = boundary(&s, at);
                let end = end_at(&s, i, n);
                s.replace_range(i..end, "");
            }
            Edit::Replace(at, n, k) => {
                let i = boundary(&s, at);
                let end = end_at(&s, i, n);
                s.replace_range(i..end, SNIPPETS[k]);
            }
        }
    }
    s
}

/// Runs `body` on `cases` values of `strategy` (proptest, shrinking a failure
/// to a small input), on the large stack kdl's parser needs.
fn run_cases<S>(cases: u32, strategy: S, body: fn(&S::Value) -> Result<bool, String>) -> usize
where
    S: Strategy + Send + 'static,
    S::Value: std::fmt::Debug,
{
    let (tx, rx) = std::sync::mpsc::channel();
    big_stack(move || {
        let accepted = std::cell::Cell::new(0usize);
        let mut runner = TestRunner::new(ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        let result = runner.run(&strategy, |v| match body(&v) {
            Ok(taken) => {
                accepted.set(accepted.get() + usize::from(taken));
                Ok(())
            }
            Err(e) => Err(TestCaseError::fail(e)),
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        tx.send(accepted.get()).unwrap();
    });
    rx.recv().unwrap()
}

#[test]
fn fast_path_agrees_with_parse_v2_on_mutations() {
    let bases: Vec<String> = corpus()
        .into_iter()
        .filter(|(_, t)| t.len() < 8_000 && fastkdl::parse(t).is_some())
        .map(|(_, t)| t)
        .take(200)
        .collect();
    assert!(!bases.is_empty());
    let strategy = (
        prop::sample::select(bases),
        prop::collection::vec(edit(), 1..=3),
    )
        .prop_map(|(base, edits)| mutate(&base, &edits));
    let accepted = run_cases(1500, strategy, |text| {
        check(text).map_err(|e| format!("{e}\n---\n{text}\n---"))
    });
    assert!(accepted > 100, "only {accepted} of 1500 mutations accepted");
}

#[test]
fn hand_written_cases_agree() {
    let cases = [
        "",
        "   ",
        "// only a comment",
        "/* only */",
        "a",
        "a;",
        "a;b;c",
        "a; b ;c",
        "a 1 2 3",
        "a 1 /* c */ 2 /* d */   \n",
        "a/* c */1",
        "a{}",
        "a {}",
        "a { }",
        "a {\n}\n",
        "a { b; c }",
        "a { b 1}",
        "a {b}  /* x */  // y\nb",
        "  \n\n  a k=v x=\"y\" z=#true n=#null f=#false i=-12 p=+3 r=1.25 s=-0.5 // c\n",
        "\"quoted name\" \"esc \\\" \\\\ \\n \\t \\r\" \"ünï\u{1F600}\"",
        "a - + -a +b a.b c:d e_f g-h 'x' |y| ~z @w $v %u ^t &s *r ?q !p <o> `n` ,m",
        "a\r\nb\rc\n",
        "a {\n  b {\n    c {\n      d 1\n    }\n  }\n}",
        "a; ;b",
        "a 1=2",
        "a \"k\"=1",
        "a k = 1",
        "a k=v=w",
        "a k= v",
        "a 00012 -0 +0",
        "a 1.",
        "a .5",
        "a 1a",
        "a #truex",
        "a {} b",
        "a {} {}",
        "a {} 1",
        "}",
        "a }",
        "{ a }",
        "a {",
        "a \"unterminated",
        "a /* unterminated",
        "a b\u{2028}c",
        "a // c\u{2028}b",
        "a\u{feff}",
    ];
    for c in cases {
        if let Err(e) = check(c) {
            panic!("{c:?}: {e}");
        }
    }
    for c in [
        "a",
        "a;b",
        "a { b 1}",
        "a 1 /* c */ 2 /* d */   \n",
        "\"q\" k=v",
    ] {
        assert_eq!(check(c), Ok(true), "{c:?} should take the fast path");
    }
}

#[test]
fn never_panics_on_odd_bytes() {
    let odd = "[ab1\\-+.=;{}\"\\\\/*#\n\r\t é\u{2028}\u{feff}()]{0,40}";
    run_cases(5000, odd, |s| check(s).map_err(|e| format!("{s:?}: {e}")));
    let deep = "a {".repeat(500) + &"}".repeat(500);
    let _ = fastkdl::parse(&deep);
}

fn render(compiled: &topogen::Compiled) -> String {
    let envs: Vec<String> = compiled
        .project
        .as_ref()
        .map(|p| p.envs.iter().map(|t| t.env.name.value.clone()).collect())
        .unwrap_or_default();
    let human = report::human(
        &compiled.source,
        &compiled.findings,
        &envs,
        Style {
            color: false,
            width: 80,
        },
    );
    format!("{human}\n{:?}\n{:?}", compiled.findings, compiled.project)
}

#[test]
fn compile_is_the_same_with_and_without_the_fast_path() {
    big_stack(compile_is_the_same_with_and_without_the_fast_path_body);
}

fn compile_is_the_same_with_and_without_the_fast_path_body() {
    let mut problems = Vec::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    for rule in topogen::check::registry() {
        texts.push((format!("{} fail", rule.code), rule.fail.to_owned()));
        texts.push((format!("{} fixed", rule.code), rule.fixed.to_owned()));
    }
    let root = root();
    for p in [
        "cluster.kdl",
        "examples/minimal/cluster.kdl",
        "examples/large/cluster.kdl",
    ] {
        texts.push((
            p.to_owned(),
            std::fs::read_to_string(root.join(p)).expect(p),
        ));
    }
    read_dir_files(&root.join("tests/hostile"), &mut texts);
    let mut seeds = Vec::new();
    read_dir_files(&root.join("fuzz/seeds"), &mut seeds);
    texts.extend(seeds.into_iter().step_by(20));
    for (name, text) in &texts {
        let fast = render(&topogen::compile(Source::new("cluster.kdl", text.as_str())));
        let slow = fastkdl::with_fast_path_disabled(|| {
            render(&topogen::compile(Source::new("cluster.kdl", text.as_str())))
        });
        if fast != slow {
            problems.push(format!("{name}:\n--- fast\n{fast}\n--- slow\n{slow}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
