//! What the end-to-end scenarios share (tests/scenarios.rs,
//! tests/examples.rs, tests/negative.rs): a clean project built by topogen in a
//! scratch directory, its fake cloud and world, the stand-ins, the secrets,
//! and readers of the fake cloud and API.
//! Each test binary uses a part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rehearsal::run::{self, Event, Options, Outcome, Report};
use serde_json::Value;

/// A `workflow_dispatch` event with `inputs`.
pub fn dispatch(inputs: &[(&str, &str)]) -> Event {
    Event::Dispatch(
        inputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

const WORLD_BIN: &str = env!("CARGO_BIN_EXE_rehearse-world");
/// The stand-in accepts any 64-character token.
pub const HCLOUD_TOKEN: &str = "5c7e0d2b9a4f4e1c8b3a6d0f2e9c7b1a5c7e0d2b9a4f4e1c8b3a6d0f2e9c7b1a";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The workflows topogen generated for the repository's cluster.kdl: the
/// files `.github/workflows/.topogen-manifest` lists (the directory also
/// holds workflows topogen does not own, such as cargo-dist's `release.yml`),
/// copied once into a directory of this test binary's own.
pub fn generated_workflows() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let src = repo_root().join(".github/workflows");
        let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "topogen-workflows-{}/.github/workflows",
            env!("CARGO_CRATE_NAME")
        ));
        let _ = fs::remove_dir_all(&dest);
        fs::create_dir_all(&dest).unwrap();
        let manifest = fs::read_to_string(src.join(".topogen-manifest")).unwrap();
        for name in manifest
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            fs::copy(src.join(name), dest.join(name)).unwrap();
        }
        dest
    })
    .clone()
}

/// `topogen ARGS` in `project`, its cache in `cache`.
pub fn topogen_in(project: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(topogen_bin());
    cmd.current_dir(project)
        .args(args)
        .env("NO_COLOR", "1")
        .env("TOPOGEN_CACHE_DIR", cache);
    cmd
}

/// Runs `cmd`, which must succeed; its stdout.
pub fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The world's stand-ins (ssh, scp, kubectl, …) installed into `bin`.
pub fn install_stand_ins(bin: &Path) {
    let st = Command::new(WORLD_BIN)
        .arg("install")
        .arg(bin)
        .status()
        .unwrap();
    assert!(st.success());
}

/// The Strimzi resources topogen generated for `env`.
pub fn generated_strimzi(p: &Project, env: &str) -> Vec<serde_yaml::Value> {
    let dir = p.project(&format!("generated/k8s/{env}/strimzi"));
    fs::read_dir(&dir)
        .unwrap()
        .map(|e| serde_yaml::from_str(&fs::read_to_string(e.unwrap().path()).unwrap()).unwrap())
        .collect()
}

pub fn topogen_bin() -> PathBuf {
    match std::env::var_os("TOPOGEN_BIN").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("target/debug/topogen"),
    }
}

pub fn standin_dir() -> PathBuf {
    match std::env::var_os("HCLOUD_STANDIN_DIR").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("tests/hcloud-standin/target/debug"),
    }
}

/// A clean project, its fake cloud and world, the stand-ins, the secrets.
pub struct Project {
    dir: tempfile::TempDir,
    pub secrets: BTreeMap<String, String>,
    _serial: std::sync::MutexGuard<'static, ()>,
}

