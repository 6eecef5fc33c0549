//! Every rule of the registry against its own examples, each fragment placed
//! into the base cluster (`topogen::check::example`): the failing example
//! reports the rule and nothing else (with spans inside the file), the fixed one
//! (placed over the failing one) reports nothing at all, and the rendered diagnostic of the
//! failing example is snapshotted (`snapshots/rules/<code>__fail.snap`).

use std::collections::BTreeSet;

use topogen::check::{example, registry};
use topogen::diag::{Finding, Severity};
use topogen::report::{self, Style};
use topogen::source::Source;

fn compile(text: &str) -> (Source, Vec<Finding>, Vec<String>) {
    let source = Source::new("cluster.kdl", text);
    let compiled = topogen::compile(source.clone());
    let envs = compiled
        .project
        .as_ref()
        .map(|p| p.envs.iter().map(|t| t.env.name.value.clone()).collect())
        .unwrap_or_default();
    (source, compiled.findings, envs)
}

fn render(source: &Source, findings: &[Finding], envs: &[String]) -> String {
    report::human(
        source,
        findings,
        envs,
        Style {
            color: false,
            width: 80,
        },
    )
}

/// The findings a failing example cannot avoid besides its own rule's: one
/// broker left by an override is also a quorum of one; a second server pool is
/// also a pool that nothing keeps apps off.
const ALSO_REPORTED: &[(&str, &str)] = &[
    ("topogen::kafka::replication", "topogen::kafka::quorum"),
    (
        "topogen::pool::server",
        "topogen::scheduling::control-plane",
    ),
];

#[test]
fn the_base_cluster_is_valid_and_every_fragment_places() {
    let (source, findings, envs) = compile(example::BASE);
    assert!(
        findings.is_empty(),
        "the base of the rule examples should validate without findings:\n{}",
        render(&source, &findings, &envs)
    );
    for rule in registry() {
        let fail =
            example::place(&[rule.fail]).unwrap_or_else(|e| panic!("{} fail: {e}", rule.code));
        let fixed = example::place(&[rule.fail, rule.fixed])
            .unwrap_or_else(|e| panic!("{} fixed: {e}", rule.code));
        assert_ne!(
            fail,
            example::BASE,
            "{}: the failing fragment changes nothing",
            rule.code
        );
        assert_ne!(
            fixed, fail,
            "{}: the fixed fragment changes nothing",
            rule.code
        );
    }
}

