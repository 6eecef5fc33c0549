//! The fake world behind the generated workflows: node sandboxes that boot
//! their `user_data`, `ssh`/`scp` into them, and (in [`kube`]) a fake
//! Kubernetes API with `kubectl` and `helm` stand-ins.
//!
//! One multi-call binary, `rehearse-world`, is every stand-in: called as
//! `ssh`, `scp`, `kubectl`, `helm`, `curl`, `ip`, `systemctl`, `sleep`, `k3s`
//! (by the name of the link, or as `rehearse-world TOOL ARGS…`).
//!
//! Nothing here reads `cluster.kdl`: the servers, their addresses and their
//! `user_data` come from the fake cloud (`HCLOUD_STANDIN_STATE`, the JSON file
//! of `tests/hcloud-standin/src/cloud.rs`), node labels and taints from
//! executing that `user_data`.
//!
//! # A node's sandbox
//!
//! `$REHEARSAL_WORLD/nodes/<name>/`: `upper/` holds everything the node wrote
//! (its root is an overlay of this machine's `/` with `upper/` on top, so
//! `/root`, `/etc/rancher`, `/var/lib/rancher`, `/usr/local` are the node's
//! own), `tmp/` is its `/tmp` (empty at boot), `console.log` its boot output.
//! Each process of a node runs in its own mount and UTS namespace (hostname =
//! server name), chrooted into that overlay, inside the world's network
//! namespace `rh-…` where every node's private IP is an address of `lo` (so the
//! agents' `/dev/tcp` probe of the K3s API is a real TCP connect to a real
//! listener). Requires root. See `README.md` for what is rebased and what is
//! stood in.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod access;
pub mod kube;
pub mod node;
pub mod runner;
pub mod strimzi;

use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The environment variable naming the world directory.
pub const WORLD_ENV: &str = "REHEARSAL_WORLD";
/// The fake cloud's state file (the hcloud stand-in's).
pub const CLOUD_ENV: &str = "HCLOUD_STANDIN_STATE";
/// Set inside a node: its server name.
pub const NODE_ENV: &str = "REHEARSAL_NODE";
/// Inside a node, where the world directory is mounted.
pub const NODE_WORLD: &str = "/run/rehearsal";
/// Inside a node, where the fake cloud's directory is mounted.
pub const NODE_CLOUD_DIR: &str = "/run/rehearsal-cloud";
/// Inside a node, the stand-ins' directory (first on PATH).
pub const NODE_BIN: &str = "/opt/rehearsal/bin";
/// The tools a node sees as stand-ins (the rest is this machine's).
pub const NODE_TOOLS: &[&str] = &["curl", "ip", "systemctl", "sleep"];
/// The tools a workflow runner sees as stand-ins.
pub const RUNNER_TOOLS: &[&str] = &[
    "ssh", "scp", "kubectl", "helm", "sleep", "curl", "timeout", "sudo", "apt-get", "kcat",
];

/// An error: the message a tool prints, and its exit status.
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub message: String,
}

impl Fail {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

pub type Res<T> = Result<T, Fail>;

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        Fail::new(1, format!("rehearse-world: {e}"))
    }
}

/// One server of the fake cloud, as the world needs it.
#[derive(Debug, Clone)]
pub struct Server {
    pub id: u64,
    pub name: String,
    pub user_data: Option<String>,
    pub public_ipv4: Option<String>,
    pub private: Vec<(u64, String)>,
    pub ssh_keys: Vec<u64>,
}

/// The fake cloud, read from its file (never written here).
#[derive(Debug, Clone, Default)]
pub struct Cloud {
    pub servers: Vec<Server>,
    /// SSH key ID → public key.
    pub ssh_keys: BTreeMap<u64, String>,
}

