//! The Terraform tfvars, cloud-init and version-pin emitters: snapshots for
//! the repository's `cluster.kdl` and the examples, today's values of the
//! hand-written tfvars, cross-file agreement, and injection resistance.
//!
//! Where the real tools are installed (`terraform`, `bash`, `shellcheck`),
//! the output is also checked with them: `terraform fmt` must leave every
//! tfvars file unchanged, and `bash -n` and `shellcheck` must accept every
//! setup script.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use topogen::diag::Severity;
use topogen::emit::{self, Templates};
use topogen::source::Source;

const REPO_KDL: &str = include_str!("../cluster.kdl");
const MINIMAL_KDL: &str = include_str!("../examples/minimal/cluster.kdl");
const LARGE_KDL: &str = include_str!("../examples/large/cluster.kdl");

/// Every file of the plan, after validation found no error.
fn build(text: &str) -> BTreeMap<String, String> {
    build_with(text, true)
}

/// Every file of the plan; with `strict`, validation errors fail the test.
fn build_with(text: &str, strict: bool) -> BTreeMap<String, String> {
    let compiled = topogen::compile(Source::new("cluster.kdl", text));
    if strict {
        let errors: Vec<_> = compiled
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{f:?}"))
            .collect();
        assert!(errors.is_empty(), "validation errors: {errors:#?}");
    }
    let project = compiled.project.expect("the file lowers to a project");
    let templates = Templates::new(None).expect("built-in templates load");
    emit::plan(&project, &templates).expect("renders").files
}

/// The files this test file owns: tfvars, cloud-init, pins.
fn mine(files: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    files
        .iter()
        .filter(|(p, _)| {
            p.starts_with("environments/") || p.starts_with("cloud-init/") || p.starts_with("pins/")
        })
        .map(|(p, c)| (p.clone(), c.clone()))
        .collect()
}

fn concat(files: &BTreeMap<String, String>, prefixes: &[&str]) -> String {
    let mut out = String::new();
    for (path, text) in files {
        if prefixes.iter().any(|p| path.starts_with(p)) {
            out.push_str(&format!("================ {path} ================\n{text}"));
        }
    }
    out
}

fn snapshot(input: &str, output: &str, text: &str) {
    snapshots::settings().bind(|| insta::assert_snapshot!(snapshots::name(input, output), text));
}

/// The value of a single-line tfvars attribute, comment stripped.
fn tfvar<'a>(tfvars: &'a str, name: &str) -> &'a str {
    for line in tfvars.lines() {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(value) = rest.strip_prefix("= ") {
            let value = match value.find(" #") {
                Some(i) if !value.starts_with('[') || value[..i].ends_with(']') => &value[..i],
                _ => value,
            };
            return value.trim_end();
        }
    }
    panic!("no attribute `{name}` in:\n{tfvars}");
}

