//! Executing a workflow: jobs in `needs` order with their `if:` and status
//! propagation, `run:` steps under GitHub's default shell, the file
//! commands (`$GITHUB_OUTPUT`, `$GITHUB_ENV`, `$GITHUB_PATH`,
//! `$GITHUB_STEP_SUMMARY`), pinned actions, local reusable workflows with
//! inputs, secrets and outputs, and masking of every secret in the log.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::actions::{self, ActionRun};
use crate::check;
use crate::expr::{self, Scope, Status, Value};
use crate::sites::Site;
use crate::workflow::{
    self, CallSecrets, Input, InputType, Job, JobKind, Permissions, StepBody, Workflow,
};

/// GitHub's default `run` shell on Linux: `bash --noprofile --norc -eo pipefail {0}`.
pub const SHELL: [&str; 5] = ["bash", "--noprofile", "--norc", "-eo", "pipefail"];

#[derive(Default)]
pub struct Options {
    /// The repository `actions/checkout` copies.
    pub repo: PathBuf,
    /// Scratch root: one directory per job (workspace, RUNNER_TEMP, HOME).
    pub work: PathBuf,
    /// `github.repository`.
    pub repository: String,
    pub secrets: BTreeMap<String, String>,
    pub vars: BTreeMap<String, String>,
    /// Directories put first on every step's PATH (the outside-world stand-ins).
    pub stand_in_path: Vec<PathBuf>,
    /// Extra environment for every step (e.g. the fake cloud's state file).
    pub extra_env: Vec<(String, String)>,
    /// A Terraform provider mirror `hashicorp/setup-terraform` installs from.
    pub terraform_mirror: Option<PathBuf>,
    /// Where `actions/cache` keeps entries (default: `work/actions-cache`);
    /// runs that share it share the cache.
    pub cache_dir: Option<PathBuf>,
    /// Environments whose deployment a reviewer rejects (a job targeting one
    /// fails before its first step); every other environment is approved.
    pub rejected_environments: Vec<String>,
    /// Print each log line as it is produced.
    pub echo: bool,
    /// What `cargo install --git URL --rev SHA CRATE` installs once
    /// `dtolnay/rust-toolchain` has set up cargo: a local binary per
    /// (URL, crate), as actions are resolved by their pinned SHA. Any other
    /// `cargo install` is refused (see `actions::CargoGit`).
    pub cargo_git: Vec<actions::CargoGit>,
}

#[derive(Clone, Debug)]
pub enum Event {
    /// `workflow_dispatch` with its inputs as given (strings).
    Dispatch(Vec<(String, String)>),
    /// `schedule`, with the cron that fired (needed when there are several).
    Schedule(Option<String>),
    PullRequest(PullRequest),
    Push,
}

/// A `pull_request` event: the payload GitHub sends is shaped from these
/// (`github.event.pull_request.{number,labels,base,head}`, `github.base_ref`,
/// `github.head_ref`, `refs/pull/N/merge`); the SHAs are the branches' in the
/// repository under test (its working tree stands for the merge commit).
#[derive(Clone, Debug)]
pub struct PullRequest {
    /// The activity type (`opened`, `synchronize`, `labeled`, …); the
    /// workflow runs only if it is among its `types`.
    pub action: String,
    pub number: u64,
    /// The branch the pull request merges into.
    pub base: String,
    /// The pull request's branch.
    pub head: String,
    /// The labels on the pull request (for `labeled`: the last one is the
    /// label just added, `github.event.label`).
    pub labels: Vec<String>,
}

impl Default for PullRequest {
    /// Pull request #1 opened from `topic` into `main`, without labels.
    fn default() -> PullRequest {
        PullRequest {
            action: "opened".into(),
            number: 1,
            base: "main".into(),
            head: "topic".into(),
            labels: Vec::new(),
        }
    }
}

/// `git rev-parse --verify REV^{commit}` in `repo`.
fn rev_parse(repo: &Path, rev: &str) -> Option<String> {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// GitHub's `pull_request` webhook payload (the fields a workflow reads).
fn pull_request_payload(pr: &PullRequest, opts: &Options) -> Value {
    let zeros = "0".repeat(40);
    let (owner, name) = opts
        .repository
        .split_once('/')
        .unwrap_or((opts.repository.as_str(), ""));
    let user = || obj([("login", Value::str(owner)), ("type", Value::str("User"))]);
    let repo = || {
        obj([
            ("full_name", Value::str(opts.repository.clone())),
            ("name", Value::str(name)),
            ("owner", user()),
            ("default_branch", Value::str(pr.base.clone())),
            ("private", Value::Bool(true)),
            ("fork", Value::Bool(false)),
        ])
    };
    let branch = |r: &str, sha: Option<String>| {
        obj([
            ("label", Value::str(format!("{owner}:{r}"))),
            ("ref", Value::str(r)),
            ("sha", Value::str(sha.unwrap_or_else(|| zeros.clone()))),
            ("user", user()),
            ("repo", repo()),
        ])
    };
    let label = |(i, l): (usize, &String)| {
        obj([
            ("id", Value::Num((i + 1) as f64)),
            ("name", Value::str(l.clone())),
            ("color", Value::str("ededed")),
            ("default", Value::Bool(false)),
            ("description", Value::str("")),
        ])
    };
    let labels = Value::Arr(pr.labels.iter().enumerate().map(label).collect());
    let number = Value::Num(pr.number as f64);
    let head_sha = rev_parse(&opts.repo, &pr.head).or_else(|| rev_parse(&opts.repo, "HEAD"));
    let pull_request = obj([
        ("number", number.clone()),
        ("state", Value::str("open")),
        ("locked", Value::Bool(false)),
        ("draft", Value::Bool(false)),
        ("merged", Value::Bool(false)),
        (
            "title",
            Value::str(format!("Rehearsed pull request #{}", pr.number)),
        ),
        ("body", Value::Null),
        ("user", user()),
        ("labels", labels),
        (
            "html_url",
            Value::str(format!(
                "https://github.com/{}/pull/{}",
                opts.repository, pr.number
            )),
        ),
        ("base", branch(&pr.base, rev_parse(&opts.repo, &pr.base))),
        ("head", branch(&pr.head, head_sha)),
    ]);
    let mut payload = vec![
        ("action", Value::str(pr.action.clone())),
        ("number", number),
        ("pull_request", pull_request),
        ("repository", repo()),
        ("sender", user()),
    ];
    if matches!(pr.action.as_str(), "labeled" | "unlabeled") {
        let last = pr.labels.len().saturating_sub(1);
        if let Some(l) = pr.labels.last() {
            payload.push(("label", label((last, l))));
        }
    }
    obj(payload)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Skipped,
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Skipped => "skipped",
            Outcome::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug)]
