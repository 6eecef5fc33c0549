//! What topogen prints to a terminal or a log.
//!
//! Everything topogen prints quotes text a pull request controls — values and
//! comments of `cluster.kdl`, files of the committed output tree, its manifest —
//! and a terminal obeys what it is sent: `ESC ]52;…BEL` sets the clipboard of
//! whoever runs `topogen validate`, `ESC [2J` clears the screen, U+202E
//! reverses the text after it, U+2028 and U+0085 start a new line in a log
//! viewer. So every value, message, excerpt and diff passes through here on its
//! way out, in every format: each such character is shown as its escape
//! (`\u{1b}`), and each word that looks like a credential
//! ([`looks_like_secret`](crate::check::rules::secrets_literal::looks_like_secret),
//! in any letter case) is masked with `*`.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::check::rules::secrets_literal::secret_ranges;

/// True for a character never printed raw: the C0 and C1 controls (`\n`, `\r`,
/// `\t`, ESC, DEL, U+0085 among them), the line and paragraph separators
/// U+2028 and U+2029, and the bidirectional controls.
pub(crate) fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `s` as a value or message is printed, on one line: every [`unprintable`]
/// character escaped (`\u{1b}`), every secret-shaped word masked.
pub(crate) fn shown(s: &str) -> Cow<'_, str> {
    render(s, false, |_| {})
}

/// File text as an excerpt or a diff shows it: as [`shown`], except that `\n`,
/// `\t` and `\r\n` keep their layout.
pub(crate) fn shown_text(s: &str) -> Cow<'_, str> {
    render(s, true, |_| {})
}

/// A unified diff as [`shown_text`] prints it, coloured when `color`: the
/// file headers bold, hunk headers cyan, removed lines red, added lines
/// green. The colour codes are added after escaping, so they are the only
/// escapes the diff sends.
pub(crate) fn shown_diff(diff: &str, color: bool) -> String {
    let text = shown_text(diff);
    if !color {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let code = if body.starts_with("+++") || body.starts_with("---") {
            "1"
        } else if body.starts_with("@@") {
            "36"
        } else if body.starts_with('+') {
            "32"
        } else if body.starts_with('-') {
            "31"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let _ = write!(out, "\x1b[{code}m{body}\x1b[0m{end}");
        }
    }
    out
}

/// A path as it is printed: [`shown`].
pub(crate) fn shown_path(path: &std::path::Path) -> String {
    shown(&path.display().to_string()).into_owned()
}

/// One escaped character: `len` bytes at `at` in the original became
/// `shown_len` bytes at `shown_at`.
#[derive(Clone, Copy, Debug)]
struct Edit {
    at: usize,
    len: usize,
    shown_at: usize,
    shown_len: usize,
}

/// File text made safe to show ([`shown_text`]) with the way between byte
/// offsets in the file and in the text shown, so that a span still underlines
/// what it did.
#[derive(Debug)]
pub(crate) struct Excerpt {
    /// The text to show.
    pub(crate) text: String,
    edits: Vec<Edit>,
}

impl Excerpt {
    /// The excerpt of `file`.
    pub(crate) fn new(file: &str) -> Self {
        let mut edits = Vec::new();
        let text = render(file, true, |e| edits.push(e)).into_owned();
        Self { text, edits }
    }

    /// Where byte `offset` of the file is in the text shown.
    pub(crate) fn shown_offset(&self, offset: usize) -> usize {
        self.across(offset, |e| (e.at, e.len), |e| (e.shown_at, e.shown_len))
    }

    /// Where byte `offset` of the text shown is in the file.
    pub(crate) fn file_offset(&self, offset: usize) -> usize {
        self.across(offset, |e| (e.shown_at, e.shown_len), |e| (e.at, e.len))
    }

