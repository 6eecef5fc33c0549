//! The Kubernetes objects as YAML (Strimzi resources, scheduling snippets),
//! written by a maintained YAML library, `serde-saphyr` (BENCHMARKS.md,
//! "Decisions": why this one), in block style with sequences not indented
//! under their key (serde_yaml's layout, which the committed trees have).
//!
//! Two properties are topogen's, not the library's defaults, and the tests
//! hold both (`tests/hostile.rs` with PyYAML too):
//!
//! - every string is a string to a YAML 1.1 reader (PyYAML, Go's yaml.v2,
//!   what Kubernetes tooling and GitHub use): `on`, `yes`, `y`, `NO`, `1e3`,
//!   `0o7`, `2001-12-14`, `1_000`, `<<`, `~` are written quoted. serde-saphyr
//!   does this itself unless told to write YAML 1.2 (`yaml_12`, off here);
//! - every [`hazard`] is written escaped. The library escapes controls and
//!   line breaks itself but writes the bidi controls (U+061C, U+200E–F,
//!   U+202A–E, U+2066–9) as they are, so a string holding one is written
//!   double-quoted ([`serde_saphyr::DoubleQuoted`], chosen by [`Escaped`]) and
//!   the character as `\uXXXX` in the text. A mapping key with one is an error:
//!   keys are field names and validated label keys, which cannot hold one.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Serializer};

use super::templates::hazard;

/// A value written with spans of `cluster.kdl` that decide it besides what
/// its text matches (a broker's ID: its pool's count; an ephemeral volume's
/// `sizeLimit`: the storage type): while provenance is recorded, the line
/// its scalar ends on names them ([`super::provenance::spans_at`]).
pub(crate) struct Traced<T> {
    pub(crate) value: T,
    pub(crate) spans: Vec<crate::diag::Span>,
}

impl<T: Serialize> Serialize for Traced<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.value.serialize(s);
        if super::provenance::active() {
            super::provenance::spans_at(
                super::provenance::WRITTEN.get(),
                self.spans.iter().copied(),
            );
        }
        r
    }
}

/// Appends `value` to `out` as block YAML (see the module documentation).
pub(crate) fn append<T: Serialize + ?Sized>(value: &T, out: &mut String) -> Result<(), Error> {
    let mut options = serde_saphyr::SerializerOptions::default();
    // one line per scalar, double-quoted with escapes when it needs them:
    // no `|` or `>` block scalars, no folding of long strings
    options.prefer_block_scalars = false;
    // `key:\n- item`, as serde_yaml and kubectl write sequences
    options.compact_list_indent = true;
    // YAML 1.1's booleans, numbers, dates and merge keys are quoted
    options.yaml_12 = false;
    let start = out.len();
    let written = if super::provenance::active() {
        // the scalars' places are recorded as they are written
        super::provenance::WRITTEN.set(out.len());
        let r = serde_saphyr::to_fmt_writer_with_options(
            &mut Counting(out),
            &Escaped::value(value),
            options,
        );
        KEY.take();
        super::provenance::rendered(out.as_bytes());
        r
    } else {
        serde_saphyr::to_fmt_writer_with_options(out, &Escaped::value(value), options)
    }
    .map_err(|e| Error(e.to_string()));
    if let Err(e) = written {
        out.truncate(start);
        return Err(e);
    }
    escape_left_hazards(out, start);
    Ok(())
}

/// A writer that keeps [`super::provenance::WRITTEN`] at its length, while
/// provenance is recorded.
struct Counting<'a>(&'a mut String);

impl fmt::Write for Counting<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push_str(s);
        super::provenance::WRITTEN.set(self.0.len());
        // a mapping key is matched where its `:` is written
        if s.contains(':')
            && let Some((text, field)) = KEY.take()
        {
            super::provenance::scalar(self.0.len(), &text, field);
        }
        Ok(())
    }
}

thread_local! {
    /// A mapping key made text (before the serializer writes it), with its
    /// field: matched when its `:` is written ([`Counting`]).
    static KEY: std::cell::RefCell<Option<(String, Option<&'static str>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Serializes a scalar with `write`; while provenance is recorded, the
/// scalar's text (`text`) is matched to the model where the writer stands
/// after it (a mapping key, `key`: where its `:` is written, on its line).
fn scalar<R>(key: bool, text: impl FnOnce() -> String, write: impl FnOnce() -> R) -> R {
    if !super::provenance::active() {
        return write();
    }
    let r = write();
    let field = super::provenance::FIELD.take();
    if key {
        KEY.set(Some((text(), field)));
    } else {
        super::provenance::scalar(super::provenance::WRITTEN.get(), &text(), field);
    }
    r
}

/// Why a value has no YAML here.
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// A hazard the library writes as it is (see the module documentation).
fn left_raw(c: char) -> bool {
    hazard(c)
        && !c.is_control()
        && !matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
        )
}

/// Whether `s` holds a character [`left_raw`] by the library. Each of them
/// is encoded in UTF-8 with the lead byte `D8` (U+061C) or `E2` (U+200E–F,
/// U+202A–E, U+2066–9): a text without either byte, which is nearly every
/// text, is not scanned by character.
fn holds_left_raw(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, 0xD8 | 0xE2)) && s.chars().any(left_raw)
}