pub struct JobRecord {
    /// `job` or `caller/called` for a job of a reusable workflow.
    pub path: String,
    pub name: String,
    pub result: Outcome,
    pub outputs: BTreeMap<String, String>,
    pub environment: Option<String>,
    pub concurrency: Option<String>,
    pub permissions: Option<Permissions>,
    /// Step label and outcome (after `continue-on-error`: the conclusion).
    pub steps: Vec<(String, Outcome)>,
}

#[derive(Debug)]
pub struct Report {
    pub result: Outcome,
    pub jobs: Vec<JobRecord>,
    /// Every log line, masked.
    pub log: Vec<String>,
    /// The concatenated `$GITHUB_STEP_SUMMARY` of every step.
    pub summary: String,
    /// Workflow concurrency groups entered (top level and called workflows).
    pub concurrency: Vec<String>,
}

impl Report {
    pub fn job(&self, path: &str) -> Option<&JobRecord> {
        self.jobs.iter().find(|j| j.path == path)
    }

    /// Whether some log line contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.log.iter().any(|l| l.contains(needle))
    }
}

/// Jobs in an order that respects `needs` (declaration order among the
/// ready ones); an error for a cycle or an unknown job.
pub fn job_order(wf: &Workflow) -> Result<Vec<usize>, String> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < wf.jobs.len() {
        let next =
            wf.jobs.iter().enumerate().find(|(i, j)| {
                !order.contains(i) && j.needs.iter().all(|n| done.contains(n.as_str()))
            });
        match next {
            Some((i, j)) => {
                order.push(i);
                done.insert(&j.id);
            }
            None => {
                return Err(
                    "the `needs` of the jobs form a cycle or name a missing job".to_string()
                );
            }
        }
    }
    Ok(order)
}

/// Every job `id` depends on, directly or not.
fn ancestors<'w>(wf: &'w Workflow, id: &str) -> BTreeSet<&'w str> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&str> = wf
        .job(id)
        .map(|j| j.needs.iter().map(String::as_str).collect())
        .unwrap_or_default();
    while let Some(n) = stack.pop() {
        if let Some(j) = wf.job(n)
            && out.insert(j.id.as_str())
        {
            stack.extend(j.needs.iter().map(String::as_str));
        }
    }
    out
}

fn obj<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
    Value::Obj(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

fn str_obj(map: &BTreeMap<String, String>) -> Value {
    obj(map.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))))
}

/// The values of one evaluation; `scope` keeps only those a site may read.
#[derive(Clone, Default)]
struct Ctx(BTreeMap<&'static str, Value>);

impl Ctx {
    fn set(&mut self, name: &'static str, v: Value) {
        self.0.insert(name, v);
    }
    fn scope(&self, site: Site, status: Option<Status>) -> Scope {
        let mut s = Scope::default();
        for name in site.contexts() {
            let v = self.0.get(name).cloned().unwrap_or(Value::Null);
            s.contexts.insert((*name).to_string(), v);
        }
        s.status = if site.is_if() {
            Some(status.unwrap_or_default())
        } else {
            None
        };
        s
    }
}

/// What one workflow run sees: github, inputs, secrets, vars.
#[derive(Clone)]
struct Base {
    github: Value,
    inputs: Value,
    secrets: BTreeMap<String, String>,
}

struct Runner<'o> {
    opts: &'o Options,
    masks: Vec<String>,
    log: Vec<String>,
    jobs: Vec<JobRecord>,
    summary: String,
    concurrency: Vec<String>,
    seq: usize,
    /// A workflow command the runner does not implement, seen in this step.
    refused: Option<String>,
    /// Concurrency groups held by the workflows and jobs now running.
    held: Vec<String>,
    /// The run was cancelled (a concurrency deadlock).
    cancelled: bool,
}

/// Runs `path` for `event`. An `Err` is a refusal before anything ran (the
/// static pass failed, an unsupported feature, inputs GitHub would reject).
pub fn run(path: &Path, event: Event, opts: &Options) -> Result<Report, String> {
    let report = check::check_files(&[path.to_path_buf()]);
    if !report.errors.is_empty() {
        return Err(report.errors.join("\n"));
    }
    let wf = workflow::load(path).map_err(|e| e.join("\n"))?;
    let (event_name, inputs, event_payload) = match event.clone() {
        Event::Dispatch(given) => {
            let decl = wf.on.dispatch.as_ref().ok_or_else(|| {
                format!(
                    "{}: the workflow has no `on.workflow_dispatch`",
                    path.display()
                )
            })?;
            let (inputs, strings) = dispatch_inputs(decl, &given)?;
            ("workflow_dispatch", inputs, obj([("inputs", strings)]))
        }
        Event::Schedule(cron) => {
            let cron = match cron {
                Some(c) if wf.on.schedule.contains(&c) => c,
                Some(c) => {
                    return Err(format!(
                        "the workflow has no schedule `{c}` (it has: {:?})",
                        wf.on.schedule
                    ));
                }
                None if wf.on.schedule.len() == 1 => wf.on.schedule[0].clone(),
                None => {
                    return Err(format!(
                        "say which schedule fired (the workflow has: {:?})",
                        wf.on.schedule
                    ));
                }
            };
            (
                "schedule",
                obj::<String>([]),
                obj([("schedule", Value::str(cron))]),
            )
        }
        Event::PullRequest(pr) if wf.on.pull_request => {
            let types: Vec<&str> = if wf.on.pull_request_types.is_empty() {
                workflow::PULL_REQUEST_DEFAULT_TYPES.to_vec()
            } else {
                wf.on
                    .pull_request_types
                    .iter()
                    .map(String::as_str)
                    .collect()
            };
            if !types.contains(&pr.action.as_str()) {
                return Err(format!(
                    "{}: a pull request `{}` does not trigger the workflow (types: {types:?})",
                    path.display(),
                    pr.action
                ));
            }
            if pr.action == "labeled" && pr.labels.is_empty() {
                return Err("a `labeled` pull request event needs the label it adds".to_string());
            }
            (
                "pull_request",
                obj::<String>([]),
                pull_request_payload(&pr, opts),
            )
        }
        Event::Push if wf.on.push => ("push", obj::<String>([]), obj::<String>([])),
        Event::PullRequest(_) | Event::Push => {
            return Err(format!(
                "{}: the workflow is not triggered by that event",
                path.display()
            ));
        }
    };
    let sha = rev_parse(&opts.repo, "HEAD").unwrap_or_else(|| "0".repeat(40));
    let (git_ref, ref_name, head_ref, base_ref) = match &event {
        Event::PullRequest(pr) => (
            format!("refs/pull/{}/merge", pr.number),
            format!("{}/merge", pr.number),
            pr.head.clone(),
            pr.base.clone(),
        ),
        _ => (
            "refs/heads/main".to_string(),
            "main".to_string(),
            String::new(),
            String::new(),
        ),
    };
    let owner = opts
        .repository
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let github = obj([
        ("event_name", Value::str(event_name)),
        ("event", event_payload),
        ("ref", Value::str(git_ref)),
        ("ref_name", Value::str(ref_name)),
        ("ref_type", Value::str("branch")),
        ("sha", Value::str(sha)),
        ("repository", Value::str(opts.repository.clone())),
        ("repository_owner", Value::str(owner)),
        ("run_id", Value::str("1")),
        ("run_number", Value::str("1")),
        ("run_attempt", Value::str("1")),
        ("actor", Value::str("rehearsal")),
        ("triggering_actor", Value::str("rehearsal")),
        (
            "workflow",
            Value::str(
                wf.name
                    .clone()
                    .unwrap_or_else(|| path.display().to_string()),
            ),
        ),
        ("server_url", Value::str("https://github.com")),
        ("api_url", Value::str("https://api.github.com")),
        ("head_ref", Value::str(head_ref)),
        ("base_ref", Value::str(base_ref)),
        ("token", Value::str("")),
        ("action", Value::str("")),
    ]);
    let mut runner = Runner {
        opts,
        masks: Vec::new(),
        log: Vec::new(),
        jobs: Vec::new(),
        summary: String::new(),
        concurrency: Vec::new(),
        seq: 0,
        refused: None,
        held: Vec::new(),
        cancelled: false,
    };
    for value in opts.secrets.values() {
        runner.add_mask(value);
    }
    let base = Base {
        github,
        inputs,
        secrets: opts.secrets.clone(),
    };
    runner.log(&format!("run `{}` on {event_name}", path.display()));
    let results = runner.run_workflow(&wf, &base, "");
    let result = if results.values().any(|(o, _)| *o == Outcome::Failure) {
        Outcome::Failure
    } else if runner.cancelled || results.values().any(|(o, _)| *o == Outcome::Cancelled) {
        Outcome::Cancelled
    } else {
        Outcome::Success
    };
    runner.log(&format!("run result: {}", result.as_str()));
    Ok(Report {
        result,
        jobs: runner.jobs,
        log: runner.log,
        summary: runner.summary,
        concurrency: runner.concurrency,
    })
}

