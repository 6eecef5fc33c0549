//! The pipeline as functions: read → lower → check (→ plan in `emit`).

use std::path::{Path, PathBuf};

use crate::diag::{Finding, Findings, Severity, Span};
use crate::model::Project;
use crate::source::{self, Source};

/// The outcome of reading and validating `cluster.kdl`.
pub struct Compiled {
    /// The file.
    pub source: Source,
    /// Every environment, when the file could be read as a cluster.
    pub project: Option<Project>,
    /// Every finding, sorted by position.
    pub findings: Vec<Finding>,
}

impl Compiled {
    /// True when its findings fail the run ([`failed`]).
    pub fn failed(&self, deny_warnings: bool) -> bool {
        failed(&self.findings, deny_warnings)
    }
}

/// True when any finding is an error (or, with `deny_warnings`, any finding).
pub fn failed(findings: &[Finding], deny_warnings: bool) -> bool {
    findings
        .iter()
        .any(|f| f.severity == Severity::Error || deny_warnings)
}

/// Why `cluster.kdl` could not be read at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(
        code(topogen::io::read),
        help(
            "pass the topology with `--config FILE`, or run `topogen init` to create cluster.kdl"
        )
    )]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The `cluster.kdl` found in a parent directory belongs to another user.
    #[error("`{path}` belongs to another user, so topogen did not read it")]
    #[diagnostic(
        code(topogen::io::foreign_config),
        help(
            "if you trust it, name it: `--config {path}`; otherwise run topogen where your own cluster.kdl is"
        )
    )]
    Foreign {
        /// The file found.
        path: String,
    },
    /// `--config` was not given and no `cluster.kdl` was found.
    #[error("no `cluster.kdl` in `{from}` or any parent directory up to `{to}`, {root}")]
    #[diagnostic(
        code(topogen::io::no_config),
        help(
            "run topogen inside the repository that holds cluster.kdl, pass the topology with `--config FILE` (`-` reads standard input), or run `topogen init` to create one"
        )
    )]
    NotFound {
        /// The working directory, where the search started.
        from: String,
        /// The last directory searched.
        to: String,
        /// Why the search stopped there.
        root: &'static str,
    },
}

/// The file name topogen looks for when `--config` is not given.
pub const CONFIG: &str = "cluster.kdl";

/// `--config -`: the topology is read from standard input.
pub const STDIN: &str = "-";

/// The topology file: `given`, or else the `cluster.kdl` of the working
/// directory or of its nearest parent, as a relative path (`../cluster.kdl`).
/// The search stops at the repository's root (a directory holding `.git`) or
/// the file system's root. An entry named `cluster.kdl` is taken whatever it
/// is: [`read`] then refuses a link or a special file, as for `--config`. One
/// in a parent directory that another user owns is refused, as git refuses
/// such a repository: outside a repository the search reaches shared
/// directories such as `/tmp`, where anyone may plant one.
pub fn locate(given: Option<&Path>) -> Result<PathBuf, ReadError> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|source| ReadError::Io {
        path: ".".to_owned(),
        source,
    })?;
    let exists = |p: PathBuf| std::fs::symlink_metadata(p).is_ok();
    let me = rustix::process::geteuid().as_raw();
    let mut up = PathBuf::new();
    for dir in cwd.ancestors() {
        if let Ok(meta) = std::fs::symlink_metadata(dir.join(CONFIG)) {
            let path = up.join(CONFIG);
            let owner = std::os::unix::fs::MetadataExt::uid(&meta);
            if up.as_os_str().is_empty() || owner == me {
                return Ok(path);
            }
            return Err(ReadError::Foreign {
                path: path.display().to_string(),
            });
        }
        if exists(dir.join(".git")) {
            return Err(ReadError::NotFound {
                from: cwd.display().to_string(),
                to: dir.display().to_string(),
                root: "the repository's root",
            });
        }
        up.push("..");
    }
    Err(ReadError::NotFound {
        from: cwd.display().to_string(),
        to: "/".to_owned(),
        root: "the file system's root",
    })
}

