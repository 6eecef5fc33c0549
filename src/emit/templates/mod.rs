//! The minijinja environment: embedded templates, the user's overlay, and the
//! filters, one concern per module:
//!
//! - this module: the template set (built in, with the overlay's texts on
//!   top), the syntax, the registration of every filter;
//! - `escape.rs`: what each language needs quoted (`sh`, `hcl`, `yaml`, `md`,
//!   `mermaid`, `oneline`), the [`hazard`] characters, and the byte tables
//!   of the fast paths;
//! - `autoescape.rs`: the formatter that writes every `{{{ value }}}` as its
//!   template's auto-escape mode wants it, and [`GhExpr`];
//! - `rows.rs`: the `rows` and `shwords` list filters.
//!
//! Reading a `--templates` directory is I/O, done by the caller (`app`),
//! which hands the texts over as an [`Overlay`]: this module never touches
//! the disk.
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

mod autoescape;
mod escape;
mod rows;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use include_dir::{Dir, include_dir};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use autoescape::{MARKDOWN, format_value};
use escape::Filter;
use rows::{rows, shwords};

pub(crate) use autoescape::GhExpr;
pub(crate) use escape::hazard;
pub(crate) use escape::oneline_text;
pub use escape::{md_cell, sh_quote};

static BUILT_IN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The template set of one run: built-in templates plus the user's overlay.
pub struct Templates {
    env: Environment<'static>,
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
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .expect("static delimiters are valid")
}

/// Every built-in template, name (`/`-separated) and text, sorted by name:
/// walked once per process, then found by binary search.
fn built_in_table() -> &'static [(String, &'static str)] {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static str)>) {
        for f in dir.files() {
            if f.path()
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            if let Some(text) = f.contents_utf8() {
                out.push((f.path().to_string_lossy().replace('\\', "/"), text));
            }
        }
        for d in dir.dirs() {
            walk(d, out);
        }
    }
    static TABLE: OnceLock<Vec<(String, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out = Vec::new();
        walk(&BUILT_IN, &mut out);
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    })
}

/// Names of every built-in template, sorted.
pub(crate) fn built_in_names() -> Vec<String> {
    built_in_table().iter().map(|(n, _)| n.clone()).collect()
}

/// The text of a built-in template.
pub(crate) fn built_in(name: &str) -> Option<&'static str> {
    let table = built_in_table();
    table
        .binary_search_by(|(n, _)| n.as_str().cmp(name))
        .ok()
        .map(|i| table[i].1)
}

/// The text of every template of a run: the built-in ones, with a
/// `--templates` directory on top.
pub(crate) struct Sources {
    texts: BTreeMap<String, Cow<'static, str>>,
    overridden: Vec<String>,
}

impl Sources {
    /// The built-in templates alone.
    pub(crate) fn built_in() -> Self {
        let texts = built_in_table()
            .iter()
            .map(|(n, t)| (n.clone(), Cow::Borrowed(*t)))
            .collect();
        Self {
            texts,
            overridden: Vec::new(),
        }
    }

    /// The built-in templates with the overlay's on top; a file that does not
    /// replace a built-in template is an error.
    pub(crate) fn with_overlay(overlay: Overlay) -> Result<Self, TemplateError> {
        let mut sources = Self::built_in();
        for (name, text) in overlay.files {
            if !sources.texts.contains_key(&name) {
                return Err(TemplateError::Unknown { name });
            }
            sources.texts.insert(name.clone(), Cow::Owned(text));
            sources.overridden.push(name);
        }
        Ok(sources)
    }

    /// The replaced templates: name and text, by name.
    pub(crate) fn overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        self.overridden
            .iter()
            .filter_map(|n| self.texts.get(n).map(|t| (n.as_str(), t.as_ref())))
    }
}

/// The texts of a `--templates` directory, as the I/O layer read them
/// (`app`): relative path (`/`-separated) → text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overlay {
    /// The files, by path.
    pub(crate) files: BTreeMap<String, String>,
}

impl Overlay {
    /// Whether a file at `name` replaces a built-in template: what the reader
    /// of the overlay asks before it reads the file.
    pub(crate) fn replaces(name: &str) -> bool {
        built_in(name).is_some()
    }

    /// Whether directory `dir` (relative, without a final `/`) holds a
    /// built-in template: what bounds how deep the reader walks.
    pub(crate) fn holds_templates(dir: &str) -> bool {
        let dir = format!("{dir}/");
        built_in_table().iter().any(|(n, _)| n.starts_with(&dir))
    }
}

impl Templates {
    /// The built-in templates, with `overlay` (the texts of a `--templates`
    /// directory, read by the caller) on top.
    pub fn new(overlay: Option<Overlay>) -> Result<Self, TemplateError> {
        Self::compile(match overlay {
            Some(o) => Sources::with_overlay(o)?,
            None => Sources::built_in(),
        })
    }

    /// The template set of `sources`: the overlay's templates are compiled
    /// now (a syntax error is reported before anything renders), a built-in
    /// one when a render first asks for it, so that a run compiles only the
    /// templates its outputs need (a topology without a `topogen` node
    /// renders no drift check) and each of them once.
    pub(crate) fn compile(sources: Sources) -> Result<Self, TemplateError> {
        let Sources {
            mut texts,
            overridden,
        } = sources;
        let mut env = Environment::new();
        env.set_syntax(syntax());
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(crate::source::MAX_TEMPLATE_FUEL));
        super::budget::guard_filters(&mut env);
        env.set_auto_escape_callback(|name| {
            let name = name.strip_suffix(".j2").unwrap_or(name);
            if name.ends_with(".yml") || name.ends_with(".yaml") {
                AutoEscape::Json
            } else if name.ends_with(".md") {
                AutoEscape::Custom(MARKDOWN.into())
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(format_value);
        for (name, filter) in Filter::TEMPLATE_FILTERS {
            env.add_filter(name, move |v: Value| {
                let text = filter.text(&v)?.into_owned();
                if crate::emit::provenance::active() {
                    crate::emit::provenance::filtered(&v, &text);
                }
                Ok::<_, Error>(Value::from_safe_string(text))
            });
        }
        env.add_filter("shwords", shwords);
        env.add_filter("eur", eur);
        env.add_filter("rows", rows);
        env.set_loader(|name| Ok(built_in(name).map(str::to_owned)));
        for name in overridden {
            let Some(text) = texts.remove(&name) else {
                continue;
            };
            env.add_template_owned(name.clone(), text)
                .map_err(|e| TemplateError::Syntax {
                    name,
                    message: e.to_string(),
                })?;
        }
        Ok(Self { env })
    }

    /// Renders template `name` with `ctx`.
    pub(crate) fn render<S: serde::Serialize>(
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
}

fn eur(v: Value) -> Result<Value, Error> {
    let x = f64::try_from(v.clone())
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("not a number: {v}")))?;
    let text = format!("€{x:.2}");
    if crate::emit::provenance::active() {
        crate::emit::provenance::filtered(&v, &text);
    }
    Ok(Value::from_safe_string(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_parses() {
        let t = Templates::new(None).unwrap();
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

    /// Renders `source` as a template named `name` with the built-in setup.
    pub(super) fn render_one(name: &str, source: &str, ctx: Value) -> Result<String, Error> {
        let mut t = Templates::new(None).unwrap();
        t.env
            .add_template_owned(name.to_owned(), source.to_owned())?;
        t.env.get_template(name)?.render(ctx)
    }
}
