//! The file-system state around a build, fuzzed: the input is a list of
//! operations that plant links, FIFOs, directories, edited manifests and
//! build records in a built project (see `fuzz/fs_tree.rs`, which
//! `tests/fs_fuzz.rs` runs on stable); `build` and `check` must refuse or be
//! harmless, and nothing outside the project may be read, changed or printed.
#![no_main]

#[path = "../fs_tree.rs"]
mod fs_tree;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fs_tree::run(data);
});
