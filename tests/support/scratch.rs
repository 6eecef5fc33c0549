//! A scratch directory for one test, removed when it is dropped.

use std::path::PathBuf;

/// The directory, and the guard that removes it.
pub(crate) struct Scratch(pub(crate) PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl Scratch {
    /// A new scratch directory named after the test file and `name`.
    pub(crate) fn new(name: &str) -> Self {
        let tmp = tempfile::Builder::new()
            // no random suffix: topogen masks a path that looks like a token
            .prefix(&format!(
                "topogen-{}-{name}-{}",
                env!("CARGO_CRATE_NAME"),
                std::process::id()
            ))
            .rand_bytes(0)
            .tempdir()
            .unwrap();
        Scratch(tmp.path().to_path_buf(), tmp)
    }

    /// A new scratch directory holding `kdl` as its `cluster.kdl`.
    pub(crate) fn project(name: &str, kdl: &str) -> Self {
        let s = Scratch::new(name);
        s.write("cluster.kdl", kdl);
        s
    }

    /// The path of `rel` inside it.
    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// The text of `rel` inside it.
    #[allow(dead_code)] // tests/formats.rs reads nothing back
    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Writes `text` to `rel` (creating its directories); its path.
    pub(crate) fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}
