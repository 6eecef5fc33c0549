//! The end-to-end rehearsal (issue 14, item 3): the generated deploy and
//! maintenance workflows run in the runner against the whole fake world —
//! the machine's Terraform with the hcloud provider stand-in from a
//! filesystem mirror, the hcloud CLI stand-in (strict) served as the CLI's
//! release, servers booting their `user_data` in sandboxes, ssh, kubectl and
//! helm over the fake Kubernetes API.
//!
//! Each scenario starts from a clean project: `topogen build` of the
//! repository's `cluster.kdl` in a scratch directory (so the workflows, the
//! Terraform module, the tfvars and the cloud-init are this build's). Every
//! expected value comes from topogen's own output (`topogen show --format
//! json`, the generated files), never from parsing `cluster.kdl` here.
//!
//! Needs: root (the world's namespaces), the machine's `terraform`, the
//! topogen binary (`TOPOGEN_BIN`, else the repository's `target/debug/topogen`)
//! and the hcloud stand-in's binaries (`HCLOUD_STANDIN_DIR`, else
//! `tests/hcloud-standin/target/debug`); `scripts/rehearse.sh` builds them.
//!
//! Terraform 1.11 is installed and `cluster.kdl` pins `>= 1.13`: the scratch
//! module gets an `override.tf` relaxing only `required_version` (as the
//! closed loop does).
#![allow(clippy::too_many_lines)]

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::{
    Project, assert_argocd_deployed, assert_each_job, assert_failed_and_cleaned_up, assert_logged,
    assert_no_secret_in, assert_outcome, by_name, cloud_init_array, find_in, find_object,
    generated_strimzi, names, primary_ip_names, primary_ips, results, taints,
};
use rehearsal::run::{Event, Outcome, Report};

/// Every job of a deploy ran in order and succeeded (cleanup skipped).
fn assert_every_job_succeeded(report: &Report) {
    let r = results(report);
    let cleanup = |job: &str| job == "cleanup_on_failure" || job.starts_with("cleanup_on_failure/");
    // the job that failed first, with the log: cleanup running only says that one did
    for (job, result) in r.iter().filter(|(job, _)| !cleanup(job)) {
        assert_eq!(*result, Outcome::Success, "{job}: {:#?}", report.log);
    }
    for (job, result) in r.iter().filter(|(job, _)| cleanup(job)) {
        assert_eq!(*result, Outcome::Skipped, "{job}: {:#?}", report.log);
    }
    let order: Vec<&str> = report
        .jobs
        .iter()
        .map(|j| j.path.as_str())
        .filter(|j| !j.contains('/'))
        .collect();
    assert_eq!(
        order,
        [
            "verify_clean",
            "provision",
            "verify_cluster",
            "deploy_strimzi",
            "deploy_monitoring",
            "deploy_argocd",
            "verify_access",
            "cleanup_on_failure",
            "summary"
        ]
    );
    assert_eq!(report.result, Outcome::Success);
}

/// A clean project with `env` deployed (see `assert_deployed`), and the run.
fn deployed(env: &str) -> (Project, Report) {
    let p = Project::new();
    let report = p.deploy(env, "deploy");
    assert_deployed(&p, env, &report);
    (p, report)
}

