//! Fixture workflows executed end to end, each asserting a documented
//! GitHub semantic (and the ones `wrkflw` 0.8 gets wrong: `with:` values
//! evaluated before the call, `if: failure()` after a reusable job fails).

mod common;

use std::path::{Path, PathBuf};

use common::{assert_jobs, assert_logged, assert_outcome, assert_summary, dispatch};
use rehearsal::run::{self, Event, Options, Outcome, Report};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn options(repo: &Path, work: &Path, secrets: &[(&str, &str)]) -> Options {
    Options {
        repo: repo.to_path_buf(),
        work: work.to_path_buf(),
        repository: "owner/repo".to_string(),
        secrets: secrets
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Options::default()
    }
}

/// Runs the workflow file `workflow` of `repo` for `event` in a scratch work directory
/// of its own (as each GitHub run has its own runner), with `secrets` and the options
/// `tweak` sets.
fn run_in(
    repo: &Path,
    workflow: &str,
    event: Event,
    secrets: &[(&str, &str)],
    tweak: impl FnOnce(&mut Options),
) -> Result<Report, String> {
    let work = tempfile::tempdir().unwrap();
    let mut opts = options(repo, work.path(), secrets);
    tweak(&mut opts);
    run::run(&repo.join(".github/workflows").join(workflow), event, &opts)
}

fn run_calls(fail: &str) -> Report {
    run_in(
        &fixture("calls"),
        "caller.yml",
        dispatch(&[("environment", "dev"), ("fail", fail)]),
        &[("TOKEN", "s3cr3t-token")],
        |_| {},
    )
    .unwrap()
}

#[test]
fn reusable_call_gets_evaluated_inputs_and_maps_outputs_back() {
    let report = run_calls("false");
    assert_outcome(&report, Outcome::Success);
    // The callee saw the caller's values, not the `${{ }}` text.
    assert_eq!(report.job("call").unwrap().outputs["seen"], "dev@10.0.1.10");
    assert_eq!(report.job("call/work").unwrap().name, "work on dev");
    assert_jobs(
        &report,
        &[
            ("after", Outcome::Success),
            // failure() is false when nothing failed
            ("cleanup", Outcome::Skipped),
        ],
    );
    assert_summary(&report, "call=success after=success seen=dev@10.0.1.10");
    assert_eq!(report.concurrency, vec!["caller-dev".to_string()]);
}

#[test]
fn failure_in_a_reusable_job_runs_the_failure_cleanup_and_skips_dependants() {
    let report = run_calls("true");
    assert_eq!(report.result, Outcome::Failure);
    assert_jobs(
        &report,
        &[
            ("call/work", Outcome::Failure),
            // a call job fails with its called job
            ("call", Outcome::Failure),
            // default if: success() skips it
            ("after", Outcome::Skipped),
            // if: failure() runs after a reusable job failed
            ("cleanup", Outcome::Success),
        ],
    );
    assert_eq!(
        report.job("cleanup").unwrap().environment.as_deref(),
        Some("dev")
    );
    assert_summary(&report, "cleanup dev");
    assert_summary(&report, "call=failure after=skipped");
    assert_logged(&report, "error: failing on purpose");
}

#[test]
fn a_rejected_environment_fails_its_job_before_any_step() {
    let report = run_in(
        &fixture("calls"),
        "caller.yml",
        dispatch(&[("environment", "dev"), ("fail", "true")]),
        &[("TOKEN", "token-value")],
        |o| o.rejected_environments = vec!["dev".to_string()],
    )
    .unwrap();
    let cleanup = report.job("cleanup").unwrap();
    assert_eq!(cleanup.result, Outcome::Failure, "{:#?}", report.log);
    assert!(cleanup.steps.is_empty(), "no step ran");
    assert_logged(
        &report,
        "[cleanup] deployment to environment `dev` was rejected by a reviewer",
    );
    assert!(!report.summary.contains("cleanup dev"));
}

#[test]
fn secrets_are_masked_and_reach_a_callee_only_when_passed() {
    let report = run_calls("false");
    assert_logged(&report, "the token is ***");
    assert!(!report.logged("s3cr3t-token"));
}

