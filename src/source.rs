//! Reading `cluster.kdl`: the only input, held once and shared by every stage.

use std::sync::Arc;

/// The largest `cluster.kdl` topogen reads. Real topologies are a few KiB.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// The deepest nesting of `{ }` blocks topogen accepts. The schema needs 4.
pub const MAX_DEPTH: usize = 64;

/// The text of `cluster.kdl` and the name it is reported under.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name shown in diagnostics (the path as the user gave it).
    pub name: String,
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
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
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

/// How deeply `{ }` blocks, `/* */` comments and chains of `/-` slashdashes
/// nest, ignoring braces in strings and comments.
///
/// The KDL parser recurses once per level of either, so a hostile file nested
/// 100,000 deep would overflow the stack; this scan runs first, in constant
/// stack.
pub fn max_depth(text: &str) -> (usize, usize) {
    let b = text.as_bytes();
    let (mut i, mut depth, mut max, mut at) = (0, 0usize, 0usize, 0usize);
    // consecutive `/-` slashdashes: the parser recurses once per link of the chain
    let mut slashdashes = 0usize;
    let mut annotations = 0usize;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'-') => {
                slashdashes += 1;
                if depth + slashdashes > max {
                    max = depth + slashdashes;
                    at = i;
                }
                i += 2;
                continue;
            }
            b'(' => {
                // a type annotation `(t)`: the parser also recurses once per
                // annotation of an adjacent chain `(t)(t)(t)…`
                annotations += 1;
                if depth + slashdashes + annotations > max {
                    max = depth + slashdashes + annotations;
                    at = i;
                }
                while i < b.len() && b[i] != b')' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ if slashdashes > 0 && !matches!(b[i], b'/') => slashdashes = 0,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // the KDL parser also recurses once per nested `/* /* */ */`
                let mut nest = 1;
                if depth + nest > max {
                    max = depth + nest;
                    at = i;
                }
                i += 2;
                while i < b.len() && nest > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        if depth + nest > max {
                            max = depth + nest;
                            at = i;
                        }
                        i += 1;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'#' if matches!(b.get(i + 1), Some(b'#' | b'"')) => {
                // raw string: #"..."#, ##"..."##, possibly multi-line
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
                    continue;
                }
            }
            b'"' => {
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
                if depth > max {
                    max = depth;
                    at = i;
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        // anything but `(` ends a chain of adjacent type annotations
        annotations = 0;
        i += 1;
    }
    (max, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_strings_and_comments() {
        assert_eq!(max_depth("a { b { c } }").0, 2);
        assert_eq!(
            max_depth("a \"{{{{\" // {{{{\n/* { /* { */ */ b #\"{{\"#").0,
            2 // the two nested comments, not the braces inside them
        );
        assert_eq!(max_depth(&"a {".repeat(100_000)).0, 100_000);
        assert_eq!(max_depth(&format!("{}node", "/- ".repeat(1000))).0, 1000);
        assert_eq!(max_depth(&format!("{}node", "(t)".repeat(1000))).0, 1000);
        assert_eq!(max_depth("(a)node (b)x (c)y").0, 1);
        // nested block comments recurse in the parser too
        assert_eq!(max_depth(&"/*".repeat(100_000)).0, 100_000);
        assert_eq!(max_depth("a { /* /* */ */ }").0, 3);
    }

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("x", "ab\nçd e");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(6), (2, 3));
    }
}
