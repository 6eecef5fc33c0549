//! Rendering findings for people and machines: `--format human|json|github|sarif`.
//!
//! Every text of a finding and every excerpt of the file is printed as
//! [`term`] shows it, in all four formats: the machine formats end up in logs,
//! on terminals (`jq -r`) and in code-scanning pages too, and a JSON escape
//! (`\u2028`) protects none of them once the string is decoded.

use std::fmt::Write as _;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::diag::{Finding, Label, Severity, Span};
use crate::source::Source;
use crate::term::{self, Excerpt};

/// Output format of diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// rustc-style report with source snippets (colour only on a terminal).
    Human,
    /// One JSON document: `{"version": 1, "diagnostics": [...], ...}` (docs/formats.md).
    Json,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
    /// A pull-request comment (`plan` only).
    Markdown,
}

/// How to draw the human format.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Wrap width.
    pub width: usize,
}

fn env_note(f: &Finding, all_envs: &[String]) -> Option<String> {
    if f.envs.is_empty() || f.envs.len() == all_envs.len() {
        None
    } else {
        Some(format!(
            "in environment{} {}",
            if f.envs.len() == 1 { "" } else { "s" },
            f.envs
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// `f` with every text as [`term::shown`] prints it.
fn printable(f: &Finding) -> Finding {
    let shown = |s: &str| term::shown(s).into_owned();
    Finding {
        code: f.code,
        severity: f.severity,
        message: shown(&f.message),
        labels: f
            .labels
            .iter()
            .map(|l| Label {
                span: l.span,
                text: shown(&l.text),
            })
            .collect(),
        help: f.help.as_deref().map(shown),
        envs: f.envs.iter().map(|e| shown(e)).collect(),
    }
}

fn message(f: &Finding, all_envs: &[String]) -> String {
    match env_note(f, all_envs) {
        Some(note) => format!("{} ({note})", f.message),
        None => f.message.clone(),
    }
}

/// The miette diagnostic of a finding (already [`printable`]).
fn to_miette(f: &Finding, all_envs: &[String]) -> MietteDiagnostic {
    let mut d = MietteDiagnostic::new(message(f, all_envs))
        .with_code(f.code)
        .with_severity(match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        });
    for (i, l) in f.labels.iter().enumerate() {
        let span = (l.span.offset, l.span.len);
        d = d.and_label(if i == 0 {
            LabeledSpan::new_primary_with_span(Some(l.text.clone()), span)
        } else {
            LabeledSpan::new_with_span(Some(l.text.clone()), span)
        });
    }
    if let Some(h) = &f.help {
        d = d.with_help(h.clone());
    }
    d
}

/// Past this column a source snippet is useless to a reader, and miette's
/// renderer cannot pad beyond `u16::MAX`: the finding names its place instead.
const MAX_SNIPPET_COLUMN: usize = 4096;

/// The file as the human report quotes it: the [`Excerpt`] of its text, with
/// lines and columns counted in the file itself, as the other formats count them.
struct Snippet {
    name: String,
    file: Source,
    excerpt: Excerpt,
}

impl Snippet {
    fn new(src: &Source) -> Self {
        Self {
            name: term::shown(&src.name).into_owned(),
            file: src.clone(),
            excerpt: Excerpt::new(&src.text),
        }
    }

    /// `f`'s labels moved to where their text is in the excerpt.
    fn relabel(&self, mut f: Finding) -> Finding {
        for l in &mut f.labels {
            let start = self.excerpt.shown_offset(l.span.offset);
            let end = self.excerpt.shown_offset(l.span.offset + l.span.len);
            l.span = Span::new(start, end - start);
        }
        f
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .excerpt
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let start = if context_lines_before == 0 {
            span.offset()
        } else {
            inner.span().offset()
        };
        let (line, column) = self.file.line_col(self.excerpt.file_offset(start));
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                line - 1,
                column - 1,
                inner.line_count(),
            )
            .with_language("kdl"),
        ))
    }
}

