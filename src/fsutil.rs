//! The one place topogen resolves a path: every file it reads or writes in
//! the repository is opened here, beneath a directory descriptor, without
//! following any link.
//!
//! Everything in the repository — the output trees, the workflows directory,
//! a `--templates` overlay — is written by whoever opened the pull request.
//! So a path beneath a directory is opened with
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`: no component may be a
//! symbolic link and nothing resolves outside (where the kernel lacks
//! `openat2`, one `O_NOFOLLOW` open per component does the same). Only
//! regular files are read — a FIFO would hang the read, a link to
//! `/dev/zero` would never end it — and never more than a cap. Files topogen
//! creates are created exclusively (`O_EXCL`) in a directory it has just
//! created under an unpredictable name ([`Dir::temp_dir`]).
//!
//! A directory the user named (`--out`, `--templates`, the directory of
//! `--config`, the cache directory) is opened as given: the user chose that
//! path; the repository only chose what is in it.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

/// The most topogen reads of any one file of the output tree, an overlay or
/// the build record: the most its templates may write in one build, so that a
/// file topogen wrote is never too large to compare (`cluster.kdl` itself has
/// the smaller [`crate::source::MAX_BYTES`]).
pub const MAX_READ: usize = crate::source::MAX_RENDERED_BYTES;

/// Why a path beneath a directory could not be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FsError {
    /// A component is a symbolic link.
    #[error("`{path}` is a symbolic link")]
    #[diagnostic(
        code(topogen::io::symlink),
        help(
            "topogen follows no link inside the repository, so nothing was read or written through it; replace the link with a real directory or file"
        )
    )]
    Link {
        /// The link itself.
        path: String,
    },
    /// Not a regular file or directory.
    #[error("`{path}` is {what}, not a regular file")]
    #[diagnostic(
        code(topogen::io::special_file),
        help("topogen reads only regular files and directories: remove it")
    )]
    Special {
        /// The file.
        path: String,
        /// What it is instead ("a FIFO").
        what: &'static str,
    },
    /// Larger than topogen reads.
    #[error("`{path}` is larger than {} MiB", MAX_READ >> 20)]
    #[diagnostic(
        code(topogen::io::too_large),
        help("no file topogen reads or writes is that large; check that this is the right file")
    )]
    TooLarge {
        /// The file.
        path: String,
    },
    /// A component that must be a directory is not.
    #[error("`{path}` is not a directory")]
    #[diagnostic(
        code(topogen::io::not_a_directory),
        help("topogen needs a directory here (or nothing yet): move the file away")
    )]
    NotADirectory {
        /// The component.
        path: String,
    },
    /// An I/O operation failed.
    #[error("{action} `{path}`: {source}")]
    #[diagnostic(code(topogen::io::write))]
    Io {
        /// What topogen was doing.
        action: &'static str,
        /// Where.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// What a directory entry is, links not followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Link,
    /// Anything else ("a FIFO", "a socket", "a device").
    Other(&'static str),
}

impl Kind {
    fn of(t: FileType) -> Self {
        match t {
            FileType::RegularFile => Kind::File,
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Link,
            FileType::Fifo => Kind::Other("a FIFO"),
            FileType::Socket => Kind::Other("a socket"),
            FileType::CharacterDevice | FileType::BlockDevice => Kind::Other("a device"),
            FileType::Unknown => Kind::Other("of unknown type"),
        }
    }

    /// The refusal for using an entry of this kind as a regular file.
    fn not_a_file(self, path: String) -> FsError {
        match self {
            Kind::Link => FsError::Link { path },
            Kind::Dir => FsError::Special {
                path,
                what: "a directory",
            },
            Kind::Other(what) => FsError::Special { path, what },
            Kind::File => FsError::Special {
                path,
                what: "of unknown type",
            },
        }
    }
}

/// An open directory and the path it is reported under.
#[derive(Debug)]
pub(crate) struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOFOLLOW);

impl Dir {
    /// Opens a directory the user named, as given (links in it followed).
    pub(crate) fn open(path: &Path) -> Result<Self, FsError> {
        let fd = rustix::fs::open(path, DIR_FLAGS.difference(OFlags::NOFOLLOW), Mode::empty())
            .map_err(|e| FsError::Io {
                action: "cannot open directory",
                path: path.display().to_string(),
                source: e.into(),
            })?;
        Ok(Self {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// Opens a directory the user named whose last component the repository
    /// may have put there (`--templates templates`): the parent as given,
    /// the last component not followed.
    pub(crate) fn open_named(path: &Path) -> Result<Self, FsError> {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Self::open(path);
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let mut dir = Self::open(parent)?.sub(name)?.ok_or_else(|| FsError::Io {
            action: "cannot open directory",
            path: path.display().to_string(),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
        dir.path = path.to_path_buf();
        Ok(dir)
    }

    /// The path this directory is reported under.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// How `rel` (beneath this directory) is reported.
    pub(crate) fn show(&self, rel: impl AsRef<Path>) -> String {
        self.join(rel).display().to_string()
    }

    /// The path of `rel` beneath this directory (`generated`, not `./generated`).
    fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        if self.path == Path::new(".") {
            rel.as_ref().to_path_buf()
        } else {
            self.path.join(rel)
        }
    }

    fn io(
        &self,
        action: &'static str,
        rel: impl AsRef<Path>,
        e: impl Into<std::io::Error>,
    ) -> FsError {
        FsError::Io {
            action,
            path: self.show(rel),
            source: e.into(),
        }
    }

    /// `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, or one `O_NOFOLLOW`
    /// open per component where the kernel has no `openat2`.
    fn open_beneath(&self, rel: &Path, flags: OFlags, mode: Mode) -> Result<OwnedFd, Errno> {
        let flags = flags | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use rustix::fs::ResolveFlags;
            let resolve =
                ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
            match rustix::fs::openat2(&self.fd, rel, flags, mode, resolve) {
                Err(Errno::NOSYS | Errno::PERM) => {}
                r => return r,
            }
        }
        let mut comps = rel.iter().peekable();
        let mut cur: Option<OwnedFd> = None;
        while let Some(c) = comps.next() {
            if c == ".." || c == "/" || c == "." {
                return Err(Errno::XDEV);
            }
            let at = cur.as_ref().map_or(self.fd.as_fd(), |f| f.as_fd());
            let last = comps.peek().is_none();
            let fd = if last {
                rustix::fs::openat(at, c, flags, mode)?
            } else {
                rustix::fs::openat(at, c, DIR_FLAGS, Mode::empty())?
            };
            cur = Some(fd);
        }
        cur.ok_or(Errno::INVAL)
    }

    /// Why opening `rel` failed with `e`, naming the component at fault: the
    /// link, the file where a directory was needed.
    fn explain(&self, action: &'static str, rel: &Path, e: Errno) -> FsError {
        if matches!(e, Errno::LOOP | Errno::NOTDIR | Errno::XDEV | Errno::NXIO) {
            let mut at: Option<Dir> = None;
            let mut so_far = PathBuf::new();
            let comps: Vec<&OsStr> = rel.iter().collect();
            for (i, c) in comps.iter().enumerate() {
                so_far.push(c);
                let dir = at.as_ref().unwrap_or(self);
                let Ok(st) = rustix::fs::statat(&dir.fd, *c, AtFlags::SYMLINK_NOFOLLOW) else {
                    break;
                };
                let kind = Kind::of(FileType::from_raw_mode(st.st_mode));
                let path = self.show(&so_far);
                match kind {
                    Kind::Link => return FsError::Link { path },
                    Kind::Dir if i + 1 < comps.len() => {
                        match rustix::fs::openat(&dir.fd, *c, DIR_FLAGS, Mode::empty()) {
                            Ok(fd) => {
                                at = Some(Dir {
                                    fd,
                                    path: PathBuf::new(),
                                })
                            }
                            Err(_) => break,
                        }
                    }
                    Kind::Dir => break,
                    _ if i + 1 < comps.len() || e == Errno::NOTDIR => {
                        return FsError::NotADirectory { path };
                    }
                    Kind::Other(what) => return FsError::Special { path, what },
                    Kind::File => break,
                }
            }
        }
        self.io(action, rel, e)
    }

    /// What `rel` is, its last component not followed; `None` when absent.
    pub(crate) fn kind(&self, rel: impl AsRef<Path>) -> Result<Option<Kind>, FsError> {
        let rel = rel.as_ref();
        let (parent, name) = match (rel.parent(), rel.file_name()) {
            (Some(p), Some(n)) if !p.as_os_str().is_empty() => match self.sub(p)? {
                Some(d) => (Some(d), n),
                None => return Ok(None),
            },
            (_, Some(n)) => (None, n),
            _ => return Ok(Some(Kind::Dir)),
        };
        let at = parent.as_ref().map_or(&self.fd, |d| &d.fd);
        match rustix::fs::statat(at, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(Kind::of(FileType::from_raw_mode(st.st_mode)))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(self.io("cannot stat", rel, e)),
        }
    }

    /// The directory `rel` beneath this one; `None` when absent.
    pub(crate) fn sub(&self, rel: impl AsRef<Path>) -> Result<Option<Dir>, FsError> {
        let rel = rel.as_ref();
        match self.open_beneath(rel, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Some(Dir {
                fd,
                path: self.join(rel),
            })),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(self.explain("cannot open directory", rel, e)),
        }
    }

    /// The directory `name` (one component) beneath this one, created when
    /// absent; `created` says whether it was.
    pub(crate) fn sub_or_create(&self, name: &str, created: &mut bool) -> Result<Dir, FsError> {
        if let Some(d) = self.sub(name)? {
            return Ok(d);
        }
        match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777)) {
            Ok(()) => *created = true,
            Err(Errno::EXIST) => {}
            Err(e) => return Err(self.io("cannot create directory", name, e)),
        }
        self.sub(name)?
            .ok_or_else(|| self.io("cannot create directory", name, Errno::NOENT))
    }

    /// The contents of the regular file `rel`: `None` when absent; a refusal
    /// for a link anywhere along it, a file that is not regular, or one
    /// larger than `cap` bytes.
    pub(crate) fn read(
        &self,
        rel: impl AsRef<Path>,
        cap: usize,
    ) -> Result<Option<Vec<u8>>, FsError> {
        let rel = rel.as_ref();
        // O_NONBLOCK: opening a FIFO must not wait for a writer
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY;
        let fd = match self.open_beneath(rel, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(self.explain("cannot read", rel, e)),
        };
        read_capped(File::from(fd), cap, || self.show(rel)).map(Some)
    }

    /// Creates the directory `rel` (its parent exists and is topogen's own).
    pub(crate) fn create_dir(&self, rel: impl AsRef<Path>) -> Result<(), FsError> {
        let rel = rel.as_ref();
        rustix::fs::mkdirat(&self.fd, rel, Mode::from_raw_mode(0o777))
            .map_err(|e| self.io("cannot create directory", rel, e))
    }

    /// Creates the file `rel` exclusively and writes `bytes` into it.
    pub(crate) fn create_file(
        &self,
        rel: impl AsRef<Path>,
        bytes: &[u8],
        mode: u32,
    ) -> Result<(), FsError> {
        let rel = rel.as_ref();
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL;
        let fd = self
            .open_beneath(rel, flags, Mode::from_raw_mode(mode))
            .map_err(|e| self.explain("cannot write", rel, e))?;
        File::from(fd)
            .write_all(bytes)
            .map_err(|e| self.io("cannot write", rel, e))
    }

    /// Every entry of this directory (not `.` and `..`), sorted by name.
    pub(crate) fn entries(&self) -> Result<Vec<(OsString, Kind)>, FsError> {
        let err = |e: Errno| self.io("cannot read directory", "", e);
        let mut out = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd).map_err(err)? {
            let entry = entry.map_err(err)?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let name = OsString::from_vec(name.to_vec());
            let kind = match entry.file_type() {
                FileType::Unknown => {
                    let st = rustix::fs::statat(&self.fd, &name, AtFlags::SYMLINK_NOFOLLOW)
                        .map_err(|e| self.io("cannot stat", &name, e))?;
                    Kind::of(FileType::from_raw_mode(st.st_mode))
                }
                t => Kind::of(t),
            };
            out.push((name, kind));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Removes the entry `name` and, for a directory, everything in it;
    /// links are removed, never followed. An explicit stack, not recursion:
    /// a hostile tree may nest deeper than the call stack. Each directory is
    /// listed once and only the directories being emptied are held open.
    pub(crate) fn remove_tree(&self, name: impl AsRef<OsStr>) -> Result<(), FsError> {
        let name = name.as_ref();
        match self.kind(name)? {
            None => return Ok(()),
            Some(Kind::Dir) => {}
            Some(_) => {
                return rustix::fs::unlinkat(&self.fd, name, AtFlags::empty())
                    .map_err(|e| self.io("cannot remove", name, e));
            }
        }
        // (the directory holding it, its name, whether it was emptied already)
        let mut stack: Vec<(Option<Rc<Dir>>, OsString, bool)> =
            vec![(None, name.to_owned(), false)];
        while let Some((parent, name, emptied)) = stack.pop() {
            let at: &Dir = parent.as_deref().unwrap_or(self);
            if emptied {
                rustix::fs::unlinkat(&at.fd, &name, AtFlags::REMOVEDIR)
                    .map_err(|e| at.io("cannot remove", &name, e))?;
                continue;
            }
            let dir = Rc::new(
                at.sub(&name)?
                    .ok_or_else(|| at.io("cannot remove", &name, Errno::NOENT))?,
            );
            let entries = dir.entries()?;
            stack.push((parent.clone(), name, true));
            for (entry, kind) in entries {
                if kind == Kind::Dir {
                    stack.push((Some(dir.clone()), entry, false));
                } else {
                    rustix::fs::unlinkat(&dir.fd, &entry, AtFlags::empty())
                        .map_err(|e| dir.io("cannot remove", &entry, e))?;
                }
            }
        }
        Ok(())
    }

    /// Removes the directory `name` if it is empty; true when it is gone.
    pub(crate) fn remove_empty_dir(&self, name: &OsStr) -> bool {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR).is_ok()
    }

    /// Renames `from` to `to` in this directory; with `exchange`, swaps the
    /// two atomically (`renameat2(RENAME_EXCHANGE)`).
    pub(crate) fn rename(&self, from: &str, to: &str, exchange: bool) -> std::io::Result<()> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if exchange {
            return rustix::fs::renameat_with(
                &self.fd,
                from,
                &self.fd,
                to,
                rustix::fs::RenameFlags::EXCHANGE,
            )
            .map_err(Into::into);
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        if exchange {
            return Err(std::io::ErrorKind::Unsupported.into());
        }
        rustix::fs::renameat(&self.fd, from, &self.fd, to).map_err(Into::into)
    }

    /// Puts the entry `name` of this directory at `to` beneath `dst` too,
    /// as it is (a hard link; a link or a FIFO is never opened). Where hard
    /// links are impossible, a regular file is copied and a link recreated.
    pub(crate) fn carry(
        &self,
        name: &OsStr,
        kind: Kind,
        dst: &Dir,
        to: &Path,
    ) -> Result<(), FsError> {
        let err = |e: Errno| dst.io("cannot carry over", to, e);
        match rustix::fs::linkat(&self.fd, name, &dst.fd, to, AtFlags::empty()) {
            Ok(()) => return Ok(()),
            Err(Errno::XDEV | Errno::PERM | Errno::MLINK | Errno::OPNOTSUPP) => {}
            Err(e) => return Err(err(e)),
        }
        match kind {
            Kind::Link => {
                let target = rustix::fs::readlinkat(&self.fd, name, Vec::new())
                    .map_err(|e| self.io("cannot read link", name, e))?;
                rustix::fs::symlinkat(target.as_c_str(), &dst.fd, to).map_err(err)
            }
            Kind::File => {
                let fd = self
                    .open_beneath(
                        Path::new(name),
                        OFlags::RDONLY | OFlags::NONBLOCK,
                        Mode::empty(),
                    )
                    .map_err(|e| self.explain("cannot copy", Path::new(name), e))?;
                let mut src = File::from(fd);
                let out = dst
                    .open_beneath(
                        to,
                        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL,
                        Mode::from_raw_mode(0o644),
                    )
                    .map_err(err)?;
                std::io::copy(&mut src, &mut File::from(out))
                    .map(|_| ())
                    .map_err(|e| dst.io("cannot copy", to, e))
            }
            other => Err(other.not_a_file(self.show(name))),
        }
    }

    /// Takes the advisory lock on this directory without waiting; false when
    /// another process holds it.
    pub(crate) fn try_lock(&self) -> bool {
        rustix::fs::flock(
            &self.fd,
            rustix::fs::FlockOperation::NonBlockingLockExclusive,
        )
        .is_ok()
    }

    /// Flushes the file system this directory is on to disk (`syncfs`).
    pub(crate) fn sync_fs(&self) -> Result<(), FsError> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let r = rustix::fs::syncfs(&self.fd);
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let r = rustix::fs::fsync(&self.fd);
        r.map_err(|e| self.io("cannot sync", "", e))
    }

    /// Flushes this directory's entries (a rename in it) to disk; best effort.
    pub(crate) fn sync_entries(&self) {
        let _ = rustix::fs::fsync(&self.fd);
    }

    /// The device and inode: two handles on one directory compare equal.
    pub(crate) fn id(&self) -> (u64, u64) {
        rustix::fs::fstat(&self.fd).map_or((0, 0), |st| (st.st_dev, st.st_ino))
    }

    /// Creates a new, empty directory in this one, named `prefix` then the
    /// process id and an unpredictable suffix; `mode` before the umask.
    pub(crate) fn temp_dir(&self, prefix: &str, mode: u32) -> Result<(String, Dir), FsError> {
        let mut tries = 0;
        loop {
            let name = format!("{prefix}{}-{:016x}", std::process::id(), unpredictable());
            match rustix::fs::mkdirat(&self.fd, name.as_str(), Mode::from_raw_mode(mode)) {
                Ok(()) => {}
                Err(Errno::EXIST) if tries < 16 => {
                    tries += 1;
                    continue;
                }
                Err(e) => return Err(self.io("cannot create directory", &name, e)),
            }
            let dir = self
                .sub(&name)?
                .ok_or_else(|| self.io("cannot create directory", &name, Errno::NOENT))?;
            return Ok((name, dir));
        }
    }

    /// Replaces (or creates) the file `name` in this directory atomically:
    /// written exclusively into a directory just created, then renamed over
    /// `name` (a link at `name` is replaced, never followed).
    pub(crate) fn replace_file(&self, name: &str, bytes: &[u8], mode: u32) -> Result<(), FsError> {
        let (tmp_name, tmp) = self.temp_dir(&format!(".{name}.topogen-"), 0o700)?;
        let result = tmp.create_file(name, bytes, mode).and_then(|()| {
            rustix::fs::renameat(&tmp.fd, name, &self.fd, name)
                .map_err(|e| self.io("cannot write", name, e))
        });
        // emptied by the rename: one rmdir, unless the write failed
        if !self.remove_empty_dir(OsStr::new(&tmp_name)) {
            let _ = self.remove_tree(&tmp_name);
        }
        result
    }
}

