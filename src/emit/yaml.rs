//! The Kubernetes objects as YAML (Strimzi resources, scheduling snippets):
//! serde_yaml's block layout, written without an emitter, and every string
//! a string to every YAML 1.1 and 1.2 reader.
//!
//! serde_yaml formats through a port of libyaml's emitter, about 120
//! instructions per byte written; at 1,000 nodes the Kafka resource's broker
//! list made it a tenth of a build (issue 6, BENCHMARKS.md). The objects
//! topogen writes are block mappings and sequences of short scalars, whose
//! layout never varies, so [`append`] writes that layout itself, straight
//! into the file's text; the tests hold the layout to serde_yaml's.
//!
//! Scalars are where the two differ (issue 11): serde_yaml follows YAML 1.2
//! and writes `on`, `yes`, `y`, `2001-12-14`, `1_000` or `<<` plain, which
//! YAML 1.1 readers (PyYAML, Go's yaml.v2, what Kubernetes tooling and
//! GitHub use) read as a boolean, a date, a number or a merge key; and it
//! writes U+2028 or a bidi control as it is. Here a string is plain only when
//! it is certainly a string to both ([`plain`]), single-quoted when it is
//! printable ASCII, and otherwise double-quoted with every
//! [`hazard`](super::templates::hazard) escaped.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::templates::yaml_quote;

/// Appends `value` to `out` as block YAML (see the module documentation).
/// Only floats, tagged enums and keys that are not short scalars have no
/// YAML here: topogen's objects have none, and nothing in them comes from
/// the user's choice of type.
pub(crate) fn append<T: Serialize + ?Sized>(
    value: &T,
    out: &mut String,
) -> Result<(), Unsupported> {
    let start = out.len();
    value
        .serialize(Emit::root(out))
        .inspect_err(|_| out.truncate(start))
}

/// Writes string `s` as a scalar: plain (see [`plain`]), single-quoted when
/// it is printable ASCII, double-quoted (JSON syntax, every hazard escaped)
/// otherwise.
fn scalar_text(s: &str, out: &mut String) {
    if plain(s) {
        out.push_str(s);
    } else if s.bytes().all(|c| (b' '..=b'~').contains(&c)) {
        out.push('\'');
        for (i, part) in s.split('\'').enumerate() {
            if i > 0 {
                out.push_str("''");
            }
            out.push_str(part);
        }
        out.push('\'');
    } else {
        out.push_str(&yaml_quote(s));
    }
}

/// Whether `s` is written plain: short, made of letters, digits and `-._/`,
/// and a string to every reader, that is none of
///
/// - YAML 1.1's booleans and nulls (`y`, `n`, `yes`, `no`, `on`, `off`,
///   `true`, `false`, `null`, in any case) or a word Rust's or Go's float
///   parsers take (`inf`, `infinity`, `nan`);
/// - a YAML 1.1 or 1.2 number or timestamp: a string that starts with a
///   digit is plain only with a letter no integer, float or date has
///   (`20Gi`, `500m`, `v1`-like), never with `0x`/`0o`/`0b`, and never as
///   digits and dots alone (`4.0.0`, `10.1.0.5`: a float to YAML 1.1's
///   pattern `[0-9][0-9_]*\.[0-9.]*`).
///
/// Anything else is quoted; being conservative only costs two quotes.
/// libyaml writes a mapping key over 128 bytes as a complex key (`? `), so
/// longer strings are quoted too (the layout stays serde_yaml's).
fn plain(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 128 {
        return false;
    }
    if !b
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'/'))
    {
        return false;
    }
    if b[0].is_ascii_alphabetic() {
        const WORDS: [&str; 12] = [
            "y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "infinity", "nan",
        ];
        return !WORDS.iter().any(|w| s.eq_ignore_ascii_case(w));
    }
    let number_char =
        |c: &u8| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'_' | b'+' | b'-');
    let radix =
        b.len() > 1 && b[0] == b'0' && matches!(b[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B');
    b[0].is_ascii_digit() && !radix && !b.iter().all(number_char)
}

/// A key longer than a YAML reader takes as an implicit key (1,024
/// characters; label keys are at most 317).
const MAX_KEY: usize = 1024;

/// A value [`append`] has no YAML for: a float, a tagged enum, a key that is
/// not a short scalar.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a float, a tagged enum or a key that is not a short scalar")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Unsupported
    }
}

/// Where a value is written.
#[derive(Clone, Copy)]
enum At {
    /// The whole document.
    Root,
    /// After `key:` of a mapping whose keys are at this column.
    Value(usize),
    /// After `- ` of a sequence whose dashes are at this column.
    Item(usize),
    /// A mapping key (a plain scalar, or serde_yaml decides).
    Key,
}

/// Writes one value; the serde serializer.
struct Emit<'a> {
    out: &'a mut String,
    at: At,
}

