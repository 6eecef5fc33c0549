//! `topogen plan`: a table of edits of the bundled `cluster.kdl`, each with
//! the changes and classes it must produce; then the command from the
//! outside: exit codes, the JSON shape, Markdown, `--base FILE` and
//! `--base REV` in a scratch git repository.

use std::path::Path;
use std::process::Command;

use bin::topogen;
use topogen::model::Resolved;
use topogen::plan::{Change, Class, EnvPlan, Kind, Side};
use topogen::source::Source;

const BASE: &str = include_str!("../cluster.kdl");

fn compiled(name: &str, text: &str) -> topogen::Compiled {
    let c = topogen::compile(Source::new(name, text.to_owned()));
    assert!(
        !c.failed(false),
        "{name} does not validate: {:#?}",
        c.findings
    );
    c
}

/// The plan of environment `dev` from `base` to `new`.
fn plan(base: &str, new: &str) -> EnvPlan {
    let (b, n) = (compiled("base", base), compiled("new", new));
    let dev = |c: &topogen::Compiled| -> Vec<topogen::model::Topology> {
        let p = c.project.as_ref().unwrap();
        p.envs
            .iter()
            .filter(|t| t.env.name.value == "dev")
            .cloned()
            .collect()
    };
    let (bt, nt) = (dev(&b), dev(&n));
    let br: Vec<Resolved<'_>> = bt.iter().map(Resolved::new).collect();
    let nr: Vec<Resolved<'_>> = nt.iter().map(Resolved::new).collect();
    let mut plans = topogen::plan::plan(&br, &nr);
    assert_eq!(plans.len(), 1);
    plans.remove(0)
}

/// `(kind, subject, class)` of every change, in the plan's order.
fn summary(p: &EnvPlan) -> Vec<(Kind, String, Class)> {
    p.changes
        .iter()
        .map(|c| (c.kind, c.subject.clone(), c.class))
        .collect()
}

/// The plan of environment `dev` from the bundled file to the bundled file
/// with `edits`, and that edited text.
fn plan_from_base(edits: &[(&str, &str)]) -> (String, EnvPlan) {
    let new = edit(BASE, edits);
    let p = plan(BASE, &new);
    (new, p)
}

/// The plan has a change of `kind` to `subject` in `class`.
fn assert_has(p: &EnvPlan, kind: Kind, subject: &str, class: Class) {
    assert!(
        p.changes
            .iter()
            .any(|c| c.kind == kind && c.subject == subject && c.class == class),
        "no {kind:?} of {subject} ({class:?}): {:#?}",
        p.changes
    );
}

/// The plan's changes are `expected` (kind, subject, class), in this order.
fn assert_changes(p: &EnvPlan, expected: &[(Kind, &str, Class)]) {
    let expected: Vec<(Kind, String, Class)> = expected
        .iter()
        .map(|&(kind, subject, class)| (kind, subject.to_owned(), class))
        .collect();
    assert_eq!(summary(p), expected);
}

/// The plan's one change is of `kind` to `subject` in `class`.
fn assert_only(p: &EnvPlan, kind: Kind, subject: &str, class: Class) {
    assert_changes(p, &[(kind, subject, class)]);
}

/// The plan's first change of `kind`.
fn change(p: &EnvPlan, kind: Kind) -> &Change {
    p.changes.iter().find(|c| c.kind == kind).unwrap()
}

/// The text a change's span covers in the file of its side.
fn blamed<'a>(p: &EnvPlan, kind: Kind, base: &'a str, new: &'a str) -> &'a str {
    let c = change(p, kind);
    let text = match c.side {
        Side::New => new,
        Side::Base => base,
    };
    &text[c.span.offset..c.span.offset + c.span.len]
}

use Class::{Additive, Destructive, Disruptive, InPlace};

#[test]
fn nothing_changed_is_an_empty_plan() {
    let p = plan(BASE, BASE);
    assert!(p.changes.is_empty(), "{:#?}", p.changes);
    assert_eq!(p.cost_before, p.cost_after);
}