/// The human report: every finding as rustc would show it, then a summary line.
pub fn human(src: &Source, findings: &[Finding], all_envs: &[String], style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width);
    let snippet = Arc::new(Snippet::new(src));
    let mut out = String::new();
    for f in findings {
        let far = f
            .labels
            .iter()
            .any(|l| src.line_col(l.span.offset).1 > MAX_SNIPPET_COLUMN);
        let f = printable(f);
        let report = if far {
            // miette pads labels with a `{:width$}` format that panics past
            // u16::MAX columns: name the place instead of drawing it
            let mut plain = f;
            let (line, col) = plain.primary().map_or((1, 1), |s| src.line_col(s.offset));
            plain.message = format!("{} (at {}:{line}:{col})", plain.message, snippet.name);
            plain.labels.clear();
            miette::Report::new(to_miette(&plain, all_envs))
        } else {
            miette::Report::new(to_miette(&snippet.relabel(f), all_envs))
                .with_source_code(Arc::clone(&snippet))
        };
        let _ = handler.render_report(&mut out, report.as_ref());
        out.push('\n');
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    if !findings.is_empty() {
        let _ = writeln!(
            out,
            "{}: {} error{}, {} warning{}",
            snippet.name,
            errors,
            if errors == 1 { "" } else { "s" },
            warnings,
            if warnings == 1 { "" } else { "s" }
        );
    }
    out
}

#[derive(Serialize)]
struct JsonSpan<'a> {
    line: usize,
    column: usize,
    offset: usize,
    length: usize,
    label: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    help: Option<&'a str>,
    environments: &'a [String],
    labels: Vec<JsonSpan<'a>>,
}

/// The version of the JSON document `--format json` prints (docs/formats.md):
/// raised whenever a member is removed, renamed or changes its type.
pub(crate) const JSON_VERSION: u32 = 1;

/// The rule id of a drifted file in the machine formats: not a rule of the
/// registry, since no finding of `cluster.kdl` carries it.
pub(crate) const DRIFT_CODE: &str = "topogen::drift";

/// How a generated file differs from what `cluster.kdl` generates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DriftKind {
    /// On disk with other contents.
    Changed,
    /// Generated but not on disk.
    Missing,
    /// On disk, no longer generated.
    Extra,
    /// Not a file topogen may read: its contents were not compared.
    Unreadable,
}

/// One drifted file as the machine formats report it, every text as
/// [`term`] shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    /// The generated file, as `check` names it (the output directory joined
    /// with the file's path in it).
    pub(crate) path: String,
    /// How it differs.
    pub(crate) kind: DriftKind,
    /// `changed`: the unified diff from the file on disk to what is generated.
    pub(crate) diff: Option<String>,
    /// `unreadable`: why the contents were not compared.
    pub(crate) reason: Option<String>,
    /// `changed`: the cluster.kdl lines that generate each hunk's lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) owners: Vec<HunkOwners>,
}

/// The lines of `cluster.kdl` whose values are on the generated lines of
/// one hunk of a drift diff.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct HunkOwners {
    /// The hunk's header (`@@ -a,b +c,d @@`).
    pub(crate) hunk: String,
    /// Lines of cluster.kdl, ascending.
    pub(crate) lines: Vec<usize>,
}

impl Drift {
    /// The report of `drift`, a file of the output directory `dir`.
    pub(crate) fn new(dir: &std::path::Path, drift: &crate::output::Drift) -> Self {
        use crate::output::Drift as D;
        let (rel, kind, diff, reason) = match drift {
            D::Changed(p, diff) => (p, DriftKind::Changed, Some(diff), None),
            D::Missing(p) => (p, DriftKind::Missing, None, None),
            D::Extra(p) => (p, DriftKind::Extra, None, None),
            D::Unreadable(p, why) => (p, DriftKind::Unreadable, None, Some(why)),
        };
        Self {
            path: term::shown_path(&dir.join(rel)),
            kind,
            diff: diff.map(|d| term::shown_text(d).into_owned()),
            reason: reason.map(|r| term::shown(r).into_owned()),
            owners: Vec::new(),
        }
    }