/// A block mapping or sequence being written.
struct Block<'a> {
    out: &'a mut String,
    /// The column of its keys or dashes.
    column: usize,
    /// Written before the first entry: the line break after `key:`.
    open: &'static str,
    /// Whether the first entry continues the line (after `- `).
    inline: bool,
    /// Written instead when it has no entries (` {}` after `key:`).
    empty: &'static str,
    entries: usize,
}

impl<'a> Emit<'a> {
    fn root(out: &'a mut String) -> Self {
        Emit { out, at: At::Root }
    }

    /// Writes a scalar's text and ends the line (a key's line goes on).
    fn scalar(
        self,
        text: impl FnOnce(&mut String) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        if let At::Value(_) = self.at {
            self.out.push(' ');
        }
        text(self.out)?;
        if !matches!(self.at, At::Key) {
            self.out.push('\n');
        }
        Ok(())
    }

    fn integer(self, n: impl fmt::Display) -> Result<(), Unsupported> {
        self.scalar(|out| {
            use fmt::Write as _;
            write!(out, "{n}").map_err(|_| Unsupported)
        })
    }

    /// Starts a mapping (`map`) or a sequence here.
    fn block(self, map: bool) -> Result<Block<'a>, Unsupported> {
        let (column, open, inline, empty) = match (self.at, map) {
            (At::Key, _) => return Err(Unsupported),
            (At::Root, true) => (0, "", false, "{}\n"),
            (At::Root, false) => (0, "", false, "[]\n"),
            (At::Value(c), true) => (c + 2, "\n", false, " {}\n"),
            // a sequence in a mapping is not indented further
            (At::Value(c), false) => (c, "\n", false, " []\n"),
            (At::Item(c), true) => (c + 2, "", true, "{}\n"),
            (At::Item(c), false) => (c + 2, "", true, "[]\n"),
        };
        Ok(Block {
            out: self.out,
            column,
            open,
            inline,
            empty,
            entries: 0,
        })
    }
}

impl Block<'_> {
    /// Starts the next entry's line.
    fn next(&mut self) {
        if self.entries == 0 {
            self.out.push_str(self.open);
        }
        if self.entries > 0 || !self.inline {
            self.out.extend(std::iter::repeat_n(' ', self.column));
        }
        self.entries += 1;
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.next();
        self.out.push_str("- ");
        value.serialize(Emit {
            out: self.out,
            at: At::Item(self.column),
        })
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.next();
        key.serialize(Emit {
            out: self.out,
            at: At::Key,
        })?;
        self.out.push(':');
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(Emit {
            out: self.out,
            at: At::Value(self.column),
        })
    }

    fn end(self) -> Result<(), Unsupported> {
        if self.entries == 0 {
            self.out.push_str(self.empty);
        }
        Ok(())
    }
}

impl<'a> ser::Serializer for Emit<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Block<'a>;
    type SerializeTuple = Block<'a>;
    type SerializeTupleStruct = Block<'a>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Block<'a>;
    type SerializeStruct = Block<'a>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.scalar(|out| {
            out.push_str(if v { "true" } else { "false" });
            Ok(())
        })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.integer(v)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        if matches!(self.at, At::Key) && v.chars().count() > MAX_KEY {
            return Err(Unsupported);
        }
        self.scalar(|out| {
            scalar_text(v, out);
            Ok(())
        })
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.scalar(|out| {
            out.push_str("null");
            Ok(())
        })
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    // serde_yaml writes these as tagged values (`!Variant …`)
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Block<'a>, Unsupported> {
        self.block(false)
    }
    fn serialize_tuple(self, _: usize) -> Result<Block<'a>, Unsupported> {
        self.block(false)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, Unsupported> {
        self.block(false)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Block<'a>, Unsupported> {
        self.block(true)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, Unsupported> {
        self.block(true)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

impl ser::SerializeSeq for Block<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.item(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Block::end(self)
    }
}

impl ser::SerializeTuple for Block<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.item(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Block::end(self)
    }
}

impl ser::SerializeTupleStruct for Block<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.item(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Block::end(self)
    }
}

impl ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Block::end(self)
    }
}

