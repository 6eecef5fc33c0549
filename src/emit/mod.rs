//! Rendering: the resolved topology → every artifact, in memory.
//!
//! One file per artifact kind. Text people read and edit around (tfvars,
//! cloud-init, workflows, Markdown) comes from the minijinja templates in
//! `templates/`; Kubernetes objects are typed values, written by a YAML library
//! with every string quoted where a YAML 1.1 reader needs it (`yaml.rs`). The result is a [`Plan`]: relative path →
//! contents, shared by `build` (write) and `check` (diff).
//!
//! Layout of the output directory (`generated/`), mirroring the infra
//! repository so that it can be copied over it:
//!
//! ```text
//! environments/<env>.tfvars              Terraform variables (tfvars.rs)
//! terraform/*.tf                         the root module that reads them (terraform.rs)
//! cloud-init/<env>/<pool>.yaml           user-data per pool (cloud_init.rs)
//! pins/<env>/<tool>.version              version pins install steps read (pins.rs)
//! k8s/<env>/strimzi/*.yaml               Kafka + KafkaNodePool (strimzi.rs)
//! k8s/<env>/scheduling/<profile>-*.yaml  affinity / nodeSelector snippets (scheduling.rs)
//! .github/workflows/*.yml                GitHub Actions (workflows.rs)
//! TOPOLOGY.md                            architecture, IP plan, nodes, costs (docs.rs)
//! .topogen-manifest                      the files topogen owns (output.rs)
//! ```
//!
//! **Architecture invariant:** emit only runs on a topology that validated
//! without errors, and never fails on user input: a render error is a bug
//! in a template (or in a user's `--templates` override).

mod budget;
mod cloud_init;
mod docs;
mod pins;
pub mod provenance;
pub(crate) mod refs;
mod scheduling;
mod strimzi;
pub mod templates;
mod terraform;
mod tfvars;
mod value;
mod workflows;
mod yaml;

pub(crate) use budget::keep_render_state;

use std::collections::BTreeMap;

use crate::model::{Project, Resolved};
pub use templates::Templates;

/// Where a planned file goes: the output directory (`output dir`, or
/// `--out`), or the workflows directory (`output workflows`, GitHub's
/// `.github/workflows/` at the repository root in the bundled layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Destination {
    /// The output directory.
    Output,
    /// The GitHub workflows directory.
    Workflows,
}

impl Destination {
    /// Where [`Destination::Workflows`] files go inside the output directory
    /// when `output workflows` is not set.
    pub(crate) const WORKFLOWS_IN_OUTPUT: &'static str = ".github/workflows";

    /// The plan path of the file `name` of this destination (see [`Plan`]).
    pub(crate) fn plan_path(self, name: &str) -> String {
        match self {
            Destination::Output => name.to_owned(),
            Destination::Workflows => format!("{}/{name}", Self::WORKFLOWS_IN_OUTPUT),
        }
    }
}

/// Every file a build produces: path relative to the output root → contents.
///
/// A file added with [`Plan::add_to`] `Destination::Workflows` is keyed by
/// its path in a single-directory layout (`.github/workflows/<name>`) and
/// remembers its destination and name, so that [`Plan::split`] routes it by
/// type, never by its path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The files, sorted by path.
    pub files: BTreeMap<String, String>,
    /// The files that do not go to [`Destination::Output`]: plan path →
    /// (destination, path inside it).
    placed: BTreeMap<String, (Destination, String)>,
}

impl Plan {
    /// Adds a file to the output directory. Every artifact ends with exactly
    /// one newline.
    pub(crate) fn add(&mut self, path: impl Into<String>, mut contents: String) {
        while contents.ends_with("\n\n") {
            contents.pop();
        }
        if !contents.ends_with('\n') {
            contents.push('\n');
        }
        let path = path.into();
        if provenance::active() {
            provenance::added(&path);
        }
        self.files.insert(path, contents);
    }

    /// Adds the file `make` renders at plan path `path`. The file is announced
    /// to the provenance recorder before it is rendered
    /// ([`provenance::file`]): `why` records only the file it asks about.
    pub(crate) fn render(
        &mut self,
        path: impl Into<String>,
        make: impl FnOnce() -> Result<String, EmitError>,
    ) -> Result<(), EmitError> {
        self.render_as(Destination::Output, &path.into(), false, make)
    }

    /// [`Plan::render`] for a file whose lines are padded to the width of
    /// others after it renders (`tfvars::align`): recorded whole
    /// ([`provenance::padded_file`]).
    pub(crate) fn render_padded(
        &mut self,
        path: impl Into<String>,
        make: impl FnOnce() -> Result<String, EmitError>,
    ) -> Result<(), EmitError> {
        self.render_as(Destination::Output, &path.into(), true, make)
    }

