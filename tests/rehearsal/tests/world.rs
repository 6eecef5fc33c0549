//! The fake world (`rehearse-world`): servers of a fake cloud boot the
//! generated cloud-init in their sandboxes, the generated workflows' own
//! step scripts hand the join token over `ssh` and verify the nodes with
//! `kubectl`, and the stand-ins refuse what the real tools refuse.
//!
//! Needs root (mount and network namespaces), like the rehearsal itself.
//! Waits poll a bounded number of times (never a wall-clock limit).

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{
    assert_argocd_deployed, assert_logged, assert_outcome, find_in, find_object, install_stand_ins,
    repo_root, world_env,
};
use serde_json::{Value, json};

/// A file of the committed build: the workflows live in the repository's own
/// `.github/workflows/` (cluster.kdl's `output workflows=`), the rest under `generated/`.
fn generated(path: &str) -> String {
    let file = if path.starts_with(".github/") {
        repo_root().join(path)
    } else {
        repo_root().join("generated").join(path)
    };
    fs::read_to_string(file).unwrap()
}

/// Output `bytes` (a command's stdout or stderr) says `what`.
fn assert_says(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    assert!(text.contains(what), "{text}");
}

const WORLD_BIN: &str = env!("CARGO_BIN_EXE_rehearse-world");

/// A world: a fake cloud file, the world directory, the runner's stand-ins
/// and an ssh-agent holding the key every server was created with.
struct World {
    dir: tempfile::TempDir,
    agent_pid: String,
}

/// A server of the fake cloud: name, its cloud-init, private IP, public IP.
struct Srv(String, String, String, String);

/// The dev node `node` (`control`, `kafka-N`, `worker-0`) booting `user_data`, at the
/// addresses the committed dev build gives it (`10.0.1.H`, `203.0.113.H`).
fn dev_node(node: &str, user_data: String) -> Srv {
    let host = match node {
        "control" => 10,
        "worker-0" => 30,
        kafka => {
            20 + kafka
                .strip_prefix("kafka-")
                .and_then(|i| i.parse::<u8>().ok())
                .expect("a dev node")
        }
    };
    Srv(
        format!("dev-k3s-trading-{node}"),
        user_data,
        format!("10.0.1.{host}"),
        format!("203.0.113.{host}"),
    )
}

/// The committed dev cloud-init of `role`.
fn dev_cloud_init(role: &str) -> String {
    generated(&format!("cloud-init/dev/{role}.yaml"))
}

impl World {
    fn new(servers: &[Srv]) -> World {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("world")).unwrap();
        let st = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(d.join("key"))
            .status()
            .unwrap();
        assert!(st.success());
        let public = fs::read_to_string(d.join("key.pub")).unwrap();
        let servers: Vec<Value> = servers
            .iter()
            .enumerate()
            .map(|(i, Srv(name, user_data, private, public))| {
                json!({"id": 10 + i, "name": name, "user_data": user_data, "status": "running",
                       "public_net": {"ipv4": {"id": 100 + i, "ip": public}},
                       "private_net": [{"network": 1, "ip": private}], "ssh_keys": [2]})
            })
            .collect();
        let cloud = json!({"format": 1, "last_id": 200, "servers": servers,
            "networks": [{"id": 1, "name": "dev-network", "ip_range": "10.0.0.0/16"}],
            "ssh_keys": [{"id": 2, "name": "dev-key", "public_key": public.trim()}],
            "primary_ips": [{"id": 300, "name": "dev-k3s-trading-kafka-ip", "type": "ipv4", "ip": "203.0.113.20", "assignee_id": 11}]});
        fs::write(d.join("cloud.json"), cloud.to_string()).unwrap();
        install_stand_ins(&d.join("bin"));
        // `hcloud server ip NAME` for the workflow step scripts: a shim over
        // the same file (the hcloud CLI stand-in is another helper's).
        fs::create_dir_all(d.join("shim")).unwrap();
        fs::write(
            d.join("shim/hcloud"),
            r#"#!/bin/bash
set -eo pipefail
case "$1 $2" in
  "server ip") jq -er --arg n "$3" '.servers[] | select(.name == $n) | .public_net.ipv4.ip' "$HCLOUD_STANDIN_STATE" ;;
  "primary-ip describe")
    [ "$4 $5" = "-o format={{.IP}}" ] || { echo "hcloud shim: $*" >&2; exit 1; }
    jq -er --arg n "$3" '.primary_ips[] | select(.name == $n) | .ip' "$HCLOUD_STANDIN_STATE" ;;
  *) echo "hcloud shim: $*" >&2; exit 1 ;;
