//! Issue 13, "What bad input gets": a topology the real provider or API would refuse is
//! refused by `topogen validate`, with the rule's code and a span on the offending
//! value, never first at `terraform apply`. One row per kind of bad input, each a
//! one-place edit of the repository's `cluster.kdl`.
//!
//! The provider stand-in's side (the same values refused at apply) is
//! `tests/hcloud-standin/tests/closed_loop.rs`, `bad_input_is_refused_by_the_provider_too`.

use std::path::Path;
use std::process::Command;

/// A bad topology: the edit, the code that refuses it, the text of its first span.
struct Bad {
    what: &'static str,
    from: &'static str,
    to: &'static str,
    code: &'static str,
    span: &'static str,
}

const TABLE: &[Bad] = &[
    Bad {
        what: "an unknown server type",
        from: "pool control role=server server-type=cx23",
        to: "pool control role=server server-type=cx99",
        code: "topogen::pool::server-type",
        span: "server-type=cx99",
    },
    Bad {
        what: "an unknown location",
        from: "location=nbg1 datacenter=nbg1-dc3",
        to: "location=xyz1 datacenter=nbg1-dc3",
        code: "topogen::hetzner::location",
        span: "location=xyz1",
    },
    Bad {
        // every node address comes from a range: a range leaving the subnet is the
        // only way cluster.kdl can put an IP outside it (dev's and prod's subnets: one
        // finding each)
        what: "an IP outside the subnet",
        from: "range dhcp from=200 to=254",
        to: "range dhcp from=200 to=256",
        code: "topogen::ip::range-bounds",
        span: "to=256",
    },
    Bad {
        // A Primary IP is created by the provision workflow in its environment's
        // datacenter, the servers' too: cluster.kdl cannot place them apart. What it
        // can get wrong is a datacenter outside the location (the servers' location).
        // An environment moved after its Primary IPs exist is caught by the provision
        // workflow before Terraform runs.
        what: "a Primary IP in another datacenter than the servers",
        from: "location=nbg1 datacenter=nbg1-dc3",
        to: "location=nbg1 datacenter=fsn1-dc14",
        code: "topogen::hetzner::location",
        span: "datacenter=fsn1-dc14",
    },
    Bad {
        // the cluster's name is the `cluster` label value of every server, Primary IP
        // and the SSH key: `_` and capitals pass Hetzner's label syntax, but not a
        // DNS label; a leading `-` passes neither
        what: "a label value the provider refuses",
        from: "cluster k3s-trading {",
        to: "cluster -k3s-trading {",
        code: "topogen::names::dns-label",
        span: "-k3s-trading",
    },
];

fn repo_kdl() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("cluster.kdl"))
        .expect("cluster.kdl")
}

#[test]
fn every_bad_input_is_refused_by_validate_with_its_code_and_span() {
    let good = repo_kdl();
    let dir = tempfile::tempdir().expect("scratch");
    for bad in TABLE {
        assert_eq!(
            good.matches(bad.from).count(),
            1,
            "{}: {:?}",
            bad.what,
            bad.from
        );
        let text = good.replacen(bad.from, bad.to, 1);
        let file = dir.path().join("cluster.kdl");
        std::fs::write(&file, &text).expect("bad cluster.kdl");
        let out = Command::new(env!("CARGO_BIN_EXE_topogen"))
            .current_dir(dir.path())
            .args(["validate", "--format", "json", "-c", "cluster.kdl"])
            .env("NO_COLOR", "1")
            .output()
            .expect("topogen runs");
        assert_eq!(out.status.code(), Some(1), "{}: refused", bad.what);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let found = doc["diagnostics"].as_array().expect("diagnostics");
        assert!(!found.is_empty(), "{}", bad.what);
        for d in found {
            assert_eq!(d["code"], bad.code, "{}: {d:#}", bad.what);
            let label = &d["labels"][0];
            let start = usize::try_from(label["offset"].as_u64().expect("offset")).unwrap();
            let len = usize::try_from(label["length"].as_u64().expect("length")).unwrap();
            assert_eq!(
                &text[start..start + len],
                bad.span,
                "{}: the span",
                bad.what
            );
        }
    }
    // and the unedited file is clean (each row's finding is the edit's)
    std::fs::write(dir.path().join("cluster.kdl"), &good).expect("cluster.kdl");
    let out = Command::new(env!("CARGO_BIN_EXE_topogen"))
        .current_dir(dir.path())
        .args(["validate", "-c", "cluster.kdl"])
        .output()
        .expect("topogen runs");
    assert_eq!(out.status.code(), Some(0));
}
