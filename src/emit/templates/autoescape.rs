//! Auto-escaping: the formatter writes every `{{{ value }}}` as its
//! template's mode wants it (`*.yml`: JSON-quoted, `${{` broken up; `*.md`:
//! table-cell text; others: one line of text), without a filter call.

use std::borrow::Cow;
use std::fmt;

use minijinja::value::{Object, Value, ValueKind};
use minijinja::{AutoEscape, Error, ErrorKind, Output, State};

use super::escape::{
    as_text, json_hazards_escaped, json_plain, md_cell, md_plain, oneline_text, text, yaml_quote,
};
use super::rows::Rows;

/// The auto-escape mode of `*.md` templates.
pub(super) const MARKDOWN: &str = "markdown";

/// How a template writes a value, from its auto-escape mode (set by the
/// template's name, see `templates::compile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// `*.yml`: JSON-quoted, `${{` broken up.
    Yaml,
    /// `*.md`: table-cell text.
    Markdown,
    /// Anything else: one line of text.
    Text,
}

impl Mode {
    /// The mode of the template `state` renders.
    pub(super) fn of(state: &State<'_, '_>) -> Self {
        match state.auto_escape() {
            AutoEscape::Json => Self::Yaml,
            AutoEscape::Custom(name) if name == MARKDOWN => Self::Markdown,
            _ => Self::Text,
        }
    }
}

/// A GitHub Actions expression topogen built itself (`${{ secrets.NAME }}`
/// from an identifier-safe name): the one kind of value a workflow template
/// may write with `${{` intact.
///
/// GitHub evaluates `${{ }}` in every string of a workflow *after* parsing
/// the YAML, inside `run:` scripts too, so neither YAML nor shell quoting
/// makes one inert. Validation rejects such values in `cluster.kdl`; should
/// one get through, the formatter breaks it up (`$ {{`) in whatever a YAML
/// template writes, filtered or not, unless it is a `GhExpr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GhExpr(pub String);

impl Object for GhExpr {
    fn render(self: &std::sync::Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for GhExpr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if minijinja::value::serializing_for_value() {
            Value::from_object(self.clone()).serialize(s)
        } else {
            s.serialize_str(&self.0)
        }
    }
}

