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
pub mod context;
mod docs;
mod pins;
mod scheduling;
mod strimzi;
pub mod templates;
mod tfvars;
mod workflows;
mod yaml;

use std::collections::BTreeMap;

use crate::model::Project;
pub use templates::Templates;

/// Every file a build produces: path relative to the output root → contents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The files, sorted by path.
    pub files: BTreeMap<String, String>,
}

impl Plan {
    /// Adds a file. Every artifact ends with exactly one newline.
    pub fn add(&mut self, path: impl Into<String>, mut contents: String) {
        while contents.ends_with("\n\n") {
            contents.pop();
        }
        if !contents.ends_with('\n') {
            contents.push('\n');
        }
        self.files.insert(path.into(), contents);
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

/// Renders every artifact of every environment.
pub fn plan(project: &Project, templates: &Templates) -> Result<Plan, EmitError> {
    plan_with(&context::ProjectCtx::new(project), templates)
}

/// Renders every artifact from a context the caller built (and may keep:
/// the command line never frees it, see `Job::render` in `app.rs`).
pub fn plan_with(cx: &context::ProjectCtx, templates: &Templates) -> Result<Plan, EmitError> {
    let _budget = budget::Session::start();
    let mut plan = Plan::default();
    tfvars::emit(cx, templates, &mut plan)?;
    cloud_init::emit(cx, templates, &mut plan)?;
    pins::emit(cx, templates, &mut plan)?;
    strimzi::emit(cx, templates, &mut plan)?;
    scheduling::emit(cx, templates, &mut plan)?;
    workflows::emit(cx, templates, &mut plan)?;
    docs::emit(cx, templates, &mut plan)?;
    Ok(plan)
}