    /// `offset` on one side of the edits (`from`: where an edit is there, and
    /// how long) mapped to the other side (`to`): inside an edit, its start.
    fn across(
        &self,
        offset: usize,
        from: fn(&Edit) -> (usize, usize),
        to: fn(&Edit) -> (usize, usize),
    ) -> usize {
        let i = self.edits.partition_point(|e| from(e).0 < offset);
        let Some(e) = i.checked_sub(1).and_then(|i| self.edits.get(i)) else {
            return offset;
        };
        let ((at, len), (to_at, to_len)) = (from(e), to(e));
        if offset < at + len {
            to_at
        } else {
            offset - (at + len) + to_at + to_len
        }
    }
}

/// `s` with unprintable characters escaped (but layout characters kept when
/// `layout`) and secret-shaped words masked, reporting each escape to `edit`.
/// Masks keep a word's length, so they are no edit.
fn render(s: &str, layout: bool, mut edit: impl FnMut(Edit)) -> Cow<'_, str> {
    // the common case, printable ASCII and no secret, without decoding characters
    let printable = |b: u8| (b' '..=b'~').contains(&b) || (layout && (b == b'\n' || b == b'\t'));
    if s.bytes().all(printable) && secret_ranges(s).next().is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    // s[..done] is in `out` (or needs no change, while `out` is empty)
    let mut done = 0;
    let mut masks = secret_ranges(s).peekable();
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if let Some(mask) = masks.next_if(|m| m.start == at) {
            // a word of ASCII token characters: nothing in it to escape
            out.push_str(&s[done..at]);
            out.extend(std::iter::repeat_n('*', mask.len()));
            done = mask.end;
            while chars.next_if(|&(i, _)| i < mask.end).is_some() {}
            continue;
        }
        let keep = layout
            && (c == '\n'
                || c == '\t'
                || (c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n')));
        if unprintable(c) && !keep {
            out.push_str(&s[done..at]);
            let shown_at = out.len();
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            edit(Edit {
                at,
                len: c.len_utf8(),
                shown_at,
                shown_len: out.len() - shown_at,
            });
            done = at + c.len_utf8();
        }
    }
    if done == 0 {
        Cow::Borrowed(s)
    } else {
        out.push_str(&s[done..]);
        Cow::Owned(out)
    }
}

/// An error as it is printed: its message, code, help and causes through
/// [`shown`]. (topogen's errors carry no source excerpt: findings do.)
#[derive(Debug)]
pub(crate) struct ShownError {
    message: String,
    code: Option<String>,
    help: Option<String>,
    cause: Option<Box<ShownError>>,
}

impl ShownError {
    /// The printable form of `e`.
    pub(crate) fn new(e: &dyn miette::Diagnostic) -> Self {
        let mut shown_error = Self::plain(e);
        shown_error.code = e.code().map(|c| shown(&c.to_string()).into_owned());
        shown_error.help = e.help().map(|h| shown(&h.to_string()).into_owned());
        shown_error
    }

    fn plain(e: &dyn std::error::Error) -> Self {
        Self {
            message: shown(&e.to_string()).into_owned(),
            code: None,
            help: None,
            cause: e.source().map(|c| Box::new(Self::plain(c))),
        }
    }
}

impl std::fmt::Display for ShownError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShownError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl miette::Diagnostic for ShownError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn std::fmt::Display>)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_coloured_diff_escapes_first_then_colours_each_line() {
        let diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\x1b[2J\n+new\n same\n";
        let plain = super::shown_diff(diff, false);
        assert_eq!(plain, super::shown_text(diff));
        assert!(!plain.contains('\x1b'));
        let painted = super::shown_diff(diff, true);
        assert_eq!(
            painted,
            "\x1b[1m--- a/x\x1b[0m\n\x1b[1m+++ b/x\x1b[0m\n\x1b[36m@@ -1 +1 @@\x1b[0m\n\
             \x1b[31m-old\\u{1b}[2J\x1b[0m\n\x1b[32m+new\x1b[0m\n same\n"
        );
    }

    use super::*;
    use proptest::prelude::*;

