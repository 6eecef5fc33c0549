//! The GitHub Actions workflows: a snapshot of every workflow for the
//! repository's `cluster.kdl`, and the properties every topology's
//! workflows must have (pinned actions, no `${{ }}` in scripts, least
//! privilege, every environment and pool, no stale topology fact), read back
//! with serde_yaml.

use std::collections::BTreeMap;

use serde_yaml::Value;
use topogen::diag::Severity;
use topogen::emit::Templates;
use topogen::source::Source;

const REPO_KDL: &str = include_str!("../cluster.kdl");
const MINIMAL_KDL: &str = include_str!("../examples/minimal/cluster.kdl");
const LARGE_KDL: &str = include_str!("../examples/large/cluster.kdl");
const DIR: &str = ".github/workflows/";

const WORKFLOWS: &[&str] = &[
    "01-reusable-provision-infra.yml",
    "02-reusable-verify-cluster.yml",
    "03-reusable-deploy-argocd.yml",
    "04-reusable-deploy-strimzi.yml",
    "05-reusable-verify-access.yml",
    "06-reusable-deploy-monitoring.yml",
    "deploy-cluster.yml",
    "hcloud-maintenance.yml",
    "kafka-topics.yml",
    "topogen-drift-check.yml",
    "verify-monitoring-stack.yml",
    "view-app-logs.yml",
];

/// The workflows produced for `text` (file name → contents), failing on any
/// validation error.
fn workflows(text: &str) -> BTreeMap<String, String> {
    let project = valid::project(text);
    topogen::emit::plan(&project, &Templates::new(None).unwrap())
        .expect("plan")
        .files
        .into_iter()
        .filter_map(|(path, text)| path.strip_prefix(DIR).map(|f| (f.to_owned(), text)))
        .collect()
}

/// Environment names of a topology, in file order.
fn env_names(text: &str) -> Vec<String> {
    let c = topogen::compile(Source::new("cluster.kdl", text));
    c.project
        .expect("a project")
        .envs
        .iter()
        .map(|t| t.env.name.value.clone())
        .collect()
}

fn parse(name: &str, text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn get<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| {
        v.get(*k)
            .unwrap_or_else(|| panic!("no `{k}` on the way to {path:?}"))
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .expect("a sequence")
        .iter()
        .map(|x| x.as_str().expect("a string").to_owned())
        .collect()
}

/// The choices a `workflow_dispatch` input offers.
fn options(text: &str, input: &str) -> Vec<String> {
    let doc = parse(input, text);
    strings(get(
        &doc,
        &["on", "workflow_dispatch", "inputs", input, "options"],
    ))
}

fn jobs(doc: &Value) -> Vec<(String, &Value)> {
    get(doc, &["jobs"])
        .as_mapping()
        .expect("jobs")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v))
        .collect()
}

fn steps(job: &Value) -> Vec<&Value> {
    job.get("steps")
        .and_then(Value::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

#[test]
fn snapshots_of_the_repository_cluster() {
    let files = workflows(REPO_KDL);
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        WORKFLOWS,
        "the seed's whole set"
    );
    snapshots::settings().bind(|| {
        for (name, text) in &files {
            insta::assert_snapshot!(snapshots::name("seed", name), text);
        }
    });
}

/// The drift check installs exactly the commit cluster.kdl pins, with
/// `--locked`, on topogen's MSRV, from the Actions cache after the first
/// run; it needs no repository variable and no topogen sources in the
/// repository.
#[test]
fn drift_check_installs_the_pinned_commit_cached_on_the_msrv() {
    const REV: &str = "89abcdef0123456789abcdef0123456789abcdef";
    let pinned = REPO_KDL
        .lines()
        .find(|l| l.trim_start().starts_with("topogen "))
        .expect("cluster.kdl pins topogen");
    let text = edit(
        REPO_KDL,
        &[(
            pinned,
            &format!("    topogen git=\"https://git.example.org/tools/topogen.git\" rev=\"{REV}\""),
        )],
    );
    let files = workflows(&text);
    let drift = &files["topogen-drift-check.yml"];
    assert!(!drift.contains("vars."), "no repository variable: {drift}");
    let doc = parse("drift", drift);
    let job = &jobs(&doc)[0].1;
    let steps = steps(job);
    let uses = |prefix: &str| {
        steps
            .iter()
            .copied()
            .find(|s| {
                s.get("uses")
                    .and_then(Value::as_str)
                    .is_some_and(|u| u.starts_with(prefix))
            })
            .unwrap_or_else(|| panic!("a step uses {prefix}"))
    };
    let cache = uses("actions/cache@");
    let key = get(cache, &["with", "key"]).as_str().unwrap();
    assert_eq!(
        key,
        format!("topogen-${{{{ runner.os }}}}-${{{{ runner.arch }}}}-{REV}")
    );
    assert_eq!(get(cache, &["with", "path"]).as_str(), Some("~/.topogen"));
    let toolchain = uses("dtolnay/rust-toolchain@");
    assert_eq!(
        get(toolchain, &["with", "toolchain"]).as_str(),
        Some(env!("CARGO_PKG_RUST_VERSION"))
    );
    let install = steps
        .iter()
        .copied()
        .find(|s| {
            s.get("run")
                .and_then(Value::as_str)
                .is_some_and(|r| r.contains("cargo install"))
        })
        .expect("an install step");
    let run = get(install, &["run"]).as_str().unwrap();
    assert!(
        run.contains(
            "cargo install --locked --root \"$HOME/.topogen\" --git \"$TOPOGEN_GIT\" --rev \"$TOPOGEN_REV\" topogen"
        ),
        "{run}"
    );
    assert_eq!(
        get(install, &["env", "TOPOGEN_GIT"]).as_str(),
        Some("https://git.example.org/tools/topogen.git")
    );
    assert_eq!(get(install, &["env", "TOPOGEN_REV"]).as_str(), Some(REV));
    // a cache hit skips the toolchain and the build
    let skip = "steps.cache-topogen.outputs.cache-hit != 'true'";
    assert_eq!(get(cache, &["id"]).as_str(), Some("cache-topogen"));
    assert_eq!(get(toolchain, &["if"]).as_str(), Some(skip));
    assert_eq!(get(install, &["if"]).as_str(), Some(skip));
    let check = steps
        .iter()
        .copied()
        .find(|s| s.get("id").and_then(Value::as_str) == Some("check"))
        .expect("the check step");
    let run = get(check, &["run"]).as_str().unwrap();
    assert!(run.contains("$HOME/.topogen/bin"), "{run}");
    assert!(run.contains("topogen check --no-cache"), "{run}");
}

/// `cluster.kdl`'s pin line with `extra` properties appended.
fn pinned_with(extra: &str) -> String {
    let pinned = REPO_KDL
        .lines()
        .find(|l| l.trim_start().starts_with("topogen "))
        .expect("cluster.kdl pins topogen");
    edit(REPO_KDL, &[(pinned, &format!("{pinned} {extra}"))])
}

fn step_with_id<'a>(job: &'a Value, id: &str) -> &'a Value {
    steps(job)
        .into_iter()
        .find(|s| s.get("id").and_then(Value::as_str) == Some(id))
        .unwrap_or_else(|| panic!("a step with id `{id}`"))
}

