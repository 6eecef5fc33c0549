//! The process floor: start, write one small file, exit.
//!
//! `scripts/bench.sh` reports every topogen figure as a ratio to this
//! binary's median, so that the numbers mean something on a noisy machine.

use std::io::Write as _;

fn main() -> std::process::ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .unwrap_or_else(|| "floor.out".into());
    let written = std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(b"# written by the process floor\n"));
    match written {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: cannot write {}: {e}", path.to_string_lossy());
            std::process::ExitCode::FAILURE
        }
    }
}
