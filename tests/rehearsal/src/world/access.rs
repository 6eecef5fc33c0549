//! Reaching the cluster from outside, as the verify-access workflow does:
//! the NodePorts K3s's kube-proxy opens on every node, and the runner's
//! network.
//!
//! - **NodePorts** (`node_ports`): Traefik's Helm release `ports.*.nodePort`
//!   values, every `Service` of type `NodePort`, and the bootstrap and broker
//!   `nodePort`s of a Ready Strimzi `Kafka`'s `nodeport` listeners (the
//!   Services the operator would create). kube-proxy listens on each of them
//!   on every node's addresses, private and public.
//! - **The runner's TCP probes** go through the world's network namespace,
//!   where every server's public IPv4 is an address of `lo` too: `timeout` on
//!   the runner first opens the NodePort listeners (real sockets, one
//!   `rehearse-world listen` per address and port, ended at `down`), then
//!   runs this machine's `timeout` in that namespace, so
//!   `timeout 5 bash -c 'exec 3<> /dev/tcp/IP/PORT'` is a real connect.
//! - **HTTPS to Traefik's `websecure` NodePort** (the runner's `curl`):
//!   200 when an `Ingress` on that entrypoint routes `/` to the Service of an
//!   Available `ArgoCD` (`<name>-server`), Traefik's 404 otherwise; 401 from
//!   the K3s API on 6443 of a server node; any other port of a node refuses
//!   the connection.
//! - **Kafka metadata** (the runner's `kcat -L`, once `apt-get install kcat`
//!   ran in the job): the brokers a Ready `Kafka` advertises, through any
//!   node's public address and one of its nodeport listener's NodePorts.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{Fail, Res, World};

