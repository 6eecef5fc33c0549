//! Cross-artifact consistency: one edit of cluster.kdl changes every artifact
//! the same way and leaves no trace of the old value anywhere in the output.

use std::collections::BTreeMap;

use topogen::emit::{Templates, plan};
use topogen::source::Source;

const REPO_KDL: &str = include_str!("../cluster.kdl");

fn build(text: &str) -> BTreeMap<String, String> {
    let c = topogen::compile(Source::new("cluster.kdl", text));
    let errors: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.severity == topogen::diag::Severity::Error)
        .map(|f| format!("{}: {}", f.code, f.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    plan(c.project.as_ref().unwrap(), &Templates::new(None).unwrap())
        .unwrap()
        .files
}

fn yaml(files: &BTreeMap<String, String>, path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} not produced")),
    )
    .unwrap()
}

#[test]
fn renaming_the_cluster_and_moving_it_leaves_no_trace() {
    let before = build(REPO_KDL);
    assert!(before.values().any(|t| t.contains("k3s-trading")));
    assert!(before.values().any(|t| t.contains("nbg1")));
    let edited = REPO_KDL
        .replace("cluster k3s-trading {", "cluster quant-lab {")
        .replace(
            "location=nbg1 datacenter=nbg1-dc3",
            "location=hel1 datacenter=hel1-dc2",
        );
    let after = build(&edited);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same files are produced"
    );
    for (path, text) in &after {
        for old in ["k3s-trading", "nbg1"] {
            assert!(!text.contains(old), "{path} still mentions `{old}`");
        }
    }
    let tf = &after["environments/dev.tfvars"];
    assert!(
        tf.contains("\"quant-lab\"") && tf.contains("\"hel1-dc2\""),
        "{tf}"
    );
}

#[test]
fn the_kafka_count_agrees_across_every_artifact() {
    for count in [3u32, 5] {
        let last_port = 30001 + count;
        let text = REPO_KDL
            .replace("count=3 range=kafka", &format!("count={count} range=kafka"))
            .replace(
                "port=\"30001-30004\"",
                &format!("port=\"30001-{last_port}\""),
            );
        let files = build(&text);
        for env in ["dev", "prod"] {
            let tf = &files[&format!("environments/{env}.tfvars")];
            let line = tf
                .lines()
                .find(|l| l.starts_with("kafka_node_count"))
                .expect("kafka_node_count");
            assert!(line.contains(&format!("= {count}")), "{line}");
            // the map node name -> IP, one `"kafka-i" = "…"` a line
            let ips: String = tf
                .lines()
                .skip_while(|l| !l.starts_with("kafka_private_ips"))
                .scan(false, |done, l| {
                    if *done {
                        return None;
                    }
                    *done = l.split('#').next().unwrap_or_default().contains('}');
                    Some(l.split('#').next().unwrap_or_default().to_owned())
                })
                .collect();
            assert_eq!(ips.matches('"').count() as u32, 4 * count, "{ips}");
            let pool = yaml(
                &files,
                &format!("k8s/{env}/strimzi/kafkanodepool-kafka.yaml"),
            );
            assert_eq!(pool["spec"]["replicas"].as_u64(), Some(u64::from(count)));
            let kafka = yaml(&files, &format!("k8s/{env}/strimzi/kafka.yaml"));
            let listeners = kafka["spec"]["kafka"]["listeners"].as_sequence().unwrap();
            let external = listeners
                .iter()
                .find(|l| l["type"] == "nodeport")
                .expect("external listener");
            let brokers = external["configuration"]["brokers"].as_sequence().unwrap();
            assert_eq!(brokers.len() as u32, count);
            assert_eq!(
                brokers.last().unwrap()["nodePort"].as_u64(),
                Some(u64::from(last_port))
            );
            let subnet = if env == "dev" { "10.0.1" } else { "10.1.1" };
            let last_ip = format!("{subnet}.{}", 20 + count - 1);
            assert!(ips.contains(&last_ip), "{ips}");
            assert!(
                files["TOPOLOGY.md"].contains(&last_ip),
                "TOPOLOGY.md lists {last_ip}"
            );
            let fw = tf.contains(&format!("\"30001-{last_port}\""));
            assert!(fw, "firewall rule follows the NodePorts");
        }
    }
}

#[test]
fn builds_are_deterministic() {
    assert_eq!(build(REPO_KDL), build(REPO_KDL));
}
