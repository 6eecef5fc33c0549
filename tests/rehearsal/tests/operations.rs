//! The operations rehearsal (issue 14, item 3; issue 15 item 7; issue 17):
//! the generated maintenance workflow's `list`, `check-clean`,
//! `destroy-cluster` and `destroy-all` over everything an environment can
//! leave in the project (servers, Primary IPs, volumes, load balancers,
//! floating IPs), and the generated drift-check workflow on pull requests:
//! a clean tree, a hand-edited generated file, a `cluster.kdl` change whose
//! plan is written to the job summary, a destructive one blocked until the
//! label `topogen-destructive-ok` is on the pull request.
//!
//! Expected values come from the fake cloud and from topogen's own output
//! (`topogen show`, `topogen plan`, the generated files), never from parsing
//! `cluster.kdl` here. Needs what tests/scenarios.rs needs (see there).
#![allow(clippy::too_many_lines)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::{
    Project, assert_logged, assert_outcome, find_in, names, primary_ip_names, results, standin_dir,
    stdout, topogen_bin,
};
use rehearsal::actions::CargoGit;
use rehearsal::run::{Event, Outcome, PullRequest, Report};
use serde_json::{Value, json};

/// Runs `cmd`; its standard output, after asserting it succeeded.
/// `hcloud ARGS` with the stand-in against the project's fake cloud.
fn hcloud(p: &Project, args: &[&str]) -> String {
    stdout(
        Command::new(standin_dir().join("hcloud"))
            .args(args)
            .env("HCLOUD_TOKEN", common::HCLOUD_TOKEN)
            .env("HCLOUD_STANDIN_STATE", p.path("cloud.json"))
            .env("HCLOUD_STANDIN_STRICT", "1"),
    )
}

/// `hcloud volume create` of a 10 GB volume with these `key=value` labels.
fn volume(p: &Project, name: &str, location: &str, labels: &[String]) {
    let mut args = vec![
        "volume",
        "create",
        "--name",
        name,
        "--size",
        "10",
        "--location",
        location,
    ];
    for l in labels {
        args.extend(["--label", l]);
    }
    hcloud(p, &args);
}

/// Adds a load balancer and a floating IP to the fake cloud, as someone
/// would by hand next to the cluster (the stand-in CLI does not create
/// them; the file is the cloud, as for a Primary IP made outside Terraform).
fn add_by_hand(p: &Project, kind: &str, name: &str, labels: &Value) {
    let file = p.path("cloud.json");
    let mut cloud: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    let id = cloud["last_id"].as_u64().unwrap() + 1;
    cloud["last_id"] = json!(id);
    let obj = match kind {
        "load_balancers" => json!({
            "id": id, "name": name, "load_balancer_type": "lb11", "location": "nbg1",
            "network_zone": "eu-central", "ipv4": format!("203.0.113.{}", id % 250),
            "ipv6": "2001:db8::1", "algorithm": "round_robin", "labels": labels,
            "created": "2026-01-01T00:00:00+00:00"
        }),
        _ => json!({
            "id": id, "name": name, "type": "ipv4", "ip": format!("198.51.100.{}", id % 250),
            "ip_network": "", "home_location": "nbg1", "labels": labels,
            "created": "2026-01-01T00:00:00+00:00"
        }),
    };
    cloud[kind].as_array_mut().unwrap().push(obj);
    fs::write(&file, serde_json::to_string_pretty(&cloud).unwrap()).unwrap();
}

/// The names of one kind in the fake cloud whose labels include `labels`.
fn labelled(cloud: &Value, kind: &str, labels: &Value) -> BTreeSet<String> {
    cloud[kind]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            labels
                .as_object()
                .unwrap()
                .iter()
                .all(|(k, v)| &o["labels"][k] == v)
        })
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

/// The log lines of the maintenance step between `=== ACTION: env` and the
/// end of the step, without the runner's prefixes.
fn step_output(report: &Report) -> Vec<String> {
    report
        .log
        .iter()
        .filter_map(|l| l.split_once("] ").map(|(_, rest)| rest.to_string()))
        .collect()
}

