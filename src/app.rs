//! What each command does: the glue between the pipeline and the terminal.
//! Only this module (with `app/input.rs`, what the commands read), `output`
//! and `cache` perform I/O.

mod input;
mod why;

pub use input::read_overlay;
pub(crate) use input::template_sources;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cache::{Key, Store};
use crate::cli::{Cli, Color, Command, Example, Input, Render};
use crate::diag::Finding;
use crate::emit::templates::Sources;
use crate::emit::{self, Templates};
use crate::output::Target;
use crate::report::{self, Format, Style};
use crate::run::{self, Compiled};
use crate::term::{shown, shown_diff, shown_path, shown_text};

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Clean.
    Success,
    /// Findings (validation errors, warnings with --deny-warnings) or drift.
    Failure,
    /// Usage or I/O error.
    Error,
    /// `plan`: something destructive.
    Destructive,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        match s {
            ExitStatus::Success => 0.into(),
            ExitStatus::Failure => 1.into(),
            ExitStatus::Error => 2.into(),
            ExitStatus::Destructive => 3.into(),
        }
    }
}

fn print_error(e: impl miette::Diagnostic + Send + Sync + 'static) -> ExitStatus {
    let _ = miette::set_hook(Box::new(|_| {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stderr().is_terminal();
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        Box::new(miette::GraphicalReportHandler::new_themed(theme).with_width(100))
    }));
    let report = miette::Report::new(crate::term::ShownError::new(&e));
    let _ = writeln!(std::io::stderr(), "{report:?}");
    ExitStatus::Error
}

/// Runs the command line.
pub fn run(cli: Cli) -> ExitStatus {
    let mut input = cli.input;
    if matches!(
        cli.command,
        Command::Validate
            | Command::Build { .. }
            | Command::Check { .. }
            | Command::Show { .. }
            | Command::Plan { .. }
            | Command::Why { .. }
            | Command::Fmt { .. }
    ) {
        match input::locate(input.given_config.as_deref()) {
            Ok(path) => input.config = path,
            Err(e) => return print_error(e),
        }
    }
    let input = &input;
    let is_plan = matches!(cli.command, Command::Plan { .. });
    let valid = if is_plan {
        matches!(
            input.format,
            Format::Human | Format::Json | Format::Markdown
        )
    } else {
        input.format != Format::Markdown
    };
    if !valid {
        let _ = writeln!(
            std::io::stderr(),
            "error: `--format {}` is not a format of this command\n  help: `plan` prints human, markdown or json; the other commands human, json, github or sarif",
            format_name(input.format)
        );
        return ExitStatus::Error;
    }
    match cli.command {
        Command::Validate => validate(input),
        Command::Build { render, sync } => build(input, &render, sync).unwrap_or_else(|s| s),
        Command::Check { render, drift_only } => {
            check(input, &render, !drift_only).unwrap_or_else(|s| s)
        }
        Command::Show { env } => show(input, env.as_deref()),
        Command::Plan { base, env } => plan(input, &base, env.as_deref()),
        Command::Why { target, templates } => why_cmd(input, &target, templates.as_deref()),
        Command::Explain { code, list } => explain(code.as_deref(), list),
        Command::Init { path, example } => init(&path, example),
        Command::Fmt { check } => fmt(input, check),
        Command::Reference => {
            let _ = std::io::stdout().write_all(crate::model::schema::reference().as_bytes());
            ExitStatus::Success
        }
        Command::Templates { dump } => templates(dump.as_deref()),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "topogen", &mut std::io::stdout());
            ExitStatus::Success
        }
        Command::Man { command } => man(command.as_deref()),
    }
}

/// `topogen man [COMMAND]`: topogen(1), or topogen-COMMAND(1).
fn man(command: Option<&str>) -> ExitStatus {
    let mut top = <Cli as clap::CommandFactory>::command();
    // propagates the shared options into each command's page
    top.build();
    let page = match command {
        None => top,
        Some(name) => match top.find_subcommand(name) {
            Some(sub) => sub.clone().name(format!("topogen-{name}")),
            None => {
                let names: Vec<String> = top
                    .get_subcommands()
                    .filter(|c| c.get_name() != "help")
                    .map(|c| format!("`{}`", c.get_name()))
                    .collect();
                let _ = writeln!(
                    std::io::stderr(),
                    "error: no command `{name}` has a manual page\n  help: the commands are {}",
                    names.join(", ")
                );
                return ExitStatus::Error;
            }
        },
    };
    let mut out = Vec::new();
    match clap_mangen::Man::new(page).render(&mut out) {
        Ok(()) => {
            let _ = std::io::stdout().write_all(&out);
            ExitStatus::Success
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot render the manual page: {e}"
            );
            ExitStatus::Error
        }
    }
}

/// Whether to colour what goes to a stream: `--color`, and with `auto`,
/// colour only on a terminal and without `NO_COLOR`.
fn colored(input: &Input, terminal: bool) -> bool {
    match input.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal,
    }
}

fn style(input: &Input) -> Style {
    let color = colored(input, std::io::stderr().is_terminal());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    Style { color, width }
}

