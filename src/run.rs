//! The pipeline as functions: bytes → source → lower → check (→ plan in
//! `emit`). Reading the file is I/O, done by `app` (`app/input.rs`).

use crate::diag::{Finding, Findings, Severity, Span};
use crate::model::Project;
use crate::source::{self, Source};

/// The outcome of reading and validating `cluster.kdl`.
pub struct Compiled {
    /// The file.
    pub source: Source,
    /// Every environment, when the file could be read as a cluster.
    pub project: Option<Project>,
    /// Every finding, sorted by position.
    pub findings: Vec<Finding>,
    /// The parsed document, kept for [`leaves`] (`why`, `check`'s hunk
    /// owners): the text is not parsed a second time.
    pub(crate) document: Option<kdl::KdlDocument>,
}

impl Compiled {
    /// True when its findings fail the run ([`failed`]).
    pub fn failed(&self, deny_warnings: bool) -> bool {
        failed(&self.findings, deny_warnings)
    }
}

/// True when any finding is an error (or, with `deny_warnings`, any finding).
pub(crate) fn failed(findings: &[Finding], deny_warnings: bool) -> bool {
    findings
        .iter()
        .any(|f| f.severity == Severity::Error || deny_warnings)
}

/// A source from raw bytes, with the finding that explains why it is unreadable.
pub fn from_bytes(name: &str, bytes: Vec<u8>) -> (Source, Option<Finding>) {
    let rule = &crate::check::rules::syntax_limits::RULE;
    if bytes.len() > source::MAX_BYTES {
        let f = Finding::new(
            rule,
            format!("the file is larger than {} KiB", source::MAX_BYTES / 1024),
        )
        .label(Span::new(0, 0), "file starts here")
        .help("a cluster.kdl is a few KiB; check that this is the right file");
        return (Source::new(name, ""), Some(f));
    }
    match String::from_utf8(bytes) {
        Ok(text) => (Source::new(name, text), None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let f = Finding::new(rule, "the file is not valid UTF-8")
                .label(Span::new(at, 1), format!("invalid byte at offset {at}"))
                .help("save cluster.kdl as UTF-8");
            (Source::new(name, text), Some(f))
        }
    }
}

/// Lowers and checks `source`: every finding of every stage, in one run.
pub fn compile(source: Source) -> Compiled {
    compile_with(source, None)
}

/// [`compile`], starting with a finding from reading the file.
pub fn compile_with(source: Source, read_finding: Option<Finding>) -> Compiled {
    let mut findings = Findings::default();
    if let Some(f) = read_finding {
        findings.push(f);
        return Compiled {
            source,
            project: None,
            findings: findings.into_sorted(),
            document: None,
        };
    }
    let lowered = crate::model::lower::lower(&source);
    findings.absorb(lowered.findings);
    if let Some(project) = &lowered.project {
        let mut checked = Findings::default();
        crate::check::run(lowered.document.as_ref(), project, &mut checked);
        // a rule that blames a placeholder repeats a schema error already reported
        checked.retain(|f| {
            !f.labels
                .iter()
                .any(|l| lowered.poisoned.binary_search(&l.span).is_ok())
        });
        findings.absorb(checked);
    }
    let (source, findings) = redact(source, cap(findings.into_sorted()));
    Compiled {
        source,
        project: lowered.project,
        findings,
        document: lowered.document,
    }
}

fn cap(mut findings: Vec<Finding>) -> Vec<Finding> {
    if findings.len() <= source::MAX_FINDINGS {
        return findings;
    }
    let rest = findings.split_off(source::MAX_FINDINGS);
    let errors = rest
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let mut summary = Finding::new(
        &crate::check::rules::syntax_limits::RULE,
        format!(
            "{} more problems not shown ({errors} errors, {} warnings)",
            rest.len(),
            rest.len() - errors
        ),
    )
    .help("fix the problems above first; they are often the cause of the rest");
    if errors == 0 {
        summary = summary.severity(Severity::Warning);
    }
    findings.push(summary);
    findings
}

