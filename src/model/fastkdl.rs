//! A fast path for the common subset of KDL v2.
//!
//! [`parse`] builds the same [`KdlDocument`] as [`KdlDocument::parse_v2`]
//! (same nodes, entries, values and spans; formats and reprs are left unset)
//! for the subset `cluster.kdl` is written in, and returns `None` at the
//! first construct outside it or at any syntax error, so that the caller
//! falls back to the real parser and its diagnostics.
//!
//! The subset: nodes named by a bare identifier or a quoted string;
//! arguments; `key=value` properties with a bare-identifier key; values that
//! are quoted strings (escapes `\"`, `\\`, `\n`, `\t`, `\r`), bare
//! identifier strings (ASCII), decimal integers, simple decimal floats,
//! `#true`, `#false`, `#null`; children blocks; `;` and newline terminators;
//! `//` and (nested) `/* */` comments. Everything else (slashdash, type
//! annotations, raw and multi-line strings, line continuations, other
//! escapes, non-ASCII outside strings and comments, a BOM) returns `None`.
//!
//! Spans, as kdl 6.7's v2 parser assigns them:
//! - a node: from its name to the end of the whitespace (and `/* */`
//!   comments) after its last entry or its children block, excluding the
//!   terminator;
//! - a node name or property key: the token, quotes included;
//! - an entry: from the key (or the value) to the end of the value;
//! - a document: from its first node to the end of its last node's span;
//!   with no node, empty, after the leading whitespace and comments.

use std::cell::Cell;

use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};

/// Deeper blocks go to the real parser (the caller limits nesting anyway).
const MAX_DEPTH: usize = 64;

thread_local! {
    static DISABLED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the fast path disabled on this thread: [`parse`] returns
/// `None`, so callers take the `parse_v2` path. For tests comparing both.
pub fn with_fast_path_disabled<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            DISABLED.with(|d| d.set(self.0));
        }
    }
    let _reset = Reset(DISABLED.with(|d| d.replace(true)));
    f()
}

