//! Negative controls: each mistake makes the real Terraform fail, with Terraform's own
//! message (schema) or the provider's (its validations, and the API errors it passes on),
//! and a mistake the API refuses leaves the fake cloud without the refused object.

mod common;

use common::{Project, Run, dev_primary_ip, seeded};

const VARS: &str = "-var-file=dev.tfvars";

/// The `cluster` fixture with one edit, initialised over the seeded fake cloud.
fn cluster_with(file: &str, from: &str, to: &str) -> Project {
    let p = Project::new("cluster");
    p.set_cloud(&seeded());
    p.edit(file, from, to);
    p.init();
    p
}

/// The `cluster` fixture as it is, initialised over the seeded fake cloud.
fn cluster() -> Project {
    let p = Project::new("cluster");
    p.set_cloud(&seeded());
    p.init();
    p
}

fn fails_with(run: &Run, message: &str) {
    assert!(
        !run.ok,
        "expected a failure with {message:?}:\n{}",
        run.all()
    );
    // Terraform wraps long messages; compare with the line breaks and the box drawing gone.
    let flat: String = run
        .all()
        .lines()
        .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim_end())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(message),
        "expected {message:?} in:\n{}",
        run.all()
    );
}

fn apply(p: &Project) -> Run {
    p.tf(&["apply", "-no-color", "-input=false", "-auto-approve", VARS])
}

fn plan(p: &Project) -> Run {
    p.tf(&["plan", "-no-color", "-input=false", VARS])
}

/// The fake cloud has no server `name` (a refused create made nothing).
fn assert_no_server(p: &Project, name: &str) {
    let c = p.cloud();
    assert!(!c.servers.iter().any(|s| s.name == name), "{name} was made");
}

/// How a case runs Terraform.
#[derive(Clone, Copy, Debug)]
enum Step {
    Validate,
    Plan,
    Apply,
}

/// One edit of the `cluster` fixture each (file, from, to), refused at `step` with
/// Terraform's or the provider's messages.
#[test]
fn each_mistake_is_refused_with_its_message() {
    let cases: &[(&str, &str, &str, Step, &[&str])] = &[
        // an attribute the schema does not have: Terraform's own error
        (
            "main.tf",
            "  ip_range = \"10.0.0.0/16\"\n",
            "  ip_range = \"10.0.0.0/16\"\n  zone     = \"eu-central\"\n",
            Step::Validate,
            &[
                "Unsupported argument",
                "An argument named \"zone\" is not expected here.",
            ],
        ),
        // an invalid label value: the provider's validation error
        (
            "main.tf",
            "    pool        = each.value.pool\n",
            "    pool        = \"-${each.value.pool}\"\n",
            Step::Plan,
            &["label value '-control' (key: pool) is not correctly formatted"],
        ),
        // an invalid label key, refused at validate
        (
            "main.tf",
            "  labels   = { environment = var.environment, cluster = local.cluster }",
            "  labels   = { \"bad key\" = \"x\" }",
            Step::Validate,
            &["label key 'bad key' is not correctly formatted"],
        ),
        // a firewall direction: the rules come from a variable, known at plan, not at
        // validate
        (
            "main.tf",
            "      direction   = \"in\"",
            "      direction   = \"inbound\"",
            Step::Plan,
            &["expected direction to be one of [\"in\" \"out\"], got inbound"],
        ),
        // a source CIDR that is not the start of its block
        (
            "dev.tfvars",
            "source_ips = [\"0.0.0.0/0\"] },\n  { description = \"kafka",
            "source_ips = [\"10.0.1.5/24\"] },\n  { description = \"kafka",
            Step::Plan,
            &["10.0.1.5/24 is not the start of the cidr block 10.0.1.0/24"],
        ),
        // an unknown server type
        (
            "dev.tfvars",
            "server_type = \"cx23\", private_ip = \"10.0.1.30\"",
            "server_type = \"cx99\", private_ip = \"10.0.1.30\"",
            Step::Apply,
            &["server type cx99 not found (not_found)"],
        ),
        // an unknown location
        (
            "main.tf",
            "location = \"nbg1\"",
            "location = \"nbg9\"",
            Step::Apply,
            &["location nbg9 not found (invalid_input)"],
        ),
        // a placement group of another type: the provider's validation error
        (
            "main.tf",
            "  type     = \"spread\"",
            "  type     = \"cluster\"",
            Step::Validate,
            &["expected type to be one of [\"spread\"], got cluster"],
        ),
        // a token of the wrong length: the provider's validation error
        (
            "versions.tf",
            "provider \"hcloud\" {}",
            "provider \"hcloud\" {\n  token = \"short\"\n}",
            Step::Validate,
            &["expected length of token to be in the range (64 - 64)"],
        ),
    ];
    for (file, from, to, step, messages) in cases {
        let p = cluster_with(file, from, to);
        let run = match step {
            Step::Validate => p.tf(&["validate", "-no-color"]),
            Step::Plan => plan(&p),
            Step::Apply => apply(&p),
        };
        for message in *messages {
            fails_with(&run, message);
        }
    }
}