    /// What is wrong, then how to fix it, naming the config as `config`.
    fn message(&self, config: &str) -> (String, String) {
        let path = &self.path;
        let build = format!("run `topogen build --config {config}`");
        match self.kind {
            DriftKind::Changed => (
                format!("`{path}` differs from what `{config}` generates"),
                format!("{build} to regenerate it, and commit the result"),
            ),
            DriftKind::Missing => (
                format!("`{path}` is missing: `{config}` generates it"),
                format!("{build} to generate it, and commit the result"),
            ),
            DriftKind::Extra => (
                format!("`{path}` is no longer generated by `{config}`"),
                format!("{build} to remove it, and commit the result"),
            ),
            DriftKind::Unreadable => (
                format!(
                    "`{path}` cannot be compared with what `{config}` generates: {}",
                    self.reason.as_deref().unwrap_or_default()
                ),
                format!("replace it with a regular file: {build}"),
            ),
        }
    }

    /// The line of the file on disk where the first difference is, when known.
    fn line(&self) -> Option<usize> {
        let diff = self.diff.as_deref()?;
        let mut lines = diff.lines().skip_while(|l| !l.starts_with("@@ -"));
        let header = lines.next()?;
        let start = header["@@ -".len()..]
            .split([',', ' '])
            .next()?
            .parse::<usize>()
            .ok()?;
        let context = lines.take_while(|l| l.starts_with(' ')).count();
        Some((start + context).max(1))
    }
}