/// On a pull request the drift check also runs `topogen plan` against the
/// base branch (fetched with the whole history; the branch name reaches the
/// script only through `env:`), writes its Markdown to the job summary, and
/// fails a destructive plan (exit 3) unless the pull request carries the
/// approval label, whose adding or removing runs the check again.
#[test]
fn drift_check_plans_against_the_base_and_gates_a_destructive_plan() {
    let files = workflows(REPO_KDL);
    let doc = parse("drift", &files["topogen-drift-check.yml"]);
    assert_eq!(
        strings(get(&doc, &["on", "pull_request", "types"])),
        ["opened", "synchronize", "reopened", "labeled", "unlabeled"]
    );
    let jobs = jobs(&doc);
    assert_eq!(jobs.len(), 1, "no comment job without the opt-in");
    let job = jobs[0].1;
    let checkout = steps(job)[0];
    assert_eq!(get(checkout, &["with", "fetch-depth"]).as_u64(), Some(0));
    let plan = step_with_id(job, "plan");
    assert_eq!(
        get(plan, &["env", "BASE_REF"]).as_str(),
        Some("${{ github.base_ref }}")
    );
    let run = get(plan, &["run"]).as_str().unwrap();
    assert!(
        run.contains(r#"topogen plan --base "$base" --format markdown > "$plan" || status=$?"#),
        "{run}"
    );
    assert!(run.contains(r#"base="origin/$BASE_REF""#), "{run}");
    assert!(
        run.contains(r#"cat "$plan" >> "$GITHUB_STEP_SUMMARY""#),
        "{run}"
    );
    assert!(run.contains("3) destructive=true ;;"), "{run}");
    assert!(run.contains(r#"echo "destructive=$destructive" >> "$GITHUB_OUTPUT""#));
    assert!(
        !run.contains("markdown<<"),
        "no comment, no Markdown output: {run}"
    );
    // after a drift too, not after a failed install
    assert_eq!(
        get(plan, &["if"]).as_str(),
        Some("${{ !cancelled() && steps.check.outcome != 'skipped' }}")
    );
    let gate = *steps(job).last().unwrap();
    assert_eq!(
        get(gate, &["if"]).as_str(),
        Some("${{ !cancelled() && steps.plan.outputs.destructive == 'true' }}")
    );
    assert_eq!(
        get(gate, &["env", "APPROVED"]).as_str(),
        Some("${{ contains(github.event.pull_request.labels.*.name, 'topogen-destructive-ok') }}")
    );
    let run = get(gate, &["run"]).as_str().unwrap();
    assert!(
        run.contains(r#"if [ "$APPROVED" = true ]; then"#) && run.contains("exit 1"),
        "{run}"
    );
}

/// `plan-comment=#true` adds a `comment` job that alone holds
/// `pull-requests: write` (nothing else: no checkout, no topogen), takes the
/// plan from the check job's outputs and the token from `github.token`, and
/// skips pull requests from forks; without it no job may write anything.
#[test]
fn the_plan_comment_job_alone_may_write_and_only_with_the_opt_in() {
    for off in [REPO_KDL.to_owned(), pinned_with("plan-comment=#false")] {
        let text = &workflows(&off)["topogen-drift-check.yml"];
        assert!(!text.contains("pull-requests"), "{text}");
        assert!(!text.contains("github.token"), "{text}");
    }
    let files = workflows(&pinned_with("plan-comment=#true"));
    let doc = parse("drift", &files["topogen-drift-check.yml"]);
    assert_eq!(get(&doc, &["permissions"]), &parse("p", "contents: read"));
    let jobs = jobs(&doc);
    assert_eq!(
        jobs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["check", "comment"]
    );
    let (check, comment) = (jobs[0].1, jobs[1].1);
    assert_eq!(get(check, &["permissions"]), &parse("p", "contents: read"));
    assert_eq!(
        get(comment, &["permissions"]),
        &parse("p", "pull-requests: write")
    );
    assert_eq!(
        get(check, &["outputs", "markdown"]).as_str(),
        Some("${{ steps.plan.outputs.markdown }}")
    );
    let run = get(step_with_id(check, "plan"), &["run"]).as_str().unwrap();
    assert!(run.contains("markdown<<"), "{run}");
    assert_eq!(get(comment, &["needs"]).as_str(), Some("check"));
    let cond = get(comment, &["if"]).as_str().unwrap();
    assert!(
        cond.contains("github.event.pull_request.head.repo.full_name == github.repository"),
        "{cond}"
    );
    let steps = steps(comment);
    assert_eq!(steps.len(), 1, "one step, and it is no checkout");
    let post = steps[0];
    assert!(post.get("uses").is_none());
    assert_eq!(
        get(post, &["env", "GH_TOKEN"]).as_str(),
        Some("${{ github.token }}")
    );
    assert_eq!(
        get(post, &["env", "PLAN"]).as_str(),
        Some("${{ needs.check.outputs.markdown }}")
    );
    let run = get(post, &["run"]).as_str().unwrap();
    assert!(run.contains("gh api --method PATCH"), "{run}");
    assert!(run.contains("gh api --method POST"), "{run}");
    // a non-boolean is a schema error, not a silent default
    let c = topogen::compile(Source::new("cluster.kdl", pinned_with("plan-comment=yes")));
    assert!(
        c.findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.message.contains("plan-comment")),
        "{:#?}",
        c.findings
    );
}

/// Without `topogen git=… rev=…` nothing says which topogen made the files,
/// so there is no drift check to generate; every other workflow is.
#[test]
fn without_a_pin_there_is_no_drift_check() {
    let pinned = REPO_KDL
        .lines()
        .find(|l| l.trim_start().starts_with("topogen "))
        .expect("cluster.kdl pins topogen");
    let files = workflows(&edit(REPO_KDL, &[(pinned, "")]));
    let expected: Vec<&str> = WORKFLOWS
        .iter()
        .copied()
        .filter(|w| *w != "topogen-drift-check.yml")
        .collect();
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
}

#[test]
fn every_workflow_parses_and_opens_with_the_header() {
    for kdl in [REPO_KDL, MINIMAL_KDL, LARGE_KDL] {
        for (name, text) in workflows(kdl) {
            assert!(
                text.starts_with("# Generated by topogen from cluster.kdl; do not edit."),
                "{name}"
            );
            let doc = parse(&name, &text);
            assert!(doc.get("on").is_some(), "{name}: no `on`");
            assert!(!jobs(&doc).is_empty(), "{name}: no jobs");
        }
    }
}

#[test]
fn environment_choices_are_the_topology_environments() {
    for kdl in [REPO_KDL, MINIMAL_KDL, LARGE_KDL] {
        let envs = env_names(kdl);
        let files = workflows(kdl);
        let deploy = parse("deploy", &files["deploy-cluster.yml"]);
        let input = get(
            &deploy,
            &["on", "workflow_dispatch", "inputs", "environment"],
        );
        assert_eq!(input["type"].as_str(), Some("choice"));
        assert_eq!(strings(&input["options"]), envs);
        let maint = parse("maintenance", &files["hcloud-maintenance.yml"]);
        let input = get(&maint, &["on", "workflow_dispatch", "inputs", "env"]);
        assert_eq!(input["type"].as_str(), Some("choice"));
        assert_eq!(strings(&input["options"]), envs);
        assert_eq!(
            strings(get(
                &maint,
                &["on", "workflow_dispatch", "inputs", "action", "options"]
            )),
            ["list", "destroy-cluster", "destroy-all", "check-clean"]
        );
    }
}

#[test]
fn actions_are_pinned_and_reusable_workflows_local() {
    let sha = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    for (name, text) in workflows(REPO_KDL) {
        let doc = parse(&name, &text);
        for (job_name, job) in jobs(&doc) {
            let mut uses: Vec<&str> = job
                .get("uses")
                .and_then(Value::as_str)
                .into_iter()
                .collect();
            uses.extend(
                steps(job)
                    .into_iter()
                    .filter_map(|s| s.get("uses").and_then(Value::as_str)),
            );
            for u in uses {
                if let Some(path) = u.strip_prefix("./") {
                    assert!(
                        path.starts_with(".github/workflows/") && !u.contains('@'),
                        "{name} {job_name}: {u}"
                    );
                    assert!(
                        WORKFLOWS.contains(&path.trim_start_matches(".github/workflows/")),
                        "{name} {job_name}: calls a workflow topogen does not emit: {u}"
                    );
                } else {
                    let (action, rev) = u.split_once('@').expect("owner/repo@rev");
                    assert_eq!(action.split('/').count(), 2, "{name}: {u}");
                    assert!(
                        sha(rev),
                        "{name} {job_name}: `{u}` is not pinned to a commit"
                    );
                    let line = text.lines().find(|l| l.contains(u)).unwrap();
                    assert!(line.contains(" # "), "{name}: `{u}` has no tag comment");
                }
            }
        }
        assert!(!text.contains("@main"), "{name}");
        assert!(!text.contains("secrets: inherit"), "{name}");
    }
}

#[test]
fn no_expression_is_expanded_inside_a_script() {
    for kdl in [REPO_KDL, MINIMAL_KDL, LARGE_KDL] {
        for (name, text) in workflows(kdl) {
            let doc = parse(&name, &text);
            for (job_name, job) in jobs(&doc) {
                for step in steps(job) {
                    if let Some(run) = step.get("run").and_then(Value::as_str) {
                        assert!(!run.contains("${{"), "{name} {job_name}: {run}");
                    }
                }
            }
        }
    }
}

#[test]
fn permissions_are_least_privilege() {
    for (name, text) in workflows(REPO_KDL) {
        let doc = parse(&name, &text);
        let top = get(&doc, &["permissions"]);
        assert!(
            top.as_mapping().is_some_and(|m| m.is_empty()) || top == &parse("p", "contents: read"),
            "{name}: top-level permissions {top:?}"
        );
        for (job_name, job) in jobs(&doc) {
            let p = job
                .get("permissions")
                .unwrap_or_else(|| panic!("{name} {job_name}: no permissions"));
            for (scope, level) in p.as_mapping().unwrap() {
                assert_eq!(
                    (scope.as_str(), level.as_str()),
                    (Some("contents"), Some("read")),
                    "{name} {job_name}"
                );
            }
            for step in steps(job) {
                let uses = step.get("uses").and_then(Value::as_str).unwrap_or("");
                if uses.starts_with("actions/checkout@") {
                    assert_eq!(
                        step["with"]["persist-credentials"],
                        Value::Bool(false),
                        "{name} {job_name}"
                    );
                }
            }
        }
    }
}

#[test]
fn secrets_reach_scripts_only_through_env() {
    let files = workflows(REPO_KDL);
    for (name, text) in &files {
        for line in text.lines().filter(|l| l.contains("secrets.")) {
            let t = line.trim_start();
            let in_env_or_with = t.starts_with(|c: char| c.is_ascii_uppercase() || c == '"');
            assert!(in_env_or_with, "{name}: {line}");
        }
        // Nothing writes a key or a token to a file that outlives the job.
        assert!(!text.contains("~/.ssh"), "{name}");
        assert!(!text.contains("id_ed25519"), "{name}");
    }
    // The SSH key stays in an ssh-agent; the kubeconfig is removed at job end.
    for name in [
        "01-reusable-provision-infra.yml",
        "02-reusable-verify-cluster.yml",
        "03-reusable-deploy-argocd.yml",
        "04-reusable-deploy-strimzi.yml",
    ] {
        assert!(
            files[name].contains("ssh-add -q - <<< \"$SSH_PRIVATE_KEY\""),
            "{name}"
        );
    }
    for name in [
        "02-reusable-verify-cluster.yml",
        "03-reusable-deploy-argocd.yml",
        "04-reusable-deploy-strimzi.yml",
    ] {
        let doc = parse(name, &files[name]);
        let (_, job) = jobs(&doc).into_iter().next().unwrap();
        let last = *steps(job).last().unwrap();
        assert_eq!(last["if"].as_str(), Some("always()"), "{name}");
        assert!(
            last["run"].as_str().unwrap().contains("kubeconfig"),
            "{name}"
        );
    }
}

#[test]
fn secret_names_come_from_cluster_kdl() {
    let kdl = REPO_KDL
        .replace("secret HCLOUD_TOKEN ", "secret HETZNER_API_TOKEN ")
        .replace("secret SSH_PRIVATE_KEY ", "secret DEPLOY_KEY ");
    let files = workflows(&kdl);
    let all: String = files.values().map(String::as_str).collect();
    assert!(!all.contains("secrets.HCLOUD_TOKEN"));
    assert!(!all.contains("secrets.SSH_PRIVATE_KEY"));
    assert!(all.contains("${{ secrets.HETZNER_API_TOKEN }}"));
    assert!(all.contains("${{ secrets.DEPLOY_KEY }}"));
    // The environment variable the hcloud CLI reads keeps its name.
    assert!(all.contains("HCLOUD_TOKEN: \"${{ secrets.HETZNER_API_TOKEN }}\""));
}

#[test]
fn maintenance_covers_every_pool_and_primary_ip() {
    for kdl in [REPO_KDL, MINIMAL_KDL, LARGE_KDL] {
        let c = topogen::compile(Source::new("cluster.kdl", kdl));
        let project = c.project.unwrap();
        let files = workflows(kdl);
        let maint = &files["hcloud-maintenance.yml"];
        for t in &project.envs {
            for pool in &t.pools {
                assert!(
                    maint.contains(&format!(" {} ", pool.name.value))
                        || maint.contains(&format!("({} ", pool.name.value))
                        || maint.contains(&format!(" {})", pool.name.value))
                        || maint.contains(&format!("({})", pool.name.value)),
                    "pool {} missing",
                    pool.name.value
                );
                if pool.primary_ip.is_some() {
                    let ip = t.primary_ip_name(pool);
                    assert!(maint.contains(&ip), "{ip}");
                    assert!(
                        files["01-reusable-provision-infra.yml"].contains(&ip),
                        "{ip}"
                    );
                }
            }
            for node in t.nodes() {
                assert!(maint.contains(&node.server_name), "{}", node.server_name);
            }
        }
    }
}

#[test]
fn every_agent_gets_the_join_token() {
    for kdl in [REPO_KDL, LARGE_KDL] {
        let c = topogen::compile(Source::new("cluster.kdl", kdl));
        let project = c.project.unwrap();
        let provision = &workflows(kdl)["01-reusable-provision-infra.yml"];
        // each `agent` call on a line of its own: `agent` takes three
        // arguments and ignores the rest, so calls run together on one line
        // would register only the first node (a bug an earlier template had)
        let calls: Vec<&str> = provision
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("agent "))
            .collect();
        let mut expected = Vec::new();
        for t in &project.envs {
            for node in t.nodes() {
                if node.pool.role.value == topogen::model::Role::Server {
                    continue;
                }
                let route = if node.primary_ip { "direct" } else { "jump" };
                expected.push(format!(
                    "agent {} {} {route}",
                    node.server_name,
                    node.ip.unwrap()
                ));
            }
        }
        assert_eq!(calls, expected);
    }
}

#[test]
fn destroy_schedule_comes_from_cluster_kdl() {
    let maint = |kdl: &str| parse("m", &workflows(kdl)["hcloud-maintenance.yml"]);
    let doc = maint(REPO_KDL);
    let cron = get(&doc, &["on", "schedule"]).as_sequence().unwrap();
    assert_eq!(cron.len(), 1);
    assert_eq!(cron[0]["cron"].as_str(), Some("30 23 * * *"));

    let kdl = edit(
        REPO_KDL,
        &[("destroy-at=\"23:30\"", "destroy-at=\"21:05\"")],
    );
    let doc = maint(&kdl);
    assert_eq!(
        get(&doc, &["on", "schedule"])[0]["cron"].as_str(),
        Some("5 21 * * *")
    );

    let kdl = edit(REPO_KDL, &[("        schedule destroy-at=\"23:30\"\n", "")]);
    assert!(maint(&kdl)["on"].get("schedule").is_none());
}

#[test]
fn deploy_and_maintenance_of_an_environment_share_one_concurrency_group() {
    // prod destroyed at the same time as dev: one cron line each, so that a
    // scheduled run knows its one environment (and its group)
    let kdl = edit(
        REPO_KDL,
        &[(
            "environment prod production=#true approval=\"production\" {\n",
            "environment prod production=#true approval=\"production\" {\n        schedule destroy-at=\"23:30\"\n",
        )],
    );
    let files = workflows(&kdl);
    let deploy = parse("d", &files["deploy-cluster.yml"]);
    let maint = parse("m", &files["hcloud-maintenance.yml"]);
    for doc in [&deploy, &maint] {
        assert_eq!(
            get(doc, &["concurrency", "cancel-in-progress"]).as_bool(),
            Some(false)
        );
    }
    assert_eq!(
        get(&deploy, &["concurrency", "group"]).as_str(),
        Some("k3s-trading-${{ inputs.environment }}-infra")
    );
    let crons: Vec<&str> = get(&maint, &["on", "schedule"])
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c["cron"].as_str().unwrap())
        .collect();
    assert_eq!(crons, ["30 23 * * *", "30 23 1-31 * *"]);
    let group = get(&maint, &["concurrency", "group"]).as_str().unwrap();
    assert_eq!(
        group,
        "k3s-trading-${{ github.event_name == 'schedule' && (github.event.schedule == '30 23 * * *' && 'dev' || github.event.schedule == '30 23 1-31 * *' && 'prod' || 'unscheduled') || inputs.env }}-infra${{ inputs.caller_holds_group && format('-called-by-{0}-{1}', github.run_id, github.run_attempt) || '' }}"
    );
    // every call from the deploy says it holds the group (else: a deadlock)
    let jobs = get(&deploy, &["jobs"]).as_mapping().unwrap();
    let calls: Vec<&Value> = jobs
        .values()
        .filter(|j| j["uses"].as_str() == Some("./.github/workflows/hcloud-maintenance.yml"))
        .collect();
    assert_eq!(calls.len(), 2);
    for c in calls {
        assert_eq!(c["with"]["caller_holds_group"].as_bool(), Some(true));
    }
    let input = get(
        &maint,
        &["on", "workflow_call", "inputs", "caller_holds_group"],
    );
    assert_eq!(input["type"].as_str(), Some("boolean"));
    assert_eq!(input["default"].as_bool(), Some(false));
}

#[test]
fn renaming_the_cluster_or_moving_it_leaves_no_trace() {
    let kdl = edit(
        REPO_KDL,
        &[("cluster k3s-trading {", "cluster alpha-desk {")],
    );
    let kdl = edit(
        &kdl,
        &[(
            "location=nbg1 datacenter=nbg1-dc3",
            "location=fsn1 datacenter=fsn1-dc14",
        )],
    );
    let files = workflows(&kdl);
    for (name, text) in &files {
        for old in ["k3s-trading", "nbg1"] {
            assert!(!text.contains(old), "{name} still mentions `{old}`");
        }
    }
    let maint = &files["hcloud-maintenance.yml"];
    assert!(maint.contains("dev-alpha-desk-kafka-ip"));
    assert!(maint.contains("environment=prod,cluster=alpha-desk"));
    assert!(files["01-reusable-provision-infra.yml"].contains("datacenter=fsn1-dc14"));
}

#[test]
fn topology_facts_change_the_workflows() {
    let before = workflows(REPO_KDL);
    let kdl = edit(REPO_KDL, &[("count=3 range=kafka", "count=5 range=kafka")]);
    let kdl = edit(&kdl, &[("https-node-port=30443", "https-node-port=30444")]);
    let kdl = edit(
        &kdl,
        &[("allow https port=30443", "allow https port=30444")],
    );
    let kdl = edit(
        &kdl,
        &[("hcloud-cli \"v1.47.0\"", "hcloud-cli \"v1.52.0\"")],
    );
    let kdl = edit(&kdl, &[("port=\"30001-30004\"", "port=\"30001-30006\"")]);
    let after = workflows(&kdl);
    let verify = &after["02-reusable-verify-cluster.yml"];
    assert!(verify.contains("expected=7"));
    assert!(!verify.contains("expected=5"));
    assert!(before["02-reusable-verify-cluster.yml"].contains("expected=5"));
    assert!(
        after["01-reusable-provision-infra.yml"]
            .contains("agent dev-k3s-trading-kafka-4 10.0.1.24 jump")
    );
    assert!(after["05-reusable-verify-access.yml"].contains("30444 \"ArgoCD UI\""));
    assert!(after["05-reusable-verify-access.yml"].contains("brokers+=(4:30006)"));
    for text in after.values() {
        assert!(!text.contains("v1.47.0"));
        assert!(!text.contains("30443"));
    }
}

#[test]
fn environments_come_from_cluster_kdl() {
    let kdl = edit(
        REPO_KDL,
        &[(
            "    environment prod production=#true approval=\"production\" {",
            "    environment staging {\n    }\n    environment prod production=#true approval=\"production\" {",
        )],
    );
    assert_eq!(env_names(&kdl), ["dev", "staging", "prod"]);
    let files = workflows(&kdl);
    for name in WORKFLOWS.iter().filter(|n| n.starts_with('0')) {
        assert!(files[*name].contains("            staging)"), "{name}");
    }
}

/// Even a value that validation would reject cannot break out of its
/// quoting: every script stays one valid bash program with the value inert,
/// and no `${{ }}` expression reaches a script.
#[test]
fn hostile_values_stay_quoted() {
    const HOSTILE: &str = "x'$(touch /tmp/pwned)\"`id`\n- run: ${{ github.token }}";
    let c = topogen::compile(Source::new("cluster.kdl", REPO_KDL));
    let mut project = c.project.unwrap();
    for t in &mut project.envs {
        t.gitops.overlay.value = HOSTILE.to_owned();
        t.gitops.revision.value = HOSTILE.to_owned();
        t.hetzner.datacenter.value = HOSTILE.to_owned();
        t.versions.hcloud_cli.value = HOSTILE.to_owned();
        t.versions.argocd_operator.value = HOSTILE.to_owned();
    }
    let pin = project.topogen.as_mut().expect("cluster.kdl pins topogen");
    pin.git.value = HOSTILE.to_owned();
    pin.rev.value = HOSTILE.to_owned();
    let files = topogen::emit::plan(&project, &Templates::new(None).unwrap())
        .expect("plan")
        .files;
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with(DIR)) {
        let doc = parse(path, text);
        for (job_name, job) in jobs(&doc) {
            for step in steps(job) {
                let Some(run) = step.get("run").and_then(Value::as_str) else {
                    continue;
                };
                assert!(!run.contains("${{"), "{path} {job_name}: {run}");
                let out = std::process::Command::new("bash")
                    .arg("-n")
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .and_then(|mut child| {
                        use std::io::Write;
                        child.stdin.take().unwrap().write_all(run.as_bytes())?;
                        child.wait_with_output()
                    })
                    .expect("bash");
                assert!(
                    out.status.success(),
                    "{path} {job_name}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                for line in run.lines().filter(|l| l.contains("touch /tmp/pwned")) {
                    assert!(
                        line.contains(
                            "$'x\\'$(touch /tmp/pwned)\"`id`\\n- run: $ {{ github.token }}'"
                        ),
                        "{path}: unquoted in {line}"
                    );
                }
            }
        }
    }
}

#[path = "support/snapshots.rs"]
mod snapshots;

#[path = "support/edit.rs"]
mod edit;
use edit::edit;

#[path = "support/valid.rs"]
mod valid;

/// The provision workflow's token hand-off, run with stand-ins for `ssh`,
/// `ssh-agent`, `ssh-add`, `hcloud` and `sleep` (each call logged): `down`
/// says how many SSH connections each address refuses before it answers.
/// Returns the exit status, the output and the log.
fn hand_off(down: &[(&str, u32)]) -> (bool, String, Vec<String>) {
    use std::os::unix::fs::PermissionsExt;
    let doc = parse("p", &workflows(REPO_KDL)["01-reusable-provision-infra.yml"]);
    let step = steps(&doc["jobs"]["provision"])
        .into_iter()
        .find(|s| s["name"].as_str() == Some("Hand the K3s join token to every agent"))
        .expect("the hand-off step");
    let script = step["run"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = |name: &str, body: &str| {
        let p = bin.join(name);
        std::fs::write(&p, format!("#!/bin/bash\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    fake("ssh-agent", "exit 0");
    fake("ssh-add", "cat > /dev/null");
    fake("sleep", "exit 0");
    fake("hcloud", "echo 198.51.100.20");
    fake(
        "ssh",
        r#"args=("$@"); host=; cmd=()
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[$i]} in
    -F|-J) i=$((i + 1)) ;;
    root@*) host=${args[$i]#root@}; cmd=("${args[@]:$((i + 1))}"); break ;;
  esac
done
if [ "${cmd[0]}" = true ]; then
  n=$(( $(cat "$FAKE/count-$host" 2> /dev/null || echo 0) + 1 ))
  echo "$n" > "$FAKE/count-$host"
  if [ "$n" -le "$(cat "$FAKE/down-$host" 2> /dev/null || echo 0)" ]; then
    echo "refused $host" >> "$FAKE/log"; exit 255
  fi
  echo "up $host" >> "$FAKE/log"; exit 0
fi
case "${cmd[*]}" in
  "test -f "*) exit 0 ;;
  "cat /var/lib/rancher/k3s/server/node-token") echo K10secret ;;
  *"cat > /tmp/k3s-token.part"*) cat > /dev/null; echo "token $host" >> "$FAKE/log" ;;
esac"#,
    );
    for (host, n) in down {
        std::fs::write(dir.path().join(format!("down-{host}")), n.to_string()).unwrap();
    }
    let out = std::process::Command::new("bash")
        .args(["-eo", "pipefail", "-c", script])
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("FAKE", dir.path())
        .env("RUNNER_TEMP", dir.path())
        .env("ENVIRONMENT", "dev")
        .env("CONTROL_PLANE_IP", "203.0.113.10")
        .env("SSH_PRIVATE_KEY", "key")
        .env("HCLOUD_TOKEN", "token")
        .output()
        .expect("bash");
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        log.lines().map(str::to_owned).collect(),
    )
}

#[test]
fn the_token_hand_off_waits_for_ssh_on_each_node_with_bounded_retries() {
    // a worker whose sshd is not up yet: three refusals, then it answers
    let (ok, out, log) = hand_off(&[("10.0.1.30", 3), ("203.0.113.10", 2)]);
    assert!(ok, "{out}");
    let at = |line: &str| {
        log.iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("{line}: {log:?}"))
    };
    assert_eq!(log.iter().filter(|l| *l == "refused 10.0.1.30").count(), 3);
    assert_eq!(
        log.iter().filter(|l| *l == "refused 203.0.113.10").count(),
        2
    );
    for host in ["198.51.100.20", "10.0.1.21", "10.0.1.22", "10.0.1.30"] {
        // every node answered before any token was handed over
        assert!(
            at(&format!("up {host}")) < at("token 198.51.100.20"),
            "{log:?}"
        );
        at(&format!("token {host}"));
    }
    assert!(at("up 203.0.113.10") < at("up 198.51.100.20"));

    // a node that never answers: 30 attempts, a clear error, no token anywhere
    let (ok, out, log) = hand_off(&[("10.0.1.22", u32::MAX)]);
    assert!(!ok);
    assert!(
        out.contains("::error::SSH on 10.0.1.22 did not answer after 30 attempts"),
        "{out}"
    );
    assert_eq!(log.iter().filter(|l| *l == "refused 10.0.1.22").count(), 30);
    assert!(!log.iter().any(|l| l.starts_with("token ")), "{log:?}");
}

