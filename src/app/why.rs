//! `topogen why PATH:LINE`: the values of `cluster.kdl` that made a line of
//! a generated file, from the provenance recorded while rendering
//! (`emit/provenance.rs`).

use std::fmt::Write as _;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use crate::emit::Plan;
use crate::emit::provenance::{Origin, Provenance};
use crate::model::leaves::LeafKind;
use crate::source::Source;

/// `topogen why` could not answer.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum WhyError {
    /// The argument is not `PATH:LINE`.
    #[error("`{given}` is not PATH:LINE")]
    #[diagnostic(
        code(topogen::why::target),
        help(
            "name a generated file and a line from 1, e.g. `topogen why generated/environments/dev.tfvars:3`"
        )
    )]
    Target {
        /// What was given.
        given: String,
    },
    /// No file of the build has that path.
    #[error("`{path}` is not a file topogen generates")]
    #[diagnostic(code(topogen::why::file))]
    File {
        /// The path given.
        path: String,
        /// How to name one.
        #[help]
        help: String,
    },
    /// The file has fewer lines.
    #[error("`{path}` has {lines} lines; there is no line {line}")]
    #[diagnostic(
        code(topogen::why::line),
        help("lines are numbered from 1, as in an editor")
    )]
    Line {
        /// The path given.
        path: String,
        /// The line asked for.
        line: usize,
        /// How many it has.
        lines: usize,
    },
}

/// `PATH:LINE` split.
pub(crate) fn target(given: &str) -> Result<(&str, usize), WhyError> {
    let bad = || WhyError::Target {
        given: crate::term::shown(given).into_owned(),
    };
    let (path, line) = given.rsplit_once(':').ok_or_else(bad)?;
    let line: usize = line.parse().map_err(|_| bad())?;
    if path.is_empty() || line == 0 {
        return Err(bad());
    }
    Ok((path, line))
}

/// The plan paths `path` may name: as the plan keys it, or as written under
/// the output directory or the workflows directory (relative to the
/// directory of `cluster.kdl`). What `why` records, before the plan says
/// which one it has ([`plan_path`]).
pub(crate) fn candidates(path: &str, dir: &str, workflows: Option<&str>) -> Vec<String> {
    let path = path.trim_start_matches("./");
    let mut tries = vec![path.to_owned()];
    if let Some(rest) = path.strip_prefix(&format!("{}/", dir.trim_end_matches('/'))) {
        tries.push(rest.to_owned());
    }
    if let Some(w) = workflows
        && let Some(rest) = path.strip_prefix(&format!("{}/", w.trim_end_matches('/')))
    {
        tries.push(format!(
            "{}/{rest}",
            crate::emit::Destination::WORKFLOWS_IN_OUTPUT
        ));
    }
    tries
}

/// The plan path of `path` (one of its [`candidates`] the plan has).
pub(crate) fn plan_path(
    plan: &Plan,
    path: &str,
    dir: &str,
    workflows: Option<&str>,
) -> Option<String> {
    candidates(path, dir, workflows)
        .into_iter()
        .find(|t| plan.files.contains_key(t))
}

/// What an origin is, in words.
fn said(o: &Origin) -> String {
    match &o.kind {
        LeafKind::Written => format!("{} = {}", o.path, o.text),
        LeafKind::Overlay(env) => format!(
            "{} = {} (environment `{env}` overrides the base)",
            o.path, o.text
        ),
        LeafKind::Default(key) => format!(
            "{} = {} (default of `{key}`, not written in cluster.kdl)",
            o.path, o.text
        ),
    }
}

fn kind_name(k: &LeafKind) -> &'static str {
    match k {
        LeafKind::Written => "written",
        LeafKind::Overlay(_) => "environment",
        LeafKind::Default(_) => "default",
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(severity(Advice))]
struct Answer {
    message: String,
    #[source_code]
    src: NamedSource<Arc<str>>,
    #[label(collection)]
    labels: Vec<LabeledSpan>,
    #[help]
    help: Option<String>,
}