/// The strings of a list attribute, single- or multi-line.
fn tf_list(tfvars: &str, name: &str) -> Vec<String> {
    tf_entries(tfvars, name)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// The entries of tfvars list or map `name`: `(None, value)` for a list item,
/// `(Some(key), value)` for a map entry (`"kafka-0" = "10.0.1.20"`), in order.
fn tf_entries(tfvars: &str, name: &str) -> Vec<(Option<String>, String)> {
    let start = tfvars
        .lines()
        .position(|l| l.starts_with(name) && l[name.len()..].trim_start().starts_with('='))
        .unwrap_or_else(|| panic!("no list or map `{name}`"));
    let first = tfvars.lines().nth(start).unwrap_or_default();
    let quoted = |code: &str| -> Vec<String> {
        code.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    if first
        .split('=')
        .nth(1)
        .unwrap_or_default()
        .trim()
        .starts_with('{')
    {
        let mut out = Vec::new();
        for line in tfvars.lines().skip(start) {
            let code = line.split(" #").next().unwrap_or_default();
            if let [k, v] = quoted(code).as_slice() {
                out.push((Some(k.clone()), v.clone()));
            }
            if code.trim_end().ends_with('}') {
                break;
            }
        }
        return out;
    }
    let mut text = String::new();
    for line in tfvars.lines().skip(start) {
        let code = line.split(" #").next().unwrap_or_default();
        text.push_str(code);
        if code.trim_end().ends_with(']') {
            break;
        }
    }
    quoted(&text).into_iter().map(|v| (None, v)).collect()
}

/// The setup script inside a cloud-init file, as cloud-init will write it.
fn script(cloud_init: &str) -> String {
    let doc: serde_yaml::Value = serde_yaml::from_str(cloud_init).expect("cloud-init is YAML");
    let files = doc["write_files"].as_sequence().expect("write_files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["permissions"].as_str(), Some("0755"));
    let path = files[0]["path"].as_str().expect("path").to_owned();
    let runcmd = doc["runcmd"].as_sequence().expect("runcmd");
    assert_eq!(
        runcmd[0][0].as_str(),
        Some(path.as_str()),
        "runcmd runs the script"
    );
    files[0]["content"].as_str().expect("content").to_owned()
}

fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/local/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `bash -n` and, where installed, `shellcheck` on a script; panics with the
/// tool's message when it rejects it.
fn bash_n(name: &str, script: &str) {
    run_on_stdin("bash", &["-n", "/dev/stdin"], name, script);
    run_on_stdin(
        "shellcheck",
        &["-s", "bash", "-S", "warning", "-"],
        name,
        script,
    );
}

fn run_on_stdin(program: &str, args: &[&str], name: &str, script: &str) {
    let Some(path) = tool(program) else {
        eprintln!("{program} not found: skipping it on {name}");
        return;
    };
    let out = Command::new(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(script.as_bytes())?;
            c.wait_with_output()
        })
        .expect("bash runs");
    assert_success(&out, &format!("{program} rejects {name}"));
}

/// A scratch directory, removed when the value drops.
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        // no random suffix: topogen masks a path that looks like a token
        .prefix(&format!("topogen-tfci-{name}-{}", std::process::id()))
        .rand_bytes(0)
        .tempdir()
        .unwrap()
}

// ---------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------

#[test]
fn snapshot_repository_cluster() {
    let files = build(REPO_KDL);
    snapshot("seed", "environments", &concat(&files, &["environments/"]));
    snapshot("seed", "cloud-init", &concat(&files, &["cloud-init/"]));
    snapshot("seed", "pins", &concat(&files, &["pins/"]));
    snapshot("seed", "terraform-module", &concat(&files, &["terraform/"]));
}

#[test]
fn snapshot_examples() {
    for (name, kdl) in [("minimal", MINIMAL_KDL), ("large", LARGE_KDL)] {
        let files = build(kdl);
        snapshot(
            name,
            "environments-and-pins",
            &concat(&files, &["environments/", "pins/"]),
        );
        snapshot(name, "terraform-module", &concat(&files, &["terraform/"]));
    }
}

/// `output terraform="tfvars-only"`, for a team with a root module of its own: no
/// `terraform/`, the tfvars in the shape of today's hand-written module (its
/// variables only, `<pool>_node_count = 0` for a pool it has and the topology does
/// not), and a provision workflow that runs the module at the repository root with
/// the Primary IP IDs as `TF_VAR_*`. README, "Bring your own module".
#[test]
fn tfvars_only_is_the_shape_for_a_module_of_your_own() {
    let own = |kdl: &str| {
        // the bundled file has an `output` node already; the examples do not
        let text = if kdl.contains("\n    output ") {
            kdl.replacen(
                "\n    output ",
                "\n    output terraform=\"tfvars-only\" ",
                1,
            )
        } else {
            kdl.replacen(
                "    hetzner ",
                "    output terraform=\"tfvars-only\"\n    hetzner ",
                1,
            )
        };
        assert_ne!(text, kdl);
        build(&text)
    };
    let module = build(REPO_KDL);
    let files = own(REPO_KDL);
    assert!(module.contains_key("terraform/main.tf"));
    assert!(
        !files.keys().any(|p| p.starts_with("terraform/")),
        "{:?}",
        files.keys()
    );
    for env in ["dev", "prod"] {
        let path = format!("environments/{env}.tfvars");
        let (t, m) = (&files[&path], &module[&path]);
        for name in ["network_zone", "image", "primary_ips"] {
            let set = |t: &str| t.lines().any(|l| l.split_whitespace().next() == Some(name));
            assert!(set(m), "{path}: the module reads {name}");
            assert!(!set(t), "{path}: today's module has no {name}");
        }
        // everything else is the same values
        for name in ["kafka_node_count", "subnet_cidr", "datacenter"] {
            assert_eq!(tfvar(t, name), tfvar(m, name), "{path}: {name}");
        }
        // the same addresses: a list for today's module (positions, `count`), a map
        // node name -> IP for the generated one (servers keyed by name)
        assert_eq!(
            tf_list(t, "kafka_private_ips"),
            tf_list(m, "kafka_private_ips"),
            "{path}"
        );
        assert!(
            tf_entries(t, "kafka_private_ips")
                .iter()
                .all(|(k, _)| k.is_none())
        );
        assert_eq!(
            tf_entries(m, "kafka_private_ips")
                .into_iter()
                .filter_map(|(k, _)| k)
                .collect::<Vec<_>>(),
            ["kafka-0", "kafka-1", "kafka-2"],
            "{path}"
        );
        assert!(t.contains("terraform apply -var-file=environments/"), "{t}");
    }
    let wf = ".github/workflows/01-reusable-provision-infra.yml";
    assert!(
        files[wf].contains("TF_VAR_control_plane_primary_ip_id"),
        "{}",
        files[wf]
    );
    assert!(files[wf].contains("\n          terraform init -input=false\n"));
    assert!(!files[wf].contains("-chdir="));
    assert!(module[wf].contains("terraform -chdir=\"$GENERATED/terraform\" \"$@\""));
    assert!(!module[wf].contains("TF_VAR_control_plane_primary_ip_id"));
    // a pool today's module has and the topology lacks is set to 0 (its default is 1)
    let minimal = own(MINIMAL_KDL);
    let t = &minimal["environments/dev.tfvars"];
    assert_eq!(tfvar(t, "kafka_node_count"), "0");
    // the generated module declares exactly the topology's pools: nothing to zero
    let t = &build(MINIMAL_KDL)["environments/dev.tfvars"];
    assert!(!t.contains("kafka_node_count"), "{t}");
}

// ---------------------------------------------------------------------------
// Today's values
// ---------------------------------------------------------------------------

#[test]
fn tfvars_hold_todays_values() {
    let files = build(REPO_KDL);
    for (env, net, sub, cp) in [
        ("dev", "10.0.0.0/16", "10.0.1.0/24", "10.0.1"),
        ("prod", "10.1.0.0/16", "10.1.1.0/24", "10.1.1"),
    ] {
        let t = &files[&format!("environments/{env}.tfvars")];
        assert!(t.starts_with("# generated by topogen from cluster.kdl; do not edit\n"));
        let want = [
            ("environment", format!("\"{env}\"")),
            ("cluster_name", "\"k3s-trading\"".into()),
            ("location", "\"nbg1\"".into()),
            ("datacenter", "\"nbg1-dc3\"".into()),
            ("control_plane_server_type", "\"cx23\"".into()),
            ("kafka_server_type", "\"cx23\"".into()),
            ("kafka_node_count", "3".into()),
            ("worker_server_type", "\"cx23\"".into()),
            ("worker_node_count", "1".into()),
            ("network_cidr", format!("\"{net}\"")),
            ("subnet_cidr", format!("\"{sub}\"")),
            ("control_plane_private_ip", format!("\"{cp}.10\"")),
            ("k3s_version", "\"v1.34.1+k3s1\"".into()),
            ("kafka_version", "\"4.0.0\"".into()),
        ];
        for (name, value) in &want {
            assert_eq!(tfvar(t, name), value, "{env}: {name}");
        }
        // Exactly the root module's tfvars variables plus the new ones.
        let mut names: Vec<&str> = t
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        names.sort_unstable();
        let mut expected: Vec<&str> = want.iter().map(|(n, _)| *n).collect();
        expected.extend(["kafka_private_ips", "worker_private_ips", "firewall_rules"]);
        // what the generated module (terraform/) reads besides
        expected.extend(["network_zone", "image", "primary_ips"]);
        expected.sort_unstable();
        assert_eq!(names, expected, "{env}");
        assert_eq!(
            tf_list(t, "kafka_private_ips"),
            [format!("{cp}.20"), format!("{cp}.21"), format!("{cp}.22")]
        );
        assert_eq!(tf_list(t, "worker_private_ips"), [format!("{cp}.30")]);
        // Server-type facts from the catalog.
        assert!(t.contains("= \"cx23\" # cx23: 2 vCPU, 4 GB RAM"), "{t}");
    }
}

#[test]
fn firewall_rules_come_from_the_topology() {
    let files = build(REPO_KDL);
    let t = &files["environments/dev.tfvars"];
    for (description, port) in [
        ("ssh", "22"),
        ("kube-api", "6443"),
        ("http", "30080"),
        ("https", "30443"),
        ("kafka", "30001-30004"),
    ] {
        let object = format!(
            "  {{\n    description = \"{description}\"\n    direction   = \"in\"\n    protocol    = \"tcp\"\n    port        = \"{port}\"\n    source_ips  = [\"0.0.0.0/0\", \"::/0\"]\n  }},\n"
        );
        assert!(t.contains(&object), "no rule {description}:\n{t}");
    }
    // Flannel runs over the private network: no VXLAN port to the internet.
    assert!(!t.contains("8472"));
}

// ---------------------------------------------------------------------------
// Cross-file agreement
// ---------------------------------------------------------------------------

/// Every agent pool's IP list has `<pool>_node_count` entries, consecutive
/// from the start of its range, and the cloud-init of the pool finds its address
/// in the same subnet.
fn assert_pools_agree(files: &BTreeMap<String, String>) {
    for (path, t) in files.iter().filter(|(p, _)| p.starts_with("environments/")) {
        let env = path
            .trim_start_matches("environments/")
            .trim_end_matches(".tfvars");
        let prefixes: Vec<&str> = t
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter_map(|n| n.strip_suffix("_node_count"))
            .collect();
        assert!(!prefixes.is_empty() || !t.contains("_private_ips"));
        for prefix in prefixes {
            let count: usize = tfvar(t, &format!("{prefix}_node_count")).parse().unwrap();
            let entries = tf_entries(t, &format!("{prefix}_private_ips"));
            let ips: Vec<String> = entries.iter().map(|(_, v)| v.clone()).collect();
            assert_eq!(ips.len(), count, "{path}: {prefix}");
            // a map is keyed by node name: `<pool>-<index>`, index = offset in the range
            let pool_name = prefix.replace('_', "-");
            for (k, _) in &entries {
                if let Some(k) = k {
                    let index = k.strip_prefix(&format!("{pool_name}-"));
                    assert!(
                        index.is_some_and(|i| i.parse::<u32>().is_ok()),
                        "{path}: {k} is no node of {pool_name}"
                    );
                }
            }
            if count == 0 {
                continue; // a root-module pool the topology does not have
            }
            let pool = prefix.replace('_', "-");
            let ci = &files[&format!("cloud-init/{env}/{pool}.yaml")];
            let subnet = tfvar(t, "subnet_cidr");
            let subnet = subnet.trim_matches('"');
            assert!(
                script(ci).contains(&format!("\nSUBNET={subnet}\n")),
                "{path}: {prefix} vs cloud-init"
            );
            let net: ipnet::Ipv4Net = subnet.parse().unwrap();
            for ip in &ips {
                let ip: std::net::Ipv4Addr = ip.trim_matches('"').parse().unwrap();
                assert!(net.contains(&ip), "{path}: {ip} outside {subnet}");
            }
        }
        let cp = tfvar(t, "control_plane_private_ip").trim_matches('"');
        for (p, c) in files
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("cloud-init/{env}/")))
        {
            let s = script(c);
            if s.contains("CONTROL_PLANE_IP=") {
                assert!(s.contains(&format!("\nCONTROL_PLANE_IP={cp}\n")), "{p}");
            } else {
                let net: ipnet::Ipv4Net =
                    tfvar(t, "subnet_cidr").trim_matches('"').parse().unwrap();
                assert!(
                    net.contains(&cp.parse::<std::net::Ipv4Addr>().unwrap()),
                    "{p}: server pool"
                );
                assert!(s.contains(&format!("\nSUBNET={net}\n")), "{p}: server pool");
            }
        }
    }
}

