//! Syntax errors in the user's terms: a targeted look at the source when the
//! KDL parser rejects it.
//!
//! The KDL v2 parser reports the two most common mistakes badly: an unquoted
//! value that starts with a digit (`subnet=10.1.1.0/24`) becomes "expected
//! property value" over the whole file, and a missing `}` is blamed on the
//! outermost block. One linear pass over the text (strings and comments
//! skipped, as [`crate::source::scan`] does) finds both; when it finds
//! neither, the caller keeps the parser's own diagnostics.

use kdl::KdlValue;

use crate::codes::SYNTAX_KDL;
use crate::diag::{Finding, Span};

/// A word or a brace outside strings and comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// A bare word: a node name, an identifier, a number, `key=value`.
    Word {
        span: Span,
        /// First token on its line: where a node starts.
        line_start: bool,
        /// Columns of whitespace before it on its line.
        indent: usize,
    },
    /// A quoted or raw string.
    Str,
    /// A `"` string that the line ends before it is closed.
    Unterminated(Span),
    /// `{`.
    Open(usize),
    /// `}`: its offset, whether it starts its line, its line's indentation.
    Close(usize, bool, usize),
    /// A node terminator: a newline (not escaped) or `;`.
    End,
}

/// The tokens of `text` that matter for [`diagnose`].
fn tokens(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line_start, mut indent, mut at_line_start) = (0, 0, 0, true);
    while i < b.len() {
        match b[i] {
            b'\n' => {
                out.push(Token::End);
                i += 1;
                line_start = i;
                (indent, at_line_start) = (0, true);
            }
            b';' => {
                out.push(Token::End);
                i += 1;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                if at_line_start {
                    indent = i - line_start;
                }
            }
            b'\\' => {
                // a line continuation: skip to the next line, which goes on the node
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                i += 1;
                line_start = i;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut nest = 1;
                i += 2;
                while i < b.len() && nest > 0 {
                    if b[i..].starts_with(b"/*") {
                        nest += 1;
                        i += 1;
                    } else if b[i..].starts_with(b"*/") {
                        nest -= 1;
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'-') => i += 2,
            b'{' => {
                out.push(Token::Open(i));
                at_line_start = false;
                i += 1;
            }
            b'}' => {
                out.push(Token::Close(i, at_line_start, indent));
                at_line_start = false;
                i += 1;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                out.push(Token::Str);
                at_line_start = false;
                i = skip_string(b, i + 3, b"\"\"\"");
            }
            b'"' => {
                // a one-line string: a newline before the closing quote ends it
                let start = i;
                i += 1;
                while i < b.len() && !matches!(b[i], b'"' | b'\n') {
                    i += usize::from(b[i] == b'\\') + 1;
                }
                if b.get(i) == Some(&b'"') {
                    out.push(Token::Str);
                    i += 1;
                } else {
                    let end = i.min(b.len());
                    out.push(Token::Unterminated(Span::new(
                        start,
                        text[start..end].trim_end().len(),
                    )));
                }
                at_line_start = false;
            }
            b'#' if matches!(b.get(i + 1), Some(b'#' | b'"')) => {
                let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                let mut close = vec![b'"'];
                close.extend(std::iter::repeat_n(b'#', hashes));
                out.push(Token::Str);
                at_line_start = false;
                i += hashes + 1;
                while i < b.len() && !b[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
            }
            b'(' => {
                while i < b.len() && b[i] != b')' {
                    i += 1;
                }
                i += 1;
            }
            _ => {
                // at least one byte: a stray `)` is a word of its own
                let start = i;
                i += 1;
                // `key="value"`: the string is its own token
                while i < b.len() && !ends_word(b, i) {
                    i += 1;
                }
                out.push(Token::Word {
                    span: Span::new(start, i - start),
                    line_start: at_line_start,
                    indent,
                });
                at_line_start = false;
            }
        }
    }
    out
}

/// The offset after a string's closing quote (`"…"`, escapes honoured).
fn skip_string(b: &[u8], mut i: usize, close: &[u8]) -> usize {
    while i < b.len() && !b[i..].starts_with(close) {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i + close.len()
}

fn ends_word(b: &[u8], i: usize) -> bool {
    matches!(
        b[i],
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' | b'(' | b')' | b'"'
    ) || b[i..].starts_with(b"//")
        || b[i..].starts_with(b"/*")
}

/// Findings for the syntax errors of `text` that the KDL parser reports
/// poorly; empty when there are none, and then the parser's are the ones
/// to show.
pub(crate) fn diagnose(text: &str) -> Vec<Finding> {
    let toks = tokens(text);
    let mut out: Vec<Finding> = toks
        .iter()
        .filter_map(|t| match *t {
            Token::Word { span, .. } => unquoted_value(text, span),
            Token::Unterminated(span) => Some(
                Finding::new(&SYNTAX_KDL, "this string is never closed")
                    .label(span, "no closing `\"` on this line")
                    .help("end it with `\"` on the same line; a string of several lines is written between `\"\"\"` and `\"\"\"`"),
            ),
            _ => None,
        })
        .collect();
    out.extend(unclosed_block(text, &toks));
    out
}

/// `key=10.1.1.0/24` or an argument `2Gi`: a bare word that starts like a
/// number but is not one.
fn unquoted_value(text: &str, word: Span) -> Option<Finding> {
    let w = &text[word.offset..word.offset + word.len];
    let (key, value, at) = match w.split_once('=') {
        Some((k, v)) => (Some(k), v, word.offset + k.len() + 1),
        None => (None, w, word.offset),
    };
    let digits = value.trim_start_matches(['+', '-']);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) || is_number(value) {
        return None;
    }
    let quoted = match key {
        Some(k) => format!("{k}=\"{value}\""),
        None => format!("\"{value}\""),
    };
    let what = match key {
        Some(k) => format!("the value `{value}` of `{k}`"),
        None => format!("the argument `{value}`"),
    };
    Some(
        Finding::new(
            &SYNTAX_KDL,
            format!("{what} starts with a digit but is not a number"),
        )
        .label(
            Span::new(at, value.len()),
            "a bare value starting with a digit",
        )
        .help(format!(
            "quote it: `{quoted}` (in KDL v2 a value that starts with a digit must be a number)"
        )),
    )
}

/// True when `value` is a KDL v2 number.
fn is_number(value: &str) -> bool {
    kdl::KdlDocument::parse_v2(&format!("n {value}")).is_ok_and(|d| {
        d.nodes().first().is_some_and(|n| {
            n.entries().len() == 1
                && matches!(
                    n.entries()[0].value(),
                    KdlValue::Integer(_) | KdlValue::Float(_)
                )
        })
    })
}

/// An open block.
#[derive(Clone, Copy)]
struct Block {
    /// Its node's first words (`pool worker`).
    node: Span,
    /// The `{`.
    brace: usize,
    /// The indentation of its node's first line.
    indent: usize,
}

/// A `{` the file never closes, or a `}` that closes nothing.
///
/// Braces alone cannot say which block lacks its `}`: the parser matches the
/// last `}` to the innermost block and blames the outermost. Indentation can:
/// the unclosed block is the first one that a line indented outside it (a
/// sibling node, or the `}` of an outer block) interrupts, else the innermost.
fn unclosed_block(text: &str, toks: &[Token]) -> Option<Finding> {
    let mut stack: Vec<Block> = Vec::new();
    // the first block a line indented outside it interrupted, and that line
    let mut interrupted: Option<(Block, Span)> = None;
    // the words of the node being read: its name and first argument
    let mut node: Option<(Span, usize, bool, bool)> = None;
    // the last node that started a line, and the depth it is at
    let mut prev: Option<(Span, usize, usize)> = None;
    // the first node whose next line is indented under it without a `{`
    let mut no_brace: Option<Span> = None;
    for t in toks {
        match *t {
            Token::Word {
                span,
                line_start,
                indent,
            } => {
                if line_start {
                    if interrupted.is_none()
                        && let Some(top) = stack.last()
                        && indent <= top.indent
                    {
                        interrupted = Some((*top, span));
                    }
                    if no_brace.is_none()
                        && let Some((name, ind, depth)) = prev
                        && depth == stack.len()
                        && indent > ind
                    {
                        no_brace = Some(name);
                    }
                }
                // the node's name and its first argument (`pool worker`)
                node = match node {
                    None => Some((span, indent, false, line_start)),
                    Some((name, ind, false, start)) if !span.text(text).contains('=') => {
                        let end = span.offset + span.len;
                        Some((Span::new(name.offset, end - name.offset), ind, true, start))
                    }
                    Some((name, ind, _, start)) => Some((name, ind, true, start)),
                };
            }
            Token::Str | Token::Unterminated(_) => {}
            Token::Open(at) => {
                let (span, indent, ..) = node.unwrap_or((Span::new(at, 1), 0, false, false));
                stack.push(Block {
                    node: span,
                    brace: at,
                    indent,
                });
                node = None;
                prev = None;
            }
            Token::Close(at, line_start, indent) => {
                let Some(top) = stack.pop() else {
                    return Some(stray_close(text, at, no_brace));
                };
                if line_start && interrupted.is_none() && indent < top.indent {
                    interrupted = Some((top, Span::new(at, 1)));
                }
                node = None;
                prev = None;
            }
            Token::End => {
                if let Some((span, indent, _, true)) = node {
                    prev = Some((span, indent, stack.len()));
                }
                node = None;
            }
        }
    }
    let innermost = stack.pop()?;
    let (block, sibling) = match interrupted {
        Some((b, s)) => (b, Some(s)),
        None => (innermost, None),
    };
    let name = block.node.text(text);
    let mut f = Finding::new(
        &SYNTAX_KDL,
        format!("the block of `{name}` is never closed"),
    )
    .label(block.node, "this block has no closing `}`")
    .label(Span::new(block.brace, 1), "opened here");
    let help = match sibling {
        Some(s) => {
            f = f.label(s, "this line is indented outside the block");
            format!(
                "add `}}` before line {} to close `{name}`",
                line_of(text, s.offset)
            )
        }
        None => format!("add `}}` to close `{name}`"),
    };
    // where the parser noticed: the end of the file, at its last character
    let last = text.trim_end().char_indices().last().map_or(0, |(i, _)| i);
    Some(
        f.label(
            Span::new(last, text[last..].chars().next().map_or(0, char::len_utf8)),
            "the file ends here, inside the block",
        )
        .help(help),
    )
}

/// A `}` with no block left to close: the `{` missing is most likely after
/// the node whose children are indented under it without one.
fn stray_close(text: &str, at: usize, no_brace: Option<Span>) -> Finding {
    let f = Finding::new(&SYNTAX_KDL, "this `}` closes no block")
        .label(Span::new(at, 1), "one `}` too many");
    match no_brace {
        Some(node) => {
            let name = node.text(text);
            f.label(
                node,
                "the next line is indented under it, but it opens no `{`",
            )
            .help(format!(
                "add `{{` at the end of line {} to open the block of `{name}`",
                line_of(text, node.offset)
            ))
        }
        None => f.help("remove it, or add the `{` it was meant to close"),
    }
}

/// The 1-based line of `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one finding of `text`, whose message is `message` and help `help`.
    fn only(text: &str, message: &str, help: Option<&str>) -> Finding {
        let mut got = diagnose(text);
        assert_eq!(got.len(), 1, "{got:?}");
        let f = got.remove(0);
        assert_eq!(f.message, message);
        if help.is_some() {
            assert_eq!(f.help.as_deref(), help);
        }
        f
    }

    fn messages(text: &str) -> Vec<(String, Vec<Span>, Option<String>)> {
        diagnose(text)
            .into_iter()
            .map(|f| (f.message, f.labels.iter().map(|l| l.span).collect(), f.help))
            .collect()
    }

    #[test]
    fn unquoted_values_that_start_with_a_digit() {
        let text =
            "n subnet=10.1.1.0/24 memory=2Gi at=23:30 ok=10 f=1.5 h=0x1F \"2x\" s=\"3y\" 2Gi\n";
        let got = messages(text);
        let values: Vec<&str> = got
            .iter()
            .map(|(_, spans, _)| &text[spans[0].offset..spans[0].offset + spans[0].len])
            .collect();
        assert_eq!(values, ["10.1.1.0/24", "2Gi", "23:30", "2Gi"]);
        assert_eq!(
            got[0].0,
            "the value `10.1.1.0/24` of `subnet` starts with a digit but is not a number"
        );
        assert!(
            got[0]
                .2
                .as_deref()
                .is_some_and(|h| h.starts_with("quote it: `subnet=\"10.1.1.0/24\"`")),
            "{got:?}"
        );
        assert!(
            got[3]
                .2
                .as_deref()
                .is_some_and(|h| h.starts_with("quote it: `\"2Gi\"`"))
        );
    }

    #[test]
    fn every_byte_is_consumed() {
        for text in [")", "a ) b", "(t", "\"", "#\"", "/*", "\\", "a=) {", "é=1x"] {
            assert!(tokens(text).len() <= text.len(), "{text:?}");
            let _ = diagnose(text);
        }
    }

    #[test]
    fn a_string_the_line_ends_is_unterminated_and_nothing_after_it_is_skewed() {
        let text = "a {\n    b x=\"open\n    c y=\"}\"\n}\n";
        let got = messages(text);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "this string is never closed");
        assert_eq!(got[0].1[0], Span::new(text.find("\"open").unwrap(), 5));
        // multi-line and escaped newlines are not unterminated
        assert!(diagnose("a \"\"\"\n  x \"y\n  \"\"\" b=\"c\\\n d\"\n").is_empty());
    }

    #[test]
    fn values_in_strings_and_comments_are_not_words() {
        assert!(diagnose("n a=\"1.2.3\" // b=1.2.3\n/* c=2Gi */ d=#\"3x\"# { }").is_empty());
    }

    #[test]
    fn the_unclosed_block_is_the_one_a_sibling_interrupts() {
        let text = "cluster c {\n    pool a x=1 {\n        labels r=1\n    pool b {\n    }\n}\n";
        let f = only(
            text,
            "the block of `pool a` is never closed",
            Some("add `}` before line 4 to close `pool a`"),
        );
        let at = |s: Span| &text[s.offset..s.offset + s.len];
        assert_eq!(at(f.labels[0].span), "pool a");
        assert_eq!(f.labels[1].span.offset, text.find("x=1 {").unwrap() + 4);
        assert_eq!(at(f.labels[2].span), "pool");
        assert_eq!(f.labels[2].span.offset, text.find("pool b").unwrap());
        assert_eq!(f.labels[3].span, Span::new(text.len() - 2, 1));
    }

    #[test]
    fn a_close_brace_indented_outside_the_block_shows_where_the_missing_one_goes() {
        let text = "a {\n    b {\n        c {\n            d 1\n    }\n    e 2\n}\n";
        only(
            text,
            "the block of `c` is never closed",
            Some("add `}` before line 5 to close `c`"),
        );
    }

    #[test]
    fn a_stray_close_brace_points_at_the_node_missing_its_open_brace() {
        let text = "a {\n    pool x n=1\n        labels r=1\n    }\n    b 1\n}\n";
        let f = only(
            text,
            "this `}` closes no block",
            Some("add `{` at the end of line 2 to open the block of `pool x`"),
        );
        assert_eq!(f.labels[0].span, Span::new(text.len() - 2, 1));
        assert_eq!(&text[f.labels[1].span.offset..][..6], "pool x");
        assert_eq!(f.labels[1].span.len, 6);
    }

    #[test]
    fn without_a_sibling_the_innermost_open_block_is_blamed() {
        only(
            "a {\n  b {\n    c \"}\" // }\n",
            "the block of `b` is never closed",
            None,
        );
        assert!(diagnose("a {\n  b { c }\n}\n").is_empty());
    }
}