/// What `why` found for one line of a generated file, printed in the human
/// format ([`Found::human`]) or as JSON ([`Found::json`]).
pub(crate) struct Found<'a> {
    /// `cluster.kdl`.
    pub(crate) src: &'a Source,
    /// The generated file, as the user named it.
    pub(crate) path: &'a str,
    pub(crate) line: usize,
    /// The line's text.
    pub(crate) text: &'a str,
    /// The line's origins ([`lookup`]) and whether they are exact.
    pub(crate) origins: Option<(Vec<&'a Origin>, bool)>,
    /// The values the whole file is generated for.
    pub(crate) file: Vec<&'a Origin>,
}

impl Found<'_> {
    /// The human answer: the line, then each origin as a snippet of
    /// `cluster.kdl`.
    pub(crate) fn human(self, color: bool) -> String {
        let Found {
            src,
            path: shown_path,
            line,
            text,
            origins: found,
            file,
        } = self;
        let mut out = String::new();
        let shown_line = crate::term::shown(text);
        let for_file = if file.is_empty() {
            String::new()
        } else {
            format!(
                "\n  = the file is generated for {}",
                file.iter()
                    .map(|o| {
                        let (l, _) = src.line_col(o.span.offset);
                        format!("{} ({}:{l})", o.path, src.name)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let Some((origins, exact)) = found.filter(|(o, _)| !o.is_empty()) else {
            let _ = writeln!(
                out,
                "{shown_path}:{line}: {shown_line}\n  = template text: no value of {} is on this line{for_file}",
                src.name
            );
            return out;
        };
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let labels = origins
            .iter()
            .map(|o| {
                let what = match &o.kind {
                    LeafKind::Written => "written here".to_owned(),
                    LeafKind::Overlay(env) => {
                        format!("environment `{env}` overrides the base here")
                    }
                    LeafKind::Default(key) => {
                        format!("default of `{key}`, not written in {}", src.name)
                    }
                };
                LabeledSpan::new(
                    Some(format!("{}: {what}", o.path)),
                    o.span.offset,
                    o.span.len,
                )
            })
            .collect();
        let answer = Answer {
            message: format!("{shown_path}:{line}: {shown_line}"),
            src: NamedSource::new(src.name.clone(), Arc::clone(&src.text)),
            labels,
            help: Some(if exact {
                origins
                    .iter()
                    .map(|o| said(o))
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                "a value on this line has the text of more than one value of cluster.kdl: every one is shown".to_owned()
            }),
        };
        let _ = handler.render_report(&mut out, &answer);
        if !for_file.is_empty() {
            let _ = writeln!(out, "{}", for_file.trim_start_matches('\n'));
        }
        out
    }

    /// The JSON answer (`why` member, docs/formats.md).
    pub(crate) fn json(self) -> serde_json::Value {
        let Found {
            src,
            path,
            line,
            text,
            origins: found,
            file,
        } = self;
        let (origins, exact) = found.unwrap_or((Vec::new(), true));
        let one = |o: &&Origin| {
            let (l, c) = src.line_col(o.span.offset);
            let mut v = serde_json::json!({
                "source": kind_name(&o.kind),
                "path": o.path,
                "value": o.text,
                "line": l,
                "column": c,
                "offset": o.span.offset,
                "length": o.span.len,
            });
            match &o.kind {
                LeafKind::Overlay(env) => v["environment"] = env.as_str().into(),
                LeafKind::Default(key) => v["property"] = (*key).into(),
                LeafKind::Written => {}
            }
            v
        };
        let origins: Vec<serde_json::Value> = origins.iter().map(one).collect();
        let file: Vec<serde_json::Value> = file.iter().map(one).collect();
        serde_json::json!({
            "file": path,
            "line": line,
            "text": text,
            "template_text": origins.is_empty(),
            "exact": exact,
            "origins": origins,
            "file_origins": file,
        })
    }
}

/// The origins of `path:line` in `prov`.
pub(crate) fn lookup<'p>(
    prov: &'p Provenance,
    path: &str,
    line: usize,
) -> Option<(Vec<&'p Origin>, bool)> {
    prov.line(path, line)
}
