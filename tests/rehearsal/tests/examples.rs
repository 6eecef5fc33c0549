//! The whole rehearsal for the bundled examples (issue 14, item 3: "the whole
//! rehearsal again for `examples/large` and `examples/minimal`"): each
//! environment deployed from a clean project by the generated deploy workflow
//! against the fake cloud and world, then destroyed by the generated
//! maintenance workflow.
//!
//! Every expected value is read from the files `topogen build` wrote — the
//! Terraform module's pools and name prefix with the environment's tfvars
//! (servers, types, private IPs, Primary IPs, network), the pools' cloud-init
//! (the labels and taints it passes to K3s), the Strimzi manifests — never
//! from `cluster.kdl` nor from `topogen show`: so a generated file that says
//! something the topology did not mean still fails here only if the world,
//! executing it, disagrees with the other generated files.
//!
//! Needs what `tests/scenarios.rs` needs (root, terraform, the binaries);
//! `scripts/rehearse.sh` builds them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use common::{
    Project, assert_no_secret_in, assert_outcome, by_name, cloud_init_array, generated_strimzi,
    names, primary_ips, repo_root, results, taints,
};
use rehearsal::run::{Outcome, Report};
use serde_json::Value;

/// One server the generated files imply.
#[derive(Debug)]
struct Server {
    pool: String,
    server_type: String,
    private_ip: String,
    /// `k3s-install.sh server` in its pool's cloud-init.
    control_plane: bool,
    labels: BTreeMap<String, String>,
    taints: Vec<String>,
}

/// What the generated files of one environment imply.
#[derive(Debug)]
struct Expected {
    /// server name → server
    servers: BTreeMap<String, Server>,
    /// server name → the Primary IP it holds (tfvars `primary_ips`)
    primary_ips: BTreeMap<String, String>,
    network: String,
}

/// The assignments of a generated tfvars file: strings, numbers and lists
/// of strings, one line or many (the strings of a list of objects are read as
/// a flat list); and the maps (`<pool>_private_ips`, `primary_ips`) as
/// `(key, value)` pairs in file order.
struct Tfvars {
    values: BTreeMap<String, Vec<String>>,
    maps: BTreeMap<String, Vec<(String, String)>>,
}

fn tfvars(text: &str) -> Tfvars {
    let string = regex::Regex::new(r#""([^"]*)""#).unwrap();
    let mut out = BTreeMap::new();
    let mut maps = BTreeMap::new();
    // no value here holds a `#`: what follows one is a comment
    let mut lines = text.lines().map(|l| l.split('#').next().unwrap().trim());
    while let Some(line) = lines.next() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = value.trim();
        let values = if value.starts_with('[') {
            let mut list = value.to_string();
            let open = |l: &str| l.matches('[').count() > l.matches(']').count();
            while open(&list) {
                list.push_str(lines.next().expect("a list without its `]`"));
            }
            string
                .captures_iter(&list)
                .map(|c| c[1].to_string())
                .collect()
        } else if value.starts_with('{') {
            // a map of strings, `"k" = "v"` a line (`{}` when empty)
            let mut pairs = Vec::new();
            if value != "{}" {
                for l in lines.by_ref() {
                    if l.starts_with('}') {
                        break;
                    }
                    let found: Vec<String> =
                        string.captures_iter(l).map(|c| c[1].to_string()).collect();
                    if let [k, v] = found.as_slice() {
                        pairs.push((k.clone(), v.clone()));
                    }
                }
            }
            maps.insert(key.to_string(), pairs);
            continue;
        } else {
            vec![value.trim_matches('"').to_string()]
        };
        out.insert(key.to_string(), values);
    }
    Tfvars { values: out, maps }
}

