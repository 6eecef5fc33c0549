//! Edits of a `cluster.kdl` text for one test case.

/// `text` with each `(from, to)` replaced in turn; each `from` must occur
/// exactly once in the text it edits.
pub(crate) fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (from, to) in edits {
        assert_eq!(out.matches(from).count(), 1, "`{from}` must occur once");
        out = out.replacen(from, to, 1);
    }
    out
}
