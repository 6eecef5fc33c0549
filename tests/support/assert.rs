//! Assertions on what the binary printed.

/// `output` (a standard output or error, or text made of one) holds
/// `needle`; shown whole if not.
pub(crate) fn assert_contains(output: impl AsRef<[u8]>, needle: &str) {
    let output = String::from_utf8_lossy(output.as_ref());
    assert!(output.contains(needle), "no `{needle}` in:\n{output}");
}
