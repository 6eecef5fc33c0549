//! The stand-in's rules and data without Terraform: the catalogue against topogen's, the
//! API's port syntax, hcloud-go's label patterns, label selectors, the deterministic clock
//! and the fake cloud's file under concurrent writers.

use std::collections::BTreeMap;

use hcloud_standin::api::port_ok;
use hcloud_standin::catalog::catalog;
use hcloud_standin::cloud::{self, Cloud, timestamp};
use hcloud_standin::data::selects;
use hcloud_standin::validate::{firewall_cidr_error, label_error};
use tf_provider::value::ValueAny as V;

#[test]
fn the_catalogue_knows_every_server_type_and_location_topogen_knows() {
    let source = include_str!("../../../src/model/catalog.rs");
    let names = regex::Regex::new(r#"\("([a-z0-9-]+)", (\d+|"[a-z-]+")"#).unwrap();
    let mut seen = 0;
    for cap in names.captures_iter(source) {
        let name = &cap[1];
        let known = if cap[2].starts_with('"') {
            // (location, network zone, datacenters)
            catalog()
                .location(name)
                .is_some_and(|l| l.network_zone == cap[2].trim_matches('"'))
        } else {
            catalog().server_type(name).is_some()
        };
        assert!(
            known,
            "{name} from src/model/catalog.rs is not in data/catalog.json"
        );
        seen += 1;
    }
    assert_eq!(
        seen,
        catalog().server_types.len() + catalog().locations.len()
    );
    for loc in &catalog().locations {
        for dc in &loc.datacenters {
            assert_eq!(
                catalog().datacenter(dc).map(|d| d.location.as_str()),
                Some(loc.name.as_str())
            );
        }
    }
}

#[test]
fn firewall_ports_are_a_port_or_a_range() {
    for good in ["80", "1", "65535", "80-85", "80-80", "any"] {
        assert!(port_ok(good), "{good}");
    }
    for bad in [
        "", "0", "65536", "80-", "-80", "85-80", "8o", "80-85-90", " 80", "+80",
    ] {
        assert!(!port_ok(bad), "{bad}");
    }
}

#[test]
fn labels_follow_hcloud_go() {
    let labels =
        |k: &str, v: &str| V::Map(BTreeMap::from([(k.to_owned(), V::String(v.to_owned()))]));
    for (k, v) in [
        ("pool", "kafka"),
        ("a.b/c-d", ""),
        ("example.com/role", "control-plane"),
        ("index", "0"),
    ] {
        assert_eq!(label_error(&labels(k, v)), None, "{k}={v}");
    }
    assert_eq!(
        label_error(&labels("pool", "-kafka")).map(|e| e.1),
        Some("label value '-kafka' (key: pool) is not correctly formatted".to_owned())
    );
    assert_eq!(
        label_error(&labels("bad key", "x")).map(|e| e.1),
        Some("label key 'bad key' is not correctly formatted".to_owned())
    );
    assert!(
        label_error(&labels("k", &"x".repeat(64))).is_some(),
        "values are at most 63 characters"
    );
}

#[test]
fn firewall_cidrs_must_start_their_block() {
    assert_eq!(firewall_cidr_error("0.0.0.0/0"), None);
    assert_eq!(firewall_cidr_error("::/0"), None);
    assert_eq!(firewall_cidr_error("10.0.0.5"), None, "a bare IP is a /32");
    assert_eq!(
        firewall_cidr_error("10.0.1.5/24").as_deref(),
        Some("10.0.1.5/24 is not the start of the cidr block 10.0.1.0/24")
    );
    assert_eq!(
        firewall_cidr_error("nonsense").as_deref(),
        Some("invalid CIDR address: nonsense")
    );
}

#[test]
fn label_selectors_match_like_the_api() {
    let labels = BTreeMap::from([
        ("environment".to_owned(), "dev".to_owned()),
        ("pool".to_owned(), "kafka".to_owned()),
    ]);
    for (sel, want) in [
        ("environment=dev", true),
        ("environment==dev,pool=kafka", true),
        ("environment=prod", false),
        ("pool!=worker", true),
        ("pool", true),
        ("!pool", false),
        ("!role", true),
        ("pool in (kafka,worker)", true),
        ("pool notin (kafka,worker)", false),
        ("environment=dev,role=server", false),
    ] {
        assert_eq!(selects(sel, &labels), want, "{sel}");
    }
}

#[test]
fn created_counts_seconds_from_2025() {
    assert_eq!(timestamp(0), "2025-01-01T00:00:00+00:00");
    assert_eq!(timestamp(61), "2025-01-01T00:01:01+00:00");
    assert_eq!(timestamp(86_400 * 59), "2025-03-01T00:00:00+00:00");
    assert_eq!(timestamp(86_400 * 365 + 3_600), "2026-01-01T01:00:00+00:00");
}

#[test]
fn concurrent_writers_each_get_their_own_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.json");
    // flock is per open file: threads conflict like Terraform's parallel operations.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                cloud::with_cloud_at(&path, |c| Ok(c.new_id().0))
                    .unwrap()
                    .unwrap()
            })
        })
        .collect();
    let mut ids: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    let c: Cloud = cloud::load(&path).unwrap();
    assert_eq!((c.last_id, c.clock, c.format), (8, 8, cloud::FORMAT));
}

#[test]
fn a_hand_written_cloud_file_may_leave_fields_out_but_not_invent_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.json");
    std::fs::write(&path, r#"{"format":1,"primary_ips":[{"id":3,"name":"ip","type":"ipv4","datacenter":"nbg1-dc3"}]}"#).unwrap();
    let c = cloud::load(&path).unwrap();
    assert_eq!(
        (
            c.primary_ips[0].id,
            c.primary_ips[0].assignee_id,
            c.servers.len()
        ),
        (3, None, 0)
    );
    std::fs::write(&path, r#"{"format":1,"servers_typo":[]}"#).unwrap();
    assert!(
        cloud::load(&path)
            .unwrap_err()
            .contains("unknown field `servers_typo`")
    );
    std::fs::write(&path, r#"{"format":2}"#).unwrap();
    assert!(
        cloud::load(&path)
            .unwrap_err()
            .contains("has format 2, the stand-in reads format 1")
    );
    assert_eq!(
        cloud::load(&dir.path().join("absent.json")).unwrap().format,
        cloud::FORMAT
    );
}