/// Each input of `decl` with the value `given` names it, if any; a name `given` has and
/// `decl` does not is the error `undeclared` words.
fn match_inputs<'d, T: Clone>(
    decl: &'d [Input],
    given: &[(String, T)],
    undeclared: impl Fn(&str) -> String,
) -> Result<Vec<(&'d Input, Option<T>)>, String> {
    if let Some((k, _)) = given
        .iter()
        .find(|(k, _)| !decl.iter().any(|i| &i.name == k))
    {
        return Err(undeclared(k));
    }
    Ok(decl
        .iter()
        .map(|input| {
            let v = given.iter().find(|(k, _)| k == &input.name);
            (input, v.map(|(_, v)| v.clone()))
        })
        .collect())
}

/// `workflow_dispatch` inputs as GitHub's API checks them: no undeclared
/// input, every required one given (or defaulted), a `choice` among its
/// options, a `boolean` `true`/`false`, a `number` a number. Returns the
/// typed `inputs` context and the string-valued `github.event.inputs`.
pub fn dispatch_inputs(
    decl: &[Input],
    given: &[(String, String)],
) -> Result<(Value, Value), String> {
    let inputs = match_inputs(decl, given, |k| {
        format!(
            "unexpected input `{k}` (declared: {})",
            decl.iter()
                .map(|i| format!("`{}`", i.name))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let mut typed = BTreeMap::new();
    let mut strings = BTreeMap::new();
    for (input, raw) in inputs {
        let raw = raw.or_else(|| input.default.as_ref().map(Value::to_text));
        let Some(raw) = raw else {
            if input.required {
                return Err(format!("required input `{}` was not provided", input.name));
            }
            let empty = match input.kind {
                InputType::Boolean => Value::Bool(false),
                _ => Value::str(""),
            };
            typed.insert(input.name.clone(), empty);
            strings.insert(input.name.clone(), Value::str(""));
            continue;
        };
        let value = match input.kind {
            InputType::Choice => {
                if !input.options.contains(&raw) {
                    return Err(format!(
                        "input `{}`: `{raw}` is not one of the options {:?}",
                        input.name, input.options
                    ));
                }
                Value::str(raw.clone())
            }
            InputType::Boolean => match raw.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    return Err(format!(
                        "input `{}`: `{raw}` is not `true` or `false`",
                        input.name
                    ));
                }
            },
            InputType::Number => match Value::str(raw.clone()).to_num() {
                n if n.is_nan() || raw.trim().is_empty() => {
                    return Err(format!("input `{}`: `{raw}` is not a number", input.name));
                }
                n => Value::Num(n),
            },
            InputType::String => Value::str(raw.clone()),
        };
        typed.insert(input.name.clone(), value);
        strings.insert(input.name.clone(), Value::str(raw));
    }
    Ok((Value::Obj(typed), Value::Obj(strings)))
}

/// `workflow_call` inputs: no undeclared input, required ones given, each
/// of the declared type; absent optional ones get their default or the
/// type's empty value.
pub fn call_inputs(decl: &[Input], given: &[(String, Value)]) -> Result<Value, String> {
    let inputs = match_inputs(decl, given, |k| {
        format!("input `{k}` is not declared by the called workflow")
    })?;
    let mut out = BTreeMap::new();
    for (input, v) in inputs {
        let v = v.or_else(|| input.default.clone());
        let v = match (v, &input.kind) {
            (None, _) if input.required => {
                return Err(format!("required input `{}` was not passed", input.name));
            }
            (None, InputType::Boolean) => Value::Bool(false),
            (None, InputType::Number) => Value::Num(0.0),
            (None, _) => Value::str(""),
            (Some(v @ Value::Bool(_)), InputType::Boolean) => v,
            (Some(v @ Value::Num(_)), InputType::Number) => v,
            (Some(v), InputType::String) if !matches!(v, Value::Arr(_) | Value::Obj(_)) => {
                Value::str(v.to_text())
            }
            (Some(v), kind) => {
                return Err(format!(
                    "input `{}`: `{v}` is not of type {kind:?}",
                    input.name
                ));
            }
        };
        out.insert(input.name.clone(), v);
    }
    Ok(Value::Obj(out))
}

/// Parses a file command file (`$GITHUB_OUTPUT`, `$GITHUB_ENV`): `name=value`
/// lines and `name<<DELIMITER` … `DELIMITER` blocks, as the runner does.
pub fn parse_file_commands(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let heredoc = line.find("<<");
        match (eq, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                let name = &line[..e];
                if name.is_empty() {
                    return Err(format!("invalid format `{line}`: empty name"));
                }
                out.push((name.to_string(), line[e + 1..].to_string()));
            }
            (_, Some(h)) => {
                let name = &line[..h];
                let delim = &line[h + 2..];
                if name.is_empty() || delim.is_empty() {
                    return Err(format!("invalid format `{line}`"));
                }
                let mut value: Vec<&str> = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delim => break,
                        Some(l) => value.push(l),
                        None => return Err(format!("matching delimiter not found `{delim}`")),
                    }
                }
                out.push((name.to_string(), value.join("\n")));
            }
            _ => return Err(format!("invalid format `{line}`")),
        }
    }
    Ok(out)
}

