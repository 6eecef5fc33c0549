//! A workflow file read into the subset the runner implements. Every key is
//! checked against an allow-list: a key the runner does not implement is an
//! `unsupported: …` error, never silently ignored.

use std::path::{Path, PathBuf};

use serde_yaml::Value as Yaml;

use crate::expr::Value;

#[derive(Clone, Debug)]
pub struct Workflow {
    pub path: PathBuf,
    pub name: Option<String>,
    pub on: Triggers,
    pub permissions: Option<Permissions>,
    pub concurrency: Option<Concurrency>,
    pub env: Vec<(String, Value)>,
    pub jobs: Vec<Job>,
}

#[derive(Clone, Debug, Default)]
pub struct Triggers {
    pub dispatch: Option<Vec<Input>>,
    pub call: Option<Call>,
    pub schedule: Vec<String>,
    pub pull_request: bool,
    /// `on.pull_request.types`; empty means GitHub's default (`opened`,
    /// `synchronize`, `reopened`).
    pub pull_request_types: Vec<String>,
    pub push: bool,
}

/// The activity types of `pull_request` GitHub documents.
pub const PULL_REQUEST_TYPES: [&str; 18] = [
    "assigned",
    "unassigned",
    "labeled",
    "unlabeled",
    "opened",
    "edited",
    "closed",
    "reopened",
    "synchronize",
    "converted_to_draft",
    "ready_for_review",
    "locked",
    "unlocked",
    "review_requested",
    "review_request_removed",
    "auto_merge_enabled",
    "auto_merge_disabled",
    "milestoned",
];

/// The types a `pull_request` trigger without `types` runs for.
pub const PULL_REQUEST_DEFAULT_TYPES: [&str; 3] = ["opened", "synchronize", "reopened"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputType {
    String,
    Choice,
    Boolean,
    Number,
}

#[derive(Clone, Debug)]
pub struct Input {
    pub name: String,
    pub kind: InputType,
    pub required: bool,
    pub default: Option<Value>,
    pub options: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Call {
    pub inputs: Vec<Input>,
    /// Secret name and whether it is required.
    pub secrets: Vec<(String, bool)>,
    /// Output name and its value expression (over the `jobs` context).
    pub outputs: Vec<(String, String)>,
}

/// Scope name to level (`read`, `write`, `none`); `None` for the whole map
/// means "not set" (the repository default applies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permissions(pub Vec<(String, Level)>);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Read,
    Write,
}

pub const PERMISSION_SCOPES: [&str; 15] = [
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
];

impl Permissions {
    pub fn level(&self, scope: &str) -> Level {
        self.0
            .iter()
            .find(|(s, _)| s == scope)
            .map_or(Level::None, |(_, l)| *l)
    }
}

#[derive(Clone, Debug)]
pub struct Concurrency {
    pub group: String,
    pub cancel_in_progress: Value,
}

#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    pub name: Option<String>,
    pub needs: Vec<String>,
    pub cond: Option<String>,
    pub permissions: Option<Permissions>,
    pub concurrency: Option<Concurrency>,
    pub environment: Option<String>,
    pub kind: JobKind,
}

#[derive(Clone, Debug)]
pub enum JobKind {
    Steps {
        env: Vec<(String, Value)>,
        outputs: Vec<(String, String)>,
        steps: Vec<Step>,
    },
    Call {
        uses: String,
        with: Vec<(String, Value)>,
        secrets: CallSecrets,
    },
}

#[derive(Clone, Debug)]
pub enum CallSecrets {
    Inherit,
    Map(Vec<(String, String)>),
}

#[derive(Clone, Debug)]
pub struct Step {
    pub id: Option<String>,
    pub name: Option<String>,
    pub cond: Option<String>,
    pub env: Vec<(String, Value)>,
    pub continue_on_error: Value,
    pub body: StepBody,
}

#[derive(Clone, Debug)]
pub enum StepBody {
    Run {
        script: String,
        working_directory: Option<String>,
    },
    Uses {
        action: String,
        with: Vec<(String, Value)>,
    },
}