#[test]
fn a_choice_outside_the_options_is_refused_before_anything_runs() {
    let work = tempfile::tempdir().unwrap();
    let repo = fixture("calls");
    let err = run::run(
        &repo.join(".github/workflows/caller.yml"),
        dispatch(&[("environment", "staging")]),
        &options(&repo, work.path(), &[]),
    )
    .unwrap_err();
    assert!(err.contains("`staging` is not one of the options"), "{err}");
    assert_eq!(
        std::fs::read_dir(work.path()).unwrap().count(),
        0,
        "no job ran"
    );
}

#[test]
fn step_semantics_file_commands_shell_and_masking() {
    let report = run_in(
        &fixture("steps"),
        "steps.yml",
        dispatch(&[]),
        &[("PASSWORD", "hunter2")],
        |_| {},
    )
    .unwrap();
    let files = report.job("files").unwrap();
    assert_eq!(files.result, Outcome::Success, "{:#?}", report.log);
    assert_eq!(
        files.outputs["multi"], "line one\nline two",
        "heredoc form of $GITHUB_OUTPUT"
    );
    assert_eq!(
        files.outputs["layer"], "step/w/set by a step",
        "step env over job env over workflow env; $GITHUB_ENV carried"
    );
    assert!(
        !files.outputs.contains_key("leak"),
        "an output holding a secret is dropped"
    );
    let piped = &files.steps[2];
    assert_eq!(
        piped.1,
        Outcome::Success,
        "continue-on-error turns the failure into a success conclusion"
    );
    assert!(!report.logged("not reached"), "{:#?}", report.log);
    assert_logged(&report, "outcome and conclusion as documented");
    assert!(
        report.logged("tool-ran"),
        "$GITHUB_PATH entry used by a later step"
    );
    assert_logged(&report, "printing *** and ***");
    assert!(
        !report
            .log
            .iter()
            .any(|l| l.contains("hunter2") || l.contains("runtime-mask-value"))
    );

    let errexit = report.job("errexit").unwrap();
    assert_eq!(errexit.result, Outcome::Failure);
    let outcomes: Vec<Outcome> = errexit.steps.iter().map(|s| s.1).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Failure,
            Outcome::Skipped,
            Outcome::Success,
            Outcome::Success
        ]
    );
    assert_logged(&report, "always() step ran; job.status=failure");
    assert_eq!(report.result, Outcome::Failure);

    // A background process holding the step's output does not hold the step
    // up, and the runner ends it with its job.
    assert_eq!(report.job("background").unwrap().result, Outcome::Success);
    assert_eq!(
        report.job("after_background").unwrap().result,
        Outcome::Success,
        "{:#?}",
        report.log
    );
    assert_logged(&report, "[background] cleaning up orphan processes");
    assert!(!report.logged("late output"));
}

#[test]
fn schedule_sets_the_event_and_leaves_inputs_empty_and_checkout_copies_the_repo() {
    let nightly = |cron: Option<&str>| {
        run_in(
            &fixture("schedule"),
            "nightly.yml",
            Event::Schedule(cron.map(str::to_string)),
            &[],
            |o| {
                o.vars.insert("REGION".to_string(), "nbg1".to_string());
            },
        )
    };
    let report = nightly(None).unwrap();
    assert_outcome(&report, Outcome::Success);
    assert_summary(&report, "event=schedule cron=30 23 * * * input=[] var=nbg1");
    assert_summary(&report, "checked out");
    let err = nightly(Some("0 1 * * *")).unwrap_err();
    assert!(err.contains("no schedule `0 1 * * *`"), "{err}");
}

/// Writes `files` as `.github/workflows/<name>` of a scratch repository.
fn scratch_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    for (name, text) in files {
        std::fs::write(wf.join(name), text).unwrap();
    }
    dir
}

/// Runs the first of `files`, the workflows of a scratch repository, dispatched without
/// inputs.
fn run_scratch(files: &[(&str, &str)]) -> Result<Report, String> {
    let repo = scratch_repo(files);
    run_in(repo.path(), files[0].0, dispatch(&[]), &[], |_| {})
}

fn refusal(files: &[(&str, &str)]) -> String {
    run_scratch(files).unwrap_err()
}