#[test]
fn every_failing_example_reports_its_rule() {
    let mut problems = Vec::new();
    for rule in registry() {
        let (source, findings, envs) = compile(&rule.fail_file());
        let own: Vec<&Finding> = findings.iter().filter(|f| f.code == rule.code).collect();
        let others: Vec<&str> = findings
            .iter()
            .map(|f| f.code)
            .filter(|c| *c != rule.code && !ALSO_REPORTED.contains(&(rule.code, *c)))
            .collect();
        if own.is_empty() || !others.is_empty() {
            problems.push(format!(
                "{}: the failing example should report it and nothing else; it reports:\n{}",
                rule.code,
                render(&source, &findings, &envs)
            ));
        }
        for f in &findings {
            for l in &f.labels {
                let end = l.span.offset.checked_add(l.span.len);
                if end.is_none_or(|e| e > source.text.len()) {
                    problems.push(format!(
                        "{}: label {:?} of `{}` lies outside the example",
                        rule.code, l, f.message
                    ));
                }
            }
            if f.code == rule.code && f.labels.is_empty() {
                problems.push(format!(
                    "{}: a finding without a label: {}",
                    rule.code, f.message
                ));
            }
            if f.code == rule.code && f.help.is_none() {
                problems.push(format!(
                    "{}: a finding without help: {}",
                    rule.code, f.message
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn every_fixed_example_is_clean() {
    let mut problems = Vec::new();
    for rule in registry() {
        let (source, findings, envs) = compile(&rule.fixed_file());
        if !findings.is_empty() {
            problems.push(format!(
                "{}: the fixed example should report nothing; it reports:\n{}",
                rule.code,
                render(&source, &findings, &envs)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn failing_examples_render() {
    snapshots::settings().bind(|| {
        for rule in registry() {
            let file = rule.fail_file();
            let (source, findings, envs) = compile(&file);
            insta::with_settings!({ description => file }, {
                insta::assert_snapshot!(
                    snapshots::name(rule.code, "fail"),
                    render(&source, &findings, &envs)
                );
            });
        }
    });
}

#[test]
fn registry_is_sorted_unique_and_documented() {
    let codes: Vec<&str> = registry().iter().map(|r| r.code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted, "rules::ALL must be sorted by code");
    let unique: BTreeSet<&str> = codes.iter().copied().collect();
    assert_eq!(unique.len(), codes.len(), "rule codes must be unique");
    for rule in registry() {
        assert!(rule.code.starts_with("topogen::"), "{}", rule.code);
        assert!(
            rule.code
                .trim_start_matches("topogen::")
                .split("::")
                .all(|p| !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')),
            "{}: codes are `topogen::<area>::<name>` in lowercase",
            rule.code
        );
        assert!(!rule.summary.is_empty(), "{}: no summary", rule.code);
        assert!(
            rule.docs.contains("## What it does") && rule.docs.contains("## Why is this bad?"),
            "{}: docs need ruff's sections",
            rule.code
        );
        assert!(
            !rule.fail.is_empty() && !rule.fixed.is_empty(),
            "{}: examples",
            rule.code
        );
        assert_ne!(
            rule.fail, rule.fixed,
            "{}: the fixed example must differ",
            rule.code
        );
    }
}

#[test]
fn the_repository_cluster_validates() {
    let (source, findings, envs) = compile(include_str!("../cluster.kdl"));
    assert!(
        findings.is_empty(),
        "cluster.kdl should validate without findings:\n{}",
        render(&source, &findings, &envs)
    );
}

#[test]
fn the_examples_validate_without_errors() {
    for (name, text) in [
        (
            "examples/minimal",
            include_str!("../examples/minimal/cluster.kdl"),
        ),
        (
            "examples/large",
            include_str!("../examples/large/cluster.kdl"),
        ),
    ] {
        let (source, findings, envs) = compile(text);
        assert!(
            !findings.iter().any(|f| f.severity == Severity::Error),
            "{name} should validate without errors:\n{}",
            render(&source, &findings, &envs)
        );
    }
}

/// Every snapshot is `snapshots/<test>/<input>__<output>.snap` of a test file
/// that takes its settings from `tests/support/snapshots.rs`.
#[test]
fn every_snapshot_follows_the_one_layout() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for dir in std::fs::read_dir(root.join("snapshots")).unwrap() {
        let dir = dir.unwrap().path();
        let test = dir.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(root.join("tests").join(format!("{test}.rs")));
        if !source.is_ok_and(|s| s.contains("\"support/snapshots.rs\"")) {
            problems.push(format!(
                "snapshots/{test}/: no tests/{test}.rs using support/snapshots.rs"
            ));
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
                continue; // insta's snapshots awaiting review
            }
            if !name.ends_with(".snap") || !name.contains("__") {
                problems.push(format!(
                    "snapshots/{test}/{name}: not <input>__<output>.snap"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[path = "support/snapshots.rs"]
mod snapshots;

/// A topic written for the base's three brokers, in an environment that
/// scales the broker pool down: the finding names the environment, points
/// at the topic and at the environment's `count`, and the override clears it.
#[test]
fn topic_replicas_are_checked_against_a_smaller_environment() {
    let base = "kafka events brokers=kafka {\n    replication factor=3 min-insync=2\n    listener plain type=internal port=9092\n    topic orders partitions=6 replicas=3\n}\nenvironment dev {\n    pool kafka count=1\n    kafka events {\n        replication factor=1 min-insync=1\n    }\n}\nenvironment prod production=#true\n";
    let text = example::place(&[base]).unwrap();
    let (source, findings, envs) = compile(&text);
    let topic: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.code == "topogen::kafka::topic-replicas")
        .collect();
    assert_eq!(topic.len(), 1, "{}", render(&source, &findings, &envs));
    let f = topic[0];
    assert!(
        f.message.contains("the environment has 1 broker"),
        "{}",
        f.message
    );
    let env_start = text.find("environment dev").unwrap();
    let env_end = text.find("environment prod").unwrap();
    let labels: Vec<usize> = f.labels.iter().map(|l| l.span.offset).collect();
    assert!(
        labels.iter().any(|&o| o > env_start && o < env_end),
        "a label in the dev block: {labels:?}"
    );
    assert!(
        labels.contains(&text.find("orders").unwrap()),
        "a label on the topic: {labels:?}"
    );
    assert!(f.help.as_deref().unwrap_or("").contains("environment dev"));
    let fixed = text.replace(
        "        replication factor=1 min-insync=1\n",
        "        replication factor=1 min-insync=1\n        topic orders replicas=1\n",
    );
    let (_, findings, _) = compile(&fixed);
    assert!(
        !findings
            .iter()
            .any(|f| f.code == "topogen::kafka::topic-replicas"),
        "the override fixes it"
    );
}

/// `retire`: one finding per mistake, each with the rule that owns it — a
/// control-plane retire (not also the Primary IP it takes away), an empty or
/// missing reason (also in an `environment` overlay), the same index twice in
/// one block (`topogen::schema::duplicate`), a Primary IP on a retired node,
/// and a pool whose highest live index outgrows its range.
#[test]
fn retire_mistakes_are_one_finding_each() {
    let base = include_str!("../cluster.kdl");
    let codes = |text: &str| -> Vec<&'static str> {
        let (_, findings, _) = compile(text);
        findings.iter().map(|f| f.code).collect()
    };
    let with = |from: &str, to: &str| -> String {
        assert!(base.contains(from), "{from}");
        base.replacen(from, to, 1)
    };
    let control = "pool control role=server server-type=cx23 count=1 range=control apps=#false {";
    let kafka = "pool kafka role=agent server-type=cx23 count=3 range=kafka {";
    let worker = "pool worker role=agent server-type=cx23 count=1 range=workers {";
    // the block `opener` opens as `new_opener`, with `lines` written first in it
    let reopened = |opener: &str, new_opener: &str, lines: &str| {
        with(opener, &format!("{new_opener}\n        {lines}"))
    };
    let inside = |opener: &str, lines: &str| reopened(opener, opener, lines);
    let cases: &[(String, &[&str])] = &[
        (
            inside(control, "retire 0 reason=\"x\""),
            &["topogen::pool::retire"],
        ),
        (
            inside(worker, "retire 0 reason=\" \""),
            &["topogen::pool::retire"],
        ),
        (
            inside(
                "    environment dev {",
                "pool worker {\n            retire 0\n        }",
            ),
            &["topogen::pool::retire"],
        ),
        (
            inside(
                worker,
                "retire 0 reason=\"a\"\n        retire 0 reason=\"b\"",
            ),
            &["topogen::schema::duplicate"],
        ),
        (
            // primary-ip node=0 is in the bundled file
            inside(kafka, "retire 0 reason=\"disk\""),
            &["topogen::pool::primary-ip"],
        ),
        (
            // range workers holds 20 addresses: 19 nodes and index 3 retired reach index 19
            // (fits), 20 nodes reach index 20 (does not)
            reopened(
                worker,
                &worker.replace("count=1 ", "count=20 "),
                "retire 3 reason=\"disk\"",
            ),
            &["topogen::ip::pool-capacity"],
        ),
        (
            reopened(
                worker,
                &worker.replace("count=1 ", "count=19 "),
                "retire 3 reason=\"disk\"",
            ),
            &[],
        ),
    ];
    for (text, want) in cases {
        // the same mistake in dev and prod is one finding
        assert_eq!(codes(text), *want, "{text}");
    }
}