/// Writes every hazard the library left in `out[start..]` as `\uXXXX`.
/// [`Escaped`] put every string that holds one in double quotes, where the
/// escape means the character (every hazard is in the Basic Multilingual Plane).
fn escape_left_hazards(out: &mut String, start: usize) {
    if !holds_left_raw(&out[start..]) {
        return;
    }
    let mut text = String::with_capacity(out.len() - start + 16);
    for c in out[start..].chars() {
        if left_raw(c) {
            text.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            text.push(c);
        }
    }
    out.truncate(start);
    out.push_str(&text);
}

/// A value whose strings are written double-quoted when they hold a
/// character [`left_raw`] by the library: a serializer adapter that passes
/// everything else through unchanged.
struct Escaped<'a, T: ?Sized> {
    value: &'a T,
    /// A mapping key: a string with such a character is an error.
    key: bool,
}

impl<'a, T: ?Sized> Escaped<'a, T> {
    fn value(value: &'a T) -> Self {
        Escaped { value, key: false }
    }

    fn key(value: &'a T) -> Self {
        Escaped { value, key: true }
    }
}

impl<T: Serialize + ?Sized> Serialize for Escaped<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Adapter {
            inner: s,
            key: self.key,
        })
    }
}

/// The serializer of [`Escaped`].
struct Adapter<S> {
    inner: S,
    key: bool,
}

/// Forwards a compound serializer's parts, each wrapped in [`Escaped`].
struct Parts<C> {
    inner: C,
}

/// Methods of [`Adapter`] that pass their arguments through: scalars as
/// they are, compound serializers wrapped in [`Parts`].
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<$ret, S::Error> {
            self.inner.$method($($arg),*)
        })*
    };
    ($(compound $method:ident($($arg:ident: $ty:ty),*) -> $ret:ident;)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<Self::$ret, S::Error> {
            Ok(Parts {
                inner: self.inner.$method($($arg),*)?,
            })
        })*
    };
}

impl<S: Serializer> Serializer for Adapter<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Parts<S::SerializeSeq>;
    type SerializeTuple = Parts<S::SerializeTuple>;
    type SerializeTupleStruct = Parts<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Parts<S::SerializeTupleVariant>;
    type SerializeMap = Parts<S::SerializeMap>;
    type SerializeStruct = Parts<S::SerializeStruct>;
    type SerializeStructVariant = Parts<S::SerializeStructVariant>;

    forward! {
        serialize_i8(v: i8) -> S::Ok;
        serialize_i16(v: i16) -> S::Ok;
        serialize_u8(v: u8) -> S::Ok;
        serialize_u16(v: u16) -> S::Ok;
        serialize_f32(v: f32) -> S::Ok;
        serialize_f64(v: f64) -> S::Ok;
        serialize_bytes(v: &[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(name: &'static str) -> S::Ok;
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> S::Ok;
    }

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        scalar(self.key, || v.to_string(), || self.inner.serialize_bool(v))
    }

    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        scalar(self.key, || v.to_string(), || self.inner.serialize_i32(v))
    }

    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        scalar(self.key, || v.to_string(), || self.inner.serialize_i64(v))
    }

    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        scalar(self.key, || v.to_string(), || self.inner.serialize_u32(v))
    }

    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        scalar(self.key, || v.to_string(), || self.inner.serialize_u64(v))
    }

    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        if !holds_left_raw(v) {
            return scalar(self.key, || v.to_owned(), || self.inner.serialize_str(v));
        }
        if self.key {
            return Err(ser::Error::custom(
                "a mapping key holds a bidirectional control character",
            ));
        }
        serde_saphyr::DoubleQuoted(v).serialize(self.inner)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Escaped {
            value,
            key: self.key,
        })
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(
            name,
            &Escaped {
                value,
                key: self.key,
            },
        )
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, &Escaped::value(value))
    }

    forward! {
        compound serialize_seq(len: Option<usize>) -> SerializeSeq;
        compound serialize_tuple(len: usize) -> SerializeTuple;
        compound serialize_tuple_struct(name: &'static str, len: usize) -> SerializeTupleStruct;
        compound serialize_tuple_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> SerializeTupleVariant;
        compound serialize_map(len: Option<usize>) -> SerializeMap;
        compound serialize_struct(name: &'static str, len: usize) -> SerializeStruct;
        compound serialize_struct_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> SerializeStructVariant;
    }
}

/// The compound serializers of [`Parts`]: each element or field is wrapped
/// in [`Escaped`] as a value, the rest passed through.
macro_rules! parts {
    // sequences and tuples: `method(value)`
    ($($trait:ident::$method:ident;)*) => {
        $(impl<C: ser::$trait> ser::$trait for Parts<C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
                self.inner.$method(&Escaped::value(v))
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        })*
    };
    // structs: `serialize_field(key, value)`, keys are the type's field names
    ($(struct $trait:ident;)*) => {
        $(impl<C: ser::$trait> ser::$trait for Parts<C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), C::Error> {
                if super::provenance::active() {
                    super::provenance::FIELD.set(Some(key));
                }
                self.inner.serialize_field(key, &Escaped::value(v))
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.inner.skip_field(key)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        })*
    };
}