const HEAD: &str = "on:\n  workflow_dispatch:\njobs:\n  j:\n    runs-on: ubuntu-latest\n";

#[test]
fn features_it_does_not_implement_are_refused() {
    let cases = [
        (format!("{HEAD}    strategy:\n      matrix:\n        x: [1]\n    steps:\n      - run: 'true'\n"), "unsupported: `jobs.j.strategy`"),
        (format!("{HEAD}    container: debian\n    steps:\n      - run: 'true'\n"), "unsupported: `jobs.j.container`"),
        (format!("{HEAD}    steps:\n      - uses: actions/checkout@v4\n"), "is not pinned to a full commit SHA"),
        (format!("{HEAD}    steps:\n      - uses: actions/cache@0123456789012345678901234567890123456789\n"), "has no local behaviour"),
        (format!("{HEAD}    steps:\n      - run: 'true'\n        shell: python\n"), "unsupported: `jobs.j.steps[0].shell`"),
        (format!("{HEAD}    steps:\n      - run: echo ${{{{ hashFiles('x') }}}}\n"), "unsupported: function `hashFiles`"),
        (format!("run-name: x\n{HEAD}    steps:\n      - run: 'true'\n"), "unsupported: `run-name`"),
        ("on:\n  issues:\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n".to_string(), "unsupported: `on.issues`"),
        ("on:\n  pull_request:\n    types: [label_added]\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n".to_string(), "`on.pull_request.types`: `label_added` is not an activity type of `pull_request`"),
        ("on:\n  pull_request:\n    branches: [main]\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n".to_string(), "unsupported: `on.pull_request`: event filters"),
        ("on:\n  workflow_dispatch:\njobs:\n  j:\n    runs-on: windows-latest\n    steps:\n      - run: 'true'\n".to_string(), "runner `windows-latest`"),
        ("on:\n  workflow_dispatch:\njobs:\n  j:\n    uses: owner/repo/.github/workflows/x.yml@main\n".to_string(), "unsupported: reusable workflow `owner/repo"),
    ];
    for (text, expected) in cases {
        let err = refusal(&[("w.yml", &text)]);
        assert!(
            err.contains(expected),
            "expected `{expected}` in: {err}\n--- workflow:\n{text}"
        );
    }
}

#[test]
fn a_call_with_an_undeclared_input_is_refused() {
    let caller = "on:\n  workflow_dispatch:\njobs:\n  c:\n    uses: ./.github/workflows/callee.yml\n    with:\n      environment: dev\n      env: dev\n";
    let callee = "on:\n  workflow_call:\n    inputs:\n      environment:\n        type: string\n        required: true\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n";
    let err = refusal(&[("caller.yml", caller), ("callee.yml", callee)]);
    assert!(
        err.contains("input `env` is not declared by `./.github/workflows/callee.yml`"),
        "{err}"
    );
}

#[test]
fn a_mistake_inside_a_called_workflow_refuses_the_callers_run() {
    // The callee maps a job output from a step output its script never
    // writes: `rehearse run caller.yml` checks the callee too.
    let caller =
        "on:\n  workflow_dispatch:\njobs:\n  c:\n    uses: ./.github/workflows/callee.yml\n";
    let callee = "on:\n  workflow_call:\n    outputs:\n      ip:\n        value: ${{ jobs.j.outputs.ip }}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    outputs:\n      ip: ${{ steps.s.outputs.ip }}\n    steps:\n      - id: s\n        run: echo \"addr=1\" >> \"$GITHUB_OUTPUT\"\n";
    let err = refusal(&[("caller.yml", caller), ("callee.yml", callee)]);
    assert!(err.contains("callee.yml"), "{err}");
    assert!(err.contains("step `s` never writes output `ip`"), "{err}");
}

#[test]
fn a_skipped_ancestor_skips_a_default_job_and_always_still_runs() {
    // docs ("Using conditions to control job execution"): a job whose needs
    // failed or were skipped is skipped unless its `if:` says otherwise;
    // failure() is true when any ancestor failed.
    let wf = "on:\n  workflow_dispatch:\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 1\n  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n  c:\n    needs: b\n    if: always()\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n  d:\n    needs: c\n    if: failure()\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n  e:\n    needs: c\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n";
    let report = run_scratch(&[("w.yml", wf)]).unwrap();
    let results: Vec<(&str, Outcome)> = report
        .jobs
        .iter()
        .map(|j| (j.path.as_str(), j.result))
        .collect();
    assert_eq!(
        results,
        [
            ("a", Outcome::Failure),
            ("b", Outcome::Skipped),
            ("c", Outcome::Success),
            ("d", Outcome::Success),
            ("e", Outcome::Skipped),
        ]
    );
}