#[test]
fn a_worker_removed_from_the_end_of_its_pool_removes_only_that_server() {
    let base = edit(
        BASE,
        &[(
            "pool worker role=agent server-type=cx23 count=1",
            "pool worker role=agent server-type=cx23 count=3",
        )],
    );
    let new = edit(&base, &[("count=3 range=workers", "count=2 range=workers")]);
    let p = plan(&base, &new);
    assert_only(&p, Kind::ServerRemoved, "worker-2", Destructive);
    // removed things point at the base
    assert_eq!(p.changes[0].side, Side::Base);
    assert!(blamed(&p, Kind::ServerRemoved, &base, &new).contains('3'));
    assert!(p.cost_after < p.cost_before);
}

#[test]
fn a_worker_retired_from_the_middle_destroys_only_that_server() {
    let base = edit(
        BASE,
        &[(
            "pool worker role=agent server-type=cx23 count=1 range=workers {",
            "pool worker role=agent server-type=cx23 count=3 range=workers {",
        )],
    );
    let new = edit(
        &base,
        &[(
            "count=3 range=workers {",
            "count=2 range=workers {\n        retire 1 reason=\"disk failure\"",
        )],
    );
    let p = plan(&base, &new);
    // worker-0 and worker-2 keep their names and addresses: nothing else changes
    assert_only(&p, Kind::ServerRetired, "worker-1", Destructive);
    assert_eq!(p.changes[0].side, Side::New);
    // blamed on the `retire` node in the working file
    assert_eq!(blamed(&p, Kind::ServerRetired, &base, &new), "retire");
    assert!(p.changes[0].summary.contains("disk failure"));
    assert!(p.cost_after < p.cost_before);
}

#[test]
fn a_kafka_node_retired_with_the_same_count_adds_the_next_index() {
    let (_, p) = plan_from_base(&[(
        "pool kafka role=agent server-type=cx23 count=3 range=kafka {",
        "pool kafka role=agent server-type=cx23 count=3 range=kafka {\n        retire 1 reason=\"broken disk\"",
    )]);
    assert_has(&p, Kind::ServerRetired, "kafka-1", Destructive);
    assert_has(&p, Kind::ServerAdded, "kafka-3", Additive);
    assert!(
        !p.changes.iter().any(|c| matches!(
            c.kind,
            Kind::ServerReplaced | Kind::ServerRemoved | Kind::IpMoved
        )),
        "no other node moves: {:#?}",
        p.changes
    );
    let retired = change(&p, Kind::ServerRetired);
    assert!(retired.notes.iter().any(|n| n.contains("remove-node-ids")));
}

#[test]
fn a_pool_removed_from_the_middle_removes_only_its_servers() {
    // base: a `batch` pool between `kafka` and `worker`, with its own range
    let base = edit(
        BASE,
        &[
            (
                "range infrastructure from=50 to=99",
                "range batch from=50 to=59\n        range infrastructure from=60 to=99",
            ),
            (
                "    pool worker role=agent",
                "    pool batch role=agent server-type=cx23 count=2 range=batch {\n        labels role=batch\n    }\n    pool worker role=agent",
            ),
        ],
    );
    let p = plan(&base, BASE);
    // every other server keeps its name and address: nothing else changes
    assert_changes(
        &p,
        &[
            (Kind::ServerRemoved, "batch-0", Destructive),
            (Kind::ServerRemoved, "batch-1", Destructive),
        ],
    );
}

#[test]
fn a_server_type_change_resizes_in_place() {
    let (new, p) = plan_from_base(&[(
        "pool kafka role=agent server-type=cx23",
        "pool kafka role=agent server-type=cx22",
    )]);
    assert_eq!(
        summary(&p),
        ["kafka-0", "kafka-1", "kafka-2"]
            .map(|n| (Kind::ServerResized, n.to_owned(), Disruptive))
            .to_vec()
    );
    assert_eq!(
        blamed(&p, Kind::ServerResized, BASE, &new),
        "server-type=cx22"
    );
    assert!(p.changes[0].notes.iter().any(|n| n.contains("together")));
    assert!(p.cost_after < p.cost_before);
}

#[test]
fn a_nodeport_range_widened_is_additive() {
    let (new, p) = plan_from_base(&[("port=\"30001-30004\"", "port=\"30001-30010\"")]);
    assert_only(&p, Kind::PortsWidened, "kafka", Additive);
    assert!(p.changes[0].summary.contains("open to the internet"));
    assert!(blamed(&p, Kind::PortsWidened, BASE, &new).contains("30001-30010"));
}

