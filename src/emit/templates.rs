//! The minijinja environment: embedded templates, the user's overlay, and the
//! escaping filters.
//!
//! Templates live in `templates/` and are embedded in the binary, so an
//! installed `topogen` works anywhere. `--templates DIR` overlays them by
//! name, Nix-style: a file in DIR with the same relative path replaces the
//! built-in one; every other template stays built in.
//!
//! Workflows contain GitHub's `${{ }}` and shell scripts contain `${#x}`, so
//! the delimiters get an extra brace instead of escaping everywhere:
//! `{{{ value }}}`, `{{% if %}}`, `{{# comment #}}`.
//!
//! Every value from `cluster.kdl` that lands in a script or HCL goes through
//! the filter for that language (`sh`, `hcl`). Templates named `*.yml` /
//! `*.yaml` auto-escape (JSON-quote) anything unfiltered and break up any
//! `${{` a value brings (see [`GhExpr`]); `*.md` templates auto-escape every
//! value as Markdown table-cell text ([`md_cell`]); any other template
//! (tfvars, pins) writes a value as one line of text ([`oneline_text`]).
//! Every filter and mode writes a [`hazard`] (a control, a Unicode line
//! break, a bidi control) escaped. No value from `cluster.kdl` or the
//! command line goes through `safe`. Auto-escaping is done by
//! the formatter, without a filter call per value: TOPOLOGY.md writes a few
//! values per node, and a filter call costs about as much as the rest of
//! the write (issue 6).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use include_dir::{Dir, include_dir};
use minijinja::syntax::SyntaxConfig;

use super::context::{NodeCtx, TextField};
use minijinja::value::{Kwargs, Object, ObjectRepr, Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior};

static BUILT_IN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The template set of one run: built-in templates plus the user's overlay.
pub struct Templates {
    env: Environment<'static>,
    overridden: Vec<String>,
}

/// The user's template directory could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TemplateError {
    /// Reading the overlay failed.
    #[error("cannot read template overlay `{path}`: {message}")]
    #[diagnostic(
        code(topogen::template::overlay),
        help(
            "--templates takes a directory laid out like topogen's templates/ (see `topogen templates`)"
        )
    )]
    Overlay {
        /// The file or directory.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A template does not parse.
    #[error("template `{name}` does not parse: {message}")]
    #[diagnostic(code(topogen::template::syntax))]
    Syntax {
        /// Template name.
        name: String,
        /// minijinja's message.
        message: String,
    },
    /// An overlay template has a name topogen does not use.
    #[error("`{name}` in the template overlay replaces no built-in template")]
    #[diagnostic(
        code(topogen::template::unknown),
        help(
            "built-in templates are listed by `topogen templates`; a typo here would be silently ignored"
        )
    )]
    Unknown {
        /// The file's relative path.
        name: String,
    },
}

fn syntax() -> SyntaxConfig {
    SyntaxConfig::builder()
        .block_delimiters("{{%", "%}}")
        .variable_delimiters("{{{", "}}}")
        .comment_delimiters("{{#", "#}}")
        .build()
        .expect("static delimiters are valid")
}

/// Names of every built-in template, sorted.
pub fn built_in_names() -> Vec<String> {
    fn walk(dir: &Dir<'_>, out: &mut Vec<String>) {
        for f in dir.files() {
            if f.path()
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            out.push(f.path().to_string_lossy().replace('\\', "/"));
        }
        for d in dir.dirs() {
            walk(d, out);
        }
    }
    let mut out = Vec::new();
    walk(&BUILT_IN, &mut out);
    out.sort();
    out
}

/// The text of a built-in template.
pub fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN.get_file(name).and_then(|f| f.contents_utf8())
}

/// The text of every template of a run: the built-in ones, with a
/// `--templates` directory on top.
pub struct Sources {
    texts: BTreeMap<String, Cow<'static, str>>,
    overridden: Vec<String>,
}

impl Sources {
    /// Reads the overlay; a file that does not replace a built-in template is an error.
    pub fn load(overlay: Option<&Path>) -> Result<Self, TemplateError> {
        let mut texts: BTreeMap<String, Cow<'static, str>> = built_in_names()
            .into_iter()
            .filter_map(|n| built_in(&n).map(|t| (n, Cow::Borrowed(t))))
            .collect();
        let mut overridden = Vec::new();
        if let Some(dir) = overlay {
            for (name, text) in read_overlay(dir, &texts)? {
                texts.insert(name.clone(), Cow::Owned(text));
                overridden.push(name);
            }
        }
        Ok(Self { texts, overridden })
    }

    /// The replaced templates: name and text, by name.
    pub fn overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        self.overridden
            .iter()
            .filter_map(|n| self.texts.get(n).map(|t| (n.as_str(), t.as_ref())))
    }
}