/// Hands every line a step's shell writes to `on_line`, until the pipe
/// closes or the shell has exited (a background process that still holds
/// the pipe does not hold the step up: what the shell wrote before it exited
/// is drained, then reading stops).
fn capture(
    reader: &std::io::PipeReader,
    child: &mut std::process::Child,
    on_line: &mut dyn FnMut(&str),
) -> std::io::Result<()> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    let mut emit = |pending: &mut Vec<u8>, data: &[u8], last: bool| {
        pending.extend_from_slice(data);
        while let Some(i) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=i).collect();
            on_line(String::from_utf8_lossy(&line[..i]).trim_end_matches('\r'));
        }
        if last && !pending.is_empty() {
            on_line(&String::from_utf8_lossy(pending));
            pending.clear();
        }
    };
    let tick = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    loop {
        let mut fds = [PollFd::new(reader, PollFlags::IN)];
        if poll(&mut fds, Some(&tick))? > 0 {
            match (&*reader).read(&mut buf)? {
                0 => {
                    emit(&mut pending, &[], true);
                    return Ok(());
                }
                n => emit(&mut pending, &buf[..n], false),
            }
        } else if child.try_wait()?.is_some() {
            break;
        }
    }
    rustix::fs::fcntl_setfl(reader, rustix::fs::OFlags::NONBLOCK)?;
    loop {
        match (&*reader).read(&mut buf) {
            Ok(0) => break,
            Ok(n) => emit(&mut pending, &buf[..n], false),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    emit(&mut pending, &[], true);
    Ok(())
}

/// State of one running job of steps.
struct JobRun {
    env: BTreeMap<String, String>,
    path: Vec<PathBuf>,
    steps: BTreeMap<String, Value>,
    failed: bool,
    dir: PathBuf,
    workspace: PathBuf,
    temp: PathBuf,
    home: PathBuf,
    /// The process group of each `run:` step, ended with the job.
    process_groups: Vec<u32>,
    /// Actions' post steps, run in reverse order after the last step.
    posts: Vec<(String, actions::Post)>,
}

impl Runner<'_> {
    fn add_mask(&mut self, value: &str) {
        for v in std::iter::once(value).chain(value.lines()) {
            let v = v.trim_end_matches('\r');
            if !v.trim().is_empty() && !self.masks.iter().any(|m| m == v) {
                self.masks.push(v.to_string());
            }
        }
        self.masks.sort_by_key(|m| std::cmp::Reverse(m.len()));
    }

    fn mask(&self, line: &str) -> String {
        let mut out = line.to_string();
        for m in &self.masks {
            out = out.replace(m.as_str(), "***");
        }
        out
    }

    fn log(&mut self, line: &str) {
        let masked = self.mask(line);
        if self.opts.echo {
            println!("{masked}");
        }
        self.log.push(masked);
    }

    fn run_workflow(
        &mut self,
        wf: &Workflow,
        base: &Base,
        prefix: &str,
    ) -> BTreeMap<String, (Outcome, BTreeMap<String, String>)> {
        let mut ctx = Ctx::default();
        ctx.set("github", base.github.clone());
        ctx.set("inputs", base.inputs.clone());
        ctx.set("secrets", str_obj(&base.secrets));
        ctx.set("vars", str_obj(&self.opts.vars));
        let mut results: BTreeMap<String, (Outcome, BTreeMap<String, String>)> = BTreeMap::new();
        let mut holds = false;
        if let Some(c) = &wf.concurrency {
            match expr::eval_template(&c.group, &ctx.scope(Site::WorkflowConcurrency, None)) {
                Ok(g) => {
                    let g = g.to_text();
                    self.log(&format!(
                        "concurrency group `{g}` (cancel-in-progress: {})",
                        c.cancel_in_progress
                    ));
                    self.concurrency.push(g.clone());
                    if self.held.contains(&g) {
                        // A called workflow waiting for a group its caller holds.
                        self.log(&format!("Canceling since a deadlock was detected for concurrency group `{g}` between a caller and `{}`", wf.path.display()));
                        self.cancelled = true;
                        for job in &wf.jobs {
                            results.insert(job.id.clone(), (Outcome::Cancelled, BTreeMap::new()));
                        }
                        return results;
                    }
                    self.held.push(g);
                    holds = true;
                }
                Err(e) => self.log(&format!("error: concurrency: {e}")),
            }
        }
        let order = job_order(wf).unwrap_or_default();
        for i in order {
            let job = &wf.jobs[i];
            let path = format!("{prefix}{}", job.id);
            let needs = obj(job.needs.iter().map(|n| {
                let (o, outs) = results
                    .get(n)
                    .cloned()
                    .unwrap_or((Outcome::Skipped, BTreeMap::new()));
                (
                    n.clone(),
                    obj([
                        ("result", Value::str(o.as_str())),
                        ("outputs", str_obj(&outs)),
                    ]),
                )
            }));
            let mut jctx = ctx.clone();
            jctx.set("needs", needs);
            let anc: Vec<Outcome> = ancestors(wf, &job.id)
                .iter()
                .map(|a| results.get(*a).map_or(Outcome::Skipped, |r| r.0))
                .collect();
            // Job-level status functions look at every ancestor job.
            let status = Status {
                success: !self.cancelled && anc.iter().all(|o| *o == Outcome::Success),
                failure: anc.contains(&Outcome::Failure),
                cancelled: self.cancelled || anc.contains(&Outcome::Cancelled),
            };
            let name = match &job.name {
                Some(n) => expr::eval_template(n, &jctx.scope(Site::JobName, None))
                    .map(|v| v.to_text())
                    .unwrap_or_else(|_| n.clone()),
                None => job.id.clone(),
            };
            let cond = job.cond.clone().unwrap_or_else(|| "success()".to_string());
            let run_it = expr::parse_condition(&cond)
                .and_then(|e| expr::eval_condition(&e, &jctx.scope(Site::JobIf, Some(status))));
            let mut record = JobRecord {
                path: path.clone(),
                name: name.clone(),
                result: Outcome::Skipped,
                outputs: BTreeMap::new(),
                environment: None,
                concurrency: None,
                permissions: job.permissions.clone().or_else(|| wf.permissions.clone()),
                steps: Vec::new(),
            };
            match run_it {
                Err(e) => {
                    self.log(&format!("[{path}] error: `if: {cond}`: {e}"));
                    record.result = Outcome::Failure;
                }
                Ok(false) => self.log(&format!("[{path}] skipped (`if: {}`)", cond.trim())),
                Ok(true) => {
                    self.log(&format!("[{path}] job `{name}`"));
                    if let Some(c) = &job.concurrency
                        && let Ok(g) =
                            expr::eval_template(&c.group, &jctx.scope(Site::JobConcurrency, None))
                    {
                        let g = g.to_text();
                        self.log(&format!("[{path}] concurrency group `{g}`"));
                        record.concurrency = Some(g.clone());
                        if self.held.contains(&g) {
                            self.log(&format!("[{path}] Canceling since a deadlock was detected for concurrency group `{g}` between a workflow and this job"));
                            self.cancelled = true;
                            record.result = Outcome::Cancelled;
                        }
                    }
                    if let Some(env) = &job.environment
                        && record.result == Outcome::Skipped
                    {
                        match expr::eval_template(env, &jctx.scope(Site::JobEnvironment, None)) {
                            // An empty name is no deployment environment
                            // (`environment: ${{ cond && 'prod' || '' }}`).
                            Ok(e) if e.to_text().is_empty() => {}
                            Ok(e) if self.opts.rejected_environments.contains(&e.to_text()) => {
                                self.log(&format!("[{path}] deployment to environment `{e}` was rejected by a reviewer"));
                                record.environment = Some(e.to_text());
                                record.result = Outcome::Failure;
                            }
                            Ok(e) => {
                                self.log(&format!(
                                    "[{path}] environment `{e}` (deployment approved)"
                                ));
                                record.environment = Some(e.to_text());
                            }
                            Err(e) => {
                                self.log(&format!("[{path}] error: environment: {e}"));
                                record.result = Outcome::Failure;
                            }
                        }
                    }
                    if record.result != Outcome::Skipped {
                        // Cancelled (a deadlock) or failed before its first step.
                        self.log(&format!("[{path}] result: {}", record.result.as_str()));
                        results.insert(job.id.clone(), (record.result, BTreeMap::new()));
                        self.jobs.push(record);
                        continue;
                    }
                    if let Some(g) = &record.concurrency {
                        self.held.push(g.clone());
                    }
                    let (result, outputs) = match &job.kind {
                        JobKind::Steps { .. } => {
                            self.run_steps_job(wf, job, &jctx, base, &path, &mut record)
                        }
                        JobKind::Call {
                            uses,
                            with,
                            secrets,
                        } => self.run_call_job(wf, uses, with, secrets, &jctx, base, &path),
                    };
                    if record.concurrency.is_some() {
                        self.held.pop();
                    }
                    record.result = result;
                    record.outputs = outputs;
                }
            }
            self.log(&format!("[{path}] result: {}", record.result.as_str()));
            results.insert(job.id.clone(), (record.result, record.outputs.clone()));
            self.jobs.push(record);
        }
        if holds {
            self.held.pop();
        }
        results
    }

    #[allow(clippy::too_many_arguments)]
    fn run_call_job(
        &mut self,
        wf: &Workflow,
        uses: &str,
        with: &[(String, Value)],
        secrets: &CallSecrets,
        jctx: &Ctx,
        base: &Base,
        path: &str,
    ) -> (Outcome, BTreeMap<String, String>) {
        let fail = |r: &mut Self, msg: String| {
            r.log(&format!("[{path}] error: {msg}"));
            (Outcome::Failure, BTreeMap::new())
        };
        let callee_path = match check::callee_path(&wf.path, uses) {
            Ok(p) => p,
            Err(e) => return fail(self, e),
        };
        let callee = match workflow::load(&callee_path) {
            Ok(c) => c,
            Err(e) => return fail(self, e.join("; ")),
        };
        let Some(call) = callee.on.call.clone() else {
            return fail(self, format!("`{uses}` has no `on.workflow_call`"));
        };
        let mut given = Vec::new();
        for (k, v) in with {
            let value = match v {
                Value::Str(s) => expr::eval_template(s, &jctx.scope(Site::CallWith, None)),
                other => Ok(other.clone()),
            };
            match value {
                Ok(v) => given.push((k.clone(), v)),
                Err(e) => return fail(self, format!("with.{k}: {e}")),
            }
        }
        let inputs = match call_inputs(&call.inputs, &given) {
            Ok(i) => i,
            Err(e) => return fail(self, format!("calling `{uses}`: {e}")),
        };
        let passed: BTreeMap<String, String> = match secrets {
            CallSecrets::Inherit => base.secrets.clone(),
            CallSecrets::Map(m) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    match expr::eval_template(v, &jctx.scope(Site::CallSecrets, None)) {
                        Ok(v) => {
                            out.insert(k.clone(), v.to_text());
                        }
                        Err(e) => return fail(self, format!("secrets.{k}: {e}")),
                    }
                }
                out
            }
        };
        for (name, required) in &call.secrets {
            if *required && !passed.contains_key(name) {
                return fail(
                    self,
                    format!("calling `{uses}`: required secret `{name}` was not passed"),
                );
            }
        }
        // A called workflow sees the secrets it declares (all of them with `inherit`).
        let secrets: BTreeMap<String, String> = match secrets {
            CallSecrets::Inherit => passed,
            CallSecrets::Map(_) => passed
                .into_iter()
                .filter(|(k, _)| call.secrets.iter().any(|(s, _)| s == k))
                .collect(),
        };
        self.log(&format!("[{path}] calls `{uses}`"));
        let callee_base = Base {
            github: base.github.clone(),
            inputs,
            secrets,
        };
        let results = self.run_workflow(&callee, &callee_base, &format!("{path}/"));
        let result = if results.values().any(|(o, _)| *o == Outcome::Cancelled) {
            Outcome::Cancelled
        } else if results.values().any(|(o, _)| *o == Outcome::Failure) {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        let mut octx = Ctx::default();
        octx.set("github", base.github.clone());
        octx.set("inputs", callee_base.inputs.clone());
        octx.set("vars", str_obj(&self.opts.vars));
        octx.set(
            "jobs",
            obj(results.iter().map(|(k, (o, outs))| {
                (
                    k.clone(),
                    obj([
                        ("result", Value::str(o.as_str())),
                        ("outputs", str_obj(outs)),
                    ]),
                )
            })),
        );
        let mut outputs = BTreeMap::new();
        for (k, v) in &call.outputs {
            match expr::eval_template(v, &octx.scope(Site::CallOutput, None)) {
                Ok(v) => {
                    outputs.insert(k.clone(), v.to_text());
                }
                Err(e) => return fail(self, format!("output `{k}`: {e}")),
            }
        }
        (result, outputs)
    }

    fn job_dirs(&mut self, path: &str) -> Result<JobRun, String> {
        self.seq += 1;
        let safe: String = path
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let dir = self.opts.work.join(format!("{:02}-{safe}", self.seq));
        // Never a workspace left by an earlier run.
        std::fs::create_dir_all(&self.opts.work)
            .and_then(|()| std::fs::create_dir(&dir))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let (workspace, temp, home) = (dir.join("workspace"), dir.join("temp"), dir.join("home"));
        for d in [&workspace, &temp, &home, &dir.join("files")] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        Ok(JobRun {
            env: BTreeMap::new(),
            path: Vec::new(),
            steps: BTreeMap::new(),
            failed: false,
            dir,
            workspace,
            temp,
            home,
            process_groups: Vec::new(),
            posts: Vec::new(),
        })
    }

    fn run_steps_job(
        &mut self,
        wf: &Workflow,
        job: &Job,
        jctx: &Ctx,
        base: &Base,
        path: &str,
        record: &mut JobRecord,
    ) -> (Outcome, BTreeMap<String, String>) {
        let JobKind::Steps {
            env,
            outputs,
            steps,
        } = &job.kind
        else {
            unreachable!("a job of steps")
        };
        let mut run = match self.job_dirs(path) {
            Ok(r) => r,
            Err(e) => {
                self.log(&format!("[{path}] error: {e}"));
                return (Outcome::Failure, BTreeMap::new());
            }
        };
        let mut ctx = jctx.clone();
        let mut github = base.github.clone();
        if let Value::Obj(g) = &mut github {
            g.insert("job".into(), Value::str(job.id.clone()));
            g.insert(
                "workspace".into(),
                Value::str(run.workspace.display().to_string()),
            );
        }
        ctx.set("github", github);
        ctx.set(
            "runner",
            obj([
                ("os", Value::str("Linux")),
                ("arch", Value::str("X64")),
                ("name", Value::str("rehearsal")),
                ("environment", Value::str("github-hosted")),
                ("temp", Value::str(run.temp.display().to_string())),
                (
                    "tool_cache",
                    Value::str(run.dir.join("toolcache").display().to_string()),
                ),
                ("debug", Value::str("")),
            ]),
        );
        // Workflow env, then job env (each evaluated where it stands).
        for (k, v) in &wf.env {
            match eval_str(v, &ctx.scope(Site::WorkflowEnv, None)) {
                Ok(s) => {
                    run.env.insert(k.clone(), s);
                }
                Err(e) => return self.job_error(path, &format!("env.{k}: {e}")),
            }
        }
        for (k, v) in env {
            match eval_str(v, &ctx.scope(Site::JobEnv, None)) {
                Ok(s) => {
                    run.env.insert(k.clone(), s);
                }
                Err(e) => return self.job_error(path, &format!("jobs.{}.env.{k}: {e}", job.id)),
            }
        }
        for (index, step) in steps.iter().enumerate() {
            ctx.set("steps", Value::Obj(run.steps.clone().into_iter().collect()));
            ctx.set("env", str_obj(&run.env));
            ctx.set(
                "job",
                obj([(
                    "status",
                    Value::str(if run.failed { "failure" } else { "success" }),
                )]),
            );
            let status = Status {
                success: !run.failed && !self.cancelled,
                failure: run.failed,
                cancelled: self.cancelled,
            };
            let label = step
                .name
                .as_ref()
                .map(|n| {
                    eval_str(&Value::str(n.clone()), &ctx.scope(Site::Step, None))
                        .unwrap_or_else(|_| n.clone())
                })
                .unwrap_or_else(|| step.label());
            let cond = step.cond.clone().unwrap_or_else(|| "success()".to_string());
            let go = expr::parse_condition(&cond)
                .and_then(|e| expr::eval_condition(&e, &ctx.scope(Site::StepIf, Some(status))));
            let (outcome, outputs) = match go {
                Ok(false) => {
                    self.log(&format!("[{path}] skip: {label}"));
                    (Outcome::Skipped, BTreeMap::new())
                }
                Err(e) => {
                    self.log(&format!(
                        "[{path}] error: step `{label}`: `if: {cond}`: {e}"
                    ));
                    (Outcome::Failure, BTreeMap::new())
                }
                Ok(true) => {
                    self.log(&format!("[{path}] ▶ {label}"));
                    match self.run_step(step, index, &ctx, &mut run, path) {
                        Ok(outs) => (Outcome::Success, outs),
                        Err((e, outs)) => {
                            self.log(&format!("[{path}] error: {e}"));
                            (Outcome::Failure, outs)
                        }
                    }
                }
            };
            let continue_on_error = match &step.continue_on_error {
                Value::Str(s) => expr::eval_template(s, &ctx.scope(Site::Step, None))
                    .map(|v| v.truthy())
                    .unwrap_or(false),
                v => v.truthy(),
            };
            let conclusion = if outcome == Outcome::Failure && continue_on_error {
                Outcome::Success
            } else {
                outcome
            };
            if conclusion == Outcome::Failure {
                run.failed = true;
            }
            if let Some(id) = &step.id {
                run.steps.insert(
                    id.clone(),
                    obj([
                        ("outputs", str_obj(&outputs)),
                        ("outcome", Value::str(outcome.as_str())),
                        ("conclusion", Value::str(conclusion.as_str())),
                    ]),
                );
            }
            record.steps.push((label, conclusion));
        }
        // Post steps (actions/cache saves only after a successful job).
        while let Some((label, post)) = run.posts.pop() {
            if run.failed {
                self.log(&format!("[{path}] skip: Post {label}"));
                continue;
            }
            self.log(&format!("[{path}] ▶ Post {label}"));
            match actions::run_post(&post) {
                Ok(lines) => lines
                    .iter()
                    .for_each(|l| self.log(&format!("[{path}] {l}"))),
                Err(e) => {
                    self.log(&format!("[{path}] error: {e}"));
                    run.failed = true;
                }
            }
        }
        ctx.set("steps", Value::Obj(run.steps.clone().into_iter().collect()));
        ctx.set("env", str_obj(&run.env));
        let mut outs = BTreeMap::new();
        for (k, v) in outputs {
            match expr::eval_template(v, &ctx.scope(Site::JobOutput, None)) {
                Ok(v) => {
                    let v = v.to_text();
                    if self.masks.iter().any(|m| v.contains(m.as_str())) {
                        self.log(&format!(
                            "[{path}] warning: skip output `{k}` since it may contain secret"
                        ));
                    } else {
                        outs.insert(k.clone(), v);
                    }
                }
                Err(e) => {
                    self.log(&format!("[{path}] error: outputs.{k}: {e}"));
                    run.failed = true;
                }
            }
        }
        // The runner ends the processes a job's steps left behind.
        for group in &run.process_groups {
            let pid = rustix::process::Pid::from_raw(i32::try_from(*group).unwrap_or(0));
            if let Some(pid) = pid
                && rustix::process::kill_process_group(pid, rustix::process::Signal::KILL).is_ok()
            {
                self.log(&format!(
                    "[{path}] cleaning up orphan processes (group {group})"
                ));
            }
        }
        (
            if run.failed {
                Outcome::Failure
            } else {
                Outcome::Success
            },
            outs,
        )
    }

    fn job_error(&mut self, path: &str, msg: &str) -> (Outcome, BTreeMap<String, String>) {
        self.log(&format!("[{path}] error: {msg}"));
        (Outcome::Failure, BTreeMap::new())
    }

    /// One step; its outputs, or the error with whatever outputs it wrote.
    #[allow(clippy::type_complexity)]
    fn run_step(
        &mut self,
        step: &workflow::Step,
        index: usize,
        ctx: &Ctx,
        run: &mut JobRun,
        path: &str,
    ) -> Result<BTreeMap<String, String>, (String, BTreeMap<String, String>)> {
        let scope = ctx.scope(Site::Step, None);
        let mut env = run.env.clone();
        for (k, v) in &step.env {
            let v = eval_str(v, &scope).map_err(|e| (format!("env.{k}: {e}"), BTreeMap::new()))?;
            env.insert(k.clone(), v);
        }
        match &step.body {
            StepBody::Uses { action, with } => {
                let action = actions::resolve(action).map_err(|e| (e, BTreeMap::new()))?;
                let mut evaluated = Vec::new();
                for (k, v) in with {
                    let v = match v {
                        Value::Str(s) => expr::eval_template(s, &scope)
                            .map_err(|e| (format!("with.{k}: {e}"), BTreeMap::new()))?,
                        other => other.clone(),
                    };
                    evaluated.push((k.clone(), v));
                }
                let cache_dir = self
                    .opts
                    .cache_dir
                    .clone()
                    .unwrap_or_else(|| self.opts.work.join("actions-cache"));
                std::fs::create_dir_all(&cache_dir)
                    .map_err(|e| (format!("{}: {e}", cache_dir.display()), BTreeMap::new()))?;
                let effect = actions::run(
                    action,
                    &ActionRun {
                        with: &evaluated,
                        repo: &self.opts.repo,
                        workspace: &run.workspace,
                        runner_temp: &run.temp,
                        terraform_mirror: self.opts.terraform_mirror.as_deref(),
                        home: &run.home,
                        cache: &cache_dir,
                        cargo_git: &self.opts.cargo_git,
                    },
                )
                .map_err(|e| (e, BTreeMap::new()))?;
                for line in &effect.log {
                    self.log(&format!("[{path}] {line}"));
                }
                for p in effect.path.into_iter().rev() {
                    run.path.insert(0, p);
                }
                run.env.extend(effect.env);
                if let Some(post) = effect.post {
                    run.posts.push((step.label(), post));
                }
                Ok(effect.outputs.into_iter().collect())
            }
            StepBody::Run {
                script,
                working_directory,
            } => {
                let script = eval_str(&Value::str(script.clone()), &scope)
                    .map_err(|e| (format!("run: {e}"), BTreeMap::new()))?;
                let cwd = match working_directory {
                    Some(w) => run.workspace.join(
                        eval_str(&Value::str(w.clone()), &scope)
                            .map_err(|e| (e, BTreeMap::new()))?,
                    ),
                    None => run.workspace.clone(),
                };
                let files = run.dir.join("files");
                let file = |name: &str| files.join(format!("{name}_{index}"));
                let (out_f, env_f, path_f, sum_f) =
                    (file("output"), file("env"), file("path"), file("summary"));
                let script_f = run.temp.join(format!("step_{index}.sh"));
                for f in [&out_f, &env_f, &path_f, &sum_f] {
                    std::fs::write(f, "")
                        .map_err(|e| (format!("{}: {e}", f.display()), BTreeMap::new()))?;
                }
                std::fs::write(&script_f, &script)
                    .map_err(|e| (format!("{}: {e}", script_f.display()), BTreeMap::new()))?;
                let host_path = std::env::var("PATH")
                    .unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_string());
                let mut path_var: Vec<String> =
                    run.path.iter().map(|p| p.display().to_string()).collect();
                path_var.extend(
                    self.opts
                        .stand_in_path
                        .iter()
                        .map(|p| p.display().to_string()),
                );
                path_var.push(host_path);
                let mut cmd = Command::new(SHELL[0]);
                cmd.args(&SHELL[1..])
                    .arg(&script_f)
                    .current_dir(&cwd)
                    .env_clear()
                    .stdin(Stdio::null());
                let github = ctx.0.get("github").cloned().unwrap_or(Value::Null);
                let g = |k: &str| github.get(k).to_text();
                let fixed: Vec<(&str, String)> = vec![
                    ("CI", "true".into()),
                    ("GITHUB_ACTIONS", "true".into()),
                    ("HOME", run.home.display().to_string()),
                    ("LANG", "C.UTF-8".into()),
                    ("GITHUB_WORKSPACE", run.workspace.display().to_string()),
                    ("GITHUB_EVENT_NAME", g("event_name")),
                    ("GITHUB_REPOSITORY", g("repository")),
                    ("GITHUB_REPOSITORY_OWNER", g("repository_owner")),
                    ("GITHUB_REF", g("ref")),
                    ("GITHUB_REF_NAME", g("ref_name")),
                    ("GITHUB_SHA", g("sha")),
                    ("GITHUB_RUN_ID", g("run_id")),
                    ("GITHUB_RUN_NUMBER", g("run_number")),
                    ("GITHUB_RUN_ATTEMPT", g("run_attempt")),
                    ("GITHUB_ACTOR", g("actor")),
                    ("GITHUB_JOB", g("job")),
                    ("GITHUB_WORKFLOW", g("workflow")),
                    ("GITHUB_SERVER_URL", g("server_url")),
                    ("GITHUB_API_URL", g("api_url")),
                    ("GITHUB_OUTPUT", out_f.display().to_string()),
                    ("GITHUB_ENV", env_f.display().to_string()),
                    ("GITHUB_PATH", path_f.display().to_string()),
                    ("GITHUB_STEP_SUMMARY", sum_f.display().to_string()),
                    ("RUNNER_OS", "Linux".into()),
                    ("RUNNER_ARCH", "X64".into()),
                    ("RUNNER_NAME", "rehearsal".into()),
                    ("RUNNER_TEMP", run.temp.display().to_string()),
                    (
                        "RUNNER_TOOL_CACHE",
                        run.dir.join("toolcache").display().to_string(),
                    ),
                ];
                for (k, v) in &self.opts.extra_env {
                    cmd.env(k, v);
                }
                for (k, v) in &env {
                    cmd.env(k, v);
                }
                for (k, v) in fixed {
                    cmd.env(k, v);
                }
                cmd.env("PATH", path_var.join(":"));
                let (reader, writer) =
                    std::io::pipe().map_err(|e| (format!("pipe: {e}"), BTreeMap::new()))?;
                let writer2 = writer
                    .try_clone()
                    .map_err(|e| (format!("pipe: {e}"), BTreeMap::new()))?;
                cmd.stdout(writer).stderr(writer2).process_group(0);
                let mut child = cmd
                    .spawn()
                    .map_err(|e| (format!("bash: {e}"), BTreeMap::new()))?;
                drop(cmd);
                run.process_groups.push(child.id());
                capture(&reader, &mut child, &mut |line| {
                    self.output_line(path, line)
                })
                .map_err(|e| (format!("reading the step's output: {e}"), BTreeMap::new()))?;
                let status = child
                    .wait()
                    .map_err(|e| (format!("bash: {e}"), BTreeMap::new()))?;
                if let Some(refusal) = self.refused.take() {
                    return Err((refusal, BTreeMap::new()));
                }
                let read = |f: &Path| std::fs::read_to_string(f).unwrap_or_default();
                let outputs: BTreeMap<String, String> = parse_file_commands(&read(&out_f))
                    .map_err(|e| (format!("$GITHUB_OUTPUT: {e}"), BTreeMap::new()))?
                    .into_iter()
                    .collect();
                for (k, v) in parse_file_commands(&read(&env_f))
                    .map_err(|e| (format!("$GITHUB_ENV: {e}"), outputs.clone()))?
                {
                    if k.starts_with("GITHUB_") || k.starts_with("RUNNER_") || k == "NODE_OPTIONS" {
                        self.log(&format!(
                            "[{path}] warning: `{k}` cannot be set through $GITHUB_ENV"
                        ));
                    } else {
                        run.env.insert(k, v);
                    }
                }
                for line in read(&path_f).lines().filter(|l| !l.trim().is_empty()) {
                    run.path.insert(0, PathBuf::from(line));
                }
                let summary = read(&sum_f);
                if !summary.is_empty() {
                    let masked = self.mask(&summary);
                    self.summary.push_str(&masked);
                }
                if status.success() {
                    Ok(outputs)
                } else {
                    Err((
                        format!(
                            "process completed with exit code {}",
                            status.code().unwrap_or(-1)
                        ),
                        outputs,
                    ))
                }
            }
        }
    }

    /// A line a step printed: workflow commands are interpreted, everything
    /// is masked before it is logged.
    fn output_line(&mut self, path: &str, line: &str) {
        if let Some(rest) = line.strip_prefix("::")
            && let Some((cmd, msg)) = rest.split_once("::")
        {
            let name = cmd.split_whitespace().next().unwrap_or_default();
            match name {
                "add-mask" => {
                    self.add_mask(msg);
                    return;
                }
                "error" | "warning" | "notice" => {
                    self.log(&format!("[{path}] {name}: {msg}"));
                    return;
                }
                "group" => {
                    self.log(&format!("[{path}] ▸ {msg}"));
                    return;
                }
                "endgroup" | "debug" => return,
                "set-output" | "save-state" | "set-env" | "add-path" | "stop-commands" => {
                    self.refused.get_or_insert_with(|| {
                        format!("unsupported: the `::{name}::` workflow command (deprecated or not implemented; use the file commands)")
                    });
                }
                _ => {}
            }
        }
        self.log(&format!("[{path}] {line}"));
    }
}