/// Reads and validates the config, printing findings. `None` means an I/O error was printed.
fn compile(input: &Input) -> Option<Compiled> {
    match input::read(&input.config) {
        Ok((source, finding)) => Some(run::compile_with(source, finding)),
        Err(e) => {
            print_error(e);
            None
        }
    }
}

fn env_names(c: &Compiled) -> Vec<String> {
    c.project
        .as_ref()
        .map(|p| p.envs.iter().map(|e| e.env.name.value.clone()).collect())
        .unwrap_or_default()
}

/// `--env ENV` names no environment of `cluster.kdl`: says so (a usage error).
fn unknown_env(env: &str, c: &Compiled) -> ExitStatus {
    let _ = writeln!(
        std::io::stderr(),
        "error: no environment `{}`; cluster.kdl defines {}",
        shown(env),
        shown(&env_names(c).join(", "))
    );
    ExitStatus::Error
}

/// The findings a command reports, with what the formats need to print them.
struct Reported {
    source: crate::source::Source,
    envs: Vec<String>,
    findings: Vec<Finding>,
}

impl Reported {
    fn new(c: &Compiled, findings: &[Finding]) -> Self {
        Self {
            source: c.source.clone(),
            envs: env_names(c),
            findings: findings.to_vec(),
        }
    }

    /// True when the findings fail the run.
    fn failed(&self, input: &Input) -> bool {
        run::failed(&self.findings, input.deny_warnings)
    }

    /// The human format: the findings on stderr, at once, before anything the
    /// command prints next. The machine formats wait for [`Self::document`].
    fn human(&self, input: &Input) {
        if input.format == Format::Human && !self.findings.is_empty() {
            let text = report::human(&self.source, &self.findings, &self.envs, style(input));
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    }

    /// A machine format: the command's one document on stdout, its findings
    /// with `drift` (`check`) and, in `json`, the further `members`.
    fn document(
        &self,
        input: &Input,
        drift: Option<&[report::Drift]>,
        mut members: serde_json::Map<String, serde_json::Value>,
    ) {
        let (src, findings, envs) = (&self.source, &self.findings[..], &self.envs[..]);
        let text = match input.format {
            Format::Human => return,
            Format::Json => {
                if let Some(drift) = drift {
                    members.insert(
                        "drift".into(),
                        serde_json::to_value(drift).expect("drift serialises"),
                    );
                }
                report::json(src, findings, members)
            }
            Format::Github => report::github(src, findings, envs, drift.unwrap_or_default()),
            Format::Sarif => report::sarif(src, findings, envs, drift.unwrap_or_default()),
            // `plan` prints its Markdown itself, its findings in the human format
            Format::Markdown => return,
        };
        let _ = std::io::stdout().write_all(text.as_bytes());
    }
}

/// Prints findings in the chosen format. Machine formats go to stdout, human to stderr.
fn print_findings(input: &Input, c: &Compiled, findings: &[Finding]) {
    let r = Reported::new(c, findings);
    r.human(input);
    r.document(input, None, serde_json::Map::new());
}

/// Where a command's own lines go: stdout in the human format; stderr in the
/// machine formats, whose stdout is the one document.
fn prose(input: &Input) -> Box<dyn Write> {
    if input.format == Format::Human {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::io::stderr().lock())
    }
}

fn validate(input: &Input) -> ExitStatus {
    let Some(c) = compile(input) else {
        return ExitStatus::Error;
    };
    print_findings(input, &c, &c.findings);
    let failed = c.failed(input.deny_warnings);
    // the process ends next: the kernel frees the syntax tree faster (see Job::render)
    std::mem::forget(c);
    if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// The directory cluster.kdl lives in: the repository root that `output` paths are relative to.
fn config_dir(input: &Input) -> PathBuf {
    input
        .config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `--out` names a directory the generated files cannot name.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`--out {path}` is not a portable path inside the repository `{root}`")]
#[diagnostic(
    code(topogen::io::out_path),
    help(
        "the generated workflows and Terraform module name the output directory by its path in the repository: give `--out` a directory beneath the directory of cluster.kdl, named with letters, digits, `.`, `_`, `-` and `/` (to build elsewhere, copy cluster.kdl there)"
    )
)]
struct OutPath {
    path: String,
    root: String,
}

