//! The `rehearse` binary: exit statuses and what it prints.

mod common;

use std::process::Command;

use common::generated_workflows as generated;

fn rehearse(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_exits_0_on_the_generated_workflows_and_1_on_a_finding() {
    let dir = generated();
    let (code, stdout, _) = rehearse(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("0 error(s), 0 note(s)"),
        "{stdout}"
    );

    let bad = tempfile::tempdir().unwrap();
    let wf = "on:\n  workflow_dispatch:\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.b.outputs.x }}\n";
    std::fs::write(bad.path().join("w.yml"), wf).unwrap();
    let (code, stdout, _) = rehearse(&["check", bad.path().to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("error: ") && stdout.contains("job `a` does not list `b` in `needs`"),
        "{stdout}"
    );
}

#[test]
fn run_exits_2_on_a_refusal_and_1_on_a_failed_run() {
    let dir = generated();
    let deploy = dir.join("deploy-cluster.yml");
    let (code, _, stderr) = rehearse(&[
        "run",
        deploy.to_str().unwrap(),
        "--input",
        "environment=staging",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("input `environment`: `staging` is not one of the options"),
        "{stderr}"
    );

    let repo = tempfile::tempdir().unwrap();
    let wfdir = repo.path().join(".github/workflows");
    std::fs::create_dir_all(&wfdir).unwrap();
    let wf = "on:\n  workflow_dispatch:\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo \"token ${{ secrets.T }}\"\n          exit 4\n";
    std::fs::write(wfdir.join("w.yml"), wf).unwrap();
    let summary = repo.path().join("summary.md");
    let secret_file = repo.path().join("t.secret");
    std::fs::write(&secret_file, "abc123\n").unwrap();
    let (code, stdout, _) = rehearse(&[
        "run",
        wfdir.join("w.yml").to_str().unwrap(),
        "--repo",
        repo.path().to_str().unwrap(),
        "--secret-file",
        &format!("T={}", secret_file.display()),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("[a] token ***"), "{stdout}");
    assert!(!stdout.contains("abc123"));
    assert!(stdout.contains("process completed with exit code 4"));
    assert!(stdout.trim_end().ends_with("job a: failure"), "{stdout}");
    assert!(summary.is_file());
}