parts! {
    SerializeSeq::serialize_element;
    SerializeTuple::serialize_element;
    SerializeTupleStruct::serialize_field;
    SerializeTupleVariant::serialize_field;
}

parts! {
    struct SerializeStruct;
    struct SerializeStructVariant;
}

impl<C: ser::SerializeMap> ser::SerializeMap for Parts<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), C::Error> {
        self.inner.serialize_key(&Escaped::key(k))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        self.inner.serialize_value(&Escaped::value(v))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
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

        /// With any scalars, the document is written and reads back as the
        /// value it was written from.
        #[test]
        fn reads_back_what_it_wrote(d in doc(text(), text().prop_filter("no bidi control in a key", |k| !k.chars().any(left_raw)).boxed())) {
            let text = fast(&d).expect("every document of these shapes is written");
            let back: serde_yaml::Value = serde_yaml::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(back, serde_yaml::to_value(&d).unwrap(), "{}", text);
            prop_assert!(!text.chars().any(|c| c != '\n' && hazard(c)), "a hazard written as it is: {}", text);
        }
    }

    /// [`holds_left_raw`]'s byte test skips no character [`left_raw`].
    #[test]
    fn every_character_left_raw_has_a_lead_byte_the_prefilter_knows() {
        let mut seen = 0;
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if left_raw(c) {
                seen += 1;
                let mut buf = [0; 4];
                let s = c.encode_utf8(&mut buf);
                assert!(holds_left_raw(s), "{c:?}");
                assert!(holds_left_raw(&format!("ab{s}c")), "{c:?}");
            }
        }
        assert_eq!(seen, 12);
    }

    #[test]
    fn the_layout_is_kubectl_s() {
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
        assert_eq!(
            fast(&nested).unwrap(),
            "- - 1\n  - []\n- a:\n  - b\n  c: {}\n  d:\n    e: true\n"
        );
    }

    #[test]
    fn scalars_a_yaml_reader_could_take_for_another_type_are_quoted() {
        for s in SPECIAL {
            let doc = BTreeMap::from([("k", *s)]);
            let text = fast(&doc).unwrap();
            // strings to YAML 1.1 and 1.2 readers alike, which the
            // hand-written emitter before the library quoted to be safe
            let plain_ok = ["Infinity", "é"].contains(s);
            assert!(
                plain_ok || text.starts_with("k: \"") || text.starts_with("k: '"),
                "{s:?} is written plain: {text}"
            );
            let back: BTreeMap<String, String> = serde_yaml::from_str(&text).unwrap();
            assert_eq!(
                back,
                BTreeMap::from([("k".to_owned(), s.to_string())]),
                "{text}"
            );
            if !s.chars().any(left_raw) {
                let key = fast(&BTreeMap::from([(*s, 1)])).unwrap();
                assert!(
                    plain_ok || key.starts_with(['"', '\'']),
                    "key {s:?} is written plain: {key}"
                );
            }
        }
        let written = |s: &str| fast(&BTreeMap::from([("k", s)])).unwrap();
        assert_eq!(written("on"), "k: \"on\"\n");
        assert_eq!(written("4.0.0"), "k: \"4.0.0\"\n");
        assert_eq!(written("it's"), "k: it's\n");
        assert_eq!(written("a\u{2028}b"), "k: \"a\\Lb\"\n");
        assert_eq!(written("a\u{202e}b"), "k: \"a\\u202eb\"\n");
        assert_eq!(written("[0-99]"), "k: \"[0-99]\"\n");
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
            assert_eq!(written(s), format!("k: {s}\n"));
        }
        assert!(fast(&BTreeMap::from([("a\u{202e}b", 1)])).is_none());
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
        strings.retain(|s| s.chars().count() <= 1024 && !s.chars().any(left_raw));
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