#[test]
fn the_production_apply_runs_in_the_approval_environment_cluster_kdl_names() {
    let provision = |kdl: &str| parse("p", &workflows(kdl)["01-reusable-provision-infra.yml"]);
    // the bundled cluster.kdl gates prod's provision job with `production`
    assert!(REPO_KDL.contains("environment prod production=#true approval=\"production\" {"));
    let doc = provision(REPO_KDL);
    assert_eq!(
        doc["jobs"]["provision"]["environment"].as_str(),
        Some("${{ inputs.environment == 'prod' && 'production' || '' }}")
    );
    // two gated environments: one arm each, in file order
    let kdl = edit(
        REPO_KDL,
        &[(
            "    environment dev {",
            "    environment dev approval=\"dev review\" {",
        )],
    );
    assert_eq!(
        provision(&kdl)["jobs"]["provision"]["environment"].as_str(),
        Some(
            "${{ inputs.environment == 'dev' && 'dev review' || inputs.environment == 'prod' && 'production' || '' }}"
        )
    );
    // none gated: no deployment environment at all
    let kdl = edit(REPO_KDL, &[(" approval=\"production\"", "")]);
    assert!(
        provision(&kdl)["jobs"]["provision"]
            .get("environment")
            .is_none()
    );
    // only the job that applies is gated
    let files = workflows(REPO_KDL);
    for (name, text) in &files {
        let doc = parse(name, text);
        for (job, body) in jobs(&doc) {
            if !(name == "01-reusable-provision-infra.yml" && job == "provision") {
                assert!(body.get("environment").is_none(), "{name} {job}");
            }
        }
    }
}

