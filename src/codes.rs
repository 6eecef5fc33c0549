//! The codes of the findings reported before any rule runs: syntax and schema
//! problems found while reading `cluster.kdl`.
//!
//! They live here, below both [`crate::model`] (which reports them) and
//! [`crate::check`] (whose registry documents them, `topogen explain`), as
//! ruff keeps its codes in `codes.rs`: lowering never imports the rule layer.
//! The rules that run on a topology keep their code in their own file.

use crate::diag::{Coded, Severity};

/// A finding code with its default severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Code {
    /// Stable code, `topogen::<area>::<name>`.
    pub(crate) code: &'static str,
    /// Default severity.
    pub(crate) severity: Severity,
}

impl Coded for Code {
    fn code(&self) -> &'static str {
        self.code
    }

    fn severity(&self) -> Severity {
        self.severity
    }
}

const fn error(code: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Error,
    }
}

/// Invalid KDL.
pub(crate) const SYNTAX_KDL: Code = error("topogen::syntax::kdl");
/// A file past one of the input limits.
pub(crate) const SYNTAX_LIMITS: Code = error("topogen::syntax::limits");
/// A node, property or name given twice.
pub(crate) const SCHEMA_DUPLICATE: Code = error("topogen::schema::duplicate");
/// A required node, property or argument is missing.
pub(crate) const SCHEMA_MISSING: Code = error("topogen::schema::missing");
/// A value of the wrong type or out of range.
pub(crate) const SCHEMA_TYPE: Code = error("topogen::schema::type");
/// A node the language does not have here.
pub(crate) const SCHEMA_UNKNOWN_NODE: Code = error("topogen::schema::unknown-node");
/// A property or argument the node does not take.
pub(crate) const SCHEMA_UNKNOWN_PROPERTY: Code = error("topogen::schema::unknown-property");
/// An environment overrides a pool, range or listener the base does not have.
pub(crate) const SCHEMA_UNMATCHED_OVERRIDE: Code = error("topogen::schema::unmatched-override");

/// Every code reported while reading the file.
#[cfg(test)]
pub(crate) const ALL: &[Code] = &[
    SCHEMA_DUPLICATE,
    SCHEMA_MISSING,
    SCHEMA_TYPE,
    SCHEMA_UNKNOWN_NODE,
    SCHEMA_UNKNOWN_PROPERTY,
    SCHEMA_UNMATCHED_OVERRIDE,
    SYNTAX_KDL,
    SYNTAX_LIMITS,
];