/// One scenario at a time: the workflows' polling loops run at the world's
/// time scale, and four clusters booting at once on two cores would make a
/// control plane slower than the hand-off step waits for.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Project {
    /// A clean project built from the repository's `cluster.kdl`.
    pub fn new() -> Project {
        Project::with_config(&repo_root().join("cluster.kdl"))
    }

    /// A clean project built from a copy of `config` (its `cluster.kdl`).
    pub fn with_config(config: &Path) -> Project {
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for bin in [topogen_bin(), standin_dir().join("hcloud")] {
            assert!(
                bin.is_file(),
                "{} is missing: scripts/rehearse.sh builds it",
                bin.display()
            );
        }
        let project = p.join("project");
        fs::create_dir_all(&project).unwrap();
        fs::copy(config, project.join("cluster.kdl")).unwrap();
        stdout(&mut topogen_in(
            &project,
            &p.join("topogen-cache"),
            &["build", "-c", "cluster.kdl"],
        ));
        fs::write(
            project.join("generated/terraform/override.tf"),
            "# The machine's Terraform is 1.11; cluster.kdl pins >= 1.13 (rehearsal only).\nterraform {\n  required_version = \">= 1.11\"\n}\n",
        )
        .unwrap();
        // The provider stand-in as Terraform's filesystem mirror.
        let mirror = p.join("mirror/registry.terraform.io/hetznercloud/hcloud/1.54.0/linux_amd64");
        fs::create_dir_all(&mirror).unwrap();
        fs::copy(
            standin_dir().join("terraform-provider-hcloud"),
            mirror.join("terraform-provider-hcloud_v1.54.0"),
        )
        .unwrap();
        fs::create_dir_all(p.join("world")).unwrap();
        install_stand_ins(&p.join("bin"));
        let st = Command::new("ssh-keygen")
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "deploy@rehearsal",
                "-f",
            ])
            .arg(p.join("key"))
            .status()
            .unwrap();
        assert!(st.success());
        let secrets = [
            ("HCLOUD_TOKEN", HCLOUD_TOKEN.to_string()),
            (
                "SSH_PUBLIC_KEY",
                fs::read_to_string(p.join("key.pub"))
                    .unwrap()
                    .trim()
                    .to_string(),
            ),
            (
                "SSH_PRIVATE_KEY",
                fs::read_to_string(p.join("key")).unwrap(),
            ),
            ("TOKEN_GIT_REPO_CONFIG", "git-token-value".to_string()),
            ("ARGOCD_ADMIN_PASSWORD", "admin-password-value".to_string()),
            ("GHCR_TOKEN", "ghcr-token-value".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Project {
            dir,
            secrets,
            _serial: serial,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn project(&self, rel: &str) -> PathBuf {
        self.path("project").join(rel)
    }

    pub fn options(&self, run: &str) -> Options {
        Options {
            repo: self.path("project"),
            work: self.path(&format!("runs/{run}")),
            repository: "owner/infra".into(),
            secrets: self.secrets.clone(),
            stand_in_path: vec![self.path("bin")],
            extra_env: [
                world_env(
                    &self.path("world"),
                    &self.path("cloud.json"),
                    &standin_dir().join("hcloud"),
                ),
                vec![
                    ("HCLOUD_STANDIN_STRICT".into(), "1".into()),
                    ("CHECKPOINT_DISABLE".into(), "1".into()),
                ],
            ]
            .concat(),
            terraform_mirror: Some(self.path("mirror")),
            ..Options::default()
        }
    }

    /// Run a workflow of the project's build.
    pub fn run(&self, workflow: &str, event: Event, run: &str) -> Report {
        self.run_with(workflow, event, run, |_| {}).unwrap()
    }

    /// Run a workflow of the project's build with the options `tweak` changes: its
    /// report, or the rehearsal's refusal.
    pub fn run_with(
        &self,
        workflow: &str,
        event: Event,
        run: &str,
        tweak: impl FnOnce(&mut Options),
    ) -> Result<Report, String> {
        let mut opts = self.options(run);
        tweak(&mut opts);
        run::run(
            &self.project(&format!(".github/workflows/{workflow}")),
            event,
            &opts,
        )
    }

    pub fn deploy(&self, env: &str, run: &str) -> Report {
        self.run("deploy-cluster.yml", dispatch(&[("environment", env)]), run)
    }

    /// A run of the maintenance workflow that must succeed.
    pub fn maintenance_ok(&self, env: &str, action: &str, run: &str) -> Report {
        let report = self.maintenance(env, action, run);
        assert_outcome(&report, Outcome::Success);
        report
    }

    /// A deploy of `env` that must succeed.
    pub fn deploy_ok(&self, env: &str, run: &str) -> Report {
        let report = self.deploy(env, run);
        assert_outcome(&report, Outcome::Success);
        report
    }

    /// A deploy whose reviewers reject the GitHub environment `rejected`.
    pub fn deploy_rejected(&self, env: &str, rejected: &str, run: &str) -> Report {
        self.run_with(
            "deploy-cluster.yml",
            dispatch(&[("environment", env)]),
            run,
            |o| o.rejected_environments = vec![rejected.to_string()],
        )
        .unwrap()
    }

    pub fn maintenance(&self, env: &str, action: &str, run: &str) -> Report {
        self.run(
            "hcloud-maintenance.yml",
            dispatch(&[("env", env), ("action", action)]),
            run,
        )
    }

    pub fn cloud(&self) -> Value {
        serde_json::from_str(&fs::read_to_string(self.path("cloud.json")).unwrap()).unwrap()
    }

    /// `topogen ARGS` in the project.
    pub fn topogen(&self, args: &[&str]) -> Command {
        topogen_in(&self.path("project"), &self.path("topogen-cache"), args)
    }

    /// `topogen show --format json --env ENV`: the environment.
    pub fn show(&self, env: &str) -> Value {
        let out = stdout(&mut self.topogen(&[
            "show",
            "--format",
            "json",
            "--env",
            env,
            "-c",
            "cluster.kdl",
        ]));
        let doc: Value = serde_json::from_str(&out).unwrap();
        doc["environments"][0].clone()
    }

    /// The fake Kubernetes API of the control plane `server`.
    pub fn api(&self, server: &str) -> Value {
        serde_json::from_str(
            &fs::read_to_string(self.path(&format!("world/api/{server}.json"))).unwrap(),
        )
        .unwrap()
    }

    pub fn generated(&self, rel: &str) -> String {
        fs::read_to_string(self.project(&format!("generated/{rel}"))).unwrap()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = Command::new(WORLD_BIN)
            .arg("down")
            .env("REHEARSAL_WORLD", self.path("world"))
            .env("HCLOUD_STANDIN_STATE", self.path("cloud.json"))
            .status();
    }
}

/// What a step needs to reach the fake world: the world directory, the fake
/// cloud's state file and the hcloud CLI stand-in.
pub fn world_env(world: &Path, cloud: &Path, hcloud: &Path) -> Vec<(String, String)> {
    [
        ("REHEARSAL_WORLD", world),
        ("HCLOUD_STANDIN_STATE", cloud),
        ("REHEARSAL_HCLOUD_BIN", hcloud),
    ]
    .iter()
    .map(|(k, p)| ((*k).to_owned(), p.display().to_string()))
    .collect()
}

/// The element of the array `v[list]` whose `key` is `value`.
pub fn find_in<'a>(v: &'a Value, list: &str, key: &str, value: &str) -> &'a Value {
    v[list]
        .as_array()
        .and_then(|a| a.iter().find(|e| e[key] == value))
        .unwrap_or_else(|| panic!("no element of {list} with {key} {value}"))
}