#[test]
fn ip_lists_agree_with_counts() {
    for kdl in [REPO_KDL, MINIMAL_KDL, LARGE_KDL] {
        assert_pools_agree(&build(kdl));
    }
}

#[test]
fn changing_the_kafka_count_changes_every_file_consistently() {
    let text = REPO_KDL
        .replace(
            "pool kafka role=agent server-type=cx23 count=3",
            "pool kafka role=agent server-type=cx23 count=5",
        )
        .replace("port=\"30001-30004\"", "port=\"30001-30006\"");
    assert_ne!(text, REPO_KDL);
    let before = build(REPO_KDL);
    let files = build(&text);
    for (env, p) in [("dev", "10.0.1"), ("prod", "10.1.1")] {
        let t = &files[&format!("environments/{env}.tfvars")];
        assert_eq!(tfvar(t, "kafka_node_count"), "5");
        let want: Vec<String> = (20..25).map(|h| format!("{p}.{h}")).collect();
        assert_eq!(tf_list(t, "kafka_private_ips"), want);
        // the pool's cloud-init names the subnet, not the pool's addresses:
        // scaling leaves every existing server's user_data as it was
        let path = format!("cloud-init/{env}/kafka.yaml");
        assert_eq!(files[&path], before[&path], "{path}");
    }
    assert_pools_agree(&files);
}

