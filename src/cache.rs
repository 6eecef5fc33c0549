//! The local build record: lets an up-to-date `build` or `check` skip
//! rendering.
//!
//! Rendering is a pure function of three inputs: the bytes of `cluster.kdl`,
//! the `--templates` overrides, and topogen itself ([`ENGINE`], a hash of
//! the sources it was built from). After a build — or a check that found
//! nothing to change — topogen records, per output directory, the hash of
//! those inputs ([`Key`]) and the hash of every file it produced. A later
//! run with the same key only has to hash the files on disk: when each
//! matches, rendering again would produce the same bytes, so the tree is up
//! to date. Any difference — an edited, missing or extra owned file (the
//! manifest is one of the hashed files), another input, another topogen —
//! falls back to the full render and the usual diff. `--no-cache` always
//! renders.
//!
//! The record lives in the user's cache directory (`$TOPOGEN_CACHE_DIR`,
//! else `$XDG_CACHE_HOME/topogen` when that is absolute, else `~/.cache/topogen`; an empty
//! `TOPOGEN_CACHE_DIR` turns it off), never in the repository: it travels
//! through no merge, and a fresh clone — a CI runner — always renders.
//! Writing it is best effort and atomic (a file created exclusively in a
//! directory just created, then renamed); a record that cannot be read or
//! does not parse is a miss.
//!
//! On a shared machine (a self-hosted runner) another user may write the
//! cache directory, so a record is only trusted when it is a regular file
//! owned by the current user and writable by no one else. The files it
//! vouches for are read through [`crate::fsutil`] (no link followed, regular
//! files only, capped), and a build deletes an owned file it no longer
//! produces only when the record shows topogen wrote those contents.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::fsutil::{Dir, MAX_READ};
use crate::output::Target;

use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

/// A hash of the sources this topogen was built from (`build.rs`).
pub(crate) const ENGINE: &str = env!("TOPOGEN_ENGINE");

/// First line of a record; a new layout gets a new version.
const HEADER: &str = "topogen build record v1";

/// The hash of everything the rendered files depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key(u128);

impl Key {
    /// The key of a run: `config` is the text of `cluster.kdl`, `overrides`
    /// the templates replaced by `--templates` (name, text).
    pub fn new<'a>(config: &str, overrides: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut h = Xxh3::new();
        let mut field = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(ENGINE.as_bytes());
        field(config.as_bytes());
        for (name, text) in overrides {
            field(name.as_bytes());
            field(text.as_bytes());
        }
        Key(h.digest128())
    }
}

/// A directory of build records.
#[derive(Clone, Debug)]
pub struct Store(PathBuf);

/// The XDG base directory for caches: `$XDG_CACHE_HOME` when it is an absolute
/// path (the XDG spec ignores a relative one), else `.cache` in the home
/// directory (`std::env::home_dir`: `$HOME`, else the user database).
fn cache_home(
    xdg_cache_home: Option<std::ffi::OsString>,
    home_dir: impl FnOnce() -> Option<PathBuf>,
) -> Option<PathBuf> {
    match xdg_cache_home.map(PathBuf::from) {
        Some(d) if d.is_absolute() => Some(d),
        _ => home_dir()
            .filter(|h| !h.as_os_str().is_empty())
            .map(|h| h.join(".cache")),
    }
}