impl Templates {
    /// The built-in templates, with `overlay` (a `--templates` directory) on top.
    pub fn new(overlay: Option<&Path>) -> Result<Self, TemplateError> {
        Self::compile(Sources::load(overlay)?)
    }

    /// Compiles every template of `sources`.
    pub fn compile(sources: Sources) -> Result<Self, TemplateError> {
        let Sources { texts, overridden } = sources;
        let mut env = Environment::new();
        env.set_syntax(syntax());
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_fuel(Some(crate::source::MAX_TEMPLATE_FUEL));
        super::budget::guard_filters(&mut env);
        env.set_auto_escape_callback(|name| {
            let name = name.strip_suffix(".j2").unwrap_or(name);
            if name.ends_with(".yml") || name.ends_with(".yaml") {
                AutoEscape::Json
            } else if name.ends_with(".md") {
                AutoEscape::Custom(MARKDOWN)
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(format_value);
        for (name, filter) in Filter::TEMPLATE_FILTERS {
            env.add_filter(name, move |v: Value| {
                Ok::<_, Error>(Value::from_safe_string(filter.text(&v)?.into_owned()))
            });
        }
        env.add_filter("shwords", shwords);
        env.add_filter("eur", eur);
        env.add_filter("rows", rows);
        for (name, text) in texts {
            env.add_template_owned(name.clone(), text)
                .map_err(|e| TemplateError::Syntax {
                    name,
                    message: e.to_string(),
                })?;
        }
        Ok(Self { env, overridden })
    }

    /// Renders template `name` with `ctx`.
    pub fn render<S: serde::Serialize>(
        &self,
        name: &str,
        ctx: S,
    ) -> Result<String, super::EmitError> {
        let err = |e: Error| super::EmitError {
            template: name.to_owned(),
            message: format!("{e:#}"),
        };
        let t = self.env.get_template(name).map_err(err)?;
        super::budget::render(&t, ctx).map_err(|message| super::EmitError {
            template: name.to_owned(),
            message,
        })
    }

    /// Templates replaced by the overlay.
    pub fn overridden(&self) -> &[String] {
        &self.overridden
    }
}

/// Every template of the overlay `dir`, by name. The overlay is read
/// through [`crate::fsutil`]: `dir` as the user named it, everything in it
/// without following a link (a link, a loop of links or a FIFO is an error
/// naming it), each file capped; a file or directory that can replace no
/// built-in template is an error, which also bounds how deep the walk goes.
fn read_overlay(
    dir: &Path,
    built_in: &BTreeMap<String, Cow<'static, str>>,
) -> Result<Vec<(String, String)>, TemplateError> {
    use crate::fsutil::{Dir, Kind, MAX_READ, lossy};
    let overlay_err = |e: crate::fsutil::FsError| TemplateError::Overlay {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut out = Vec::new();
    let mut stack = vec![(Dir::open_named(dir).map_err(overlay_err)?, String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for (entry, kind) in d.entries().map_err(overlay_err)? {
            let name = format!("{prefix}{}", lossy(&entry));
            match kind {
                Kind::Dir => {
                    let sub = format!("{name}/");
                    if !built_in.keys().any(|k| k.starts_with(&sub)) {
                        return Err(TemplateError::Unknown { name: sub });
                    }
                    if let Some(s) = d.sub(&entry).map_err(overlay_err)? {
                        stack.push((s, sub));
                    }
                }
                _ if !built_in.contains_key(&name) => return Err(TemplateError::Unknown { name }),
                Kind::File | Kind::Link | Kind::Other(_) => {
                    let bytes = d
                        .read(&entry, MAX_READ)
                        .map_err(overlay_err)?
                        .unwrap_or_default();
                    let text = String::from_utf8(bytes).map_err(|_| TemplateError::Overlay {
                        path: d.show(&entry),
                        message: "not valid UTF-8".into(),
                    })?;
                    out.push((name, text));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The auto-escape mode of `*.md` templates.
const MARKDOWN: &str = "markdown";

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
pub struct GhExpr(pub String);

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
fn format_value(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), Error> {
    if let Some(rows) = value.downcast_object_ref::<Rows>() {
        return rows.write(out);
    }
    escape_auto(state.auto_escape(), value, out)
}

/// Writes `value` to `out` as the auto-escape mode `mode` writes it; a value
/// that needs no escaping is written without a copy.
fn escape_auto(mode: AutoEscape, value: &Value, out: &mut impl fmt::Write) -> Result<(), Error> {
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
        AutoEscape::Json => {
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
        AutoEscape::Custom(MARKDOWN) if !value.is_safe() => {
            out.write_str(&md_cell(&as_text(value)?))?;
        }
        _ if !value.is_safe() => out.write_str(&oneline_text(&text(value)))?,
        _ => out.write_str(&text(value))?,
    }
    Ok(())
}

/// [`escape_auto`] of a string value that is not marked safe.
fn escape_text(mode: AutoEscape, s: &str, out: &mut impl fmt::Write) -> Result<(), Error> {
    match mode {
        // quotes around it are the whole escaping, and there is no `${{`
        AutoEscape::Json if json_plain(s) && !s.contains('$') => {
            out.write_char('"')?;
            out.write_str(s)?;
            out.write_char('"')?;
        }
        AutoEscape::Json => out.write_str(&defuse(&yaml_quote(s)))?,
        AutoEscape::Custom(MARKDOWN) if md_plain(s) => out.write_str(s)?,
        AutoEscape::Custom(MARKDOWN) => out.write_str(&md_cell(s))?,
        // tfvars and pins: a value stays on its line, shows no hazard
        _ => out.write_str(&oneline_text(s))?,
    }
    Ok(())
}

/// A value's text, borrowed when it is a string.
fn text(value: &Value) -> Cow<'_, str> {
    match value.as_str() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(value.to_string()),
    }
}

/// One piece of a [`rows`] format.
enum Piece<'a> {
    /// Text copied as it is.
    Text(&'a str),
    /// `{field}` or `{field|filter}`.
    Field(&'a str, Option<Filter>),
}

/// An escaping filter: the template filter of that name, and what [`rows`]
/// applies to a field (`{ip|hcl}`) — one definition for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Filter {
    Sh,
    Hcl,
    Yaml,
    Md,
    Mermaid,
    Oneline,
}

impl Filter {
    /// The escaping filters, by template name.
    const TEMPLATE_FILTERS: [(&'static str, Self); 6] = [
        ("sh", Self::Sh),
        ("hcl", Self::Hcl),
        ("yaml", Self::Yaml),
        ("md", Self::Md),
        ("mermaid", Self::Mermaid),
        ("oneline", Self::Oneline),
    ];

    fn by_name(name: &str) -> Option<Self> {
        Self::TEMPLATE_FILTERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, f)| f)
    }

    /// `value` escaped by this filter (an undefined or none value is an error).
    fn text(self, value: &Value) -> Result<Cow<'_, str>, Error> {
        let text = as_text(value)?;
        // integers and booleans bare in HCL, everything else quoted
        if self == Self::Hcl && (integer(value).is_some() || value.kind() == ValueKind::Bool) {
            return Ok(text);
        }
        Ok(match text {
            Cow::Borrowed(s) => self.text_str(s),
            Cow::Owned(s) => Cow::Owned(self.text_str(&s).into_owned()),
        })
    }

    /// Appends text `s` escaped by this filter ([`Filter::text_str`]),
    /// without an intermediate string when it needs no escaping.
    fn push_str(self, s: &str, out: &mut String) {
        match self {
            Self::Sh if sh_plain(s) => out.push_str(s),
            Self::Md if md_plain(s) => out.push_str(s),
            Self::Hcl if hcl_plain(s) => push_quoted(out, s),
            Self::Yaml if json_plain(s) => push_quoted(out, s),
            _ => out.push_str(&self.text_str(s)),
        }
    }

    /// Text `s` escaped by this filter: [`Filter::text`] of a string value.
    fn text_str(self, s: &str) -> Cow<'_, str> {
        match self {
            Self::Sh => sh_quote(s).into(),
            Self::Hcl => hcl_quote(s).into(),
            Self::Yaml => yaml_quote(s).into(),
            Self::Md => md_cell(s).into(),
            Self::Mermaid => mermaid_label(s).into(),
            Self::Oneline => oneline_text(s),
        }
    }
}

/// Appends text a filter produced; in a YAML template, `${{` is broken up as
/// in anything else the template writes.
fn push_filtered(filtered: &str, mode: AutoEscape, out: &mut String) {
    if mode == AutoEscape::Json {
        out.push_str(&defuse(filtered));
    } else {
        out.push_str(filtered);
    }
}

fn parse_row_format(format: &str) -> Result<Vec<Piece<'_>>, Error> {
    let bad = |why: &str| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("rows format {format:?}: {why}"),
        )
    };
    let mut pieces = Vec::new();
    let mut rest = format;
    while let Some(open) = rest.find(['{', '}']) {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let brace = &rest[open..open + 1];
        if rest[open + 1..].starts_with(brace) {
            // `{{` and `}}` are a literal brace
            pieces.push(Piece::Text(brace));
            rest = &rest[open + 2..];
            continue;
        }
        if brace == "}" {
            return Err(bad("a lone `}` (write `}}`)"));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| bad("a `{` without its `}`"))?;
        let spec = &rest[open + 1..open + close];
        let (field, filter) = match spec.split_once('|') {
            Some((f, name)) => (f.trim(), Some(name.trim())),
            None => (spec.trim(), None),
        };
        let filter = match filter {
            None => None,
            Some(name) => Some(
                Filter::by_name(name).ok_or_else(|| bad(&format!("no filter `{name}` in rows")))?,
            ),
        };
        if field.is_empty() {
            return Err(bad("an empty `{}`"));
        }
        pieces.push(Piece::Field(field, filter));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// `items|rows(format, name=value…)`: one line per item, `format` with every
/// `{field}` replaced by that attribute of the item (or by a keyword
/// argument of that name; `{.}` is the item itself), escaped as the template
/// auto-escapes values, or by the filter in `{field|sh}` (`sh`, `hcl`,
/// `yaml`, `md`, `mermaid`, `oneline`; there is no `safe`); `{{` and `}}`
/// are literal braces. Lines are joined by line breaks, without a final one.
///
/// A table row per node written by a template loop cost about 5,500
/// instructions; the same row here costs about 650 (issue 6,
/// BENCHMARKS.md). The row's layout stays in the template.
fn rows(state: &State<'_, '_>, items: Value, format: &str, extra: Kwargs) -> Result<Value, Error> {
    parse_row_format(format)?;
    let extra = extra
        .args()
        .map(|k| Ok((k.to_owned(), extra.get::<Value>(k)?)))
        .collect::<Result<_, Error>>()?;
    // a format or a value that is not a list is reported at the call, not
    // when the rows are written
    items.try_iter()?;
    Ok(Value::from_object(Rows {
        items,
        format: format.to_owned(),
        extra,
        mode: state.auto_escape(),
    }))
}

/// What [`rows`] returns: the formatter writes it straight into the
/// template's output (at 1,000 nodes TOPOLOGY.md's node table is 300 KB that
/// would otherwise be built as a string, then copied); anything else that
/// reads it (another filter) gets the same text from `render`.
#[derive(Debug)]
struct Rows {
    items: Value,
    format: String,
    extra: Vec<(String, Value)>,
    /// The auto-escape mode of the template that called `rows`.
    mode: AutoEscape,
}

impl Object for Rows {
    fn repr(self: &std::sync::Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn render(self: &std::sync::Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f).map_err(|_| fmt::Error)
    }
}

/// A piece of a row format, looked up once for every item.
enum Slot<'a> {
    /// Text copied as it is: the format's own, or a keyword argument
    /// escaped once (it is the same in every row).
    Text(Cow<'a, str>),
    /// A field of the item; `text` when nodes have it as a text field.
    Field {
        name: &'a str,
        text: Option<TextField>,
        filter: Option<Filter>,
    },
    /// A keyword argument that is undefined: an error in any row.
    Undefined(&'a str),
}

impl Rows {
    /// Writes the rows to `out`, through a small buffer: the row pieces are
    /// appended to a string, which goes to `out` a few kilobytes at a time.
    fn write(&self, out: &mut impl fmt::Write) -> Result<(), Error> {
        const FLUSH: usize = 8 << 10;
        let slots = self.slots(&parse_row_format(&self.format)?)?;
        let mut buf = String::with_capacity(FLUSH + 512);
        for (i, item) in self.items.try_iter()?.enumerate() {
            if i > 0 {
                buf.push('\n');
            }
            self.row(&item, &slots, &mut buf)?;
            if buf.len() >= FLUSH {
                out.write_str(&buf)?;
                buf.clear();
            }
        }
        out.write_str(&buf)?;
        Ok(())
    }

    /// The format's pieces with each field looked up: keyword arguments
    /// written out, node fields found by name once.
    fn slots<'a>(&'a self, pieces: &[Piece<'a>]) -> Result<Vec<Slot<'a>>, Error> {
        pieces
            .iter()
            .map(|piece| {
                Ok(match *piece {
                    Piece::Text(t) => Slot::Text(Cow::Borrowed(t)),
                    Piece::Field(name, filter) => {
                        match self.extra.iter().find(|(k, _)| k == name) {
                            Some((_, v)) if v.is_undefined() => Slot::Undefined(name),
                            Some((_, v)) => {
                                let mut text = String::new();
                                match filter {
                                    Some(f) => push_filtered(&f.text(v)?, self.mode, &mut text),
                                    None => escape_auto(self.mode, v, &mut text)?,
                                }
                                Slot::Text(Cow::Owned(text))
                            }
                            None => Slot::Field {
                                name,
                                text: TextField::named(name),
                                filter,
                            },
                        }
                    }
                })
            })
            .collect()
    }

    /// Appends the row of `item`.
    fn row(&self, item: &Value, slots: &[Slot<'_>], out: &mut String) -> Result<(), Error> {
        let mode = self.mode;
        // a node's text fields are read in place, not made into values
        let node = item.downcast_object_ref::<NodeCtx>();
        for slot in slots {
            let (name, filter) = match slot {
                Slot::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Slot::Undefined(name) => (*name, None),
                Slot::Field { name, text, filter } => {
                    if let (Some(node), Some(field)) = (node, text) {
                        let s = node.text(*field);
                        match filter {
                            // no filter makes `${{` of text without a `$`
                            Some(f) if mode != AutoEscape::Json || !s.contains('$') => {
                                f.push_str(s, out)
                            }
                            Some(f) => push_filtered(&f.text_str(s), mode, out),
                            None => escape_text(mode, s, out)?,
                        }
                        continue;
                    }
                    (*name, *filter)
                }
            };
            let value = match slot {
                Slot::Undefined(_) => Value::UNDEFINED,
                _ if name == "." => item.clone(),
                _ => item.get_attr(name)?,
            };
            if value.is_undefined() {
                return Err(Error::new(
                    ErrorKind::UndefinedError,
                    format!("rows: no `{name}` in {item}"),
                ));
            }
            match filter {
                Some(f) => push_filtered(&f.text(&value)?, mode, out),
                None => escape_auto(mode, &value, out)?,
            }
        }
        Ok(())
    }
}

fn as_text(v: &Value) -> Result<Cow<'_, str>, Error> {
    if v.is_undefined() || v.is_none() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "cannot quote an undefined or none value",
        ));
    }
    Ok(text(v))
}

/// Quotes a value as one shell word, inert in any context: single quotes, and
/// `$'…'` ANSI-C quoting when it holds a [`hazard`] (so that it stays on one
/// line inside a YAML block scalar, and no bidi control reorders the script
/// a reviewer reads): the hazard is written as its UTF-8 bytes (`\xe2\x80\xa8`),
/// which every shell with `$'…'` reads in any locale.
pub fn sh_quote(s: &str) -> String {
    if sh_plain(s) {
        return s.to_owned();
    }
    if s.chars().any(hazard) {
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if hazard(c) => {
                    for b in c.encode_utf8(&mut [0u8; 4]).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            out.push_str("'\\''");
        }
        out.push_str(part);
    }
    out.push('\'');
    out
}

/// `items|shwords` or `items|shwords("attribute")`: a list as shell words,
/// each item (or that attribute of each item) [`sh_quote`]d, separated by
/// spaces — one filter call for a pool's nodes, not one per node.
fn shwords(v: Value, attribute: Option<&str>) -> Result<Value, Error> {
    let mut out = String::new();
    for item in v.try_iter()? {
        if !out.is_empty() {
            out.push(' ');
        }
        let Some(name) = attribute else {
            out.push_str(&Filter::Sh.text(&item)?);
            continue;
        };
        match item
            .downcast_object_ref::<NodeCtx>()
            .and_then(|n| n.text_field(name))
        {
            Some(s) => Filter::Sh.push_str(s, &mut out),
            None => out.push_str(&Filter::Sh.text(&item.get_attr(name)?)?),
        }
    }
    Ok(Value::from_safe_string(out))
}

/// An HCL string literal: escapes quotes, backslashes, every [`hazard`]
/// (`\u2028`) and the template sequences `${` and `%{`.
pub fn hcl_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    if hcl_plain(s) {
        out.push_str(s);
        out.push('"');
        return out;
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if hazard(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The value as an integer, if it is one (`Value::as_i64` on a string builds
/// an error to say it is not: ~850 instructions per call).
fn integer(v: &Value) -> Option<i64> {
    (v.kind() == ValueKind::Number)
        .then(|| v.as_i64())
        .flatten()
}

/// Whether `c` breaks a line to some reader of a generated file, or hides or
/// reorders the text a reviewer sees: every C0 and C1 control (DEL, NEL
/// and tab included), the Unicode line and paragraph separators (line
/// breaks to YAML 1.1 readers such as PyYAML and libyaml), the bidirectional
/// controls (U+061C, U+200E–F, U+202A–E, U+2066–9), the byte-order mark and
/// U+FFFE/U+FFFF, which YAML does not allow. Every escaping filter and
/// auto-escape mode writes these escaped, never as they are.
pub(crate) fn hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFFE}'
                | '\u{FFFF}'
        )
}

/// A YAML double-quoted scalar: JSON string syntax (valid YAML), with every
/// [`hazard`] JSON leaves as it is (DEL, C1, U+2028, bidi controls) written
/// as `\uXXXX` too.
pub fn yaml_quote(s: &str) -> String {
    json_hazards_escaped(serde_json::to_string(s).expect("strings always serialise"))
}

/// serde_json's text with every [`hazard`] it left as it is written `\uXXXX`.
/// JSON text holds a character other than ASCII only inside a string, where
/// `\uXXXX` is the same character (to JSON and to YAML).
fn json_hazards_escaped(json: String) -> String {
    if text_plain(&json) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        if hazard(c) {
            push_u4(c, &mut out);
        } else {
            out.push(c);
        }
    }
    out
}

/// Appends `\uXXXX` (JSON, YAML and HCL escape; every hazard is in the BMP).
fn push_u4(c: char, out: &mut String) {
    use fmt::Write as _;
    let _ = write!(out, "\\u{:04x}", c as u32);
}

/// Appends `\u{…}`: a hazard made visible in text that has no escapes of
/// its own (comments, Markdown).
fn push_visible(c: char, out: &mut String) {
    use fmt::Write as _;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// The bytes each escaping function leaves alone, as tables: the fast paths
/// below test every byte of every value written, and a lookup is cheaper
/// than a chain of comparisons (issue 6).
#[derive(Clone, Copy)]
enum Plain {
    /// ASCII letters and digits, and the listed bytes.
    AlnumAnd,
    /// Printable ASCII (space to `~`) but the listed bytes.
    PrintableBut,
    /// Any byte from the space up (UTF-8 included) but DEL, the first bytes
    /// of a [`hazard`] beyond ASCII, and the listed bytes.
    TextBut,
}

/// The first UTF-8 byte of every [`hazard`] above DEL: C2 (U+0080–U+009F),
/// D8 (U+061C), E2 (U+2028, U+200E…), EF (U+FEFF, U+FFFE). A string without
/// these bytes and without bytes below the space has no hazard; one with
/// them is looked at character by character.
const HAZARD_LEADS: &[u8] = b"\x7f\xc2\xd8\xe2\xef";

const fn byte_table(kind: Plain, listed: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut is_listed = false;
        let mut j = 0;
        while j < listed.len() {
            is_listed |= listed[j] == b;
            j += 1;
        }
        let mut is_lead = false;
        let mut j = 0;
        while j < HAZARD_LEADS.len() {
            is_lead |= HAZARD_LEADS[j] == b;
            j += 1;
        }
        table[i] = match kind {
            Plain::AlnumAnd => b.is_ascii_alphanumeric() || is_listed,
            Plain::PrintableBut => b >= b' ' && b <= b'~' && !is_listed,
            Plain::TextBut => b >= b' ' && !is_lead && !is_listed,
        };
        i += 1;
    }
    table
}

static SH_PLAIN: [bool; 256] = byte_table(Plain::AlnumAnd, b"-_./:=+@%,");
static HCL_PLAIN: [bool; 256] = byte_table(Plain::PrintableBut, b"\"\\$%");
static MD_PLAIN: [bool; 256] = byte_table(Plain::PrintableBut, b"|<>`\\");
static JSON_PLAIN: [bool; 256] = byte_table(Plain::TextBut, b"\"\\");
static TEXT_PLAIN: [bool; 256] = byte_table(Plain::TextBut, b"");

/// True when [`sh_quote`] returns `s` unchanged.
fn sh_plain(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| SH_PLAIN[usize::from(b)])
}

/// True when [`hcl_quote`] only puts `s` between double quotes.
fn hcl_plain(s: &str) -> bool {
    s.bytes().all(|b| HCL_PLAIN[usize::from(b)])
}

/// True when [`yaml_quote`] only puts `s` between double quotes: JSON
/// escapes `"`, `\` and the control characters below U+0020, and
/// [`yaml_quote`] every other [`hazard`].
fn json_plain(s: &str) -> bool {
    s.bytes().all(|b| JSON_PLAIN[usize::from(b)])
}

/// True when `s` certainly has no [`hazard`] (see [`HAZARD_LEADS`]).
fn text_plain(s: &str) -> bool {
    s.bytes().all(|b| TEXT_PLAIN[usize::from(b)])
}

/// Appends `s` between double quotes.
fn push_quoted(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// A character that ends a line to some reader (YAML 1.1 counts NEL, U+2028
/// and U+2029), or white space a comment may as well show as a space.
fn line_break_or_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Text for a one-line comment (`#` in tfvars and YAML) and for templates
/// without an auto-escape mode: every line break becomes a space, every
/// other [`hazard`] is shown as `\u{…}`.
pub fn oneline_text(s: &str) -> Cow<'_, str> {
    if text_plain(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if line_break_or_space(c) {
            out.push(' ');
        } else if hazard(c) {
            push_visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True when [`md_cell`] would return `s` unchanged.
fn md_plain(s: &str) -> bool {
    s.bytes().all(|b| MD_PLAIN[usize::from(b)])
}

/// Text for a Markdown table cell: pipes, backslashes, backticks and HTML neutralised,
/// line breaks as spaces, every other [`hazard`] shown as `\u{…}`.
pub fn md_cell(s: &str) -> String {
    if md_plain(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            // `\|` would be a backslash, then a live pipe
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' => out.push('\''),
            c if line_break_or_space(c) => out.push(' '),
            c if hazard(c) => push_visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// Text for a Mermaid node label inside a Markdown table or diagram:
/// [`md_cell`], and `"` as Mermaid's `#quot;` entity. A filter, not a
/// template macro: TOPOLOGY.md calls it for every node and label, and a
/// minijinja macro call costs about 7,000 instructions (issue 6).
pub fn mermaid_label(s: &str) -> String {
    md_cell(s).replace('"', "#quot;")
}

fn eur(v: Value) -> Result<Value, Error> {
    let x = f64::try_from(v.clone())
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("not a number: {v}")))?;
    Ok(Value::from_safe_string(format!("€{x:.2}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_parses() {
        let t = Templates::new(None).unwrap();
        assert!(t.overridden().is_empty());
        for name in built_in_names() {
            assert!(t.env.get_template(&name).is_ok(), "{name}");
        }
    }

    /// `safe` writes a value as it is: no built-in template applies it.
    #[test]
    fn no_built_in_template_writes_a_value_unescaped() {
        for name in built_in_names() {
            let text = built_in(&name).unwrap();
            let compact = text.replace(' ', "");
            assert!(!compact.contains("|safe"), "{name} uses `safe`");
            // nor does a `rows` format: it has no `safe`
            assert!(Filter::by_name("safe").is_none());
        }
    }

    #[test]
    fn sh_quote_is_inert() {
        assert_eq!(sh_quote("role=kafka"), "role=kafka");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(sh_quote("a\nb"), "$'a\\nb'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("a\u{2028}b"), "$'a\\xe2\\x80\\xa8b'");
        assert_eq!(sh_quote("a\u{85}b"), "$'a\\xc2\\x85b'");
        assert_eq!(sh_quote("admin\u{202e}txt"), "$'admin\\xe2\\x80\\xaetxt'");
        assert_eq!(sh_quote("tête-à-tête"), "'tête-à-tête'");
    }

    #[test]
    fn hcl_quote_escapes_templates() {
        assert_eq!(hcl_quote("${var.x}"), "\"$${var.x}\"");
        assert_eq!(hcl_quote("%{ if }"), "\"%%{ if }\"");
        assert_eq!(hcl_quote("a\"b\\"), "\"a\\\"b\\\\\"");
        assert_eq!(hcl_quote("$x %d"), "\"$x %d\"");
        assert_eq!(
            hcl_quote("a\u{2029}\u{85}\u{2066}b"),
            "\"a\\u2029\\u0085\\u2066b\""
        );
    }

    #[test]
    fn oneline_text_breaks_no_line() {
        assert_eq!(oneline_text("a\u{2028}b\r\nc\u{2029}\u{85}"), "a b  c  ");
        assert_eq!(
            oneline_text("a\u{1b}[0m\u{202e}\u{7f}"),
            "a\\u{1b}[0m\\u{202e}\\u{7f}"
        );
        assert!(matches!(oneline_text("tête-à-tête"), Cow::Borrowed(_)));
        assert_eq!(oneline_text("10 € – ₂"), "10 € – ₂");
    }

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
                for mode in [
                    AutoEscape::Json,
                    AutoEscape::Custom(MARKDOWN),
                    AutoEscape::None,
                ] {
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

    /// The first byte of every hazard's UTF-8 sends the text off the fast
    /// paths that write it as it is.
    #[test]
    fn every_hazard_leaves_the_fast_paths() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let first = usize::from(c.encode_utf8(&mut [0; 4]).as_bytes()[0]);
            if hazard(c) {
                assert!(!TEXT_PLAIN[first] && !JSON_PLAIN[first], "{c:?}");
            }
        }
    }

    #[test]
    fn yaml_quote_is_json_with_every_hazard_escaped() {
        assert_eq!(yaml_quote("a\u{2028}b"), "\"a\\u2028b\"");
        assert_eq!(
            yaml_quote("\u{7f}\u{85}\u{feff}"),
            "\"\\u007f\\u0085\\ufeff\""
        );
        assert_eq!(yaml_quote("10 € – ₂"), "\"10 € – ₂\"");
        for s in ["a\u{2028}\u{202e}\"b\n", "x\u{ffff}"] {
            let back: String = serde_json::from_str(&yaml_quote(s)).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn the_byte_tables_are_the_escaping_rules() {
        for b in 0..=255u8 {
            let c = b as char;
            assert_eq!(
                SH_PLAIN[usize::from(b)],
                b.is_ascii_alphanumeric() || b"-_./:=+@%,".contains(&b),
                "sh {c:?}"
            );
            assert_eq!(
                HCL_PLAIN[usize::from(b)],
                (b' '..=b'~').contains(&b) && !b"\"\\$%".contains(&b),
                "hcl {c:?}"
            );
            assert_eq!(
                MD_PLAIN[usize::from(b)],
                b.is_ascii() && !b.is_ascii_control() && !b"|<>`\\".contains(&b),
                "md {c:?}"
            );
            let lead = b == 0x7f || [0xc2, 0xd8, 0xe2, 0xef].contains(&b);
            assert_eq!(
                JSON_PLAIN[usize::from(b)],
                b >= b' ' && b != b'"' && b != b'\\' && !lead,
                "json {c:?}"
            );
            assert_eq!(TEXT_PLAIN[usize::from(b)], b >= b' ' && !lead, "text {c:?}");
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
            for mode in [
                AutoEscape::Json,
                AutoEscape::Custom(MARKDOWN),
                AutoEscape::None,
            ] {
                let (mut text, mut value) = (String::new(), String::new());
                escape_text(mode, s, &mut text).unwrap();
                // the general path, as a template value takes it
                match mode {
                    AutoEscape::Json => value.push_str(&defuse(&yaml_quote(s))),
                    AutoEscape::Custom(_) => value.push_str(&md_cell(s)),
                    _ => value.push_str(&oneline_text(s)),
                }
                assert_eq!(text, value, "{s:?} {mode:?}");
            }
        }
        // integers: their digits, as the general path writes them
        for n in [0i64, 7, 31001, -5, i64::MAX, i64::MIN] {
            let v = Value::from(n);
            for mode in [
                AutoEscape::Json,
                AutoEscape::Custom(MARKDOWN),
                AutoEscape::None,
            ] {
                let mut fast = String::new();
                escape_auto(mode, &v, &mut fast).unwrap();
                let general = match mode {
                    AutoEscape::Json => serde_json::to_string(&v).unwrap(),
                    AutoEscape::Custom(_) => md_cell(&v.to_string()),
                    _ => v.to_string(),
                };
                assert_eq!(fast, general, "{n} {mode:?}");
            }
        }
    }

    #[test]
    fn mermaid_label_is_md_cell_without_quotes() {
        assert_eq!(mermaid_label("a\"b|<c>"), "a#quot;b\\|&lt;c&gt;");
        assert_eq!(mermaid_label("kafka-0"), "kafka-0");
    }

    /// Renders `source` as a template named `name` with the built-in setup.
    fn render_one(name: &str, source: &str, ctx: Value) -> Result<String, Error> {
        let mut t = Templates::new(None).unwrap();
        t.env
            .add_template_owned(name.to_owned(), source.to_owned())?;
        t.env.get_template(name)?.render(ctx)
    }

    #[test]
    fn rows_formats_each_item_escaped_like_the_template() {
        let ctx = minijinja::context! {
            nodes => vec![
                minijinja::context! { name => "a|b", ip => "10.0.0.1" },
                minijinja::context! { name => "it's", ip => "10.0.0.2" },
            ],
        };
        let md = render_one(
            "t.md",
            r#"{{{ nodes|rows("| {name} | {ip} | {x} |", x="<y>") }}}"#,
            ctx.clone(),
        )
        .unwrap();
        assert_eq!(
            md,
            "| a\\|b | 10.0.0.1 | &lt;y&gt; |\n| it's | 10.0.0.2 | &lt;y&gt; |"
        );
        let yml = render_one(
            "t.yml",
            r#"{{{ nodes|rows("- {name} {name|sh} {{x}}") }}}"#,
            ctx.clone(),
        )
        .unwrap();
        assert_eq!(yml, "- \"a|b\" 'a|b' {x}\n- \"it's\" 'it'\\''s' {x}");
        let words = render_one(
            "t.yml",
            r#"{{{ ["a b", "c"]|rows("w+=({.|sh}) # {.}") }}}"#,
            ctx.clone(),
        )
        .unwrap();
        assert_eq!(words, "w+=('a b') # \"a b\"\nw+=(c) # \"c\"");
        for bad in ["{name", "name}", "{}", "{name|nope}", "{missing}"] {
            let e = render_one(
                "t.md",
                &format!("{{{{{{ nodes|rows({bad:?}) }}}}}}"),
                ctx.clone(),
            );
            assert!(e.is_err(), "{bad}: {e:?}");
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

    #[test]
    fn md_cell_neutralises_tables() {
        assert_eq!(md_cell("a|b<c>\n`d`"), "a\\|b&lt;c&gt; 'd'");
        assert_eq!(md_cell("a\u{2028}b\u{202e}c"), "a b\\u{202e}c");
        assert_eq!(md_cell("a\\|b"), "a\\\\\\|b");
    }
}
