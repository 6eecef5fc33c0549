//! The real binary, run as most tests run it: in `dir`, without colour, without
//! a build record (an empty `TOPOGEN_CACHE_DIR`) and without an injected fault.

use std::path::Path;
use std::process::{Command, Output};

/// `topogen ARGS…` run in `dir`.
pub(crate) fn topogen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_topogen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TOPOGEN_CACHE_DIR", "")
        .env_remove("TOPOGEN_FAULT_AT")
        .output()
        .expect("run topogen")
}
