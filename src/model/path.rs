//! The one rule for a path topogen takes from its input and writes under:
//! `output dir`, `output workflows`, and every file path of a plan or a
//! manifest (`output.rs` asks [`check`] too).
//!
//! A path is portable and stays inside the directory it is relative to:
//! only `[A-Za-z0-9._/-]`, relative, no empty, `.` or `..` component, no
//! component that starts with `-` (an option to the commands that read it)
//! and none named `.git` (in any case: case-insensitive file systems). A
//! path that passes holds no character a YAML, shell, HCL or Markdown writer
//! must escape to keep it on its line.

use std::fmt;

/// Why a path is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathProblem {
    /// The path is empty.
    Empty,
    /// A character outside `[A-Za-z0-9._/-]`.
    Character(char),
    /// It starts with `/`.
    Absolute,
    /// `a//b` or a final `/`.
    EmptyComponent,
    /// A `.` component.
    Dot,
    /// A `..` component.
    Parent,
    /// A component starting with `-`.
    Dash,
    /// A `.git` component.
    Git,
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::Character(c) if c.is_ascii_graphic() || *c == ' ' => {
                write!(f, "it contains `{c}` (U+{:04X})", u32::from(*c))
            }
            Self::Character(c) => write!(f, "it contains U+{:04X}", u32::from(*c)),
            Self::Absolute => f.write_str("it is absolute"),
            Self::EmptyComponent => f.write_str("it has an empty component (`//`)"),
            Self::Dot => f.write_str("it has a `.` component"),
            Self::Parent => f.write_str("it leaves its directory with `..`"),
            Self::Dash => f.write_str("a component starts with `-`"),
            Self::Git => f.write_str("it is inside `.git`"),
        }
    }
}

/// Whether `c` may appear in a path.
fn portable(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-')
}

/// Checks a relative path (see the module documentation); the first
/// problem found, characters first.
pub(crate) fn check(path: &str) -> Result<(), PathProblem> {
    if let Some(c) = path.chars().find(|&c| !portable(c)) {
        return Err(PathProblem::Character(c));
    }
    if path.split('/').any(|c| c.starts_with('-')) {
        return Err(PathProblem::Dash);
    }
    stays_beneath(path)
}

/// The part of [`check`] that keeps a path inside its directory, whatever
/// its characters: not empty, relative, no empty, `.` or `..` component,
/// nothing named `.git`. A directory named on the command line (`--out`)
/// is held to this only: the user chose its name, and it reaches no file.
pub(crate) fn stays_beneath(path: &str) -> Result<(), PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.starts_with('/') {
        return Err(PathProblem::Absolute);
    }
    for component in path.split('/') {
        match component {
            "" => return Err(PathProblem::EmptyComponent),
            "." => return Err(PathProblem::Dot),
            ".." => return Err(PathProblem::Parent),
            c if c.eq_ignore_ascii_case(".git") => return Err(PathProblem::Git),
            _ => {}
        }
    }
    Ok(())
}

/// Whether one of two checked paths is the other or lies inside it
/// (compared without case: a case-insensitive file system has one
/// directory for `Out` and `out`).
pub(crate) fn overlap(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    let inside = |x: &str, y: &str| x == y || x.starts_with(&format!("{y}/"));
    inside(&a, &b) || inside(&b, &a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_relative_paths_only() {
        for ok in [
            "generated",
            ".github/workflows",
            "a/b-c/d_e.f",
            "k8s/dev/strimzi/kafka.yaml",
            "..a",
            ".gitignore",
            "x.git",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", PathProblem::Empty),
            ("gen\u{2028}erated", PathProblem::Character('\u{2028}')),
            ("a\u{85}", PathProblem::Character('\u{85}')),
            ("a b", PathProblem::Character(' ')),
            ("a\\b", PathProblem::Character('\\')),
            ("a:b", PathProblem::Character(':')),
            ("générés", PathProblem::Character('é')),
            ("/etc", PathProblem::Absolute),
            ("a//b", PathProblem::EmptyComponent),
            ("a/", PathProblem::EmptyComponent),
            ("./generated", PathProblem::Dot),
            (".", PathProblem::Dot),
            ("a/../../b", PathProblem::Parent),
            ("..", PathProblem::Parent),
            ("-rf", PathProblem::Dash),
            ("a/--x", PathProblem::Dash),
            (".git", PathProblem::Git),
            (".GIT/hooks", PathProblem::Git),
            ("sub/.git", PathProblem::Git),
        ] {
            assert_eq!(check(bad), Err(why), "{bad:?}");
        }
    }

    #[test]
    fn problems_name_the_character_without_writing_it_raw() {
        assert_eq!(
            PathProblem::Character('\u{2028}').to_string(),
            "it contains U+2028"
        );
        assert_eq!(
            PathProblem::Character(':').to_string(),
            "it contains `:` (U+003A)"
        );
    }

    #[test]
    fn overlap_is_containment_either_way() {
        assert!(overlap("out", "out"));
        assert!(overlap("out", "out/wf"));
        assert!(overlap("Out/wf", "out"));
        assert!(!overlap("out", "outer"));
        assert!(!overlap("generated", ".github/workflows"));
    }
}