impl Step {
    /// What a log line calls the step (GitHub's default: `Run <first line>`).
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        match &self.body {
            StepBody::Run { script, .. } => {
                format!("Run {}", script.lines().next().unwrap_or_default().trim())
            }
            StepBody::Uses { action, .. } => format!("Run {action}"),
        }
    }
}

/// The runner images the runner stands in for (Linux, bash).
const RUNS_ON: [&str; 4] = [
    "ubuntu-latest",
    "ubuntu-24.04",
    "ubuntu-22.04",
    "ubuntu-slim",
];

struct Reader {
    errors: Vec<String>,
}

fn key_str(k: &Yaml) -> String {
    match k {
        Yaml::String(s) => s.clone(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        _ => "?".to_string(),
    }
}

/// A YAML scalar as an expression value (a string may hold `${{ }}`).
fn scalar(v: &Yaml) -> Option<Value> {
    Some(match v {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        Yaml::String(s) => Value::Str(s.clone()),
        _ => return None,
    })
}

impl Reader {
    fn unsupported(&mut self, at: &str, what: &str) {
        self.errors.push(format!("unsupported: `{at}`: {what}"));
    }

    fn bad(&mut self, at: &str, what: &str) {
        self.errors.push(format!("`{at}`: {what}"));
    }

    /// The entries of a mapping, with keys outside `allowed` reported.
    fn map<'y>(&mut self, at: &str, v: &'y Yaml, allowed: &[&str]) -> Vec<(String, &'y Yaml)> {
        match v {
            Yaml::Mapping(m) => m
                .iter()
                .filter_map(|(k, v)| {
                    let k = key_str(k);
                    if allowed.is_empty() || allowed.contains(&k.as_str()) {
                        Some((k, v))
                    } else {
                        self.unsupported(
                            &if at.is_empty() {
                                k.clone()
                            } else {
                                format!("{at}.{k}")
                            },
                            "the rehearsal runner does not implement this key",
                        );
                        None
                    }
                })
                .collect(),
            Yaml::Null => Vec::new(),
            _ => {
                self.bad(at, "expected a mapping");
                Vec::new()
            }
        }
    }

    /// The `key` entry of the map at `at`, which may hold only `description` and `key`.
    fn described<'y>(&mut self, at: &str, v: &'y Yaml, key: &str) -> Option<&'y Yaml> {
        let entries = self.map(at, v, &["description", key]);
        entries.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn string(&mut self, at: &str, v: &Yaml) -> String {
        match scalar(v) {
            Some(Value::Str(s)) => s,
            Some(other) => other.to_text(),
            None => {
                self.bad(at, "expected a string");
                String::new()
            }
        }
    }

    fn boolean(&mut self, at: &str, v: &Yaml) -> bool {
        match v {
            Yaml::Bool(b) => *b,
            _ => {
                self.bad(at, "expected `true` or `false`");
                false
            }
        }
    }

    fn scalars(&mut self, at: &str, v: &Yaml) -> Vec<(String, Value)> {
        self.map(at, v, &[])
            .into_iter()
            .filter_map(|(k, v)| match scalar(v) {
                Some(s) => Some((k, s)),
                None => {
                    self.bad(&format!("{at}.{k}"), "expected a scalar");
                    None
                }
            })
            .collect()
    }

    fn strings(&mut self, at: &str, v: &Yaml) -> Vec<String> {
        match v {
            Yaml::Sequence(items) => items.iter().map(|i| self.string(at, i)).collect(),
            other => vec![self.string(at, other)],
        }
    }

    fn permissions(&mut self, at: &str, v: &Yaml) -> Permissions {
        match v {
            Yaml::String(s) if s == "read-all" || s == "write-all" => {
                let level = if s == "read-all" {
                    Level::Read
                } else {
                    Level::Write
                };
                Permissions(
                    PERMISSION_SCOPES
                        .iter()
                        .map(|s| {
                            (
                                s.to_string(),
                                if *s == "id-token" { Level::None } else { level },
                            )
                        })
                        .collect(),
                )
            }
            _ => {
                let mut out = Vec::new();
                for (k, lv) in self.map(at, v, &PERMISSION_SCOPES) {
                    let level = match lv.as_str() {
                        Some("read") if k != "id-token" => Level::Read,
                        Some("write") => Level::Write,
                        Some("none") => Level::None,
                        _ => {
                            self.bad(&format!("{at}.{k}"), "expected `read`, `write` or `none` (`id-token`: `write` or `none`)");
                            Level::None
                        }
                    };
                    out.push((k, level));
                }
                Permissions(out)
            }
        }
    }

    fn concurrency(&mut self, at: &str, v: &Yaml) -> Concurrency {
        match v {
            Yaml::String(s) => Concurrency {
                group: s.clone(),
                cancel_in_progress: Value::Bool(false),
            },
            _ => {
                let mut c = Concurrency {
                    group: String::new(),
                    cancel_in_progress: Value::Bool(false),
                };
                for (k, v) in self.map(at, v, &["group", "cancel-in-progress"]) {
                    match k.as_str() {
                        "group" => c.group = self.string(&format!("{at}.group"), v),
                        _ => c.cancel_in_progress = scalar(v).unwrap_or(Value::Null),
                    }
                }
                if c.group.is_empty() {
                    self.bad(at, "a concurrency block needs a `group`");
                }
                c
            }
        }
    }

    fn inputs(&mut self, at: &str, v: &Yaml, dispatch: bool) -> Vec<Input> {
        let mut out = Vec::new();
        for (name, spec) in self.map(at, v, &[]) {
            let here = format!("{at}.{name}");
            let mut input = Input {
                name: name.clone(),
                kind: InputType::String,
                required: false,
                default: None,
                options: Vec::new(),
            };
            for (k, v) in self.map(
                &here,
                spec,
                &["description", "type", "required", "default", "options"],
            ) {
                match k.as_str() {
                    "description" => {}
                    "type" => {
                        input.kind = match v.as_str() {
                            Some("string") => InputType::String,
                            Some("boolean") => InputType::Boolean,
                            Some("number") => InputType::Number,
                            Some("choice") if dispatch => InputType::Choice,
                            Some(other) => {
                                self.unsupported(
                                    &format!("{here}.type"),
                                    &format!("input type `{other}`"),
                                );
                                InputType::String
                            }
                            None => InputType::String,
                        }
                    }
                    "required" => input.required = self.boolean(&format!("{here}.required"), v),
                    "default" => input.default = scalar(v),
                    _ => input.options = self.strings(&format!("{here}.options"), v),
                }
            }
            if input.kind == InputType::Choice && input.options.is_empty() {
                self.bad(&here, "a `choice` input needs `options`");
            }
            if let (InputType::Choice, Some(d)) = (&input.kind, &input.default)
                && !input.options.contains(&d.to_text())
            {
                self.bad(&here, &format!("default `{d}` is not one of the options"));
            }
            out.push(input);
        }
        out
    }

    fn triggers(&mut self, v: &Yaml) -> Triggers {
        let mut t = Triggers::default();
        let events: Vec<(String, Yaml)> = match v {
            Yaml::String(s) => vec![(s.clone(), Yaml::Null)],
            Yaml::Sequence(items) => items.iter().map(|i| (key_str(i), Yaml::Null)).collect(),
            _ => self
                .map("on", v, &[])
                .into_iter()
                .map(|(k, v)| (k, v.clone()))
                .collect(),
        };
        for (event, spec) in events {
            let at = format!("on.{event}");
            match event.as_str() {
                "workflow_dispatch" => {
                    let mut inputs = Vec::new();
                    for (k, v) in self.map(&at, &spec, &["inputs"]) {
                        debug_assert_eq!(k, "inputs");
                        inputs = self.inputs(&format!("{at}.inputs"), v, true);
                    }
                    t.dispatch = Some(inputs);
                }
                "workflow_call" => {
                    let mut call = Call::default();
                    for (k, v) in self.map(&at, &spec, &["inputs", "secrets", "outputs"]) {
                        let here = format!("{at}.{k}");
                        match k.as_str() {
                            "inputs" => call.inputs = self.inputs(&here, v, false),
                            "secrets" => {
                                for (name, s) in self.map(&here, v, &[]) {
                                    let at = format!("{here}.{name}");
                                    let required =
                                        self.described(&at, s, "required").is_some_and(|v| {
                                            self.boolean(&format!("{at}.required"), v)
                                        });
                                    call.secrets.push((name, required));
                                }
                            }
                            _ => {
                                for (name, o) in self.map(&here, v, &[]) {
                                    let at = format!("{here}.{name}");
                                    let value = self
                                        .described(&at, o, "value")
                                        .map(|v| self.string(&format!("{at}.value"), v));
                                    match value {
                                        Some(v) => call.outputs.push((name, v)),
                                        None => self.bad(
                                            &format!("{here}.{name}"),
                                            "an output needs a `value`",
                                        ),
                                    }
                                }
                            }
                        }
                    }
                    t.call = Some(call);
                }
                "schedule" => match &spec {
                    Yaml::Sequence(items) => {
                        for item in items {
                            for (_, cron) in self.map(&at, item, &["cron"]) {
                                let cron = self.string(&format!("{at}.cron"), cron);
                                if cron.split_whitespace().count() != 5 {
                                    self.bad(
                                        &at,
                                        &format!("`{cron}` is not a five-field cron expression"),
                                    );
                                }
                                t.schedule.push(cron);
                            }
                        }
                    }
                    _ => self.bad(&at, "expected a list of `cron:` entries"),
                },
                "pull_request" | "push" => {
                    // `types` of a pull request: a rehearsed event's activity
                    // type must be among them; other filters are not
                    // implemented
                    let types_only = event == "pull_request"
                        && matches!(&spec, Yaml::Mapping(m) if m.len() == 1 && m.keys().all(|k| key_str(k) == "types"));
                    if types_only {
                        for (_, v) in self.map(&at, &spec, &["types"]) {
                            let types = self.strings(&format!("{at}.types"), v);
                            for ty in &types {
                                if !PULL_REQUEST_TYPES.contains(&ty.as_str()) {
                                    self.bad(
                                        &format!("{at}.types"),
                                        &format!(
                                            "`{ty}` is not an activity type of `pull_request`"
                                        ),
                                    );
                                }
                            }
                            t.pull_request_types = types;
                        }
                    } else if !matches!(spec, Yaml::Null) {
                        self.unsupported(
                            &at,
                            "event filters (branches, paths, types) are not implemented",
                        );
                    }
                    if event == "push" {
                        t.push = true;
                    } else {
                        t.pull_request = true;
                    }
                }
                other => self.unsupported(&at, &format!("event `{other}`")),
            }
        }
        t
    }

    fn step(&mut self, at: &str, v: &Yaml) -> Step {
        let mut step = Step {
            id: None,
            name: None,
            cond: None,
            env: Vec::new(),
            continue_on_error: Value::Bool(false),
            body: StepBody::Run {
                script: String::new(),
                working_directory: None,
            },
        };
        let (mut run, mut uses, mut with, mut wd) = (None, None, Vec::new(), None);
        let allowed = [
            "name",
            "id",
            "if",
            "env",
            "run",
            "uses",
            "with",
            "shell",
            "working-directory",
            "continue-on-error",
            "timeout-minutes",
        ];
        for (k, v) in self.map(at, v, &allowed) {
            let here = format!("{at}.{k}");
            match k.as_str() {
                "name" => step.name = Some(self.string(&here, v)),
                "id" => step.id = Some(self.string(&here, v)),
                "if" => step.cond = Some(self.string(&here, v)),
                "env" => step.env = self.scalars(&here, v),
                "run" => run = Some(self.string(&here, v)),
                "uses" => uses = Some(self.string(&here, v)),
                "with" => with = self.scalars(&here, v),
                "working-directory" => wd = Some(self.string(&here, v)),
                "continue-on-error" => step.continue_on_error = scalar(v).unwrap_or(Value::Null),
                // Accepted and not enforced (a wall-clock bound); see the README.
                "timeout-minutes" => {}
                _ => {
                    let shell = self.string(&here, v);
                    if shell != "bash" {
                        self.unsupported(
                            &here,
                            &format!("shell `{shell}` (only `bash`, GitHub's default on Linux)"),
                        );
                    }
                }
            }
        }
        step.body = match (run, uses) {
            (Some(script), None) => {
                if !with.is_empty() {
                    self.bad(at, "a `run:` step takes no `with:`");
                }
                StepBody::Run {
                    script,
                    working_directory: wd,
                }
            }
            (None, Some(action)) => StepBody::Uses { action, with },
            _ => {
                self.bad(at, "a step needs exactly one of `run:` and `uses:`");
                step.body
            }
        };
        step
    }

    fn job(&mut self, id: &str, v: &Yaml) -> Job {
        let at = format!("jobs.{id}");
        let allowed = [
            "name",
            "needs",
            "if",
            "permissions",
            "concurrency",
            "environment",
            "runs-on",
            "timeout-minutes",
            "env",
            "outputs",
            "steps",
            "uses",
            "with",
            "secrets",
        ];
        let mut job = Job {
            id: id.to_string(),
            name: None,
            needs: Vec::new(),
            cond: None,
            permissions: None,
            concurrency: None,
            environment: None,
            kind: JobKind::Steps {
                env: Vec::new(),
                outputs: Vec::new(),
                steps: Vec::new(),
            },
        };
        let (mut env, mut outputs, mut steps, mut runs_on) = (Vec::new(), Vec::new(), None, None);
        let (mut uses, mut with, mut secrets) = (None, Vec::new(), None);
        for (k, v) in self.map(&at, v, &allowed) {
            let here = format!("{at}.{k}");
            match k.as_str() {
                "name" => job.name = Some(self.string(&here, v)),
                "needs" => job.needs = self.strings(&here, v),
                "if" => job.cond = Some(self.string(&here, v)),
                "permissions" => job.permissions = Some(self.permissions(&here, v)),
                "concurrency" => job.concurrency = Some(self.concurrency(&here, v)),
                "environment" => {
                    job.environment = Some(match v {
                        Yaml::Mapping(_) => {
                            let mut name = String::new();
                            for (k, v) in self.map(&here, v, &["name", "url"]) {
                                if k == "name" {
                                    name = self.string(&here, v);
                                }
                            }
                            name
                        }
                        _ => self.string(&here, v),
                    })
                }
                "runs-on" => runs_on = Some(self.string(&here, v)),
                "timeout-minutes" => {}
                "env" => env = self.scalars(&here, v),
                "outputs" => {
                    outputs = self
                        .scalars(&here, v)
                        .into_iter()
                        .map(|(k, v)| (k, v.to_text()))
                        .collect()
                }
                "steps" => match v {
                    Yaml::Sequence(items) => {
                        steps = Some(
                            items
                                .iter()
                                .enumerate()
                                .map(|(i, s)| self.step(&format!("{at}.steps[{i}]"), s))
                                .collect::<Vec<_>>(),
                        )
                    }
                    _ => self.bad(&here, "expected a list of steps"),
                },
                "uses" => uses = Some(self.string(&here, v)),
                "with" => with = self.scalars(&here, v),
                _ => {
                    secrets = Some(match v {
                        Yaml::String(s) if s == "inherit" => CallSecrets::Inherit,
                        _ => CallSecrets::Map(
                            self.scalars(&here, v)
                                .into_iter()
                                .map(|(k, v)| (k, v.to_text()))
                                .collect(),
                        ),
                    })
                }
            }
        }
        match (uses, steps) {
            (Some(uses), None) => {
                if runs_on.is_some() || !env.is_empty() || !outputs.is_empty() {
                    self.bad(&at, "a job that calls a reusable workflow takes no `runs-on`, `env` or `outputs`");
                }
                if job.environment.is_some() {
                    self.bad(
                        &at,
                        "a job that calls a reusable workflow takes no `environment`",
                    );
                }
                job.kind = JobKind::Call {
                    uses,
                    with,
                    secrets: secrets.unwrap_or(CallSecrets::Map(Vec::new())),
                };
            }
            (None, Some(steps)) => {
                match runs_on.as_deref() {
                    Some(r) if RUNS_ON.contains(&r) => {}
                    Some(r) => self.unsupported(
                        &format!("{at}.runs-on"),
                        &format!("runner `{r}` (only Linux runners: {})", RUNS_ON.join(", ")),
                    ),
                    None => self.bad(&at, "a job needs `runs-on`"),
                }
                if !with.is_empty() || secrets.is_some() {
                    self.bad(
                        &at,
                        "`with:` and `secrets:` belong to a job that calls a reusable workflow",
                    );
                }
                job.kind = JobKind::Steps {
                    env,
                    outputs,
                    steps,
                };
            }
            _ => self.bad(&at, "a job needs exactly one of `steps:` and `uses:`"),
        }
        job
    }
}

