//! The runner's package manager, as the verify-access workflow uses it:
//! `sudo` (runs its command as is; the rehearsal runs as one user), and
//! `apt-get update` / `apt-get install -y PKG…`, which knows Debian's `kcat`
//! only. An installed package is a mark in the job's tool cache
//! (`$RUNNER_TOOL_CACHE/.rehearsal-apt/PKG`), so every job starts without it,
//! as a fresh GitHub-hosted runner does; the `kcat` stand-in refuses to run
//! without that mark.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use super::{Fail, Res};

/// The packages `apt-get install` knows.
const PACKAGES: &[&str] = &["kcat"];

fn mark(pkg: &str) -> Option<PathBuf> {
    let cache = std::env::var_os("RUNNER_TOOL_CACHE")?;
    Some(PathBuf::from(cache).join(".rehearsal-apt").join(pkg))
}

/// Whether `apt-get install` installed `pkg` in this job.
pub fn installed(pkg: &str) -> bool {
    mark(pkg).is_some_and(|m| m.exists())
}

/// `sudo [-E] [-n] COMMAND ARGS…`: COMMAND, found on PATH as it is.
pub fn sudo(args: &[String]) -> Res<u8> {
    let mut rest = args;
    while let Some(first) = rest.first()
        && matches!(first.as_str(), "-E" | "-n" | "--preserve-env")
    {
        rest = &rest[1..];
    }
    let Some((cmd, cmd_args)) = rest.split_first() else {
        return Err(Fail::new(
            1,
            "usage: sudo -h | -K | -k | -V\nusage: sudo [-E] COMMAND",
        ));
    };
    let status = Command::new(cmd)
        .args(cmd_args)
        .status()
        .map_err(|e| Fail::new(1, format!("sudo: {cmd}: command not found ({e})")))?;
    Ok(status.code().map_or(128, |c| c as u8))
}

/// `apt-get update` and `apt-get install [-y] [-q…] PKG…`.
pub fn apt_get(args: &[String]) -> Res<u8> {
    let mut yes = false;
    let mut quiet = false;
    let mut words = Vec::new();
    for a in args {
        match a.as_str() {
            "-y" | "--yes" | "--assume-yes" => yes = true,
            "-q" | "-qq" | "--quiet" => quiet = true,
            "--no-install-recommends" => {}
            s if s.starts_with('-') => {
                return Err(Fail::new(
                    100,
                    format!(
                        "E: Command line option '{s}' is not understood in combination with the other options."
                    ),
                ));
            }
            s => words.push(s),
        }
    }
    match words.split_first() {
        Some((&"update", [])) => {
            if !quiet {
                println!("Reading package lists... Done");
            }
            Ok(0)
        }
        Some((&"install", pkgs)) if !pkgs.is_empty() => {
            if let Some(unknown) = pkgs.iter().find(|p| !PACKAGES.contains(p)) {
                return Err(Fail::new(
                    100,
                    format!("E: Unable to locate package {unknown}"),
                ));
            }
            if !yes {
                println!("Do you want to continue? [Y/n] Abort.");
                return Ok(1);
            }
            for p in pkgs {
                let m = mark(p).ok_or_else(|| {
                    Fail::new(100, "rehearse-world apt-get: no RUNNER_TOOL_CACHE")
                })?;
                if let Some(dir) = m.parent() {
                    fs::create_dir_all(dir)?;
                }
                fs::write(&m, "")?;
                if !quiet {
                    println!("Setting up {p} ...");
                }
            }
            Ok(0)
        }
        _ => Err(Fail::new(
            100,
            "rehearse-world apt-get: only `update` and `install -y PKG…` are stood in",
        )),
    }
}
