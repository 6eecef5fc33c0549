//! The `topogen` binary: parse the command line, run, map to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = topogen::cli::Cli::parse();
    topogen::app::run(cli).into()
}
