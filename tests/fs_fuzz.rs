//! The stable stand-in for the cargo-fuzz target `fuzz/fuzz_targets/tree.rs`
//! (which needs nightly): proptest mutations of the file-system state around
//! a build — links, special files, manifest and record contents — checked by
//! the same harness (`fuzz/fs_tree.rs`). `scripts/fuzz.sh` runs it with more
//! cases when libFuzzer cannot be had; `PROPTEST_CASES` sets how many.

#[path = "../fuzz/fs_tree.rs"]
mod fs_tree;

use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_file_system_states_are_refused_or_harmless(ops in proptest::collection::vec(any::<u8>(), 0..36)) {
        fs_tree::run(&ops);
    }
}

/// Every operation once, on the first paths: each branch of the harness runs
/// in every `cargo test`, whatever proptest draws.
#[test]
fn every_operation_runs() {
    for kind in 0..16u8 {
        for which in [0u8, 3, 17, 40] {
            fs_tree::run(&[kind, which, which ^ kind]);
        }
    }
}
