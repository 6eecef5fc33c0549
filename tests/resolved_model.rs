//! The resolved model (`model::resolve`) is where facts are derived, and every
//! artifact shows the same fact: a pool's `count` in the tfvars, the
//! KafkaNodePool and TOPOLOGY.md; the broker NodePorts and the metadata
//! version in the Kafka resource.

use std::collections::BTreeMap;
use std::path::Path;

use topogen::emit::{Templates, plan};
use topogen::model::Resolved;
use topogen::source::Source;

const EXAMPLES: &[(&str, &str)] = &[
    ("cluster.kdl", include_str!("../cluster.kdl")),
    ("minimal", include_str!("../examples/minimal/cluster.kdl")),
    ("large", include_str!("../examples/large/cluster.kdl")),
    ("starter", include_str!("../examples/starter/cluster.kdl")),
];

fn yaml(files: &BTreeMap<String, String>, path: &str) -> serde_yaml::Value {
    let text = files
        .get(path)
        .unwrap_or_else(|| panic!("{path} not produced"));
    serde_yaml::from_str(text).unwrap()
}

#[test]
fn every_artifact_shows_the_resolved_facts() {
    for (name, text) in EXAMPLES {
        let c = topogen::compile(Source::new("cluster.kdl", *text));
        let project = c.project.as_ref().unwrap();
        let files = plan(project, &Templates::new(None).unwrap()).unwrap().files;
        let docs = &files["TOPOLOGY.md"];
        for topo in &project.envs {
            let r = Resolved::new(topo);
            let env = &topo.env.name.value;
            let tfvars = &files[&format!("environments/{env}.tfvars")];
            for p in &r.pools {
                assert_eq!(p.nodes.len(), p.count.value as usize, "{name} {env}");
                assert!(
                    docs.contains(&format!("{} x{}\"]", p.server_type.value, p.count.value)),
                    "{name} {env}: TOPOLOGY.md lacks pool {}",
                    p.name.value
                );
                if p.server {
                    // the root module has one control-plane server
                    assert_eq!(p.count.value, 1, "{name} {env}");
                    continue;
                }
                // the tfvars line `<prefix>_node_count = N`, aligned by terraform fmt
                let line = tfvars
                    .lines()
                    .find(|l| l.starts_with(&format!("{}_node_count ", p.tf_prefix)))
                    .unwrap_or_else(|| panic!("{name} {env}: no count for {}", p.tf_prefix));
                let value = line.split('=').nth(1).unwrap().split('#').next().unwrap();
                assert_eq!(value.trim(), p.count.value.to_string(), "{name} {env}");
            }
            let Some(k) = &r.kafka else { continue };
            let dir = format!("k8s/{env}/strimzi");
            let kafka = yaml(&files, &format!("{dir}/kafka.yaml"));
            assert_eq!(
                kafka["spec"]["kafka"]["metadataVersion"].as_str(),
                Some(k.metadata_version.as_str()),
                "{name} {env}"
            );
            let broker_pool = &r.pools[k.broker_pool.unwrap()];
            let pool = yaml(
                &files,
                &format!("{dir}/kafkanodepool-{}.yaml", broker_pool.name.value),
            );
            assert_eq!(
                pool["spec"]["replicas"].as_u64(),
                Some(u64::from(k.brokers))
            );
            if let Some(ext) = &k.external {
                let listener = &kafka["spec"]["kafka"]["listeners"][ext.index as usize];
                let ports: Vec<u64> = listener["configuration"]["brokers"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|b| b["nodePort"].as_u64().unwrap())
                    .collect();
                let want: Vec<u64> = ext.brokers.iter().map(|b| u64::from(b.node_port)).collect();
                assert_eq!(ports, want, "{name} {env}");
                // the rules see the same broker ports
                assert!(
                    r.node_ports
                        .iter()
                        .any(|u| u.first == ext.brokers[0].node_port
                            && u.last == ext.brokers.last().unwrap().node_port),
                    "{name} {env}"
                );
            }
        }
    }
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn facts_are_not_derived_above_the_model() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(
        !src.join("emit/context.rs").exists(),
        "emitters build their own contexts from model::resolve"
    );
    let mut model = Vec::new();
    sources(&src.join("model"), &mut model);
    for (path, text) in &model {
        assert!(
            !text.contains("use minijinja") && !text.contains("minijinja::"),
            "{path}: the model knows nothing of templates"
        );
        assert!(!text.contains("crate::emit"), "{path} imports emit");
    }
    let mut readers = Vec::new();
    sources(&src.join("check"), &mut readers);
    let show = src.join("show.rs");
    readers.push((
        show.display().to_string(),
        std::fs::read_to_string(&show).unwrap(),
    ));
    for (path, text) in &readers {
        assert!(
            !text.contains("emit::"),
            "{path}: reads facts from model::resolve, not from an emitter"
        );
    }
}