/// `p` made absolute (against the working directory) with its `.` and `..`
/// components resolved as text.
fn absolute(p: &Path) -> PathBuf {
    let mut out = std::env::current_dir().unwrap_or_default();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The output directory as the generated files name it, relative to the
/// repository root (the directory of cluster.kdl): `output dir`, or
/// `--out` when it is a portable path beneath the root. Workflows and the
/// Terraform module derive every path they read from it.
fn output_dir(
    input: &Input,
    render: &Render,
    output: &crate::model::Output,
) -> Result<String, OutPath> {
    let Some(out) = &render.out else {
        return Ok(output.dir.clone());
    };
    let root = absolute(&config_dir(input));
    absolute(out)
        .strip_prefix(&root)
        .ok()
        .and_then(|rel| rel.to_str())
        .filter(|rel| crate::model::path::check(rel).is_ok())
        .map(str::to_owned)
        .ok_or_else(|| OutPath {
            path: out.display().to_string(),
            root: config_dir(input).display().to_string(),
        })
}

/// Where a run writes: the output directory, then the workflows'
/// out-of-tree directory when `output workflows=…` names one.
fn target_dirs(input: &Input, render: &Render, output: &crate::model::Output) -> Vec<Target> {
    let root = config_dir(input);
    let mut dirs = vec![match &render.out {
        Some(out) => Target::named(out),
        None => Target::beneath(&root, &output.dir),
    }];
    dirs.extend(
        output
            .workflows
            .as_deref()
            .map(|w| Target::beneath(&root, w)),
    );
    dirs
}

/// Each destination directory with its part of the plan.
type Targets = Vec<(Target, emit::Plan)>;

/// What [`Job::render`] made: the build record, the targets, and the
/// provenance when it was asked for.
type Rendered = (
    Option<Record>,
    Targets,
    Option<emit::provenance::Provenance>,
);

/// The plan split by destination, in the order of [`target_dirs`].
fn split(dirs: Vec<Target>, plan: emit::Plan) -> Targets {
    if dirs.len() == 1 {
        return dirs.into_iter().zip([plan]).collect();
    }
    let (main, workflows) = plan.split();
    dirs.into_iter().zip([main, workflows]).collect()
}

/// A validated run that renders: the config, its templates, where it writes,
/// and where its build record goes with the key of its inputs (none with
/// `--no-cache` or without a cache directory).
struct Job {
    c: Compiled,
    sources: Sources,
    dirs: Vec<Target>,
    record: Option<Record>,
}

/// The key of a run's inputs and the store its build records go to.
type Record = (Key, Store);

impl Job {
    /// Validates, printing findings in the human format (the machine formats
    /// print them with what the command reports, from the [`Reported`]).
    /// When they fail the run, the machine formats' document holds only them
    /// and `stopped` says on stderr what was not done. Without `findings`
    /// (`check --drift-only`, the second pre-commit hook) no finding is
    /// printed: a file that does not validate is one line. `Err` carries the
    /// exit status.
    fn new(
        input: &Input,
        render: &Render,
        stopped: &str,
        findings: bool,
    ) -> Result<(Self, Reported), ExitStatus> {
        let mut c = compile(input).ok_or(ExitStatus::Error)?;
        if !findings && c.failed(input.deny_warnings) {
            let _ = writeln!(
                std::io::stderr(),
                "{} does not validate, so it was not compared; `topogen validate` prints its problems",
                shown(&c.source.name)
            );
            return Err(ExitStatus::Failure);
        }
        let reported = Reported::new(&c, if findings { &c.findings } else { &[] });
        reported.human(input);
        if reported.failed(input) {
            reported.document(input, None, serde_json::Map::new());
            let _ = writeln!(std::io::stderr(), "{stopped}: fix the errors above first");
            return Err(ExitStatus::Failure);
        }
        let project = c.project.as_mut().ok_or(ExitStatus::Failure)?;
        let dirs = target_dirs(input, render, &project.output);
        // what the generated files call the output directory: `--out` too
        project.output.dir = output_dir(input, render, &project.output).map_err(print_error)?;
        let sources = template_sources(render.templates.as_deref()).map_err(print_error)?;
        let record = match Store::user() {
            Some(store) if !render.no_cache => {
                // the files name the output directory: it is an input too
                // (a name no template can have)
                let layout = ("\0output dir", project.output.dir.as_str());
                let inputs = sources.overrides().chain(std::iter::once(layout));
                Some((Key::new(&c.source.text, inputs), store))
            }
            _ => None,
        };
        Ok((
            Self {
                c,
                sources,
                dirs,
                record,
            },
            reported,
        ))
    }

    /// When the build record vouches for every directory: their file counts.
    fn up_to_date(&self) -> Option<Vec<usize>> {
        let (key, store) = self.record.as_ref()?;
        self.dirs.iter().map(|d| store.verify(d, *key)).collect()
    }

    /// [`Self::up_to_date`], unless an interrupted build left something to clean up.
    fn nothing_to_build(&self) -> Option<Vec<usize>> {
        let counts = self.up_to_date()?;
        (!self.dirs.iter().any(crate::output::interrupted)).then_some(counts)
    }

    /// Renders every artifact, split by destination; with `trace`, with
    /// provenance recorded (`check`'s drift annotations).
    fn render(self, trace: bool) -> Result<Rendered, ExitStatus> {
        let Self {
            c,
            sources,
            dirs,
            record,
        } = self;
        let project = c.project.as_ref().ok_or(ExitStatus::Failure)?;
        let templates = Templates::compile(sources).map_err(print_error)?;
        // the process ends soon after: what the renders leave is not freed
        // (see the end of this function)
        emit::keep_render_state();
        let envs: Vec<crate::model::Resolved<'_>> = project
            .envs
            .iter()
            .map(crate::model::Resolved::new)
            .collect();
        let (plan, prov) = if trace {
            let leaves = run::leaves(&c).unwrap_or_default();
            let (plan, prov) = emit::plan_traced(project, &envs, &templates, leaves, None, None);
            (plan, Some(prov))
        } else {
            (emit::plan_with(project, &envs, &templates), None)
        };
        let plan = plan.map_err(print_error)?;
        // every file a workflow or the Terraform module reads is written too
        let names: Vec<&str> = project
            .envs
            .iter()
            .map(|t| t.env.name.value.as_str())
            .collect();
        let layout = emit::refs::Layout {
            dir: &project.output.dir,
            workflows: project.output.workflows.as_deref(),
        };
        if let Some(d) = emit::refs::dangling(&plan, layout, &names)
            .into_iter()
            .next()
        {
            return Err(print_error(emit::refs::DanglingError(d)));
        }
        // The process ends soon after: freeing the syntax tree, the templates and
        // the resolved nodes one by one would cost more than all the writing
        // (BENCHMARKS.md); the kernel takes them back at exit.
        std::mem::forget(envs);
        std::mem::forget(templates);
        std::mem::forget(c);
        Ok((record, split(dirs, plan), prov))
    }
}

/// Records that `out` now holds `plan` (see [`crate::cache`]).
fn remember(out: &Target, record: Option<&Record>, plan: &emit::Plan) {
    if let Some((key, store)) = record {
        store.record_plan(out.path(), *key, plan);
    }
}

/// One output directory as `build --format json` reports it.
fn output_json(dir: &Path, files: usize, changes: &[crate::output::Change]) -> serde_json::Value {
    use crate::output::Change;
    let changes: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            let (change, path) = match c {
                Change::Created(p) => ("created", p),
                Change::Updated(p) => ("updated", p),
                Change::Removed(p) => ("removed", p),
                Change::Kept(p) => ("kept", p),
            };
            serde_json::json!({ "change": change, "path": shown_path(&dir.join(path)) })
        })
        .collect();
    serde_json::json!({ "directory": shown_path(dir), "files": files, "changes": changes })
}

