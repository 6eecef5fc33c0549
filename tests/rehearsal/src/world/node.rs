//! The tools inside a node: cloud-init's `write_files` and `runcmd`, the
//! metadata service and the download sites behind `curl`, `ip`, `systemctl`,
//! the K3s installer and `k3s`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::kube::{self, Api, NodeRecord};
use super::{Cloud, Fail, NODE_BIN, Res, World};

/// The cloud-config keys this cloud-init executes. Any other key (valid for
/// cloud-init, whose schema check runs in conformance) refuses the boot: a
/// key the rehearsal would silently skip could hide a defect.
const CLOUD_CONFIG_KEYS: &[&str] = &["write_files", "runcmd"];

fn this_node() -> Res<(World, Value)> {
    let world = World::from_env()?;
    let name = std::env::var(super::NODE_ENV)
        .map_err(|_| Fail::new(1, "rehearse-world: not inside a node"))?;
    let meta: Value = serde_json::from_str(&fs::read_to_string(
        world.node_dir(&name).join("meta.json"),
    )?)
    .map_err(|e| Fail::new(1, e.to_string()))?;
    Ok((world, meta))
}

/// cloud-init's final stages for the two modules used: `write_files` (path,
/// content, encoding, permissions, owner, append) then `runcmd` (written to a
/// script as cloud-init does, run by `sh`). Output to
/// `/var/log/cloud-init-output.log`; `/var/lib/cloud/instance/boot-finished`
/// on success, like cloud-init.
pub fn cloud_init() -> Res<u8> {
    let text = fs::read_to_string("/var/lib/cloud/instance/user-data.txt")?;
    let mut log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open("/var/log/cloud-init-output.log")?;
    let result = cloud_init_run(&text, &mut log);
    match result {
        Ok(code) => {
            let _ = writeln!(log, "rehearse cloud-init: runcmd exited {code}");
            if code == 0 {
                fs::write("/var/lib/cloud/instance/boot-finished", "")?;
            }
            Ok(code)
        }
        Err(e) => {
            let _ = writeln!(log, "rehearse cloud-init: {}", e.message);
            eprintln!("{}", e.message);
            Ok(e.code.max(1))
        }
    }
}

