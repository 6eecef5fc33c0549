//! What the commands read from the disk: `cluster.kdl` (found, then read
//! within the size limit) and a `--templates` overlay. The pipeline (`run`,
//! `emit`) takes what these return and never touches the disk itself;
//! every path inside the repository is opened through [`crate::fsutil`].

use std::path::{Path, PathBuf};

use crate::diag::Finding;
use crate::emit::templates::{Overlay, Sources, TemplateError};
use crate::run;
use crate::source::{self, Source};

/// Why `cluster.kdl` could not be read at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum ReadError {
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
pub(super) const CONFIG: &str = "cluster.kdl";

/// `--config -`: the topology is read from standard input.
pub(super) const STDIN: &str = "-";

/// The topology file: `given`, or else the `cluster.kdl` of the working
/// directory or of its nearest parent, as a relative path (`../cluster.kdl`).
/// The search stops at the repository's root (a directory holding `.git`) or
/// the file system's root. An entry named `cluster.kdl` is taken whatever it
/// is: [`read`] then refuses a link or a special file, as for `--config`. One
/// in a parent directory that another user owns is refused, as git refuses
/// such a repository: outside a repository the search reaches shared
/// directories such as `/tmp`, where anyone may plant one.
pub(super) fn locate(given: Option<&Path>) -> Result<PathBuf, ReadError> {
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
pub(super) fn read(path: &Path) -> Result<(Source, Option<Finding>), ReadError> {
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
        return Ok(run::from_bytes(name, bytes));
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
    Ok(run::from_bytes(&name, bytes))
}

/// The templates of a run: the built-in ones, with the `--templates`
/// directory `overlay` read and put on top.
pub(crate) fn template_sources(overlay: Option<&Path>) -> Result<Sources, TemplateError> {
    match overlay {
        Some(dir) => Sources::with_overlay(read_overlay(dir)?),
        None => Ok(Sources::built_in()),
    }
}

/// Every template of the overlay `dir`, by name. The overlay is read
/// through [`crate::fsutil`]: `dir` as the user named it, everything in it
/// without following a link (a link, a loop of links or a FIFO is an error
/// naming it), each file capped; a file or directory that can replace no
/// built-in template is an error, which also bounds how deep the walk goes.
pub fn read_overlay(dir: &Path) -> Result<Overlay, TemplateError> {
    use crate::fsutil::{Dir, Kind, MAX_READ, lossy};
    let overlay_err = |e: crate::fsutil::FsError| TemplateError::Overlay {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut out = Overlay::default();
    let mut stack = vec![(Dir::open_named(dir).map_err(overlay_err)?, String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for (entry, kind) in d.entries().map_err(overlay_err)? {
            let name = format!("{prefix}{}", lossy(&entry));
            match kind {
                Kind::Dir => {
                    if !Overlay::holds_templates(&name) {
                        return Err(TemplateError::Unknown {
                            name: format!("{name}/"),
                        });
                    }
                    let sub = format!("{name}/");
                    if let Some(s) = d.sub(&entry).map_err(overlay_err)? {
                        stack.push((s, sub));
                    }
                }
                _ if !Overlay::replaces(&name) => return Err(TemplateError::Unknown { name }),
                Kind::File | Kind::Link | Kind::Other(_) => {
                    let bytes = d
                        .read(&entry, MAX_READ)
                        .map_err(overlay_err)?
                        .unwrap_or_default();
                    let text = String::from_utf8(bytes).map_err(|_| TemplateError::Overlay {
                        path: d.show(&entry),
                        message: "not valid UTF-8".into(),
                    })?;
                    out.files.insert(name, text);
                }
            }
        }
    }
    Ok(out)
}
