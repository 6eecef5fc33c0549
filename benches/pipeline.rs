//! In-process benchmarks of each pipeline stage (issue 6), with divan:
//!
//! ```text
//! cargo bench --bench pipeline
//! ```
//!
//! Inputs: the repository's `cluster.kdl` and generated topologies of 10,
//! 100 and 1,000 nodes (`examples/gen_topology.rs`). Stages:
//!
//! - `parse`: KDL v2 text → document (the kdl crate alone);
//! - `lower`: parse + schema + environment overlays → `Project`;
//! - `check`: every validation rule on the lowered project;
//! - `compile`: lower + check, what `topogen validate` does after reading;
//! - `templates`: building the minijinja environment (every template parsed);
//! - `render`: `emit::plan`, every artifact of every environment in memory;
//! - `render_why`: `run::trace_files`, recording only `environments/dev.tfvars`
//!   (what `topogen why` on one of its lines does);
//! - `render_traced`: `run::trace`, the same with provenance recorded for
//!   every file (what `check` does: the leaves read, every value's origins);
//! - `diff`: `output::check` against an up-to-date tree on disk;
//! - `noop_build`: `output::build` of an unchanged tree (lock, compare, no write);
//! - `record_verify`: `cache::Store::verify`, what an up-to-date `build` or
//!   `check` does instead of `templates` + `render` + `diff` (hash the tree).
//!
//! A benchmark is not a test: nothing here asserts a time.

#[allow(dead_code)]
#[path = "../examples/gen_topology.rs"]
mod gen_topology;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::{Bencher, black_box};
use topogen::emit::{self, Plan, Templates};
use topogen::source::Source;

fn main() {
    divan::main();
}

/// The inputs, by name.
const INPUTS: &[&str] = &["cluster.kdl", "n10", "n100", "n1000"];

fn text(input: &str) -> String {
    match input {
        "cluster.kdl" => include_str!("../cluster.kdl").to_owned(),
        n => gen_topology::topology(n.trim_start_matches('n').parse().expect("nNUMBER")),
    }
}

fn source(input: &str) -> Source {
    Source::new(input, text(input))
}

/// The lowered project; panics if the input does not validate (a bench
/// must measure the success path).
fn project(input: &str) -> topogen::model::Project {
    let c = topogen::compile(source(input));
    assert!(
        !c.failed(false),
        "{input} does not validate: {:#?}",
        c.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    c.project.expect("a project")
}

fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| Templates::new(None).expect("built-in templates parse"))
}

fn plan(input: &str) -> Plan {
    emit::plan(&project(input), templates()).expect("renders")
}

/// A fresh temporary directory (removed when the first value drops) and the
/// tree built in it.
fn built_tree(input: &str, plan: &Plan) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::Builder::new()
        .prefix(&format!("topogen-bench-{input}-"))
        .tempdir()
        .expect("temp dir");
    let out = root.path().join("generated");
    topogen::output::build(plan, &out).expect("build");
    (root, out)
}

#[divan::bench(args = INPUTS)]
fn parse(bencher: Bencher, input: &str) {
    let text = text(input);
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench(|| kdl::KdlDocument::parse_v2(black_box(&text)).expect("parses"));
}

#[divan::bench(args = INPUTS)]
fn lower(bencher: Bencher, input: &str) {
    let src = source(input);
    bencher.bench(|| topogen::model::lower::lower(black_box(&src)));
}

#[divan::bench(args = INPUTS)]
fn check(bencher: Bencher, input: &str) {
    let src = source(input);
    let lowered = topogen::model::lower::lower(&src);
    let project = lowered.project.as_ref().expect("a project");
    bencher.bench(|| {
        let mut findings = topogen::diag::Findings::default();
        topogen::check::run(lowered.document.as_ref(), black_box(project), &mut findings);
        findings
    });
}

#[divan::bench(args = INPUTS)]
fn compile(bencher: Bencher, input: &str) {
    let src = source(input);
    bencher.bench(|| topogen::compile(black_box(src.clone())));
}

#[divan::bench]
fn templates_new() -> Templates {
    Templates::new(None).expect("built-in templates parse")
}

#[divan::bench(args = INPUTS)]
fn render(bencher: Bencher, input: &str) {
    let project = project(input);
    let t = templates();
    bencher.bench(|| emit::plan(black_box(&project), t).expect("renders"));
}

#[divan::bench(args = INPUTS)]
fn render_traced(bencher: Bencher, input: &str) {
    let c = topogen::compile(source(input));
    assert!(!c.failed(false), "{input} does not validate");
    let t = templates();
    bencher.bench(|| {
        let (plan, prov) = topogen::run::trace(black_box(&c), t).expect("a project");
        (plan.expect("renders"), prov)
    });
}

#[divan::bench(args = INPUTS)]
fn render_why(bencher: Bencher, input: &str) {
    let c = topogen::compile(source(input));
    assert!(!c.failed(false), "{input} does not validate");
    let t = templates();
    let asked = vec!["environments/dev.tfvars".to_owned()];
    bencher.bench(|| {
        let (plan, prov) =
            topogen::run::trace_files(black_box(&c), t, Some(asked.clone())).expect("a project");
        (plan.expect("renders"), prov)
    });
}

/// Benches `op` on the tree already built from `input`'s plan: it finds
/// nothing to do.
fn on_built_tree<T>(bencher: Bencher, input: &str, op: impl Fn(&Plan, &Path) -> Vec<T> + Sync) {
    let plan = plan(input);
    let (_root, out) = built_tree(input, &plan);
    bencher.bench(|| {
        let found = op(black_box(&plan), &out);
        assert!(found.is_empty());
        found
    });
}

#[divan::bench(args = INPUTS)]
fn diff(bencher: Bencher, input: &str) {
    on_built_tree(bencher, input, topogen::output::check);
}

#[divan::bench(args = INPUTS)]
fn noop_build(bencher: Bencher, input: &str) {
    on_built_tree(bencher, input, |plan, out| {
        topogen::output::build(plan, out).expect("build")
    });
}

#[divan::bench(args = INPUTS)]
fn record_verify(bencher: Bencher, input: &str) {
    use topogen::cache::{Key, Store};
    let plan = plan(input);
    let (root, out) = built_tree(input, &plan);
    let store = Store::at(root.path().join("records"));
    let key = Key::new(&text(input), []);
    store.record_plan(&out, key, &plan);
    let target = topogen::output::Target::named(&out);
    bencher.bench(|| store.verify(black_box(&target), key).expect("recorded"));
}