/// Every API of the world, as JSON.
fn apis(world: &World) -> Vec<Value> {
    let mut out = Vec::new();
    for e in fs::read_dir(world.dir.join("api"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json")
            && let Ok(text) = fs::read_to_string(&p)
            && let Ok(v) = serde_json::from_str::<Value>(&text)
        {
            out.push(v);
        }
    }
    out
}

/// The NodePorts of one API: `(port, Traefik entrypoint if any)`.
pub fn node_ports(api: &Value) -> Vec<(u16, Option<String>)> {
    let mut out = Vec::new();
    for r in api["releases"].as_array().into_iter().flatten() {
        for s in r["set"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if let Some(rest) = s.strip_prefix("ports.")
                && let Some((entry, value)) = rest.split_once(".nodePort=")
                && let Ok(port) = value.parse()
            {
                let traefik = r["chart"] == "traefik";
                out.push((port, traefik.then(|| entry.to_string())));
            }
        }
    }
    for o in api["objects"].as_array().into_iter().flatten() {
        if o["kind"] == "Service" && o["spec"]["type"] == "NodePort" {
            for p in o["spec"]["ports"].as_array().into_iter().flatten() {
                if let Some(port) = p["nodePort"].as_u64() {
                    out.push((port as u16, None));
                }
            }
        }
        let ready = o["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        if o["kind"] == "Kafka" && ready {
            for l in o["spec"]["kafka"]["listeners"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if l["type"] != "nodeport" {
                    continue;
                }
                let c = &l["configuration"];
                if let Some(port) = c["bootstrap"]["nodePort"].as_u64() {
                    out.push((port as u16, None));
                }
                for b in c["brokers"].as_array().into_iter().flatten() {
                    if let Some(port) = b["nodePort"].as_u64() {
                        out.push((port as u16, None));
                    }
                }
            }
        }
    }
    out
}

/// The API whose nodes include one with public address `ip`.
fn api_of_public(world: &World, ip: &str) -> Option<Value> {
    apis(world).into_iter().find(|a| {
        a["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|n| n["external_ip"] == ip)
    })
}

/// kube-proxy: a listener on every node address for every NodePort (once).
pub fn open_node_ports(world: &World) -> Res<()> {
    let _lock = world.lock("node-ports")?;
    let ns = world.netns();
    if !Path::new("/run/netns").join(&ns).exists() {
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    let opened = world.dir.join("node-ports");
    fs::create_dir_all(&opened)?;
    for api in apis(world) {
        let ports: BTreeSet<u16> = node_ports(&api).into_iter().map(|(p, _)| p).collect();
        let mut ips = BTreeSet::new();
        for n in api["nodes"].as_array().into_iter().flatten() {
            for key in ["internal_ip", "external_ip"] {
                if let Some(ip) = n[key].as_str() {
                    ips.insert(ip.to_string());
                }
            }
        }
        for ip in &ips {
            for port in &ports {
                let mark = opened.join(format!("{ip}:{port}"));
                if listening(&mark) {
                    continue;
                }
                let child = Command::new("ip")
                    .args(["netns", "exec", &ns])
                    .arg(&exe)
                    .args(["listen", ip, &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()?;
                world.record_pid(child.id())?;
                fs::write(&mark, child.id().to_string())?;
            }
        }
    }
    Ok(())
}

/// Whether the listener `mark` names still runs: the end of the job whose
/// `timeout` opened it ends it (with every process the job left behind).
fn listening(mark: &Path) -> bool {
    fs::read_to_string(mark)
        .ok()
        .and_then(|pid| fs::read(format!("/proc/{}/cmdline", pid.trim())).ok())
        .is_some_and(|argv| argv.split(|b| *b == 0).any(|a| a == b"listen"))
}

/// A node is gone: end the listeners on its addresses (another server may
/// get them next, and must not answer with the old one's NodePorts).
pub fn close_node_ports(world: &World, ips: &[String]) -> Res<()> {
    let _lock = world.lock("node-ports")?;
    for e in fs::read_dir(world.dir.join("node-ports"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((ip, _port)) = name.rsplit_once(':') else {
            continue;
        };
        if !ips.iter().any(|i| i == ip) {
            continue;
        }
        if listening(&e.path())
            && let Ok(pid) = fs::read_to_string(e.path())
            && let Ok(pid) = pid.trim().parse::<i32>()
            && let Some(pid) = rustix::process::Pid::from_raw(pid)
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
        fs::remove_file(e.path())?;
    }
    Ok(())
}

/// This machine's `name`: the first on PATH that is not this binary.
fn host_tool(name: &str) -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?.canonicalize().ok()?;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file() && p.canonicalize().ok().as_ref() != Some(&me))
}

/// `timeout` on the runner: this machine's, in the world's network (after
/// opening the NodePorts); without a world, just this machine's.
pub fn timeout(args: &[String]) -> Res<u8> {
    let real = host_tool("timeout")
        .ok_or_else(|| Fail::new(127, "rehearse-world: no `timeout` on this machine"))?;
    let mut cmd = match World::from_env() {
        Ok(world) if Path::new("/run/netns").join(world.netns()).exists() => {
            world.ensure_booted()?;
            open_node_ports(&world)?;
            let mut c = Command::new("ip");
            c.args(["netns", "exec", &world.netns()]).arg(real);
            c
        }
        _ => Command::new(real),
    };
    let status = cmd.args(args).status()?;
    Ok(status.code().map_or(128, |c| c as u8))
}

/// The runner's `curl https://IP:PORT/…` to a node's public address: what
/// Traefik answers there (status code), or None when nothing listens.
pub fn https_status(world: &World, ip: &str, port: u16) -> Option<u16> {
    let api = api_of_public(world, ip)?;
    if port == 6443 {
        // The K3s API on a server node: anonymous requests are answered 401.
        let server = api["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|n| n["external_ip"] == ip && n["role"] == "server");
        return server.then_some(401);
    }
    let entry = node_ports(&api)
        .into_iter()
        .find(|(p, _)| *p == port)
        .map(|(_, e)| e)?;
    if entry.as_deref() != Some("websecure") {
        return None;
    }
    let objects = api["objects"].as_array().cloned().unwrap_or_default();
    let routed = objects.iter().any(|o| {
        if o["kind"] != "Ingress" {
            return false;
        }
        let entrypoints =
            o["metadata"]["annotations"]["traefik.ingress.kubernetes.io/router.entrypoints"]
                .as_str()
                .unwrap_or("web,websecure");
        if !entrypoints.split(',').any(|e| e.trim() == "websecure") {
            return false;
        }
        let ns = o["metadata"]["namespace"].as_str().unwrap_or("default");
        o["spec"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| {
                r["http"]["paths"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| {
                        p["path"] == "/"
                            && p["backend"]["service"]["name"].as_str().is_some_and(|svc| {
                                objects.iter().any(|a| {
                                    a["kind"] == "ArgoCD"
                                        && a["metadata"]["namespace"].as_str().unwrap_or("default")
                                            == ns
                                        && a["status"]["phase"] == "Available"
                                        && a["metadata"]["name"]
                                            .as_str()
                                            .is_some_and(|n| svc == format!("{n}-server"))
                                })
                            })
                    })
            })
    });
    Some(if routed { 200 } else { 404 })
}

/// The Kafka brokers a Ready `Kafka` of `api` advertises on the `nodeport`
/// listener that has NodePort `port` (bootstrap or a broker's): `(broker id,
/// advertised host, advertised port, its NodePort)`. A broker without
/// `advertisedHost` is advertised at `host` (the address the client used):
/// topogen always writes `advertisedHost` on a nodeport listener, so this
/// fallback never hides one of its mistakes.
fn advertised_brokers(api: &Value, host: &str, port: u16) -> Option<Vec<(u64, String, u64, u64)>> {
    for o in api["objects"].as_array().into_iter().flatten() {
        let ready = o["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        if o["kind"] != "Kafka" || !ready {
            continue;
        }
        for l in o["spec"]["kafka"]["listeners"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| l["type"] == "nodeport")
        {
            let c = &l["configuration"];
            let brokers: Vec<(u64, String, u64, u64)> = c["brokers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| {
                    let id = b["broker"].as_u64()?;
                    let node_port = b["nodePort"].as_u64()?;
                    let adv_host = b["advertisedHost"].as_str().unwrap_or(host).to_string();
                    let adv_port = b["advertisedPort"].as_u64().unwrap_or(node_port);
                    Some((id, adv_host, adv_port, node_port))
                })
                .collect();
            let hit = c["bootstrap"]["nodePort"].as_u64() == Some(u64::from(port))
                || brokers.iter().any(|b| b.3 == u64::from(port));
            if hit {
                return Some(brokers);
            }
        }
    }
    None
}

/// The cluster a runner's kcat reaches through `HOST:PORT`: the Ready
/// `Kafka` whose nodeport listener has NodePort PORT on the node with public
/// address HOST, and the brokers it advertises; kcat's error when none does.
#[allow(clippy::type_complexity)]
fn reach(broker: &str) -> Res<(String, u16, Value, Vec<(u64, String, u64, u64)>)> {
    let fail = || {
        Fail::new(
            1,
            "% ERROR: Failed to acquire metadata: Local: Broker transport failure (Are the brokers reachable? Also try increasing the metadata timeout with -m <timeout>?)",
        )
    };
    let (host, port) = broker.rsplit_once(':').ok_or_else(fail)?;
    let port: u16 = port.parse().map_err(|_| fail())?;
    let world = World::from_env()?;
    world.ensure_booted()?;
    let api = api_of_public(&world, host).ok_or_else(fail)?;
    let brokers = advertised_brokers(&api, host, port).ok_or_else(fail)?;
    Ok((host.to_string(), port, api, brokers))
}

/// The `KafkaTopic` resources of `api`: (topic name, partitions).
fn topics(api: &Value) -> Vec<(String, u64)> {
    api["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["kind"] == "KafkaTopic")
        .map(|t| {
            let name = t["spec"]["topicName"]
                .as_str()
                .or(t["metadata"]["name"].as_str())
                .unwrap_or("");
            (
                name.to_string(),
                t["spec"]["partitions"].as_u64().unwrap_or(1),
            )
        })
        .collect()
}

/// `kcat -C … -e`: TOPIC through BROKER, empty in the world (kcat prints
/// nothing on stdout; without `-q`, each partition's end on stderr).
fn consume_topic(broker: &str, topic: &str, quiet: bool) -> Res<u8> {
    let (_, _, api, _) = reach(broker)?;
    let Some((_, partitions)) = topics(&api).into_iter().find(|(n, _)| n == topic) else {
        return Err(Fail::new(
            1,
            format!("% ERROR: Topic {topic} error: Broker: Unknown topic or partition"),
        ));
    };
    if !quiet {
        for p in 0..partitions {
            let last = if p + 1 == partitions { ": exiting" } else { "" };
            eprintln!("% Reached end of topic {topic} [{p}] at offset 0{last}");
        }
    }
    Ok(0)
}

/// `kcat -L -b HOST:PORT [-m SECONDS] [-q]` on the runner, once `apt-get
/// install kcat` put it there: Kafka's metadata as kcat prints it, from the
/// Ready `Kafka` of the cluster whose node has public address HOST and whose
/// nodeport listener has NodePort PORT (kube-proxy forwards it on every
/// node). Anything else fails as kcat does when no broker answers. Topics are
/// the cluster's `KafkaTopic` resources.
///
/// `kcat -C -b HOST:PORT -t TOPIC [-o beginning|end|N] [-c N] -e [-q]`
/// consumes as kcat does through the same address: the world holds no
/// messages, so a topic of a `KafkaTopic` resource is empty and kcat prints
/// nothing on stdout and exits 0 at its end (`-e`; without it kcat would
/// wait for messages forever, which the stand-in refuses); an unknown topic
/// fails as kcat does. Any other flag is refused.
pub fn kcat(args: &[String]) -> Res<u8> {
    if !super::runner::installed("kcat") {
        return Err(Fail::new(127, "bash: line 1: kcat: command not found"));
    }
    let mut list = false;
    let mut consume = false;
    let mut quiet = false;
    let mut exit_at_end = false;
    let mut broker = None;
    let mut topic = None;
    let mut it = args.iter();
    let refused = |other: &str| {
        Fail::new(
            1,
            format!(
                "rehearse-world kcat: only `kcat -L -b HOST:PORT [-m N]` and `kcat -C -b HOST:PORT -t TOPIC [-o beginning|end|N] [-c N] -e` are stood in, not {other}"
            ),
        )
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "-L" => list = true,
            "-C" => consume = true,
            "-V" => {
                println!(
                    "kcat - Apache Kafka producer and consumer tool\nkcat version 1.7.1 (rehearsal stand-in)"
                );
                return Ok(0);
            }
            "-q" => quiet = true,
            "-J" => {}
            "-e" => exit_at_end = true,
            "-b" => broker = it.next().cloned(),
            "-t" => topic = it.next().cloned(),
            "-m" => {
                it.next();
            }
            "-o" => {
                let o = it.next().map_or("", String::as_str);
                let number = o.strip_prefix('-').unwrap_or(o);
                if !(o == "beginning"
                    || o == "end"
                    || (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())))
                {
                    return Err(refused(&format!("-o {o}")));
                }
            }
            "-c" => {
                let c = it.next().map_or("", String::as_str);
                if c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Fail::new(1, format!("%  ERROR: Invalid value for -c: {c}")));
                }
            }
            other => return Err(refused(other)),
        }
    }
    if list == consume {
        return Err(Fail::new(1, "Error: Must specify a mode (-C, -P, -L, -Q)"));
    }
    let Some(broker) = broker else {
        return Err(Fail::new(1, "%  ERROR: No brokers configured (-b)"));
    };
    if consume {
        let Some(topic) = topic else {
            return Err(Fail::new(1, "%  ERROR: -t <topic> missing"));
        };
        if !exit_at_end {
            return Err(refused(
                "-C without -e (kcat would wait for messages forever)",
            ));
        }
        return consume_topic(&broker, &topic, quiet);
    }
    let (host, port, api, brokers) = reach(&broker)?;
    let host = host.as_str();
    let from = if brokers.iter().any(|b| b.3 == u64::from(port)) {
        brokers
            .iter()
            .find(|b| b.3 == u64::from(port))
            .map_or(-1, |b| b.0 as i64)
    } else {
        -1
    };
    println!(
        "Metadata for all topics (from broker {from}: {host}:{port}/{}):",
        if from < 0 {
            "bootstrap".to_string()
        } else {
            from.to_string()
        }
    );
    println!(" {} brokers:", brokers.len());
    for (i, (id, h, p, _)) in brokers.iter().enumerate() {
        let controller = if i == 0 { " (controller)" } else { "" };
        println!("  broker {id} at {h}:{p}{controller}");
    }
    let topics = topics(&api);
    println!(" {} topics:", topics.len());
    for (name, partitions) in topics {
        println!("  topic \"{name}\" with {partitions} partitions:");
    }
    Ok(0)
}