impl Cloud {
    pub fn read(path: &Path) -> Res<Cloud> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Cloud::default()),
            Err(e) => return Err(Fail::new(1, format!("{}: {e}", path.display()))),
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| Fail::new(1, format!("{}: {e}", path.display())))?;
        let mut cloud = Cloud::default();
        for s in v["servers"].as_array().into_iter().flatten() {
            cloud.servers.push(Server {
                id: s["id"].as_u64().unwrap_or(0),
                name: s["name"].as_str().unwrap_or("").to_string(),
                user_data: s["user_data"].as_str().map(str::to_string),
                public_ipv4: s["public_net"]["ipv4"]["ip"].as_str().map(str::to_string),
                private: s["private_net"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| Some((p["network"].as_u64()?, p["ip"].as_str()?.to_string())))
                    .collect(),
                ssh_keys: s["ssh_keys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64)
                    .collect(),
            });
        }
        for k in v["ssh_keys"].as_array().into_iter().flatten() {
            if let (Some(id), Some(key)) = (k["id"].as_u64(), k["public_key"].as_str()) {
                cloud.ssh_keys.insert(id, key.to_string());
            }
        }
        Ok(cloud)
    }

    pub fn by_name(&self, name: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// The server whose public IPv4 is `ip`.
    pub fn by_public(&self, ip: &str) -> Option<&Server> {
        self.servers
            .iter()
            .find(|s| s.public_ipv4.as_deref() == Some(ip))
    }

    /// The server whose private IP is `ip` in one of `networks`.
    pub fn by_private(&self, ip: &str, networks: &[u64]) -> Option<&Server> {
        self.servers.iter().find(|s| {
            s.private
                .iter()
                .any(|(n, a)| a == ip && networks.contains(n))
        })
    }
}

/// The world: a directory, the fake cloud's file, the rehearse-world binary.
#[derive(Debug, Clone)]
pub struct World {
    pub dir: PathBuf,
    pub cloud: PathBuf,
}

impl World {
    /// The world of this process's environment (a runner step or a node).
    pub fn from_env() -> Res<World> {
        let dir = std::env::var_os(WORLD_ENV)
            .ok_or_else(|| Fail::new(1, format!("rehearse-world: {WORLD_ENV} is not set")))?;
        let cloud = std::env::var_os(CLOUD_ENV)
            .ok_or_else(|| Fail::new(1, format!("rehearse-world: {CLOUD_ENV} is not set")))?;
        // Absolute: both are mounted into the nodes' sandboxes.
        Ok(World {
            dir: std::path::absolute(dir)?,
            cloud: std::path::absolute(cloud)?,
        })
    }

    pub fn read_cloud(&self) -> Res<Cloud> {
        Cloud::read(&self.cloud)
    }

    pub fn node_dir(&self, name: &str) -> PathBuf {
        self.dir.join("nodes").join(name)
    }

    /// The fake Kubernetes API served by the K3s server on node `name`.
    pub fn api_file(&self, name: &str) -> PathBuf {
        self.dir.join("api").join(format!("{name}.json"))
    }