/// The JSON document's member `name`.
fn member(name: &str, value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    std::iter::once((name.to_owned(), value)).collect()
}

/// `Err`: the command stopped early, with that status.
fn build(input: &Input, render: &Render, sync: bool) -> Result<ExitStatus, ExitStatus> {
    let (job, reported) = Job::new(input, render, "nothing was written", true)?;
    // one write for the whole report, not one per line
    let mut lines = std::io::BufWriter::new(prose(input));
    let mut outputs = Vec::new();
    if let Some(counts) = job.nothing_to_build() {
        for (out, n) in job.dirs.iter().zip(counts) {
            let _ = writeln!(
                lines,
                "{} is up to date ({n} files)",
                shown_path(out.path())
            );
            outputs.push(output_json(out.path(), n, &[]));
        }
        std::mem::forget(job);
        drop(lines);
        reported.document(input, None, member("outputs", outputs.into()));
        return Ok(ExitStatus::Success);
    }
    let (record, targets, _) = job.render(false)?;
    // what topogen last wrote in each directory: only such files are deleted
    let written: Vec<_> = targets
        .iter()
        .map(|(out, _)| {
            record
                .as_ref()
                .and_then(|(_, store)| store.written(out.path()))
        })
        .collect();
    let dests: Vec<_> = targets
        .iter()
        .zip(&written)
        .map(|((target, plan), written)| crate::output::Destination {
            target,
            plan,
            written: written.as_ref(),
        })
        .collect();
    // every directory is replaced, or none is
    let changes = match crate::output::build_all(&dests, sync) {
        Ok(c) => c,
        Err(e) => {
            drop(lines);
            return Err(print_error(e));
        }
    };
    for ((out, plan), changes) in targets.iter().zip(changes) {
        remember(out, record.as_ref(), plan);
        if changes.is_empty() {
            let _ = writeln!(
                lines,
                "{} is up to date ({} files)",
                shown_path(out.path()),
                plan.files.len()
            );
        } else {
            let _ = writeln!(lines, "{}:", shown_path(out.path()));
            for c in &changes {
                let _ = writeln!(lines, "{}", shown(&c.to_string()));
            }
        }
        outputs.push(output_json(out.path(), plan.files.len(), &changes));
    }
    drop(lines);
    reported.document(input, None, member("outputs", outputs.into()));
    Ok(ExitStatus::Success)
}

/// How `check` shows a drifted file in the human format.
fn print_drift(out: &mut dyn Write, d: &report::Drift, color: bool, config: &str) {
    use report::DriftKind;
    let path = &d.path;
    let _ = match d.kind {
        DriftKind::Missing => writeln!(out, "missing: {path}"),
        DriftKind::Extra => writeln!(out, "extra: {path} (no longer produced by cluster.kdl)"),
        DriftKind::Changed => {
            let _ = writeln!(
                out,
                "drifted: {path}\n{}",
                shown_diff(d.diff.as_deref().unwrap_or_default(), color)
            );
            for h in &d.owners {
                let lines: Vec<String> = h.lines.iter().map(usize::to_string).collect();
                let _ = writeln!(
                    out,
                    "  = {} is generated by {config} line(s) {}",
                    h.hunk,
                    lines.join(", ")
                );
            }
            Ok(())
        }
        DriftKind::Unreadable => writeln!(
            out,
            "drifted: {path}: {} (contents not shown)",
            d.reason.as_deref().unwrap_or_default()
        ),
    };
}

