//! Validation: the rule registry and the run over every environment.
//!
//! Each rule is one unit in `rules/`: its code, severity, documentation with a
//! failing and a fixed example, and the check itself. [`registry`] lists them all,
//! sorted by code; `topogen explain CODE` prints a rule's documentation.
//! The examples are fragments that [`example::place`] puts into one base cluster.

pub mod example;
pub(crate) mod rules;

use crate::diag::{Coded, Findings, Severity};
use crate::model::Topology;

/// How a rule runs.
#[derive(Clone, Copy)]
pub(crate) enum Check {
    /// Reported while reading the file (syntax and schema).
    Lowering,
    /// Runs on each environment's resolved topology.
    Topology(fn(&Topology, &mut Findings)),
    /// Runs once on every string value of the parsed document.
    Document(fn(&kdl::KdlDocument, &mut Findings)),
}

/// A validation rule.
pub struct Rule {
    /// Stable code, `topogen::<area>::<name>`.
    pub code: &'static str,
    /// Default severity.
    pub(crate) severity: Severity,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// Markdown: what it does, why it matters.
    pub docs: &'static str,
    /// The fragment of `cluster.kdl` this rule rejects, placed into
    /// [`example::BASE`] (see [`Rule::fail_file`] and the rules module docs).
    pub fail: &'static str,
    /// What fixes it: a fragment placed over the failing example
    /// ([`Rule::fixed_file`]).
    pub fixed: &'static str,
    /// How it runs.
    pub(crate) check: Check,
}

impl Rule {
    /// The failing example as a complete `cluster.kdl`.
    ///
    /// # Panics
    /// When the fragment cannot be placed; `tests/rules.rs` places every rule's.
    pub fn fail_file(&self) -> String {
        example::place(&[self.fail]).unwrap_or_else(|e| panic!("{}: fail: {e}", self.code))
    }

    /// The fixed example as a complete `cluster.kdl`: [`Rule::fixed`] placed
    /// over the failing example.
    ///
    /// # Panics
    /// When the fragment cannot be placed; `tests/rules.rs` places every rule's.
    pub fn fixed_file(&self) -> String {
        example::place(&[self.fail, self.fixed])
            .unwrap_or_else(|e| panic!("{}: fixed: {e}", self.code))
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("code", &self.code).finish()
    }
}

impl Coded for Rule {
    fn code(&self) -> &'static str {
        self.code
    }

    fn severity(&self) -> Severity {
        self.severity
    }
}

/// Every rule, sorted by code.
pub fn registry() -> &'static [&'static Rule] {
    rules::ALL
}

/// The rule with `code`; `kafka::replication` is accepted for
/// `topogen::kafka::replication`.
pub(crate) fn find(code: &str) -> Option<&'static Rule> {
    let code = code.trim();
    registry()
        .iter()
        .copied()
        .find(|r| r.code == code || r.code.strip_prefix("topogen::") == Some(code))
}

/// Runs every topology rule on every environment and every document rule once.
pub fn run(doc: Option<&kdl::KdlDocument>, project: &crate::model::Project, out: &mut Findings) {
    if let Some(doc) = doc {
        let mut local = Findings::default();
        for rule in registry() {
            if let Check::Document(f) = rule.check {
                f(doc, &mut local);
            }
        }
        out.absorb(local);
    }
    for topo in &project.envs {
        let mut local = Findings::for_env(&topo.env.name.value);
        for rule in registry() {
            if let Check::Topology(f) = rule.check {
                f(topo, &mut local);
            }
        }
        out.absorb(local);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes lowering reports ([`crate::codes`]) are exactly the
    /// registry's lowering rules, with the same severity: `topogen explain`
    /// documents every one of them and no rule claims a code nothing reports.
    #[test]
    fn lowering_codes_are_the_lowering_rules() {
        for c in crate::codes::ALL {
            let rule = find(c.code).unwrap_or_else(|| panic!("{} has no rule", c.code));
            assert!(matches!(rule.check, Check::Lowering), "{}", c.code);
            assert_eq!(rule.severity, c.severity, "{}", c.code);
        }
        for rule in registry() {
            if matches!(rule.check, Check::Lowering) {
                assert!(
                    crate::codes::ALL.iter().any(|c| c.code == rule.code),
                    "{} is a lowering rule without a code in codes.rs",
                    rule.code
                );
            }
        }
    }
}