/// The edits that grow the base's Kafka pool from three nodes to five, with a
/// NodePort for each new broker.
const KAFKA_FIVE: &[(&str, &str)] = &[
    (
        "server-type=cx23 count=3 range=kafka",
        "server-type=cx23 count=5 range=kafka",
    ),
    ("port=\"30001-30004\"", "port=\"30001-30006\""),
];

#[test]
fn kafka_three_to_five_adds_brokers_and_changes_the_quorum() {
    let (_, p) = plan_from_base(KAFKA_FIVE);
    assert_has(&p, Kind::ServerAdded, "kafka-3", Additive);
    assert_has(&p, Kind::ServerAdded, "kafka-4", Additive);
    assert_has(&p, Kind::BrokersAdded, "trading-cluster", Additive);
    assert_has(&p, Kind::ControllersChanged, "trading-cluster", Disruptive);
    assert_has(&p, Kind::PortsWidened, "kafka", Additive);
    // scaling leaves the existing servers alone
    assert!(!p.changes.iter().any(|c| c.kind == Kind::ServerReplaced));
    let brokers = change(&p, Kind::BrokersAdded);
    assert!(brokers.notes.iter().any(|n| n.contains("not reassigned")));
    assert_eq!(p.worst(), Some(Disruptive));
}

#[test]
fn kafka_five_to_three_removes_brokers() {
    let five = edit(BASE, KAFKA_FIVE);
    let p = plan(&five, BASE);
    assert_has(&p, Kind::BrokersRemoved, "trading-cluster", Destructive);
    assert_has(&p, Kind::ServerRemoved, "kafka-4", Destructive);
    assert_has(&p, Kind::PortsNarrowed, "kafka", Disruptive);
}

#[test]
fn a_kafka_version_bump_is_a_rolling_update() {
    let (new, p) = plan_from_base(&[("kafka \"4.0.0\"", "kafka \"4.1.0\"")]);
    assert_only(&p, Kind::VersionChanged, "kafka", Disruptive);
    assert_eq!(blamed(&p, Kind::VersionChanged, BASE, &new), "\"4.1.0\"");
}

#[test]
fn monitoring_chart_bumps_added_and_removed() {
    let (new, p) = plan_from_base(&[("version=\"79.1.0\"", "version=\"80.0.0\"")]);
    assert_only(
        &p,
        Kind::VersionChanged,
        "kube-prometheus-stack",
        Disruptive,
    );
    assert_eq!(
        blamed(&p, Kind::VersionChanged, BASE, &new),
        "version=\"80.0.0\""
    );
    assert!(p.changes[0].summary.contains("79.1.0 → 80.0.0"));
    // the grafana-operator dropped: removed, blamed on the base's line
    let grafana = "        grafana-operator version=\"v5.20.0\"\n";
    let without = edit(BASE, &[(grafana, "")]);
    let p = plan(BASE, &without);
    assert_only(&p, Kind::VersionChanged, "grafana-operator", InPlace);
    assert_eq!(
        blamed(&p, Kind::VersionChanged, BASE, &without),
        "version=\"v5.20.0\""
    );
    // and added back
    let p = plan(&without, BASE);
    assert_only(&p, Kind::VersionChanged, "grafana-operator", Additive);
}

#[test]
fn a_k3s_bump_replaces_every_server() {
    let (_, p) = plan_from_base(&[("k3s \"v1.34.1+k3s1\"", "k3s \"v1.34.2+k3s1\"")]);
    for n in ["control", "kafka-0", "kafka-1", "kafka-2", "worker-0"] {
        assert_has(&p, Kind::ServerReplaced, n, Destructive);
    }
    let c = p.changes.iter().find(|c| c.subject == "kafka-0").unwrap();
    assert!(c.reasons.iter().any(|r| r.contains("K3s version")));
    assert_has(&p, Kind::VersionChanged, "k3s", Disruptive);
}

#[test]
fn an_image_change_replaces_every_server() {
    let (_, p) = plan_from_base(&[("image=ubuntu-22.04", "image=ubuntu-24.04")]);
    assert_eq!(
        p.changes
            .iter()
            .filter(|c| c.kind == Kind::ServerReplaced)
            .count(),
        5
    );
    assert!(p.changes[0].reasons[0].contains("image"));
}