/// `Err`: the command stopped early, with that status.
fn check(input: &Input, render: &Render, findings: bool) -> Result<ExitStatus, ExitStatus> {
    let (job, reported) = Job::new(input, render, "nothing was compared", findings)?;
    if job.up_to_date().is_some() {
        std::mem::forget(job);
        reported.document(input, Some(&[]), serde_json::Map::new());
        return Ok(ExitStatus::Success);
    }
    let (record, targets, _) = job.render(false)?;
    let found: Vec<_> = targets
        .iter()
        .map(|(out, plan)| crate::output::check_target(plan, out))
        .collect();
    // Provenance is recorded only when a hunk needs its owners: the same
    // job rendered again with the recorder on, so a tree without drift (every
    // CI run that passes) pays nothing for the annotations.
    let changed = found
        .iter()
        .flatten()
        .any(|d| matches!(d, crate::output::Drift::Changed(..)));
    let prov = if changed {
        Job::new(input, render, "nothing was compared", false)
            .ok()
            .and_then(|(job, _)| job.render(true).ok())
            .and_then(|(_, _, prov)| prov)
    } else {
        None
    };
    let mut stdout = std::io::stdout().lock();
    let color = colored(input, stdout.is_terminal());
    let mut drift = Vec::new();
    let mut dirs = Vec::new();
    for ((out, _), found) in targets.iter().zip(&found) {
        let out = out.path();
        if !found.is_empty() {
            dirs.push(shown_path(out));
        }
        // a path or a diff line may come from the tree on disk: shown, never raw
        for (raw, mut d) in found.iter().map(|d| (d, report::Drift::new(out, d))) {
            if let (Some(prov), crate::output::Drift::Changed(rel, diff)) = (&prov, raw) {
                d.owners = owners(prov, &reported.source, rel, diff);
            }
            if input.format == Format::Human {
                print_drift(&mut stdout, &d, color, &shown_path(&input.config));
            }
            drift.push(d);
        }
    }
    drop(stdout);
    reported.document(input, Some(&drift), serde_json::Map::new());
    if drift.is_empty() {
        for (out, plan) in &targets {
            remember(out, record.as_ref(), plan);
        }
        return Ok(ExitStatus::Success);
    }
    let _ = writeln!(
        prose(input),
        "{} file(s) in {} differ from {}; run `topogen build --config {}` to regenerate them",
        drift.len(),
        dirs.join(" and "),
        shown_path(&input.config),
        shown_path(&input.config)
    );
    Ok(ExitStatus::Failure)
}

fn show(input: &Input, only: Option<&str>) -> ExitStatus {
    let Some(c) = compile(input) else {
        return ExitStatus::Error;
    };
    if let (Some(project), Some(env)) = (&c.project, only)
        && !project.envs.iter().any(|e| e.env.name.value == env)
    {
        return unknown_env(env, &c);
    }
    // `--env X`: the findings seen in X, and those of no one environment
    let findings: Vec<Finding> = c
        .findings
        .iter()
        .filter(|f| only.is_none_or(|o| f.envs.is_empty() || f.envs.iter().any(|e| e == o)))
        .cloned()
        .collect();
    let reported = Reported::new(&c, &findings);
    reported.human(input);
    let Some(project) = &c.project else {
        reported.document(input, None, serde_json::Map::new());
        return ExitStatus::Failure;
    };
    if input.format == Format::Human {
        let text = crate::show::render(project, only);
        let _ = std::io::stdout().write_all(text.as_bytes());
    } else {
        let envs = crate::show::json(project, only);
        reported.document(input, None, member("environments", envs));
    }
    if reported.failed(input) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Human => "human",
        Format::Json => "json",
        Format::Github => "github",
        Format::Sarif => "sarif",
        Format::Markdown => "markdown",
    }
}

/// Reads the base of `plan`: `base` is a file if one exists at that path,
/// else a git revision whose `cluster.kdl` (the same path as `--config`) is
/// read with `git show REV:./NAME` in the config's directory.
fn read_base(
    input: &Input,
    base: &str,
) -> Result<(crate::source::Source, Option<Finding>), String> {
    let path = Path::new(base);
    if std::fs::symlink_metadata(path).is_ok() {
        return input::read(path).map_err(|e| e.to_string());
    }
    if base.is_empty() || base.starts_with('-') || base.contains(':') {
        return Err(format!(
            "`--base {}` is neither a file nor a git revision",
            shown(base)
        ));
    }
    let config = &input.config;
    let name = config
        .file_name()
        .filter(|_| config != Path::new(input::STDIN));
    let Some(name) = name.and_then(|n| n.to_str()) else {
        return Err(format!(
            "`--base {}` needs the working cluster.kdl in a file of the repository; pass the base as a file: `--base FILE`",
            shown(base)
        ));
    };
    let dir = match config.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let spec = format!("{base}:./{name}");
    // no pager, no textconv filter, no fsmonitor hook: only the blob is read
    let out = std::process::Command::new("git")
        .args(["--no-pager", "-c", "core.fsmonitor=false", "-C"])
        .arg(&dir)
        .args(["show", "--no-textconv"])
        .arg(&spec)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git to read `{}`: {e}", shown(&spec)))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "git cannot read `{}`: {}",
            shown(&spec),
            shown(why.lines().next().unwrap_or("no reason given").trim())
        ));
    }
    Ok(run::from_bytes(&format!("{base}:{name}"), out.stdout))
}