/// Breaks up every `${{` (see [`GhExpr`]).
fn defuse(s: &str) -> Cow<'_, str> {
    if s.contains("${{") {
        Cow::Owned(s.replace("${{", "$ {{"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Writes one `{{{ value }}}`: the template's auto-escape mode applied to it
/// (see the module documentation).
pub(super) fn format_value(
    out: &mut Output<'_>,
    state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    if crate::emit::provenance::active() {
        return format_recorded(out, state, value);
    }
    if let Some(rows) = value.downcast_object_ref::<Rows>() {
        return rows.write(out);
    }
    escape_auto(Mode::of(state), value, out)
}

/// [`format_value`] while provenance is recorded: the byte range the value
/// is written to, and its origins, are recorded. A value is written as
/// without recording; only one written into a capture (`{{% set x %}}…`),
/// which the file's byte count does not see, is written a second time, to a
/// string, to be placed when the captured text is.
fn format_recorded(
    out: &mut Output<'_>,
    state: &State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    use crate::emit::provenance;
    let start = provenance::WRITTEN.get();
    let mode = Mode::of(state);
    if let Some(rows) = value.downcast_object_ref::<Rows>() {
        let mark = provenance::mark();
        let mut buf = String::new();
        rows.write_recorded(start, &mut buf)?;
        out.write_str(&buf)?;
        if provenance::WRITTEN.get() == start + buf.len() {
            provenance::rows_written(start, &buf);
        } else {
            provenance::capture(mark, start, &buf);
        }
        return Ok(());
    }
    escape_auto(mode, value, out)?;
    provenance::formatted(start, provenance::WRITTEN.get(), value, || {
        let mut s = String::new();
        let _ = escape_auto(mode, value, &mut s);
        s
    });
    Ok(())
}

/// Writes `value` to `out` as the auto-escape mode `mode` writes it; a value
/// that needs no escaping is written without a copy.
pub(super) fn escape_auto(
    mode: Mode,
    value: &Value,
    out: &mut impl fmt::Write,
) -> Result<(), Error> {
    if !value.is_safe()
        && let Some(s) = value.as_str()
    {
        return escape_text(mode, s, out);
    }
    // an integer is its digits in every mode (JSON, Markdown, text), written
    // without the string the general paths below make of it
    if value.is_integer()
        && let Some(n) = value.as_i64()
    {
        return Ok(write!(out, "{n}")?);
    }
    match mode {
        Mode::Yaml => {
            if let Some(expr) = value.downcast_object_ref::<GhExpr>() {
                return Ok(out.write_str(&yaml_quote(&expr.0))?);
            }
            if value.is_safe() || value.kind() == ValueKind::Undefined {
                return Ok(out.write_str(&defuse(&text(value)))?);
            }
            // strings took escape_text above: what is left is numbers, lists, maps
            let json = serde_json::to_string(value).map_err(|e| {
                Error::new(ErrorKind::BadSerialization, "unable to format to JSON").with_source(e)
            })?;
            out.write_str(&defuse(&json_hazards_escaped(json)))?;
        }
        Mode::Markdown if !value.is_safe() => {
            out.write_str(&md_cell(&as_text(value)?))?;
        }
        _ if !value.is_safe() => out.write_str(&oneline_text(&text(value)))?,
        _ => out.write_str(&text(value))?,
    }
    Ok(())
}

/// [`escape_auto`] of a string value that is not marked safe.
pub(super) fn escape_text(mode: Mode, s: &str, out: &mut impl fmt::Write) -> Result<(), Error> {
    match mode {
        // quotes around it are the whole escaping, and there is no `${{`
        Mode::Yaml if json_plain(s) && !s.contains('$') => {
            out.write_char('"')?;
            out.write_str(s)?;
            out.write_char('"')?;
        }
        Mode::Yaml => out.write_str(&defuse(&yaml_quote(s)))?,
        Mode::Markdown if md_plain(s) => out.write_str(s)?,
        Mode::Markdown => out.write_str(&md_cell(s))?,
        // tfvars and pins: a value stays on its line, shows no hazard
        _ => out.write_str(&oneline_text(s))?,
    }
    Ok(())
}

/// Appends text a filter produced; in a YAML template, `${{` is broken up as
/// in anything else the template writes.
pub(super) fn push_filtered(filtered: &str, mode: Mode, out: &mut String) {
    if mode == Mode::Yaml {
        out.push_str(&defuse(filtered));
    } else {
        out.push_str(filtered);
    }
}

#[cfg(test)]
mod tests {
    use super::super::escape::{Filter, hazard};
    use super::super::tests::render_one;
    use super::*;

    /// Every auto-escape mode a template can have.
    const MODES: [Mode; 3] = [Mode::Yaml, Mode::Markdown, Mode::Text];

    /// Every hazard, alone and between letters, through every filter and
    /// auto-escape mode: none is written as it is.
    #[test]
    fn no_filter_or_mode_writes_a_hazard() {
        let hazards = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| hazard(c))
            .collect::<Vec<_>>();
        // C0, DEL, C1, U+061C, U+200E/F, U+2028/9, U+202A-E, U+2066-9, BOM, FFFE/F
        assert_eq!(hazards.len(), 32 + 1 + 32 + 1 + 2 + 2 + 5 + 4 + 3);
        let filters = Filter::TEMPLATE_FILTERS.map(|(_, f)| f);
        for c in hazards {
            for s in [c.to_string(), format!("a{c}b"), format!("é{c}${{{{")] {
                for f in filters {
                    let mut out = String::new();
                    f.push_str(&s, &mut out);
                    assert!(!out.contains(c), "{f:?} writes {c:?} as it is: {out:?}");
                }
                for mode in MODES {
                    let mut out = String::new();
                    escape_text(mode, &s, &mut out).unwrap();
                    assert!(!out.contains(c), "{mode:?} writes {c:?} as it is: {out:?}");
                    let mut out = String::new();
                    escape_auto(mode, &Value::from(vec![s.clone()]), &mut out).unwrap();
                    assert!(
                        !out.contains(c),
                        "{mode:?} writes a list with {c:?}: {out:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_fast_paths_write_what_the_filters_write() {
        let mut samples: Vec<String> = (0u8..128).map(|b| format!("a{}b", b as char)).collect();
        samples.extend(
            [
                "",
                "10.0.1.20",
                "kafka-0",
                "dev-k3s-worker-12",
                "it's",
                "a\"b",
                "a\\b",
                "${{ github.token }}",
                "$x",
                "%{ if }",
                "${var.x}",
                "ü",
                "\u{2028}",
                "a\u{85}b\u{202e}",
                "10 € – ₂",
                "a|b",
                "<x>",
                "`x`",
                "$\u{1}{{",
            ]
            .map(str::to_owned),
        );
        let filters = Filter::TEMPLATE_FILTERS.map(|(_, f)| f);
        for s in &samples {
            for f in filters {
                let mut fast = String::new();
                f.push_str(s, &mut fast);
                assert_eq!(fast, f.text_str(s), "{s:?}");
                // why `rows` skips `defuse` for text without a `$`
                if !s.contains('$') {
                    assert_eq!(defuse(&fast), fast, "{s:?}");
                }
            }
            for mode in MODES {
                let (mut text, mut value) = (String::new(), String::new());
                escape_text(mode, s, &mut text).unwrap();
                // the general path, as a template value takes it
                match mode {
                    Mode::Yaml => value.push_str(&defuse(&yaml_quote(s))),
                    Mode::Markdown => value.push_str(&md_cell(s)),
                    _ => value.push_str(&oneline_text(s)),
                }
                assert_eq!(text, value, "{s:?} {mode:?}");
            }
        }
        // integers: their digits, as the general path writes them
        for n in [0i64, 7, 31001, -5, i64::MAX, i64::MIN] {
            let v = Value::from(n);
            for mode in MODES {
                let mut fast = String::new();
                escape_auto(mode, &v, &mut fast).unwrap();
                let general = match mode {
                    Mode::Yaml => serde_json::to_string(&v).unwrap(),
                    Mode::Markdown => md_cell(&v.to_string()),
                    _ => v.to_string(),
                };
                assert_eq!(fast, general, "{n} {mode:?}");
            }
        }
    }

    #[test]
    fn yaml_templates_break_up_expressions_but_not_their_own() {
        let ctx = minijinja::context! {
            hostile => "${{ github.token }}",
            own => Value::from_object(GhExpr("${{ secrets.X }}".into())),
        };
        let out = render_one(
            "t.yml",
            "{{{ hostile }}} {{{ hostile|sh }}} {{{ own }}}",
            ctx,
        )
        .unwrap();
        assert_eq!(
            out,
            "\"$ {{ github.token }}\" '$ {{ github.token }}' \"${{ secrets.X }}\""
        );
    }
}
