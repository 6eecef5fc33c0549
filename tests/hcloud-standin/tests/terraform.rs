//! The real Terraform against the stand-in: a module shaped like the one topogen will
//! generate (`tests/fixtures/cluster`) goes through init → validate → plan → apply → a
//! second, empty plan → scale up → remove a node from the middle → a changed `user_data`
//! that replaces its server → destroy, which keeps the Primary IPs created outside.

mod common;

use std::collections::BTreeMap;

use common::{Project, plan_line, seeded, server_ids};

const VARS: &str = "-var-file=dev.tfvars";

/// The private IP and pool of every node of `dev.tfvars`.
fn dev_nodes() -> BTreeMap<&'static str, (&'static str, &'static str, &'static str)> {
    BTreeMap::from([
        ("kafka-dev-control-0", ("control", "server", "10.0.1.10")),
        ("kafka-dev-kafka-0", ("kafka", "agent", "10.0.1.20")),
        ("kafka-dev-kafka-1", ("kafka", "agent", "10.0.1.21")),
        ("kafka-dev-kafka-2", ("kafka", "agent", "10.0.1.22")),
        ("kafka-dev-worker-0", ("worker", "agent", "10.0.1.30")),
    ])
}

#[test]
fn a_generated_shaped_module_deploys_rescales_and_is_destroyed_keeping_outside_primary_ips() {
    let p = Project::new("cluster");
    p.set_cloud(&seeded());
    p.init();

    let validate = p.ok(&["validate", "-no-color"]);
    assert!(
        validate
            .stdout
            .contains("Success! The configuration is valid.")
            && !validate.all().contains("Warning"),
        "{}",
        validate.all()
    );

    // network, subnet, SSH key, firewall, 3 placement groups, 5 servers.
    let plan = p.ok(&["plan", "-no-color", "-input=false", VARS, "-out=tfplan"]);
    assert_eq!(
        plan_line(&plan),
        "Plan: 12 to add, 0 to change, 0 to destroy."
    );
    assert!(
        plan.stdout
            .contains("+ ipv4_address       = (known after apply)"),
        "{}",
        plan.stdout
    );
    p.ok(&["apply", "-no-color", "-input=false", "tfplan"]);

    // The fake cloud holds exactly the topology.
    let c = p.cloud();
    let nodes = dev_nodes();
    let names: Vec<&str> = c.servers.iter().map(|s| s.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, nodes.keys().copied().collect::<Vec<_>>());
    let network = &c.networks[0];
    assert_eq!(
        (c.networks.len(), network.ip_range.as_str()),
        (1, "10.0.0.0/16")
    );
    assert_eq!(network.subnets[0].ip_range, "10.0.1.0/24");
    assert_eq!(network.subnets[0].gateway, "10.0.0.1");
    let firewall = &c.firewalls[0];
    for srv in &c.servers {
        let (pool, role, ip) = nodes[srv.name.as_str()];
        assert_eq!(srv.private_net.len(), 1);
        assert_eq!(
            (srv.private_net[0].network, srv.private_net[0].ip.as_str()),
            (network.id, ip)
        );
        assert_eq!(srv.labels["pool"], pool);
        assert_eq!(srv.labels["role"], role);
        assert_eq!(srv.labels["environment"], "dev");
        assert_eq!(srv.labels["cluster"], "kafka-dev");
        assert_eq!(
            (srv.location.as_str(), srv.datacenter.as_str()),
            ("nbg1", "nbg1-dc3")
        );
        assert_eq!(srv.image, "ubuntu-22.04");
        assert!(srv.public_net.ipv6.is_none(), "ipv6_enabled = false");
        let user_data = p.read(&format!("cloud-init/{pool}.yaml"));
        assert_eq!(
            srv.user_data.as_deref(),
            Some(user_data.as_str()),
            "user_data of {}",
            srv.name
        );
        let pg = c.placement_group_of(srv).unwrap();
        assert_eq!(
            (pg.name.as_str(), pg.kind.as_str()),
            (format!("kafka-dev-{pool}").as_str(), "spread")
        );
        assert!(
            firewall.applied_to.iter().any(|a| a.server == Some(srv.id)),
            "firewall on {}",
            srv.name
        );
    }
    let ports: Vec<(&str, Option<&str>)> = firewall
        .rules
        .iter()
        .map(|r| (r.protocol.as_str(), r.port.as_deref()))
        .collect();
    assert_eq!(ports.len(), 4);
    for want in [
        ("tcp", Some("22")),
        ("tcp", Some("6443")),
        ("tcp", Some("31092-31094")),
        ("icmp", None),
    ] {
        assert!(ports.contains(&want), "{want:?} in {ports:?}");
    }
    // The outside Primary IPs are attached to their nodes; the others got new ones.
    for (ip_name, node) in [
        ("kafka-dev-control-0-ipv4", "kafka-dev-control-0"),
        ("kafka-dev-kafka-0-ipv4", "kafka-dev-kafka-0"),
    ] {
        let ip = c.primary_ips.iter().find(|i| i.name == ip_name).unwrap();
        let srv = c.servers.iter().find(|s| s.name == node).unwrap();
        assert_eq!(ip.assignee_id, Some(srv.id));
        assert_eq!(srv.public_net.ipv4.as_ref().map(|a| a.id), Some(ip.id));
    }
    assert_eq!(
        c.primary_ips.len(),
        5,
        "3 nodes got a Primary IP of their own"
    );
    let output = p.ok(&["output", "-no-color", "-json", "control_plane_ipv4"]);
    let control_ip = &c
        .primary_ips
        .iter()
        .find(|i| i.name == "kafka-dev-control-0-ipv4")
        .unwrap()
        .ip;
    assert_eq!(output.stdout.trim(), format!("[\"{control_ip}\"]"));

    // Nothing to do a second time.
    let again = p.tf(&[
        "plan",
        "-no-color",
        "-input=false",
        VARS,
        "-detailed-exitcode",
    ]);
    assert_eq!(again.code, Some(0), "{}", again.all());

    // Kafka 3 -> 5: exactly two servers more, nothing else changes.
    p.edit(
        "dev.tfvars",
        "  \"kafka-dev-worker-0\"",
        "  \"kafka-dev-kafka-3\"   = { pool = \"kafka\", role = \"agent\", index = 3, server_type = \"cx23\", private_ip = \"10.0.1.23\" }\n  \"kafka-dev-kafka-4\"   = { pool = \"kafka\", role = \"agent\", index = 4, server_type = \"cx23\", private_ip = \"10.0.1.24\" }\n  \"kafka-dev-worker-0\"",
    );
    let scale = p.ok(&["plan", "-no-color", "-input=false", VARS, "-out=tfplan"]);
    assert_eq!(
        plan_line(&scale),
        "Plan: 2 to add, 0 to change, 0 to destroy.",
        "{}",
        scale.stdout
    );
    assert!(
        scale
            .stdout
            .contains("hcloud_server.node[\"kafka-dev-kafka-3\"] will be created")
    );
    assert!(
        scale
            .stdout
            .contains("hcloud_server.node[\"kafka-dev-kafka-4\"] will be created")
    );
    p.ok(&["apply", "-no-color", "-input=false", "tfplan"]);
    assert_eq!(p.cloud().servers.len(), 7);

    // A node from the middle goes: only its server is destroyed.
    let before = server_ids(&p.cloud());
    p.edit(
        "dev.tfvars",
        "  \"kafka-dev-kafka-1\"   = { pool = \"kafka\", role = \"agent\", index = 1, server_type = \"cx23\", private_ip = \"10.0.1.21\" }\n",
        "",
    );
    let remove = p.ok(&["plan", "-no-color", "-input=false", VARS, "-out=tfplan"]);
    assert_eq!(
        plan_line(&remove),
        "Plan: 0 to add, 0 to change, 1 to destroy.",
        "{}",
        remove.stdout
    );
    assert!(
        remove
            .stdout
            .contains("hcloud_server.node[\"kafka-dev-kafka-1\"] will be destroyed")
    );
    p.ok(&["apply", "-no-color", "-input=false", "tfplan"]);
    let after = server_ids(&p.cloud());
    let mut expected = before.clone();
    expected.remove("kafka-dev-kafka-1");
    assert_eq!(after, expected, "the other servers keep their identities");

    // A changed cloud-init replaces exactly the servers of that pool.
    let worker_cloud_init = p.read("cloud-init/worker.yaml") + "  - echo changed\n";
    p.write("cloud-init/worker.yaml", &worker_cloud_init);
    let change = p.ok(&["plan", "-no-color", "-input=false", VARS, "-out=tfplan"]);
    assert_eq!(
        plan_line(&change),
        "Plan: 1 to add, 0 to change, 1 to destroy.",
        "{}",
        change.stdout
    );
    assert!(
        change
            .stdout
            .contains("hcloud_server.node[\"kafka-dev-worker-0\"] must be replaced")
    );
    assert!(
        change
            .stdout
            .contains("~ user_data          = <<-EOT # forces replacement"),
        "{}",
        change.stdout
    );
    p.ok(&["apply", "-no-color", "-input=false", "tfplan"]);
    let worker = p
        .cloud()
        .servers
        .into_iter()
        .find(|s| s.name == "kafka-dev-worker-0")
        .unwrap();
    assert_eq!(
        worker.user_data.as_deref(),
        Some(worker_cloud_init.as_str())
    );
    assert_ne!(
        Some(&worker.id),
        before.get("kafka-dev-worker-0"),
        "a new server"
    );

    // destroy: everything Terraform made is gone; the Primary IPs made outside stay.
    let destroy = p.ok(&[
        "destroy",
        "-no-color",
        "-input=false",
        "-auto-approve",
        VARS,
    ]);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 13 destroyed."),
        "{}",
        destroy.stdout
    );
    let c = p.cloud();
    assert!(
        c.servers.is_empty()
            && c.networks.is_empty()
            && c.firewalls.is_empty()
            && c.ssh_keys.is_empty()
            && c.placement_groups.is_empty(),
        "{c:?}"
    );
    let kept: Vec<(&str, Option<u64>)> = c
        .primary_ips
        .iter()
        .map(|i| (i.name.as_str(), i.assignee_id))
        .collect();
    assert_eq!(
        kept,
        [
            ("kafka-dev-control-0-ipv4", None),
            ("kafka-dev-kafka-0-ipv4", None)
        ],
        "the outside Primary IPs survive, unassigned; the servers' own ones died with them"
    );
}