#[test]
fn changing_the_cluster_name_and_location_leaves_no_trace() {
    let text = REPO_KDL
        .replace("cluster k3s-trading", "cluster options-desk")
        .replace(
            "location=nbg1 datacenter=nbg1-dc3",
            "location=fsn1 datacenter=fsn1-dc14",
        );
    let files = mine(&build(&text));
    for (path, content) in &files {
        for old in ["k3s-trading", "nbg1"] {
            assert!(!content.contains(old), "`{old}` left in {path}");
        }
    }
    let t = &files["environments/prod.tfvars"];
    assert_eq!(tfvar(t, "cluster_name"), "\"options-desk\"");
    assert_eq!(tfvar(t, "datacenter"), "\"fsn1-dc14\"");
}

// ---------------------------------------------------------------------------
// cloud-init
// ---------------------------------------------------------------------------

#[test]
fn cloud_init_server_and_agents() {
    let files = build(REPO_KDL);
    let pools = files
        .keys()
        .filter(|p| p.starts_with("cloud-init/"))
        .count();
    assert_eq!(pools, 6, "3 pools × 2 environments");
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with("cloud-init/")) {
        assert!(text.starts_with("#cloud-config\n"), "{path}");
        let s = script(text);
        assert!(s.starts_with("#!/usr/bin/env bash\n"), "{path}");
        assert!(s.contains("\nset -euo pipefail\n"), "{path}");
        assert!(s.contains("\nK3S_VERSION=v1.34.1+k3s1\n"), "{path}");
        assert!(s.contains("INSTALL_K3S_VERSION=$K3S_VERSION "), "{path}");
        assert!(!s.contains("INSTALL_K3S_CHANNEL"), "{path}");
        assert!(s.contains("--flannel-iface \"$PRIVATE_IFACE\""), "{path}");
        assert!(s.contains("--node-ip \"$NODE_IP\""), "{path}");
        bash_n(path, &s);
    }
    let server = script(&files["cloud-init/dev/control.yaml"]);
    assert_contains_all(
        &server,
        "server",
        &[
            "--write-kubeconfig-mode 644",
            "--disable servicelb",
            "--disable traefik",
            "--tls-san \"$PUBLIC_IPV4\"",
            // K3s advertises --node-external-ip unless told otherwise (issue 15
            // item 5): the cluster must reach the API on the private address
            "--advertise-address \"$NODE_IP\"",
            "http://169.254.169.254/hetzner/v1/metadata",
            "\nNODE_LABELS=(role=control-plane)\n",
            "\nHELM_VERSION=v3.19.0\n",
            "\nTRAEFIK_CHART_VERSION=37.1.1\n",
            "\nHTTP_NODE_PORT=30080\n",
            "\nHTTPS_NODE_PORT=30443\n",
            "--set service.type=NodePort",
            "/root/k3s-ready.txt",
        ],
    );
    assert!(!server.contains("k3s-agent-ready"));
    let kafka = script(&files["cloud-init/prod/kafka.yaml"]);
    assert_contains_all(
        &kafka,
        "kafka agent",
        &[
            "\nCONTROL_PLANE_IP=10.1.1.10\n",
            "\nNODE_LABELS=(role=kafka workload=mixed)\n",
            "K3S_URL=\"https://$CONTROL_PLANE_IP:$K3S_API_PORT\"",
            "/tmp/k3s-token",
            "/root/k3s-agent-ready.txt",
            "sh /tmp/k3s-install.sh agent",
        ],
    );
    assert!(!kafka.contains("/root/k3s-ready.txt"));
    // `k3s agent` has no --advertise-address: it would refuse to start
    assert!(!kafka.contains("--advertise-address"));
    let worker = script(&files["cloud-init/dev/worker.yaml"]);
    assert!(worker.contains("\nNODE_LABELS=(role=worker workload=apps)\n"));
}