/// `{"version": 1, "diagnostics": [...]}` and `members`, one object per
/// finding; the first label is the primary span.
pub fn json(
    src: &Source,
    findings: &[Finding],
    members: serde_json::Map<String, serde_json::Value>,
) -> String {
    let findings: Vec<Finding> = findings.iter().map(printable).collect();
    let name = term::shown(&src.name);
    let list: Vec<JsonFinding<'_>> = findings
        .iter()
        .map(|f| {
            let (line, column) = f.primary().map_or((1, 1), |s| src.line_col(s.offset));
            JsonFinding {
                code: f.code,
                severity: f.severity,
                message: &f.message,
                file: &name,
                line,
                column,
                help: f.help.as_deref(),
                environments: &f.envs,
                labels: f
                    .labels
                    .iter()
                    .map(|l| {
                        let (line, column) = src.line_col(l.span.offset);
                        JsonSpan {
                            line,
                            column,
                            offset: l.span.offset,
                            length: l.span.len,
                            label: &l.text,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let mut doc = serde_json::Map::new();
    doc.insert("version".into(), JSON_VERSION.into());
    doc.insert(
        "diagnostics".into(),
        serde_json::to_value(list).expect("findings serialise"),
    );
    doc.extend(members);
    let mut s = serde_json::to_string_pretty(&doc).expect("findings serialise");
    s.push('\n');
    s
}

/// Escapes workflow-command data (the message): `%`, `\r`, `\n`.
pub(crate) fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes workflow-command property values: data escapes plus `:` and `,`.
pub(crate) fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error`/`::warning` workflow command per finding, then one `::error`
/// per drifted file, at that file.
pub fn github(src: &Source, findings: &[Finding], all_envs: &[String], drift: &[Drift]) -> String {
    let mut out = String::new();
    for f in findings {
        let f = &printable(f);
        let (line, col) = f.primary().map_or((1, 1), |s| src.line_col(s.offset));
        let (end_line, end_col) = f
            .primary()
            .map_or((line, col), |s| src.line_col(s.offset + s.len.max(1) - 1));
        let mut msg = message(f, all_envs);
        if let Some(h) = &f.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        let _ = writeln!(
            out,
            "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            f.severity,
            gh_escape_property(&term::shown(&src.name)),
            line,
            end_line,
            col,
            end_col.max(col).max(1),
            gh_escape_property(f.code),
            gh_escape_data(&msg)
        );
    }
    let config = term::shown(&src.name);
    for d in drift {
        let (msg, help) = d.message(&config);
        let line = d.line().map(|l| format!(",line={l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "::error file={}{line},title={}::{}",
            gh_escape_property(&d.path),
            gh_escape_property(DRIFT_CODE),
            gh_escape_data(&format!("{msg}\nhelp: {help}"))
        );
    }
    // where the fix belongs: the lines of cluster.kdl that generate the
    // drifted lines, once each
    let mut seen = std::collections::BTreeSet::new();
    for d in drift {
        for h in &d.owners {
            for &line in &h.lines {
                if !seen.insert((d.path.as_str(), line)) {
                    continue;
                }
                let msg = format!(
                    "this line generates lines of `{}` that differ on disk ({})\nhelp: edit the value here, not the generated file, then run `topogen build --config {config}`",
                    d.path, h.hunk
                );
                let _ = writeln!(
                    out,
                    "::error file={},line={line},title={}::{}",
                    gh_escape_property(&config),
                    gh_escape_property(DRIFT_CODE),
                    gh_escape_data(&msg)
                );
            }
        }
    }
    out
}

/// A SARIF 2.1.0 log: the rule registry and [`DRIFT_CODE`] as
/// `tool.driver.rules`, one result per finding, then one per drifted file.
//
// Written with `serde_json::json!`, not with the `serde-sarif` crate (issue 12
// weighed it): serde-sarif 0.8 generates its types from the SARIF schema at
// build time (schemafy_lib, syn, prettyplease) and brings strum and
// typed-builder, 12 new crates in Cargo.lock for the two dozen properties
// written here; and its struct field order would reorder every key of today's
// log. The log is checked against the official SARIF 2.1.0 schema instead
// (`tests/formats.rs`, `validate_sarif`).
pub fn sarif(src: &Source, findings: &[Finding], all_envs: &[String], drift: &[Drift]) -> String {
    let uri = sarif_uri(&src.name);
    let mut rules: Vec<serde_json::Value> = crate::check::registry()
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.code,
                "name": r.code.rsplit("::").next().unwrap_or(r.code),
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.docs, "markdown": r.docs },
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let drift_rule = rules.len();
    let drift_help = "`topogen check` compares every file in the output directories with what \
        `cluster.kdl` generates; a file that differs was edited by hand or not regenerated \
        after `cluster.kdl` changed. Run `topogen build` and commit the result.";
    rules.push(serde_json::json!({
        "id": DRIFT_CODE,
        "name": "drift",
        "shortDescription": { "text": "a generated file differs from what cluster.kdl generates" },
        "fullDescription": { "text": drift_help },
        "help": { "text": drift_help, "markdown": drift_help },
        "defaultConfiguration": { "level": "error" },
    }));
    let mut results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let f = &printable(f);
            let region = |offset: usize, len: usize| {
                let (sl, sc) = src.line_col(offset);
                let (el, ec) = src.line_col(offset + len);
                serde_json::json!({
                    "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec.max(1),
                    "charOffset": offset, "charLength": len,
                })
            };
            let location = |offset: usize, len: usize| {
                serde_json::json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": region(offset, len),
                    }
                })
            };
            let primary = f.primary().unwrap_or_default();
            let mut text = message(f, all_envs);
            if let Some(h) = &f.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let rule_index = crate::check::registry()
                .iter()
                .position(|r| r.code == f.code)
                .unwrap_or(0);
            serde_json::json!({
                "ruleId": f.code,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [location(primary.offset, primary.len)],
                "relatedLocations": f.labels.iter().enumerate().map(|(i, l)| {
                    let mut loc = location(l.span.offset, l.span.len);
                    loc["id"] = serde_json::json!(i);
                    loc["message"] = serde_json::json!({ "text": l.text });
                    loc
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let config = term::shown(&src.name);
    let mut artifacts = vec![serde_json::json!({ "location": { "uri": uri } })];
    for d in drift {
        let (msg, help) = d.message(&config);
        let uri = sarif_uri(&d.path);
        let mut physical = serde_json::json!({ "artifactLocation": { "uri": uri } });
        if let Some(line) = d.line() {
            physical["region"] = serde_json::json!({ "startLine": line });
        }
        artifacts.push(serde_json::json!({ "location": { "uri": uri } }));
        results.push(serde_json::json!({
            "ruleId": DRIFT_CODE,
            "ruleIndex": drift_rule,
            "level": "error",
            "message": { "text": format!("{msg}\nhelp: {help}") },
            "locations": [{ "physicalLocation": physical }],
        }));
    }
    let log = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "topogen",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/trading-cz/topogen",
                "rules": rules,
            }},
            "artifacts": artifacts,
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).expect("sarif serialises");
    s.push('\n');
    s
}

/// `name` as a SARIF `artifactLocation.uri` (an RFC 3986 URI reference):
/// bytes outside the unreserved set and `/` percent-encoded; an absolute path
/// becomes a `file://` URI.
fn sarif_uri(name: &str) -> String {
    let mut uri = String::new();
    if name.starts_with('/') {
        uri.push_str("file://");
    }
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping_follows_the_documented_rules() {
        assert_eq!(gh_escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(gh_escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    /// A drifted file is located at the first line of the file on disk that
    /// the diff removes or, past its end, adds after.
    #[test]
    fn drift_is_located_at_the_first_difference() {
        let changed = |have: &str, want: &str| {
            let diff = similar::TextDiff::from_lines(have, want)
                .unified_diff()
                .context_radius(3)
                .header("a", "b")
                .to_string();
            let out = crate::output::Drift::Changed("f".into(), diff);
            Drift::new(std::path::Path::new("gen"), &out).line()
        };
        let lines: String = (1..=20).map(|i| format!("{i}\n")).collect();
        assert_eq!(
            changed(&lines, &lines.replace("\n9\n", "\nnine\n")),
            Some(9)
        );
        assert_eq!(
            changed(&lines, &lines.replace("1\n2\n", "one\n2\n")),
            Some(1)
        );
        assert_eq!(changed(&lines, &format!("{lines}21\n")), Some(21));
        assert_eq!(changed("", "new\n"), Some(1));
        let missing = Drift::new(
            std::path::Path::new("gen"),
            &crate::output::Drift::Missing("f".into()),
        );
        assert_eq!((missing.line(), missing.path.as_str()), (None, "gen/f"));
    }

    /// An excerpt with escaped characters before, inside and after a span
    /// still underlines exactly the span's text, at the file's line and column.
    #[test]
    fn an_escaped_excerpt_underlines_what_the_span_covers() {
        let text = "a\n/* \u{1b}]52;c;x\u{7} \u{202e} */ pool \"k\u{2028}b\" x=1 // \u{85}\n";
        let src = Source::new("c\u{1b}.kdl", text);
        let at = text.find("\"k").unwrap();
        let len = "\"k\u{2028}b\"".len();
        let rule = crate::check::registry()[0];
        let f = Finding::new(rule, "bad `k\u{2028}b`").label(Span::new(at, len), "here");
        let style = Style {
            color: false,
            width: 200,
        };
        let out = human(&src, &[f], &[], style);
        assert!(
            !out.chars().any(|c| term::unprintable(c) && c != '\n'),
            "{out}"
        );
        let (line, col) = src.line_col(at);
        assert!(
            out.contains(&format!("[c\\u{{1b}}.kdl:{line}:{col}]")),
            "{out}"
        );
        let lines: Vec<&str> = out.lines().collect();
        let quoted = lines.iter().position(|l| l.contains("pool \"k")).unwrap();
        let start = lines[quoted].find("\"k").unwrap();
        let shown = "\"k\\u{2028}b\"";
        // the underline below the quoted line spans the escaped value exactly
        let under = lines[quoted + 1];
        let dashes: Vec<usize> = under
            .char_indices()
            .filter(|&(_, c)| c == '─' || c == '┬')
            .map(|(i, _)| under[..i].chars().count())
            .collect();
        let first = lines[quoted][..start].chars().count();
        assert_eq!(dashes.first(), Some(&first), "{out}");
        assert_eq!(dashes.len(), shown.chars().count(), "{out}");
    }
}