fn cloud_init_run(text: &str, log: &mut fs::File) -> Res<u8> {
    if text.lines().next().map(str::trim_end) != Some("#cloud-config") {
        return Err(Fail::new(
            1,
            "user_data is not a #cloud-config (only cloud-config is implemented)",
        ));
    }
    let doc: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| Fail::new(1, format!("cloud-config: {e}")))?;
    let map = doc
        .as_mapping()
        .ok_or_else(|| Fail::new(1, "cloud-config is not a mapping"))?;
    for key in map.keys() {
        let k = key.as_str().unwrap_or("");
        if !CLOUD_CONFIG_KEYS.contains(&k) {
            return Err(Fail::new(
                1,
                format!(
                    "unsupported: cloud-config key `{k}` (the rehearsal executes only {CLOUD_CONFIG_KEYS:?})"
                ),
            ));
        }
    }
    for file in doc["write_files"].as_sequence().into_iter().flatten() {
        write_file(file)?;
    }
    let mut script = String::from("#!/bin/sh\n");
    for cmd in doc["runcmd"].as_sequence().into_iter().flatten() {
        match cmd {
            serde_yaml::Value::String(s) => {
                script.push_str(s);
                script.push('\n');
            }
            serde_yaml::Value::Sequence(words) => {
                let words: Vec<String> = words
                    .iter()
                    .map(|w| match w {
                        serde_yaml::Value::String(s) => Ok(shell_quote(s)),
                        serde_yaml::Value::Number(n) => Ok(n.to_string()),
                        _ => Err(Fail::new(1, "runcmd: a word that is not a string")),
                    })
                    .collect::<Res<_>>()?;
                script.push_str(&words.join(" "));
                script.push('\n');
            }
            _ => {
                return Err(Fail::new(
                    1,
                    "runcmd: an entry that is neither a string nor a list",
                ));
            }
        }
    }
    let scripts = Path::new("/var/lib/cloud/instance/scripts");
    fs::create_dir_all(scripts)?;
    fs::write(scripts.join("runcmd"), &script)?;
    fs::set_permissions(scripts.join("runcmd"), fs::Permissions::from_mode(0o700))?;
    let status = Command::new("/bin/sh")
        .arg(scripts.join("runcmd"))
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log.try_clone()?)
        .status()?;
    Ok(status.code().map(|c| c as u8).unwrap_or(1))
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=+:,@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn write_file(file: &serde_yaml::Value) -> Res<()> {
    const KEYS: &[&str] = &[
        "path",
        "content",
        "encoding",
        "permissions",
        "owner",
        "append",
        "defer",
    ];
    for k in file.as_mapping().into_iter().flat_map(|m| m.keys()) {
        let k = k.as_str().unwrap_or("");
        if !KEYS.contains(&k) {
            return Err(Fail::new(1, format!("unsupported: write_files key `{k}`")));
        }
    }
    let path = file["path"]
        .as_str()
        .ok_or_else(|| Fail::new(1, "write_files: an entry without a path"))?;
    let content = file["content"].as_str().unwrap_or("");
    let bytes = match file["encoding"].as_str().unwrap_or("text/plain") {
        "text/plain" => content.as_bytes().to_vec(),
        other => {
            return Err(Fail::new(
                1,
                format!("unsupported: write_files encoding {other}"),
            ));
        }
    };
    let path = Path::new(path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    if file["append"].as_bool() == Some(true) {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?
            .write_all(&bytes)?;
    } else {
        fs::write(path, &bytes)?;
    }
    let mode = match &file["permissions"] {
        serde_yaml::Value::String(s) => u32::from_str_radix(s.trim_start_matches("0o"), 8)
            .map_err(|_| Fail::new(1, format!("write_files: permissions {s:?}")))?,
        serde_yaml::Value::Number(n) => n.as_u64().unwrap_or(0o644) as u32,
        _ => 0o644,
    };
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    if let Some(owner) = file["owner"].as_str() {
        let out = Command::new("chown").arg(owner).arg(path).output()?;
        if !out.status.success() {
            return Err(Fail::new(1, format!("write_files: chown {owner}: failed")));
        }
    }
    Ok(())
}

/// `ip -o -4 addr show`: the node's addresses as Hetzner gives them (public
/// IPv4 on `eth0`, each private IP on `enp7s0`…). Only that form.
pub fn ip(args: &[String]) -> Res<u8> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    if words != ["-o", "-4", "addr", "show"] && words != ["-o", "-4", "address", "show"] {
        return Err(Fail::new(
            1,
            format!(
                "rehearse-world ip: only `ip -o -4 addr show` is stood in, not `ip {}`",
                words.join(" ")
            ),
        ));
    }
    let (_, meta) = this_node()?;
    println!(
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever"
    );
    let mut n = 2;
    if let Some(ip) = meta["public-ipv4"].as_str() {
        println!(
            "{n}: eth0    inet {ip}/32 metric 100 scope global dynamic eth0\\       valid_lft 86000sec preferred_lft 86000sec"
        );
        n += 1;
    }
    for (i, ip) in meta["private-ips"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ip = ip.as_str().unwrap_or("");
        println!(
            "{n}: enp{}s0    inet {ip}/32 brd {ip} scope global dynamic enp{}s0\\       valid_lft 86000sec preferred_lft 86000sec",
            7 + i,
            7 + i
        );
        n += 1;
    }
    Ok(0)
}

/// `systemctl is-active [--quiet] UNIT`: active when the K3s installer
/// stand-in installed and started the unit.
pub fn systemctl(args: &[String]) -> Res<u8> {
    let mut quiet = false;
    let mut rest = Vec::new();
    for a in args {
        match a.as_str() {
            "--quiet" | "-q" => quiet = true,
            s if s.starts_with('-') => {
                return Err(Fail::new(
                    1,
                    format!("systemctl: unrecognized option '{s}'"),
                ));
            }
            s => rest.push(s),
        }
    }
    match rest.as_slice() {
        ["is-active", unit] => {
            let unit = unit.trim_end_matches(".service");
            let active = Path::new("/run/rehearsal-units").join(unit).exists();
            if !quiet {
                println!("{}", if active { "active" } else { "inactive" });
            }
            Ok(if active { 0 } else { 3 })
        }
        _ => Err(Fail::new(
            1,
            format!("rehearse-world systemctl: only `is-active UNIT` is stood in, not {rest:?}"),
        )),
    }
}