#[test]
fn stand_ins_come_first_on_path_with_their_environment_and_terraform_uses_the_mirror() {
    let (stand_ins, mirror) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let hcloud = stand_ins.path().join("hcloud");
    std::fs::write(
        &hcloud,
        "#!/bin/sh\necho \"stand-in hcloud $* state=$REHEARSAL_FAKE_CLOUD\"\n",
    )
    .unwrap();
    let mut perm = std::fs::metadata(&hcloud).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&hcloud, perm).unwrap();
    let report = run_in(&fixture("hooks"), "hooks.yml", dispatch(&[]), &[], |o| {
        o.stand_in_path = vec![stand_ins.path().to_path_buf()];
        o.extra_env = vec![
            (
                "REHEARSAL_FAKE_CLOUD".to_string(),
                "/fake/cloud.json".to_string(),
            ),
            (
                "EXPECTED_MIRROR".to_string(),
                mirror.path().display().to_string(),
            ),
        ];
        o.terraform_mirror = Some(mirror.path().to_path_buf());
    })
    .unwrap();
    assert_jobs(&report, &[("standins", Outcome::Success)]);
    assert_summary(
        &report,
        "stand-in hcloud server list state=/fake/cloud.json",
    );
    let has_terraform = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join("terraform").is_file());
    if has_terraform {
        assert_jobs(&report, &[("terraform", Outcome::Success)]);
        assert_summary(&report, "/setup-terraform");
        assert_logged(
            &report,
            "setup-terraform: requested 1.13.4, using this machine's",
        );
    } else {
        assert_jobs(&report, &[("terraform", Outcome::Failure)]);
        assert_logged(&report, "no `terraform` on this machine's PATH");
    }
}

#[test]
fn deprecated_workflow_commands_fail_the_step() {
    let wf = format!("{HEAD}    steps:\n      - run: echo '::set-output name=x::1'\n");
    let report = run_scratch(&[("w.yml", &wf)]).unwrap();
    assert_jobs(&report, &[("j", Outcome::Failure)]);
    assert_logged(
        &report,
        "unsupported: the `::set-output::` workflow command",
    );
}

#[test]
fn cache_restores_what_a_successful_job_saved_and_nothing_from_a_failed_one() {
    let repo = fixture("cache");
    let store = tempfile::tempdir().unwrap();
    let once = |fail: &str| {
        run_in(&repo, "cache.yml", dispatch(&[("fail", fail)]), &[], |o| {
            o.cache_dir = Some(store.path().to_path_buf());
        })
        .unwrap()
    };
    let failed = once("true");
    assert_eq!(failed.result, Outcome::Failure);
    assert_summary(&failed, "built the tool");
    assert_logged(&failed, "skip: Post ");
    let first = once("false");
    assert_outcome(&first, Outcome::Success);
    assert!(
        first.summary.contains("built the tool"),
        "a failed job saved nothing: {}",
        first.summary
    );
    assert_logged(&first, "cache: saved `tool-Linux-v1`");
    let second = once("false");
    assert_outcome(&second, Outcome::Success);
    assert!(
        !second.summary.contains("built the tool"),
        "cache-hit skips the build: {}",
        second.summary
    );
    assert_summary(&second, "marker: built");
}