/// Reads a workflow file. Every error (including every unsupported key) is
/// returned, each prefixed with the file name.
pub fn load(path: &Path) -> Result<Workflow, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Workflow, Vec<String>> {
    let file = path.display().to_string();
    let doc: Yaml =
        serde_yaml::from_str(text).map_err(|e| vec![format!("{file}: not YAML: {e}")])?;
    let mut r = Reader { errors: Vec::new() };
    let mut wf = Workflow {
        path: path.to_path_buf(),
        name: None,
        on: Triggers::default(),
        permissions: None,
        concurrency: None,
        env: Vec::new(),
        jobs: Vec::new(),
    };
    let mut saw_on = false;
    for (k, v) in r.map(
        "",
        &doc,
        &["name", "on", "permissions", "concurrency", "env", "jobs"],
    ) {
        match k.as_str() {
            "name" => wf.name = Some(r.string("name", v)),
            "on" => {
                saw_on = true;
                wf.on = r.triggers(v);
            }
            "permissions" => wf.permissions = Some(r.permissions("permissions", v)),
            "concurrency" => wf.concurrency = Some(r.concurrency("concurrency", v)),
            "env" => wf.env = r.scalars("env", v),
            _ => {
                for (id, job) in r.map("jobs", v, &[]) {
                    wf.jobs.push(r.job(&id, job));
                }
            }
        }
    }
    if !saw_on {
        r.bad("on", "a workflow needs `on:`");
    }
    if wf.jobs.is_empty() {
        r.bad("jobs", "a workflow needs at least one job");
    }
    if r.errors.is_empty() {
        Ok(wf)
    } else {
        Err(r
            .errors
            .into_iter()
            .map(|e| format!("{file}: {e}"))
            .collect())
    }
}

impl Workflow {
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// Every input of the workflow, from `workflow_call` and `workflow_dispatch`.
    pub fn declared_inputs(&self) -> Vec<&Input> {
        let mut out: Vec<&Input> = Vec::new();
        if let Some(c) = &self.on.call {
            out.extend(c.inputs.iter());
        }
        if let Some(d) = &self.on.dispatch {
            out.extend(d.iter());
        }
        out
    }

    /// Only callable: secrets come solely from the caller.
    pub fn call_only(&self) -> bool {
        self.on.call.is_some()
            && self.on.dispatch.is_none()
            && self.on.schedule.is_empty()
            && !self.on.pull_request
            && !self.on.push
    }
}