/// `topogen plan`: the working cluster.kdl against a base, per environment.
fn plan(input: &Input, base: &str, only: Option<&str>) -> ExitStatus {
    let Some(c) = compile(input) else {
        return ExitStatus::Error;
    };
    let reported = Reported::new(&c, &c.findings);
    if input.format == Format::Markdown {
        if !c.findings.is_empty() {
            let text = report::human(&c.source, &c.findings, &reported.envs, style(input));
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    } else {
        reported.human(input);
    }
    let project = match &c.project {
        Some(p) if !reported.failed(input) => p,
        _ => {
            reported.document(input, None, serde_json::Map::new());
            return ExitStatus::Failure;
        }
    };
    let (bsource, finding) = match read_base(input, base) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return ExitStatus::Error;
        }
    };
    let bc = run::compile_with(bsource, finding);
    let Some(bproject) = bc.project.as_ref().filter(|_| !bc.failed(false)) else {
        let envs = env_names(&bc);
        let text = report::human(&bc.source, &bc.findings, &envs, style(input));
        let _ = std::io::stderr().write_all(text.as_bytes());
        let _ = writeln!(
            std::io::stderr(),
            "error: the base `{}` does not validate, so there is nothing to compare with\n  help: plan compares two valid topologies; pick a base that validates with `--base REV|FILE`",
            shown(&bc.source.name)
        );
        return ExitStatus::Error;
    };
    if let Some(env) = only
        && !project
            .envs
            .iter()
            .chain(&bproject.envs)
            .any(|e| e.env.name.value == env)
    {
        return unknown_env(env, &c);
    }
    let resolve = |p: &'_ crate::model::Project| -> Vec<crate::model::Topology> {
        p.envs
            .iter()
            .filter(|t| only.is_none_or(|o| t.env.name.value == o))
            .cloned()
            .collect()
    };
    let (btopos, ntopos) = (resolve(bproject), resolve(project));
    let b: Vec<_> = btopos.iter().map(crate::model::Resolved::new).collect();
    let n: Vec<_> = ntopos.iter().map(crate::model::Resolved::new).collect();
    let plans = crate::plan::plan(&b, &n);
    let files = crate::plan::render::Files {
        new: &c.source,
        base: &bc.source,
    };
    match input.format {
        Format::Json => {
            let doc = crate::plan::render::json(&plans, &files);
            reported.document(input, None, member("plan", doc));
        }
        Format::Markdown => {
            let text = crate::plan::render::markdown(&plans, &files);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        _ => {
            let color = colored(input, std::io::stdout().is_terminal());
            let text = crate::plan::render::human(&plans, &files, color);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    if crate::plan::destructive(&plans) {
        ExitStatus::Destructive
    } else {
        ExitStatus::Success
    }
}

fn explain(code: Option<&str>, list: bool) -> ExitStatus {
    let mut out = std::io::stdout().lock();
    if list {
        for r in crate::check::registry() {
            let _ = writeln!(out, "{:<44} {:<7} {}", r.code, r.severity, r.summary);
        }
        return ExitStatus::Success;
    }
    let code = code.unwrap_or_default();
    // a rule (with its examples) or an error: its page
    let page = match crate::check::find(code) {
        Some(r) => Some((
            r.code,
            format!("{} by default", r.severity),
            r.summary,
            r.docs,
            Some((r.fail_file(), r.fixed_file())),
        )),
        None => crate::errors::find(code).map(|e| {
            let severity = "error, stops the command".to_owned();
            (e.code, severity, e.summary, e.docs, None)
        }),
    };
    if let Some((code, severity, summary, docs, examples)) = page {
        let _ = write!(
            out,
            "# {code}\n\n{severity}: {summary}.\n\n{}\n",
            docs.trim_end()
        );
        if let Some((fail, fixed)) = examples {
            let _ = write!(
                out,
                "\n## Example\n\n```kdl\n{fail}```\n\nUse instead:\n\n```kdl\n{fixed}```\n"
            );
        }
        return ExitStatus::Success;
    }
    // an area (`io`, `kafka`): the codes in it
    let area = format!("{}::", code.trim_start_matches("topogen::"));
    let listed: Vec<(&str, String, &str)> = crate::check::registry()
        .iter()
        .map(|r| (r.code, r.severity.to_string(), r.summary))
        .chain(
            crate::errors::ALL
                .iter()
                .map(|e| (e.code, "error".to_owned(), e.summary)),
        )
        .filter(|(c, _, _)| c.trim_start_matches("topogen::").starts_with(&area))
        .collect();
    if !listed.is_empty() {
        for (c, severity, summary) in listed {
            let _ = writeln!(out, "{c:<44} {severity:<7} {summary}");
        }
        return ExitStatus::Success;
    }
    let codes = crate::check::registry()
        .iter()
        .map(|r| r.code)
        .chain(crate::errors::ALL.iter().map(|e| e.code));
    let guess = codes
        .map(|c| {
            (
                strsim::jaro_winkler(code, c.trim_start_matches("topogen::")),
                c,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(s, _)| *s > 0.7)
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "error: no rule or error code `{}`{guess}\n  `topogen explain --list` lists every rule, `topogen explain io` and `topogen explain template` the error codes",
        shown(code)
    );
    ExitStatus::Error
}

impl Example {
    /// The `cluster.kdl` `topogen init --example` writes.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Example::Starter => include_str!("../examples/starter/cluster.kdl"),
            Example::Trading => include_str!("../cluster.kdl"),
            Example::Minimal => include_str!("../examples/minimal/cluster.kdl"),
            Example::Large => include_str!("../examples/large/cluster.kdl"),
        }
    }
}

fn init(path: &Path, example: Example) -> ExitStatus {
    // created exclusively: never through a link, never over anything
    match crate::fsutil::create_new(path, example.text().as_bytes()) {
        Ok(()) => {
            let _ = writeln!(
                std::io::stdout(),
                "wrote {}: edit it, then run `topogen build`",
                shown_path(path)
            );
            ExitStatus::Success
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = writeln!(
                std::io::stderr(),
                "error: {} already exists; topogen init never overwrites a file",
                shown_path(path)
            );
            ExitStatus::Error
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot write {}: {e}",
                shown_path(path)
            );
            ExitStatus::Error
        }
    }
}

