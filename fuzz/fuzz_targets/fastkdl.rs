//! Differential: topogen's KDL fast path (`topogen::model::fastkdl`) against
//! the `kdl` crate's parser. On every input the fast path accepts, its
//! document (nodes, entries, values) and every span must be `parse_v2`'s
//! (oracle: `fuzz/fastkdl_oracle.rs`, shared with `tests/fastkdl.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../fastkdl_oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // deeper than topogen ever lets the parsers go (`source::scan`)
    if !oracle::within_limits(text) {
        return;
    }
    if let Err(e) = oracle::check(text) {
        panic!("fast path and kdl differ: {e}\n---\n{text}\n---");
    }
});
