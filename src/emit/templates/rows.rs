//! The list filters: `rows` (one formatted, escaped line per item, the
//! row's layout in the template) and `shwords` (a list as shell words).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use minijinja::value::{Kwargs, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};

use super::autoescape::{Mode, escape_auto, escape_text, push_filtered};
use super::escape::Filter;
use crate::emit::value::{NodeCtx, TextField};

/// One piece of a [`rows`] format: `S` is the text (`&str`), or where it
/// is in the format (`Range<usize>`, what [`Rows`] keeps).
#[derive(Debug)]
enum Piece<S> {
    /// Text copied as it is.
    Text(S),
    /// `{field}` or `{field|filter}`.
    Field(S, Option<Filter>),
}

impl<'a> Piece<&'a str> {
    /// This piece with its text given as its place in `format`, of which it
    /// is a part.
    fn placed(&self, format: &'a str) -> Piece<Range<usize>> {
        let at = |part: &str| {
            let start = part.as_ptr() as usize - format.as_ptr() as usize;
            start..start + part.len()
        };
        match *self {
            Piece::Text(t) => Piece::Text(at(t)),
            Piece::Field(f, filter) => Piece::Field(at(f), filter),
        }
    }
}

fn parse_row_format(format: &str) -> Result<Vec<Piece<&str>>, Error> {
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
/// A filter rather than a template loop because a table row per node is
/// the hottest path of a large build (BENCHMARKS.md keeps the figures).
/// The row's layout stays in the template.
pub(super) fn rows(
    state: &mut State<'_, '_>,
    items: Value,
    format: &str,
    extra: Kwargs,
) -> Result<Value, Error> {
    let pieces = parse_row_format(format)?
        .iter()
        .map(|p| p.placed(format))
        .collect();
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
        pieces,
        extra,
        mode: Mode::of(state),
    }))
}

/// What [`rows`] returns: the formatter writes it straight into the
/// template's output (at 1,000 nodes TOPOLOGY.md's node table is 300 KB that
/// would otherwise be built as a string, then copied); anything else that
/// reads it (another filter) gets the same text from `render`.
#[derive(Debug)]
pub(super) struct Rows {
    items: Value,
    format: String,
    /// `format`, parsed.
    pieces: Vec<Piece<Range<usize>>>,
    extra: Vec<(String, Value)>,
    /// The auto-escape mode of the template that called `rows`.
    mode: Mode,
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
    pub(super) fn write(&self, out: &mut impl fmt::Write) -> Result<(), Error> {
        const FLUSH: usize = 8 << 10;
        let slots = self.slots()?;
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

    /// [`Self::write`] while provenance is recorded: each row's byte range
    /// (from `start`, the render's bytes before it) with its item's origins.
    pub(super) fn write_recorded(&self, start: usize, buf: &mut String) -> Result<(), Error> {
        let slots = self.slots()?;
        for (i, item) in self.items.try_iter()?.enumerate() {
            if i > 0 {
                buf.push('\n');
            }
            let at = buf.len();
            self.row(&item, &slots, buf)?;
            crate::emit::provenance::row(start + at, buf.len() - at, &item);
        }
        Ok(())
    }

    /// The format's pieces with each field looked up: keyword arguments
    /// written out, node fields found by name once.
    fn slots(&self) -> Result<Vec<Slot<'_>>, Error> {
        self.pieces
            .iter()
            .map(|piece| {
                Ok(match piece {
                    Piece::Text(t) => Slot::Text(Cow::Borrowed(&self.format[t.clone()])),
                    &Piece::Field(ref name, filter) => {
                        let name = &self.format[name.clone()];
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
                            Some(f) if mode != Mode::Yaml || !s.contains('$') => f.push_str(s, out),
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

/// `items|shwords` or `items|shwords("attribute")`: a list as shell words,
/// each item (or that attribute of each item) [`sh_quote`]d, separated by
/// spaces — one filter call for a pool's nodes, not one per node.
pub(super) fn shwords(v: Value, attribute: Option<&str>) -> Result<Value, Error> {
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
    if crate::emit::provenance::active() {
        // the words have the origins of the texts they quote
        let texts: Vec<Value> = v
            .try_iter()?
            .map(|item| match attribute {
                Some(name) => item.get_attr(name).unwrap_or_default(),
                None => item,
            })
            .collect();
        crate::emit::provenance::filtered(&Value::from(texts), &out);
    }
    Ok(Value::from_safe_string(out))
}

#[cfg(test)]
mod tests {
    use super::super::tests::render_one;

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
}