/// `monitoring` is optional: without it (examples/minimal) there is no
/// monitoring stage, no monitoring step and no chart pin; with it the deploy
/// runs the stage after K3s (and Strimzi) and before ArgoCD.
#[test]
fn monitoring_is_installed_before_argocd_only_where_declared() {
    let minimal = topogen::compile(Source::new("cluster.kdl", MINIMAL_KDL));
    let files = topogen::emit::plan(&minimal.project.unwrap(), &Templates::new(None).unwrap())
        .expect("plan")
        .files;
    for (path, text) in &files {
        assert!(
            !path.contains("monitoring") && !path.contains("prometheus"),
            "{path}"
        );
        if path.starts_with(DIR) {
            assert!(!text.to_lowercase().contains("monitoring"), "{path}");
        }
    }
    let repo = workflows(REPO_KDL);
    let deploy: Value = serde_yaml::from_str(&repo["deploy-cluster.yml"]).unwrap();
    let jobs = jobs(&deploy);
    let needs = |job: &str| -> Vec<String> {
        let (_, j) = jobs.iter().find(|(n, _)| n == job).expect(job);
        strings(&j["needs"])
    };
    assert!(needs("deploy_monitoring").contains(&"deploy_strimzi".to_owned()));
    assert!(needs("deploy_argocd").contains(&"deploy_monitoring".to_owned()));
    assert!(needs("cleanup_on_failure").contains(&"deploy_monitoring".to_owned()));
    let stage = &repo["06-reusable-deploy-monitoring.yml"];
    for crd in [
        "prometheuses.monitoring.coreos.com",
        "servicemonitors.monitoring.coreos.com",
        "grafanas.grafana.integreatly.org",
    ] {
        assert!(stage.contains(crd), "{crd}");
    }
}

