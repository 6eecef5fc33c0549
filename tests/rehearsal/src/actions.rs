//! Actions, resolved by their pinned commit to a local behaviour. An action
//! not pinned to a full commit SHA, or pinned to a commit not in this table,
//! is refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::expr::Value;

#[derive(Debug)]
pub struct Action {
    pub repo: &'static str,
    pub sha: &'static str,
    pub tag: &'static str,
    /// Inputs the local behaviour implements; any other is refused.
    pub inputs: &'static [&'static str],
    pub outputs: &'static [&'static str],
    behaviour: fn(&ActionRun<'_>) -> Result<Effect, String>,
}

/// What the action sees.
pub struct ActionRun<'a> {
    pub with: &'a [(String, Value)],
    pub repo: &'a Path,
    pub workspace: &'a Path,
    pub runner_temp: &'a Path,
    pub terraform_mirror: Option<&'a Path>,
    /// The job's HOME (what `~` means in a path input).
    pub home: &'a Path,
    /// Where `actions/cache` keeps its entries.
    pub cache: &'a Path,
    /// What `cargo install --git` resolves to (`dtolnay/rust-toolchain`).
    pub cargo_git: &'a [CargoGit],
}

/// A crate `cargo install --git URL --rev SHA CRATE` installs in a
/// rehearsal: the local binary `bin` (the build under test), whatever the
/// SHA, as an action is resolved by its pinned SHA to a local behaviour. The
/// `--rev` must still be a full commit SHA (a pin), and any other `cargo
/// install` (another URL or crate, a branch, crates.io) is refused.
#[derive(Clone, Debug)]
pub struct CargoGit {
    pub git: String,
    pub krate: String,
    pub bin: PathBuf,
}