/// The object `kind`/`name` among the fake Kubernetes API's `objects`.
pub fn find_object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name} in the API"))
}

/// ArgoCD as the deploy-argocd workflow leaves it in the fake API: the instance
/// Available, the repository secret, the admin password from the secret.
pub fn assert_argocd_deployed(objects: &[Value], admin_password: &str) {
    let find = |kind, name| find_object(objects, kind, name);
    assert_eq!(find("ArgoCD", "argocd")["status"]["phase"], "Available");
    assert_eq!(
        find("Secret", "gitops-repository")["metadata"]["labels"]["argocd.argoproj.io/secret-type"],
        "repository"
    );
    assert_eq!(
        find("Secret", "argocd-cluster")["stringData"]["admin.password"],
        admin_password
    );
}

/// Each job of `want` ended with its outcome.
pub fn assert_jobs(report: &Report, want: &[(&str, Outcome)]) {
    let got: Vec<(&str, Outcome)> = want
        .iter()
        .map(|(job, _)| {
            let j = report
                .job(job)
                .unwrap_or_else(|| panic!("no job `{job}` in {:#?}", report.jobs));
            (*job, j.result)
        })
        .collect();
    assert_eq!(got, want, "{:#?}", report.log);
}

/// The run's step summary contains `needle`.
pub fn assert_summary(report: &Report, needle: &str) {
    assert!(report.summary.contains(needle), "{}", report.summary);
}