    /// Text mixing the characters that matter here: plain, token-shaped,
    /// controls, line terminators, bidi controls, multi-byte letters.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-z .=/-]{0,6}",
            Just("ghp_R4nd0mL00k1ngT0k3nV4lu3xyzABCDEF123456".to_owned()),
            Just("\r\n".to_owned()),
            any::<char>().prop_map(String::from),
            prop::sample::select(vec![
                '\u{1b}', '\u{7}', '\u{9b}', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}',
                '\u{2066}', '\r', '\n', '\t', '\u{7f}', 'é', '─',
            ])
            .prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn nothing_unprintable_gets_through(s in text()) {
            prop_assert!(!shown(&s).chars().any(unprintable));
            let t = shown_text(&s);
            let mut chars = t.chars().peekable();
            while let Some(c) = chars.next() {
                let layout = c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
                prop_assert!(!unprintable(c) || layout, "U+{:04X} in {t:?}", u32::from(c));
            }
            prop_assert!(!shown(&s).contains("R4nd0m"));
        }

        #[test]
        fn excerpt_offsets_round_trip(s in text()) {
            let e = Excerpt::new(&s);
            let expected = shown_text(&s);
            prop_assert_eq!(e.text.as_str(), expected.as_ref());
            let mut last = 0;
            for i in s.char_indices().map(|(i, _)| i).chain([s.len()]) {
                let at = e.shown_offset(i);
                prop_assert!(at >= last && at <= e.text.len() && e.text.is_char_boundary(at));
                prop_assert_eq!(e.file_offset(at), i);
                last = at;
            }
        }
    }

    const HOSTILE: &str =
        "a\u{1b}]52;c;aGk=\u{7}b\u{1b}[2Jc\u{9b}d\u{2028}e\u{202e}f\u{85}g\rh\ni\tj";

    #[test]
    fn every_unprintable_character_is_escaped() {
        let s = shown(HOSTILE);
        assert_eq!(
            s,
            "a\\u{1b}]52;c;aGk=\\u{7}b\\u{1b}[2Jc\\u{9b}d\\u{2028}e\\u{202e}f\\u{85}g\\u{d}h\\u{a}i\\u{9}j"
        );
        assert!(!s.chars().any(unprintable));
        // file text keeps its lines and tabs, and nothing else
        let t = shown_text("a\r\nb\tc\rd\u{2029}e\n");
        assert_eq!(t, "a\r\nb\tc\\u{d}d\\u{2029}e\n");
        assert!(matches!(shown("plain `text`, ünïcode"), Cow::Borrowed(_)));
    }

    #[test]
    fn secret_shaped_words_are_masked_in_any_case() {
        let token = "ghp_R4nd0mL00k1ngT0k3nV4lu3xyzABCDEF123456";
        for variant in [
            token.to_owned(),
            token.to_ascii_lowercase(),
            token.to_ascii_uppercase(),
            format!("prod-{token}-1"),
        ] {
            let s = shown(&format!("environment `{variant}`, pool x")).into_owned();
            assert_eq!(
                s,
                format!("environment `{}`, pool x", "*".repeat(variant.len()))
            );
        }
        // the punctuation around a word stays: a diff line keeps its `-`
        assert_eq!(
            shown_text(&format!("-{token}.\n")),
            format!("-{}.\n", "*".repeat(token.len()))
        );
        let s = shown(&format!("\u{1b}{token}\u{1b}")).into_owned();
        assert_eq!(s, format!("\\u{{1b}}{}\\u{{1b}}", "*".repeat(token.len())));
    }

    #[test]
    fn an_excerpt_maps_offsets_both_ways() {
        let file = "ab\u{1b}cd\u{2028}ef";
        let e = Excerpt::new(file);
        assert_eq!(e.text, "ab\\u{1b}cd\\u{2028}ef");
        for (i, _) in file.char_indices().chain([(file.len(), ' ')]) {
            let shown_at = e.shown_offset(i);
            assert_eq!(e.file_offset(shown_at), i, "offset {i}");
            // what the span starts with is where it was
            assert_eq!(
                e.text[shown_at..].chars().next(),
                shown(&file[i..]).chars().next()
            );
        }
        assert_eq!(e.shown_offset(file.len()), e.text.len());
    }
}