/// `text` (`what`) holds each of `parts`.
fn assert_contains_all(text: &str, what: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{what} lacks {part}");
    }
}

/// `out` is a success; its output shown under `what` if not.
fn assert_success(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cloud_init_scripts_of_the_examples_parse() {
    for kdl in [MINIMAL_KDL, LARGE_KDL] {
        for (path, text) in build(kdl)
            .iter()
            .filter(|(p, _)| p.starts_with("cloud-init/"))
        {
            bash_n(path, &script(text));
        }
    }
}

#[test]
fn taints_become_node_taint_flags() {
    let text = REPO_KDL.replace(
        "labels role=worker workload=apps",
        "labels role=worker workload=apps\n        taint dedicated value=apps effect=NoSchedule",
    );
    let files = build_with(&text, false);
    let s = script(&files["cloud-init/dev/worker.yaml"]);
    assert!(
        s.contains("\nNODE_TAINTS=(dedicated=apps:NoSchedule)\n"),
        "{s}"
    );
    assert!(s.contains("K3S_ARGS+=(--node-taint \"$taint\")"));
    bash_n("worker with a taint", &s);
}

#[test]
fn a_hostile_label_value_stays_inert() {
    let dir = scratch("pwned");
    let marker = dir.path().join("pwned");
    let value = format!("'$(touch {})", marker.display());
    let kdl_value = value.replace('\\', "\\\\").replace('"', "\\\"");
    let text = REPO_KDL.replace(
        "labels role=kafka workload=mixed",
        &format!("labels role=kafka workload=mixed evil=\"{kdl_value}\""),
    );
    assert_ne!(text, REPO_KDL);
    // Validation rejects the value; the emitter must still quote it.
    let files = build_with(&text, false);
    let s = script(&files["cloud-init/dev/kafka.yaml"]);
    let quoted = format!("'evil='\\''$(touch {})'", marker.display());
    assert!(s.contains(&quoted), "not single-quoted:\n{s}");
    bash_n("hostile label", &s);

    // Run the facts block for real: the array holds the literal text.
    if let Some(bash) = tool("bash") {
        let facts: String = s
            .lines()
            .skip_while(|l| !l.starts_with("# --- facts"))
            .take_while(|l| !l.starts_with("# ------"))
            .map(|l| format!("{l}\n"))
            .collect();
        let out = Command::new(bash)
            .arg("-c")
            .arg(format!("{facts}printf '%s\\n' \"${{NODE_LABELS[@]}}\""))
            .output()
            .expect("bash runs");
        assert_success(&out, "bash");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("role=kafka\nworkload=mixed\nevil={value}\n")
        );
        assert!(!marker.exists(), "the label value ran a command");
    }
}