/// The operations workflows' choices come from cluster.kdl: every
/// environment (logs) or those with `monitoring` (verify), every namespace
/// the topology names; an environment without monitoring is not offered.
#[test]
fn operations_workflows_offer_the_topologys_choices() {
    let repo = workflows(REPO_KDL);
    let logs = &repo["view-app-logs.yml"];
    assert_eq!(options(logs, "environment"), ["dev", "prod"]);
    assert_eq!(
        options(logs, "namespace"),
        ["argocd", "kafka", "monitoring", "ingestion-alpaca"]
    );
    assert_eq!(
        options(&repo["verify-monitoring-stack.yml"], "environment"),
        ["dev", "prod"]
    );
    // an app namespace an environment adds is offered
    let kdl = edit(
        REPO_KDL,
        &[(
            "        network \"10.1.0.0/16\" subnet=\"10.1.1.0/24\"\n",
            "        network \"10.1.0.0/16\" subnet=\"10.1.1.0/24\"\n        registry ghcr.io { namespace risk }\n",
        )],
    );
    let files = workflows(&kdl);
    assert!(options(&files["view-app-logs.yml"], "namespace").contains(&"risk".to_owned()));
    let minimal = workflows(MINIMAL_KDL);
    assert!(!minimal.contains_key("verify-monitoring-stack.yml"));
    assert!(minimal.contains_key("view-app-logs.yml"));
    // no server name or namespace typed into the steps: they come from the case arms
    for (name, text) in [
        ("logs", logs),
        ("verify", &repo["verify-monitoring-stack.yml"]),
    ] {
        let steps_only = text.split("jobs:").nth(1).unwrap();
        let literal = steps_only
            .lines()
            .filter(|l| {
                l.contains("dev-k3s-trading-control") && !l.trim_start().starts_with("server=")
            })
            .count();
        assert_eq!(literal, 0, "{name}");
    }
}