/// Reads `path` as bytes, within the size limit (`-`: standard input, shown
/// as `<stdin>`). Invalid UTF-8 and oversize input become findings of
/// `topogen::syntax::limits`, not I/O errors.
pub fn read(path: &Path) -> Result<(Source, Option<Finding>), ReadError> {
    use std::io::Read;
    if path == Path::new(STDIN) {
        let name = "<stdin>";
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(source::MAX_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| ReadError::Io {
                path: name.to_owned(),
                source,
            })?;
        return Ok(from_bytes(name, bytes));
    }
    let name = path.display().to_string();
    let io = |source| ReadError::Io {
        path: name.clone(),
        source,
    };
    // a regular file, not a link, a FIFO or a device (crate::fsutil)
    let file = crate::fsutil::open_regular(path).map_err(io)?;
    // sized from the file's length: one read, not a doubling series of them
    let len = file.metadata().map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(len.min(source::MAX_BYTES) + 1);
    file.take(source::MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    Ok(from_bytes(&name, bytes))
}

/// A source from raw bytes, with the finding that explains why it is unreadable.
pub fn from_bytes(name: &str, bytes: Vec<u8>) -> (Source, Option<Finding>) {
    let rule = &crate::check::rules::syntax_limits::RULE;
    if bytes.len() > source::MAX_BYTES {
        let f = Finding::new(
            rule,
            format!("the file is larger than {} KiB", source::MAX_BYTES / 1024),
        )
        .label(Span::new(0, 0), "file starts here")
        .help("a cluster.kdl is a few KiB; check that this is the right file");
        return (Source::new(name, ""), Some(f));
    }
    match String::from_utf8(bytes) {
        Ok(text) => (Source::new(name, text), None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let f = Finding::new(rule, "the file is not valid UTF-8")
                .label(Span::new(at, 1), format!("invalid byte at offset {at}"))
                .help("save cluster.kdl as UTF-8");
            (Source::new(name, text), Some(f))
        }
    }
}

/// Lowers and checks `source`: every finding of every stage, in one run.
pub fn compile(source: Source) -> Compiled {
    compile_with(source, None)
}

/// [`compile`], starting with a finding from reading the file.
pub fn compile_with(source: Source, read_finding: Option<Finding>) -> Compiled {
    let mut findings = Findings::default();
    if let Some(f) = read_finding {
        findings.push(f);
        return Compiled {
            source,
            project: None,
            findings: findings.into_sorted(),
        };
    }
    let lowered = crate::model::lower::lower(&source);
    findings.absorb(lowered.findings);
    if let Some(project) = &lowered.project {
        let mut checked = Findings::default();
        crate::check::run(lowered.document.as_ref(), project, &mut checked);
        // a rule that blames a placeholder repeats a schema error already reported
        checked.retain(|f| {
            !f.labels
                .iter()
                .any(|l| lowered.poisoned.binary_search(&l.span).is_ok())
        });
        findings.absorb(checked);
    }
    let (source, findings) = redact(source, cap(findings.into_sorted()));
    Compiled {
        source,
        project: lowered.project,
        findings,
    }
}

fn cap(mut findings: Vec<Finding>) -> Vec<Finding> {
    if findings.len() <= source::MAX_FINDINGS {
        return findings;
    }
    let rest = findings.split_off(source::MAX_FINDINGS);
    let errors = rest
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let mut summary = Finding::new(
        &crate::check::rules::syntax_limits::RULE,
        format!(
            "{} more problems not shown ({errors} errors, {} warnings)",
            rest.len(),
            rest.len() - errors
        ),
    )
    .help("fix the problems above first; they are often the cause of the rest");
    if errors == 0 {
        summary = summary.severity(Severity::Warning);
    }
    findings.push(summary);
    findings
}

/// A secret found in `cluster.kdl` is never repeated: every report quotes the
/// source, so the value of each `secrets::literal` span is masked there (byte
/// for byte, so that every span stays valid), and in every message.
fn redact(source: Source, mut findings: Vec<Finding>) -> (Source, Vec<Finding>) {
    let code = crate::check::rules::secrets_literal::RULE.code;
    let spans: Vec<Span> = findings
        .iter()
        .filter(|f| f.code == code)
        .filter_map(Finding::primary)
        .collect();
    if spans.is_empty() {
        return (source, findings);
    }
    let mut bytes = source.text.as_bytes().to_vec();
    let mut secrets: Vec<String> = Vec::new();
    for span in spans {
        let end = span.offset.saturating_add(span.len).min(bytes.len());
        let Some(slice) = source.text.get(span.offset..end) else {
            continue;
        };
        // keep a property's name: `description=` stays readable
        let keep = match (slice.find('='), slice.find(['"', '#'])) {
            (Some(eq), Some(q)) if eq < q => eq + 1,
            (Some(eq), None) => eq + 1,
            _ => 0,
        };
        let value = &slice[keep..];
        secrets.extend(
            value
                .split(|c: char| c.is_whitespace() || c == '"' || c == '#')
                .filter(|w| w.len() >= 8)
                .map(str::to_owned),
        );
        for (i, c) in value.char_indices() {
            if !matches!(c, '\n' | '\r' | '"' | '#') {
                let at = span.offset + keep + i;
                bytes[at..at + c.len_utf8()].fill(b'*');
            }
        }
    }
    let text = String::from_utf8(bytes).unwrap_or_else(|_| source.text.to_string());
    let scrub = |s: &mut String| {
        for secret in &secrets {
            if s.contains(secret.as_str()) {
                *s = s.replace(secret.as_str(), "***");
            }
        }
    };
    for f in &mut findings {
        scrub(&mut f.message);
        if let Some(h) = &mut f.help {
            scrub(h);
        }
        for l in &mut f.labels {
            scrub(&mut l.text);
        }
    }
    (Source::new(source.name, text), findings)
}