fn eval_str(v: &Value, scope: &Scope) -> Result<String, String> {
    match v {
        Value::Str(s) => expr::eval_template(s, scope).map(|v| v.to_text()),
        other => Ok(other.to_text()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_commands_parse_both_forms() {
        let parsed =
            parse_file_commands("a=1\nb=x=y\nmulti<<EOF\nline 1\nline 2\nEOF\nc=\n").unwrap();
        assert_eq!(
            parsed,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x=y".into()),
                ("multi".into(), "line 1\nline 2".into()),
                ("c".into(), "".into()),
            ]
        );
        assert!(
            parse_file_commands("x<<EOF\nno end\n")
                .unwrap_err()
                .contains("delimiter")
        );
        assert!(parse_file_commands("just text\n").is_err());
        assert!(parse_file_commands("=v\n").is_err());
    }

    fn input(
        name: &str,
        kind: InputType,
        required: bool,
        default: Option<Value>,
        options: &[&str],
    ) -> Input {
        Input {
            name: name.into(),
            kind,
            required,
            default,
            options: options.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn dispatch_inputs_validate_choices_and_types() {
        let decl = [
            input("env", InputType::Choice, true, None, &["dev", "prod"]),
            input(
                "action",
                InputType::Choice,
                true,
                Some(Value::str("list")),
                &["list", "check-clean"],
            ),
            input("flag", InputType::Boolean, false, None, &[]),
        ];
        let (typed, strings) = dispatch_inputs(&decl, &[("env".into(), "dev".into())]).unwrap();
        assert_eq!(typed.get("action"), Value::str("list"), "default applied");
        assert_eq!(typed.get("flag"), Value::Bool(false));
        assert_eq!(strings.get("env"), Value::str("dev"));
        for (given, expected) in [
            (&[("env", "staging")][..], "not one of the options"),
            (&[], "required input `env`"),
            (&[("env", "dev"), ("x", "1")], "unexpected input `x`"),
        ] {
            let given: Vec<(String, String)> = given
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let err = dispatch_inputs(&decl, &given).unwrap_err();
            assert!(err.contains(expected), "{given:?}: {err}");
        }
        let (typed, _) = dispatch_inputs(
            &decl,
            &[("env".into(), "dev".into()), ("flag".into(), "true".into())],
        )
        .unwrap();
        assert_eq!(
            typed.get("flag"),
            Value::Bool(true),
            "a boolean input is a boolean in `inputs`"
        );
    }

    #[test]
    fn call_inputs_refuse_undeclared_and_mistyped() {
        let decl = [
            input("environment", InputType::String, true, None, &[]),
            input(
                "kafka_ip",
                InputType::String,
                false,
                Some(Value::str("")),
                &[],
            ),
            input("n", InputType::Number, false, None, &[]),
        ];
        let ok = call_inputs(&decl, &[("environment".into(), Value::str("dev"))]).unwrap();
        assert_eq!(ok.get("kafka_ip"), Value::str(""));
        assert_eq!(ok.get("n"), Value::Num(0.0));
        for (given, expected) in [
            (&[("environment", "dev"), ("env", "x")][..], "not declared"),
            (&[], "required input `environment`"),
            // a string where a number is declared: refused, whatever the words
            (&[("environment", "d"), ("n", "x")], ""),
        ] {
            let given: Vec<(String, Value)> = given
                .iter()
                .map(|(k, v)| (k.to_string(), Value::str(*v)))
                .collect();
            let err = call_inputs(&decl, &given).unwrap_err();
            assert!(err.contains(expected), "{given:?}: {err}");
        }
    }
}