#[test]
fn labels_changed_replace_the_pools_servers() {
    let (_, p) = plan_from_base(&[(
        "labels role=worker workload=apps",
        "labels role=worker workload=batch",
    )]);
    assert_changes(
        &p,
        &[
            (Kind::ServerReplaced, "worker-0", Destructive),
            (Kind::LabelsChanged, "worker", InPlace),
        ],
    );
}

#[test]
fn firewall_sources_narrowed_and_a_port_closed() {
    let new = edit(
        BASE,
        &[("allow ssh port=22", "allow ssh \"203.0.113.0/24\" port=22")],
    );
    let base = edit(
        BASE,
        &[(
            "allow http port=30080",
            "allow http port=30080\n        allow grafana \"198.51.100.0/24\" port=30443",
        )],
    );
    let p = plan(&base, &new);
    assert_has(&p, Kind::SourcesNarrowed, "ssh", Disruptive);
    assert_has(&p, Kind::PortClosed, "grafana", Disruptive);
    let closed = change(&p, Kind::PortClosed);
    assert_eq!(closed.side, Side::Base);
    let at = blamed(&p, Kind::PortClosed, &base, &new);
    assert!(at.contains("grafana"), "{at}");
}

#[test]
fn replication_and_secrets() {
    let (_, p) = plan_from_base(&[
        ("min-insync=2", "min-insync=1"),
        ("secret GHCR_TOKEN", "secret REGISTRY_TOKEN"),
        ("token=GHCR_TOKEN", "token=REGISTRY_TOKEN"),
    ]);
    assert_has(&p, Kind::MinInsyncChanged, "trading-cluster", InPlace);
    assert_has(&p, Kind::SecretAdded, "REGISTRY_TOKEN", Additive);
    assert_has(&p, Kind::SecretRemoved, "GHCR_TOKEN", InPlace);
}

#[test]
fn gitops_overlay_destinations_and_the_kafka_owner() {
    let overlay = edit(
        BASE,
        &[("overlay=\"overlays/dev\"", "overlay=\"overlays/dev2\"")],
    );
    let p = plan(BASE, &overlay);
    assert_only(&p, Kind::GitopsSourceChanged, "gitops", InPlace);
    assert_eq!(
        blamed(&p, Kind::GitopsSourceChanged, BASE, &overlay),
        "overlay=\"overlays/dev2\""
    );
    // A destination added is additive; the registry namespace it repeats is
    // one destination, not two.
    let added = edit(
        BASE,
        &[(
            "revision=main\n",
            "revision=main {\n        destination trading-apps\n        destination ingestion-alpaca\n    }\n",
        )],
    );
    let p = plan(BASE, &added);
    assert_only(&p, Kind::GitopsDestinationsChanged, "gitops", Additive);
    assert!(
        p.changes[0].summary.ends_with("+trading-apps"),
        "{}",
        p.changes[0].summary
    );
    assert_has(
        &plan(&added, BASE),
        Kind::GitopsDestinationsChanged,
        "gitops",
        InPlace,
    );
    // Handing Kafka to the GitOps repository: its namespace becomes a
    // destination, the topics go with it.
    let gitops = edit(
        BASE,
        &[
            (
                "controllers=kafka owner=topogen",
                "controllers=kafka owner=gitops",
            ),
            (
                "primary-ip node=0\n    }\n    pool worker",
                "primary-ip node=0 address=\"203.0.113.20\"\n    }\n    pool worker",
            ),
        ],
    );
    let start = gitops.find("        // The trading topics").unwrap();
    let end = gitops[start..].find("\n    }\n").unwrap() + start;
    let gitops = format!("{}{}", &gitops[..start], &gitops[end + 1..]);
    let p = plan(BASE, &gitops);
    assert_has(&p, Kind::KafkaOwnerChanged, "trading-cluster", Disruptive);
    assert_has(&p, Kind::GitopsDestinationsChanged, "gitops", Additive);
    assert_eq!(
        blamed(&p, Kind::KafkaOwnerChanged, BASE, &gitops),
        "owner=gitops"
    );
}

// --- the command ---------------------------------------------------------

