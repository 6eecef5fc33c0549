//! The Kubernetes objects as YAML (Strimzi resources, scheduling snippets):
//! byte for byte what serde_yaml writes, without its emitter.
//!
//! serde_yaml formats through a port of libyaml's emitter, about 120
//! instructions per byte written; at 1,000 nodes the Kafka resource's broker
//! list made it a tenth of a build (issue 6, BENCHMARKS.md). The objects
//! topogen writes are block mappings and sequences of short scalars, whose
//! layout never varies, so [`append`] writes that layout itself, straight
//! into the file's text. A scalar whose style serde_yaml would have to
//! decide — a string that may need quotes, one with a line break, a float —
//! hands the whole document to serde_yaml instead: the text never depends on
//! which path wrote it, and the tests hold the two to each other on random
//! documents.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Appends `value` to `out` as serde_yaml writes it (see the module
/// documentation).
pub(crate) fn append<T: Serialize + ?Sized>(
    value: &T,
    out: &mut String,
) -> Result<(), serde_yaml::Error> {
    let start = out.len();
    if value.serialize(Emit::root(out)).is_err() {
        out.truncate(start);
        out.push_str(&serde_yaml::to_string(value)?);
    }
    Ok(())
}

/// How serde_yaml writes a one-line scalar, when that is certain: plain
/// (see [`plain`]) or single-quoted (see [`single_quoted`]).
fn scalar_text(s: &str, out: &mut String) -> Result<(), Fallback> {
    if plain(s) {
        out.push_str(s);
    } else if single_quoted(s) {
        out.push('\'');
        for (i, part) in s.split('\'').enumerate() {
            if i > 0 {
                out.push_str("''");
            }
            out.push_str(part);
        }
        out.push('\'');
    } else {
        return Err(Fallback);
    }
    Ok(())
}

/// Whether serde_yaml certainly writes `s` as a plain scalar, anywhere in a
/// block document: short, made of letters, digits and `-._/`, starting with
/// a letter or digit, and read back as this string — not a boolean, null or
/// number (serde_yaml quotes those) and not digits with a leading zero
/// (quoted too). Anything else takes serde_yaml's path; being conservative
/// only costs time.
fn plain(s: &str) -> bool {
    let b = s.as_bytes();
    // libyaml writes a mapping key over 128 bytes as a complex key (`? `)
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
        // booleans and null in any case, and the words Rust's float parser takes
        const WORDS: [&str; 6] = ["true", "false", "null", "inf", "infinity", "nan"];
        return !WORDS.iter().any(|w| s.eq_ignore_ascii_case(w));
    }
    // a digit first: plain only with a character no integer or float has,
    // or as digits and two dots or more (an IPv4 address)
    let number_char =
        |c: &u8| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'_' | b'+' | b'-');
    let dotted = || {
        b.iter().all(|c| c.is_ascii_digit() || *c == b'.')
            && b.iter().filter(|c| **c == b'.').count() >= 2
    };
    b[0].is_ascii_digit()
        && !(s.starts_with("0x") || s.starts_with("0o") || s.starts_with("0b"))
        && (!b.iter().all(number_char) || dotted())
}

/// Whether serde_yaml certainly writes `s` single-quoted: printable ASCII
/// on one line, starting with a character that cannot begin a plain
/// scalar (`[0-99]`, Strimzi's node-id ranges). libyaml quotes such a
/// string, and single quotes are its first choice.
fn single_quoted(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b"[]{}#&*!|>%@`".contains(&b[0])
        && b.iter().all(|c| (b' '..=b'~').contains(c))
}

/// The value needs serde_yaml (or failed to serialise: serde_yaml reports it).
#[derive(Debug)]
struct Fallback;

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a plain block document")
    }
}

impl std::error::Error for Fallback {}

impl ser::Error for Fallback {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Fallback
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
        text: impl FnOnce(&mut String) -> Result<(), Fallback>,
    ) -> Result<(), Fallback> {
        if let At::Value(_) = self.at {
            self.out.push(' ');
        }
        text(self.out)?;
        if !matches!(self.at, At::Key) {
            self.out.push('\n');
        }
        Ok(())
    }

    fn integer(self, n: impl fmt::Display) -> Result<(), Fallback> {
        self.scalar(|out| {
            use fmt::Write as _;
            write!(out, "{n}").map_err(|_| Fallback)
        })
    }

    /// Starts a mapping (`map`) or a sequence here.
    fn block(self, map: bool) -> Result<Block<'a>, Fallback> {
        let (column, open, inline, empty) = match (self.at, map) {
            (At::Key, _) => return Err(Fallback),
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

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.next();
        self.out.push_str("- ");
        value.serialize(Emit {
            out: self.out,
            at: At::Item(self.column),
        })
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Fallback> {
        self.next();
        key.serialize(Emit {
            out: self.out,
            at: At::Key,
        })?;
        self.out.push(':');
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        value.serialize(Emit {
            out: self.out,
            at: At::Value(self.column),
        })
    }

    fn end(self) -> Result<(), Fallback> {
        if self.entries == 0 {
            self.out.push_str(self.empty);
        }
        Ok(())
    }
}

impl<'a> ser::Serializer for Emit<'a> {
    type Ok = ();
    type Error = Fallback;
    type SerializeSeq = Block<'a>;
    type SerializeTuple = Block<'a>;
    type SerializeTupleStruct = Block<'a>;
    type SerializeTupleVariant = Impossible<(), Fallback>;
    type SerializeMap = Block<'a>;
    type SerializeStruct = Block<'a>;
    type SerializeStructVariant = Impossible<(), Fallback>;

