//! `topogen fmt`: canonical formatting that keeps comments.

use crate::diag::Finding;

/// Formats `text` canonically (4-space indentation, one space between
/// entries), keeping comments. Syntax errors come back as findings.
pub fn format(text: &str) -> Result<String, Vec<Finding>> {
    let src = crate::source::Source::new("cluster.kdl", text);
    let (depth, _) = crate::source::max_depth(text);
    if depth > crate::source::MAX_DEPTH {
        return Err(crate::compile(src).findings);
    }
    match kdl::KdlDocument::parse_v2(text) {
        Ok(mut doc) => {
            doc.autoformat();
            let mut s = doc.to_string();
            while s.ends_with("\n\n") {
                s.pop();
            }
            if !s.ends_with('\n') {
                s.push('\n');
            }
            Ok(s)
        }
        Err(_) => Err(crate::compile(src).findings),
    }
}