#[test]
fn a_private_ip_outside_the_subnet_is_refused_and_no_server_is_made() {
    let p = cluster_with(
        "dev.tfvars",
        "private_ip = \"10.0.1.30\"",
        "private_ip = \"10.0.2.30\"",
    );
    let run = apply(&p);
    fails_with(&run, "IP 10.0.2.30 is not inside a subnet of network");
    fails_with(&run, "(10.0.1.0/24) (invalid_input)");
    assert_no_server(&p, "kafka-dev-worker-0");
}

#[test]
fn a_bad_firewall_port_is_refused_by_the_api() {
    let p = cluster_with("dev.tfvars", "port = \"6443\"", "port = \"6443-\"");
    let run = apply(&p);
    fails_with(
        &run,
        "port `6443-` is neither a port (80) nor a port range (80-85) (invalid_input)",
    );
    assert!(p.cloud().firewalls.is_empty());
}

#[test]
fn a_primary_ip_in_another_datacenter_is_refused() {
    let p = Project::new("cluster");
    let mut c = seeded();
    c.primary_ips[1].datacenter = "fsn1-dc14".into();
    p.set_cloud(&c);
    p.init();
    let run = apply(&p);
    fails_with(
        &run,
        "is in datacenter fsn1-dc14, the server in nbg1-dc3 (invalid_input)",
    );
    assert_no_server(&p, "kafka-dev-kafka-0");
}

#[test]
fn a_primary_ip_is_assigned_once() {
    let p = cluster_with(
        "dev.tfvars",
        "\"kafka-dev-kafka-0\"   = \"kafka-dev-kafka-0-ipv4\"",
        "\"kafka-dev-kafka-0\"   = \"kafka-dev-control-0-ipv4\"",
    );
    fails_with(&apply(&p), "is already assigned to server");
    let c = p.cloud();
    let assigned = c
        .servers
        .iter()
        .filter(|s| {
            s.public_net
                .ipv4
                .as_ref()
                .is_some_and(|a| a.id == c.primary_ips[0].id)
        })
        .count();
    assert_eq!(assigned, 1);
}

#[test]
fn a_name_already_used_in_the_project_is_refused() {
    let p = Project::new("cluster");
    let mut c = seeded();
    // A network of the same name made outside this Terraform state.
    let (id, created) = c.new_id();
    c.networks.push(hcloud_standin::cloud::Network {
        id,
        name: "kafka-dev-network".into(),
        ip_range: "10.1.0.0/16".into(),
        created,
        ..Default::default()
    });
    p.set_cloud(&c);
    p.init();
    fails_with(&apply(&p), "name is already used (uniqueness_error)");
    assert_eq!(p.cloud().networks.len(), 1);
}

#[test]
fn a_primary_ip_the_lookup_cannot_find_fails_the_data_source() {
    let p = Project::new("cluster");
    let mut c = seeded();
    c.primary_ips.remove(1);
    dev_primary_ip(&mut c, "someone-elses-ip", "elsewhere", "nbg1-dc3");
    p.set_cloud(&c);
    p.init();
    fails_with(
        &plan(&p),
        "no primary ip found with name kafka-dev-kafka-0-ipv4",
    );
}

#[test]
fn ipv4_disabled_with_a_primary_ip_is_refused_on_update() {
    let p = cluster();
    p.ok(&["apply", "-no-color", "-input=false", "-auto-approve", VARS]);
    p.edit(
        "main.tf",
        "    ipv4_enabled = true\n",
        "    ipv4_enabled = false\n",
    );
    let run = apply(&p);
    fails_with(
        &run,
        "this operation is not allowed: ipv4_enabled = false | ipv4 =",
    );
}

#[test]
fn no_api_token_is_the_providers_configure_error() {
    let p = cluster();
    let run = p.tf_with(
        &["plan", "-no-color", "-input=false", VARS],
        &[("HCLOUD_TOKEN", "")],
    );
    fails_with(&run, "Missing Hetzner Cloud API token");
}

#[test]
fn a_tfvars_key_the_module_does_not_declare_is_terraforms_warning() {
    // Terraform only warns for a -var-file key (it errors for -var); a caller that wants
    // it fatal, like the conformance suite, fails on this warning.
    let p = cluster_with(
        "dev.tfvars",
        "environment    = \"dev\"\n",
        "environment    = \"dev\"\nworker_private_ips = []\n",
    );
    let run = p.ok(&["plan", "-no-color", "-input=false", VARS]);
    assert!(
        run.all().contains("Warning: Value for undeclared variable"),
        "{}",
        run.all()
    );
    assert!(
        run.all().contains("\"worker_private_ips\""),
        "{}",
        run.all()
    );
}

#[test]
fn a_data_source_given_two_keys_is_the_providers_validation_error() {
    let p = Project::new("extras");
    p.edit(
        "main.tf",
        "  name = \"fsn1\"\n",
        "  name = \"fsn1\"\n  id   = 1\n",
    );
    p.init();
    fails_with(
        &p.tf(&["validate", "-no-color"]),
        "Exactly one of these attributes must be configured: [id,name]",
    );
}