    fn serialize_bool(self, v: bool) -> Result<(), Fallback> {
        self.scalar(|out| {
            out.push_str(if v { "true" } else { "false" });
            Ok(())
        })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Fallback> {
        self.integer(v)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Fallback> {
        Err(Fallback)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Fallback> {
        Err(Fallback)
    }
    fn serialize_char(self, v: char) -> Result<(), Fallback> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Fallback> {
        if matches!(self.at, At::Key) && !plain(v) {
            return Err(Fallback);
        }
        self.scalar(|out| scalar_text(v, out))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Fallback> {
        Err(Fallback)
    }
    fn serialize_none(self) -> Result<(), Fallback> {
        self.scalar(|out| {
            out.push_str("null");
            Ok(())
        })
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Fallback> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Fallback> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Fallback> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Fallback> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        value.serialize(self)
    }
    // serde_yaml writes these as tagged values (`!Variant …`)
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Fallback> {
        Err(Fallback)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Block<'a>, Fallback> {
        self.block(false)
    }
    fn serialize_tuple(self, _: usize) -> Result<Block<'a>, Fallback> {
        self.block(false)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, Fallback> {
        self.block(false)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Fallback> {
        Err(Fallback)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Block<'a>, Fallback> {
        self.block(true)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Block<'a>, Fallback> {
        self.block(true)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Fallback> {
        Err(Fallback)
    }
}

impl ser::SerializeSeq for Block<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.item(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Block::end(self)
    }
}

impl ser::SerializeTuple for Block<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.item(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Block::end(self)
    }
}

impl ser::SerializeTupleStruct for Block<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.item(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Block::end(self)
    }
}

impl ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Fallback> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.value(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Block::end(self)
    }
}

impl ser::SerializeStruct for Block<'_> {
    type Ok = ();
    type Error = Fallback;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        self.key(key)?;
        self.value(value)
    }
    fn end(self) -> Result<(), Fallback> {
        Block::end(self)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// The fast path's text, or `None` where it hands over to serde_yaml.
    fn fast<T: Serialize + ?Sized>(value: &T) -> Option<String> {
        let mut out = String::new();
        value.serialize(Emit::root(&mut out)).ok().map(|()| out)
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

    /// Strings that are usually plain, and now and then anything.
    fn text() -> BoxedStrategy<String> {
        prop_oneof![
            4 => "[a-zA-Z0-9][a-zA-Z0-9._/-]{0,20}",
            2 => "[0-9][0-9a-zA-Z.+_-]{0,6}",
            1 => "[0-9]{1,3}(\\.[0-9]{1,3}){0,4}\\.?",
            1 => "[\\[\\]{}#&*!|>%@`'\"?:,-][ -~]{0,12}",
            1 => prop::sample::select(vec![
                "true", "True", "NULL", "nan", "Inf", "0x1f", "0o7", "0b1", "012", "1e5",
                "1.5", "+1", "-", "-a", ".inf", "~", "", "a: b", "a #b", "[0-99]", "x\ny",
                "yes", "no", "on", "off", "y", "n", "2024-01-01", "1_000",
            ])
            .prop_map(str::to_owned),
            1 => any::<String>(),
        ]
        .boxed()
    }

    /// Strings the fast path writes (names, addresses, quantities).
    fn plain_text() -> BoxedStrategy<String> {
        prop_oneof![
            "[a-z][a-zA-Z0-9._/-]{0,20}",
            "[0-9]{1,3}(\\.[0-9]{1,3}){2,3}",
            "[1-9][0-9]{0,3}(Gi|Mi|m)",
            "\\[[0-9]{1,3}-[0-9]{1,3}\\]",
            "[\\[{#&*!|>%@`][ -~]{0,12}",
        ]
        .prop_filter("not a YAML keyword", |s| plain(s) || single_quoted(s))
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

        /// A document of plain scalars is written without serde_yaml, as
        /// serde_yaml writes it.
        #[test]
        fn writes_what_serde_yaml_writes(d in doc(plain_text(), plain_text().prop_filter("plain", |s| plain(s)).boxed())) {
            let text = fast(&d);
            prop_assert!(text.is_some());
            prop_assert_eq!(text.unwrap(), serde_yaml::to_string(&d).unwrap());
        }

        /// With any scalars, whenever the fast path writes a document, it
        /// writes serde_yaml's text.
        #[test]
        fn never_writes_other_text_than_serde_yaml(d in doc(text(), text())) {
            if let Some(text) = fast(&d) {
                prop_assert_eq!(text, serde_yaml::to_string(&d).unwrap());
            }
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
    fn scalars_serde_yaml_must_decide_go_to_serde_yaml() {
        for s in [
            "true", "1.5", "012", "0x1f", "a b", "x\ny", "", "nan", "-a", "'a'",
        ] {
            assert!(!plain(s) && !single_quoted(s), "{s:?}");
            let doc = BTreeMap::from([("k", s)]);
            assert!(fast(&doc).is_none(), "{s:?}");
            let mut text = "# header\n".to_owned();
            append(&doc, &mut text).unwrap();
            assert_eq!(
                text,
                format!("# header\n{}", serde_yaml::to_string(&doc).unwrap())
            );
        }
        for s in [
            "kafka",
            "500m",
            "20Gi",
            "10.1.0.5",
            "strimzi.io/cluster",
            "v1beta2",
        ] {
            assert!(plain(s), "{s:?}");
        }
        let ids = BTreeMap::from([("strimzi.io/next-node-ids", "[0-99]")]);
        assert_eq!(fast(&ids).unwrap(), "strimzi.io/next-node-ids: '[0-99]'\n");
    }
}