fn fmt(input: &Input, check_only: bool) -> ExitStatus {
    let config = input.config.as_path();
    let source = match input::read(config) {
        Ok((s, None)) => s,
        Ok((s, Some(f))) => {
            let c = run::compile_with(s, Some(f));
            print_findings(input, &c, &c.findings);
            return ExitStatus::Failure;
        }
        Err(e) => return print_error(e),
    };
    let formatted = match crate::format::format(&source.text) {
        Ok(f) => f,
        Err(findings) => {
            let c = Compiled {
                source,
                project: None,
                findings,
                document: None,
            };
            print_findings(input, &c, &c.findings);
            return ExitStatus::Failure;
        }
    };
    if config == Path::new(input::STDIN) && !check_only {
        // a filter, like `rustfmt` on standard input
        let _ = std::io::stdout().write_all(formatted.as_bytes());
        return ExitStatus::Success;
    }
    let reported = Reported {
        source: source.clone(),
        envs: Vec::new(),
        findings: Vec::new(),
    };
    // the JSON document's `fmt`: was the file unformatted, and the diff that formats it
    let report = |unformatted: bool, diff: Option<&str>| {
        let fmt = serde_json::json!({
            "file": shown_path(config), "unformatted": unformatted, "diff": diff,
        });
        reported.document(input, None, member("fmt", fmt));
    };
    if formatted == *source.text {
        report(false, None);
        return ExitStatus::Success;
    }
    if check_only {
        let diff = similar::TextDiff::from_lines(source.text.as_ref(), formatted.as_str())
            .unified_diff()
            .header(&source.name, "formatted")
            .to_string();
        let diff = shown_text(&diff);
        if input.format == Format::Human {
            let mut stdout = std::io::stdout().lock();
            let color = colored(input, stdout.is_terminal());
            let _ = write!(stdout, "{}", shown_diff(&diff, color));
        }
        report(true, Some(&diff));
        let _ = writeln!(
            std::io::stderr(),
            "{} is not formatted; run `topogen fmt --config {}`",
            shown_path(config),
            shown_path(config)
        );
        return ExitStatus::Failure;
    }
    // written exclusively into a directory just created beside it, then
    // renamed over it: no planted file or link is ever written through
    let name = config
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mode = std::fs::symlink_metadata(config).map_or(0o644, |m| {
        std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777
    });
    let result = crate::fsutil::Dir::open(&config_dir(input))
        .and_then(|dir| dir.replace_file(name, formatted.as_bytes(), mode));
    match result {
        Ok(()) => {
            let _ = writeln!(prose(input), "formatted {}", shown_path(config));
            report(true, None);
            ExitStatus::Success
        }
        Err(e) => print_error(e),
    }
}

fn templates(dump: Option<&Path>) -> ExitStatus {
    let names = emit::templates::built_in_names();
    match dump {
        None => {
            let mut out = std::io::stdout().lock();
            for n in names {
                let _ = writeln!(out, "{n}");
            }
            ExitStatus::Success
        }
        Some(dir) => match dump_templates(dir, &names) {
            Ok(()) => ExitStatus::Success,
            Err(e) => print_error(e),
        },
    }
}

/// `templates --dump DIR`: `DIR` as the user named it (created when
/// missing), everything beneath it created without following a link, each
/// file exclusively; an existing one is skipped.
fn dump_templates(dir: &Path, names: &[String]) -> Result<(), crate::fsutil::FsError> {
    use crate::fsutil::{Dir, FsError};
    std::fs::create_dir_all(dir).map_err(|e| FsError::Io {
        action: "cannot create directory",
        path: dir.display().to_string(),
        source: e,
    })?;
    let root = Dir::open_named(dir)?;
    let mut out = std::io::stdout().lock();
    for n in names {
        let path = dir.join(n);
        let mut comps: Vec<&str> = n.split('/').collect();
        let file = comps.pop().unwrap_or_default();
        let mut at = None;
        for c in comps {
            let mut made = false;
            let cur: &Dir = at.as_ref().unwrap_or(&root);
            at = Some(cur.sub_or_create(c, &mut made)?);
        }
        let at = at.as_ref().unwrap_or(&root);
        if at.kind(file)?.is_some() {
            let _ = writeln!(std::io::stderr(), "skipped {} (exists)", shown_path(&path));
            continue;
        }
        let text = emit::templates::built_in(n).unwrap_or_default();
        at.create_file(file, text.as_bytes(), 0o666)?;
        let _ = writeln!(out, "wrote {}", shown_path(&path));
    }
    Ok(())
}

