//! Issue 14's negative controls at the level of the whole rehearsal: each
//! mutates one generated file of a clean project (a copy, built by topogen in
//! a scratch directory) the way the hand-written repository went wrong, runs
//! the generated deploy workflow against the fake cloud and world, and
//! asserts the rehearsal fails with a message that names the mistake — and
//! that a refused run touched nothing.
//!
//! - a verify step waiting for a label that cloud-init does not set: the
//!   servers boot, the executed cloud-init registers its nodes without that
//!   label, and the verify step (not a static check: nothing static knows
//!   what cloud-init sets) fails; cleanup then destroys the servers;
//! - a job reading an output no job writes, and a reusable-workflow call with
//!   an undeclared input: `rehearse run` refuses the run before anything runs
//!   (on GitHub the first reads an empty string and the second fails only
//!   when the run starts), so the fake cloud stays empty.
//!
//! (`tests/generated.rs` runs the same mistakes through the static pass
//! alone, on the committed workflows; `tests/world.rs` the label one on a
//! hand-built world.)

mod common;

use std::fs;

use common::{Project, assert_each_job, assert_failed_and_cleaned_up, assert_logged, results};
use rehearsal::run::Outcome;

/// Replaces `from` (which must be there) by `to` in the project's `rel`.
fn mutate(p: &Project, rel: &str, from: &str, to: &str) {
    let path = p.project(rel);
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(from),
        "{rel} no longer contains {from:?}: update this control"
    );
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// The deploy of `env` is refused before any job runs, with `message`, and
/// the fake cloud was never written.
fn assert_refused(p: &Project, env: &str, message: &str) {
    let err = match p.run_with(
        "deploy-cluster.yml",
        common::dispatch(&[("environment", env)]),
        "deploy",
        |_| {},
    ) {
        Ok(report) => panic!(
            "the rehearsal ran a deploy it should refuse ({:?}): {:#?}",
            report.result, report.log
        ),
        Err(e) => e,
    };
    assert!(err.contains(message), "expected {message:?} in: {err}");
    assert!(
        !p.path("cloud.json").exists(),
        "a refused run changed the fake cloud"
    );
}

#[test]
fn a_verify_step_waiting_for_a_label_cloud_init_does_not_set_fails_the_deploy() {
    let p = Project::new();
    // The verify step of dev waits for a label the workers' cloud-init never
    // passes to K3s (it sets role=worker workload=apps).
    let worker = p.generated("cloud-init/dev/worker.yaml");
    assert!(
        worker.contains("NODE_LABELS=(role=worker workload=apps)") && !worker.contains("batch"),
        "update this control: the worker's labels changed"
    );
    mutate(
        &p,
        ".github/workflows/02-reusable-verify-cluster.yml",
        "            dev)\n              expected=5\n              pool control 1 role=control-plane\n              pool kafka 3 role=kafka,workload=mixed\n              pool worker 1 role=worker,workload=apps\n",
        "            dev)\n              expected=5\n              pool control 1 role=control-plane\n              pool kafka 3 role=kafka,workload=mixed\n              pool worker 1 role=worker,workload=batch\n",
    );
    let report = p.deploy("dev", "deploy");
    let r = results(&report);
    assert_eq!(r["verify_clean"], Outcome::Success, "{:#?}", report.log);
    assert_eq!(r["provision"], Outcome::Success, "{:#?}", report.log);
    assert_eq!(r["verify_cluster"], Outcome::Failure, "{:#?}", report.log);
    assert_logged(
        &report,
        "pool worker: only 0 node(s) carry role=worker,workload=batch",
    );
    // It failed on what the executed cloud-init registered: the worker is in
    // the API, with the labels its cloud-init passes.
    assert_logged(
        &report,
        "pool kafka: 3 node(s) with role=kafka,workload=mixed, 3 expected",
    );
    assert_each_job(
        &report,
        &["deploy_strimzi", "deploy_argocd", "verify_access"],
        Outcome::Skipped,
    );
    assert_failed_and_cleaned_up(&p, &report, "| verify cluster | failure |");
}

#[test]
fn a_job_reading_an_output_no_job_writes_fails_the_rehearsal() {
    // The caller reads an output the provision job does not declare.
    let p = Project::new();
    mutate(
        &p,
        ".github/workflows/deploy-cluster.yml",
        "KAFKA_IP: ${{ needs.provision.outputs.kafka_ip }}",
        "KAFKA_IP: ${{ needs.provision.outputs.kafka_address }}",
    );
    assert_refused(
        &p,
        "dev",
        "job `provision` declares no output `kafka_address`",
    );
    drop(p);
    // The called workflow declares the output, but no step writes it.
    let p = Project::new();
    mutate(
        &p,
        ".github/workflows/01-reusable-provision-infra.yml",
        "echo \"kafka_ip=$kafka_ip\" >> \"$GITHUB_OUTPUT\"",
        "echo \"kafka ip: $kafka_ip\"",
    );
    assert_refused(&p, "dev", "step `addresses` never writes output `kafka_ip`");
}

#[test]
fn a_reusable_workflow_call_with_an_undeclared_input_fails_the_rehearsal() {
    let p = Project::new();
    mutate(
        &p,
        ".github/workflows/deploy-cluster.yml",
        "    with:\n      env: ${{ inputs.environment }}\n      action: destroy-cluster\n",
        "    with:\n      env: ${{ inputs.environment }}\n      action: destroy-cluster\n      keep_primary_ips: true\n",
    );
    assert_refused(
        &p,
        "dev",
        "input `keep_primary_ips` is not declared by `./.github/workflows/hcloud-maintenance.yml`",
    );
}