// ---------------------------------------------------------------------------
// HCL escaping and formatting
// ---------------------------------------------------------------------------

#[test]
fn hcl_template_sequences_are_escaped() {
    let text = REPO_KDL.replace(
        "datacenter=nbg1-dc3",
        "datacenter=\"nbg1-dc3${file(\\\"/etc/passwd\\\")}%{ if true }\"",
    );
    assert_ne!(text, REPO_KDL);
    let files = build_with(&text, false);
    let t = &files["environments/dev.tfvars"];
    assert_eq!(
        tfvar(t, "datacenter"),
        "\"nbg1-dc3$${file(\\\"/etc/passwd\\\")}%%{ if true }\"",
        "{t}"
    );
    assert!(!t.contains("dc3${"));
    assert_terraform_fmt_leaves("escaped.tfvars", t);
}

/// `terraform fmt` would change nothing (skipped when terraform is absent).
fn assert_terraform_fmt_leaves(name: &str, text: &str) {
    let Some(terraform) = tool("terraform") else {
        eprintln!("terraform not found: skipping `terraform fmt` of {name}");
        return;
    };
    let dir = scratch(&format!("fmt-{}", name.replace('/', "-")));
    let file = dir.path().join("x.tfvars");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(terraform)
        .args(["fmt", "-no-color", "-check", "-diff"])
        .arg(Path::new("x.tfvars"))
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .expect("terraform runs");
    assert_success(&out, &format!("terraform fmt would change {name}"));
}

