//! The committed generated workflows: the static pass holds on them, each of
//! issue 14's negative controls (a read of an output nobody writes, a call
//! with an undeclared input, a wrong step id, …) fails it with a message that
//! names the mistake, and the real workflows run up to where the outside
//! world begins (here: an outside world that is down).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{assert_each_job, generated_workflows as generated, repo_root};
use rehearsal::check;
use rehearsal::run::{self, Event, Options, Outcome};

/// A copy of the generated workflows with `file`'s text `from` replaced by
/// `to` (the replaced text must be there: a control that mutates nothing
/// would pass vacuously).
fn mutated(file: &str, from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&dest).unwrap();
    for path in check::workflow_files(&generated()).unwrap() {
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == file {
            assert!(
                text.contains(from),
                "{file} no longer contains {from:?}: update this control"
            );
            text = text.replacen(from, to, 1);
        }
        std::fs::write(dest.join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

fn errors_of(dir: &Path) -> Vec<String> {
    let files = check::workflow_files(&dir.join(".github/workflows")).unwrap();
    check::check_files(&files).errors
}

#[test]
fn the_generated_workflows_pass_the_static_pass() {
    let files = check::workflow_files(&generated()).unwrap();
    assert!(files.len() >= 3, "{files:?}");
    let report = check::check_files(&files);
    assert_eq!(report.errors, Vec::<String>::new());
}

#[test]
fn negative_controls_fail_the_static_pass_with_a_clear_message() {
    let controls: [(&str, &str, &str, &str); 9] = [
        (
            "deploy-cluster.yml",
            "      environment: ${{ inputs.environment }}\n    secrets:\n      \"HCLOUD_TOKEN\": \"${{ secrets.HCLOUD_TOKEN }}\"\n      \"SSH_PUBLIC_KEY\"",
            "      environment: ${{ inputs.environment }}\n      region: nbg1\n    secrets:\n      \"HCLOUD_TOKEN\": \"${{ secrets.HCLOUD_TOKEN }}\"\n      \"SSH_PUBLIC_KEY\"",
            "input `region` is not declared by `./.github/workflows/01-reusable-provision-infra.yml`",
        ),
        (
            "deploy-cluster.yml",
            "KAFKA_IP: ${{ needs.provision.outputs.kafka_ip }}",
            "KAFKA_IP: ${{ needs.provision.outputs.kafka_address }}",
            "job `provision` declares no output `kafka_address`",
        ),
        (
            "01-reusable-provision-infra.yml",
            "echo \"kafka_ip=$kafka_ip\" >> \"$GITHUB_OUTPUT\"",
            "echo \"kafka ip: $kafka_ip\"",
            "step `addresses` never writes output `kafka_ip`",
        ),
        (
            "01-reusable-provision-infra.yml",
            "control_plane_ip: ${{ steps.addresses.outputs.control_plane_ip }}",
            "control_plane_ip: ${{ steps.address.outputs.control_plane_ip }}",
            "job `provision` has no step with id `address`",
        ),
        (
            "deploy-cluster.yml",
            "contains(needs.*.result, 'failure')",
            "contains(needs.*.result, 'failed')",
            "`needs.*.result` is never `failed`",
        ),
        (
            "01-reusable-provision-infra.yml",
            "terraform_version: ${{ steps.facts.outputs.terraform_version }}",
            "terraform_version: ${{ steps.facts.outputs.terraform }}",
            "step `facts` never writes output `terraform`",
        ),
        (
            "deploy-cluster.yml",
            "      \"SSH_PRIVATE_KEY\": \"${{ secrets.SSH_PRIVATE_KEY }}\"\n\n  deploy_strimzi:",
            "\n  deploy_strimzi:",
            "required secret `SSH_PRIVATE_KEY` of `./.github/workflows/02-reusable-verify-cluster.yml` is not passed",
        ),
        (
            "deploy-cluster.yml",
            "    needs: provision\n",
            "    needs: verify_clean\n",
            "job `verify_cluster` does not list `provision` in `needs`",
        ),
        (
            "deploy-cluster.yml",
            "    needs: verify_clean\n    permissions:\n      contents: read\n",
            "    needs: verify_clean\n    permissions: {}\n",
            "the nested job `provision` of `./.github/workflows/01-reusable-provision-infra.yml` asks for `contents: read`, the caller grants `contents: none`",
        ),
    ];
    for (file, from, to, expected) in controls {
        let dir = mutated(file, from, to);
        let errors = errors_of(dir.path());
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{file}: expected an error containing {expected:?}, got {errors:#?}"
        );
        assert_eq!(errors.len(), 1, "one mistake, one finding: {errors:#?}");
    }
}

/// Every command of the outside world the workflows reach for, failing as a
/// network outage would.
fn outage() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "curl",
        "hcloud",
        "ssh",
        "ssh-agent",
        "ssh-add",
        "kubectl",
        "helm",
        "terraform",
    ] {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho \"{name}: the outside world is offline\" >&2\nexit 7\n"),
        )
        .unwrap();
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&p, perm).unwrap();
    }
    dir
}