/// Parses `text` if it lies in the subset, else `None`.
pub fn parse(text: &str) -> Option<KdlDocument> {
    if DISABLED.with(Cell::get) {
        return None;
    }
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    let doc = p.nodes(0)?;
    (p.i == p.b.len()).then_some(doc)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

/// A value token.
enum Token {
    /// A bare identifier string or a quoted string.
    Str(String),
    /// Any other value.
    Other(KdlValue),
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!$%&'*+,-.:<>?@^_`|~".contains(&c)
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i.checked_add(k)?).copied()
    }

    /// `/* … */`, nested, starting at `self.i` (which is at `/*`).
    fn block_comment(&mut self) -> Option<()> {
        self.i += 2;
        let mut depth = 1usize;
        loop {
            match (self.peek()?, self.peek_at(1)) {
                (b'*', Some(b'/')) => {
                    self.i += 2;
                    depth -= 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                (b'/', Some(b'*')) => {
                    self.i += 2;
                    depth += 1;
                }
                _ => self.i += 1,
            }
        }
    }

    /// `node-space*` of the subset: spaces, tabs, block comments.
    fn ws(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.i += 1,
                Some(b'/') if self.peek_at(1) == Some(b'*') => self.block_comment()?,
                _ => return Some(()),
            }
        }
    }

    /// `line-space*` of the subset: whitespace, newlines, comments.
    fn line_space(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'/') if self.peek_at(1) == Some(b'*') => self.block_comment()?,
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    let rest = self.s.get(self.i..)?;
                    let mut end = rest.len();
                    for (k, c) in rest.char_indices() {
                        match c {
                            '\n' | '\r' => {
                                end = k;
                                break;
                            }
                            // Other newlines end a comment in KDL v2.
                            '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                                return None;
                            }
                            _ => {}
                        }
                    }
                    self.i += end;
                }
                _ => return Some(()),
            }
        }
    }

    /// Whether a value may end here (`value-terminator` of the subset).
    fn at_value_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(b' ' | b'\t' | b'\n' | b'\r' | b';' | b'{' | b'}' | b'=') => true,
            Some(b'/') => matches!(self.peek_at(1), Some(b'/' | b'*')),
            _ => false,
        }
    }

    /// `nodes`: line space, nodes and terminators, up to `}` or the end.
    fn nodes(&mut self, depth: usize) -> Option<KdlDocument> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut doc = KdlDocument::new();
        let mut span: Option<(usize, usize)> = None;
        loop {
            self.line_space()?;
            match self.peek() {
                None | Some(b'}') => break,
                _ => {}
            }
            let start = self.i;
            let node = self.node(depth)?;
            span = Some((span.map_or(start, |s| s.0), self.i));
            doc.nodes_mut().push(node);
            match self.peek() {
                Some(b';') => self.i += 1,
                None | Some(b'}' | b'\n' | b'\r') => {}
                Some(b'/') if self.peek_at(1) == Some(b'/') => {}
                _ => return None,
            }
        }
        let (start, end) = span.unwrap_or((self.i, self.i));
        doc.set_span(start..end);
        Some(doc)
    }

    /// One node, from its name to the whitespace after it.
    fn node(&mut self, depth: usize) -> Option<KdlNode> {
        let start = self.i;
        let name = match self.value()? {
            Token::Str(s) => s,
            Token::Other(_) => return None,
        };
        let mut ident = KdlIdentifier::from(name);
        ident.set_span(start..self.i);
        let mut node = KdlNode::new(ident);
        loop {
            let before = self.i;
            self.ws()?;
            match self.peek() {
                None | Some(b'\n' | b'\r' | b';' | b'}') => break,
                Some(b'/') if self.peek_at(1) == Some(b'/') => break,
                Some(b'{') => {
                    self.i += 1;
                    let children = self.nodes(depth + 1)?;
                    if self.peek() != Some(b'}') {
                        return None;
                    }
                    self.i += 1;
                    node.set_children(children);
                    self.ws()?;
                    break;
                }
                _ if self.i == before => return None,
                _ => {
                    let entry = self.entry()?;
                    node.entries_mut().push(entry);
                }
            }
        }
        node.set_span(start..self.i);
        Some(node)
    }

    /// An argument or a `key=value` property.
    fn entry(&mut self) -> Option<KdlEntry> {
        let start = self.i;
        let first = self.value()?;
        let mut entry = if self.peek() == Some(b'=') {
            // A property: the key must be a bare identifier.
            let key = match first {
                Token::Str(k) if self.b.get(start) != Some(&b'"') => k,
                _ => return None,
            };
            let mut ident = KdlIdentifier::from(key);
            ident.set_span(start..self.i);
            self.i += 1;
            let value = match self.value()? {
                Token::Str(s) => KdlValue::String(s),
                Token::Other(v) => v,
            };
            if self.peek() == Some(b'=') {
                return None;
            }
            KdlEntry::new_prop(ident, value)
        } else {
            // `key = value` (spaces around `=`) is left to the real parser.
            let after = self.i;
            self.ws()?;
            if self.peek() == Some(b'=') {
                return None;
            }
            self.i = after;
            KdlEntry::new(match first {
                Token::Str(s) => KdlValue::String(s),
                Token::Other(v) => v,
            })
        };
        entry.set_span(start..self.i);
        Some(entry)
    }

    /// One value token, followed by a value terminator.
    fn value(&mut self) -> Option<Token> {
        let tok = match self.peek()? {
            b'"' => Token::Str(self.quoted()?),
            b'#' => {
                let rest = self.b.get(self.i + 1..)?;
                let (v, n) = if rest.starts_with(b"true") {
                    (KdlValue::Bool(true), 4)
                } else if rest.starts_with(b"false") {
                    (KdlValue::Bool(false), 5)
                } else if rest.starts_with(b"null") {
                    (KdlValue::Null, 4)
                } else {
                    return None;
                };
                self.i += 1 + n;
                Token::Other(v)
            }
            b'0'..=b'9' => Token::Other(self.number()?),
            b'+' | b'-' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                Token::Other(self.number()?)
            }
            c if is_ident_byte(c) => Token::Str(self.bare()?),
            _ => return None,
        };
        self.at_value_end().then_some(tok)
    }

    /// A bare identifier string (ASCII only).
    fn bare(&mut self) -> Option<String> {
        let start = self.i;
        while self.peek().is_some_and(is_ident_byte) {
            self.i += 1;
        }
        let s = self.s.get(start..self.i)?;
        let b = s.as_bytes();
        let first = *b.first()?;
        let second = b.get(1).copied();
        // A digit or `.` may not start an identifier, nor follow its sign.
        let numberish = |c: u8| c.is_ascii_digit() || c == b'.';
        if numberish(first) || (matches!(first, b'+' | b'-') && second.is_some_and(numberish)) {
            return None;
        }
        if matches!(
            s,
            "true" | "false" | "null" | "inf" | "-inf" | "+inf" | "nan" | "-nan" | "+nan"
        ) {
            return None;
        }
        Some(s.to_owned())
    }

    /// A single-line quoted string with the simple escapes.
    fn quoted(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let run = self.i;
            // The longest run of plain ASCII characters.
            while self.peek().is_some_and(|c| {
                c != b'"' && c != b'\\' && (c == b'\t' || (0x20..0x7f).contains(&c))
            }) {
                self.i += 1;
            }
            out.push_str(self.s.get(run..self.i)?);
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push(match self.peek_at(1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        _ => return None,
                    });
                    self.i += 2;
                }
                c if c < 0x80 => return None,
                _ => {
                    let c = self.s.get(self.i..)?.chars().next()?;
                    if matches!(c,
                        '\u{80}'..='\u{9F}'
                        | '\u{200E}'..='\u{200F}'
                        | '\u{2028}'..='\u{202E}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{FEFF}')
                    {
                        return None;
                    }
                    out.push(c);
                    self.i += c.len_utf8();
                }
            }
        }
    }

    /// A decimal integer or a simple decimal float (`1.5`), optionally signed.
    fn number(&mut self) -> Option<KdlValue> {
        let start = self.i;
        let negative = match self.peek()? {
            b'-' => {
                self.i += 1;
                true
            }
            b'+' => {
                self.i += 1;
                false
            }
            _ => false,
        };
        let int_start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let int: i128 = self.s.get(int_start..self.i)?.parse().ok()?;
        if self.peek() == Some(b'.') {
            self.i += 1;
            let frac_start = self.i;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            // kdl reads both parts as i128 before parsing the float.
            self.s.get(frac_start..self.i)?.parse::<i128>().ok()?;
            let f: f64 = self.s.get(start..self.i)?.parse().ok()?;
            return Some(KdlValue::Float(f));
        }
        Some(KdlValue::Integer(if negative {
            int.checked_neg()?
        } else {
            int
        }))
    }
}