/// The topics workflow offers the environments whose Kafka has an external
/// listener and the topics cluster.kdl declares, reads through the Kafka
/// Primary IP's server (by name) at the bootstrap NodePort, and is not
/// generated without an external listener.
#[test]
fn the_topics_workflow_reads_the_declared_topics_through_the_bootstrap_node_port() {
    let repo = workflows(REPO_KDL);
    let topics = &repo["kafka-topics.yml"];
    assert_eq!(options(topics, "environment"), env_names(REPO_KDL));
    let declared: Vec<String> = REPO_KDL
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("topic "))
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert!(!declared.is_empty());
    assert_eq!(options(topics, "topic"), declared);
    assert_eq!(options(topics, "offset"), ["earliest", "latest"]);
    let bootstrap = REPO_KDL
        .split("bootstrap-node-port=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap();
    for env in env_names(REPO_KDL) {
        let arm = topics
            .split(&format!("            {env})\n"))
            .nth(1)
            .and_then(|r| r.split(";;").next())
            .unwrap();
        assert!(
            arm.contains(&format!("server={env}-k3s-trading-kafka-0\n")),
            "{arm}"
        );
        assert!(arm.contains(&format!("port={bootstrap}\n")), "{arm}");
    }
    // inputs reach the scripts only through env:, never as an expression in run:
    let doc: Value = serde_yaml::from_str(topics).unwrap();
    for step in doc["jobs"]["browse_topic"]["steps"].as_sequence().unwrap() {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "{run}");
        }
    }
    assert!(
        topics.contains("kcat -C -b \"$ADDRESS\" -t \"$TOPIC\" -o \"$OFFSET\" -c \"$COUNT\" -e")
    );
    // no external listener anywhere: no topics workflow
    assert!(!workflows(MINIMAL_KDL).contains_key("kafka-topics.yml"));
    let internal_only = REPO_KDL
        .lines()
        .filter(|l| !l.contains("type=nodeport"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!workflows(&internal_only).contains_key("kafka-topics.yml"));
}