fn key_value_map(items: &[String]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("`{l}` is not KEY=VALUE"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Reads the generated module, tfvars and cloud-init of `env`.
fn expected(p: &Project, env: &str) -> Expected {
    let main = p.generated("terraform/main.tf");
    let Tfvars { values: vars, maps } = tfvars(&p.generated(&format!("environments/{env}.tfvars")));
    let var = |name: &str| -> &Vec<String> {
        vars.get(name)
            .unwrap_or_else(|| panic!("{env}.tfvars sets no {name}"))
    };
    let map = |name: &str| -> &Vec<(String, String)> {
        maps.get(name)
            .unwrap_or_else(|| panic!("{env}.tfvars sets no map {name}"))
    };
    // `prefix = "${var.environment}-${var.cluster_name}"`
    let prefix_line = main
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("prefix"))
        .expect("the module's locals name a prefix");
    let mut prefix = prefix_line
        .split_once('=')
        .unwrap()
        .1
        .trim()
        .trim_matches('"')
        .to_string();
    while let Some(start) = prefix.find("${var.") {
        let end = start + prefix[start..].find('}').unwrap();
        let name = &prefix[start + 6..end];
        prefix.replace_range(start..=end, &var(name)[0]);
    }
    assert!(!prefix.contains("${"), "{prefix_line}");
    // `"kafka" = { role = "kafka", single = false, server_type = var.X, private_ips = var.Y }`
    // (Y: node name -> private IP), or the control plane's
    // `… private_ips = { "control" = var.Z } }`
    let pool_re = regex::Regex::new(
        r#"^\s*"([a-z0-9-]+)"\s*=\s*\{ role = "[^"]*", single = (true|false), server_type = var\.(\w+), private_ips = (?:\{ "([a-z0-9-]+)" = var\.(\w+) \}|var\.(\w+)) \}$"#,
    )
    .unwrap();
    let mut servers = BTreeMap::new();
    let mut node_server = BTreeMap::new();
    for caps in main.lines().filter_map(|l| pool_re.captures(l)) {
        let pool = &caps[1];
        let server_type = var(&caps[3])[0].clone();
        // (node name, private IP): the module keys its servers by the map's names
        let ips: Vec<(String, String)> = match (caps.get(4), caps.get(5), caps.get(6)) {
            (Some(node), Some(ip), _) => {
                vec![(node.as_str().to_owned(), var(ip.as_str())[0].clone())]
            }
            (_, _, Some(m)) => map(m.as_str()).clone(),
            _ => unreachable!("the pattern has one of both shapes"),
        };
        let cloud_init = p.generated(&format!("cloud-init/{env}/{pool}.yaml"));
        let control_plane = cloud_init.contains("sh /tmp/k3s-install.sh server");
        assert!(
            control_plane || cloud_init.contains("sh /tmp/k3s-install.sh agent"),
            "the cloud-init of pool {pool} installs neither a K3s server nor an agent"
        );
        let labels = key_value_map(&cloud_init_array(&cloud_init, "NODE_LABELS"));
        let taints = cloud_init_array(&cloud_init, "NODE_TAINTS");
        for (node, ip) in &ips {
            let node = node.clone();
            let name = format!("{prefix}-{node}");
            node_server.insert(node, name.clone());
            servers.insert(
                name,
                Server {
                    pool: pool.to_string(),
                    server_type: server_type.clone(),
                    private_ip: ip.clone(),
                    control_plane,
                    labels: labels.clone(),
                    taints: taints.clone(),
                },
            );
        }
    }
    assert!(!servers.is_empty(), "no pool read from the module's locals");
    let primary_ips = primary_ips(p, env)
        .into_iter()
        .map(|(node, ip)| {
            let server = node_server
                .get(&node)
                .unwrap_or_else(|| panic!("the Primary IP {ip} is for {node}, not a node"));
            (server.clone(), ip)
        })
        .collect();
    Expected {
        servers,
        primary_ips,
        network: var("network_cidr")[0].clone(),
    }
}

/// The job ids of a generated workflow, in file order.
fn jobs_of(p: &Project, workflow: &str) -> Vec<String> {
    let text = fs::read_to_string(p.project(&format!(".github/workflows/{workflow}"))).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    doc["jobs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

/// The deploy succeeded job by job, and the fake cloud and the fake API hold
/// exactly what the generated files imply.
fn assert_deployed(p: &Project, env: &str, report: &Report) {
    let want = expected(p, env);
    // Every job of the deploy workflow ran and succeeded, but the cleanup.
    let r = results(report);
    for job in jobs_of(p, "deploy-cluster.yml") {
        let got = r
            .get(job.as_str())
            .unwrap_or_else(|| panic!("job {job} did not run: {:#?}", report.log));
        let ok = if job == "cleanup_on_failure" {
            Outcome::Skipped
        } else {
            Outcome::Success
        };
        assert_eq!(*got, ok, "{env}: job {job}: {:#?}", report.log);
    }
    assert_eq!(report.result, Outcome::Success);

    let cloud = p.cloud();
    // Servers: exactly the module's nodes, with their type and private IP.
    assert_eq!(
        names(&cloud, "servers"),
        want.servers.keys().cloned().collect::<BTreeSet<_>>()
    );
    let servers = by_name(&cloud, "servers");
    for (name, s) in &want.servers {
        let got = servers[name.as_str()];
        assert_eq!(got["server_type"], s.server_type.as_str(), "{name}");
        assert_eq!(got["private_net"][0]["ip"], s.private_ip.as_str(), "{name}");
    }
    // The network: one, the tfvars' range.
    let networks = cloud["networks"].as_array().unwrap();
    assert_eq!(networks.len(), 1, "{networks:#?}");
    assert_eq!(networks[0]["ip_range"], want.network.as_str());
    // Primary IPs: exactly the tfvars', each attached to its node, kept
    // across destroys; any other public IPv4 went with its server.
    let primary = by_name(&cloud, "primary_ips");
    for (server, name) in &want.primary_ips {
        let ip = primary
            .get(name.as_str())
            .unwrap_or_else(|| panic!("no Primary IP {name}"));
        assert_eq!(ip["assignee_id"], servers[server.as_str()]["id"], "{name}");
        assert_eq!(
            servers[server.as_str()]["public_net"]["ipv4"]["ip"],
            ip["ip"]
        );
        assert_eq!(ip["auto_delete"], false, "{name}");
        assert_eq!(ip["labels"]["environment"], env, "{name}");
    }
    for (name, ip) in &primary {
        if !want.primary_ips.values().any(|n| n == name) {
            assert_eq!(ip["auto_delete"], true, "{name} is not in the tfvars");
        }
    }

    // The API: every server registered by executing its cloud-init, with the
    // labels and taints that cloud-init passes, at its private IP.
    let control: Vec<&String> = want
        .servers
        .iter()
        .filter(|(_, s)| s.control_plane)
        .map(|(n, _)| n)
        .collect();
    assert_eq!(control.len(), 1, "one K3s server: {control:?}");
    let api = p.api(control[0]);
    let nodes = by_name(&api, "nodes");
    assert_eq!(
        nodes.keys().map(|k| k.to_string()).collect::<BTreeSet<_>>(),
        want.servers.keys().cloned().collect::<BTreeSet<_>>()
    );
    for (name, s) in &want.servers {
        let got = nodes[name.as_str()];
        assert_eq!(
            got["labels"],
            serde_json::json!(s.labels),
            "{name} ({})",
            s.pool
        );
        assert_eq!(taints(got), s.taints, "{name} ({})", s.pool);
        assert_eq!(got["internal_ip"], s.private_ip.as_str(), "{name}");
    }

    // Strimzi: exactly the generated node pools (replicas, roles), and the
    // generated Kafka, Ready.
    let objects = api["objects"].as_array().unwrap();
    let mut pools = BTreeSet::new();
    let mut kafkas = 0;
    for doc in generated_strimzi(p, env) {
        let kind = doc["kind"].as_str().unwrap();
        let name = doc["metadata"]["name"].as_str().unwrap();
        let got = objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{env}: no {kind}/{name} in the API"));
        let spec: Value = serde_json::to_value(&doc["spec"]).unwrap();
        match kind {
            "KafkaNodePool" => {
                pools.insert(name.to_string());
                assert_eq!(got["spec"]["replicas"], spec["replicas"], "{name}");
                assert_eq!(got["spec"]["roles"], spec["roles"], "{name}");
            }
            "Kafka" => {
                kafkas += 1;
                let ready = got["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True");
                assert!(ready, "{env}: Kafka {name} is not Ready: {got:#}");
            }
            _ => {}
        }
    }
    assert_eq!(kafkas, 1, "{env}: one generated Kafka");
    assert!(!pools.is_empty(), "{env}: no generated KafkaNodePool");
    let applied: BTreeSet<String> = objects
        .iter()
        .filter(|o| o["kind"] == "KafkaNodePool")
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(applied, pools, "{env}: node pools in the API");

    // Secrets never reach the log or the summary.
    assert_no_secret_in(p, report);
}

/// The environments of the example's build (its tfvars files), sorted.
fn environments(p: &Project) -> Vec<String> {
    let mut envs: Vec<String> = fs::read_dir(p.project("generated/environments"))
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_suffix(".tfvars")
                .map(str::to_string)
        })
        .collect();
    envs.sort();
    envs
}

/// Deploy every environment of `example` in turn from a clean project, each
/// then destroyed: destroy-cluster (the Primary IPs stay), check-clean, and
/// destroy-all (the project is empty again).
fn rehearse_example(example: &str, want_envs: &[&str]) {
    let p = Project::with_config(&repo_root().join(format!("examples/{example}/cluster.kdl")));
    let envs = environments(&p);
    assert_eq!(envs, want_envs, "{example}: the environments of its build");
    for env in &envs {
        let report = p.deploy(env, &format!("deploy-{env}"));
        assert_deployed(&p, env, &report);
        let want = expected(&p, env);

        let destroy = p.maintenance(env, "destroy-cluster", &format!("destroy-{env}"));
        assert_outcome(&destroy, Outcome::Success);
        let cloud = p.cloud();
        assert_eq!(names(&cloud, "servers"), BTreeSet::new(), "{env}");
        assert_eq!(names(&cloud, "networks"), BTreeSet::new(), "{env}");
        assert_eq!(
            names(&cloud, "primary_ips"),
            want.primary_ips.values().cloned().collect::<BTreeSet<_>>(),
            "{env}: destroy-cluster keeps exactly the Primary IPs"
        );
        assert_eq!(
            names(&cloud, "ssh_keys"),
            [p.show(env)["ssh_key"].as_str().unwrap().to_string()].into(),
            "{env}: destroy-cluster keeps the project's SSH key"
        );
        let check = p.maintenance(env, "check-clean", &format!("check-{env}"));
        assert_outcome(&check, Outcome::Success);

        let all = p.maintenance(env, "destroy-all", &format!("destroy-all-{env}"));
        assert_outcome(&all, Outcome::Success);
        let cloud = p.cloud();
        for kind in [
            "servers",
            "networks",
            "firewalls",
            "ssh_keys",
            "primary_ips",
        ] {
            assert_eq!(names(&cloud, kind), BTreeSet::new(), "{env}: {kind} left");
        }
    }
}

#[test]
fn examples_minimal_deploys_and_destroys_every_environment() {
    assert!(Path::new(&repo_root().join("examples/minimal/cluster.kdl")).is_file());
    rehearse_example("minimal", &["dev"]);
}

#[test]
fn examples_large_deploys_and_destroys_every_environment() {
    rehearse_example("large", &["prod", "staging"]);
}