#[test]
fn a_called_workflow_in_its_callers_concurrency_group_cancels_the_run() {
    let caller = "on:\n  workflow_dispatch:\nconcurrency: deploy\njobs:\n  call:\n    uses: ./.github/workflows/callee.yml\n  after:\n    needs: call\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n  notify:\n    needs: call\n    if: cancelled()\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo notified\n  last:\n    needs: [after, notify]\n    if: always()\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n";
    let callee = "on:\n  workflow_call:\nconcurrency: deploy\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo never\n";
    let report = run_scratch(&[("caller.yml", caller), ("callee.yml", callee)]).unwrap();
    assert_logged(
        &report,
        "Canceling since a deadlock was detected for concurrency group `deploy`",
    );
    assert_jobs(
        &report,
        &[
            ("call", Outcome::Cancelled),
            ("after", Outcome::Skipped),
            // cancelled() is true after the cancellation
            ("notify", Outcome::Success),
            // always() still runs
            ("last", Outcome::Success),
        ],
    );
    assert!(!report.logged("never"));
    assert_eq!(report.result, Outcome::Cancelled);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A scratch repository with `files` as its workflows, committed on `main`,
/// and a branch `topic` one commit ahead, checked out.
fn git_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = scratch_repo(files);
    let dir = repo.path();
    git(dir, &["init", "--quiet", "--initial-branch", "main"]);
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "-m", "base"]);
    git(dir, &["checkout", "--quiet", "-b", "topic"]);
    std::fs::write(dir.join("change.txt"), "the pull request's change\n").unwrap();
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "-m", "change"]);
    repo
}

const PR_PAYLOAD: &str = r#"on:
  pull_request:
    types: [opened, labeled]
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - env:
          ACTION: ${{ github.event.action }}
          NUMBER: ${{ github.event.pull_request.number }}
          LABELS: ${{ join(github.event.pull_request.labels.*.name, ',') }}
          ADDED: ${{ github.event.label.name }}
          BASE: ${{ github.base_ref }}/${{ github.event.pull_request.base.ref }}/${{ github.event.pull_request.base.sha }}
          HEAD: ${{ github.head_ref }}/${{ github.event.pull_request.head.ref }}/${{ github.event.pull_request.head.sha }}
          REF: ${{ github.ref }}
          REPO: ${{ github.event.repository.full_name }}
          OK: ${{ contains(github.event.pull_request.labels.*.name, 'approved') }}
        run: |
          echo "$ACTION #$NUMBER [$LABELS] +$ADDED $BASE $HEAD $REF $REPO ok=$OK" >> "$GITHUB_STEP_SUMMARY"
"#;

#[test]
fn a_pull_request_event_carries_githubs_payload_and_runs_only_for_its_types() {
    let repo = git_repo(&[("pr.yml", PR_PAYLOAD)]);
    let (main, topic) = (
        git(repo.path(), &["rev-parse", "main"]),
        git(repo.path(), &["rev-parse", "topic"]),
    );
    let pr_run = |repo: &Path, pr: run::PullRequest| {
        run_in(repo, "pr.yml", Event::PullRequest(pr), &[], |_| {})
    };
    let labelled = run::PullRequest {
        action: "labeled".into(),
        number: 7,
        labels: vec!["infra".into(), "approved".into()],
        ..run::PullRequest::default()
    };
    let report = pr_run(repo.path(), labelled).unwrap();
    assert_outcome(&report, Outcome::Success);
    assert_eq!(
        report.summary.trim(),
        format!(
            "labeled #7 [infra,approved] +approved main/main/{main} topic/topic/{topic} refs/pull/7/merge owner/repo ok=true"
        )
    );
    let opened = pr_run(repo.path(), run::PullRequest::default()).unwrap();
    assert!(
        opened.summary.starts_with("opened #1 [] + main/main/"),
        "{}",
        opened.summary
    );
    assert_summary(&opened, "ok=false");
    // `synchronize` is not among the types: the workflow does not run.
    let err = pr_run(
        repo.path(),
        run::PullRequest {
            action: "synchronize".into(),
            ..run::PullRequest::default()
        },
    )
    .unwrap_err();
    assert!(err.contains("does not trigger the workflow"), "{err}");
    // Without `types`, GitHub's default: synchronize runs, labeled does not.
    let plain = git_repo(&[(
        "pr.yml",
        "on:\n  pull_request:\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.action }}\" >> \"$GITHUB_STEP_SUMMARY\"\n",
    )]);
    let sync = run::PullRequest {
        action: "synchronize".into(),
        ..run::PullRequest::default()
    };
    let report = pr_run(plain.path(), sync).unwrap();
    assert_eq!(report.summary.trim(), "synchronize");
    let labeled = run::PullRequest {
        action: "labeled".into(),
        labels: vec!["x".into()],
        ..run::PullRequest::default()
    };
    assert!(pr_run(plain.path(), labeled).is_err());
}

