//! Reading `cluster.kdl`: the only input, held once and shared by every stage.
//!
//! Every limit on what one file may ask of topogen is here, so that any
//! input is read, validated and rendered in bounded time and memory
//! (BENCHMARKS.md, "Hostile inputs"); each is a `topogen::syntax::limits`
//! error and a row of "Limits" in docs/cluster-kdl.md.

use std::sync::Arc;

/// The largest `cluster.kdl` topogen reads. Real topologies are a few KiB.
pub const MAX_BYTES: usize = 256 * 1024;
/// The deepest nesting of `{ }` blocks topogen accepts. The schema needs 4.
pub const MAX_DEPTH: usize = 64;
/// The most words (node names, arguments, properties) a file may have.
/// The bundled `cluster.kdl` has about 220, a 3,000-node topology about 600.
pub const MAX_WORDS: usize = 5_000;
/// The most environments a file may define.
pub const MAX_ENVIRONMENTS: usize = 64;
/// The most nodes, arguments and properties of all environments together,
/// after each has merged the base: each environment repeats the base.
pub const MAX_ENV_WORDS: usize = 25_000;
/// The most servers (the pools' `count`s) of all environments together.
/// Kubernetes itself supports at most 5,000 nodes per cluster.
pub const MAX_NODES: u64 = 10_000;
/// The most findings a run shows: past this, the rest are summed up in one
/// finding.
pub const MAX_FINDINGS: usize = 200;
/// The most instructions (minijinja fuel) the templates of one build may
/// run, one template or all together. The built-in templates need about
/// 550,000 at the limits above (64 environments of 26 scheduling profiles).
pub const MAX_TEMPLATE_FUEL: u64 = 5_000_000;
/// The most bytes the templates of one build may write. The built-in
/// templates write 3.4 MB for 10,000 nodes.
pub const MAX_RENDERED_BYTES: usize = 16 << 20;

/// The text of `cluster.kdl` and the name it is reported under.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name shown in diagnostics (the path as the user gave it).
    pub(crate) name: String,
    /// The file's text.
    pub text: Arc<str>,
}

impl Source {
    /// A source from a name and text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let mut start = offset;
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let before = &self.text[..start];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

/// What [`scan`] finds in the text before any parser runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// How deeply `{ }` blocks, `/* */` comments, chains of `/-` slashdashes
    /// and chains of type annotations nest.
    pub depth: usize,
    /// Where the deepest nesting is.
    pub(crate) depth_at: usize,
    /// Words outside comments: node names, arguments and properties (a
    /// `key=value` is one word), each string one word.
    pub words: usize,
    /// Where word number `MAX_WORDS + 1` starts (0 while within the limit).
    pub(crate) words_at: usize,
}

impl Scan {
    /// True when the text is within [`MAX_DEPTH`] and [`MAX_WORDS`]: safe to
    /// hand to a parser.
    pub(crate) fn within_limits(&self) -> bool {
        self.depth <= MAX_DEPTH && self.words <= MAX_WORDS
    }
}

