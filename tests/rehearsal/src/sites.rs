//! Where an expression may appear and which contexts it may read there,
//! from GitHub's "Contexts reference", section "Context availability".

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    WorkflowConcurrency,
    WorkflowEnv,
    CallOutput,
    JobName,
    JobIf,
    JobConcurrency,
    JobEnvironment,
    JobEnv,
    JobOutput,
    CallWith,
    CallSecrets,
    StepIf,
    /// A step's `name`, `env`, `run`, `with`, `working-directory`, `continue-on-error`.
    Step,
}

impl Site {
    pub fn contexts(self) -> &'static [&'static str] {
        match self {
            Site::WorkflowConcurrency => &["github", "inputs", "vars"],
            Site::WorkflowEnv => &["github", "secrets", "inputs", "vars"],
            Site::CallOutput => &["github", "jobs", "vars", "inputs"],
            Site::JobName | Site::JobConcurrency | Site::JobEnvironment | Site::CallWith => {
                &["github", "needs", "strategy", "matrix", "vars", "inputs"]
            }
            Site::JobIf => &["github", "needs", "vars", "inputs"],
            Site::JobEnv | Site::CallSecrets => &[
                "github", "needs", "strategy", "matrix", "vars", "secrets", "inputs",
            ],
            Site::JobOutput | Site::Step => &[
                "github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets",
                "steps", "inputs",
            ],
            Site::StepIf => &[
                "github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "steps",
                "inputs",
            ],
        }
    }

    pub fn is_if(self) -> bool {
        matches!(self, Site::JobIf | Site::StepIf)
    }
}