/// `retire`: the pool's nodes are the first `count` indexes not retired, and
/// every artifact reads each node's index (its name, private IP, Primary IP,
/// Kafka node ID) from the resolved model.
#[test]
fn a_retired_index_is_skipped_everywhere_and_no_other_node_moves() {
    let text = include_str!("../cluster.kdl")
        .replacen(
            "pool kafka role=agent server-type=cx23 count=3 range=kafka {\n        labels role=kafka workload=mixed\n        primary-ip node=0",
            "pool kafka role=agent server-type=cx23 count=3 range=kafka {\n        labels role=kafka workload=mixed\n        primary-ip node=2\n        retire 1 reason=\"disk failure\"",
            1,
        )
        .replacen(
            "pool worker role=agent server-type=cx23 count=1 range=workers {",
            "pool worker role=agent server-type=cx23 count=2 range=workers {\n        retire 0 reason=\"replaced\"",
            1,
        );
    assert!(text.contains("retire 1") && text.contains("retire 0"));
    let c = topogen::compile(Source::new("cluster.kdl", text));
    assert!(!c.failed(false), "{:#?}", c.findings);
    let project = c.project.as_ref().unwrap();
    let files = plan(project, &Templates::new(None).unwrap()).unwrap().files;
    let tfvars = &files["environments/dev.tfvars"];
    let block = |name: &str| -> Vec<String> {
        tfvars
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{name} ")))
            .skip(1)
            .take_while(|l| *l != "}")
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    // node i keeps host `from + i`: kafka from=20, workers from=30
    assert_eq!(
        block("kafka_private_ips"),
        [
            r#""kafka-0" = "10.0.1.20""#,
            r#""kafka-2" = "10.0.1.22""#,
            r#""kafka-3" = "10.0.1.23""#
        ]
    );
    assert_eq!(
        block("worker_private_ips"),
        [r#""worker-1" = "10.0.1.31""#, r#""worker-2" = "10.0.1.32""#]
    );
    // `primary-ip node=2` is the node of index 2, not the third node
    assert!(block("primary_ips").contains(&r#""kafka-2" = "dev-k3s-trading-kafka-ip""#.to_owned()));
    // Kafka node ID = node index: Strimzi removes the retired one
    let pool = yaml(&files, "k8s/dev/strimzi/kafkanodepool-kafka.yaml");
    let ann = &pool["metadata"]["annotations"];
    assert_eq!(ann["strimzi.io/next-node-ids"].as_str(), Some("[0, 2-3]"));
    assert_eq!(ann["strimzi.io/remove-node-ids"].as_str(), Some("[1]"));
    assert_eq!(pool["spec"]["replicas"].as_u64(), Some(3));
    let kafka = yaml(&files, "k8s/dev/strimzi/kafka.yaml");
    let brokers: Vec<(u64, u64)> = kafka["spec"]["kafka"]["listeners"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|l| l["configuration"]["brokers"].as_sequence())
        .flatten()
        .map(|b| {
            (
                b["broker"].as_u64().unwrap(),
                b["nodePort"].as_u64().unwrap(),
            )
        })
        .collect();
    // IDs are the indexes; the NodePorts stay the consecutive run the firewall opens
    assert_eq!(brokers, [(0, 30002), (2, 30003), (3, 30004)]);
    // TOPOLOGY.md and the maintenance workflow name the same servers
    let docs = &files["TOPOLOGY.md"];
    assert!(docs.contains("| worker-2 | dev-k3s-trading-worker-2 |"));
    assert!(!docs.contains("| worker-0 |") && !docs.contains("| kafka-1 |"));
    let maint = files
        .iter()
        .find(|(p, _)| p.ends_with("hcloud-maintenance.yml"))
        .map(|(_, t)| t)
        .unwrap();
    assert!(
        maint.contains("dev-k3s-trading-kafka-3") && !maint.contains("dev-k3s-trading-kafka-1 ")
    );
    // the same in every environment that inherits the base's pools
    let prod = &files["environments/prod.tfvars"];
    assert!(prod.contains(r#""kafka-3" = "#) && !prod.contains(r#""kafka-1" = "#));
}