/// The (NAME, `column`) pairs of the table `hcloud server list` printed
/// after `header` (up to the next `--- ` header).
fn table_rows(lines: &[String], header: &str, column: &str) -> BTreeSet<(String, String)> {
    let start = lines
        .iter()
        .position(|l| l == header)
        .unwrap_or_else(|| panic!("no `{header}` in {lines:#?}"));
    let table: Vec<&String> = lines[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with("--- ") && !l.starts_with("▶") && !l.contains("run result"))
        .collect();
    let head: Vec<&str> = table[0].split_whitespace().collect();
    let at = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let (name, other) = (at("NAME"), at(column));
    table[1..]
        .iter()
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[name].to_string(), cells[other].to_string())
        })
        .collect()
}

/// The drift check ran `topogen check` and `topogen plan`, and its gate on a
/// destructive plan ended with `gate`.
fn assert_checked(report: &Report, gate: Outcome) {
    let labels = [
        "topogen check",
        "topogen plan",
        "A destructive plan needs the label topogen-destructive-ok",
    ];
    let got: Vec<Outcome> = labels.iter().map(|l| step(report, l)).collect();
    assert_eq!(
        got,
        [Outcome::Success, Outcome::Success, gate],
        "{:#?}",
        steps(report)
    );
}

#[test]
fn maintenance_lists_checks_and_destroys_everything_the_environment_left() {
    let p = Project::new();
    p.deploy_ok("dev", "deploy");
    let cloud = p.cloud();
    let worker = worker(&p, "dev", &cloud);
    // The environment's labels, as the deploy put them on its servers.
    let first = &cloud["servers"][0]["labels"];
    let env_labels = json!({"environment": first["environment"], "cluster": first["cluster"]});
    assert_eq!(env_labels["environment"], "dev");
    let label_flags: Vec<String> = env_labels
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
        .collect();
    let location = p.show("dev")["location"].as_str().unwrap().to_string();
    // Beside the cluster: a volume (made with the CLI), a load balancer and
    // a floating IP of the environment; and one of each that is not dev's.
    volume(&p, "dev-data", &location, &label_flags);
    volume(
        &p,
        "team-archive",
        &location,
        &["environment=staging".into()],
    );
    add_by_hand(&p, "load_balancers", "dev-ingress", &env_labels);
    add_by_hand(&p, "floating_ips", "dev-failover", &env_labels);
    add_by_hand(
        &p,
        "floating_ips",
        "office-vpn",
        &json!({"environment": "office"}),
    );
    let cloud = p.cloud();
    // The environment's Primary IPs: the ones that outlive their server
    // (every other is the server's own, auto-deleted with it).
    let primary: BTreeSet<String> = cloud["primary_ips"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ip| ip["auto_delete"] == false)
        .map(|ip| ip["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(primary, primary_ip_names(&p, "dev"));
    let addresses: BTreeSet<(String, String)> = cloud["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["public_net"]["ipv4"]["ip"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    // list: exactly the environment's servers and Primary IPs, and what
    // was made beside them.
    let list = p.maintenance_ok("dev", "list", "list");
    let out = step_output(&list);
    assert_eq!(
        table_rows(&out, "--- every server of the environment", "IPV4"),
        addresses
    );
    let ips: BTreeSet<String> = out
        .iter()
        .skip_while(|l| *l != "--- Primary IPs")
        .skip(1)
        .take_while(|l| !l.starts_with("--- "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(ips, primary);
    for name in ["dev-data", "dev-ingress", "dev-failover"] {
        assert!(out.iter().any(|l| l.contains(name)), "{name} not listed");
    }
    for name in ["team-archive", "office-vpn"] {
        assert!(!out.iter().any(|l| l.contains(name)), "{name} listed");
    }

    // destroy-cluster: servers, volumes, load balancers and floating IPs of
    // dev go; the Primary IPs and what is not dev's stay.
    p.maintenance_ok("dev", "destroy-cluster", "destroy");
    let cloud = p.cloud();
    assert_eq!(names(&cloud, "servers"), BTreeSet::new());
    assert_eq!(names(&cloud, "primary_ips"), primary);
    assert_eq!(
        names(&cloud, "volumes"),
        BTreeSet::from(["team-archive".to_string()])
    );
    assert_eq!(names(&cloud, "load_balancers"), BTreeSet::new());
    assert_eq!(
        names(&cloud, "floating_ips"),
        BTreeSet::from(["office-vpn".to_string()])
    );
    for kind in ["volumes", "load_balancers", "floating_ips"] {
        assert_eq!(
            labelled(&cloud, kind, &env_labels),
            BTreeSet::new(),
            "{kind}"
        );
    }
    p.maintenance_ok("dev", "check-clean", "clean");

    // A leftover worker (made by hand under its expected name, without the
    // labels) and a leftover volume: check-clean fails and names both.
    hcloud(
        &p,
        &[
            "server",
            "create",
            "--name",
            &worker.name,
            "--type",
            &worker.server_type,
            "--image",
            &worker.image,
            "--location",
            &location,
        ],
    );
    volume(&p, "dev-leftover", &location, &label_flags);
    let dirty = p.maintenance("dev", "check-clean", "dirty");
    assert_eq!(dirty.result, Outcome::Failure);
    assert_logged(
        &dirty,
        &format!("environment dev still has servers: {};", worker.name),
    );
    assert_logged(&dirty, "environment dev still has volumes: dev-leftover;");
    assert!(!dirty.logged("team-archive"));

    // destroy-all: the leftovers and the Primary IPs go; others' stay.
    p.maintenance_ok("dev", "destroy-all", "destroy-all");
    let cloud = p.cloud();
    assert_eq!(names(&cloud, "servers"), BTreeSet::new());
    assert_eq!(names(&cloud, "primary_ips"), BTreeSet::new());
    assert_eq!(
        names(&cloud, "volumes"),
        BTreeSet::from(["team-archive".to_string()])
    );
    assert_eq!(
        names(&cloud, "floating_ips"),
        BTreeSet::from(["office-vpn".to_string()])
    );
    let clean = p.maintenance_ok("dev", "check-clean", "clean-again");
    let r = results(&clean);
    assert_eq!(r["maintenance"], Outcome::Success);
}

/// A server as the fake cloud holds it.
struct Server {
    name: String,
    server_type: String,
    image: String,
}

/// The first worker of `env`'s nodes (`topogen show`), as the cloud has it.
fn worker(p: &Project, env: &str, cloud: &Value) -> Server {
    let show = p.show(env);
    let node = find_in(&show, "nodes", "pool", "worker");
    let s = cloud["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == node["server"])
        .expect("the worker was deployed");
    let text = |k: &str| s[k].as_str().unwrap().to_string();
    Server {
        name: text("name"),
        server_type: text("server_type"),
        image: text("image"),
    }
}

// ------------------------------------------------------------ drift check

const DRIFT: &str = "topogen-drift-check.yml";
const APPROVAL: &str = "topogen-destructive-ok";

fn git(dir: &Path, args: &[&str]) -> String {
    stdout(
        Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "rehearsal")
            .env("GIT_AUTHOR_EMAIL", "rehearsal@example.invalid")
            .env("GIT_COMMITTER_NAME", "rehearsal")
            .env("GIT_COMMITTER_EMAIL", "rehearsal@example.invalid"),
    )
}

/// The project as the infrastructure repository: `main` holds the clean
/// build, the pull request's branch `topic` is checked out.
fn repository(p: &Project) {
    let dir = p.project("");
    // The Terraform override is the scenarios' own, not topogen's output.
    let _ = fs::remove_file(p.project("generated/terraform/override.tf"));
    git(&dir, &["init", "--quiet", "--initial-branch", "main"]);
    git(&dir, &["add", "--all"]);
    git(&dir, &["commit", "--quiet", "--message", "the clean build"]);
    git(&dir, &["checkout", "--quiet", "-b", "topic"]);
}

fn commit(p: &Project, message: &str) {
    let dir = p.project("");
    git(&dir, &["add", "--all"]);
    git(&dir, &["commit", "--quiet", "--message", message]);
}

/// Replaces `from` by `to` in the project's `rel`.
fn edit(p: &Project, rel: &str, from: &str, to: &str) {
    let file = p.project(rel);
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains(from), "update this test: `{from}` left {rel}");
    fs::write(&file, text.replacen(from, to, 1)).unwrap();
}

/// The pull request's change: `edits` (from, to) of `cluster.kdl`, built and
/// committed as `message`; its plan and the plan's exit status.
fn change(p: &Project, edits: &[(&str, &str)], message: &str) -> (String, i32) {
    for (from, to) in edits {
        edit(p, "cluster.kdl", from, to);
    }
    build(p);
    commit(p, message);
    plan(p)
}

fn build(p: &Project) {
    stdout(&mut p.topogen(&["build", "-c", "cluster.kdl"]));
}

/// `topogen plan --base origin/main --format markdown` in the project, as
/// the workflow runs it in its checkout (`origin/main` made a ref here too,
/// so the plan's `cause` column names the same base): the plan and its exit
/// status.
fn plan(p: &Project) -> (String, i32) {
    git(
        &p.project(""),
        &["update-ref", "refs/remotes/origin/main", "refs/heads/main"],
    );
    let out = p
        .topogen(&["plan", "--base", "origin/main", "--format", "markdown"])
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

/// The `topogen` the drift workflow installs (`cargo install --git … --rev …
/// topogen`, the repository `cluster.kdl` pins), resolved to the build
/// under test.
fn topogen_source(p: &Project) -> String {
    let text = fs::read_to_string(p.project(&format!(".github/workflows/{DRIFT}"))).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let steps = doc["jobs"]["check"]["steps"].as_sequence().unwrap();
    steps
        .iter()
        .find_map(|s| s["env"]["TOPOGEN_GIT"].as_str())
        .expect("the drift check installs topogen from git")
        .to_string()
}

fn drift(p: &Project, pr: PullRequest, run_name: &str) -> Report {
    p.run_with(DRIFT, Event::PullRequest(pr), run_name, |o| {
        o.cargo_git = vec![CargoGit {
            git: topogen_source(p),
            krate: "topogen".into(),
            bin: topogen_bin(),
        }];
    })
    .unwrap()
}

fn steps(report: &Report) -> Vec<(String, Outcome)> {
    report.job("check").unwrap().steps.clone()
}

fn step(report: &Report, label: &str) -> Outcome {
    steps(report)
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no step `{label}` in {:#?}", steps(report)))
        .1
}

#[test]
fn drift_check_passes_a_clean_tree_and_fails_a_hand_edited_file_with_the_diff() {
    let p = Project::new();
    repository(&p);
    // A pull request that touches no generated file.
    fs::write(p.project("NOTES.md"), "operations notes\n").unwrap();
    commit(&p, "notes");
    let clean = drift(&p, PullRequest::default(), "clean");
    assert_outcome(&clean, Outcome::Success);
    // The pinned topogen, installed with cargo: the build under test.
    assert_eq!(step(&clean, "Install topogen"), Outcome::Success);
    assert_logged(&clean, "Installed package `topogen` from https://");
    assert_checked(&clean, Outcome::Skipped);
    let (want, status) = plan(&p);
    assert_eq!(status, 0, "{want}");
    assert!(clean.summary.contains(want.trim()), "{}", clean.summary);

    // A hand edit of a generated file, committed on the branch.
    let rel = "generated/environments/dev.tfvars";
    let original = p.generated("environments/dev.tfvars");
    let line = original
        .lines()
        .find(|l| l.contains('=') && !l.trim_start().starts_with('#'))
        .unwrap()
        .to_string();
    let edited = format!("{line} # tuned by hand");
    edit(&p, rel, &line, &edited);
    commit(&p, "tune dev by hand");
    let report = drift(
        &p,
        PullRequest {
            action: "synchronize".into(),
            ..PullRequest::default()
        },
        "hand-edit",
    );
    assert_outcome(&report, Outcome::Failure);
    assert_eq!(step(&report, "topogen check"), Outcome::Failure);
    // The diff: the generated line restored, the hand-edited one removed.
    let shown = |prefix: char, text: &str| {
        report
            .log
            .iter()
            .chain(
                report
                    .summary
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
                    .iter(),
            )
            .any(|l| {
                l.split_once("] ")
                    .map_or(l.as_str(), |(_, r)| r)
                    .trim_start()
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.trim() == text.trim())
            })
    };
    assert!(
        shown('-', &edited) || shown('+', &edited),
        "{:#?}",
        report.log
    );
    assert!(shown('+', &line) || shown('-', &line), "{:#?}", report.log);
    assert_logged(&report, rel);
    // The plan still runs after the drift: the cluster does not change.
    assert_eq!(step(&report, "topogen plan"), Outcome::Success);
}

#[test]
fn drift_check_writes_the_plan_and_blocks_a_destructive_one_until_labelled() {
    let p = Project::new();
    repository(&p);
    // More brokers (and their NodePorts): additive and disruptive, no label needed.
    let kdl = fs::read_to_string(p.project("cluster.kdl")).unwrap();
    let show = p.show("dev");
    let kafka = find_in(&show, "pools", "name", "kafka");
    let count = kafka["count"].as_u64().unwrap();
    assert_eq!(
        count, 3,
        "update this test: the bundled Kafka pool has {count}"
    );
    let (want, status) = change(
        &p,
        &[
            (
                "pool kafka role=agent server-type=cx23 count=3",
                "pool kafka role=agent server-type=cx23 count=5",
            ),
            (
                "allow kafka port=\"30001-30004\"",
                "allow kafka port=\"30001-30006\"",
            ),
        ],
        "five brokers",
    );
    assert_eq!(status, 0, "{want}");
    let grow = drift(&p, PullRequest::default(), "grow");
    assert_outcome(&grow, Outcome::Success);
    assert!(grow.summary.contains(want.trim()), "{}", grow.summary);
    assert!(want.contains("3 → 5"), "{want}");

    // Removing the worker: destructive. Blocked without the label…
    fs::write(p.project("cluster.kdl"), &kdl).unwrap();
    let (want, status) = change(
        &p,
        &[(
            "pool worker role=agent server-type=cx23 count=1",
            "pool worker role=agent server-type=cx23 count=0",
        )],
        "no worker",
    );
    assert_eq!(status, 3, "{want}");
    let blocked = drift(
        &p,
        PullRequest {
            labels: vec!["infrastructure".into()],
            ..PullRequest::default()
        },
        "blocked",
    );
    assert_outcome(&blocked, Outcome::Failure);
    assert_checked(&blocked, Outcome::Failure);
    assert!(blocked.summary.contains(want.trim()), "{}", blocked.summary);
    assert!(
        blocked.summary.contains("**Blocked:**"),
        "{}",
        blocked.summary
    );
    assert_logged(&blocked, &format!("add the label {APPROVAL}"));

    // …and approved when a reviewer adds it (the `labeled` event).
    let approved = drift(
        &p,
        PullRequest {
            action: "labeled".into(),
            labels: vec!["infrastructure".into(), APPROVAL.into()],
            ..PullRequest::default()
        },
        "approved",
    );
    assert_outcome(&approved, Outcome::Success);
    assert!(approved.summary.contains(want.trim()));
    assert!(
        approved.summary.contains("**Approved:**"),
        "{}",
        approved.summary
    );
}
