//! `rehearse`: run a workflow offline as GitHub would, or check a set of
//! workflow files statically.
//!
//! ```text
//! rehearse check FILE|DIR...
//! rehearse run FILE [--event workflow_dispatch|schedule|pull_request|push]
//!     [--input K=V]... [--secret K=V]... [--secret-file K=PATH]... [--var K=V]... [--schedule CRON]
//!     [--repo DIR] [--repository OWNER/NAME] [--work DIR]
//!     [--stand-ins DIR]... [--env K=V]... [--terraform-mirror DIR]
//!     [--cache-dir DIR] [--reject-environment NAME]... [--summary FILE]
//!     [--pr-action TYPE] [--pr-base BRANCH] [--pr-head BRANCH] [--pr-label NAME]...
//!     [--cargo-git URL#CRATE=BIN]...
//! ```
//! A `pull_request` event is #1 from `--pr-head` (default `topic`) into
//! `--pr-base` (default `main`), activity `--pr-action` (default `opened`),
//! with the labels given. `--cargo-git` resolves `cargo install --git URL
//! --rev SHA CRATE` to the local binary BIN.
//! Exit status: 0 success, 1 the run or the check failed, 2 usage error or a
//! refusal (unsupported feature, inputs GitHub would reject).
#![deny(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rehearsal::{check, run};

const USAGE: &str = "usage: rehearse check FILE|DIR...\n       rehearse run FILE [--event E] [--input K=V]... [--secret K=V]... [--secret-file K=PATH]... [--var K=V]... [--schedule CRON] [--repo DIR] [--repository OWNER/NAME] [--work DIR] [--stand-ins DIR]... [--env K=V]... [--terraform-mirror DIR] [--cache-dir DIR] [--reject-environment NAME]... [--summary FILE] [--pr-action TYPE] [--pr-base BRANCH] [--pr-head BRANCH] [--pr-label NAME]... [--cargo-git URL#CRATE=BIN]...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") => check_cmd(&args[1..]),
        Some("run") => match run_cmd(&args[1..]) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn check_cmd(args: &[String]) -> ExitCode {
    if args.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for a in args {
        let p = PathBuf::from(a);
        if p.is_dir() {
            match check::workflow_files(&p) {
                Ok(f) => files.extend(f),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        } else {
            files.push(p);
        }
    }
    let report = check::check_files(&files);
    for n in &report.notes {
        println!("note: {n}");
    }
    for e in &report.errors {
        println!("error: {e}");
    }
    println!(
        "check: {} workflow file(s), {} error(s), {} note(s)",
        files.len(),
        report.errors.len(),
        report.notes.len()
    );
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn kv(flag: &str, v: &str) -> Result<(String, String), String> {
    v.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{flag} {v}`: expected KEY=VALUE"))
}

/// The top of the git work tree holding `file`, else the directory above
/// its `.github/`.
fn default_repo(file: &Path) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new("."));
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output();
    if let Ok(o) = out
        && o.status.success()
    {
        return PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
    }
    dir.parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn run_cmd(args: &[String]) -> Result<ExitCode, String> {
    let mut it = args.iter();
    let file = PathBuf::from(it.next().ok_or(USAGE)?);
    let (mut event, mut inputs, mut schedule) = ("workflow_dispatch".to_string(), Vec::new(), None);
    let (mut secrets, mut vars) = (BTreeMap::new(), BTreeMap::new());
    let (mut repo, mut work, mut summary, mut mirror) = (None, None, None, None);
    let (mut stand_ins, mut env, mut cache_dir) = (Vec::new(), Vec::new(), None);
    let mut rejected = Vec::new();
    let (mut pr, mut cargo_git) = (run::PullRequest::default(), Vec::new());
    let mut repository = "topogen/rehearsal".to_string();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--event" => event = value.clone(),
            "--input" => inputs.push(kv(flag, value)?),
            "--secret" => {
                let (k, v) = kv(flag, value)?;
                secrets.insert(k, v);
            }
            "--secret-file" => {
                let (k, path) = kv(flag, value)?;
                let v = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                secrets.insert(k, v.trim_end_matches('\n').to_string());
            }
            "--var" => {
                let (k, v) = kv(flag, value)?;
                vars.insert(k, v);
            }
            "--schedule" => schedule = Some(value.clone()),
            "--repo" => repo = Some(PathBuf::from(value)),
            "--repository" => repository = value.clone(),
            "--work" => work = Some(PathBuf::from(value)),
            "--stand-ins" => stand_ins.push(PathBuf::from(value)),
            "--env" => env.push(kv(flag, value)?),
            "--terraform-mirror" => mirror = Some(PathBuf::from(value)),
            "--summary" => summary = Some(PathBuf::from(value)),
            "--cache-dir" => cache_dir = Some(PathBuf::from(value)),
            "--reject-environment" => rejected.push(value.clone()),
            "--pr-action" => pr.action = value.clone(),
            "--pr-base" => pr.base = value.clone(),
            "--pr-head" => pr.head = value.clone(),
            "--pr-label" => pr.labels.push(value.clone()),
            "--cargo-git" => {
                let (source, bin) = kv(flag, value)?;
                let (git, krate) = source
                    .split_once('#')
                    .ok_or_else(|| format!("`{flag} {value}`: expected URL#CRATE=BIN"))?;
                cargo_git.push(rehearsal::actions::CargoGit {
                    git: git.to_string(),
                    krate: krate.to_string(),
                    bin: PathBuf::from(bin),
                });
            }
            other => return Err(format!("unknown flag `{other}`\n{USAGE}")),
        }
    }
    let event = match event.as_str() {
        "workflow_dispatch" => run::Event::Dispatch(inputs),
        "schedule" => run::Event::Schedule(schedule),
        "pull_request" => run::Event::PullRequest(pr),
        "push" => run::Event::Push,
        other => return Err(format!("unsupported: event `{other}`")),
    };
    let scratch = match &work {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("rehearsal-")
                .tempdir()
                .map_err(|e| e.to_string())?,
        ),
    };
    let opts = run::Options {
        repo: repo.unwrap_or_else(|| default_repo(&file)),
        work: work.unwrap_or_else(|| {
            scratch
                .as_ref()
                .map(|d| d.path().to_path_buf())
                .unwrap_or_default()
        }),
        repository,
        secrets,
        vars,
        stand_in_path: stand_ins,
        extra_env: env,
        terraform_mirror: mirror,
        cache_dir,
        rejected_environments: rejected,
        echo: true,
        cargo_git,
    };
    let report = run::run(&file, event, &opts)?;
    if let Some(path) = summary {
        std::fs::write(&path, &report.summary).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    for job in &report.jobs {
        println!("job {}: {}", job.path, job.result.as_str());
    }
    Ok(if report.result == run::Outcome::Success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
