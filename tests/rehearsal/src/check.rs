//! The static pass over a set of workflow files (nothing is executed): the
//! checks actionlint cannot make across files. Every `uses:
//! ./.github/workflows/X.yml` call passes only declared inputs, every
//! required input and secret, no undeclared secret; every `needs.J.outputs.O`
//! is an output job J declares; every `steps.S.outputs.O` names an earlier
//! step id whose script writes O; every `jobs.J.outputs` value and every
//! `on.workflow_call.outputs` value refers to an output that is written; a
//! called workflow's jobs ask for no permission the caller's job lacks; each
//! expression reads only the contexts GitHub makes available where it stands.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::actions;
use crate::expr::{self, Expr, Value};
use crate::sites::Site;
use crate::workflow::{self, CallSecrets, InputType, Job, JobKind, Level, StepBody, Workflow};

#[derive(Debug, Default)]
pub struct Report {
    /// Findings that fail the check: `file: at: message`.
    pub errors: Vec<String>,
    /// What the pass could not decide (outputs written under a computed name).
    pub notes: Vec<String>,
}

/// The outputs a `run:` script writes to `$GITHUB_OUTPUT`: the literal names
/// of `echo`/`printf` lines that append to it (directly or inside a group
/// `{ … } >> "$GITHUB_OUTPUT"`), the names a shell function writing
/// `"$N=…"` is called with (`output NAME VALUE`, each call's N-th word), and
/// whether some write uses a name computed otherwise (then the set is open:
/// any name may be written).
pub fn run_outputs(script: &str) -> (BTreeSet<String>, bool) {
    let lines: Vec<&str> = script.lines().collect();
    let mut names = BTreeSet::new();
    let mut open = false;
    for (i, line) in lines.iter().enumerate() {
        if !line.contains("GITHUB_OUTPUT") || !line.contains(">>") {
            continue;
        }
        let writers: Vec<usize> = if line.trim_start().starts_with('}') {
            // Back to the line that opens the group.
            let mut depth = 0usize;
            let mut start = i;
            for j in (0..i).rev() {
                let t = lines[j].trim();
                if t.starts_with('}') {
                    depth += 1;
                } else if t == "{" || t.ends_with(" {") && !t.contains("()") {
                    if depth == 0 {
                        start = j;
                        break;
                    }
                    depth -= 1;
                }
            }
            (start + 1..i).collect()
        } else {
            vec![i]
        };
        for w in writers {
            match written_name(lines[w]) {
                Some(Written::Name(name)) => {
                    names.insert(name);
                }
                Some(Written::Positional(n)) => match function_call_words(&lines, w, n) {
                    Some(words) => names.extend(words),
                    None => open = true,
                },
                Some(Written::Computed) => open = true,
                None if !lines[w].trim().is_empty() && !lines[w].trim_start().starts_with('#') => {
                    open = true
                }
                None => {}
            }
        }
    }
    (names, open)
}