/// A secret found in `cluster.kdl` is never repeated: every report quotes the
/// source, so the value of each `secrets::literal` span is masked there (byte
/// for byte, so that every span stays valid), and in every message.
fn redact(source: Source, mut findings: Vec<Finding>) -> (Source, Vec<Finding>) {
    let code = crate::check::rules::secrets_literal::RULE.code;
    let spans: Vec<Span> = findings
        .iter()
        .filter(|f| f.code == code)
        .filter_map(Finding::primary)
        .collect();
    if spans.is_empty() {
        return (source, findings);
    }
    let mut bytes = source.text.as_bytes().to_vec();
    let mut secrets: Vec<String> = Vec::new();
    for span in spans {
        let end = span.offset.saturating_add(span.len).min(bytes.len());
        let Some(slice) = source.text.get(span.offset..end) else {
            continue;
        };
        // keep a property's name: `description=` stays readable
        let keep = match (slice.find('='), slice.find(['"', '#'])) {
            (Some(eq), Some(q)) if eq < q => eq + 1,
            (Some(eq), None) => eq + 1,
            _ => 0,
        };
        let value = &slice[keep..];
        secrets.extend(
            value
                .split(|c: char| c.is_whitespace() || c == '"' || c == '#')
                .filter(|w| w.len() >= 8)
                .map(str::to_owned),
        );
        for (i, c) in value.char_indices() {
            if !matches!(c, '\n' | '\r' | '"' | '#') {
                let at = span.offset + keep + i;
                bytes[at..at + c.len_utf8()].fill(b'*');
            }
        }
    }
    let text = String::from_utf8(bytes).unwrap_or_else(|_| source.text.to_string());
    let scrub = |s: &mut String| {
        for secret in &secrets {
            if s.contains(secret.as_str()) {
                *s = s.replace(secret.as_str(), "***");
            }
        }
    };
    for f in &mut findings {
        scrub(&mut f.message);
        if let Some(h) = &mut f.help {
            scrub(h);
        }
        for l in &mut f.labels {
            scrub(&mut l.text);
        }
    }
    (Source::new(source.name, text), findings)
}

/// Every leaf value of the compiled `cluster.kdl` (what `why` and the drift
/// annotations name); `None` when the text does not parse.
pub fn leaves(c: &Compiled) -> Option<Vec<crate::model::leaves::Leaf>> {
    Some(crate::model::leaves::leaves(c.document.as_ref()?))
}

/// Renders every artifact of a compiled `cluster.kdl` that validated, with
/// provenance recorded: which values of `cluster.kdl` made each line
/// (`topogen why`, the drift annotations of `topogen check`). `None` when
/// there is nothing to render.
pub fn trace(
    c: &Compiled,
    templates: &crate::emit::Templates,
) -> Option<(
    Result<crate::emit::Plan, crate::emit::EmitError>,
    crate::emit::provenance::Provenance,
)> {
    trace_files(c, templates, None)
}

/// [`trace`] with provenance recorded only for one file, the first at one
/// of the plan paths `only` (what `topogen why` asks about, as it may be
/// named), or for every file when `None`.
pub fn trace_files(
    c: &Compiled,
    templates: &crate::emit::Templates,
    only: Option<Vec<String>>,
) -> Option<(
    Result<crate::emit::Plan, crate::emit::EmitError>,
    crate::emit::provenance::Provenance,
)> {
    traced(c, templates, only, None)
}

/// [`trace_files`] for one line of the file (`topogen why PATH:LINE`): only
/// that line's values are looked up, so only that line's origins are
/// recorded (every line, for a file whose lines are padded to the width of
/// others: `tfvars`, Terraform).
pub fn trace_line(
    c: &Compiled,
    templates: &crate::emit::Templates,
    only: Vec<String>,
    line: usize,
) -> Option<(
    Result<crate::emit::Plan, crate::emit::EmitError>,
    crate::emit::provenance::Provenance,
)> {
    traced(c, templates, Some(only), u32::try_from(line).ok())
}

fn traced(
    c: &Compiled,
    templates: &crate::emit::Templates,
    only: Option<Vec<String>>,
    line: Option<u32>,
) -> Option<(
    Result<crate::emit::Plan, crate::emit::EmitError>,
    crate::emit::provenance::Provenance,
)> {
    let project = c.project.as_ref()?;
    let leaves = leaves(c)?;
    let envs: Vec<crate::model::Resolved<'_>> = project
        .envs
        .iter()
        .map(crate::model::Resolved::new)
        .collect();
    Some(crate::emit::plan_traced(
        project, &envs, templates, leaves, only, line,
    ))
}