    /// [`Plan::render`] for a file `name` of `dest` (see [`Plan::add_to`]).
    pub(crate) fn render_to(
        &mut self,
        dest: Destination,
        name: &str,
        make: impl FnOnce() -> Result<String, EmitError>,
    ) -> Result<(), EmitError> {
        self.render_as(dest, name, false, make)
    }

    fn render_as(
        &mut self,
        dest: Destination,
        name: &str,
        padded: bool,
        make: impl FnOnce() -> Result<String, EmitError>,
    ) -> Result<(), EmitError> {
        let path = dest.plan_path(name);
        let _recording = if padded {
            provenance::padded_file(&path)
        } else {
            provenance::file(&path)
        };
        let text = make()?;
        self.add_to(dest, name, text);
        Ok(())
    }

    /// Adds a file `name` to `dest` (see [`Plan`]).
    pub(crate) fn add_to(&mut self, dest: Destination, name: &str, contents: String) {
        let path = dest.plan_path(name);
        if dest != Destination::Output {
            self.placed.insert(path.clone(), (dest, name.to_owned()));
        }
        self.add(path, contents);
    }

    /// Where the file at plan path `path` goes.
    pub(crate) fn destination(&self, path: &str) -> Destination {
        self.placed
            .get(path)
            .map_or(Destination::Output, |(d, _)| *d)
    }

    /// The plan split into the output directory's files and the workflows
    /// directory's files (each keyed by its path inside its directory).
    pub fn split(self) -> (Plan, Plan) {
        let (mut output, mut workflows) = (Plan::default(), Plan::default());
        let mut placed = self.placed;
        for (path, text) in self.files {
            match placed.remove(&path) {
                Some((Destination::Workflows, name)) => workflows.files.insert(name, text),
                Some((Destination::Output, _)) | None => output.files.insert(path, text),
            };
        }
        (output, workflows)
    }
}

/// A template failed to render.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("template `{template}` failed to render: {message}")]
#[diagnostic(
    code(topogen::template::render),
    help(
        "if you override this template with --templates, check it against the built-in one (`topogen templates`)"
    )
)]
pub struct EmitError {
    /// The template's name.
    pub template: String,
    /// minijinja's message.
    pub message: String,
}

/// `value` written as YAML after `header` (the Kubernetes objects of
/// `strimzi.rs` and `scheduling.rs`); `emitter` names the emitter in the error.
pub(crate) fn yaml_document<T: serde::Serialize>(
    emitter: &str,
    mut header: String,
    value: &T,
) -> Result<String, EmitError> {
    yaml::append(value, &mut header).map_err(|e| EmitError {
        template: format!("{emitter} (yaml)"),
        message: e.to_string(),
    })?;
    Ok(header)
}

/// Renders every artifact of every environment.
pub fn plan(project: &Project, templates: &Templates) -> Result<Plan, EmitError> {
    let envs: Vec<Resolved<'_>> = project.envs.iter().map(Resolved::new).collect();
    plan_with(project, &envs, templates)
}

/// [`plan_with`] with provenance recorded: which `leaves` of `cluster.kdl`
/// made each line (see [`provenance`]) of every file, or of the first file
/// at one of the plan paths `only` (of its line `line` only, when given).
pub fn plan_traced(
    project: &Project,
    envs: &[Resolved<'_>],
    templates: &Templates,
    leaves: Vec<crate::model::leaves::Leaf>,
    only: Option<Vec<String>>,
    line: Option<u32>,
) -> (Result<Plan, EmitError>, provenance::Provenance) {
    provenance::traced(leaves, envs, only, line, || {
        plan_with(project, envs, templates)
    })
}

/// Renders every artifact from environments the caller resolved (and may
/// keep: the command line never frees them, see `Job::render` in `app.rs`).
pub(crate) fn plan_with(
    project: &Project,
    envs: &[Resolved<'_>],
    templates: &Templates,
) -> Result<Plan, EmitError> {
    let _budget = budget::Session::start();
    let mut plan = Plan::default();
    let module = terraform::ModuleCtx::new(project.output.terraform.value, envs);
    tfvars::emit(envs, module.enabled, templates, &mut plan)?;
    terraform::emit(&module, templates, &mut plan)?;
    cloud_init::emit(envs, templates, &mut plan)?;
    pins::emit(envs, templates, &mut plan)?;
    strimzi::emit(envs, &mut plan)?;
    scheduling::emit(envs, &mut plan)?;
    workflows::emit(project, envs, templates, &mut plan)?;
    docs::emit(envs, templates, &mut plan)?;
    Ok(plan)
}