const METADATA: &str = "http://169.254.169.254/hetzner/v1/metadata";

/// `curl` inside a node: the metadata service and the sites the setup
/// script downloads from (get.k3s.io, get.helm.sh); any other URL fails as
/// an unresolvable host does.
pub fn curl(args: &[String]) -> Res<u8> {
    let (opts, url) = parse_curl(args)?;
    let body: Vec<u8> = if let Some(path) = url.strip_prefix(METADATA) {
        let (_, meta) = this_node()?;
        match path {
            "/public-ipv4" => meta["public-ipv4"]
                .as_str()
                .unwrap_or("")
                .as_bytes()
                .to_vec(),
            "/hostname" => meta["name"].as_str().unwrap_or("").as_bytes().to_vec(),
            "/instance-id" => meta["id"].to_string().into_bytes(),
            _ => return http_error(&opts, &url, 404),
        }
    } else if url == "https://get.k3s.io" || url == "https://get.k3s.io/" {
        format!("#!/bin/sh\n# the K3s installer, stood in by the rehearsal\nexec {NODE_BIN}/rehearse-world k3s-install \"$@\"\n").into_bytes()
    } else if let Some(file) = url.strip_prefix("https://get.helm.sh/") {
        helm_download(file, &format!("{NODE_BIN}/rehearse-world"))
            .map_or_else(|| http_error(&opts, &url, 404).map(|_| Vec::new()), Ok)?
    } else {
        let host = url
            .split("://")
            .nth(1)
            .unwrap_or(&url)
            .split('/')
            .next()
            .unwrap_or("");
        if !opts.silent || opts.show_error {
            eprintln!("curl: (6) Could not resolve host: {host}");
        }
        return Ok(6);
    };
    if body.is_empty() && !url.starts_with(METADATA) {
        return Ok(22);
    }
    match &opts.output {
        Some(path) => fs::write(path, &body)?,
        None => std::io::stdout().write_all(&body)?,
    }
    Ok(0)
}

fn http_error(opts: &CurlOpts, url: &str, code: u16) -> Res<u8> {
    if opts.fail {
        if !opts.silent || opts.show_error {
            eprintln!("curl: (22) The requested URL returned error: {code}");
        }
        Ok(22)
    } else {
        let _ = url;
        Ok(0)
    }
}

/// A Helm release tarball holding the helm stand-in (`world`, the
/// rehearse-world binary where it runs: a node's or the runner's), and its
/// checksum file.
pub(crate) fn helm_download(file: &str, world: &str) -> Option<Vec<u8>> {
    let tarball = |name: &str| -> Option<Vec<u8>> {
        let rest = name.strip_prefix("helm-v")?.strip_suffix(".tar.gz")?;
        let arch = rest.rsplit_once("-linux-")?.1;
        let dir = tempfile::tempdir().ok()?;
        let d = dir.path().join(format!("linux-{arch}"));
        fs::create_dir_all(&d).ok()?;
        fs::write(
            d.join("helm"),
            format!("#!/bin/sh\nexec '{world}' helm \"$@\"\n"),
        )
        .ok()?;
        fs::set_permissions(d.join("helm"), fs::Permissions::from_mode(0o755)).ok()?;
        let out = Command::new("tar")
            .args(["--mtime=@0", "--owner=0", "--group=0", "-czf", "-", "-C"])
            .arg(dir.path())
            .arg(format!("linux-{arch}"))
            .env("GZIP", "-n")
            .output()
            .ok()?;
        out.status.success().then_some(out.stdout)
    };
    if let Some(name) = file.strip_suffix(".sha256sum") {
        let bytes = tarball(name)?;
        Some(format!("{}  {name}\n", sha256_hex(&bytes)?).into_bytes())
    } else {
        tarball(file)
    }
}