#[test]
fn every_pin_file_is_read_by_a_workflow_step() {
    for kdl in [REPO_KDL, LARGE_KDL] {
        let c = topogen::compile(Source::new("cluster.kdl", kdl));
        let project = c.project.unwrap();
        let files = topogen::emit::plan(&project, &Templates::new(None).unwrap())
            .expect("plan")
            .files;
        let workflows: String = files
            .iter()
            .filter(|(p, _)| p.starts_with(DIR))
            .map(|(_, t)| t.as_str())
            .collect();
        let pins: Vec<&String> = files.keys().filter(|p| p.starts_with("pins/")).collect();
        assert!(!pins.is_empty());
        for pin in pins {
            // pins/<env>/<file>, read as "$GENERATED/pins/$ENVIRONMENT/<file>"
            let file = pin.rsplit('/').next().unwrap();
            let read = format!("< \"$GENERATED/pins/$ENVIRONMENT/{file}\"");
            assert!(workflows.contains(&read), "nothing reads {pin}");
        }
    }
}

/// The provision workflow's Primary IP step for dev, with an `hcloud`
/// stand-in that knows the Primary IPs in `existing` (name, datacenter) and
/// logs every create. Returns the exit status, the output and the log.
fn primary_ip_step(existing: &[(&str, &str)]) -> (bool, String, String) {
    use std::os::unix::fs::PermissionsExt;
    let doc = parse("p", &workflows(REPO_KDL)["01-reusable-provision-infra.yml"]);
    let step = steps(&doc["jobs"]["provision"])
        .into_iter()
        .find(|s| s["id"].as_str() == Some("primary_ips"))
        .expect("the Primary IP step");
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let known: String = existing
        .iter()
        .map(|(n, dc)| format!("    {n}) dc={dc}; id=7 ;;\n"))
        .collect();
    let hcloud = format!(
        r#"#!/bin/bash
if [ "$1 $2" = "primary-ip create" ]; then echo "create $*" >> "$FAKE/log"; echo "$6" >> "$FAKE/created"; exit 0; fi
name=$3
case "$name" in
{known}    *) grep -qx "$name" "$FAKE/created" 2> /dev/null || {{ echo "hcloud: primary IP not found: $name" >&2; exit 1; }}; dc=created; id=9 ;;
esac
case "$5" in
  "format={{{{.ID}}}}") echo "$id" ;;
  "format={{{{.Datacenter.Name}}}}") echo "$dc" ;;
  *) echo "unexpected $*" >&2; exit 2 ;;