#[test]
fn topics_added_removed_grown_and_shrunk() {
    let (new, p) = plan_from_base(&[
        // grown
        (
            "topic market.trades partitions=6",
            "topic market.trades partitions=12",
        ),
        // shrunk: Kafka cannot
        (
            "topic market.bars partitions=3",
            "topic market.bars partitions=2",
        ),
        // configuration changed
        (
            "config \"min.insync.replicas\" 2\n",
            "config \"min.insync.replicas\" 1\n",
        ),
        // removed
        (
            "        topic market.quotes partitions=6 replicas=3 {\n            config \"retention.ms\" 604800000\n        }\n",
            "        topic fills partitions=3\n",
        ),
    ]);
    assert_has(&p, Kind::PartitionsIncreased, "market.trades", InPlace);
    assert_has(&p, Kind::PartitionsDecreased, "market.bars", Destructive);
    assert_has(&p, Kind::TopicRemoved, "market.quotes", Destructive);
    assert_has(&p, Kind::TopicAdded, "fills", Additive);
    assert_has(&p, Kind::TopicConfigChanged, "orders", InPlace);
    assert_eq!(
        blamed(&p, Kind::PartitionsDecreased, BASE, &new),
        "partitions=2"
    );
    assert_eq!(blamed(&p, Kind::TopicRemoved, BASE, &new), "market.quotes");
    assert_eq!(p.worst(), Some(Destructive));
    let fills = change(&p, Kind::TopicAdded);
    // no `replicas=`: the cluster's replication factor
    assert!(
        fills.summary.contains("3 partitions, 3 replicas"),
        "{}",
        fills.summary
    );
    // the plan mentions nothing else
    assert_eq!(p.changes.len(), 5, "{:#?}", summary(&p));
}

/// The bundled cluster with two workers: going back to it removes `worker-1`.
fn two_workers() -> String {
    edit(BASE, &[("count=1 range=workers", "count=2 range=workers")])
}

fn scratch(base: &str, new: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.kdl"), base).unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), new).unwrap();
    dir
}