impl ser::SerializeStruct for Block<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.key(key)?;
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Block::end(self)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use proptest::prelude::*;
    use proptest::strategy::ValueTree as _;
    use proptest::test_runner::TestRunner;

    use super::*;

    /// The text [`append`] writes for a whole document.
    fn fast<T: Serialize + ?Sized>(value: &T) -> Option<String> {
        let mut out = String::new();
        append(value, &mut out).ok().map(|()| out)
    }

    /// A document of the shapes topogen writes, with any scalars.
    #[derive(Debug, Clone, Serialize)]
    #[serde(untagged)]
    enum Doc {
        Str(String),
        Int(i64),
        Bool(bool),
        None(Option<u8>),
        Seq(Vec<Doc>),
        Map(BTreeMap<String, Doc>),
        Struct(Struct),
    }

    #[derive(Debug, Clone, Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Struct {
        api_version: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        spec: Option<Box<Doc>>,
        empty: Empty,
        items: Vec<Doc>,
    }

    #[derive(Debug, Clone, Serialize)]
    struct Empty {}

    /// Scalars YAML 1.1 (the type repository, PyYAML, Go's yaml.v2) or YAML
    /// 1.2 reads as something other than a string, or that are YAML syntax.
    const SPECIAL: &[&str] = &[
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "null",
        "Null",
        "NULL",
        "~",
        "",
        "0b1010",
        "0B1",
        "012",
        "0o17",
        "0x1F",
        "0X1f",
        "+1",
        "-1",
        "1_000",
        "190:20:30",
        "1e3",
        "1E3",
        "6.8523015e+5",
        "685.230_15e+03",
        "685_230.15",
        ".5",
        "1.",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
        "inf",
        "Infinity",
        "nan",
        "NaN",
        "4.0.0",
        "10.1.0.5",
        "1.2.3.4.5",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        "=",
        "<<",
        "-",
        "?",
        ":",
        "a: b",
        "a #b",
        "[0-99]",
        "&a",
        "*a",
        "!x",
        "|",
        ">",
        "%x",
        "@x",
        "`x",
        "'a'",
        "\"a\"",
        " a",
        "a ",
        "x\ny",
        "a\u{2028}b",
        "a\u{85}b",
        "a\u{202e}b",
        "a\u{7f}b",
        "a\u{feff}b",
        "\u{ffff}",
        "é",
    ];

    /// Strings that are usually plain, and now and then anything.
    fn text() -> BoxedStrategy<String> {
        prop_oneof![
            4 => "[a-zA-Z0-9][a-zA-Z0-9._/-]{0,20}",
            2 => "[0-9][0-9a-zA-Z.+_-]{0,6}",
            1 => "[0-9]{1,3}(\\.[0-9]{1,3}){0,4}\\.?",
            1 => "[\\[\\]{}#&*!|>%@`'\"?:,-][ -~]{0,12}",
            1 => prop::sample::select(SPECIAL).prop_map(str::to_owned),
            1 => "[a-z]{0,3}[\u{0}-\u{20}\u{7f}-\u{a0}\u{2028}\u{2029}\u{202a}-\u{202e}\u{feff}][a-z]{0,3}",
            1 => any::<String>(),
        ]
        .boxed()
    }

    /// Strings serde_yaml writes as [`append`] does: plain, or single-quoted
    /// because they start with an indicator (Strimzi's node-id ranges).
    fn plain_text() -> BoxedStrategy<String> {
        prop_oneof![
            "[a-z][a-zA-Z0-9._/-]{0,20}",
            "[1-9][0-9]{0,3}(Gi|Mi|m)",
            "\\[[0-9]{1,3}-[0-9]{1,3}\\]",
            "[\\[{#&*!|>%@`][ -~]{0,12}",
        ]
        .prop_filter("not a YAML keyword", |s| {
            plain(s) || (b"[]{}#&*!|>%@`".contains(&s.as_bytes()[0]))
        })
        .boxed()
    }

    fn doc(text: BoxedStrategy<String>, key: BoxedStrategy<String>) -> impl Strategy<Value = Doc> {
        let leaf = prop_oneof![
            text.clone().prop_map(Doc::Str),
            any::<i64>().prop_map(Doc::Int),
            any::<bool>().prop_map(Doc::Bool),
            Just(Doc::None(None)),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Doc::Seq),
                prop::collection::btree_map(key.clone(), inner.clone(), 0..5).prop_map(Doc::Map),
                (
                    text.clone(),
                    prop::option::of(inner.clone()),
                    prop::collection::vec(inner, 0..4)
                )
                    .prop_map(|(v, spec, items)| Doc::Struct(Struct {
                        api_version: v,
                        spec: spec.map(Box::new),
                        empty: Empty {},
                        items,
                    })),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// A document of the scalars serde_yaml writes as topogen does
        /// has serde_yaml's text, byte for byte: the same layout.
        #[test]
        fn writes_serde_yaml_s_layout(d in doc(plain_text(), plain_text().prop_filter("plain", |s| plain(s)).boxed())) {
            let text = fast(&d);
            prop_assert!(text.is_some());
            prop_assert_eq!(text.unwrap(), serde_yaml::to_string(&d).unwrap());
        }

        /// With any scalars, the document is written and reads back as the
        /// value it was written from.
        #[test]
        fn reads_back_what_it_wrote(d in doc(text(), text())) {
            let text = fast(&d).expect("every document of these shapes is written");
            let back: serde_yaml::Value = serde_yaml::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(back, serde_yaml::to_value(&d).unwrap(), "{}", text);
        }

        /// Whatever is plain to [`plain`] is a plain scalar to serde_yaml,
        /// as a value, a key and a sequence item.
        #[test]
        fn plain_strings_are_plain_to_serde_yaml(s in text()) {
            if !plain(&s) {
                return Ok(());
            }
            let m = BTreeMap::from([(s.clone(), vec![s.clone()])]);
            prop_assert_eq!(
                serde_yaml::to_string(&m).unwrap(),
                format!("{s}:\n- {s}\n")
            );
        }
    }

    #[test]
    fn the_layouts_serde_yaml_writes() {
        let nested = Doc::Seq(vec![
            Doc::Seq(vec![Doc::Int(1), Doc::Seq(vec![])]),
            Doc::Map(BTreeMap::from([
                ("a".to_owned(), Doc::Seq(vec![Doc::Str("b".to_owned())])),
                ("c".to_owned(), Doc::Map(BTreeMap::new())),
                (
                    "d".to_owned(),
                    Doc::Map(BTreeMap::from([("e".to_owned(), Doc::Bool(true))])),
                ),
            ])),
        ]);
        let text = fast(&nested).expect("every scalar is plain");
        assert_eq!(
            text,
            "- - 1\n  - []\n- a:\n  - b\n  c: {}\n  d:\n    e: true\n"
        );
        assert_eq!(text, serde_yaml::to_string(&nested).unwrap());
    }

    #[test]
    fn scalars_a_yaml_reader_could_take_for_another_type_are_quoted() {
        for s in SPECIAL {
            assert!(!plain(s), "{s:?}");
            let doc = BTreeMap::from([(*s, *s)]);
            let text = fast(&doc).unwrap();
            let back: BTreeMap<String, String> = serde_yaml::from_str(&text).unwrap();
            assert_eq!(
                back,
                BTreeMap::from([(s.to_string(), s.to_string())]),
                "{text}"
            );
        }
        let written = |s: &str| fast(&BTreeMap::from([("k", s)])).unwrap();
        assert_eq!(written("on"), "k: 'on'\n");
        assert_eq!(written("4.0.0"), "k: '4.0.0'\n");
        assert_eq!(written("it's"), "k: 'it''s'\n");
        assert_eq!(written("a\u{2028}b"), "k: \"a\\u2028b\"\n");
        assert_eq!(written("[0-99]"), "k: '[0-99]'\n");
        for s in [
            "kafka",
            "500m",
            "20Gi",
            "strimzi.io/cluster",
            "v1beta2",
            "onion",
            "nodes",
            "1a",
        ] {
            assert!(plain(s), "{s:?}");
        }
        assert!(fast(&BTreeMap::from([("k", 1.5)])).is_none());
    }

    /// The conformance suite's Python (PyYAML, a YAML 1.1 reader), if installed.
    fn pyyaml() -> Option<PathBuf> {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        let p = cache.join("topogen-conformance/venv/bin/python");
        p.exists().then_some(p)
    }

    /// PyYAML reads every string written here, as a key and as a value, as
    /// that string: the special scalars, and a few thousand random ones.
    #[test]
    fn a_yaml_1_1_reader_reads_every_string_back() {
        let Some(python) = pyyaml() else {
            eprintln!(
                "SKIP: no PyYAML; run `bash /work/shared/conformance/install.sh` (the conformance installer) to enable this test"
            );
            return;
        };
        let mut strings: Vec<String> = SPECIAL.iter().map(|s| (*s).to_owned()).collect();
        let mut runner = TestRunner::deterministic();
        let strategy = text();
        for _ in 0..3000 {
            strings.push(strategy.new_tree(&mut runner).unwrap().current());
        }
        strings.retain(|s| s.chars().count() <= MAX_KEY);
        let doc: Vec<BTreeMap<&str, &str>> = strings
            .iter()
            .map(|s| BTreeMap::from([(s.as_str(), s.as_str())]))
            .collect();
        let text = fast(&doc).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doc.yaml");
        std::fs::write(&file, &text).unwrap();
        // each entry as [[type, text of key], [type, text of value]]
        let script = "import json, sys, yaml\n\
            d = yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.CSafeLoader)\n\
            t = lambda x: [type(x).__name__, x if isinstance(x, str) else repr(x)]\n\
            print(json.dumps([[t(k), t(v)] for m in d for k, v in m.items()]))\n";
        let out = std::process::Command::new(python)
            .args(["-c", script])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "PyYAML cannot read it: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read: Vec<[[String; 2]; 2]> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(read.len(), strings.len());
        for (s, [k, v]) in strings.iter().zip(read) {
            let want = ["str".to_owned(), s.clone()];
            assert!(k == want && v == want, "{s:?} reads back as {k:?}: {v:?}");
        }
    }
}