/// `topogen why PATH:LINE`: the values of cluster.kdl that made the line.
fn why_cmd(input: &Input, target: &str, templates: Option<&Path>) -> ExitStatus {
    let (path, line) = match why::target(target) {
        Ok(t) => t,
        Err(e) => return print_error(e),
    };
    let Some(c) = compile(input) else {
        return ExitStatus::Error;
    };
    let reported = Reported::new(&c, &c.findings);
    reported.human(input);
    if reported.failed(input) || c.project.is_none() {
        reported.document(input, None, serde_json::Map::new());
        let _ = writeln!(
            std::io::stderr(),
            "nothing was traced: fix the errors above first"
        );
        return ExitStatus::Failure;
    }
    let sources = match template_sources(templates) {
        Ok(s) => s,
        Err(e) => return print_error(e),
    };
    let templates = match Templates::compile(sources) {
        Ok(t) => t,
        Err(e) => return print_error(e),
    };
    let output = &c.project.as_ref().expect("checked above").output;
    // only the line asked about is recorded, in the file asked about (by
    // every name it may have)
    let only = why::candidates(path, &output.dir, output.workflows.as_deref());
    let Some((plan, prov)) = run::trace_line(&c, &templates, only, line) else {
        return ExitStatus::Failure;
    };
    let plan = match plan {
        Ok(p) => p,
        Err(e) => return print_error(e),
    };
    let Some(key) = why::plan_path(&plan, path, &output.dir, output.workflows.as_deref()) else {
        let mut names: Vec<String> = plan
            .files
            .keys()
            .map(|k| match plan.destination(k) {
                emit::Destination::Output => format!("{}/{k}", output.dir),
                emit::Destination::Workflows => match &output.workflows {
                    Some(w) => format!("{w}/{}", k.rsplit('/').next().unwrap_or(k.as_str())),
                    None => format!("{}/{k}", output.dir),
                },
            })
            .collect();
        names.sort();
        let near = crate::diag::did_you_mean(path, names.iter().map(String::as_str));
        let help = match near {
            Some(n) => format!("{n} `topogen build` writes the files `why` explains"),
            None => format!(
                "name a file `topogen build` writes, as written under `{}`, e.g. `{}`",
                output.dir,
                names.first().map_or("", String::as_str)
            ),
        };
        return print_error(why::WhyError::File {
            path: shown(path).into_owned(),
            help,
        });
    };
    let text = &plan.files[&key];
    let lines = text.lines().count();
    if line > lines {
        return print_error(why::WhyError::Line {
            path: shown(path).into_owned(),
            line,
            lines,
        });
    }
    let line_text = text.lines().nth(line - 1).unwrap_or_default();
    let found = why::Found {
        src: &c.source,
        path,
        line,
        text: line_text,
        origins: why::lookup(&prov, &key, line),
        file: prov.file(&key),
    };
    if input.format == Format::Human {
        let color = colored(input, std::io::stdout().is_terminal());
        let out = found.human(color);
        let _ = std::io::stdout().write_all(out.as_bytes());
    } else {
        let doc = found.json();
        reported.document(input, None, member("why", doc));
    }
    std::mem::forget(prov);
    ExitStatus::Success
}

/// The cluster.kdl lines that own each hunk of a drift diff: the origins
/// recorded for the generated lines the hunk adds (`+`).
fn owners(
    prov: &emit::provenance::Provenance,
    src: &crate::source::Source,
    rel: &str,
    diff: &str,
) -> Vec<report::HunkOwners> {
    let key = if prov.files.contains_key(rel) {
        rel.to_owned()
    } else {
        format!("{}/{rel}", emit::Destination::WORKFLOWS_IN_OUTPUT)
    };
    let mut out: Vec<report::HunkOwners> = Vec::new();
    let mut new_line = 0usize;
    for l in diff.lines() {
        if let Some(h) = l.strip_prefix("@@ ") {
            // @@ -a,b +c,d @@
            new_line = h
                .split(' ')
                .find_map(|p| p.strip_prefix('+'))
                .and_then(|p| p.split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            out.push(report::HunkOwners {
                hunk: shown(l).into_owned(),
                lines: Vec::new(),
            });
            continue;
        }
        let Some(hunk) = out.last_mut() else { continue };
        if l.starts_with('+') {
            if let Some((origins, _)) = prov.line(&key, new_line) {
                for o in origins {
                    let line = src.line_col(o.span.offset).0;
                    if !hunk.lines.contains(&line) {
                        hunk.lines.push(line);
                    }
                }
            }
            new_line += 1;
        } else if l.starts_with(' ') {
            new_line += 1;
        }
    }
    // a hunk of template text only: the names the file is generated for
    let file: Vec<usize> = prov
        .file(&key)
        .iter()
        .map(|o| src.line_col(o.span.offset).0)
        .collect();
    for h in &mut out {
        if h.lines.is_empty() {
            h.lines.clone_from(&file);
        }
        h.lines.sort_unstable();
        h.lines.dedup();
    }
    out.retain(|h| !h.lines.is_empty());
    out
}