#[derive(Default)]
pub(super) struct CurlOpts {
    pub(super) fail: bool,
    pub(super) silent: bool,
    pub(super) show_error: bool,
    pub(super) output: Option<String>,
    /// `-w`: only `%{http_code}` and `\n` are interpreted.
    pub(super) write_out: Option<String>,
}

pub(super) fn parse_curl(args: &[String]) -> Res<(CurlOpts, String)> {
    let mut o = CurlOpts::default();
    let mut url = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut value = || -> Res<String> {
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| Fail::new(2, format!("curl: option {a}: requires parameter")))
        };
        match a {
            "--retry" | "--retry-delay" | "--max-time" | "-m" | "--connect-timeout" => {
                value()?;
            }
            "-w" | "--write-out" => o.write_out = Some(value()?),
            "-o" | "--output" => o.output = Some(value()?),
            "--retry-connrefused"
            | "--fail"
            | "--silent"
            | "--show-error"
            | "--location"
            | "-k"
            | "--insecure" => match a {
                "--fail" => o.fail = true,
                "--silent" => o.silent = true,
                "--show-error" => o.show_error = true,
                _ => {}
            },
            s if s.starts_with("--") => {
                return Err(Fail::new(
                    2,
                    format!(
                        "curl: option {s}: is unknown\ncurl: try 'curl --help' for more information"
                    ),
                ));
            }
            s if s.starts_with('-') && s.len() > 1 => {
                for c in s[1..].chars() {
                    match c {
                        'f' => o.fail = true,
                        's' => o.silent = true,
                        'S' => o.show_error = true,
                        'L' | 'k' => {}
                        _ => {
                            return Err(Fail::new(
                                2,
                                format!(
                                    "curl: option -{c}: is unknown\ncurl: try 'curl --help' for more information"
                                ),
                            ));
                        }
                    }
                }
            }
            s => {
                if url.replace(s.to_string()).is_some() {
                    return Err(Fail::new(2, "rehearse-world curl: one URL only"));
                }
            }
        }
        i += 1;
    }
    let url = url.ok_or_else(|| Fail::new(2, "curl: no URL specified"))?;
    Ok((o, url))
}

/// The K3s flags the rehearsal knows that `k3s server` and `k3s agent` both have
/// (`k3s server --help`, `k3s agent --help`, v1.34); another flag fails as k3s does.
const K3S_NODE_FLAGS: &[&str] = &[
    "--node-ip",
    "--node-external-ip",
    "--flannel-iface",
    "--node-label",
    "--node-taint",
    "--node-name",
    "--token",
    "--kubelet-arg",
    "--data-dir",
];
/// The server's own flags.
const K3S_SERVER_FLAGS: &[&str] = &[
    "--write-kubeconfig-mode",
    "--disable",
    "--tls-san",
    "--cluster-init",
    "--flannel-backend",
    "--disable-network-policy",
    "--cluster-cidr",
    "--service-cidr",
    "--kube-apiserver-arg",
    "--advertise-address",
];
/// The agent's own flags.
const K3S_AGENT_FLAGS: &[&str] = &["--server"];
/// Flags without a value.
const K3S_BOOL_FLAGS: &[&str] = &["--cluster-init", "--disable-network-policy"];

