//! A `cluster.kdl` text compiled in process, failing the test on any
//! validation error (each listed with its code).

use topogen::diag::Severity;
use topogen::model::Project;
use topogen::source::Source;

/// The project `text` lowers to, after validation found no error.
pub(crate) fn project(text: &str) -> Project {
    let c = topogen::compile(Source::new("cluster.kdl", text));
    let errors: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.code, f.message))
        .collect();
    assert!(errors.is_empty(), "validation errors: {errors:#?}");
    c.project.expect("a project")
}
