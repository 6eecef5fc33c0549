//! Bounded work (issue 11): every limit of `src/source.rs` is a
//! `topogen::syntax::limits` error with a span and a help line, reported
//! before the work it bounds (no project, nothing merged, resolved or
//! rendered); inputs at the limits are accepted and render with the built-in
//! templates; an overlay template that loops or writes without end stops
//! with an error naming it.
//!
//! Nothing here measures time: how long the worst inputs take is a
//! benchmark (BENCHMARKS.md, "Hostile inputs"; `scripts/bench-hostile.sh`).

use std::path::Path;
use std::process::Command;

use topogen::Compiled;
use topogen::diag::Finding;
use topogen::emit::Templates;
use topogen::source::{self, Source};

const CLUSTER: &str = include_str!("../cluster.kdl");
const BIN: &str = env!("CARGO_BIN_EXE_topogen");
const LIMITS: &str = "topogen::syntax::limits";

/// The repository's cluster without its environments and closing brace.
fn base() -> &'static str {
    let end = CLUSTER
        .find("\n    // Environments overlay")
        .expect("cluster.kdl has environments");
    &CLUSTER[..=end]
}

fn with_envs(base: &str, n: usize) -> String {
    let mut s = base.to_owned();
    for i in 0..n {
        s.push_str(&format!("    environment e{i}\n"));
    }
    s.push_str("}\n");
    s
}

/// The worker pool of `base` with `count` nodes, in a /8 with room for them.
fn workers(count: u32) -> String {
    let b = base()
        .replace(
            "network \"10.0.0.0/16\" subnet=\"10.0.1.0/24\"",
            "network \"10.0.0.0/8\" subnet=\"10.0.0.0/8\"",
        )
        .replace(
            "range workers from=30 to=49",
            "range workers from=1000 to=999999",
        )
        .replace(
            "pool worker role=agent server-type=cx23 count=1 range=workers",
            &format!("pool worker role=agent server-type=cx23 count={count} range=workers"),
        );
    assert!(b.contains(&format!("count={count} range=workers")));
    b
}

fn compile(text: &str) -> Compiled {
    topogen::compile(Source::new("cluster.kdl", text.to_owned()))
}

/// The limits finding whose message contains `needle`; it has a span in the
/// file and a help line, and nothing was lowered into a project.
fn limit<'c>(c: &'c Compiled, needle: &str) -> &'c Finding {
    let f = c
        .findings
        .iter()
        .find(|f| f.code == LIMITS && f.message.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "no `{LIMITS}` finding with {needle:?}: {:?}",
                c.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
            )
        });
    assert!(c.failed(false));
    assert!(c.project.is_none(), "a project was built past a limit");
    assert!(f.help.is_some(), "{}: no help", f.message);
    let primary = f.primary().expect("a span");
    assert!(primary.offset + primary.len <= c.source.text.len());
    f
}

fn labelled<'c>(c: &'c Compiled, f: &Finding) -> Vec<&'c str> {
    f.labels
        .iter()
        .map(|l| &c.source.text[l.span.offset..l.span.offset + l.span.len])
        .collect()
}

#[test]
fn too_many_words_are_refused_before_parsing() {
    let needle = format!("topogen reads at most {}", source::MAX_WORDS);
    // valid KDL (the fast parser's subset), and the same through the `kdl`
    // crate's slow path (a slashdash is outside the subset)
    for text in [
        "a; ".repeat(source::MAX_WORDS + 1),
        format!("/-a\n{}", "/-a; ".repeat(source::MAX_WORDS)),
    ] {
        let c = compile(&text);
        let f = limit(&c, &needle);
        // nothing was parsed: one finding, not one per node
        assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
        assert_eq!(labelled(&c, f), ["a"]);
        // `topogen fmt` refuses it the same way
        let findings = topogen::format::format(&text).expect_err("formatted past the limit");
        assert!(findings.iter().any(|f| f.message.contains(&needle)));
    }
    // at the limit the file is parsed: one finding per unknown node
    let c = compile(&"a; ".repeat(source::MAX_WORDS));
    assert!(!c.findings.iter().any(|f| f.message.contains(&needle)));
    assert_eq!(c.findings.len(), source::MAX_FINDINGS + 1);
}

#[test]
fn the_size_limit_is_checked_on_the_bytes() {
    let at = format!("// {}\n", "x".repeat(source::MAX_BYTES - 4));
    assert_eq!(at.len(), source::MAX_BYTES);
    let (_, finding) = topogen::run::from_bytes("cluster.kdl", at.clone().into_bytes());
    assert!(finding.is_none(), "{finding:?}");
    let (src, finding) = topogen::run::from_bytes("cluster.kdl", format!("{at} ").into_bytes());
    let c = topogen::run::compile_with(src, finding);
    limit(&c, &format!("larger than {} KiB", source::MAX_BYTES / 1024));
}

#[test]
fn too_many_environments_are_refused_before_merging() {
    let c = compile(&with_envs(base(), source::MAX_ENVIRONMENTS + 1));
    let f = limit(
        &c,
        &format!(
            "defines {} environments; topogen builds at most {}",
            source::MAX_ENVIRONMENTS + 1,
            source::MAX_ENVIRONMENTS
        ),
    );
    let extra = format!("environment e{}\n", source::MAX_ENVIRONMENTS);
    assert_eq!(f.labels[0].span.offset, c.source.text.find(&extra).unwrap());
}

