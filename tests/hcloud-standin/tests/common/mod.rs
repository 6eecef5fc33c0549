//! Running the machine's real Terraform against the stand-in.
//!
//! Terraform finds the provider in a filesystem mirror
//! (`registry.terraform.io/hetznercloud/hcloud/1.54.0/linux_amd64/`) named by the CLI
//! configuration passed to it as `TF_CLI_CONFIG_FILE`: the one `scripts/standin.sh` lays
//! out and names in `STANDIN_TF_CLI_CONFIG_FILE`, or, when that is unset, one these tests
//! lay out under cargo's `CARGO_TARGET_TMPDIR` from the binary cargo just built. (A
//! `TF_CLI_CONFIG_FILE` already in the environment is the user's, and is not used.) Every run is offline: the registry is excluded from direct
//! installation and `HTTPS_PROXY` points at a closed port.
//!
//! The fixtures pin `required_version = ">= 1.13"` like topogen's `cluster.kdl`; the
//! machine has Terraform 1.11, so each scratch copy gets an `override.tf` relaxing it to
//! `>= 1.11` (nothing else is overridden).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use hcloud_standin::cloud::{self, Cloud, Labels, PrimaryIp};

pub const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The CLI configuration naming the mirror.
pub fn cli_config() -> PathBuf {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("STANDIN_TF_CLI_CONFIG_FILE").filter(|p| !p.is_empty()) {
                return PathBuf::from(path);
            }
            let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("standin-mirror");
            let dir = root.join("registry.terraform.io/hetznercloud/hcloud/1.54.0/linux_amd64");
            fs::create_dir_all(&dir).expect("mirror directory");
            fs::copy(
                env!("CARGO_BIN_EXE_terraform-provider-hcloud"),
                dir.join("terraform-provider-hcloud_v1.54.0"),
            )
            .expect("provider binary copied into the mirror");
            let config = root.join("terraformrc");
            fs::write(
                &config,
                format!(
                    "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hetznercloud/hcloud\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hetznercloud/hcloud\"]\n  }}\n}}\n",
                    root.display()
                ),
            )
            .expect("CLI configuration");
            config
        })
        .clone()
}

/// What a Terraform command did.
pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout and stderr, for assertion messages and searches.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A scratch copy of a fixture with its own fake cloud.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub cloud: PathBuf,
}

impl Project {
    /// A copy of `tests/fixtures/<name>`, with the `required_version` override.
    pub fn new(fixture: &str) -> Self {
        let dir = tempfile::tempdir().expect("scratch directory");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(fixture),
            dir.path(),
        );
        fs::write(
            dir.path().join("override.tf"),
            "# The machine's Terraform is 1.11; the fixture pins >= 1.13 like cluster.kdl.\nterraform {\n  required_version = \">= 1.11\"\n}\n",
        )
        .expect("override.tf");
        let cloud = dir.path().join("cloud.json");
        Self { dir, cloud }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).expect("fixture file")
    }

    pub fn write(&self, rel: &str, text: &str) {
        fs::write(self.path(rel), text).expect("fixture file written");
    }

    /// Replaces `from` (which must occur) with `to` in a file of the copy.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    /// `terraform ARGS` in the copy.
    pub fn tf(&self, args: &[&str]) -> Run {
        self.tf_with(args, &[])
    }

    /// `terraform ARGS` with environment variables set over the usual ones.
    pub fn tf_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = terraform(self.dir.path(), &self.cloud, args);
        cmd.env("HCLOUD_TOKEN", TOKEN).envs(env.iter().copied());
        run(&mut cmd)
    }

    /// `terraform ARGS`, which must succeed.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.tf(args);
        assert!(run.ok, "terraform {args:?} failed:\n{}", run.all());
        run
    }

    /// `terraform init` from the mirror.
    pub fn init(&self) {
        let run = self.ok(&["init", "-input=false", "-no-color"]);
        assert!(
            run.stdout
                .contains("Installing hetznercloud/hcloud v1.54.0..."),
            "{}",
            run.stdout
        );
    }

    pub fn cloud(&self) -> Cloud {
        cloud::load(&self.cloud).expect("the fake cloud is readable")
    }

    pub fn set_cloud(&self, c: &Cloud) {
        cloud::save(&self.cloud, c).expect("the fake cloud is written");
    }
}

/// `terraform -chdir=DIR ARGS`, offline, with the stand-in over the fake cloud `cloud`
/// (the caller adds the token the way its module reads it).
pub fn terraform(dir: &Path, cloud: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("terraform");
    cmd.arg(format!("-chdir={}", dir.display()))
        .args(args)
        .env("TF_CLI_CONFIG_FILE", cli_config())
        .env(cloud::STATE_ENV, cloud)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env_remove("TF_LOG");
    cmd
}

/// Runs `cmd` to its end.
pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("terraform runs");
    Run {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What a command of the `hcloud` CLI stand-in did.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The stand-in `hcloud ARGS` over the fake cloud `state` with the test token, `env` set
/// over the usual variables and `input`, if any, on standard input.
pub fn hcloud(state: &Path, env: &[(&str, &str)], args: &[&str], input: Option<&str>) -> Out {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hcloud"))
        .args(args)
        .env(cloud::STATE_ENV, state)
        .env("HCLOUD_TOKEN", TOKEN)
        .env_remove("HCLOUD_STANDIN_STRICT")
        .envs(env.iter().copied())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hcloud runs");
    if let Some(input) = input {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("stdin written");
    }
    let out = child.wait_with_output().expect("hcloud ends");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("fixture directory") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            fs::create_dir_all(&target).expect("directory");
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("file copied");
        }
    }
}

/// A Primary IP created outside Terraform (as the workflows do with the hcloud CLI),
/// labelled `labels`; its id.
pub fn outside_primary_ip(
    c: &mut Cloud,
    name: &str,
    datacenter: &str,
    labels: &[(&str, &str)],
) -> u64 {
    let ip = c.free_ipv4().expect("a free address");
    let (id, created) = c.new_id();
    c.primary_ips.push(PrimaryIp {
        id,
        name: name.into(),
        kind: "ipv4".into(),
        ip,
        datacenter: datacenter.into(),
        assignee_type: "server".into(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Labels>(),
        created,
        ..PrimaryIp::default()
    });
    id
}

/// A Primary IP of the `dev` environment for `node`.
pub fn dev_primary_ip(c: &mut Cloud, name: &str, node: &str, datacenter: &str) -> u64 {
    outside_primary_ip(
        c,
        name,
        datacenter,
        &[("environment", "dev"), ("node", node)],
    )
}

/// The fake cloud the `cluster` fixture expects: the two Primary IPs of `dev.tfvars`.
pub fn seeded() -> Cloud {
    let mut c = Cloud {
        format: cloud::FORMAT,
        ..Cloud::default()
    };
    for node in ["kafka-dev-control-0", "kafka-dev-kafka-0"] {
        dev_primary_ip(&mut c, &format!("{node}-ipv4"), node, "nbg1-dc3");
    }
    c
}

/// The fake cloud's servers: name → ID.
pub fn server_ids(c: &Cloud) -> BTreeMap<String, u64> {
    c.servers.iter().map(|s| (s.name.clone(), s.id)).collect()
}

/// The `Plan: …` line of a plan's output.
pub fn plan_line(run: &Run) -> String {
    run.stdout
        .lines()
        .find(|l| l.starts_with("Plan:") || l.starts_with("No changes."))
        .unwrap_or("")
        .to_owned()
}