/// Every job ran in order and succeeded; the fake cloud and the fake API hold
/// exactly the environment's topology.
fn assert_deployed(p: &Project, env: &str, report: &Report) {
    assert_every_job_succeeded(report);
    let show = p.show(env);
    let cloud = p.cloud();
    // Servers: exactly the topology's, each with its type and private IP.
    let nodes = show["nodes"].as_array().unwrap();
    let want: BTreeSet<String> = nodes
        .iter()
        .map(|n| n["server"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names(&cloud, "servers"), want);
    let servers = by_name(&cloud, "servers");
    // Primary IPs: the tfvars' (the provision workflow creates them by
    // name), each attached to its node; every other public IPv4 is one the
    // cloud made with its server (auto-deleted with it).
    let primary = by_name(&cloud, "primary_ips");
    let named = primary_ips(p, env);
    let holders: BTreeSet<String> = nodes
        .iter()
        .filter(|n| n["primary_ip"] == true)
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(named.keys().cloned().collect::<BTreeSet<_>>(), holders);
    for (node, name) in &named {
        let n = nodes.iter().find(|n| n["name"] == node.as_str()).unwrap();
        let server = servers[n["server"].as_str().unwrap()];
        let ip = primary
            .get(name.as_str())
            .unwrap_or_else(|| panic!("no Primary IP {name}"));
        assert_eq!(ip["assignee_id"], server["id"], "{name}");
        assert_eq!(server["public_net"]["ipv4"]["ip"], ip["ip"]);
        assert_eq!(ip["labels"]["environment"], env);
        assert_eq!(ip["auto_delete"], false, "{name}");
    }
    for (name, ip) in &primary {
        if !named.values().any(|n| n == name) {
            assert_eq!(ip["auto_delete"], true, "{name}");
        }
    }
    for n in nodes {
        let s = servers[n["server"].as_str().unwrap()];
        assert_eq!(s["server_type"], n["server_type"], "{}", n["server"]);
        assert_eq!(
            s["private_net"][0]["ip"], n["private_ip"],
            "{}",
            n["server"]
        );
    }
    // The API: the nodes registered by executing cloud-init, with the pool's
    // labels and the taints its cloud-init passes.
    let control = nodes.iter().find(|n| n["role"] == "server").unwrap()["server"]
        .as_str()
        .unwrap();
    let api = p.api(control);
    let api_nodes = by_name(&api, "nodes");
    assert_eq!(
        api_nodes
            .keys()
            .map(|k| k.to_string())
            .collect::<BTreeSet<_>>(),
        want
    );
    for n in nodes {
        let server = n["server"].as_str().unwrap();
        let got = api_nodes[server];
        assert_eq!(got["labels"], n["labels"], "{server}");
        assert_eq!(got["internal_ip"], n["private_ip"], "{server}");
        let cloud_init = p.generated(&format!(
            "cloud-init/{env}/{}.yaml",
            n["pool"].as_str().unwrap()
        ));
        let taints = taints(got);
        assert_eq!(
            taints,
            cloud_init_array(&cloud_init, "NODE_TAINTS"),
            "{server}"
        );
    }
    // Strimzi: the generated node pools and Kafka, applied, Ready.
    let objects = api["objects"].as_array().unwrap();
    let find = |kind: &str, name: &str| find_object(objects, kind, name);
    let mut pools = 0;
    let mut topics = 0;
    for doc in generated_strimzi(p, env) {
        let kind = doc["kind"].as_str().unwrap();
        let name = doc["metadata"]["name"].as_str().unwrap();
        let got = find(kind, name);
        if kind == "KafkaNodePool" {
            pools += 1;
            assert_eq!(
                got["spec"]["replicas"].as_u64(),
                doc["spec"]["replicas"].as_u64(),
                "{name}"
            );
            let roles: Vec<&str> = doc["spec"]["roles"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert_eq!(got["spec"]["roles"], serde_json::json!(roles), "{name}");
        }
        if kind == "Kafka" || kind == "KafkaTopic" {
            assert_eq!(got["status"]["conditions"][0]["type"], "Ready", "{name}");
            assert_eq!(
                got["status"]["conditions"][0]["status"], "True",
                "{kind}/{name}: {}",
                got["status"]["conditions"][0]["message"]
            );
        }
        if kind == "KafkaTopic" {
            topics += 1;
            assert_eq!(
                got["spec"],
                serde_json::to_value(&doc["spec"]).unwrap(),
                "{name}"
            );
        }
    }
    // every declared topic (the bundled cluster declares some) was applied
    assert!(topics > 0);
    assert_eq!(
        topics,
        objects.iter().filter(|o| o["kind"] == "KafkaTopic").count()
    );
    assert_eq!(
        pools,
        objects
            .iter()
            .filter(|o| o["kind"] == "KafkaNodePool")
            .count()
    );
    assert!(pools > 0);
    // ArgoCD: the instance Available, the repository secret, the bootstrap
    // Application on the environment's overlay.
    assert_argocd_deployed(objects, "admin-password-value");
    // The registry pull secret in each namespace cluster.kdl declares.
    let pull = objects
        .iter()
        .filter(|o| o["kind"] == "Secret" && o["metadata"]["name"] == "ghcr-secret")
        .map(|o| o["metadata"]["namespace"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(pull, ["ingestion-alpaca"]);
    let app = find("Application", "bootstrap");
    let step =
        fs::read_to_string(p.project(".github/workflows/03-reusable-deploy-argocd.yml")).unwrap();
    let overlay = app["spec"]["source"]["path"].as_str().unwrap();
    assert!(
        step.contains(&format!("overlay={overlay}\n")),
        "the Application's overlay {overlay} is not the generated one"
    );
    // Secrets never reach the log or the summary.
    assert_no_secret_in(p, report);
}

/// The monitoring stack of cluster.kdl was installed at its pinned chart
/// versions with the declared retention and volume, its CRDs were
/// established before the GitOps bootstrap, and the verify job passed.
fn assert_monitoring_before_gitops(p: &Project, control: &str, env: &str, report: &Report) {
    let api = p.api(control);
    let pin = |chart: &str| {
        p.generated(&format!("pins/{env}/{chart}.version"))
            .trim()
            .to_string()
    };
    let releases = api["releases"].as_array().unwrap();
    let release = |name: &str| {
        releases
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no release {name}: {releases:#?}"))
    };
    let prom = release("prometheus-operator");
    assert_eq!(prom["chart"], "kube-prometheus-stack");
    assert_eq!(prom["namespace"], "monitoring");
    assert_eq!(
        prom["version"].as_str().unwrap(),
        pin("kube-prometheus-stack")
    );
    let sets: Vec<&str> = prom["set"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    for set in [
        "grafana.enabled=false",
        "prometheus.prometheusSpec.retention=30d",
        "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage=20Gi",
    ] {
        assert!(sets.contains(&set), "{set}: {sets:?}");
    }
    let grafana = release("grafana-operator");
    assert_eq!(
        grafana["version"].as_str().unwrap(),
        pin("grafana-operator")
    );
    // Helm installed the CRDs before the Application that syncs the config
    // repository (whose ServiceMonitors and Grafanas need them) was applied.
    let log = api["log"].as_array().unwrap();
    let at = |pred: &dyn Fn(&serde_json::Value) -> bool| log.iter().position(pred);
    let monitoring = at(&|e| e["verb"] == "helm-install" && e["name"] == "grafana-operator")
        .expect("grafana-operator installed");
    let bootstrap =
        at(&|e| e["verb"] == "apply" && (e["kind"] == "ArgoCD" || e["kind"] == "Application"))
            .expect("the bootstrap Application applied");
    assert!(monitoring < bootstrap, "{log:#?}");
    for crd in [
        "prometheuses.monitoring.coreos.com",
        "servicemonitors.monitoring.coreos.com",
        "grafanas.grafana.integreatly.org",
    ] {
        assert!(
            api["objects"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["kind"] == "CustomResourceDefinition" && o["metadata"]["name"] == crd),
            "{crd}"
        );
    }
    assert_logged(
        report,
        "monitoring in monitoring: operators Available, 3 CRDs established",
    );
}

#[test]
fn deploy_dev_from_a_clean_project() {
    let (p, report) = deployed("dev");
    let show = p.show("dev");
    let cloud = p.cloud();
    let control = find_in(&show, "nodes", "role", "server")["server"].clone();
    let control_ip = cloud["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == control)
        .unwrap()["public_net"]["ipv4"]["ip"]
        .as_str()
        .unwrap()
        .to_string();
    // verify-cluster saw CoreDNS and Traefik ready; verify-access reached the
    // API, Traefik's route to ArgoCD, and Kafka's metadata with kcat through
    // the bootstrap and through every broker's advertised address.
    for ready in ["CoreDNS is ready", "Traefik is ready"] {
        assert!(report.logged(ready), "{ready}: {:#?}", report.log);
    }
    assert_logged(
        &report,
        &format!("Kubernetes API answers at https://{control_ip}:6443/"),
    );
    assert_logged(
        &report,
        &format!("ArgoCD UI answers at https://{control_ip}:30443/"),
    );
    for (id, port) in [(0, 30002), (1, 30003), (2, 30004)] {
        let line = format!("broker {id} answers at its advertised address ");
        assert!(
            report
                .log
                .iter()
                .any(|l| l.contains(&line) && l.trim_end().ends_with(&format!(":{port}"))),
            "{line}:{port}: {:#?}",
            report.log
        );
    }
    assert_monitoring_before_gitops(&p, control.as_str().unwrap(), "dev", &report);
    assert!(
        report
            .summary
            .contains(&format!("ArgoCD UI: https://{control_ip}:30443")),
        "{}",
        report.summary
    );
}

#[test]
fn an_agent_that_never_joins_fails_the_run_and_cleanup_keeps_the_primary_ips() {
    let p = Project::new();
    // A defect in the worker's cloud-init: it never writes its marker.
    let file = p.project("generated/cloud-init/dev/worker.yaml");
    let text = fs::read_to_string(&file).unwrap();
    let broken = text.replace(
        "> /root/k3s-agent-ready.txt",
        "> /root/k3s-agent-joined.txt",
    );
    assert_ne!(broken, text, "update this scenario: the marker moved");
    fs::write(&file, broken).unwrap();
    let report = p.deploy("dev", "deploy");
    let r = results(&report);
    assert_eq!(r["verify_clean"], Outcome::Success, "{:#?}", report.log);
    assert_eq!(r["provision"], Outcome::Failure);
    assert_each_job(
        &report,
        &[
            "verify_cluster",
            "deploy_strimzi",
            "deploy_argocd",
            "verify_access",
        ],
        Outcome::Skipped,
    );
    assert_logged(&report, "/root/k3s-agent-ready.txt did not appear on");
    assert_eq!(r["summary"], Outcome::Success);
    assert_failed_and_cleaned_up(&p, &report, "| provision | failure |");
    let cloud = p.cloud();
    for ip in cloud["primary_ips"].as_array().unwrap() {
        assert!(ip["assignee_id"].is_null(), "{ip}");
    }
}

#[test]
fn deploy_when_servers_exist_fails_at_verify_clean_and_destroys_nothing() {
    let p = Project::new();
    p.deploy_ok("dev", "first");
    let before = p.cloud();
    let again = p.deploy("dev", "again");
    let r = results(&again);
    assert_eq!(r["verify_clean"], Outcome::Failure);
    assert_logged(&again, "environment dev still has servers");
    assert_each_job(
        &again,
        &[
            "provision",
            "verify_cluster",
            "deploy_strimzi",
            "deploy_argocd",
            "verify_access",
            "cleanup_on_failure",
        ],
        Outcome::Skipped,
    );
    assert_eq!(again.result, Outcome::Failure);
    // The summary names no endpoint without an address.
    assert!(
        again.summary.contains("none: provision skipped") && !again.summary.contains("https://:"),
        "{}",
        again.summary
    );
    assert_eq!(p.cloud(), before, "the second run changed the cloud");

    // Maintenance destroy-cluster: the servers go, the Primary IPs stay.
    p.maintenance_ok("dev", "destroy-cluster", "destroy");
    let cloud = p.cloud();
    assert_eq!(names(&cloud, "servers"), BTreeSet::new());
    assert_eq!(names(&cloud, "networks"), BTreeSet::new());
    // The project's SSH key stays too (the next deploy of any environment uses it).
    assert_eq!(names(&cloud, "ssh_keys"), ssh_key_name(&p, "dev"));
    assert_eq!(names(&cloud, "primary_ips"), primary_ip_names(&p, "dev"));
    // And the environment is clean again.
    let check = p.maintenance_ok("dev", "check-clean", "check");
    assert_logged(&check, "environment dev has no servers");
}

#[test]
fn deploy_prod_the_nightly_schedule_spares_it_and_destroy_all_removes_its_primary_ips() {
    let (p, report) = deployed("prod");
    // Its own network, apart from dev's.
    let show = p.show("prod");
    let cloud = p.cloud();
    let networks = cloud["networks"].as_array().unwrap();
    assert_eq!(networks.len(), 1);
    assert_eq!(networks[0]["ip_range"], show["network"]["cidr"]);
    assert_ne!(show["network"]["cidr"], p.show("dev")["network"]["cidr"]);

    // The 23:30 schedule destroys dev only: prod stays whole. (dev beside
    // prod cannot be deployed in one project: see the note at the end.)
    let prod_servers = names(&cloud, "servers");
    let nightly = p.run("hcloud-maintenance.yml", Event::Schedule(None), "nightly");
    assert_outcome(&nightly, Outcome::Success);
    assert_logged(&nightly, "=== destroy-cluster: dev");
    assert!(!nightly.logged("=== destroy-cluster: prod"));
    assert_eq!(p.cloud(), cloud, "the nightly run touched prod");
    assert_eq!(names(&p.cloud(), "servers"), prod_servers);

    // destroy-all prod: its servers and its Primary IPs too; dev's stay.
    let all = p.maintenance_ok("prod", "destroy-all", "destroy-all");
    assert_eq!(
        nightly.concurrency,
        vec!["k3s-trading-dev-infra".to_string()]
    );
    assert_eq!(all.concurrency, vec!["k3s-trading-prod-infra".to_string()]);
    assert_eq!(report.concurrency[0], "k3s-trading-prod-infra");
    let cloud = p.cloud();
    assert_eq!(names(&cloud, "servers"), BTreeSet::new());
    assert_eq!(names(&cloud, "primary_ips"), BTreeSet::new());
    assert_eq!(names(&cloud, "networks"), BTreeSet::new());
    assert_eq!(
        names(&cloud, "ssh_keys"),
        BTreeSet::new(),
        "destroy-all removes the key"
    );
}

/// The project's deploy SSH key, as `topogen show` names it.
fn ssh_key_name(p: &Project, env: &str) -> BTreeSet<String> {
    [p.show(env)["ssh_key"].as_str().unwrap().to_string()].into()
}

/// The team's setup: dev and prod in ONE Hetzner project. Both deploys
/// succeed, sharing the one deploy key the first provision uploaded; the
/// nightly destroy of dev spares prod and the key; destroy-all prod removes
/// prod's Primary IPs and the key, and dev's Primary IPs stay.
#[test]
fn deploy_dev_then_prod_into_one_project() {
    let p = Project::new();
    let dev = p.deploy("dev", "deploy-dev");
    assert_every_job_succeeded(&dev);
    let prod = p.deploy("prod", "deploy-prod");
    assert_every_job_succeeded(&prod);
    assert_logged(&prod, "reusing SSH key");

    let cloud = p.cloud();
    let servers_of = |env: &str| -> BTreeSet<String> {
        p.show(env)["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["server"].as_str().unwrap().to_string())
            .collect()
    };
    let both: BTreeSet<String> = servers_of("dev")
        .union(&servers_of("prod"))
        .cloned()
        .collect();
    assert_eq!(names(&cloud, "servers"), both);
    assert_eq!(names(&cloud, "ssh_keys"), ssh_key_name(&p, "prod"));
    let key = cloud["ssh_keys"][0]["id"].clone();
    for s in cloud["servers"].as_array().unwrap() {
        assert_eq!(s["ssh_keys"], serde_json::json!([key]), "{}", s["name"]);
    }
    assert_eq!(cloud["networks"].as_array().unwrap().len(), 2);

    let nightly = p.run("hcloud-maintenance.yml", Event::Schedule(None), "nightly");
    assert_outcome(&nightly, Outcome::Success);
    let cloud = p.cloud();
    assert_eq!(names(&cloud, "servers"), servers_of("prod"));
    assert_eq!(names(&cloud, "ssh_keys"), ssh_key_name(&p, "prod"));

    p.maintenance_ok("prod", "destroy-all", "destroy-all");
    let cloud = p.cloud();
    assert_eq!(names(&cloud, "servers"), BTreeSet::new());
    assert_eq!(names(&cloud, "ssh_keys"), BTreeSet::new());
    assert_eq!(names(&cloud, "primary_ips"), primary_ip_names(&p, "dev"));
}

#[test]
fn a_rejected_production_approval_stops_the_deploy_before_anything_is_created() {
    let p = Project::new();
    let report = p.deploy_rejected("prod", "production", "rejected");
    let provision = report.job("provision/provision").unwrap();
    assert_eq!(provision.environment.as_deref(), Some("production"));
    assert_eq!(provision.result, Outcome::Failure, "{:#?}", report.log);
    assert!(provision.steps.is_empty(), "a step ran before the approval");
    assert_logged(
        &report,
        "deployment to environment `production` was rejected by a reviewer",
    );
    // no Primary IP, no server, no network: nothing ever wrote the fake
    // cloud's state, and Terraform never ran
    assert!(!p.path("cloud.json").exists(), "the cloud was touched");
}

/// The operations workflows generated from the topology, dispatched by hand
/// against a deployed dev: each finds the control plane by its server name
/// (before the deploy there is none, and the run says so), then verifies the
/// monitoring stack, lists a namespace's apps, or tails an app's logs; the
/// topics workflow finds the Kafka server by its name and reads a declared
/// topic with kcat through the bootstrap NodePort.
#[test]
fn operations_workflows_find_the_cluster_and_read_it() {
    let p = Project::new();
    let dispatch = |workflow: &str, inputs: &[(&str, &str)], run: &str| {
        p.run(workflow, common::dispatch(inputs), run)
    };
    let early = dispatch(
        "verify-monitoring-stack.yml",
        &[("environment", "dev")],
        "verify-monitoring-before-deploy",
    );
    assert_eq!(early.result, Outcome::Failure);
    assert_logged(&early, "is dev deployed? (run the deploy workflow)");

    p.deploy_ok("dev", "deploy");
    let show = p.show("dev");
    let control = find_in(&show, "nodes", "role", "server")["server"]
        .as_str()
        .unwrap()
        .to_string();

    let verify = dispatch(
        "verify-monitoring-stack.yml",
        &[("environment", "dev")],
        "verify-monitoring",
    );
    assert_outcome(&verify, Outcome::Success);
    assert_logged(&verify, &format!("control plane {control} at"));
    assert_logged(
        &verify,
        "monitoring in monitoring: operators Available, 3 CRDs established",
    );

    let list = dispatch(
        "view-app-logs.yml",
        &[
            ("environment", "dev"),
            ("action", "list"),
            ("namespace", "kafka"),
        ],
        "list-kafka",
    );
    assert_outcome(&list, Outcome::Success);
    assert_logged(&list, "strimzi-cluster-operator");

    // An app the GitOps repository would run (the fake API runs no ArgoCD
    // sync): a Deployment labelled app=alpaca-ingest.
    let api_file = p.path(&format!("world/api/{control}.json"));
    let mut api: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&api_file).unwrap()).unwrap();
    api["objects"].as_array_mut().unwrap().push(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "alpaca-ingest", "namespace": "ingestion-alpaca", "labels": {"app": "alpaca-ingest"}},
        "spec": {"template": {"metadata": {"labels": {"app": "alpaca-ingest"}}, "spec": {}}}
    }));
    fs::write(&api_file, serde_json::to_string(&api).unwrap()).unwrap();
    let tail = dispatch(
        "view-app-logs.yml",
        &[
            ("environment", "dev"),
            ("action", "tail"),
            ("namespace", "ingestion-alpaca"),
            ("app", "alpaca-ingest"),
            ("lines", "50"),
        ],
        "tail-ingest",
    );
    assert_outcome(&tail, Outcome::Success);
    assert_logged(
        &tail,
        "[pod/alpaca-ingest-0/alpaca-ingest] rehearsal: alpaca-ingest is running in ingestion-alpaca",
    );
    // A selector smuggled in as the app is refused before kubectl runs.
    let widened = dispatch(
        "view-app-logs.yml",
        &[
            ("environment", "dev"),
            ("action", "tail"),
            ("namespace", "ingestion-alpaca"),
            ("app", "x,app!=y"),
        ],
        "tail-widened",
    );
    assert_eq!(widened.result, Outcome::Failure);
    assert_logged(&widened, "app must be the value of the pods' app label");
    // A namespace cluster.kdl does not name is not a choice.
    let refused = p.run_with(
        "view-app-logs.yml",
        common::dispatch(&[
            ("environment", "dev"),
            ("action", "list"),
            ("namespace", "kube-system"),
        ]),
        "list-kube-system",
        |_| {},
    );
    assert!(refused.is_err(), "kube-system was accepted");
    assert_no_secret_in(&p, &tail);

    // kafka-topics.yml: a declared topic, read through the public address
    // of the server holding Kafka's Primary IP at the bootstrap NodePort of
    // cluster.kdl (the world holds no messages: an empty read that succeeds).
    let kdl = fs::read_to_string(p.path("project/cluster.kdl")).unwrap();
    let topic = kdl
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("topic "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let bootstrap = kdl
        .split("bootstrap-node-port=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    let kafka_server = show["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["pool"] == "kafka" && n["primary_ip"] == true)
        .unwrap()["server"]
        .as_str()
        .unwrap()
        .to_string();
    let browse = |topic: &str, max: &str, run: &str| {
        dispatch(
            "kafka-topics.yml",
            &[
                ("environment", "dev"),
                ("topic", topic),
                ("offset", "earliest"),
                ("max_messages", max),
            ],
            run,
        )
    };
    let read = browse(&topic, "5", "browse-topic");
    assert_outcome(&read, Outcome::Success);
    let found = format!("Kafka server {kafka_server} at ");
    let ip = read
        .log
        .iter()
        .find_map(|l| l.split(&found).nth(1))
        .unwrap_or_else(|| panic!("{:#?}", read.log))
        .trim()
        .to_string();
    assert_logged(
        &read,
        &format!(
            "reading at most 5 messages of {topic} from the beginning through {ip}:{bootstrap}"
        ),
    );
    assert!(
        read.summary.contains(&format!("### {topic} in dev")),
        "{}",
        read.summary
    );
    // A count outside 1..1000 is refused before kcat runs.
    let too_many = browse(&topic, "1001", "browse-too-many");
    assert_eq!(too_many.result, Outcome::Failure);
    assert_logged(
        &too_many,
        "max_messages must be a whole number from 1 to 1000",
    );
    // The topic's KafkaTopic gone (deleted by hand): kcat fails as it does
    // for an unknown topic, and so does the run.
    let mut api: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&api_file).unwrap()).unwrap();
    api["objects"].as_array_mut().unwrap().retain(|o| {
        !(o["kind"] == "KafkaTopic" && o["spec"]["topicName"].as_str() == Some(topic.as_str()))
    });
    fs::write(&api_file, serde_json::to_string(&api).unwrap()).unwrap();
    let gone = browse(&topic, "5", "browse-gone");
    assert_eq!(gone.result, Outcome::Failure);
    assert_logged(
        &gone,
        &format!("Topic {topic} error: Broker: Unknown topic or partition"),
    );
    // A topic cluster.kdl does not declare is not a choice.
    let undeclared = p.run_with(
        "kafka-topics.yml",
        common::dispatch(&[
            ("environment", "dev"),
            ("topic", "__consumer_offsets"),
            ("offset", "earliest"),
            ("max_messages", "5"),
        ]),
        "browse-undeclared",
        |_| {},
    );
    assert!(undeclared.is_err(), "an undeclared topic was accepted");
}
