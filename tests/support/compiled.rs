//! A `cluster.kdl` text compiled and planned in process, for the tests that
//! feed topogen arbitrary or hostile input: the plan only where validation
//! passed, every finding's spans checked, every report format rendered.

use topogen::emit::{Plan, Templates};
use topogen::source::Source;

/// The built-in templates, parsed once per test binary.
pub(crate) fn templates() -> &'static Templates {
    static T: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
    T.get_or_init(|| Templates::new(None).unwrap())
}

/// `text` compiled, and its plan if it validated (a topology that validates
/// must render).
pub(crate) fn compile_and_plan(text: &str) -> (topogen::Compiled, Option<Plan>) {
    let c = topogen::compile(Source::new("cluster.kdl", text));
    if c.failed(false) {
        return (c, None);
    }
    let plan = c
        .project
        .as_ref()
        .map(|p| match topogen::emit::plan(p, templates()) {
            Ok(plan) => plan,
            Err(e) => panic!(
                "emit failed on a topology that validated: template `{}`: {}",
                e.template,
                e.message.lines().next().unwrap_or_default()
            ),
        });
    (c, plan)
}

/// Every span of every finding lies inside the file, on character
/// boundaries, and every report format renders.
pub(crate) fn check_findings(c: &topogen::Compiled) {
    let len = c.source.text.len();
    for f in &c.findings {
        for l in &f.labels {
            assert!(
                l.span.offset + l.span.len <= len,
                "span {:?} of `{}` ({}) is outside the {len}-byte file",
                l.span,
                f.message,
                f.code
            );
            assert!(
                c.source.text.is_char_boundary(l.span.offset)
                    && c.source.text.is_char_boundary(l.span.offset + l.span.len),
                "span {:?} of `{}` splits a character",
                l.span,
                f.message
            );
        }
        assert!(!f.message.is_empty());
        assert!(f.code.starts_with("topogen::"), "{}", f.code);
    }
    let _ = rendered(c);
}

/// The findings as a person reads them (no colour, 100 columns).
pub(crate) fn human(c: &topogen::Compiled) -> String {
    let style = topogen::report::Style {
        color: false,
        width: 100,
    };
    topogen::report::human(&c.source, &c.findings, &[], style)
}

/// The findings in every report format, one after the other.
pub(crate) fn rendered(c: &topogen::Compiled) -> String {
    let mut s = human(c);
    s.push_str(&topogen::report::json(
        &c.source,
        &c.findings,
        Default::default(),
    ));
    s.push_str(&topogen::report::github(&c.source, &c.findings, &[], &[]));
    s.push_str(&topogen::report::sarif(&c.source, &c.findings, &[], &[]));
    s
}