/// Every job of `jobs` ended with `outcome`.
pub fn assert_each_job(report: &Report, jobs: &[&str], outcome: Outcome) {
    let want: Vec<(&str, Outcome)> = jobs.iter().map(|j| (*j, outcome)).collect();
    assert_jobs(report, &want);
}

/// A deploy of dev that failed and cleaned up after itself: the cleanup job
/// ran, the step summary's row `row` says so, the run failed, no server is
/// left and dev's Primary IPs stay.
pub fn assert_failed_and_cleaned_up(p: &Project, report: &Report, row: &str) {
    assert_jobs(report, &[("cleanup_on_failure", Outcome::Success)]);
    assert_summary(report, row);
    assert_eq!(report.result, Outcome::Failure);
    let cloud = p.cloud();
    assert_eq!(names(&cloud, "servers"), BTreeSet::new(), "servers left");
    assert_eq!(names(&cloud, "primary_ips"), primary_ip_names(p, "dev"));
}

/// The run ended with `want` (its log shown otherwise).
pub fn assert_outcome(report: &Report, want: Outcome) {
    assert_eq!(report.result, want, "{:#?}", report.log);
}

/// Some line of the run's log contains `needle`.
pub fn assert_logged(report: &Report, needle: &str) {
    assert!(
        report.logged(needle),
        "{needle:?} not logged: {:#?}",
        report.log
    );
}

pub fn results(report: &Report) -> BTreeMap<&str, Outcome> {
    report
        .jobs
        .iter()
        .map(|j| (j.path.as_str(), j.result))
        .collect()
}

pub fn names(v: &Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `NAME=(…)` bash array a generated cloud-init sets.
pub fn cloud_init_array(text: &str, name: &str) -> Vec<String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{name}=(")))
        .unwrap_or_else(|| panic!("the cloud-init sets no {name}"));
    line[name.len() + 2..line.len() - 1]
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The Primary IPs of the generated tfvars: node → Primary IP name.
pub fn primary_ips(p: &Project, env: &str) -> BTreeMap<String, String> {
    let tfvars = p.generated(&format!("environments/{env}.tfvars"));
    let start = tfvars
        .find("primary_ips = {")
        .expect("the tfvars name the Primary IPs");
    let block = &tfvars[start..];
    let block = &block[..block.find('}').unwrap()];
    block
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            Some((
                k.trim().trim_matches('"').to_string(),
                v.trim().trim_matches('"').to_string(),
            ))
        })
        .collect()
}

pub fn primary_ip_names(p: &Project, env: &str) -> BTreeSet<String> {
    primary_ips(p, env).into_values().collect()
}

/// The objects of the array `v[key]` by their `name`.
pub fn by_name<'a>(v: &'a Value, key: &str) -> BTreeMap<&'a str, &'a Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no array `{key}`"))
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o))
        .collect()
}

/// The taints of a node of the fake API in `--node-taint` syntax:
/// `key[=value]:effect`.
pub fn taints(node: &Value) -> Vec<String> {
    node["taints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let key = t["key"].as_str().unwrap();
            let effect = t["effect"].as_str().unwrap();
            match t["value"].as_str().filter(|v| !v.is_empty()) {
                Some(value) => format!("{key}={value}:{effect}"),
                None => format!("{key}:{effect}"),
            }
        })
        .collect()
}

/// No secret of the project (no line of a multi-line one) reaches the log
/// or the summary of `report`.
pub fn assert_no_secret_in(p: &Project, report: &Report) {
    for (k, v) in &p.secrets {
        for line in v.lines().filter(|l| l.len() > 8) {
            assert!(
                !report.log.iter().any(|l| l.contains(line)) && !report.summary.contains(line),
                "{k} leaked"
            );
        }
    }
}