    /// The world's network namespace.
    pub fn netns(&self) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.dir.hash(&mut h);
        format!("rh-{:012x}", h.finish() & 0xffff_ffff_ffff)
    }

    /// A file lock on the world (booting, the API).
    pub fn lock(&self, name: &str) -> Res<fs::File> {
        fs::create_dir_all(self.dir.join("locks"))?;
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("locks").join(name))?;
        rustix::fs::flock(&f, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| Fail::new(1, format!("rehearse-world: lock: {e}")))?;
        Ok(f)
    }

    /// Record a process group to end at `down`.
    pub fn record_pid(&self, pid: u32) -> Res<()> {
        fs::create_dir_all(self.dir.join("pids"))?;
        fs::write(self.dir.join("pids").join(pid.to_string()), "")?;
        Ok(())
    }

    /// End the processes of servers that are gone, and boot every server of
    /// the fake cloud that has not booted yet. Every stand-in calls this first:
    /// a server boots as soon as anything looks at the world after its
    /// creation.
    pub fn ensure_booted(&self) -> Res<()> {
        if std::env::var_os(NODE_ENV).is_some() {
            return Ok(()); // inside a node: the world outside boots nodes
        }
        let _lock = self.lock("boot")?;
        let cloud = self.read_cloud()?;
        fs::create_dir_all(self.dir.join("nodes"))?;
        // The gone first: a new server may have an address of a gone one
        // (the cloud hands out a freed IP again), which halting removes.
        for entry in fs::read_dir(self.dir.join("nodes"))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if cloud.by_name(&name).is_none() {
                self.halt(&name)?;
            }
        }
        for server in &cloud.servers {
            let dir = self.node_dir(&server.name);
            let booted = dir.join("server-id");
            if let Ok(id) = fs::read_to_string(&booted) {
                if id.trim() == server.id.to_string() {
                    continue;
                }
                // Same name, another server: the old one was destroyed.
                self.halt(&server.name)?;
            }
            self.boot(server)?;
        }
        Ok(())
    }

    fn setup_netns(&self) -> Res<()> {
        let ns = self.netns();
        if Path::new("/run/netns").join(&ns).exists() {
            return Ok(());
        }
        run_quiet(Command::new("ip").args(["netns", "add", &ns]))?;
        run_quiet(Command::new("ip").args(["-n", &ns, "link", "set", "lo", "up"]))?;
        Ok(())
    }

    fn boot(&self, server: &Server) -> Res<()> {
        self.setup_netns()?;
        let ns = self.netns();
        // Its private addresses and the public one too: the runner's probes
        // of the NodePorts (see `access`) connect to it in this namespace. A
        // replaced server keeps its addresses (`add` then fails, harmlessly).
        let private = server.private.iter().map(|(_, ip)| ip);
        for ip in server.public_ipv4.iter().chain(private) {
            let _ = run_quiet(Command::new("ip").args([
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{ip}/32"),
                "dev",
                "lo",
            ]));
        }
        let dir = self.node_dir(&server.name);
        let _ = fs::remove_dir_all(&dir);
        for sub in ["upper", "work", "root", "tmp"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        // What every entry into the node mounts over, made once in the upper
        // layer before any mount: two overlay mounts of one upper directory
        // creating the same directory at once fail with "Directory not
        // empty" (a boot and an `ssh` poll did, on a busy machine).
        let bin = dir.join("upper/opt/rehearsal/bin");
        for sub in ["upper/run/rehearsal", "upper/run/rehearsal-cloud"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        fs::create_dir_all(&bin)?;
        fs::write(bin.join("rehearse-world"), "")?;
        for tool in NODE_TOOLS {
            std::os::unix::fs::symlink("rehearse-world", bin.join(tool))?;
        }
        let meta = serde_json::json!({
            "id": server.id,
            "name": server.name,
            "public-ipv4": server.public_ipv4,
            "private-ips": server.private.iter().map(|(_, ip)| ip).collect::<Vec<_>>(),
        });
        fs::write(dir.join("meta.json"), meta.to_string())?;
        let Some(user_data) = &server.user_data else {
            fs::write(dir.join("server-id"), server.id.to_string())?;
            return Ok(());
        };
        // Where cloud-init keeps the instance's user data.
        let ud = dir.join("upper/var/lib/cloud/instance");
        fs::create_dir_all(&ud)?;
        fs::write(ud.join("user-data.txt"), user_data)?;
        let log = fs::File::create(dir.join("console.log"))?;
        let mut cmd = self.in_node(&server.name, &["rehearse-world", "cloud-init"])?;
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        let child = cmd.spawn()?;
        self.record_pid(child.id())?;
        fs::write(dir.join("boot.pid"), child.id().to_string())?;
        fs::write(dir.join("server-id"), server.id.to_string())?;
        Ok(())
    }

    /// End a node: its processes, its addresses and the NodePorts open on
    /// them, its API.
    fn halt(&self, name: &str) -> Res<()> {
        let dir = self.node_dir(name);
        if let Ok(pid) = fs::read_to_string(dir.join("boot.pid")) {
            kill_group(pid.trim());
        }
        if let Ok(meta) = fs::read_to_string(dir.join("meta.json"))
            && let Ok(v) = serde_json::from_str::<Value>(&meta)
        {
            let ips: Vec<String> = v["private-ips"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(std::iter::once(&v["public-ipv4"]))
                .filter_map(|ip| ip.as_str().map(str::to_string))
                .collect();
            for ip in &ips {
                let _ = run_quiet(Command::new("ip").args([
                    "-n",
                    &self.netns(),
                    "addr",
                    "del",
                    &format!("{ip}/32"),
                    "dev",
                    "lo",
                ]));
            }
            access::close_node_ports(self, &ips)?;
        }
        for pidfile in fs::read_dir(dir.join("pids"))
            .into_iter()
            .flatten()
            .flatten()
        {
            kill_group(&pidfile.file_name().to_string_lossy());
        }
        let _ = fs::remove_file(self.api_file(name));
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    /// End the world: every process it started, its network namespace.
    pub fn down(&self) -> Res<()> {
        for entry in fs::read_dir(self.dir.join("pids"))
            .into_iter()
            .flatten()
            .flatten()
        {
            kill_group(&entry.file_name().to_string_lossy());
        }
        for node in fs::read_dir(self.dir.join("nodes"))
            .into_iter()
            .flatten()
            .flatten()
        {
            for p in fs::read_dir(node.path().join("pids"))
                .into_iter()
                .flatten()
                .flatten()
            {
                kill_group(&p.file_name().to_string_lossy());
            }
        }
        let ns = self.netns();
        if Path::new("/run/netns").join(&ns).exists() {
            run_quiet(Command::new("ip").args(["netns", "del", &ns]))?;
        }
        Ok(())
    }

    /// A command that runs `argv` inside node `name`'s sandbox: its overlay
    /// root, its /tmp, its hostname, the world's network namespace.
    pub fn in_node(&self, name: &str, argv: &[&str]) -> Res<Command> {
        let dir = self.node_dir(name);
        let meta: Value = serde_json::from_str(&fs::read_to_string(dir.join("meta.json"))?)
            .map_err(|e| Fail::new(1, e.to_string()))?;
        let exe = std::env::current_exe()?;
        let cloud_dir = self
            .cloud
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let cloud_base = self
            .cloud
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let script = r#"set -e
R="$S/root"
# a work directory per mount: overlayfs empties its work directory when it
# mounts, under the feet of another mount of the same node
WD=$(mktemp -d "$S/work/XXXXXX")
mount -t overlay overlay -o "lowerdir=/,upperdir=$S/upper,workdir=$WD" "$R"
mount --bind "$S/tmp" "$R/tmp"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
# the mount points and the tools' links are in the upper layer already (boot)
mount --bind "$W" "$R/run/rehearsal"
mount --bind "$C" "$R/run/rehearsal-cloud"
mount --bind "$X" "$R/opt/rehearsal/bin/rehearse-world"
hostname "$N"
exec chroot "$R" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 \
  PATH=/opt/rehearsal/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  REHEARSAL_NODE="$N" REHEARSAL_SERVER_ID="$ID" REHEARSAL_WORLD=/run/rehearsal \
  HCLOUD_STANDIN_STATE="/run/rehearsal-cloud/$CB" REHEARSAL_TIME_SCALE="$TS" "$@"
"#;
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net=/run/netns/{}", self.netns()))
            .args([
                "--",
                "unshare",
                "--mount",
                "--uts",
                "--propagation",
                "private",
                "--",
                "/bin/bash",
                "-c",
                script,
                "node",
            ])
            .args(argv)
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("S", &dir)
            .env("W", &self.dir)
            .env("C", cloud_dir)
            .env("CB", cloud_base)
            .env("X", exe)
            .env("N", name)
            .env("ID", meta["id"].to_string())
            .env("TS", time_scale().to_string());
        Ok(cmd)
    }
}

/// How much shorter than asked `sleep` sleeps (`REHEARSAL_TIME_SCALE`,
/// default 0.1: `sleep 10` takes 1 s), so the workflows' and the setup
/// script's polling loops run as written, quickly. A workflow's bounded
/// wait (90 × `sleep 10` for a node's marker) still gives a booting node
/// 90 s of this machine's time: a busy machine must not fail a wait that a
/// real node would pass (0.02 left 18 s, and a loaded CI machine took longer).
pub fn time_scale() -> f64 {
    std::env::var("REHEARSAL_TIME_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.1)
}

fn kill_group(pid: &str) {
    if let Ok(pid) = pid.parse::<i32>()
        && let Some(pid) = rustix::process::Pid::from_raw(pid)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

fn run_quiet(cmd: &mut Command) -> Res<()> {
    let out = cmd.output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Fail::new(
            1,
            format!(
                "rehearse-world: {:?} failed: {}",
                cmd,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ))
    }
}

/// Install the stand-ins as links to `exe` in `dir`: the runner's tools.
pub fn install(dir: &Path, exe: &Path) -> Res<()> {
    fs::create_dir_all(dir)?;
    for tool in RUNNER_TOOLS {
        let link = dir.join(tool);
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(exe, &link)?;
    }
    Ok(())
}

/// `sleep N[s|m]…`: GNU sleep's arguments, scaled by [`time_scale`].
pub fn sleep(args: &[String]) -> Res<()> {
    let mut total = 0.0;
    if args.is_empty() {
        return Err(Fail::new(1, "sleep: missing operand"));
    }
    for a in args {
        let (num, unit) = match a.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
            Some((i, _)) => (&a[..i], &a[i..]),
            None => (a.as_str(), "s"),
        };
        let n: f64 = num
            .parse()
            .map_err(|_| Fail::new(1, format!("sleep: invalid time interval '{a}'")))?;
        let mult = match unit {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(Fail::new(1, format!("sleep: invalid time interval '{a}'"))),
        };
        total += n * mult;
    }
    std::thread::sleep(std::time::Duration::from_secs_f64(
        (total * time_scale()).min(3600.0),
    ));
    Ok(())
}

/// Split `-o Key=Value` / `-oKey=Value` / `Key Value`.
fn ssh_option(s: &str) -> (String, String) {
    let s = s.trim();
    let (k, v) = s
        .split_once(['=', ' '])
        .map(|(k, v)| (k.trim(), v.trim()))
        .unwrap_or((s, ""));
    (k.to_ascii_lowercase(), v.to_string())
}

/// The ssh_config options the workflows set (ssh refuses an unknown one:
/// "Bad configuration option").
const SSH_OPTIONS: &[&str] = &[
    "batchmode",
    "stricthostkeychecking",
    "userknownhostsfile",
    "connecttimeout",
    "serveraliveinterval",
    "serveralivecountmax",
    "user",
    "identityfile",
    "identitiesonly",
    "loglevel",
    "port",
    "proxyjump",
];

/// A parsed `ssh`/`scp` destination set.
struct SshArgs {
    options: BTreeMap<String, String>,
    jump: Option<String>,
}

fn parse_ssh_config(path: &str, opts: &mut BTreeMap<String, String>) -> Res<()> {
    let text = fs::read_to_string(path)
        .map_err(|e| Fail::new(255, format!("Can't open user config file {path}: {e}")))?;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = ssh_option(line);
        if k == "host" || k == "match" {
            if v != "*" {
                return Err(Fail::new(
                    255,
                    format!(
                        "rehearse-world ssh: {path} line {}: only `Host *` is implemented",
                        n + 1
                    ),
                ));
            }
            continue;
        }
        if !SSH_OPTIONS.contains(&k.as_str()) {
            return Err(Fail::new(
                255,
                format!(
                    "{path}: line {}: Bad configuration option: {k}\n{path}: terminating, 1 bad configuration options",
                    n + 1
                ),
            ));
        }
        opts.entry(k).or_insert(v);
    }
    Ok(())
}

/// Resolve `[user@]host` to a server: a public IPv4 directly, a private IP
/// only through a jump host on the same network.
fn resolve(cloud: &Cloud, dest: &str, via: Option<&Server>) -> Res<Server> {
    let (user, host) = dest.rsplit_once('@').unwrap_or(("root", dest));
    if user != "root" {
        return Err(Fail::new(
            255,
            format!("{user}@{host}: Permission denied (publickey)."),
        ));
    }
    let found = match via {
        None => cloud.by_public(host),
        Some(jump) => {
            let nets: Vec<u64> = jump.private.iter().map(|(n, _)| *n).collect();
            cloud
                .by_private(host, &nets)
                .or_else(|| cloud.by_public(host))
        }
    };
    found.cloned().ok_or_else(|| {
        Fail::new(
            255,
            format!("ssh: connect to host {host} port 22: Connection timed out"),
        )
    })
}

/// The public keys the ssh-agent of `SSH_AUTH_SOCK` holds (`ssh-add -L`).
fn agent_keys() -> Vec<String> {
    if std::env::var_os("SSH_AUTH_SOCK").is_none() {
        return Vec::new();
    }
    Command::new("ssh-add")
        .arg("-L")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| {
                    let mut w = l.split_whitespace();
                    Some(format!("{} {}", w.next()?, w.next()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The key check sshd does: one of the agent's keys (or `-i`) is a key the
/// server was created with.
fn authenticate(cloud: &Cloud, server: &Server, identity: Option<&str>) -> Res<()> {
    let mut offered = agent_keys();
    if let Some(path) = identity
        && let Ok(out) = Command::new("ssh-keygen").args(["-y", "-f", path]).output()
    {
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut w = line.split_whitespace();
        if let (Some(a), Some(b)) = (w.next(), w.next()) {
            offered.push(format!("{a} {b}"));
        }
    }
    let authorized: Vec<String> = server
        .ssh_keys
        .iter()
        .filter_map(|id| cloud.ssh_keys.get(id))
        .filter_map(|k| {
            let mut w = k.split_whitespace();
            Some(format!("{} {}", w.next()?, w.next()?))
        })
        .collect();
    if offered.iter().any(|k| authorized.contains(k)) {
        Ok(())
    } else {
        Err(Fail::new(
            255,
            format!("root@{}: Permission denied (publickey).", server.name),
        ))
    }
}

/// Parse ssh's or scp's options. Returns the parsed options and the rest.
fn parse_ssh_args(args: &[String], scp: bool) -> Res<(SshArgs, Vec<String>)> {
    let mut options = BTreeMap::new();
    let mut config = None;
    let mut jump = None;
    let mut i = 0;
    let tool = if scp { "scp" } else { "ssh" };
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let flag = &a[..2];
        let takes_value = matches!(flag, "-F" | "-J" | "-o" | "-i" | "-p" | "-P" | "-l");
        let value = if takes_value {
            if a.len() > 2 {
                a[2..].to_string()
            } else {
                i += 1;
                args.get(i).cloned().ok_or_else(|| {
                    Fail::new(
                        255,
                        format!("{tool}: option requires an argument -- {}", &flag[1..]),
                    )
                })?
            }
        } else {
            String::new()
        };
        match flag {
            "-F" => config = Some(value),
            "-J" => jump = Some(value),
            "-o" => {
                let (k, v) = ssh_option(&value);
                if !SSH_OPTIONS.contains(&k.as_str()) {
                    return Err(Fail::new(
                        255,
                        format!("command-line: line 0: Bad configuration option: {k}"),
                    ));
                }
                options.entry(k).or_insert(v);
            }
            "-i" => {
                options.entry("identityfile".into()).or_insert(value);
            }
            "-l" if !scp => {
                options.entry("user".into()).or_insert(value);
            }
            "-q" | "-T" | "-n" => {}
            "-p" if scp => {}
            _ => {
                return Err(Fail::new(
                    255,
                    format!(
                        "{tool}: unknown option -- {}\nusage: {tool} [-…] destination …",
                        &a[1..]
                    ),
                ));
            }
        }
        i += 1;
    }
    if let Some(cfg) = config {
        parse_ssh_config(&cfg, &mut options)?;
    }
    if jump.is_none() {
        jump = options.get("proxyjump").cloned();
    }
    Ok((SshArgs { options, jump }, args[i..].to_vec()))
}

fn check_batch(opts: &BTreeMap<String, String>) -> Res<()> {
    // Without BatchMode a real ssh would ask for a passphrase or host key on
    // a terminal a workflow does not have.
    if opts.get("batchmode").map(|v| v.eq_ignore_ascii_case("yes")) != Some(true) {
        return Err(Fail::new(
            255,
            "Host key verification failed. (rehearse-world: no terminal; set BatchMode yes)",
        ));
    }
    if let Some(v) = opts.get("stricthostkeychecking")
        && !["yes", "no", "accept-new", "ask", "off"].contains(&v.to_ascii_lowercase().as_str())
    {
        return Err(Fail::new(255, format!("unsupported option \"{v}\".")));
    }
    Ok(())
}

fn target_server(world: &World, cloud: &Cloud, parsed: &SshArgs, dest: &str) -> Res<Server> {
    let identity = parsed.options.get("identityfile").map(String::as_str);
    let via = match &parsed.jump {
        Some(j) => {
            let jump = resolve(cloud, j, None)?;
            authenticate(cloud, &jump, identity)?;
            Some(jump)
        }
        None => None,
    };
    let server = resolve(cloud, dest, via.as_ref())?;
    authenticate(cloud, &server, identity)?;
    if !world.node_dir(&server.name).join("meta.json").exists() {
        return Err(Fail::new(
            255,
            format!("ssh: connect to host {dest} port 22: Connection refused"),
        ));
    }
    Ok(server)
}

fn status_code(status: std::process::ExitStatus) -> u8 {
    status.code().map(|c| c as u8).unwrap_or(255)
}

/// `ssh [options] [user@]host command…`: run the command in the node's
/// sandbox with the remote shell (`bash -c`, words joined by spaces as ssh
/// joins them); stdin, stdout, stderr and the exit status pass through.
pub fn ssh(args: &[String]) -> Res<u8> {
    let world = World::from_env()?;
    world.ensure_booted()?;
    let (parsed, rest) = parse_ssh_args(args, false)?;
    check_batch(&parsed.options)?;
    let Some(dest) = rest.first() else {
        return Err(Fail::new(
            255,
            "usage: ssh [-…] destination [command [argument …]]",
        ));
    };
    if rest.len() < 2 {
        return Err(Fail::new(
            255,
            "Pseudo-terminal will not be allocated because stdin is not a terminal. (rehearse-world: an interactive session is not rehearsed)",
        ));
    }
    let cloud = world.read_cloud()?;
    let server = target_server(&world, &cloud, &parsed, dest)?;
    let command = rest[1..].join(" ");
    let status = world
        .in_node(&server.name, &["/bin/bash", "-c", &command])?
        .status()?;
    Ok(status_code(status))
}

/// `scp [options] SRC… DEST`: one side local, the other `[user@]host:path`.
pub fn scp(args: &[String]) -> Res<u8> {
    let world = World::from_env()?;
    world.ensure_booted()?;
    let (parsed, rest) = parse_ssh_args(args, true)?;
    check_batch(&parsed.options)?;
    if rest.len() != 2 {
        return Err(Fail::new(
            1,
            "usage: scp [-…] source … target (rehearse-world: one source)",
        ));
    }
    let remote = |s: &str| -> Option<(String, String)> {
        let (host, path) = s.split_once(':')?;
        (!host.contains('/')).then(|| (host.to_string(), path.to_string()))
    };
    let cloud = world.read_cloud()?;
    let (cmd, local, upload) = match (remote(&rest[0]), remote(&rest[1])) {
        (None, Some((host, path))) => {
            let server = target_server(&world, &cloud, &parsed, &host)?;
            let c = world.in_node(
                &server.name,
                &["/bin/bash", "-c", "cat > \"$1\"", "scp", &path],
            )?;
            (c, rest[0].clone(), true)
        }
        (Some((host, path)), None) => {
            let server = target_server(&world, &cloud, &parsed, &host)?;
            let c = world.in_node(&server.name, &["/bin/cat", "--", &path])?;
            (c, rest[1].clone(), false)
        }
        _ => {
            return Err(Fail::new(
                1,
                "rehearse-world scp: exactly one side must be remote",
            ));
        }
    };
    let mut cmd = cmd;
    if upload {
        let f = fs::File::open(&local).map_err(|e| Fail::new(1, format!("scp: {local}: {e}")))?;
        cmd.stdin(f);
        Ok(status_code(cmd.status()?))
    } else {
        let out = cmd.stderr(Stdio::inherit()).output()?;
        if out.status.success() {
            let mut f = fs::File::create(&local)?;
            f.write_all(&out.stdout)?;
        }
        Ok(status_code(out.status))
    }
}

/// The Strimzi release's single-file install, stood in: its CRDs, the
/// operator's ServiceAccount and RoleBinding (subject in `myproject`, which
/// the workflow rewrites) and its Deployment.
fn strimzi_install(version: &str) -> String {
    let mut out = String::new();
    for (kind, plural, short) in [
        ("Kafka", "kafkas", "k"),
        ("KafkaNodePool", "kafkanodepools", "knp"),
        ("KafkaTopic", "kafkatopics", "kt"),
        ("KafkaUser", "kafkausers", "ku"),
    ] {
        out += &format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {plural}.kafka.strimzi.io\nspec:\n  group: kafka.strimzi.io\n  scope: Namespaced\n  names:\n    kind: {kind}\n    plural: {plural}\n    singular: {}\n    shortNames: [{short}]\n  versions:\n  - name: v1beta2\n    served: true\n    storage: true\n---\n",
            kind.to_ascii_lowercase()
        );
    }
    out += &format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: strimzi-cluster-operator\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: strimzi-cluster-operator\nsubjects:\n  - kind: ServiceAccount\n    name: strimzi-cluster-operator\n    namespace: myproject\nroleRef:\n  kind: ClusterRole\n  name: strimzi-cluster-operator-namespaced\n  apiGroup: rbac.authorization.k8s.io\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: strimzi-cluster-operator\nspec:\n  template:\n    spec:\n      serviceAccountName: strimzi-cluster-operator\n      containers:\n      - name: strimzi-cluster-operator\n        image: quay.io/strimzi/operator:{version}\n"
    );
    out
}

/// `curl` on the runner: the kubectl release (the kubectl stand-in) and its
/// checksum, the Helm release tarball (the helm stand-in) and its checksum,
/// the Strimzi release's install file; any other URL fails as an
/// unreachable host does. Inside a node, the node's `curl`.
pub fn curl(args: &[String]) -> Res<u8> {
    if std::env::var_os(NODE_ENV).is_some() {
        return node::curl(args);
    }
    let (opts, url) = node::parse_curl(args)?;
    let kubectl = || -> Res<Vec<u8>> {
        let exe = std::env::current_exe()?;
        Ok(format!(
            "#!/bin/sh\n# kubectl, stood in by the rehearsal\nexec '{}' kubectl \"$@\"\n",
            exe.display()
        )
        .into_bytes())
    };
    let body = if let Some(rest) = url.strip_prefix("https://dl.k8s.io/release/") {
        match rest.split_once('/') {
            Some((v, "bin/linux/amd64/kubectl")) if v.starts_with('v') => kubectl()?,
            Some((v, "bin/linux/amd64/kubectl.sha256")) if v.starts_with('v') => {
                node::sha256_hex(&kubectl()?)
                    .unwrap_or_default()
                    .into_bytes()
            }
            _ => Vec::new(),
        }
    } else if let Some(file) = url.strip_prefix("https://get.helm.sh/") {
        // the Helm release a workflow installs on the runner
        let exe = std::env::current_exe()?;
        node::helm_download(file, &exe.display().to_string()).unwrap_or_default()
    } else if let Some(rest) =
        url.strip_prefix("https://github.com/strimzi/strimzi-kafka-operator/releases/download/")
    {
        match rest.split_once('/') {
            Some((v, file)) if file == format!("strimzi-cluster-operator-{v}.yaml") => {
                strimzi_install(v).into_bytes()
            }
            _ => Vec::new(),
        }
    } else if let Some(rest) =
        url.strip_prefix("https://github.com/hetznercloud/cli/releases/download/")
    {
        hcloud_release(rest)?
    } else if let Some(status) = node_https(&url) {
        let Some(code) = status else {
            let host = url
                .split("://")
                .nth(1)
                .unwrap_or("")
                .split([':', '/'])
                .next()
                .unwrap_or("");
            if !opts.silent || opts.show_error {
                eprintln!("curl: (7) Failed to connect to {host}: Couldn't connect to server");
            }
            if let Some(w) = &opts.write_out {
                print!("{}", w.replace("%{http_code}", "000").replace("\\n", "\n"));
            }
            return Ok(7);
        };
        if let Some(path) = &opts.output {
            fs::write(path, "")?;
        }
        if let Some(w) = &opts.write_out {
            print!(
                "{}",
                w.replace("%{http_code}", &code.to_string())
                    .replace("\\n", "\n")
            );
        }
        if opts.fail && code >= 400 {
            if !opts.silent || opts.show_error {
                eprintln!("curl: (22) The requested URL returned error: {code}");
            }
            return Ok(22);
        }
        return Ok(0);
    } else {
        let host = url
            .split("://")
            .nth(1)
            .unwrap_or(&url)
            .split(['/', ':'])
            .next()
            .unwrap_or("");
        if !opts.silent || opts.show_error {
            if host.parse::<std::net::Ipv4Addr>().is_ok() {
                eprintln!("curl: (7) Failed to connect to {host}: Couldn't connect to server");
            } else {
                eprintln!("curl: (6) Could not resolve host: {host}");
            }
        }
        return Ok(if host.parse::<std::net::Ipv4Addr>().is_ok() {
            7
        } else {
            6
        });
    };
    if body.is_empty() {
        if !opts.silent || opts.show_error {
            eprintln!("curl: (22) The requested URL returned error: 404");
        }
        return Ok(if opts.fail { 22 } else { 0 });
    }
    match &opts.output {
        Some(path) => fs::write(path, &body)?,
        None => std::io::stdout().write_all(&body)?,
    }
    Ok(0)
}

/// `https://IP:PORT/…` to a node of the world: `Some(Some(status))` when
/// Traefik answers there, `Some(None)` when nothing listens, `None` when the
/// address is no node's.
fn node_https(url: &str) -> Option<Option<u16>> {
    let rest = url.strip_prefix("https://")?;
    let hostport = rest.split('/').next()?;
    let (host, port) = hostport.rsplit_once(':')?;
    host.parse::<std::net::Ipv4Addr>().ok()?;
    let port: u16 = port.parse().ok()?;
    let world = World::from_env().ok()?;
    world.ensure_booted().ok()?;
    world.read_cloud().ok()?.by_public(host)?;
    Some(access::https_status(&world, host, port))
}

/// The hcloud CLI release (`hcloud-linux-amd64.tar.gz` holding `hcloud`, and
/// `checksums.txt`), when `REHEARSAL_HCLOUD_BIN` names the hcloud stand-in to
/// put in it; otherwise 404.
fn hcloud_release(rest: &str) -> Res<Vec<u8>> {
    let Some(bin) = std::env::var_os("REHEARSAL_HCLOUD_BIN") else {
        return Ok(Vec::new());
    };
    let Some((version, file)) = rest.split_once('/') else {
        return Ok(Vec::new());
    };
    if !version.starts_with('v') {
        return Ok(Vec::new());
    }
    let tarball = || -> Res<Vec<u8>> {
        let dir = tempfile::tempdir()?;
        fs::copy(&bin, dir.path().join("hcloud"))?;
        let out = Command::new("tar")
            .args(["--mtime=@0", "--owner=0", "--group=0", "-czf", "-", "-C"])
            .arg(dir.path())
            .arg("hcloud")
            .env("GZIP", "-n")
            .output()?;
        Ok(out.stdout)
    };
    Ok(match file {
        "hcloud-linux-amd64.tar.gz" => tarball()?,
        "checksums.txt" => format!(
            "{}  hcloud-linux-amd64.tar.gz\n",
            node::sha256_hex(&tarball()?).unwrap_or_default()
        )
        .into_bytes(),
        _ => Vec::new(),
    })
}