fn options(work: &Path, stand_ins: &Path) -> Options {
    let secrets: BTreeMap<String, String> = [
        ("HCLOUD_TOKEN", "hcloud-token-value"),
        ("SSH_PUBLIC_KEY", "ssh-ed25519 AAAA public"),
        (
            "SSH_PRIVATE_KEY",
            "-----BEGIN KEY-----\nprivate-key-body\n-----END KEY-----",
        ),
        ("TOKEN_GIT_REPO_CONFIG", "git-token-value"),
        ("GHCR_TOKEN", "ghcr-token-value"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Options {
        repo: repo_root(),
        work: work.to_path_buf(),
        repository: "owner/infra".to_string(),
        secrets,
        stand_in_path: vec![stand_ins.to_path_buf()],
        ..Options::default()
    }
}

#[test]
fn deploy_with_the_outside_world_down_fails_at_verify_clean_and_destroys_nothing() {
    let (work, down) = (tempfile::tempdir().unwrap(), outage());
    let report = run::run(
        &generated().join("deploy-cluster.yml"),
        common::dispatch(&[("environment", "dev")]),
        &options(work.path(), down.path()),
    )
    .unwrap();
    let results: BTreeMap<&str, Outcome> = report
        .jobs
        .iter()
        .map(|j| (j.path.as_str(), j.result))
        .collect();
    assert_eq!(
        results["verify_clean/maintenance"],
        Outcome::Failure,
        "{:#?}",
        report.log
    );
    assert_eq!(results["verify_clean"], Outcome::Failure);
    assert_each_job(
        &report,
        &[
            "provision",
            "verify_cluster",
            "deploy_strimzi",
            "deploy_argocd",
            "verify_access",
        ],
        Outcome::Skipped,
    );
    // Its `if:` spares servers that verify_clean found (they are not this run's).
    assert_eq!(results["cleanup_on_failure"], Outcome::Skipped);
    assert_eq!(results["summary"], Outcome::Success);
    assert!(
        report.summary.contains("| provision | skipped |"),
        "{}",
        report.summary
    );
    // The deploy holds dev's infrastructure group (the one the maintenance
    // workflow enters); its call of the maintenance workflow enters a group
    // of this run instead of deadlocking on the group its caller holds.
    assert_eq!(report.concurrency[0], "k3s-trading-dev-infra");
    assert_eq!(report.concurrency.len(), 2, "{:?}", report.concurrency);
    assert!(
        report.concurrency[1].starts_with("k3s-trading-dev-infra-called-by-"),
        "{:?}",
        report.concurrency
    );
    assert!(!report.logged("deadlock"));
    assert_eq!(report.result, Outcome::Failure);
    for secret in ["hcloud-token-value", "private-key-body", "git-token-value"] {
        assert!(
            !report.log.iter().any(|l| l.contains(secret)),
            "{secret} leaked"
        );
    }
}

#[test]
fn the_2330_schedule_selects_destroy_cluster_on_dev() {
    let (work, down) = (tempfile::tempdir().unwrap(), outage());
    let report = run::run(
        &generated().join("hcloud-maintenance.yml"),
        Event::Schedule(None),
        &options(work.path(), down.path()),
    )
    .unwrap();
    let job = report.job("maintenance").unwrap();
    assert_eq!(
        job.steps[0],
        (
            "Select the environments and the action".to_string(),
            Outcome::Success
        )
    );
    assert_eq!(
        job.steps[1],
        ("Run destroy-cluster".to_string(), Outcome::Failure),
        "{:#?}",
        report.log
    );
    assert!(report.logged("curl: the outside world is offline"));
    // The scheduled destroy of dev waits in the group a deploy of dev holds.
    assert_eq!(
        report.concurrency,
        vec!["k3s-trading-dev-infra".to_string()]
    );
}