enum Written {
    Name(String),
    /// `echo "$N=…"`: the function's N-th argument.
    Positional(usize),
    Computed,
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `echo "name=…"` / `printf 'name=…'` / `echo "name<<EOF"`; `None` for a
/// line that is no `echo`/`printf`.
fn written_name(line: &str) -> Option<Written> {
    let t = line.trim_start();
    let rest = t
        .strip_prefix("echo ")
        .or_else(|| t.strip_prefix("printf "))?;
    let mut rest = rest.trim_start();
    while let Some(r) = rest.strip_prefix('-') {
        rest = r.split_once(' ').map_or("", |(_, r)| r).trim_start();
    }
    let rest = rest.trim_start_matches(['"', '\'']);
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let after = &rest[name.len()..];
    let ends_name = after.starts_with('=') || after.starts_with("<<");
    if is_name(&name) && ends_name {
        return Some(Written::Name(name));
    }
    if let Some(digits) = rest.strip_prefix('$') {
        let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
        if !n.is_empty() && digits[n.len()..].starts_with('=') {
            return Some(match n.parse() {
                Ok(i) if i > 0 => Written::Positional(i),
                _ => Written::Computed,
            });
        }
    }
    Some(Written::Computed)
}

/// The `n`-th word of every call of the shell function that encloses line
/// `at`; `None` when there is no enclosing function, no call, or a call
/// whose word is not a literal name.
fn function_call_words(lines: &[&str], at: usize, n: usize) -> Option<Vec<String>> {
    let fname = lines[..at].iter().rev().find_map(|l| {
        let t = l.trim();
        let name = t.strip_suffix('{')?.trim_end().strip_suffix("()")?.trim();
        is_name(name).then_some(name)
    })?;
    let mut words = Vec::new();
    for l in lines {
        let mut parts = l.split_whitespace();
        if parts.next() != Some(fname) {
            continue;
        }
        let word = parts.nth(n - 1)?.trim_matches(['"', '\'']);
        if !is_name(word) {
            return None;
        }
        words.push(word.to_string());
    }
    (!words.is_empty()).then_some(words)
}

/// The outputs a step writes: `(names, open)`.
fn step_outputs(body: &StepBody) -> (BTreeSet<String>, bool) {
    match body {
        StepBody::Run { script, .. } => run_outputs(script),
        StepBody::Uses { action, .. } => match actions::resolve(action) {
            Ok(a) => (a.outputs.iter().map(|s| s.to_string()).collect(), false),
            Err(_) => (BTreeSet::new(), true),
        },
    }
}

/// The workflow a local `uses:` names, relative to the caller's directory
/// (GitHub keeps reusable workflows directly in `.github/workflows/`).
pub fn callee_path(caller: &Path, uses: &str) -> Result<PathBuf, String> {
    let Some(file) = uses.strip_prefix("./.github/workflows/") else {
        return Err(format!(
            "unsupported: reusable workflow `{uses}` (only `./.github/workflows/<file>` of this repository)"
        ));
    };
    if file.contains('/') || file.contains('@') {
        return Err(format!("unsupported: reusable workflow `{uses}`"));
    }
    Ok(caller.parent().unwrap_or(Path::new(".")).join(file))
}

/// One expression site: where, its path, its job and step index, its text.
type SiteRef<'w> = (Site, String, Option<&'w Job>, Option<usize>, &'w str);

struct Pass {
    loaded: BTreeMap<PathBuf, Result<Workflow, Vec<String>>>,
    report: Report,
}

impl Pass {
    fn load(&mut self, path: &Path) -> Option<Workflow> {
        if !self.loaded.contains_key(path) {
            let wf = workflow::load(path);
            if let Err(errs) = &wf {
                self.report.errors.extend(errs.iter().cloned());
            }
            self.loaded.insert(path.to_path_buf(), wf);
        }
        self.loaded[path].as_ref().ok().cloned()
    }

    fn err(&mut self, wf: &Workflow, at: &str, msg: String) {
        let e = format!("{}: `{at}`: {msg}", wf.path.display());
        if !self.report.errors.contains(&e) {
            self.report.errors.push(e);
        }
    }

    fn check(&mut self, wf: &Workflow) {
        self.jobs_graph(wf);
        let outputs = self.job_outputs(wf);
        self.expressions(wf, &outputs);
        for job in &wf.jobs {
            match &job.kind {
                JobKind::Call {
                    uses,
                    with,
                    secrets,
                } => self.call(wf, job, uses, with, secrets),
                JobKind::Steps { steps, .. } => {
                    let mut ids = BTreeSet::new();
                    for (i, step) in steps.iter().enumerate() {
                        let at = format!("jobs.{}.steps[{i}]", job.id);
                        if let Some(id) = &step.id
                            && !ids.insert(id.clone())
                        {
                            self.err(
                                wf,
                                &at,
                                format!("step id `{id}` is used twice in job `{}`", job.id),
                            );
                        }
                        if let StepBody::Uses { action, with } = &step.body {
                            match actions::resolve(action) {
                                Ok(a) => {
                                    for e in actions::check_inputs(a, with) {
                                        self.err(wf, &at, e);
                                    }
                                }
                                Err(e) => self.err(wf, &at, e),
                            }
                        }
                    }
                }
            }
        }
    }