#[test]
fn checkout_with_fetch_depth_zero_gives_every_branch_and_the_working_tree_as_changes() {
    let wf = "on:\n  pull_request:\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n        with:\n          fetch-depth: 0\n          persist-credentials: false\n      - run: |\n          echo \"main=$(git rev-parse origin/main) head=$(git rev-parse HEAD)\" >> \"$GITHUB_STEP_SUMMARY\"\n          git cat-file -e origin/main:./.github/workflows/pr.yml\n          ! git cat-file -e origin/main:./change.txt 2> /dev/null\n          git status --porcelain >> \"$GITHUB_STEP_SUMMARY\"\n";
    let repo = git_repo(&[("pr.yml", wf)]);
    let (main, topic) = (
        git(repo.path(), &["rev-parse", "main"]),
        git(repo.path(), &["rev-parse", "topic"]),
    );
    // An edit not committed yet is what is under test.
    std::fs::write(repo.path().join("change.txt"), "edited\n").unwrap();
    let report = run_in(
        repo.path(),
        "pr.yml",
        Event::PullRequest(run::PullRequest::default()),
        &[],
        |_| {},
    )
    .unwrap();
    assert_outcome(&report, Outcome::Success);
    assert_eq!(
        report.summary,
        format!("main={main} head={topic}\n M change.txt\n")
    );
}

#[test]
fn cargo_install_from_git_resolves_to_the_local_build_and_refuses_anything_else() {
    let tool = tempfile::tempdir().unwrap();
    let bin = tool.path().join("tool");
    std::fs::write(&bin, "#!/bin/sh\necho \"the build under test: $*\"\n").unwrap();
    std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let sha = "a731e99527b2487aa67b18dcb5b4d0aea8279758";
    let wf = |git: &str, rev: &str, krate: &str| {
        format!(
            "on:\n  workflow_dispatch:\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: dtolnay/rust-toolchain@b3b07ba8b418998c39fb20f53e8b695cdcc8de1b\n        with:\n          toolchain: \"1.95\"\n      - run: |\n          cargo install --locked --root \"$HOME/.tools\" --git {git} --rev {rev} {krate}\n          \"$HOME/.tools/bin/{krate}\" --version >> \"$GITHUB_STEP_SUMMARY\"\n"
        )
    };
    let run_it = |text: &str| {
        let repo = scratch_repo(&[("w.yml", text)]);
        run_in(repo.path(), "w.yml", dispatch(&[]), &[], |o| {
            o.cargo_git = vec![rehearsal::actions::CargoGit {
                git: "https://example.invalid/tool".into(),
                krate: "tool".into(),
                bin: bin.clone(),
            }];
        })
        .unwrap()
    };
    let ok = run_it(&wf("https://example.invalid/tool", sha, "tool"));
    assert_outcome(&ok, Outcome::Success);
    assert_eq!(ok.summary, "the build under test: --version\n");
    assert_logged(
        &ok,
        "Installed package `tool` from https://example.invalid/tool#",
    );
    for (git, rev, krate, why) in [
        (
            "https://example.invalid/other",
            sha,
            "tool",
            "no local build stands in for tool from https://example.invalid/other",
        ),
        (
            "https://example.invalid/tool",
            sha,
            "other",
            "no local build stands in for other",
        ),
        (
            "https://example.invalid/tool",
            "main",
            "tool",
            "--rev must pin a full commit SHA (got 'main')",
        ),
    ] {
        let report = run_it(&wf(git, rev, krate));
        assert_eq!(report.result, Outcome::Failure, "{git} {rev} {krate}");
        assert!(report.logged(why), "{why}: {:#?}", report.log);
    }
    let from_crates_io = run_it(&wf("https://example.invalid/tool", sha, "tool").replace(
        "--git https://example.invalid/tool --rev a731e99527b2487aa67b18dcb5b4d0aea8279758 ",
        "",
    ));
    assert_eq!(from_crates_io.result, Outcome::Failure);
    assert_logged(&from_crates_io, "only --git installs are resolved");
}