#[test]
fn tfvars_are_terraform_fmt_clean() {
    for kdl in [REPO_KDL, MINIMAL_KDL, LARGE_KDL] {
        for (path, text) in build(kdl).iter().filter(|(p, _)| p.ends_with(".tfvars")) {
            assert_terraform_fmt_leaves(path, text);
        }
    }
}

// ---------------------------------------------------------------------------
// Pins
// ---------------------------------------------------------------------------

#[test]
fn pins_are_one_line_versions() {
    let files = build(REPO_KDL);
    for env in ["dev", "prod"] {
        assert_eq!(files[&format!("pins/{env}/strimzi.version")], "0.48.0\n");
    }
    // only what a step reads (tests/emit_workflows.rs): the K3s and ArgoCD
    // operator releases reach their steps without a pin file
    let pins: Vec<&String> = files.keys().filter(|p| p.starts_with("pins/")).collect();
    assert_eq!(
        pins,
        [
            "pins/dev/grafana-operator.version",
            "pins/dev/kube-prometheus-stack.version",
            "pins/dev/strimzi.version",
            "pins/prod/grafana-operator.version",
            "pins/prod/kube-prometheus-stack.version",
            "pins/prod/strimzi.version"
        ]
    );
    // the monitoring charts' versions, as cluster.kdl pins them
    assert_eq!(files["pins/dev/kube-prometheus-stack.version"], "79.1.0\n");
    assert_eq!(files["pins/prod/grafana-operator.version"], "v5.20.0\n");
}

#[path = "support/snapshots.rs"]
mod snapshots;