impl ActionRun<'_> {
    fn input(&self, name: &str) -> Option<&Value> {
        self.with.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// What the action does to the job: PATH entries, environment, outputs, log.
#[derive(Default)]
pub struct Effect {
    pub path: Vec<PathBuf>,
    pub env: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
    pub log: Vec<String>,
    /// Work left for the end of the job (the action's `post` step).
    pub post: Option<Post>,
}

/// An action's post step, run when the job's steps are done.
#[derive(Debug)]
pub enum Post {
    /// actions/cache: save `paths` under `key` if the job succeeded.
    CacheSave {
        key: String,
        paths: Vec<PathBuf>,
        entry: PathBuf,
    },
}

pub const ACTIONS: [Action; 4] = [
    Action {
        repo: "actions/checkout",
        sha: "11bd71901bbe5b1630ceea73d27597364c9af683",
        tag: "v4.2.2",
        inputs: &["persist-credentials", "path", "fetch-depth"],
        outputs: &["ref", "commit"],
        behaviour: checkout,
    },
    Action {
        repo: "hashicorp/setup-terraform",
        sha: "b9cd54a3c349d3f38e8881555d616ced269862dd",
        tag: "v3.1.2",
        inputs: &["terraform_version", "terraform_wrapper"],
        outputs: &[],
        behaviour: setup_terraform,
    },
    Action {
        repo: "actions/cache",
        sha: "5a3ec84eff668545956fd18022155c47e93e2684",
        tag: "v4.2.3",
        inputs: &["path", "key", "restore-keys"],
        outputs: &["cache-hit"],
        behaviour: cache,
    },
    Action {
        repo: "dtolnay/rust-toolchain",
        sha: "b3b07ba8b418998c39fb20f53e8b695cdcc8de1b",
        tag: "master",
        inputs: &["toolchain", "components", "targets"],
        outputs: &["cachekey", "name"],
        behaviour: rust_toolchain,
    },
];

/// Resolves `owner/repo@SHA`; the error says why the action is refused.
pub fn resolve(uses: &str) -> Result<&'static Action, String> {
    if uses.starts_with("docker://") || uses.starts_with("./") {
        return Err(format!(
            "unsupported: action `{uses}` (only pinned repository actions)"
        ));
    }
    let Some((repo, rev)) = uses.split_once('@') else {
        return Err(format!("unsupported: action `{uses}` has no `@` revision"));
    };
    if rev.len() != 40 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "unsupported: action `{uses}` is not pinned to a full commit SHA"
        ));
    }
    ACTIONS
        .iter()
        .find(|a| a.repo.eq_ignore_ascii_case(repo) && a.sha.eq_ignore_ascii_case(rev))
        .ok_or_else(|| {
            format!(
                "unsupported: action `{uses}` has no local behaviour (known: {})",
                ACTIONS
                    .iter()
                    .map(|a| format!("{}@{} ({})", a.repo, a.sha, a.tag))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// Static validation of a step's `with:` keys and literal values.
pub fn check_inputs(action: &Action, with: &[(String, Value)]) -> Vec<String> {
    let mut errors = Vec::new();
    for (k, v) in with {
        if !action.inputs.contains(&k.as_str()) {
            errors.push(format!(
                "unsupported: input `{k}` of `{}` (implemented: {})",
                action.repo,
                action.inputs.join(", ")
            ));
        }
        if action.repo == "hashicorp/setup-terraform" && k == "terraform_wrapper" && v.truthy() {
            errors.push("unsupported: `terraform_wrapper: true` (the wrapper's stdout/stderr/exitcode outputs are not emulated)".to_string());
        }
    }
    if action.repo == "hashicorp/setup-terraform"
        && !with.iter().any(|(k, _)| k == "terraform_wrapper")
    {
        errors.push("unsupported: `hashicorp/setup-terraform` without `terraform_wrapper: false` (the wrapper is on by default and not emulated)".to_string());
    }
    if action.repo == "actions/cache"
        && !(with.iter().any(|(k, _)| k == "path") && with.iter().any(|(k, _)| k == "key"))
    {
        errors.push("`actions/cache` needs `path:` and `key:`".to_string());
    }
    if action.repo == "dtolnay/rust-toolchain" && !with.iter().any(|(k, _)| k == "toolchain") {
        errors.push("`dtolnay/rust-toolchain` pinned to a commit needs `toolchain:`".to_string());
    }
    errors
}

pub fn run(action: &Action, ctx: &ActionRun<'_>) -> Result<Effect, String> {
    (action.behaviour)(ctx)
}

fn git(repo: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every file of the repository a checkout would hold: git's tracked and
/// untracked-but-not-ignored files (the working tree under test), or every
/// file but `.git` and `target` when the directory is not a git work tree.
fn repo_files(repo: &Path) -> Result<Vec<PathBuf>, String> {
    if let Some(list) = git(
        repo,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    ) {
        return Ok(list
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .filter(|p| repo.join(p).symlink_metadata().is_ok())
            .collect());
    }
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = repo.join(&rel);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let name = entry.file_name();
            if name == ".git" || name == "target" {
                continue;
            }
            let ty = entry.file_type().map_err(|e| e.to_string())?;
            if ty.is_dir() {
                stack.push(rel.join(&name));
            } else {
                out.push(rel.join(&name));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// actions/checkout: copies the repository under test into the workspace.
fn checkout(ctx: &ActionRun<'_>) -> Result<Effect, String> {
    let dest = match ctx.input("path") {
        Some(p) => {
            let p = p.to_text();
            if Path::new(&p).is_absolute() || p.split('/').any(|c| c == "..") {
                return Err(format!(
                    "checkout: `path` `{p}` must stay inside the workspace"
                ));
            }
            ctx.workspace.join(p)
        }
        None => ctx.workspace.to_path_buf(),
    };
    let files = repo_files(ctx.repo)?;
    for rel in &files {
        copy_tree(&ctx.repo.join(rel), &dest.join(rel))?;
    }
    let commit = git(ctx.repo, &["rev-parse", "HEAD"]).unwrap_or_default();
    let mut log = vec![format!(
        "checkout: copied {} files of {} into {}",
        files.len(),
        ctx.repo.display(),
        dest.display()
    )];
    if let Some(depth) = ctx.input("fetch-depth").map(Value::to_text) {
        log.push(git_history(ctx.repo, &dest, &depth, commit.trim())?);
    }
    Ok(Effect {
        outputs: vec![
            ("ref".to_string(), "refs/heads/main".to_string()),
            ("commit".to_string(), commit.trim().to_string()),
        ],
        log,
        ..Effect::default()
    })
}

/// `fetch-depth` given: the workspace becomes a git repository whose remote
/// `origin` is the repository under test, as actions/checkout leaves it.
/// `0` fetches every branch (`origin/<branch>`) and tag with their history,
/// `N` the last N commits of HEAD. HEAD is detached at the repository's
/// HEAD and the index is its tree, so the copied working tree (what is under
/// test, uncommitted edits included) shows as changes against it. Without
/// `fetch-depth` the workspace has no `.git`: a workflow that reads git
/// history asks for it.
fn git_history(repo: &Path, dest: &Path, depth: &str, head: &str) -> Result<String, String> {
    let n: u32 = depth
        .parse()
        .map_err(|_| format!("checkout: `fetch-depth` `{depth}` is not a number"))?;
    if git(repo, &["rev-parse", "--git-dir"]).is_none() {
        return Err(format!(
            "checkout: `fetch-depth` needs a git repository, and {} is not one",
            repo.display()
        ));
    }
    let run = |args: &[&str]| -> Result<(), String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dest)
            .args(args)
            .output()
            .map_err(|e| format!("git: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "checkout: git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    let origin = repo.display().to_string();
    run(&["init", "--quiet"])?;
    run(&["remote", "add", "origin", &origin])?;
    if n == 0 {
        run(&[
            "fetch",
            "--quiet",
            "--no-recurse-submodules",
            "origin",
            "+refs/heads/*:refs/remotes/origin/*",
            "+refs/tags/*:refs/tags/*",
        ])?;
    } else {
        run(&[
            "fetch",
            "--quiet",
            "--no-tags",
            &format!("--depth={n}"),
            "origin",
            "HEAD",
        ])?;
    }
    if head.is_empty() {
        return Ok("checkout: the repository has no commit yet".to_string());
    }
    run(&["update-ref", "--no-deref", "HEAD", head])?;
    run(&["read-tree", "HEAD"])?;
    Ok(format!(
        "checkout: git history of {origin} (fetch-depth {n}), HEAD detached at {head}"
    ))
}

/// A cache key as a file name: every byte outside `[A-Za-z0-9._-]` as `%XX`.
fn key_file(key: &str) -> String {
    key.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Copies the tree at `from` to `to` (files, directories, symlinks).
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let meta = from
        .symlink_metadata()
        .map_err(|e| format!("{}: {e}", from.display()))?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).map_err(|e| e.to_string())?;
        std::os::unix::fs::symlink(target, to).map_err(|e| format!("{}: {e}", to.display()))
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
        for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
            let entry = entry.map_err(|e| e.to_string())?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", to.display()))
    }
}

/// The cached paths: one per line of `path`, `~` as the job's HOME,
/// relative ones in the workspace. Globs are refused.
fn cache_paths(ctx: &ActionRun<'_>) -> Result<Vec<PathBuf>, String> {
    let text = ctx.input("path").map(Value::to_text).unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.contains(['*', '?', '[', '!']) {
            return Err(format!(
                "unsupported: cache path pattern `{line}` (only plain paths)"
            ));
        }
        out.push(if line == "~" {
            ctx.home.to_path_buf()
        } else if let Some(rest) = line.strip_prefix("~/") {
            ctx.home.join(rest)
        } else {
            ctx.workspace.join(line)
        });
    }
    Ok(out)
}

/// actions/cache: restores the entry of `key` (else the newest entry whose
/// key starts with a `restore-keys` line) into the paths; on an exact miss the
/// post step saves them when the job succeeded. Entries live in a local
/// directory (one per key), shared by the runs that share it.
fn cache(ctx: &ActionRun<'_>) -> Result<Effect, String> {
    let key = ctx.input("key").map(Value::to_text).unwrap_or_default();
    if key.is_empty() {
        return Err("cache: `key` is empty".to_string());
    }
    let paths = cache_paths(ctx)?;
    let entry = ctx.cache.join(key_file(&key));
    let mut effect = Effect::default();
    let restore_keys: Vec<String> = ctx
        .input("restore-keys")
        .map(Value::to_text)
        .unwrap_or_default()
        .lines()
        .map(|l| key_file(l.trim()))
        .filter(|l| !l.is_empty())
        .collect();
    let found = if entry.is_dir() {
        Some((entry.clone(), true))
    } else {
        let mut candidates: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        if let Ok(dir) = std::fs::read_dir(ctx.cache) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if restore_keys.iter().any(|p| name.starts_with(p.as_str())) {
                    let modified = e
                        .metadata()
                        .and_then(|m| m.modified())
                        .map_err(|e| e.to_string())?;
                    candidates.push((modified, e.path()));
                }
            }
        }
        candidates.sort();
        candidates.pop().map(|(_, p)| (p, false))
    };
    match &found {
        Some((dir, exact)) => {
            for (i, p) in paths.iter().enumerate() {
                let saved = dir.join(i.to_string());
                if saved.symlink_metadata().is_ok() {
                    copy_tree(&saved, p)?;
                }
            }
            effect.log.push(format!(
                "cache: restored `{key}` from {} (exact: {exact})",
                dir.display()
            ));
        }
        None => effect.log.push(format!("cache: no entry for `{key}`")),
    }
    let hit = matches!(found, Some((_, true)));
    effect
        .outputs
        .push(("cache-hit".to_string(), hit.to_string()));
    if !hit {
        effect.post = Some(Post::CacheSave { key, paths, entry });
    }
    Ok(effect)
}

/// Runs a post step; its log lines.
pub fn run_post(post: &Post) -> Result<Vec<String>, String> {
    match post {
        Post::CacheSave { key, paths, entry } => {
            if entry.exists() {
                return Ok(vec![format!(
                    "cache: `{key}` was saved meanwhile; not saved again"
                )]);
            }
            let staging = entry.with_extension("saving");
            let _ = std::fs::remove_dir_all(&staging);
            std::fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
            for (i, p) in paths.iter().enumerate() {
                if p.symlink_metadata().is_ok() {
                    copy_tree(p, &staging.join(i.to_string()))?;
                }
            }
            std::fs::rename(&staging, entry).map_err(|e| format!("{}: {e}", entry.display()))?;
            Ok(vec![format!("cache: saved `{key}`")])
        }
    }
}

/// The directory of a command on the runner's own PATH.
fn host_command(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// hashicorp/setup-terraform: the machine's Terraform on PATH; with a
/// provider mirror (the hcloud stand-in), a CLI config that installs
/// providers only from it.
fn setup_terraform(ctx: &ActionRun<'_>) -> Result<Effect, String> {
    let bin = host_command("terraform")
        .ok_or("setup-terraform: no `terraform` on this machine's PATH")?;
    let dir = ctx.runner_temp.join("setup-terraform");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let link = dir.join("terraform");
    if !link.exists() {
        std::os::unix::fs::symlink(&bin, &link).map_err(|e| format!("{}: {e}", link.display()))?;
    }
    let mut effect = Effect {
        path: vec![dir.clone()],
        ..Effect::default()
    };
    let wanted = ctx
        .input("terraform_version")
        .map(Value::to_text)
        .unwrap_or_default();
    let have = Command::new(&bin)
        .arg("version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default();
    effect.log.push(format!(
        "setup-terraform: requested {wanted}, using this machine's {} ({have})",
        bin.display()
    ));
    if let Some(mirror) = ctx.terraform_mirror {
        let config = dir.join("terraform.rc");
        let text = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"*/*/*\"]\n  }}\n  direct {{\n    exclude = [\"*/*/*\"]\n  }}\n}}\n",
            mirror.display()
        );
        std::fs::write(&config, text).map_err(|e| format!("{}: {e}", config.display()))?;
        effect.env.push((
            "TF_CLI_CONFIG_FILE".to_string(),
            config.display().to_string(),
        ));
        effect.log.push(format!(
            "setup-terraform: providers only from the mirror {}",
            mirror.display()
        ));
    }
    Ok(effect)
}

/// dtolnay/rust-toolchain: the machine's cargo and rustc on PATH, and
/// `cargo install` into the job's RUNNER_TEMP (its `bin` on PATH, as
/// `~/.cargo/bin` is on a hosted runner).
fn rust_toolchain(ctx: &ActionRun<'_>) -> Result<Effect, String> {
    let cargo = host_command("cargo").ok_or("rust-toolchain: no `cargo` on this machine's PATH")?;
    let dir = cargo.parent().map(Path::to_path_buf).unwrap_or_default();
    let wanted = ctx
        .input("toolchain")
        .map(Value::to_text)
        .unwrap_or_default();
    let mut env = Vec::new();
    for var in ["CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Ok(v) = std::env::var(var) {
            env.push((var.to_string(), v));
        }
    }
    if !env.iter().any(|(k, _)| k == "CARGO_HOME")
        && let Ok(home) = std::env::var("HOME")
    {
        env.push(("CARGO_HOME".to_string(), format!("{home}/.cargo")));
        env.push(("RUSTUP_HOME".to_string(), format!("{home}/.rustup")));
    }
    // `cargo install` writes into the job's scratch space, not this machine's.
    let install_root = ctx.runner_temp.join("cargo-install");
    env.push((
        "CARGO_INSTALL_ROOT".to_string(),
        install_root.display().to_string(),
    ));
    // `cargo` itself: `install` resolved by the table, the rest the machine's.
    let shim = ctx.runner_temp.join("rust-toolchain");
    std::fs::create_dir_all(&shim).map_err(|e| format!("{}: {e}", shim.display()))?;
    let script = cargo_shim(&cargo, ctx.cargo_git);
    let file = shim.join("cargo");
    std::fs::write(&file, script).map_err(|e| format!("{}: {e}", file.display()))?;
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(Effect {
        path: vec![install_root.join("bin"), shim, dir.clone()],
        env,
        outputs: vec![("name".to_string(), wanted.clone())],
        log: vec![format!(
            "rust-toolchain: requested {wanted}, using this machine's toolchain in {}",
            dir.display()
        )],
        post: None,
    })
}

/// A word for bash, single-quoted.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The `cargo` a job sees after `dtolnay/rust-toolchain`: every command but
/// `install` is the machine's cargo; `cargo install [--locked] [--root DIR]
/// --git URL --rev SHA CRATE` copies the binary `cargo_git` names for (URL,
/// CRATE) into `DIR/bin` (default `$CARGO_INSTALL_ROOT`); any other install
/// fails with cargo's exit status 101 and the reason.
pub fn cargo_shim(cargo: &Path, table: &[CargoGit]) -> String {
    let mut cases = String::new();
    for c in table {
        cases += &format!(
            "  {}) bin={} ;;\n",
            sh_quote(&format!("{} {}", c.git, c.krate)),
            sh_quote(&c.bin.display().to_string())
        );
    }
    format!(
        r#"#!/usr/bin/env bash
# cargo in a rehearsal (tests/rehearsal/src/actions.rs, cargo_shim)
set -euo pipefail
if [ "${{1:-}}" != install ]; then exec {real} "$@"; fi
shift
refuse() {{ echo "error: cargo install (rehearsal): $*" >&2; exit 101; }}
root="${{CARGO_INSTALL_ROOT:-}}" git="" rev="" krate=""
while [ $# -gt 0 ]; do
  case "$1" in
    --locked) ;;
    --root | --git | --rev)
      [ $# -ge 2 ] || refuse "$1 needs a value"
      case "$1" in --root) root="$2" ;; --git) git="$2" ;; --rev) rev="$2" ;; esac
      shift ;;
    -*) refuse "the flag $1 is not implemented (only --locked, --root, --git, --rev)" ;;
    *) [ -z "$krate" ] || refuse "one crate at a time"; krate="$1" ;;
  esac
  shift