impl Store {
    /// A store in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Store(dir.into())
    }

    /// The user's store, or `None` when there is none (or it is turned off).
    pub(crate) fn user() -> Option<Self> {
        if let Some(d) = std::env::var_os("TOPOGEN_CACHE_DIR") {
            return (!d.is_empty()).then(|| Store::at(d));
        }
        let base = cache_home(std::env::var_os("XDG_CACHE_HOME"), std::env::home_dir)?;
        Some(Store::at(base.join("topogen")))
    }

    /// The record of output directory `out` (whose parent must exist: an
    /// interrupted build may have moved `out` itself aside), and `out`'s
    /// absolute path as the record states it.
    fn record_path(&self, out: &Path) -> Option<(PathBuf, String)> {
        let abs = match (out.parent(), out.file_name()) {
            (Some(p), Some(name)) => {
                let p = if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                };
                fs::canonicalize(p).ok()?.join(name)
            }
            _ => fs::canonicalize(out).ok()?,
        };
        let abs = abs.to_str()?.to_owned();
        let name = format!("{:016x}", xxh3_64(abs.as_bytes()));
        Some((self.0.join(name), abs))
    }

    /// Records that `out` holds exactly `files` (relative path → contents,
    /// the manifest included), built from `key`. Best effort: a record that
    /// cannot be written only costs the next run a render.
    pub(crate) fn record<'a>(
        &self,
        out: &Path,
        key: Key,
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) {
        let Some((path, abs)) = self.record_path(out) else {
            return;
        };
        let lines: Vec<String> = files
            .into_iter()
            .map(|(rel, bytes)| format!("{:032x} {rel}", digest(bytes)))
            .collect();
        let mut text = format!(
            "{HEADER}\nout {abs}\nkey {:032x}\nfiles {}\n",
            key.0,
            lines.len()
        );
        for l in &lines {
            text.push_str(l);
            text.push('\n');
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        if fs::create_dir_all(&self.0).is_ok()
            && let Ok(dir) = Dir::open(&self.0)
        {
            let _ = dir.replace_file(name, text.as_bytes(), 0o600);
        }
    }

    /// The text of the record at `path`, when it can be trusted: a regular
    /// file (not a link) of the current user that no one else may write.
    fn read_trusted(path: &Path) -> Option<String> {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let file = crate::fsutil::open_regular(path).ok()?;
        let meta = file.metadata().ok()?;
        if meta.uid() != rustix::process::geteuid().as_raw()
            || meta.mode() & 0o022 != 0
            || meta.len() > MAX_READ as u64
        {
            return None;
        }
        // sized from the file's length: one read, not a doubling series of them
        let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
        file.take(MAX_READ as u64).read_to_end(&mut bytes).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// The trusted record of `out`, checked to be `out`'s: its key and its
    /// files (relative path, hash), in the recorded order.
    fn load(&self, out: &Path) -> Option<(String, Vec<(String, u128)>)> {
        let (path, abs) = self.record_path(out)?;
        let text = Self::read_trusted(&path)?;
        let mut lines = text.lines();
        if lines.next()? != HEADER || lines.next()?.strip_prefix("out ")? != abs {
            return None;
        }
        let key = lines.next()?.strip_prefix("key ")?.to_owned();
        let count: usize = lines.next()?.strip_prefix("files ")?.parse().ok()?;
        let mut files = Vec::with_capacity(count.min(1 << 16));
        for line in lines {
            let (hash, rel) = line.split_once(' ')?;
            let hash = u128::from_str_radix(hash, 16).ok()?;
            if !crate::fsutil::safe_relative(rel) {
                return None;
            }
            files.push((rel.to_owned(), hash));
        }
        // a truncated record proves nothing
        (files.len() == count).then_some((key, files))
    }

    /// What topogen last wrote into `out`, by the record (whatever its
    /// inputs were): relative path → hash of the contents.
    pub fn written(&self, out: &Path) -> Option<BTreeMap<String, u128>> {
        self.load(out).map(|(_, files)| files.into_iter().collect())
    }

    /// [`Store::record`] of what a build of `plan` leaves in `out`: its files
    /// and its manifest.
    pub fn record_plan(&self, out: &Path, key: Key, plan: &crate::emit::Plan) {
        let files = crate::output::with_manifest(plan);
        self.record(out, key, files.iter().map(|(rel, t)| (*rel, t.as_bytes())));
    }

    /// When `out` was recorded with `key` and every recorded file is on disk
    /// with the recorded contents: the number of files (manifest excluded).
    pub fn verify(&self, out: &Target, key: Key) -> Option<usize> {
        let (recorded, files) = self.load(out.path())?;
        if recorded != format!("{:032x}", key.0) {
            return None;
        }
        let dir = crate::output::open_existing(out)?;
        let mut manifest = false;
        for (rel, hash) in &files {
            if digest(&dir.read(rel, MAX_READ).ok()??) != *hash {
                return None;
            }
            manifest |= rel == crate::output::MANIFEST;
        }
        // a record without the manifest proves nothing
        manifest.then(|| files.len() - 1)
    }
}

/// The hash a record keeps of a file's contents.
pub fn digest(bytes: &[u8]) -> u128 {
    xxh3_128(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_home_follows_the_xdg_spec() {
        let home = || Some(PathBuf::from("/home/u"));
        let at = |x: &str| cache_home(Some(x.into()), home);
        assert_eq!(at("/var/cache"), Some(PathBuf::from("/var/cache")));
        // empty or relative: ignored, as the XDG spec says
        assert_eq!(at(""), Some(PathBuf::from("/home/u/.cache")));
        assert_eq!(at("rel/cache"), Some(PathBuf::from("/home/u/.cache")));
        assert_eq!(
            cache_home(None, home),
            Some(PathBuf::from("/home/u/.cache"))
        );
        assert_eq!(cache_home(None, || None), None);
        assert_eq!(cache_home(None, || Some(PathBuf::new())), None);
    }

    /// An output directory with a manifest and one file, recorded in a store
    /// beside it, in a temporary directory removed when the first value drops.
    fn setup() -> (tempfile::TempDir, PathBuf, Store, Key) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let out = root.join("generated");
        fs::create_dir_all(out.join("pins")).unwrap();
        fs::write(out.join(crate::output::MANIFEST), "pins/k3s.version\n").unwrap();
        fs::write(out.join("pins/k3s.version"), "v1.33.4+k3s1\n").unwrap();
        let store = Store::at(root.join("cache"));
        let key = Key::new("cluster demo {}", []);
        store.record(
            &out,
            key,
            [
                (crate::output::MANIFEST, &b"pins/k3s.version\n"[..]),
                ("pins/k3s.version", &b"v1.33.4+k3s1\n"[..]),
            ],
        );
        (tmp, out, store, key)
    }

    fn record_text(store: &Store, out: &Path) -> (PathBuf, String) {
        let (path, _) = store.record_path(out).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        (path, text)
    }

    #[test]
    fn a_recorded_tree_verifies_with_its_file_count() {
        let (_tmp, out, store, key) = setup();
        assert_eq!(store.verify(&Target::named(&out), key), Some(1));
    }

    #[test]
    fn another_input_misses() {
        let (_tmp, out, store, _) = setup();
        assert_eq!(
            store.verify(&Target::named(&out), Key::new("cluster other {}", [])),
            None
        );
        let over = Key::new("cluster demo {}", [("pins/version.j2", "x")]);
        assert_eq!(store.verify(&Target::named(&out), over), None);
    }

    #[test]
    fn an_edited_or_missing_file_misses() {
        let (_tmp, out, store, key) = setup();
        fs::write(out.join("pins/k3s.version"), "v1.34.0+k3s1\n").unwrap();
        assert_eq!(store.verify(&Target::named(&out), key), None);
        fs::remove_file(out.join("pins/k3s.version")).unwrap();
        assert_eq!(store.verify(&Target::named(&out), key), None);
    }

    #[test]
    fn an_edited_manifest_misses() {
        let (_tmp, out, store, key) = setup();
        fs::write(out.join(crate::output::MANIFEST), "").unwrap();
        assert_eq!(store.verify(&Target::named(&out), key), None);
    }

    #[test]
    fn a_truncated_or_foreign_record_misses() {
        let (_tmp, out, store, key) = setup();
        let (path, text) = record_text(&store, &out);
        let cut: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
        fs::write(&path, cut).unwrap();
        assert_eq!(store.verify(&Target::named(&out), key), None);

        let (_tmp, out, store, key) = setup();
        let (path, text) = record_text(&store, &out);
        fs::write(&path, text.replace("\nout /", "\nout /elsewhere/")).unwrap();
        assert_eq!(store.verify(&Target::named(&out), key), None);
    }

    #[test]
    fn a_record_without_the_manifest_or_leaving_the_tree_misses() {
        let (_tmp, out, store, key) = setup();
        store.record(&out, key, [("pins/k3s.version", &b"v1.33.4+k3s1\n"[..])]);
        assert_eq!(store.verify(&Target::named(&out), key), None);

        let (_tmp, out, store, key) = setup();
        let (path, text) = record_text(&store, &out);
        fs::write(
            &path,
            text.replace(" pins/k3s.version", " ../generated/pins/k3s.version"),
        )
        .unwrap();
        assert_eq!(store.verify(&Target::named(&out), key), None);
    }

    #[test]
    fn a_record_anyone_else_could_write_or_a_link_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let (_tmp, out, store, key) = setup();
        let (path, text) = record_text(&store, &out);
        let target = Target::named(&out);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600,
            "written private"
        );
        for mode in [0o620, 0o602, 0o666] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(store.verify(&target, key), None, "{mode:o}");
            assert_eq!(store.written(&out), None, "{mode:o}");
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(store.verify(&target, key), Some(1));
        // the same text behind a link
        let real = path.with_file_name("elsewhere");
        fs::write(&real, &text).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&real, &path).unwrap();
        assert_eq!(store.verify(&target, key), None);
        // owned by another user (only root can make one)
        fs::remove_file(&path).unwrap();
        fs::write(&path, &text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        if rustix::process::geteuid().is_root() {
            std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
            assert_eq!(store.verify(&target, key), None);
        }
    }

    #[test]
    fn a_vouched_file_behind_a_link_or_a_fifo_misses() {
        let (_tmp, out, store, key) = setup();
        let file = out.join("pins/k3s.version");
        let real = out.parent().unwrap().join("real.version");
        fs::write(&real, "v1.33.4+k3s1\n").unwrap();
        fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(&real, &file).unwrap();
        assert_eq!(store.verify(&Target::named(&out), key), None);
        fs::remove_file(&file).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &file,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        // returns at once: the FIFO is never opened for a blocking read
        assert_eq!(store.verify(&Target::named(&out), key), None);
    }

    #[test]
    fn no_record_and_no_tree_miss() {
        let (_tmp, out, store, key) = setup();
        assert_eq!(
            Store::at(out.join("empty")).verify(&Target::named(&out), key),
            None
        );
        assert_eq!(store.verify(&Target::named(&out.join("absent")), key), None);
    }
}