/// Reads a regular file of at most `cap` bytes; `show` names it in a refusal.
fn read_capped(file: File, cap: usize, show: impl Fn() -> String) -> Result<Vec<u8>, FsError> {
    let meta = file.metadata().map_err(|e| FsError::Io {
        action: "cannot stat",
        path: show(),
        source: e,
    })?;
    if !meta.is_file() {
        let kind = Kind::of(FileType::from_raw_mode(
            std::os::unix::fs::MetadataExt::mode(&meta) as rustix::fs::RawMode,
        ));
        return Err(kind.not_a_file(show()));
    }
    if meta.len() > cap as u64 {
        return Err(FsError::TooLarge { path: show() });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FsError::Io {
            action: "cannot read",
            path: show(),
            source: e,
        })?;
    if bytes.len() > cap {
        return Err(FsError::TooLarge { path: show() });
    }
    Ok(bytes)
}

/// Opens `path` (a file the user named, its directory taken as given) for
/// reading: its last component must be a regular file, not a link, a FIFO
/// or a device.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<File> {
    let flags =
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let file = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => File::from(fd),
        Err(Errno::LOOP) => {
            return Err(std::io::Error::other(
                "it is a symbolic link, and topogen follows no link inside the repository",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        let kind = Kind::of(FileType::from_raw_mode(
            std::os::unix::fs::MetadataExt::mode(&meta) as rustix::fs::RawMode,
        ));
        let what = match kind {
            Kind::Dir => "a directory",
            Kind::Other(what) => what,
            _ => "not a regular file",
        };
        return Err(std::io::Error::other(format!(
            "it is {what}, not a regular file"
        )));
    }
    Ok(file)
}

/// Writes `bytes` to a new file at `path` (its directory taken as given);
/// never replaces anything, a dangling link included.
pub(crate) fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o644))?;
    File::from(fd).write_all(bytes)
}

/// 64 bits no other process can predict: the standard library seeds its
/// hash keys from the operating system's random source.
fn unpredictable() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// A relative path with `/` separators (a manifest line, a planned file, an
/// `output dir`) that stays beneath its directory: the model's one rule for
/// paths ([`crate::model::path::check`]).
pub(crate) fn safe_relative(p: &str) -> bool {
    crate::model::path::check(p).is_ok()
}

/// A name as the user sees it.
pub(crate) fn lossy(name: &OsStr) -> String {
    String::from_utf8_lossy(name.as_bytes()).into_owned()
}