    fn jobs_graph(&mut self, wf: &Workflow) {
        for job in &wf.jobs {
            for need in &job.needs {
                if wf.job(need).is_none() {
                    self.err(
                        wf,
                        &format!("jobs.{}.needs", job.id),
                        format!("job `{need}` does not exist"),
                    );
                }
            }
        }
        if crate::run::job_order(wf).is_err() {
            self.err(
                wf,
                "jobs",
                "the `needs` of the jobs form a cycle".to_string(),
            );
        }
    }

    /// The outputs each job declares (a call job: its callee's outputs).
    fn job_outputs(&mut self, wf: &Workflow) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for job in &wf.jobs {
            let names = match &job.kind {
                JobKind::Steps { outputs, .. } => outputs.iter().map(|(k, _)| k.clone()).collect(),
                JobKind::Call { uses, .. } => match callee_path(&wf.path, uses) {
                    Ok(p) => self
                        .load(&p)
                        .and_then(|c| c.on.call)
                        .map(|c| c.outputs.into_iter().map(|(k, _)| k).collect())
                        .unwrap_or_default(),
                    Err(_) => BTreeSet::new(),
                },
            };
            out.insert(job.id.clone(), names);
        }
        out
    }

    fn call(
        &mut self,
        wf: &Workflow,
        job: &Job,
        uses: &str,
        with: &[(String, Value)],
        secrets: &CallSecrets,
    ) {
        let at = format!("jobs.{}", job.id);
        let path = match callee_path(&wf.path, uses) {
            Ok(p) => p,
            Err(e) => return self.err(wf, &format!("{at}.uses"), e),
        };
        if !path.is_file() {
            return self.err(
                wf,
                &format!("{at}.uses"),
                format!("`{uses}` does not exist ({})", path.display()),
            );
        }
        let Some(callee) = self.load(&path) else {
            return;
        };
        let Some(call) = &callee.on.call else {
            return self.err(
                wf,
                &format!("{at}.uses"),
                format!("`{uses}` has no `on.workflow_call` trigger"),
            );
        };
        for (name, value) in with {
            match call.inputs.iter().find(|i| &i.name == name) {
                None => self.err(
                    wf,
                    &format!("{at}.with.{name}"),
                    format!(
                        "input `{name}` is not declared by `{uses}` (declared: {})",
                        names(call.inputs.iter().map(|i| i.name.as_str()))
                    ),
                ),
                Some(input) => {
                    let literal_ok = match (value, &input.kind) {
                        (Value::Str(s), _) if s.contains("${{") => true,
                        (Value::Bool(_), InputType::Boolean)
                        | (Value::Num(_), InputType::Number) => true,
                        (Value::Str(_), InputType::String) => true,
                        (_, InputType::String) => true,
                        _ => false,
                    };
                    if !literal_ok {
                        self.err(
                            wf,
                            &format!("{at}.with.{name}"),
                            format!(
                                "`{value}` is not a value of the input's type {:?}",
                                input.kind
                            ),
                        );
                    }
                }
            }
        }
        for input in &call.inputs {
            if input.required
                && input.default.is_none()
                && !with.iter().any(|(k, _)| k == &input.name)
            {
                self.err(
                    wf,
                    &format!("{at}.with"),
                    format!("required input `{}` of `{uses}` is not passed", input.name),
                );
            }
        }
        if let CallSecrets::Map(passed) = secrets {
            for (name, _) in passed {
                if !call.secrets.iter().any(|(s, _)| s == name) {
                    self.err(
                        wf,
                        &format!("{at}.secrets.{name}"),
                        format!(
                            "secret `{name}` is not declared by `{uses}` (declared: {})",
                            names(call.secrets.iter().map(|(s, _)| s.as_str()))
                        ),
                    );
                }
            }
            for (name, required) in &call.secrets {
                if *required && !passed.iter().any(|(k, _)| k == name) {
                    self.err(
                        wf,
                        &format!("{at}.secrets"),
                        format!("required secret `{name}` of `{uses}` is not passed"),
                    );
                }
            }
        }
        // GitHub refuses a nested job that asks for more than the caller's job grants.
        let granted = job.permissions.as_ref().or(wf.permissions.as_ref());
        if let Some(granted) = granted {
            for nested in &callee.jobs {
                if let Some(asked) = nested.permissions.as_ref().or(callee.permissions.as_ref()) {
                    for (scope, level) in &asked.0 {
                        if *level > granted.level(scope) {
                            self.err(
                                wf,
                                &format!("{at}.permissions"),
                                format!(
                                    "the nested job `{}` of `{uses}` asks for `{scope}: {}`, the caller grants `{scope}: {}`",
                                    nested.id,
                                    level_name(*level),
                                    level_name(granted.level(scope))
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    fn expressions(&mut self, wf: &Workflow, job_outputs: &BTreeMap<String, BTreeSet<String>>) {
        let mut sites: Vec<SiteRef<'_>> = Vec::new();
        if let Some(c) = &wf.concurrency {
            sites.push((
                Site::WorkflowConcurrency,
                "concurrency.group".into(),
                None,
                None,
                &c.group,
            ));
        }
        for (k, v) in &wf.env {
            if let Value::Str(s) = v {
                sites.push((Site::WorkflowEnv, format!("env.{k}"), None, None, s));
            }
        }
        if let Some(call) = &wf.on.call {
            for (k, v) in &call.outputs {
                sites.push((
                    Site::CallOutput,
                    format!("on.workflow_call.outputs.{k}"),
                    None,
                    None,
                    v,
                ));
            }
        }
        for job in &wf.jobs {
            let at = format!("jobs.{}", job.id);
            let j = Some(job);
            if let Some(n) = &job.name {
                sites.push((Site::JobName, format!("{at}.name"), j, None, n));
            }
            if let Some(c) = &job.cond {
                sites.push((Site::JobIf, format!("{at}.if"), j, None, c));
            }
            if let Some(c) = &job.concurrency {
                sites.push((
                    Site::JobConcurrency,
                    format!("{at}.concurrency"),
                    j,
                    None,
                    &c.group,
                ));
            }
            if let Some(e) = &job.environment {
                sites.push((
                    Site::JobEnvironment,
                    format!("{at}.environment"),
                    j,
                    None,
                    e,
                ));
            }
            match &job.kind {
                JobKind::Call { with, secrets, .. } => {
                    for (k, v) in with {
                        if let Value::Str(s) = v {
                            sites.push((Site::CallWith, format!("{at}.with.{k}"), j, None, s));
                        }
                    }
                    if let CallSecrets::Map(m) = secrets {
                        for (k, v) in m {
                            sites.push((
                                Site::CallSecrets,
                                format!("{at}.secrets.{k}"),
                                j,
                                None,
                                v,
                            ));
                        }
                    }
                }
                JobKind::Steps {
                    env,
                    outputs,
                    steps,
                } => {
                    for (k, v) in env {
                        if let Value::Str(s) = v {
                            sites.push((Site::JobEnv, format!("{at}.env.{k}"), j, None, s));
                        }
                    }
                    for (k, v) in outputs {
                        sites.push((Site::JobOutput, format!("{at}.outputs.{k}"), j, None, v));
                    }
                    for (i, step) in steps.iter().enumerate() {
                        let sat = format!("{at}.steps[{i}]");
                        let s = Some(i);
                        if let Some(n) = &step.name {
                            sites.push((Site::Step, format!("{sat}.name"), j, s, n));
                        }
                        if let Some(c) = &step.cond {
                            sites.push((Site::StepIf, format!("{sat}.if"), j, s, c));
                        }
                        for (k, v) in &step.env {
                            if let Value::Str(t) = v {
                                sites.push((Site::Step, format!("{sat}.env.{k}"), j, s, t));
                            }
                        }
                        if let Value::Str(t) = &step.continue_on_error {
                            sites.push((Site::Step, format!("{sat}.continue-on-error"), j, s, t));
                        }
                        match &step.body {
                            StepBody::Run {
                                script,
                                working_directory,
                            } => {
                                sites.push((Site::Step, format!("{sat}.run"), j, s, script));
                                if let Some(w) = working_directory {
                                    sites.push((
                                        Site::Step,
                                        format!("{sat}.working-directory"),
                                        j,
                                        s,
                                        w,
                                    ));
                                }
                            }
                            StepBody::Uses { with, .. } => {
                                for (k, v) in with {
                                    if let Value::Str(t) = v {
                                        sites.push((
                                            Site::Step,
                                            format!("{sat}.with.{k}"),
                                            j,
                                            s,
                                            t,
                                        ));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for (site, at, job, step, text) in sites {
            let parsed: Result<Vec<Expr>, String> = if site.is_if() {
                expr::parse_condition(text).map(|e| vec![e])
            } else {
                expr::parse_template(text).map(|pieces| {
                    pieces
                        .into_iter()
                        .filter_map(|p| match p {
                            expr::Piece::Expr(_, e) => Some(e),
                            expr::Piece::Text(_) => None,
                        })
                        .collect()
                })
            };
            let exprs = match parsed {
                Ok(e) => e,
                Err(e) => {
                    self.err(wf, &at, e);
                    continue;
                }
            };
            for e in &exprs {
                if !site.is_if() && expr::uses_status_function(e) {
                    self.err(
                        wf,
                        &at,
                        "status functions are only allowed in `if:`".to_string(),
                    );
                }
                for r in expr::references(e) {
                    if let Some(msg) = self.reference(wf, site, job, step, &r, job_outputs) {
                        self.err(wf, &at, msg);
                    }
                }
                for msg in impossible_results(e) {
                    self.err(wf, &at, msg);
                }
            }
        }
    }

    /// Why reference `r` (a context path) is wrong at this site, if it is.
    fn reference(
        &mut self,
        wf: &Workflow,
        site: Site,
        job: Option<&Job>,
        step: Option<usize>,
        r: &[String],
        job_outputs: &BTreeMap<String, BTreeSet<String>>,
    ) -> Option<String> {
        let root = r[0].as_str();
        if !site.contexts().contains(&root) {
            let known = [
                "github", "inputs", "secrets", "needs", "steps", "env", "vars", "runner", "matrix",
                "strategy", "job", "jobs",
            ];
            return Some(if known.contains(&root) {
                format!(
                    "context `{root}` is not available here (available: {})",
                    site.contexts().join(", ")
                )
            } else {
                format!("unrecognized named-value `{root}`")
            });
        }
        let dotted = r.join(".");
        let second = r.get(1).map(String::as_str);
        match root {
            "inputs" => {
                let name = second?;
                if !wf.declared_inputs().iter().any(|i| i.name == name) {
                    return Some(format!(
                        "`{dotted}`: the workflow declares no input `{name}` (declared: {})",
                        names(wf.declared_inputs().iter().map(|i| i.name.as_str()))
                    ));
                }
            }
            "secrets" => {
                let name = second?;
                if wf.call_only() && name != "GITHUB_TOKEN" {
                    let declared = &wf.on.call.as_ref()?.secrets;
                    if !declared.iter().any(|(s, _)| s == name) {
                        return Some(format!(
                            "`{dotted}`: a called workflow sees only the secrets it declares (declared: {})",
                            names(declared.iter().map(|(s, _)| s.as_str()))
                        ));
                    }
                }
            }
            "needs" => {
                let j = job?;
                let name = second?;
                if name == "*" {
                    return None;
                }
                if !j.needs.iter().any(|n| n == name) {
                    return Some(format!(
                        "`{dotted}`: job `{}` does not list `{name}` in `needs`",
                        j.id
                    ));
                }
                match r.get(2).map(String::as_str) {
                    None | Some("result") => {}
                    Some("outputs") => {
                        return undeclared_output(&dotted, name, r.get(3)?, job_outputs.get(name)?);
                    }
                    Some(other) => {
                        return Some(format!(
                            "`{dotted}`: `needs.<job>` has `result` and `outputs`, not `{other}`"
                        ));
                    }
                }
            }
            "jobs" => {
                let name = second?;
                let Some(target) = wf.job(name) else {
                    return Some(format!("`{dotted}`: there is no job `{name}`"));
                };
                if r.get(2).map(String::as_str) == Some("outputs") {
                    return undeclared_output(
                        &dotted,
                        name,
                        r.get(3)?,
                        job_outputs.get(&target.id)?,
                    );
                }
            }
            "steps" => {
                let j = job?;
                let JobKind::Steps { steps, .. } = &j.kind else {
                    return None;
                };
                let id = second?;
                let before = step.unwrap_or(steps.len());
                let Some((index, target)) = steps
                    .iter()
                    .enumerate()
                    .find(|(_, s)| s.id.as_deref() == Some(id))
                else {
                    return Some(format!(
                        "`{dotted}`: job `{}` has no step with id `{id}` (ids: {})",
                        j.id,
                        names(steps.iter().filter_map(|s| s.id.as_deref()))
                    ));
                };
                if index >= before {
                    return Some(format!("`{dotted}`: step `{id}` runs after this point"));
                }
                match r.get(2).map(String::as_str) {
                    None | Some("outcome") | Some("conclusion") => {}
                    Some("outputs") => {
                        let out = r.get(3)?;
                        let (written, open) = step_outputs(&target.body);
                        if open {
                            let note = format!(
                                "{}: `jobs.{}.steps.{id}` writes outputs under a computed name; `{dotted}` is not checked",
                                wf.path.display(),
                                j.id
                            );
                            if !self.report.notes.contains(&note) {
                                self.report.notes.push(note);
                            }
                        } else if !written.contains(out) {
                            return Some(format!(
                                "`{dotted}`: step `{id}` never writes output `{out}` to `$GITHUB_OUTPUT` (it writes: {})",
                                names(written.iter().map(String::as_str))
                            ));
                        }
                    }
                    Some(other) => {
                        return Some(format!(
                            "`{dotted}`: `steps.<id>` has `outputs`, `outcome` and `conclusion`, not `{other}`"
                        ));
                    }
                }
            }
            _ => {}
        }
        None
    }
}

/// The values a job's `result` or a step's `outcome`/`conclusion` takes.
const RESULTS: [&str; 4] = ["success", "failure", "cancelled", "skipped"];

/// Comparisons of a result with a string it never takes (`== 'failed'`,
/// `contains(needs.*.result, 'succeeded')`): the condition could never hold
/// (or always would), which is how a cleanup job silently never runs.
fn impossible_results(e: &Expr) -> Vec<String> {
    fn result_path(e: &Expr) -> Option<String> {
        let refs = expr::references(e);
        let [path] = refs.as_slice() else { return None };
        let last = path.last()?.as_str();
        let is_result = matches!(path[0].as_str(), "needs" | "jobs") && last == "result"
            || path[0] == "steps" && (last == "outcome" || last == "conclusion");
        is_result.then(|| path.join("."))
    }
    let mut out = Vec::new();
    expr::walk(e, &mut |node| {
        let pair = match node {
            Expr::Bin(expr::BinOp::Eq | expr::BinOp::Ne, a, b) => Some((a.as_ref(), b.as_ref())),
            Expr::Call(name, args) if name.eq_ignore_ascii_case("contains") && args.len() == 2 => {
                Some((&args[0], &args[1]))
            }
            _ => None,
        };
        let Some((a, b)) = pair else { return };
        for (subject, other) in [(a, b), (b, a)] {
            if let (Some(path), Expr::Lit(Value::Str(lit))) = (result_path(subject), other)
                && !RESULTS.iter().any(|r| r.eq_ignore_ascii_case(lit))
            {
                out.push(format!(
                    "`{path}` is never `{lit}` (it is one of {})",
                    names(RESULTS.into_iter())
                ));
            }
        }
    });
    out
}

/// The mistake in `dotted`, which reads output `out` of job `name`, if the job does not
/// declare it among `declared`.
fn undeclared_output(
    dotted: &str,
    name: &str,
    out: &str,
    declared: &BTreeSet<String>,
) -> Option<String> {
    (!declared.contains(out)).then(|| {
        format!(
            "`{dotted}`: job `{name}` declares no output `{out}` (declared: {})",
            names(declared.iter().map(String::as_str))
        )
    })
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = it.map(|s| format!("`{s}`")).collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::None => "none",
        Level::Read => "read",
        Level::Write => "write",
    }
}

/// Checks every file of `paths` and every local workflow they call, in turn
/// (so `rehearse run` of a caller refuses a mistake inside a callee too).
pub fn check_files(paths: &[PathBuf]) -> Report {
    let mut pass = Pass {
        loaded: BTreeMap::new(),
        report: Report::default(),
    };
    let mut checked = BTreeSet::new();
    let mut todo: Vec<PathBuf> = paths.iter().rev().cloned().collect();
    while let Some(path) = todo.pop() {
        if !checked.insert(path.clone()) {
            continue;
        }
        if let Some(wf) = pass.load(&path) {
            pass.check(&wf);
            // a `uses:` that is not a local workflow is reported by `call`
            let callees: Vec<PathBuf> = wf
                .jobs
                .iter()
                .filter_map(|job| match &job.kind {
                    JobKind::Call { uses, .. } => callee_path(&wf.path, uses).ok(),
                    JobKind::Steps { .. } => None,
                })
                .collect();
            todo.extend(callees.into_iter().rev());
        }
    }
    pass.report
}

/// Every `*.yml` / `*.yaml` file of a directory, sorted.
pub fn workflow_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_from_echo_lines_and_groups() {
        let (n, open) = run_outputs(
            "echo \"a=1\" >> \"$GITHUB_OUTPUT\"\necho b=2 >>$GITHUB_OUTPUT\necho \"x=1\" >> \"$GITHUB_ENV\"\n",
        );
        assert_eq!(n.into_iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(!open);
        let (n, open) =
            run_outputs("{\n  echo \"ns=$x\"\n  echo \"name<<EOF\"\n} >> \"$GITHUB_OUTPUT\"\n");
        assert_eq!(n.into_iter().collect::<Vec<_>>(), ["name", "ns"]);
        assert!(!open);
        let (_, open) = run_outputs("echo \"$name=$2\" >> \"$GITHUB_OUTPUT\"\n");
        assert!(open, "a computed name opens the set");
        let script =
            "out() {\n  echo \"$1=$2\" >> \"$GITHUB_OUTPUT\"\n}\nout first 1\nout second \"$x\"\n";
        let (n, open) = run_outputs(script);
        assert_eq!(n.into_iter().collect::<Vec<_>>(), ["first", "second"]);
        assert!(!open, "a function's positional name is each call's word");
        let (_, open) =
            run_outputs("out() {\n  echo \"$1=$2\" >> \"$GITHUB_OUTPUT\"\n}\nout \"$dynamic\" 1\n");
        assert!(open, "a call with a computed word opens the set");
        let (_, open) = run_outputs("f() {\n  echo \"$0=1\" >> \"$GITHUB_OUTPUT\"\n}\nf a\n");
        assert!(open, "`$0` is no argument");
        let (n, open) = run_outputs("echo hi\n");
        assert!(n.is_empty() && !open);
    }
}
