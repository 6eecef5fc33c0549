//! What each destination needs quoted: the escaping filters (`sh`, `hcl`,
//! `yaml`, `md`, `mermaid`, `oneline`), the [`hazard`] characters every one
//! of them writes escaped, and the byte tables of their fast paths.

use std::borrow::Cow;
use std::fmt;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// An escaping filter: the template filter of that name, and what [`rows`]
/// applies to a field (`{ip|hcl}`) — one definition for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Filter {
    Sh,
    Hcl,
    Yaml,
    Md,
    Mermaid,
    Oneline,
}

impl Filter {
    /// The escaping filters, by template name.
    pub(super) const TEMPLATE_FILTERS: [(&'static str, Self); 6] = [
        ("sh", Self::Sh),
        ("hcl", Self::Hcl),
        ("yaml", Self::Yaml),
        ("md", Self::Md),
        ("mermaid", Self::Mermaid),
        ("oneline", Self::Oneline),
    ];

    pub(super) fn by_name(name: &str) -> Option<Self> {
        Self::TEMPLATE_FILTERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, f)| f)
    }

    /// `value` escaped by this filter (an undefined or none value is an error).
    pub(super) fn text(self, value: &Value) -> Result<Cow<'_, str>, Error> {
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
    pub(super) fn push_str(self, s: &str, out: &mut String) {
        match self {
            Self::Sh if sh_plain(s) => out.push_str(s),
            Self::Md if md_plain(s) => out.push_str(s),
            Self::Hcl if hcl_plain(s) => push_quoted(out, s),
            Self::Yaml if json_plain(s) => push_quoted(out, s),
            _ => out.push_str(&self.text_str(s)),
        }
    }

    /// Text `s` escaped by this filter: [`Filter::text`] of a string value.
    pub(super) fn text_str(self, s: &str) -> Cow<'_, str> {
        match self {
            Self::Sh => sh_quote(s).into(),
            Self::Hcl => hcl_quote(s).into(),
            Self::Yaml => yaml_quote(s).into(),
            Self::Md => md_cell(s).into(),
            Self::Mermaid if md_plain(s) && !s.contains('"') => Cow::Borrowed(s),
            Self::Mermaid => mermaid_label(s).into(),
            Self::Oneline => oneline_text(s),
        }
    }
}

pub(super) fn as_text(v: &Value) -> Result<Cow<'_, str>, Error> {
    if v.is_undefined() || v.is_none() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "cannot quote an undefined or none value",
        ));
    }
    Ok(text(v))
}

/// A value's text, borrowed when it is a string.
pub(super) fn text(value: &Value) -> Cow<'_, str> {
    match value.as_str() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(value.to_string()),
    }
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

/// An HCL string literal: escapes quotes, backslashes, every [`hazard`]
/// (`\u2028`) and the template sequences `${` and `%{`.
pub(crate) fn hcl_quote(s: &str) -> String {
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
/// an error to say it is not, which is costly on a path run per value).
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
pub(crate) fn yaml_quote(s: &str) -> String {
    json_hazards_escaped(serde_json::to_string(s).expect("strings always serialise"))
}

/// serde_json's text with every [`hazard`] it left as it is written `\uXXXX`.
/// JSON text holds a character other than ASCII only inside a string, where
/// `\uXXXX` is the same character (to JSON and to YAML).
pub(super) fn json_hazards_escaped(json: String) -> String {
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
pub(super) fn json_plain(s: &str) -> bool {
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
pub(crate) fn oneline_text(s: &str) -> Cow<'_, str> {
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
pub(super) fn md_plain(s: &str) -> bool {
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
/// minijinja macro call costs far more than a filter (BENCHMARKS.md).
pub(crate) fn mermaid_label(s: &str) -> String {
    md_cell(s).replace('"', "#quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn mermaid_label_is_md_cell_without_quotes() {
        assert_eq!(mermaid_label("a\"b|<c>"), "a#quot;b\\|&lt;c&gt;");
        assert_eq!(mermaid_label("kafka-0"), "kafka-0");
    }

    #[test]
    fn md_cell_neutralises_tables() {
        assert_eq!(md_cell("a|b<c>\n`d`"), "a\\|b&lt;c&gt; 'd'");
        assert_eq!(md_cell("a\u{2028}b\u{202e}c"), "a b\\u{202e}c");
        assert_eq!(md_cell("a\\|b"), "a\\\\\\|b");
    }
}
