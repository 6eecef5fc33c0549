//! The KDL fast path (`topogen::model::fastkdl`) against kdl's own v2
//! parser: whenever the fast path accepts a text, the document must be the
//! one `KdlDocument::parse_v2` builds, spans included; and `topogen::compile`
//! must report the same with and without it.

use std::path::{Path, PathBuf};

use kdl::{KdlDocument, KdlEntry, KdlNode};
use topogen::model::fastkdl;
use topogen::report::{self, Style};
use topogen::source::Source;

#[allow(dead_code)]
#[path = "../examples/gen_topology.rs"]
mod gen_topology;

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

fn cmp_entry(path: &str, a: &KdlEntry, b: &KdlEntry) -> Result<(), String> {
    if a.value() != b.value() {
        return Err(format!("{path}: value {:?} != {:?}", a.value(), b.value()));
    }
    if a.span() != b.span() {
        return Err(format!(
            "{path}: entry span {:?} != {:?}",
            a.span(),
            b.span()
        ));
    }
    if a.ty().is_some() || b.ty().is_some() {
        return Err(format!("{path}: type annotation"));
    }
    match (a.name(), b.name()) {
        (None, None) => Ok(()),
        (Some(x), Some(y)) if x.value() == y.value() && x.span() == y.span() => Ok(()),
        (x, y) => Err(format!("{path}: key {x:?} != {y:?}")),
    }
}

fn cmp_node(path: &str, a: &KdlNode, b: &KdlNode) -> Result<(), String> {
    let path = format!("{path}/{}", b.name().value());
    if a.name().value() != b.name().value() || a.name().span() != b.name().span() {
        return Err(format!("{path}: name {:?} != {:?}", a.name(), b.name()));
    }
    if a.span() != b.span() {
        return Err(format!(
            "{path}: node span {:?} != {:?}",
            a.span(),
            b.span()
        ));
    }
    if a.ty().is_some() || b.ty().is_some() {
        return Err(format!("{path}: type annotation"));
    }
    if a.entries().len() != b.entries().len() {
        return Err(format!(
            "{path}: {} entries != {}",
            a.entries().len(),
            b.entries().len()
        ));
    }
    for (x, y) in a.entries().iter().zip(b.entries()) {
        cmp_entry(&path, x, y)?;
    }
    match (a.children(), b.children()) {
        (None, None) => Ok(()),
        (Some(x), Some(y)) => cmp_doc(&path, x, y),
        _ => Err(format!("{path}: children presence differs")),
    }
}

fn cmp_doc(path: &str, a: &KdlDocument, b: &KdlDocument) -> Result<(), String> {
    if a.span() != b.span() {
        return Err(format!(
            "{path}: document span {:?} != {:?}",
            a.span(),
            b.span()
        ));
    }
    if a.nodes().len() != b.nodes().len() {
        return Err(format!(
            "{path}: {} nodes != {}",
            a.nodes().len(),
            b.nodes().len()
        ));
    }
    for (x, y) in a.nodes().iter().zip(b.nodes()) {
        cmp_node(path, x, y)?;
    }
    Ok(())
}

/// `Ok(true)` when the fast path accepted the text (and agreed), `Ok(false)`
/// when it declined.
fn check(text: &str) -> Result<bool, String> {
    let Some(fast) = fastkdl::parse(text) else {
        return Ok(false);
    };
    match KdlDocument::parse_v2(text) {
        Ok(slow) => cmp_doc("", &fast, &slow).map(|()| true),
        Err(e) => Err(format!("fast path accepted what parse_v2 rejects: {e:?}")),
    }
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

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
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

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_owned();
    for _ in 0..1 + rng.below(3) {
        let mut at = rng.below(s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(3) {
            0 => s.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]),
            1 => {
                let mut end = (at + 1 + rng.below(8)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                let mut end = (at + rng.below(4)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, SNIPPETS[rng.below(SNIPPETS.len())]);
            }
        }
    }
    s
}

#[test]
fn fast_path_agrees_with_parse_v2_on_mutations() {
    big_stack(fast_path_agrees_with_parse_v2_on_mutations_body);
}

fn fast_path_agrees_with_parse_v2_on_mutations_body() {
    let bases: Vec<String> = corpus()
        .into_iter()
        .filter(|(_, t)| t.len() < 8_000 && fastkdl::parse(t).is_some())
        .map(|(_, t)| t)
        .take(200)
        .collect();
    assert!(!bases.is_empty());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut problems = Vec::new();
    let (mut accepted, mut total) = (0, 0);
    for round in 0..1500 {
        let base = &bases[round % bases.len()];
        let text = mutate(&mut rng, base);
        total += 1;
        match check(&text) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(e) => {
                if problems.len() < 5 {
                    problems.push(format!("{e}\n---\n{text}\n---"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        accepted > 100,
        "only {accepted} of {total} mutations accepted"
    );
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
    let mut rng = Rng(42);
    let alphabet: Vec<char> = "ab1-+.=;{}\"\\/*#\n\r\t é\u{2028}\u{feff}()"
        .chars()
        .collect();
    for _ in 0..5000 {
        let len = rng.below(40);
        let s: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        if let Err(e) = check(&s) {
            panic!("{s:?}: {e}");
        }
    }
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