#[test]
fn attachments_data_sources_and_a_server_with_its_own_primary_ips_apply_and_destroy_cleanly() {
    let p = Project::new("extras");
    p.init();
    p.ok(&["validate", "-no-color"]);
    p.ok(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let c = p.cloud();
    let srv = &c.servers[0];
    assert_eq!(
        (
            srv.name.as_str(),
            srv.image.as_str(),
            srv.datacenter.as_str()
        ),
        ("box", "debian-12", "fsn1-dc14")
    );
    assert_eq!(
        srv.private_net[0].ip, "10.10.0.2",
        "the first free address after the gateway"
    );
    assert_eq!(
        c.primary_ips.len(),
        2,
        "no public_net block: an IPv4 and an IPv6 Primary IP"
    );
    assert!(
        c.primary_ips
            .iter()
            .all(|i| i.auto_delete && i.assignee_id == Some(srv.id))
    );
    assert_eq!(c.volumes[0].server, Some(srv.id));
    let applied: Vec<(Option<u64>, Option<&str>, bool)> = c.firewalls[0]
        .applied_to
        .iter()
        .map(|a| (a.server, a.label_selector.as_deref(), a.attachment))
        .collect();
    assert_eq!(
        applied,
        [
            (Some(srv.id), None, true),
            (None, Some("role=worker"), true)
        ]
    );
    let out = p.ok(&["output", "-no-color", "-json", "box"]);
    let out: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(out["private_ip"], "10.10.0.2");
    assert_eq!(out["looked_up"][0]["ip"], "10.10.0.2");
    assert_eq!(
        (
            out["rules"].as_i64(),
            out["applied_to"].as_i64(),
            out["disk"].as_i64()
        ),
        (Some(1), Some(2), Some(40))
    );
    assert_eq!(
        out["ipv4"],
        c.primary_ips
            .iter()
            .find(|i| i.kind == "ipv4")
            .unwrap()
            .ip
            .as_str()
    );
    assert_eq!(
        out["device"],
        format!("/dev/disk/by-id/scsi-0HC_Volume_{}", c.volumes[0].id)
    );

    let again = p.tf(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    assert_eq!(again.code, Some(0), "{}", again.all());

    p.ok(&["destroy", "-no-color", "-input=false", "-auto-approve"]);
    let c = p.cloud();
    assert_eq!(
        c,
        hcloud_standin::cloud::Cloud {
            format: c.format,
            last_id: c.last_id,
            clock: c.clock,
            ..Default::default()
        },
        "nothing is left, not even the server's own Primary IPs"
    );
}

#[test]
fn what_changes_in_the_fake_cloud_outside_terraform_shows_in_the_next_plan() {
    let p = Project::new("extras");
    p.init();
    p.ok(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let mut c = p.cloud();
    // (not `role`: the fixture's server data source selects by it)
    c.servers[0].labels.insert("owner".into(), "someone".into());
    c.volumes.clear();
    p.set_cloud(&c);
    let plan = p.tf(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    assert_eq!(plan.code, Some(2), "{}", plan.all());
    assert!(
        plan.stdout.contains("hcloud_volume.data will be created"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("hcloud_server.box will be updated in-place"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("- \"owner\" = \"someone\" -> null"),
        "{}",
        plan.stdout
    );
}