/// Nesting depth and word count of `text`, ignoring braces and words in
/// strings and comments, in one pass and constant stack.
///
/// The KDL parser recurses once per level of nesting, so a hostile file
/// nested 100,000 deep would overflow the stack; and its error path (the
/// `kdl` crate) spends time and memory on every word, so a few hundred
/// thousand words take seconds and hundreds of MiB (BENCHMARKS.md, "Hostile
/// inputs"). Both limits are checked before it runs.
pub fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut out = Scan::default();
    let (mut i, mut depth) = (0, 0usize);
    // consecutive `/-` slashdashes: the parser recurses once per link of the chain
    let mut slashdashes = 0usize;
    let mut annotations = 0usize;
    // the previous byte ended a word (whitespace, a terminator, a comment)
    let mut sep = true;
    let word = |out: &mut Scan, at: usize, sep: &mut bool| {
        if *sep {
            out.words += 1;
            if out.words == MAX_WORDS + 1 {
                out.words_at = at;
            }
        }
        *sep = false;
    };
    let deeper = |out: &mut Scan, d: usize, at: usize| {
        if d > out.depth {
            out.depth = d;
            out.depth_at = at;
        }
    };
    while i < b.len() {
        if slashdashes > 0 && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'/') {
            slashdashes = 0;
        }
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'-') => {
                slashdashes += 1;
                deeper(&mut out, depth + slashdashes, i);
                sep = true;
                i += 2;
                continue;
            }
            b'(' => {
                // a type annotation `(t)`: the parser also recurses once per
                // annotation of an adjacent chain `(t)(t)(t)…`
                annotations += 1;
                deeper(&mut out, depth + slashdashes + annotations, i);
                word(&mut out, i, &mut sep);
                while i < b.len() && b[i] != b')' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b';' => sep = true,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                sep = true;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // the KDL parser also recurses once per nested `/* /* */ */`
                let mut nest = 1;
                deeper(&mut out, depth + nest, i);
                i += 2;
                while i < b.len() && nest > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        deeper(&mut out, depth + nest, i);
                        i += 1;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 1;
                    }
                    i += 1;
                }
                sep = true;
                annotations = 0;
                continue;
            }
            b'#' if matches!(b.get(i + 1), Some(b'#' | b'"')) => {
                // raw string: #"..."#, ##"..."##, possibly multi-line
                word(&mut out, i, &mut sep);
                let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                i += hashes;
                if b.get(i) == Some(&b'"') {
                    let close: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    i += 1;
                    while i < b.len() && !b[i..].starts_with(&close) {
                        i += 1;
                    }
                    i += close.len();
                    annotations = 0;
                    continue;
                }
            }
            b'"' => {
                word(&mut out, i, &mut sep);
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' => {
                depth += 1;
                deeper(&mut out, depth, i);
                sep = true;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                sep = true;
            }
            _ => word(&mut out, i, &mut sep),
        }
        // anything but `(` ends a chain of adjacent type annotations
        annotations = 0;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_strings_and_comments() {
        let depth = |s: &str| scan(s).depth;
        assert_eq!(depth("a { b { c } }"), 2);
        assert_eq!(
            depth("a \"{{{{\" // {{{{\n/* { /* { */ */ b #\"{{\"#"),
            2 // the two nested comments, not the braces inside them
        );
        assert_eq!(depth(&"a {".repeat(100_000)), 100_000);
        assert_eq!(depth(&format!("{}node", "/- ".repeat(1000))), 1000);
        assert_eq!(depth(&format!("{}node", "(t)".repeat(1000))), 1000);
        assert_eq!(depth("(a)node (b)x (c)y"), 1);
        // nested block comments recurse in the parser too
        assert_eq!(depth(&"/*".repeat(100_000)), 100_000);
        assert_eq!(depth("a { /* /* */ */ }"), 3);
        // a string after a slashdash is skipped like any other
        assert_eq!(depth("/- a \"{{{{\""), 1);
    }

    #[test]
    fn words_skip_comments_and_count_strings_once() {
        let words = |s: &str| scan(s).words;
        assert_eq!(words("a b=1 \"c d\" #\"e f\"#;g{h}"), 6);
        assert_eq!(words("a // b c\n/* d e */ f /- g (t)h"), 4);
        assert_eq!(words("(t)(u)1"), 1);
        assert_eq!(words(""), 0);
        let many = "a ".repeat(MAX_WORDS + 5);
        let s = scan(&many);
        assert_eq!(s.words, MAX_WORDS + 5);
        assert_eq!(s.words_at, 2 * MAX_WORDS);
        assert!(!s.within_limits());
        assert!(scan(&"a ".repeat(MAX_WORDS)).within_limits());
    }

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("x", "ab\nçd e");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(6), (2, 3));
    }
}