esac
"#
    );
    let p = bin.join("hcloud");
    std::fs::write(&p, hcloud).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = dir.path().join("output");
    let out = std::process::Command::new("bash")
        .args(["-eo", "pipefail", "-c", step["run"].as_str().unwrap()])
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("FAKE", dir.path())
        .env("GITHUB_OUTPUT", &output)
        .env("ENVIRONMENT", "dev")
        .env("HCLOUD_TOKEN", "token")
        .output()
        .expect("bash");
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
    let outputs = std::fs::read_to_string(&output).unwrap_or_default();
    (
        out.status.success(),
        format!(
            "{}{}{outputs}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        log,
    )
}

#[test]
fn a_primary_ip_left_in_another_datacenter_stops_provisioning_before_anything_is_created() {
    // a fresh project: both are created in cluster.kdl's datacenter
    let (ok, out, log) = primary_ip_step(&[]);
    assert!(ok, "{out}");
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(
        log.lines().all(|l| l.contains("--datacenter nbg1-dc3")),
        "{log}"
    );
    // reused where they are
    let (ok, out, log) = primary_ip_step(&[
        ("dev-k3s-trading-control-ip", "nbg1-dc3"),
        ("dev-k3s-trading-kafka-ip", "nbg1-dc3"),
    ]);
    assert!(ok, "{out}");
    assert!(log.is_empty(), "{log}");
    assert!(
        out.contains("reusing Primary IP dev-k3s-trading-kafka-ip (7) in nbg1-dc3"),
        "{out}"
    );
    // the environment moved: the Kafka Primary IP is still in fsn1-dc14; the
    // control plane's, not created yet, is not created either
    let (ok, out, log) = primary_ip_step(&[("dev-k3s-trading-kafka-ip", "fsn1-dc14")]);
    assert!(!ok);
    assert!(
        out.contains(
            "::error::Primary IP dev-k3s-trading-kafka-ip is in datacenter fsn1-dc14, but cluster.kdl puts environment dev in nbg1-dc3. A Primary IP cannot move between datacenters"
        ),
        "{out}"
    );
    assert!(log.is_empty(), "created after all: {log}");
}
