//! `topogen fmt`: canonical layout that keeps every comment.
//!
//! The KDL library's own autoformatter drops trailing comments, so topogen
//! formats by layout instead: each line is re-indented by its block depth
//! (four spaces a level), trailing whitespace is removed, runs of blank lines
//! collapse to one, blank lines directly inside `{`/`}` are dropped, and the
//! file ends with one newline. Text inside multi-line strings and block
//! comments is kept byte for byte. Only a file that parses is formatted.

use crate::diag::Finding;

/// Per line: (depth at its start, starts inside a multi-line string or comment).
fn line_states(text: &str) -> Vec<(usize, bool)> {
    #[derive(PartialEq)]
    enum St {
        Code,
        Str,
        Raw(usize),
        Block(usize),
        Line,
    }
    let b = text.as_bytes();
    let mut st = St::Code;
    let mut depth = 0usize;
    let mut out = vec![(0, false)];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match st {
            St::Code => match c {
                b'/' if b.get(i + 1) == Some(&b'/') => st = St::Line,
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    st = St::Block(1);
                    i += 1;
                }
                b'#' if matches!(b.get(i + 1), Some(b'#' | b'"')) => {
                    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                    if b.get(i + hashes) == Some(&b'"') {
                        st = St::Raw(hashes);
                        i += hashes;
                    }
                }
                b'"' => st = St::Str,
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
            St::Str => match c {
                b'\\' => i += 1,
                b'"' => st = St::Code,
                _ => {}
            },
            St::Raw(h) => {
                if c == b'"'
                    && b.len() >= i + 1 + h
                    && b[i + 1..i + 1 + h].iter().all(|&x| x == b'#')
                {
                    st = St::Code;
                    i += h;
                }
            }
            St::Block(n) => {
                if c == b'/' && b.get(i + 1) == Some(&b'*') {
                    st = St::Block(n + 1);
                    i += 1;
                } else if c == b'*' && b.get(i + 1) == Some(&b'/') {
                    st = if n == 1 { St::Code } else { St::Block(n - 1) };
                    i += 1;
                }
            }
            St::Line => {}
        }
        if i < b.len() && b[i] == b'\n' {
            if st == St::Line {
                st = St::Code;
            }
            out.push((depth, st != St::Code));
        }
        i += 1;
    }
    out
}

/// Formats `text` canonically. Syntax errors come back as findings.
pub fn format(text: &str) -> Result<String, Vec<Finding>> {
    let src = crate::source::Source::new("cluster.kdl", text);
    if !crate::source::scan(text).within_limits() || kdl::KdlDocument::parse_v2(text).is_err() {
        return Err(crate::run::compile(src).findings);
    }
    let states = line_states(text);
    let mut out = String::with_capacity(text.len());
    let mut blank_pending = false;
    let mut prev_opens = true; // start of file behaves like after `{`
    for (line, &(depth, verbatim)) in text.split('\n').zip(states.iter()) {
        if verbatim {
            out.push_str(line);
            out.push('\n');
            blank_pending = false;
            prev_opens = false;
            continue;
        }
        let t = line.trim();
        if t.is_empty() {
            blank_pending = true;
            continue;
        }
        let closes = t.starts_with('}');
        if blank_pending && !prev_opens && !closes {
            out.push('\n');
        }
        blank_pending = false;
        let level = if closes {
            depth.saturating_sub(1)
        } else {
            depth
        };
        for _ in 0..level {
            out.push_str("    ");
        }
        out.push_str(t);
        out.push('\n');
        prev_opens = t.ends_with('{');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn reindents_and_keeps_comments() {
        let src = "cluster x {\n  pool a count=1 // trailing\n\n\n      /* block\n   kept */\n  labels k=v   \n}\n\n";
        let out = format(src).unwrap();
        assert_eq!(
            out,
            "cluster x {\n    pool a count=1 // trailing\n\n    /* block\n   kept */\n    labels k=v\n}\n"
        );
        assert_eq!(format(&out).unwrap(), out, "idempotent");
    }

    #[test]
    fn multiline_strings_are_verbatim() {
        let src = "a {\n    b \"\"\"\n  x {\n  \"\"\"\n}\n";
        assert_eq!(format(src).unwrap(), src);
    }

    #[test]
    fn the_repository_cluster_kdl_is_formatted() {
        let src = include_str!("../cluster.kdl");
        assert_eq!(format(src).unwrap(), src);
    }

    #[test]
    fn syntax_errors_are_findings() {
        assert!(format("a {").is_err());
    }
}