/// `sh /tmp/k3s-install.sh [server|agent] FLAGS…` with `INSTALL_K3S_VERSION`,
/// `K3S_URL`, `K3S_TOKEN`: records them, checks the flags, and registers the
/// node with the labels and taints of its flags in the fake API (a server
/// creates that API, its kubeconfig and join token, and listens on 6443; an
/// agent joins the server at `K3S_URL` with its token).
pub fn k3s_install(args: &[String]) -> Res<u8> {
    let (world, meta) = this_node()?;
    let name = meta["name"].as_str().unwrap_or("").to_string();
    let version = std::env::var("INSTALL_K3S_VERSION").unwrap_or_default();
    let url = std::env::var("K3S_URL").ok().filter(|s| !s.is_empty());
    let token = std::env::var("K3S_TOKEN").ok().filter(|s| !s.is_empty());
    println!("[INFO]  Using {version} as release (rehearsal installer stand-in)");
    if version.is_empty() || !version.starts_with('v') {
        return Err(Fail::new(
            1,
            "[ERROR]  INSTALL_K3S_VERSION is not a pinned release (v…)",
        ));
    }
    let (exec, flags) = match args.first().map(String::as_str) {
        Some("server") => ("server", &args[1..]),
        Some("agent") => ("agent", &args[1..]),
        _ if url.is_some() => ("agent", args),
        _ => ("server", args),
    };
    if exec == "agent" && (url.is_none() || token.is_none()) {
        return Err(Fail::new(
            1,
            "[ERROR]  Defaulted k3s exec command to 'agent' because K3S_URL is defined, but K3S_TOKEN or K3S_TOKEN_FILE is not defined.",
        ));
    }
    let known = if exec == "server" {
        K3S_SERVER_FLAGS
    } else {
        K3S_AGENT_FLAGS
    };
    let mut labels = std::collections::BTreeMap::new();
    let mut taints = Vec::new();
    let mut node_ip = None;
    let mut external_ip = None;
    let mut kubeconfig_mode = None;
    let mut i = 0;
    while i < flags.len() {
        let (flag, inline) = match flags[i].split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (flags[i].clone(), None),
        };
        if !K3S_NODE_FLAGS.contains(&flag.as_str()) && !known.contains(&flag.as_str()) {
            return Err(Fail::new(
                1,
                format!(
                    "Incorrect Usage: flag provided but not defined: -{}",
                    flag.trim_start_matches('-')
                ),
            ));
        }
        let value = if K3S_BOOL_FLAGS.contains(&flag.as_str()) {
            String::new()
        } else if let Some(v) = inline {
            v
        } else {
            i += 1;
            flags.get(i).cloned().ok_or_else(|| {
                Fail::new(
                    1,
                    format!("Incorrect Usage: flag needs an argument: {flag}"),
                )
            })?
        };
        match flag.as_str() {
            "--node-label" => {
                let (k, v) = value.split_once('=').unwrap_or((&value, ""));
                kube::check_label(k, v).map_err(|e| {
                    Fail::new(
                        1,
                        format!("level=fatal msg=\"invalid node label {value}: {e}\""),
                    )
                })?;
                labels.insert(k.to_string(), v.to_string());
            }
            "--node-taint" => taints.push(kube::parse_taint(&value).map_err(|e| {
                Fail::new(
                    1,
                    format!("level=fatal msg=\"invalid node taint {value}: {e}\""),
                )
            })?),
            "--node-ip" => node_ip = Some(value),
            "--node-external-ip" => external_ip = Some(value),
            "--write-kubeconfig-mode" => kubeconfig_mode = Some(value),
            _ => {}
        }
        i += 1;
    }
    let own_ips: Vec<&str> = meta["private-ips"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .chain(meta["public-ipv4"].as_str())
        .collect();
    for ip in node_ip.iter().chain(external_ip.iter()) {
        if !own_ips.contains(&ip.as_str()) {
            return Err(Fail::new(
                1,
                format!(
                    "level=fatal msg=\"node IP {ip} is not an address of this node ({own_ips:?})\""
                ),
            ));
        }
    }
    let record = NodeRecord {
        name: name.clone(),
        role: exec.to_string(),
        version: version.clone(),
        internal_ip: node_ip
            .clone()
            .or_else(|| own_ips.first().map(|s| s.to_string()))
            .unwrap_or_default(),
        external_ip: external_ip.clone(),
        labels,
        taints,
        install: serde_json::json!({
            "INSTALL_K3S_VERSION": version,
            "K3S_URL": url,
            "K3S_TOKEN": token.is_some().then_some("(set)"),
            "exec": exec,
            "args": flags,
        }),
    };
    fs::create_dir_all("/run/rehearsal-units")?;
    if exec == "server" {
        let token = format!(
            "K10{:016x}::server:{:016x}",
            meta["id"].as_u64().unwrap_or(0) * 7919,
            meta["id"].as_u64().unwrap_or(0) * 104729
        );
        Api::create(&world, &name, &token, &version, record)?;
        fs::create_dir_all("/var/lib/rancher/k3s/server")?;
        fs::write(
            "/var/lib/rancher/k3s/server/node-token",
            format!("{token}\n"),
        )?;
        fs::set_permissions(
            "/var/lib/rancher/k3s/server/node-token",
            fs::Permissions::from_mode(0o600),
        )?;
        fs::create_dir_all("/etc/rancher/k3s")?;
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: default\ncontexts:\n- context:\n    cluster: default\n    user: default\n  name: default\ncurrent-context: default\nusers:\n- name: default\n  user:\n    token: {token}\n"
        );
        fs::write("/etc/rancher/k3s/k3s.yaml", kubeconfig)?;
        let mode = kubeconfig_mode
            .as_deref()
            .map(|m| u32::from_str_radix(m, 8).unwrap_or(0o600))
            .unwrap_or(0o600);
        fs::set_permissions(
            "/etc/rancher/k3s/k3s.yaml",
            fs::Permissions::from_mode(mode),
        )?;
        // The API server's port: a real listener on the node IP (the agents
        // probe it with /dev/tcp before joining).
        let listen_ip = node_ip.unwrap_or_else(|| "0.0.0.0".into());
        let child = Command::new(format!("{NODE_BIN}/rehearse-world"))
            .args(["listen", &listen_ip, "6443"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        let pids = world.node_dir(&name).join("pids");
        fs::create_dir_all(&pids)?;
        fs::write(pids.join(child.id().to_string()), "")?;
        fs::write("/run/rehearsal-units/k3s", "")?;
    } else {
        let url = url.unwrap_or_default();
        let host = url
            .strip_prefix("https://")
            .and_then(|r| r.rsplit_once(':'))
            .filter(|(_, port)| *port == "6443")
            .map(|(h, _)| h.to_string())
            .ok_or_else(|| {
                Fail::new(
                    1,
                    format!("[ERROR]  K3S_URL {url} is not https://HOST:6443"),
                )
            })?;
        let cloud = Cloud::read(&world.cloud)?;
        let own_networks: Vec<u64> = cloud
            .by_name(&name)
            .map(|s| s.private.iter().map(|(n, _)| *n).collect())
            .unwrap_or_default();
        let server = cloud
            .by_private(&host, &own_networks)
            .or_else(|| cloud.by_public(&host))
            .filter(|s| world.api_file(&s.name).exists())
            .ok_or_else(|| Fail::new(1, format!("level=error msg=\"failed to get CA certs: Get \\\"{url}/cacerts\\\": dial tcp {host}:6443: connect: connection refused\"")))?;
        Api::join(&world, &server.name, token.as_deref().unwrap_or(""), record)?;
        fs::write("/run/rehearsal-units/k3s-agent", "")?;
    }
    for tool in ["k3s", "kubectl"] {
        let link = Path::new("/usr/local/bin").join(tool);
        fs::create_dir_all("/usr/local/bin")?;
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(format!("{NODE_BIN}/rehearse-world"), &link)?;
    }
    println!(
        "[INFO]  systemd: Starting k3s{}",
        if exec == "agent" { "-agent" } else { "" }
    );
    Ok(0)
}

/// `listen IP PORT`: accept and close connections (the K3s API port).
pub fn listen(args: &[String]) -> Res<u8> {
    let [ip, port] = args else {
        return Err(Fail::new(2, "usage: rehearse-world listen IP PORT"));
    };
    let l = std::net::TcpListener::bind(format!("{ip}:{port}"))?;
    for s in l.incoming() {
        drop(s);
    }
    Ok(0)
}

/// The SHA-256 of `bytes` in hex (by `sha256sum`).
pub(super) fn sha256_hex(bytes: &[u8]) -> Option<String> {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(bytes).ok()?;
    let out = child.wait_with_output().ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()?
            .to_string(),
    )
}