esac
"#,
        )
        .unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(d.join("shim/hcloud"))
            .status()
            .unwrap();
        let out = Command::new("ssh-agent")
            .arg("-a")
            .arg(d.join("agent.sock"))
            .arg("-s")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let agent_pid = text
            .split("SSH_AGENT_PID=")
            .nth(1)
            .and_then(|s| s.split(';').next())
            .unwrap()
            .to_string();
        let key = d.join("key");
        let w = World { dir, agent_pid };
        let st = w.cmd("ssh-add").args(["-q"]).arg(key).status().unwrap();
        assert!(st.success());
        w
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn cmd(&self, program: &str) -> Command {
        let d = self.dir.path();
        let mut c = Command::new(program);
        let path = format!(
            "{}:{}:{}",
            d.join("bin").display(),
            d.join("shim").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("PATH", path)
            .env("REHEARSAL_WORLD", d.join("world"))
            .env("HCLOUD_STANDIN_STATE", d.join("cloud.json"))
            .env("SSH_AUTH_SOCK", d.join("agent.sock"))
            .env("KUBECONFIG", d.join("kubeconfig"))
            .env_remove("REHEARSAL_NODE")
            .current_dir(d);
        c
    }

    /// `CMD` (a program and its arguments, split at white space) with `stdin`.
    fn run(&self, cmd: &str, stdin: &str) -> Output {
        let mut words = cmd.split_whitespace();
        let program = words.next().expect("a program");
        self.run_argv(program, &words.collect::<Vec<_>>(), stdin)
    }

    fn run_argv(&self, program: &str, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .cmd(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// `CMD` (split at white space), which must succeed; its stdout.
    fn ok(&self, cmd: &str) -> String {
        let mut words = cmd.split_whitespace();
        let program = words.next().expect("a program");
        self.ok_argv(program, &words.collect::<Vec<_>>())
    }

    fn ok_argv(&self, program: &str, args: &[&str]) -> String {
        let out = self.run_argv(program, args, "");
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn ssh(&self, host: &str, command: &str) -> Output {
        self.run_argv("ssh", &["-o", "BatchMode=yes", host, command], "")
    }

    /// Poll `ssh HOST test -f FILE` (at most 3,600 polls: a boot that
    /// failed shows its console long before; a busy machine is not a failure).
    fn wait_for_file(&self, host: &str, file: &str) {
        for _ in 0..3600 {
            if self.ssh(host, &format!("test -f {file}")).status.success() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("{file} never appeared on {host}:\n{}", self.console());
    }

    fn console(&self) -> String {
        let mut s = String::new();
        for e in fs::read_dir(self.path("world/nodes"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let log = e.path().join("upper/var/log/cloud-init-output.log");
            s += &format!(
                "--- {}\n{}",
                e.file_name().to_string_lossy(),
                fs::read_to_string(log).unwrap_or_default()
            );
            s += &fs::read_to_string(e.path().join("console.log")).unwrap_or_default();
        }
        s
    }

    fn api(&self, server: &str) -> Value {
        serde_json::from_str(
            &fs::read_to_string(self.path(&format!("world/api/{server}.json"))).unwrap(),
        )
        .unwrap()
    }

    fn boot(&self) {
        self.ok_argv(WORLD_BIN, &["boot"]);
    }

    /// Boots every server and waits for the control plane's K3s.
    fn boot_until_the_control_plane_is_ready(&self) {
        self.boot();
        self.wait_for_file("root@203.0.113.10", "/root/k3s-ready.txt");
    }

    /// Fetch the kubeconfig as the verify workflow does.
    fn fetch_kubeconfig(&self, control_ip: &str) {
        let out = self.ssh(
            &format!("root@{control_ip}"),
            "cat /etc/rancher/k3s/k3s.yaml",
        );
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout)
            .replace("https://127.0.0.1:", &format!("https://{control_ip}:"));
        fs::write(self.path("kubeconfig"), text).unwrap();
    }

    /// Run a step of a generated workflow under GitHub's default shell.
    fn step(&self, workflow: &str, step: &str, env: &[(&str, &str)]) -> Output {
        let wf: serde_yaml::Value =
            serde_yaml::from_str(&generated(&format!(".github/workflows/{workflow}"))).unwrap();
        let script = wf["jobs"]
            .as_mapping()
            .unwrap()
            .values()
            .flat_map(|j| j["steps"].as_sequence().cloned().unwrap_or_default())
            .find(|s| s["name"].as_str() == Some(step))
            .and_then(|s| s["run"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("{workflow} has no step {step:?}"));
        assert!(
            !script.contains("${{"),
            "step {step:?} reads an expression: run it in the runner"
        );
        let file = self.path("step.sh");
        fs::write(&file, script).unwrap();
        fs::create_dir_all(self.path("runner-temp")).unwrap();
        let mut c = self.cmd("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file);
        c.env("RUNNER_TEMP", self.path("runner-temp"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.cmd(WORLD_BIN).arg("down").status();
        let _ = Command::new("kill").arg(&self.agent_pid).status();
    }
}

fn dev_world(edit_worker: impl Fn(String) -> String) -> World {
    World::new(&[
        dev_node("control", dev_cloud_init("control")),
        dev_node("kafka-0", dev_cloud_init("kafka")),
        dev_node("kafka-1", dev_cloud_init("kafka")),
        dev_node("kafka-2", dev_cloud_init("kafka")),
        dev_node("worker-0", edit_worker(dev_cloud_init("worker"))),
    ])
}

/// Boot dev and run the provision workflow's own hand-off step.
fn provisioned(edit_worker: impl Fn(String) -> String) -> World {
    let w = dev_world(edit_worker);
    w.boot();
    let key = fs::read_to_string(w.path("key")).unwrap();
    let out = w.step(
        "01-reusable-provision-infra.yml",
        "Hand the K3s join token to every agent",
        &[
            ("ENVIRONMENT", "dev"),
            ("CONTROL_PLANE_IP", "203.0.113.10"),
            ("SSH_PRIVATE_KEY", &key),
            ("HCLOUD_TOKEN", "t"),
        ],
    );
    assert!(
        out.status.success(),
        "hand-off failed:\n{}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        w.console()
    );
    assert_says(&out.stdout, "every agent has joined");
    w.fetch_kubeconfig("203.0.113.10");
    w
}

#[test]
fn the_control_plane_boots_its_cloud_init_and_registers_with_its_labels() {
    let w = World::new(&[dev_node("control", dev_cloud_init("control"))]);
    w.boot_until_the_control_plane_is_ready();
    let api = w.api("dev-k3s-trading-control");
    let nodes = api["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["name"], "dev-k3s-trading-control");
    assert_eq!(nodes[0]["labels"], json!({"role": "control-plane"}));
    assert_eq!(nodes[0]["taints"], json!([]));
    assert_eq!(nodes[0]["internal_ip"], "10.0.1.10");
    assert_eq!(nodes[0]["external_ip"], "203.0.113.10");
    let install = &nodes[0]["install"];
    assert_eq!(install["INSTALL_K3S_VERSION"], "v1.34.1+k3s1");
    assert_eq!(install["exec"], "server");
    let args: Vec<&str> = install["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        args,
        [
            "--write-kubeconfig-mode",
            "644",
            "--disable",
            "servicelb",
            "--disable",
            "traefik",
            "--tls-san",
            "203.0.113.10",
            "--advertise-address",
            "10.0.1.10",
            "--node-ip",
            "10.0.1.10",
            "--node-external-ip",
            "203.0.113.10",
            "--flannel-iface",
            "enp7s0",
            "--node-label",
            "role=control-plane"
        ]
    );
    // Helm came from the (stood-in) release tarball, checksum verified, and
    // installed Traefik with the NodePorts of the cloud-init.
    assert_eq!(api["releases"][0]["chart"], "traefik");
    assert_eq!(api["releases"][0]["version"], "37.1.1");
    assert_eq!(
        api["releases"][0]["set"],
        json!([
            "service.type=NodePort",
            "ports.web.nodePort=30080",
            "ports.websecure.nodePort=30443"
        ])
    );
    // write_files landed in the node's own root, not on this machine.
    let script =
        w.path("world/nodes/dev-k3s-trading-control/upper/usr/local/sbin/topogen-k3s-setup.sh");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert!(!Path::new("/usr/local/sbin/topogen-k3s-setup.sh").exists());
    assert!(!Path::new("/root/k3s-ready.txt").exists());
    let hostname = w.ssh("root@203.0.113.10", "hostname");
    assert_eq!(
        String::from_utf8_lossy(&hostname.stdout).trim(),
        "dev-k3s-trading-control"
    );
}

#[test]
fn agents_wait_for_the_token_and_join_with_their_labels_after_the_hand_off() {
    let w = dev_world(|s| s);
    w.boot_until_the_control_plane_is_ready();
    // No token yet: the agents have probed the API and are waiting.
    assert_eq!(
        w.api("dev-k3s-trading-control")["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    drop(w);
    let w = provisioned(|s| s);
    let api = w.api("dev-k3s-trading-control");
    let nodes = api["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    for n in nodes.iter().filter(|n| n["role"] == "agent") {
        assert_eq!(n["install"]["K3S_URL"], "https://10.0.1.10:6443");
        assert_eq!(n["install"]["K3S_TOKEN"], "(set)");
        let name = n["name"].as_str().unwrap();
        let want = if name.contains("kafka") {
            json!({"role": "kafka", "workload": "mixed"})
        } else {
            json!({"role": "worker", "workload": "apps"})
        };
        assert_eq!(n["labels"], want, "{name}");
    }
    assert_eq!(
        w.ok("kubectl get nodes -l role=kafka,workload=mixed --no-headers")
            .lines()
            .count(),
        3
    );
    assert_eq!(
        w.ok("kubectl get nodes -l role=worker,workload=apps --no-headers")
            .lines()
            .count(),
        1
    );
    // The verify workflow's own step passes on this cluster.
    let out = w.step(
        "02-reusable-verify-cluster.yml",
        "Wait for every node to be Ready",
        &[("ENVIRONMENT", "dev")],
    );
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_says(
        &out.stdout,
        "pool worker: 1 node(s) with role=worker,workload=apps, 1 expected",
    );
}

#[test]
fn negative_control_a_label_cloud_init_does_not_set_fails_the_verify_step() {
    let w = provisioned(|s| {
        assert!(
            s.contains("NODE_LABELS=(role=worker workload=apps)"),
            "update this control"
        );
        s.replace(
            "NODE_LABELS=(role=worker workload=apps)",
            "NODE_LABELS=(role=worker)",
        )
    });
    let out = w.step(
        "02-reusable-verify-cluster.yml",
        "Wait for every node to be Ready",
        &[("ENVIRONMENT", "dev")],
    );
    assert!(!out.status.success());
    assert_says(
        &out.stdout,
        "::error::pool worker: only 0 node(s) carry role=worker,workload=apps",
    );
}

#[test]
fn taints_come_from_the_flags_cloud_init_passes() {
    let w = provisioned(|s| s.replace("NODE_TAINTS=()", "NODE_TAINTS=(dedicated=apps:NoSchedule)"));
    let api = w.api("dev-k3s-trading-control");
    let worker = find_in(&api, "nodes", "name", "dev-k3s-trading-worker-0");
    assert_eq!(
        worker["taints"],
        json!([{"key": "dedicated", "value": "apps", "effect": "NoSchedule"}])
    );
    let nodes: Value = serde_json::from_str(&w.ok("kubectl get nodes -o json")).unwrap();
    let taints: Vec<&Value> = nodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["spec"]["taints"])
        .filter(|t| !t.as_array().unwrap().is_empty())
        .collect();
    assert_eq!(taints.len(), 1);
}

#[test]
fn ssh_and_scp_run_in_the_node_sandbox_and_refuse_what_ssh_refuses() {
    let w = dev_world(|s| s);
    w.boot();
    let out = w.ssh(
        "root@203.0.113.20",
        "echo hi > /root/mark && hostname && cat /root/mark",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "dev-k3s-trading-kafka-0\nhi\n"
    );
    assert!(
        w.path("world/nodes/dev-k3s-trading-kafka-0/upper/root/mark")
            .exists()
    );
    assert!(
        !w.path("world/nodes/dev-k3s-trading-kafka-1/upper/root/mark")
            .exists()
    );
    assert!(
        !w.ssh("root@203.0.113.21", "test -f /root/mark")
            .status
            .success()
    );
    // The exit status passes through.
    assert_eq!(w.ssh("root@203.0.113.20", "exit 7").status.code(), Some(7));
    // A private address answers only through a jump host on its network.
    let direct = w.ssh("root@10.0.1.21", "true");
    assert_eq!(direct.status.code(), Some(255));
    assert_says(&direct.stderr, "Connection timed out");
    let jumped = w.run(
        "ssh -o BatchMode=yes -J root@203.0.113.10 root@10.0.1.21 hostname",
        "",
    );
    assert_eq!(
        String::from_utf8_lossy(&jumped.stdout).trim(),
        "dev-k3s-trading-kafka-1"
    );
    // An unknown address, an unknown option, a key the server does not know.
    assert_eq!(w.ssh("root@198.51.100.1", "true").status.code(), Some(255));
    let bad = w.run("ssh -o BatchMode=yes -o Bogus=1 root@203.0.113.20 true", "");
    assert_eq!(bad.status.code(), Some(255));
    assert_says(&bad.stderr, "Bad configuration option: bogus");
    let mut nokey = w.cmd("ssh");
    nokey
        .env_remove("SSH_AUTH_SOCK")
        .args(["-o", "BatchMode=yes", "root@203.0.113.20", "true"]);
    let nokey = nokey.output().unwrap();
    assert_says(&nokey.stderr, "Permission denied (publickey)");
    // scp both ways.
    fs::write(w.path("up.txt"), "payload\n").unwrap();
    w.ok("scp -o BatchMode=yes up.txt root@203.0.113.30:/root/up.txt");
    w.ok("scp -o BatchMode=yes root@203.0.113.30:/root/up.txt down.txt");
    assert_eq!(fs::read_to_string(w.path("down.txt")).unwrap(), "payload\n");
}

#[test]
fn a_cloud_config_key_the_rehearsal_does_not_execute_refuses_the_boot() {
    let user_data = format!(
        "{}packages: [jq]\n",
        generated("cloud-init/dev/control.yaml")
    );
    control_plane_refuses(
        user_data,
        &["runcmd exited", "unsupported"],
        "unsupported: cloud-config key `packages`",
    );
}

/// The control plane alone boots `user_data`; once its console says one of `until`
/// (at most 400 polls), it says `says` and the node never registered.
fn control_plane_refuses(user_data: String, until: &[&str], says: &str) {
    let w = World::new(&[dev_node("control", user_data)]);
    w.boot();
    for _ in 0..400 {
        let console = w.console();
        if until.iter().any(|u| console.contains(u)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(w.console().contains(says), "{}", w.console());
    assert!(!w.path("world/api/dev-k3s-trading-control.json").exists());
}

#[test]
fn kubectl_answers_from_the_fake_api_and_refuses_what_kubectl_refuses() {
    let w = World::new(&[dev_node("control", dev_cloud_init("control"))]);
    w.boot_until_the_control_plane_is_ready();
    // Before the kubeconfig is fetched: nothing to talk to.
    assert!(!w.run("kubectl get nodes", "").status.success());
    w.fetch_kubeconfig("203.0.113.10");
    assert!(
        w.ok("kubectl version")
            .contains("Server Version: v1.34.1+k3s1")
    );
    let nodes = w.ok("kubectl get nodes -o wide --show-labels");
    assert!(
        nodes.contains("dev-k3s-trading-control") && nodes.contains("role=control-plane"),
        "{nodes}"
    );
    assert_eq!(w.ok("kubectl get nodes -l role=kafka --no-headers"), "");
    // Unknown flags and commands fail as kubectl's do.
    let bad = w.run("kubectl get nodes --bogus", "");
    assert_eq!(bad.status.code(), Some(1));
    assert_says(&bad.stderr, "error: unknown flag: --bogus");
    assert!(
        !w.run("kubectl apply --timeout=1m -f -", "")
            .status
            .success()
    );
    assert!(!w.run("kubectl frobnicate", "").status.success());
    // helm on the node: an unknown flag, a chart it does not know.
    let helm = |args: &str| {
        w.ssh(
            "root@203.0.113.10",
            &format!("KUBECONFIG=/etc/rancher/k3s/k3s.yaml helm {args}"),
        )
    };
    let bogus = helm(
        "upgrade --install t traefik --repo https://traefik.github.io/charts --version 37.1.1 --bogus",
    );
    assert_says(&bogus.stderr, "Error: unknown flag: --bogus");
    let unknown =
        helm("upgrade --install t nginx --repo https://example.org/charts --version 1.0.0");
    assert!(!unknown.status.success());
    assert!(!w.run("kubectl get nodes -o table", "").status.success());
    // A namespace through the workflows' create | apply idiom.
    let ns = w.ok("kubectl create namespace kafka --dry-run=client -o yaml");
    assert!(w.run("kubectl apply -f -", &ns).status.success());
    // Kafka before its CRD: no such kind.
    let early = w.run(
        "kubectl -n kafka apply -f -",
        &generated("k8s/dev/strimzi/kafka.yaml"),
    );
    assert!(!early.status.success());
    assert_says(&early.stderr, "ensure CRDs are installed first");
    // A namespaced object into a namespace that does not exist.
    let nowhere = w.run(
        "kubectl -n nowhere apply -f -",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    assert_says(&nowhere.stderr, "namespaces \"nowhere\" not found");
    // A Deployment no node can run (a nodeSelector no node carries) never
    // becomes Available; one that fits does.
    let deploy = |name: &str, selector: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: kafka}}\nspec:\n  template:\n    spec:\n      nodeSelector: {{{selector}}}\n"
        )
    };
    assert!(
        w.run("kubectl apply -f -", &deploy("stuck", "role: gpu"))
            .status
            .success()
    );
    assert!(
        w.run("kubectl apply -f -", &deploy("fits", "role: control-plane"))
            .status
            .success()
    );
    let stuck = w.run(
        "kubectl -n kafka wait deployment/stuck --for=condition=Available --timeout=1m",
        "",
    );
    assert_says(&stuck.stderr, "timed out waiting for the condition");
    w.ok("kubectl -n kafka wait deployment/fits --for=condition=Available --timeout=1m");
}

/// The Strimzi operator: the CRDs of the kinds the generated resources use (kind,
/// plural, short name) and its Deployment.
fn operator() -> String {
    let mut docs: Vec<String> = [
        ("Kafka", "kafkas", "k"),
        ("KafkaNodePool", "kafkanodepools", "knp"),
        ("KafkaTopic", "kafkatopics", "kt"),
    ]
    .iter()
    .map(|(kind, plural, short)| {
        let singular = kind.to_lowercase();
        format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {plural}.kafka.strimzi.io}}
spec:
  group: kafka.strimzi.io
  scope: Namespaced
  names: {{kind: {kind}, plural: {plural}, singular: {singular}, shortNames: [{short}]}}
  versions: [{{name: v1beta2, served: true, storage: true}}]
"
        )
    })
    .collect();
    docs.push(
        "apiVersion: apps/v1
kind: Deployment
metadata: {name: strimzi-cluster-operator}
spec:
  template:
    spec:
      containers: [{name: strimzi-cluster-operator, image: quay.io/strimzi/operator:0.48.0}]
"
        .to_owned(),
    );
    docs.join("---\n")
}

/// Install the operator and the generated Strimzi resources; the result of
/// waiting for the Kafka to be Ready.
fn deploy_strimzi(w: &World) -> Output {
    let ns = w.ok("kubectl create namespace kafka --dry-run=client -o yaml");
    assert!(w.run("kubectl apply -f -", &ns).status.success());
    assert!(
        w.run(
            "kubectl -n kafka apply --server-side --force-conflicts -f -",
            &operator()
        )
        .status
        .success()
    );
    w.ok("kubectl -n kafka wait deployment/strimzi-cluster-operator --for=condition=Available --timeout=10m");
    let dir = repo_root().join("generated/k8s/dev/strimzi");
    for file in ["kafkanodepool-kafka.yaml", "kafka.yaml"] {
        let path = dir.join(file);
        w.ok_argv(
            "kubectl",
            &["-n", "kafka", "apply", "-f", path.to_str().unwrap()],
        );
    }
    w.run(
        "kubectl -n kafka wait kafka.kafka.strimzi.io/trading-cluster --for=condition=Ready --timeout=20m",
        "",
    )
}

#[test]
fn the_generated_strimzi_resources_pass_the_schemas_and_kafka_becomes_ready_on_the_labelled_nodes()
{
    let w = provisioned(|s| s);
    let ready = deploy_strimzi(&w);
    assert!(
        ready.status.success(),
        "{}",
        String::from_utf8_lossy(&ready.stderr)
    );
    // Every apply is recorded.
    let log = w.api("dev-k3s-trading-control")["log"].clone();
    let applied: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["verb"] == "apply")
        .map(|e| {
            format!(
                "{}/{}",
                e["kind"].as_str().unwrap(),
                e["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        applied,
        [
            "Namespace/kafka",
            "CustomResourceDefinition/kafkas.kafka.strimzi.io",
            "CustomResourceDefinition/kafkanodepools.kafka.strimzi.io",
            "CustomResourceDefinition/kafkatopics.kafka.strimzi.io",
            "Deployment/strimzi-cluster-operator",
            "KafkaNodePool/kafka",
            "Kafka/trading-cluster"
        ]
    );
    // A Strimzi resource the 0.48 schema rejects is refused at apply.
    let pool = generated("k8s/dev/strimzi/kafkanodepool-kafka.yaml");
    let typo = pool.replacen("  roles:", "  role:", 1);
    assert_ne!(typo, pool);
    let refused = w.run("kubectl -n kafka apply -f -", &typo);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("The KafkaNodePool \"kafka\" is invalid")
            && err.contains("\"roles\" is a required property"),
        "{err}"
    );
    // A generated topic becomes Ready once Kafka is; one with more replicas
    // than brokers (the dev world has 3) stays NotReady, as Kafka refuses it.
    let topic = generated("k8s/dev/strimzi/kafkatopic-orders.yaml");
    let wait = |name: &str| {
        w.run(
            &format!("kubectl -n kafka wait kafkatopic.kafka.strimzi.io/{name} --for=condition=Ready --timeout=5m"),
            "",
        )
    };
    let applied = w.run("kubectl -n kafka apply -f -", &topic);
    assert!(applied.status.success(), "{applied:?}");
    let ready = wait("orders");
    assert!(ready.status.success(), "{ready:?}");
    let wide = topic.replacen("replicas: 3", "replicas: 5", 1).replacen(
        "name: orders",
        "name: orders-wide",
        1,
    );
    assert_ne!(wide, topic);
    let applied = w.run("kubectl -n kafka apply -f -", &wide);
    assert!(applied.status.success(), "{applied:?}");
    let refused = wait("orders-wide");
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("InvalidReplicationFactorException"), "{err}");
}

#[test]
fn negative_control_kafka_never_ready_when_cloud_init_does_not_label_the_kafka_nodes() {
    // The Kafka node's cloud-init sets another workload label than the one
    // its pool's node affinity requires.
    let w = World::new(&[
        dev_node("control", dev_cloud_init("control")),
        dev_node(
            "kafka-0",
            dev_cloud_init("kafka").replace("workload=mixed", "workload=apps"),
        ),
    ]);
    w.boot_until_the_control_plane_is_ready();
    let tok = w.ssh(
        "root@203.0.113.10",
        "cat /var/lib/rancher/k3s/server/node-token",
    );
    let put = w.run_argv(
        "ssh",
        &[
            "-o",
            "BatchMode=yes",
            "root@203.0.113.20",
            "cat > /tmp/k3s-token",
        ],
        &String::from_utf8_lossy(&tok.stdout),
    );
    assert!(put.status.success());
    w.wait_for_file("root@203.0.113.20", "/root/k3s-agent-ready.txt");
    w.fetch_kubeconfig("203.0.113.10");
    let ready = deploy_strimzi(&w);
    assert!(!ready.status.success());
    assert_says(
        &ready.stderr,
        "KafkaNodePool kafka: 3 replica(s), 0 node(s) it may run on",
    );
}

#[test]
fn the_k3s_installer_refuses_a_flag_k3s_does_not_have() {
    let bogus = generated("cloud-init/dev/control.yaml")
        .replace("--disable servicelb", "--disable-servicelb");
    assert_ne!(bogus, generated("cloud-init/dev/control.yaml"));
    control_plane_refuses(
        bogus,
        &["runcmd exited"],
        "flag provided but not defined: -disable-servicelb",
    );
}

/// Run a generated reusable workflow in the runner, called as the deploy
/// workflow calls it (environment dev, the control plane's address), with
/// the world's stand-ins on its PATH and `secrets` besides the SSH key.
fn call_in_the_runner(w: &World, callee: &str, secrets: &[(&str, &str)]) -> rehearsal::run::Report {
    let wf = w.path("calls/.github/workflows");
    fs::create_dir_all(&wf).unwrap();
    fs::write(
        wf.join(callee),
        generated(&format!(".github/workflows/{callee}")),
    )
    .unwrap();
    let caller = wf.join("caller.yml");
    let mut passed = String::from("      SSH_PRIVATE_KEY: ${{ secrets.SSH_PRIVATE_KEY }}\n");
    for (k, _) in secrets {
        passed += &format!("      {k}: ${{{{ secrets.{k} }}}}\n");
    }
    fs::write(
        &caller,
        format!("name: caller\non:\n  workflow_dispatch: {{}}\npermissions:\n  contents: read\njobs:\n  call:\n    uses: ./.github/workflows/{callee}\n    with:\n      environment: dev\n      control_plane_ip: 203.0.113.10\n    secrets:\n{passed}"),
    )
    .unwrap();
    let key = fs::read_to_string(w.path("key")).unwrap();
    let mut all: std::collections::BTreeMap<String, String> =
        [("SSH_PRIVATE_KEY".to_string(), key)].into_iter().collect();
    for (k, v) in secrets {
        all.insert(k.to_string(), v.to_string());
    }
    let options = rehearsal::run::Options {
        repo: repo_root(),
        work: w.path("work"),
        repository: "owner/infra".into(),
        secrets: all,
        stand_in_path: vec![w.path("bin")],
        extra_env: world_env(
            &w.path("world"),
            &w.path("cloud.json"),
            &w.path("shim/hcloud"),
        ),
        ..Default::default()
    };
    rehearsal::run::run(
        &caller,
        rehearsal::run::Event::Dispatch(Vec::new()),
        &options,
    )
    .unwrap()
}

fn verify_in_the_runner(w: &World) -> rehearsal::run::Report {
    call_in_the_runner(w, "02-reusable-verify-cluster.yml", &[])
}

#[test]
fn the_verify_workflow_runs_in_the_runner_against_the_world() {
    let w = provisioned(|s| s);
    let report = verify_in_the_runner(&w);
    assert_outcome(&report, rehearsal::run::Outcome::Success);
    // kubectl came from the (stood-in) release, checksum verified; the
    // kubeconfig over ssh; the labels from the nodes' cloud-init.
    assert_logged(
        &report,
        "pool kafka: 3 node(s) with role=kafka,workload=mixed, 3 expected",
    );
    assert_logged(&report, "5 of 5 nodes Ready");
    assert!(!report.log.iter().any(|l| l.contains("OPENSSH PRIVATE KEY")));
}

#[test]
fn negative_control_in_the_runner_a_label_cloud_init_does_not_set_fails_verify_cluster() {
    let w = provisioned(|s| {
        s.replace(
            "NODE_LABELS=(role=worker workload=apps)",
            "NODE_LABELS=(role=worker)",
        )
    });
    let report = verify_in_the_runner(&w);
    assert_eq!(report.result, rehearsal::run::Outcome::Failure);
    assert_logged(
        &report,
        "pool worker: only 0 node(s) carry role=worker,workload=apps",
    );
}

#[test]
fn the_strimzi_and_argocd_workflows_deploy_into_the_world_in_the_runner() {
    let w = provisioned(|s| s);
    let strimzi = call_in_the_runner(
        &w,
        "04-reusable-deploy-strimzi.yml",
        &[("HCLOUD_TOKEN", "hcloud-token")],
    );
    assert_outcome(&strimzi, rehearsal::run::Outcome::Success);
    assert_logged(
        &strimzi,
        "advertising 203.0.113.20 (dev-k3s-trading-kafka-ip)",
    );
    let api = w.api("dev-k3s-trading-control");
    let kafka = find_in(&api, "objects", "kind", "Kafka");
    assert_eq!(kafka["status"]["conditions"][0]["status"], "True");
    assert_eq!(
        kafka["spec"]["kafka"]["listeners"][1]["configuration"]["brokers"][2]["advertisedHost"],
        "203.0.113.20"
    );
    // The topics were applied after Kafka was Ready, and each became Ready.
    let topics: Vec<&serde_json::Value> = api["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "KafkaTopic")
        .collect();
    assert!(!topics.is_empty());
    for t in &topics {
        assert_eq!(
            t["status"]["conditions"][0]["status"], "True",
            "{}",
            t["status"]["conditions"][0]["message"]
        );
    }
    let order: Vec<String> = api["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["verb"] == "apply")
        .filter_map(|e| e["kind"].as_str().map(str::to_owned))
        .collect();
    let kafka_at = order.iter().position(|k| k == "Kafka").unwrap();
    let first_topic = order.iter().position(|k| k == "KafkaTopic").unwrap();
    assert!(kafka_at < first_topic, "{order:?}");
    // The operator's RoleBinding was pointed at the namespace by the workflow.
    let rb = find_in(&api, "objects", "kind", "RoleBinding");
    assert_eq!(rb["subjects"][0]["namespace"], "kafka");

    let argocd = call_in_the_runner(
        &w,
        "03-reusable-deploy-argocd.yml",
        &[
            ("TOKEN_GIT_REPO_CONFIG", "git-token"),
            ("ARGOCD_ADMIN_PASSWORD", "admin-pw"),
            ("GHCR_TOKEN", "ghcr-pat"),
        ],
    );
    assert_outcome(&argocd, rehearsal::run::Outcome::Success);
    let api = w.api("dev-k3s-trading-control");
    let objects = api["objects"].as_array().unwrap();
    let find = |kind: &str, name: &str| find_object(objects, kind, name);
    assert_argocd_deployed(objects, "admin-pw");
    let app = find("Application", "bootstrap");
    // dev's own overlay (cluster.kdl: `gitops overlay=`), in the project that
    // allows exactly the declared namespaces.
    assert_eq!(app["spec"]["source"]["path"], "overlays/dev");
    assert_eq!(app["metadata"]["namespace"], "argocd");
    assert_eq!(app["spec"]["project"], "topogen");
    let project = find("AppProject", "topogen");
    let destinations: Vec<&str> = project["spec"]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["namespace"].as_str())
        .collect();
    assert_eq!(destinations, ["argocd", "ingestion-alpaca"]);
    // The operator makes the instance cluster-scoped.
    let operator = find("Deployment", "argocd-operator-controller-manager");
    assert!(
        operator["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["env"].as_array().unwrap().iter())
            .any(|e| e["name"] == "ARGOCD_CLUSTER_CONFIG_NAMESPACES" && e["value"] == "argocd"),
        "{operator}"
    );
    // kafka owner=topogen: ArgoCD never syncs the Strimzi kinds.
    let exclusions: serde_json::Value = serde_json::from_str(
        find("ArgoCD", "argocd")["spec"]["resourceExclusions"]
            .as_str()
            .expect("resourceExclusions"),
    )
    .unwrap();
    assert_eq!(exclusions[0]["apiGroups"][0], "kafka.strimzi.io");
    assert_eq!(
        exclusions[0]["kinds"],
        serde_json::json!(["Kafka", "KafkaNodePool", "KafkaTopic"])
    );
    // The registry pull secret, in each namespace cluster.kdl declares, made
    // from the token and the repository owner (the runner's `owner/infra`).
    let pull = api["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "Secret" && o["metadata"]["name"] == "ghcr-secret")
        .cloned()
        .expect("no Secret ghcr-secret");
    assert_eq!(pull["metadata"]["namespace"], "ingestion-alpaca");
    assert_eq!(pull["type"], "kubernetes.io/dockerconfigjson");
    let config: Value =
        serde_json::from_str(pull["stringData"][".dockerconfigjson"].as_str().unwrap()).unwrap();
    assert_eq!(config["auths"]["ghcr.io"]["password"], "ghcr-pat");
    assert_eq!(config["auths"]["ghcr.io"]["username"], "owner");
    assert!(
        api["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == "ingestion-alpaca")
    );
    for secret in ["git-token", "admin-pw", "hcloud-token", "ghcr-pat"] {
        assert!(
            !argocd
                .log
                .iter()
                .chain(strimzi.log.iter())
                .any(|l| l.contains(secret)),
            "{secret} leaked"
        );
    }

    // kcat, as verify-access uses it: absent until apt-get installs it in the
    // job, then the metadata of the Kafka the Strimzi workflow applied,
    // through the bootstrap and each advertised broker address; any other
    // address fails as kcat does.
    let job = |program: &str, args: &[&str]| {
        let mut c = w.cmd(program);
        c.args(args)
            .env("RUNNER_TOOL_CACHE", w.path("toolcache"))
            .output()
            .unwrap()
    };
    let missing = job("kcat", &["-L", "-b", "203.0.113.20:30001"]);
    assert_eq!(missing.status.code(), Some(127));
    assert!(
        job("sudo", &["apt-get", "install", "-y", "kcat"])
            .status
            .success()
    );
    let meta = job("kcat", &["-L", "-b", "203.0.113.20:30001", "-m", "10"]);
    let text = String::from_utf8_lossy(&meta.stdout).into_owned();
    assert!(meta.status.success(), "{text}");
    for (id, port) in [(0, 30002), (1, 30003), (2, 30004)] {
        assert!(
            text.lines().any(|l| l
                .trim_start()
                .starts_with(&format!("broker {id} at 203.0.113.20:{port}"))),
            "{text}"
        );
        assert!(
            job("kcat", &["-L", "-b", &format!("203.0.113.20:{port}")])
                .status
                .success()
        );
    }
    for wrong in [
        "203.0.113.20:30005",
        "203.0.113.99:30001",
        "10.0.1.20:30001",
    ] {
        let out = job("kcat", &["-L", "-b", wrong]);
        assert_eq!(out.status.code(), Some(1), "{wrong}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Failed to acquire metadata"),
            "{wrong}"
        );
    }

    // kcat -C, as kafka-topics uses it: a topic of a KafkaTopic resource the
    // metadata lists is empty in the world, so kcat prints nothing and exits
    // 0 at its end (-e); an unknown topic fails as kcat does; a flag the
    // stand-in does not know, or -C without -e, is refused.
    let topic = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("topic \""))
        .and_then(|l| l.split('"').next())
        .unwrap_or_else(|| panic!("no topic in the metadata: {text}"))
        .to_string();
    let consume = |topic: &str, extra: &[&str]| {
        let mut args = vec!["-C", "-b", "203.0.113.20:30001", "-t", topic];
        args.extend_from_slice(extra);
        job("kcat", &args)
    };
    let empty = consume(&topic, &["-o", "beginning", "-c", "5", "-e"]);
    assert!(empty.status.success(), "{empty:?}");
    assert!(empty.stdout.is_empty(), "{empty:?}");
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains(&format!("Reached end of topic {topic}")),
        "{empty:?}"
    );
    let quiet = consume(&topic, &["-o", "end", "-e", "-q"]);
    assert!(quiet.status.success() && quiet.stdout.is_empty() && quiet.stderr.is_empty());
    let unknown = consume("no.such.topic", &["-e"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_says(
        &unknown.stderr,
        "Topic no.such.topic error: Broker: Unknown topic or partition",
    );
    for refused in [&["-e", "-X", "debug=all"][..], &["-o", "stored", "-e"], &[]] {
        let out = consume(&topic, refused);
        assert_eq!(out.status.code(), Some(1), "{refused:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("stood in"),
            "{refused:?}: {out:?}"
        );
    }
    let elsewhere = job(
        "kcat",
        &["-C", "-b", "203.0.113.99:30001", "-t", &topic, "-e"],
    );
    assert_says(&elsewhere.stderr, "Failed to acquire metadata");
}

#[test]
fn a_destroyed_server_stops_and_a_replaced_one_boots_again() {
    let w = dev_world(|s| s);
    w.boot_until_the_control_plane_is_ready();
    assert!(
        w.ssh("root@203.0.113.30", "touch /root/before")
            .status
            .success()
    );
    // Terraform destroys the worker and replaces kafka-0 (new ID, same name).
    let mut cloud: Value =
        serde_json::from_str(&fs::read_to_string(w.path("cloud.json")).unwrap()).unwrap();
    let servers = cloud["servers"].as_array_mut().unwrap();
    servers.retain(|s| s["name"] != "dev-k3s-trading-worker-0");
    let kafka0 = servers
        .iter_mut()
        .find(|s| s["name"] == "dev-k3s-trading-kafka-0")
        .unwrap();
    kafka0["id"] = json!(99);
    assert!(
        w.ssh("root@203.0.113.20", "touch /root/before")
            .status
            .success()
    );
    fs::write(w.path("cloud.json"), cloud.to_string()).unwrap();
    w.boot();
    let gone = w.ssh("root@203.0.113.30", "true");
    assert_eq!(gone.status.code(), Some(255));
    assert!(!w.path("world/nodes/dev-k3s-trading-worker-0").exists());
    // The replacement is a fresh machine booting its cloud-init again.
    assert!(
        !w.ssh("root@203.0.113.20", "test -f /root/before")
            .status
            .success()
    );
    assert_eq!(
        fs::read_to_string(w.path("world/nodes/dev-k3s-trading-kafka-0/server-id")).unwrap(),
        "99"
    );
}