#[test]
fn exit_3_when_destructive_0_when_not() {
    let dir = scratch(&two_workers(), BASE);
    let out = topogen(dir.path(), &["plan", "--base", "base.kdl"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("destructive"), "{text}");
    assert!(text.contains("at base.kdl:"), "{text}");
    assert!(!text.contains('\x1b'));

    let wider = edit(BASE, &[("port=\"30001-30004\"", "port=\"30001-30010\"")]);
    let dir = scratch(BASE, &wider);
    let out = topogen(dir.path(), &["plan", "--base", "base.kdl", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("environment prod: 1 additive"), "{text}");
    // the line of the kafka rule, wherever the bundled file has it
    let line = 1 + BASE[..BASE.find("port=\"30001-30004\"").unwrap()]
        .matches('\n')
        .count();
    assert!(text.contains(&format!("at cluster.kdl:{line}:")), "{text}");
}

#[test]
fn json_shape() {
    let dir = scratch(&two_workers(), BASE);
    let out = topogen(
        dir.path(),
        &["plan", "--base", "base.kdl", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert!(doc["diagnostics"].as_array().unwrap().is_empty());
    let plan = &doc["plan"];
    assert_eq!(plan["destructive"], true);
    let envs = plan["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    assert_eq!(envs[0]["environment"], "dev");
    assert_eq!(envs[0]["worst"], "destructive");
    assert!(
        envs[0]["cost_before_eur"].as_f64().unwrap() > envs[0]["cost_after_eur"].as_f64().unwrap()
    );
    let c = find(&envs[0]["changes"], "kind", "server-removed");
    assert_eq!(c["class"], "destructive");
    assert_eq!(c["subject"], "worker-1");
    assert_eq!(c["side"], "base");
    assert_eq!(c["file"], "base.kdl");
    assert_eq!(c["line"], 45);
    assert!(c["offset"].is_u64() && c["length"].is_u64() && c["column"].is_u64());
    assert!(c["notes"].is_array() && c["reasons"].is_array());
}

#[test]
fn markdown_is_a_pull_request_comment() {
    let new = edit(
        BASE,
        &[(
            "allow ssh port=22",
            "allow ssh \"203.0.113.0/24\" \"198.51.100.7/32\" port=22",
        )],
    );
    let dir = scratch(BASE, &new);
    let out = topogen(
        dir.path(),
        &[
            "plan", "--base", "base.kdl", "--format", "markdown", "--env", "dev",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("## topogen plan\n"), "{text}");
    assert!(text.contains("| class | change | cause |"), "{text}");
    assert!(
        text.contains("| disruptive | 'ssh' (tcp 22): sources"),
        "{text}"
    );
}

#[test]
fn formats_plan_does_not_print_and_markdown_elsewhere_are_usage_errors() {
    let dir = scratch(BASE, BASE);
    let out = topogen(
        dir.path(),
        &["plan", "--base", "base.kdl", "--format", "sarif"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = topogen(dir.path(), &["validate", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_base_that_does_not_validate_is_an_error() {
    let broken = edit(
        BASE,
        &[("count=3 range=kafka", "count=\"three\" range=kafka")],
    );
    let dir = scratch(&broken, BASE);
    let out = topogen(dir.path(), &["plan", "--base", "base.kdl"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("the base `base.kdl` does not validate"),
        "{err}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[test]
fn base_rev_reads_cluster_kdl_from_git() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("infra");
    std::fs::create_dir(&sub).unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(sub.join("cluster.kdl"), BASE).unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    let wider = edit(BASE, &[("port=\"30001-30004\"", "port=\"30001-30010\"")]);
    std::fs::write(sub.join("cluster.kdl"), &wider).unwrap();
    git(dir.path(), &["commit", "-q", "-am", "wider"]);
    let fewer = edit(
        &wider,
        &[("count=1 range=workers", "count=0 range=workers")],
    );
    std::fs::write(sub.join("cluster.kdl"), &fewer).unwrap();

    // default HEAD, from the config's own directory
    let out = topogen(&sub, &["plan", "--env", "dev"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("server `dev-k3s-trading-worker-0` removed"),
        "{text}"
    );
    assert!(text.contains("at HEAD:cluster.kdl:"), "{text}");
    assert!(!text.contains("30010"), "{text}");

    // an older revision, the config named from the repository's root
    let out = topogen(
        dir.path(),
        &[
            "plan",
            "-c",
            "infra/cluster.kdl",
            "--base",
            "HEAD~1",
            "--env",
            "dev",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("30001-30004 → 30001-30010"), "{text}");

    // a revision that does not exist
    let out = topogen(&sub, &["plan", "--base", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("git cannot read `no-such-rev:./cluster.kdl`"),
        "{err}"
    );
}

#[path = "support/bin.rs"]
mod bin;

#[path = "support/edit.rs"]
mod edit;
use edit::edit;

#[path = "support/json.rs"]
mod json;
use json::find;

#[test]
fn moving_the_datacenter_strands_the_primary_ips_and_says_how_to_move() {
    let (new, p) = plan_from_base(&[(
        "location=nbg1 datacenter=nbg1-dc3",
        "location=fsn1 datacenter=fsn1-dc14",
    )]);
    assert_has(&p, Kind::PrimaryIpsStranded, "fsn1-dc14", Destructive);
    let c = change(&p, Kind::PrimaryIpsStranded);
    assert_eq!(
        c.summary,
        "datacenter nbg1-dc3 → fsn1-dc14: the Primary IPs `dev-k3s-trading-control-ip`, `dev-k3s-trading-kafka-ip` stay in nbg1-dc3"
    );
    assert!(
        c.notes.iter().any(|n| n.contains("destroy-all on `dev`")),
        "{:?}",
        c.notes
    );
    assert_eq!(
        blamed(&p, Kind::PrimaryIpsStranded, BASE, &new),
        "datacenter=fsn1-dc14"
    );
    // every server is replaced too (the datacenter forces a new server)
    assert_has(&p, Kind::ServerReplaced, "control", Destructive);

    // another image replaces the servers too, in the same datacenter:
    // nothing is stranded
    let image = edit(BASE, &[("image=ubuntu-22.04", "image=ubuntu-24.04")]);
    let p = plan(BASE, &image);
    assert_has(&p, Kind::ServerReplaced, "control", Destructive);
    assert!(
        !p.changes.iter().any(|c| c.kind == Kind::PrimaryIpsStranded),
        "{:#?}",
        p.changes
    );
}
