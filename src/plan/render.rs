//! `topogen plan`'s three formats: human (grouped by class), Markdown (a
//! pull-request comment) and the JSON `plan` member (docs/formats.md).
//!
//! Every text from `cluster.kdl` passes [`shown`] (and, in Markdown, the
//! table-cell escaping), in every format.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Change, Class, EnvPlan, Side};
use crate::source::Source;
use crate::term::shown;

/// The two files a plan's spans point into.
pub(crate) struct Files<'a> {
    /// The working `cluster.kdl`.
    pub(crate) new: &'a Source,
    /// The base, as named for people (`HEAD:cluster.kdl`, a path).
    pub(crate) base: &'a Source,
}

impl Files<'_> {
    /// `file:line:column` of a change's span.
    fn at(&self, c: &Change) -> (String, usize, usize) {
        let src = match c.side {
            Side::New => self.new,
            Side::Base => self.base,
        };
        let (line, col) = src.line_col(c.span.offset);
        (shown(&src.name).into_owned(), line, col)
    }
}

fn eur(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |x| format!("€{x:.2}"))
}

fn cost_line(p: &EnvPlan) -> String {
    let delta = match (p.cost_before, p.cost_after) {
        (Some(b), Some(a)) if (a - b).abs() >= 0.005 => {
            format!(" ({}€{:.2})", if a > b { "+" } else { "−" }, (a - b).abs())
        }
        _ => String::new(),
    };
    let unpriced = if p.unpriced.is_empty() {
        String::new()
    } else {
        format!(
            "; without the pools whose server type has no price: {}",
            shown(&p.unpriced.join(", "))
        )
    };
    format!(
        "cost per month (always on): {} → {}{delta}{unpriced}",
        eur(p.cost_before),
        eur(p.cost_after)
    )
}

fn counts(p: &EnvPlan) -> String {
    let parts: Vec<String> = Class::WORST_FIRST
        .iter()
        .filter_map(|class| {
            let n = p.changes.iter().filter(|c| c.class == *class).count();
            (n > 0).then(|| format!("{n} {}", class.as_str()))
        })
        .collect();
    if parts.is_empty() {
        "no changes".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The human format: per environment, the changes grouped by class, worst
/// first; the class names coloured when `color`.
pub(crate) fn human(plans: &[EnvPlan], files: &Files<'_>, color: bool) -> String {
    let mut out = String::new();
    for (i, p) in plans.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "environment {}: {}", shown(&p.env), counts(p));
        let _ = writeln!(out, "  {}", cost_line(p));
        for class in Class::WORST_FIRST {
            let group: Vec<&Change> = p.changes.iter().filter(|c| c.class == class).collect();
            if group.is_empty() {
                continue;
            }
            let (on, off) = match (color, class) {
                (false, _) => ("", ""),
                (true, Class::Destructive) => ("\x1b[1;31m", "\x1b[0m"),
                (true, Class::Disruptive) => ("\x1b[1;33m", "\x1b[0m"),
                (true, Class::InPlace) => ("\x1b[1;36m", "\x1b[0m"),
                (true, Class::Additive) => ("\x1b[1;32m", "\x1b[0m"),
            };
            let _ = writeln!(out, "\n  {on}{}{off}", class.as_str());
            for c in group {
                let (file, line, col) = files.at(c);
                let _ = writeln!(out, "    {}", shown(&c.summary));
                let _ = writeln!(out, "      at {file}:{line}:{col}");
                for r in &c.reasons {
                    let _ = writeln!(out, "      because {}", shown(r));
                }
                for n in &c.notes {
                    let _ = writeln!(out, "      note: {}", shown(n));
                }
            }
        }
    }
    if super::destructive(plans) {
        out.push_str("\nsomething is destructive: data or identity is lost (exit 3)\n");
    }
    out
}

fn cell(s: &str) -> String {
    crate::emit::templates::md_cell(&shown(s))
}

/// The Markdown format: a pull-request comment, one table per environment.
pub(crate) fn markdown(plans: &[EnvPlan], files: &Files<'_>) -> String {
    let mut out = String::from("## topogen plan\n\n");
    if super::destructive(plans) {
        out.push_str(
            "**Destructive:** this change loses data or identity; review it with care.\n\n",
        );
    }
    for p in plans {
        let _ = writeln!(out, "### `{}`: {}\n", cell(&p.env), counts(p));
        let _ = writeln!(out, "{}\n", cost_line(p));
        if p.changes.is_empty() {
            continue;
        }
        out.push_str("| class | change | cause |\n|---|---|---|\n");
        for c in &p.changes {
            let (file, line, _) = files.at(c);
            let mut what = cell(&c.summary);
            for r in &c.reasons {
                let _ = write!(what, "<br>because {}", cell(r));
            }
            for n in &c.notes {
                let _ = write!(what, "<br>*{}*", cell(n));
            }
            let _ = writeln!(
                out,
                "| {} | {what} | {}:{line}{} |",
                c.class.as_str(),
                cell(&file),
                if c.side == Side::Base { " (base)" } else { "" }
            );
        }
        out.push('\n');
    }
    out
}

/// The JSON `plan` member: one object per environment (docs/formats.md).
pub(crate) fn json(plans: &[EnvPlan], files: &Files<'_>) -> Value {
    let envs: Vec<Value> = plans
        .iter()
        .map(|p| {
            let changes: Vec<Value> = p
                .changes
                .iter()
                .map(|c| {
                    let (file, line, column) = files.at(c);
                    json!({
                        "class": c.class,
                        "kind": c.kind,
                        "subject": shown(&c.subject),
                        "summary": shown(&c.summary),
                        "reasons": c.reasons.iter().map(|r| shown(r)).collect::<Vec<_>>(),
                        "notes": c.notes.iter().map(|n| shown(n)).collect::<Vec<_>>(),
                        "side": c.side,
                        "file": file,
                        "line": line,
                        "column": column,
                        "offset": c.span.offset,
                        "length": c.span.len,
                    })
                })
                .collect();
            json!({
                "environment": shown(&p.env),
                "worst": p.worst(),
                "cost_before_eur": p.cost_before,
                "cost_after_eur": p.cost_after,
                "unpriced_pools": p.unpriced.iter().map(|x| shown(x)).collect::<Vec<_>>(),
                "changes": changes,
            })
        })
        .collect();
    json!({
        "destructive": super::destructive(plans),
        "environments": envs,
    })
}