done
[ -n "$git" ] || refuse "only --git installs are resolved (crates.io is out of reach)"
[[ "$rev" =~ ^[0-9a-f]{{40}}$ ]] || refuse "--rev must pin a full commit SHA (got '$rev')"
[ -n "$krate" ] || refuse "name the crate"
[ -n "$root" ] || refuse "no --root and no CARGO_INSTALL_ROOT"
case "$git $krate" in
{cases}  *) refuse "no local build stands in for $krate from $git" ;;
esac
mkdir -p "$root/bin"
cp "$bin" "$root/bin/$krate"
echo "  Installed package \`$krate\` from $git#$rev (rehearsal: the build under test, $bin)" >&2
"#,
        real = sh_quote(&cargo.display().to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpinned_and_unknown_actions_are_refused() {
        for (uses, expected) in [
            ("actions/checkout@v4", "not pinned"),
            (
                "actions/checkout@0000000000000000000000000000000000000000",
                "no local behaviour",
            ),
            // an action the rehearsal has no behaviour for: refused, whatever the words
            ("actions/cache@11bd71901bbe5b1630ceea73d27597364c9af683", ""),
        ] {
            let err = resolve(uses).unwrap_err();
            assert!(err.contains(expected), "{uses}: {err}");
        }
        assert_eq!(
            resolve("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683")
                .unwrap()
                .tag,
            "v4.2.2"
        );
    }

    #[test]
    fn inputs_outside_the_behaviour_are_refused() {
        let checkout =
            resolve("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683").unwrap();
        assert!(
            check_inputs(
                checkout,
                &[("persist-credentials".into(), Value::Bool(false))]
            )
            .is_empty()
        );
        let errs = check_inputs(checkout, &[("repository".into(), Value::str("o/r"))]);
        assert!(
            errs[0].contains("unsupported: input `repository`"),
            "{errs:?}"
        );
        let tf =
            resolve("hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd").unwrap();
        assert_eq!(
            check_inputs(tf, &[]).len(),
            1,
            "the wrapper default is refused"
        );
    }
}