#[test]
fn environments_times_words_are_refused_before_merging() {
    let per_env = source::MAX_ENV_WORDS / source::MAX_ENVIRONMENTS;
    let text = |base_nodes: usize| {
        with_envs(
            &format!("cluster x {{\n{}", "a\n".repeat(base_nodes)),
            source::MAX_ENVIRONMENTS,
        )
    };
    let c = compile(&text(per_env + 1));
    let f = limit(
        &c,
        &format!(
            "{} environments each repeat a base of {} nodes",
            source::MAX_ENVIRONMENTS,
            per_env + 1
        ),
    );
    assert_eq!(f.labels.len(), 2, "the base and the environments");
    // at the limit, every environment is lowered (and reports the same findings)
    let c = compile(&text(per_env));
    assert!(!c.findings.iter().any(|f| f.message.contains("each repeat")));
}

#[test]
fn too_many_nodes_are_refused_before_any_is_derived() {
    let over = u32::try_from(source::MAX_NODES).unwrap() + 1;
    let c = compile(&with_envs(&workers(over), 1));
    let f = limit(
        &c,
        &format!(
            "environment `e0` has {} nodes in all; topogen builds at most {}",
            u64::from(over) + 4, // and the control and Kafka pools' 4
            source::MAX_NODES
        ),
    );
    assert_eq!(labelled(&c, f)[0], format!("count={over}"));
    // the same pools in two environments: counted twice, the span once
    let half = over / 2 + 1;
    let c = compile(&with_envs(&workers(half), 2));
    let f = limit(&c, "the 2 environments have");
    assert_eq!(labelled(&c, f)[0], format!("count={half}"));
    assert_eq!(
        labelled(&c, f)
            .iter()
            .filter(|l| l.contains("count="))
            .count(),
        f.labels.len(),
        "one label per count, each where it is written"
    );
}

/// The largest topologies the limits accept validate and render with the
/// built-in templates: within their fuel and bytes.
#[test]
fn topologies_at_the_limits_render_with_the_built_in_templates() {
    let templates = Templates::new(None).unwrap();
    let nodes = u32::try_from(source::MAX_NODES / 2).unwrap() - 4;
    // 10,000 nodes: two environments of 4,996 workers and 4 other nodes
    let c = compile(&with_envs(&workers(nodes), 2));
    assert!(!c.failed(false), "{:?}", c.findings);
    let plan = topogen::emit::plan(c.project.as_ref().unwrap(), &templates).unwrap();
    assert!(plan.files["environments/e1.tfvars"].contains("10.0.23.107"));
    // 64 environments of the repository's cluster
    let c = compile(&with_envs(base(), source::MAX_ENVIRONMENTS));
    assert!(!c.failed(false), "{:?}", c.findings);
    let plan = topogen::emit::plan(c.project.as_ref().unwrap(), &templates).unwrap();
    assert!(plan.files.contains_key("environments/e63.tfvars"));
}

fn overlay(template: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("templates/docs/TOPOLOGY.md.j2");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, template).unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), CLUSTER).unwrap();
    dir
}

/// Rendering with the overlay at `dir` fails in the overlaid template, saying `says`.
fn assert_overlay_refused(dir: &Path, says: &str) {
    let overlay = topogen::app::read_overlay(&dir.join("templates")).unwrap();
    let templates = Templates::new(Some(overlay)).unwrap();
    let c = compile(CLUSTER);
    let e = topogen::emit::plan(c.project.as_ref().unwrap(), &templates)
        .expect_err("the overlay rendered");
    assert_eq!(e.template, "docs/TOPOLOGY.md.j2");
    assert!(e.message.contains(says), "no `{says}` in: {}", e.message);
}

#[test]
fn an_overlay_that_loops_without_end_runs_out_of_fuel() {
    let dir = overlay(
        "{{% for a in range(100000) %}}{{% for b in range(100000) %}}x{{% endfor %}}{{% endfor %}}\n",
    );
    assert_overlay_refused(
        dir.path(),
        &format!(
            "ran out of fuel: they may run {} instructions",
            source::MAX_TEMPLATE_FUEL
        ),
    );
    // through the command line: an error naming the template, nothing written
    for args in [&["build"][..], &["check"]] {
        let o = Command::new(BIN)
            .current_dir(dir.path())
            .args(args)
            .args(["--templates", "templates", "--color", "never", "--no-cache"])
            .env("TOPOGEN_CACHE_DIR", "")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("docs/TOPOLOGY.md.j2") && err.contains("ran out of fuel"),
            "{args:?}: {err}"
        );
        assert!(!dir.path().join("generated").exists());
    }
}

#[test]
fn an_overlay_that_writes_without_end_is_stopped_at_the_byte_limit() {
    // each value is within minijinja's own 100 MB limit on a repeated
    // string; together they pass the build's limit
    let mib = 1 << 20;
    let times = source::MAX_RENDERED_BYTES / mib + 1;
    let dir = overlay(&format!(
        "{{{{% for i in range({times}) %}}}}{{{{{{ \"x\" * {mib} }}}}}}{{{{% endfor %}}}}\n"
    ));
    assert_overlay_refused(
        dir.path(),
        &format!("would exceed {} MiB", source::MAX_RENDERED_BYTES >> 20),
    );
}

/// minijinja's filters that make a value far larger than their input stop
/// before building it: a value past the byte limit could never be written.
#[test]
fn an_overlay_filter_that_would_build_a_huge_value_is_refused() {
    for (filter, template) in [
        ("indent", "{{{ \"a\\nb\"|indent(100000000000) }}}\n"),
        (
            "replace",
            "{{{ (\"x\" * 2000000)|replace(\"x\", \"yyyyyyyyyy\") }}}\n",
        ),
        ("join", "{{{ range(100000)|join(\"x\" * 200) }}}\n"),
    ] {
        let dir = overlay(template);
        assert_overlay_refused(
            dir.path(),
            &format!(
                "`{filter}` would make a value larger than the {} MiB",
                source::MAX_RENDERED_BYTES >> 20
            ),
        );
    }
}
