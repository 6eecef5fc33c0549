//! In-place updates of every kind that has them, without Terraform: the planned name
//! (unique per kind), labels and delete protection reach the fake cloud, a taken name is
//! the API's `uniqueness_error`, and a failed update changes nothing.

use hcloud_standin::api;
use hcloud_standin::cloud::{self, Cloud};
use hcloud_standin::values::{get, object, put, s};
use tf_provider::value::ValueAny as V;

fn labels(pairs: &[(&str, &str)]) -> V {
    V::Map(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), s(*v)))
            .collect(),
    )
}

/// The planned state of one object of `kind` named `name`.
fn planned(kind: &str, name: &str) -> V {
    let mut v = object([
        ("name", s(name)),
        ("labels", labels(&[("environment", "dev")])),
        ("delete_protection", V::Bool(false)),
        ("id", V::Unknown),
    ]);
    let extra: Vec<(&str, V)> = match kind {
        "hcloud_network" => vec![("ip_range", s("10.0.0.0/16"))],
        "hcloud_ssh_key" => vec![(
            "public_key",
            s(format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5{name}")),
        )],
        "hcloud_placement_group" => vec![("type", s("spread"))],
        "hcloud_primary_ip" => vec![
            ("type", s("ipv4")),
            ("assignee_type", s("server")),
            ("datacenter", s("nbg1-dc3")),
        ],
        "hcloud_volume" => vec![("size", V::Number(10)), ("location", s("nbg1"))],
        "hcloud_floating_ip" => vec![("type", s("ipv4")), ("home_location", s("nbg1"))],
        "hcloud_load_balancer" => {
            vec![("load_balancer_type", s("lb11")), ("location", s("nbg1"))]
        }
        _ => Vec::new(),
    };
    for (k, x) in extra {
        put(&mut v, k, x);
    }
    v
}

/// The name, labels and delete protection of object `id` as the fake cloud has them.
fn seen(c: &Cloud, kind: &str, id: &str) -> (String, String, Option<bool>) {
    let j = serde_json::to_value(c).unwrap();
    let list = match kind {
        "hcloud_network" => "networks",
        "hcloud_firewall" => "firewalls",
        "hcloud_ssh_key" => "ssh_keys",
        "hcloud_placement_group" => "placement_groups",
        "hcloud_primary_ip" => "primary_ips",
        "hcloud_volume" => "volumes",
        "hcloud_floating_ip" => "floating_ips",
        _ => "load_balancers",
    };
    let o = j[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"].as_u64().map(|x| x.to_string()).as_deref() == Some(id))
        .unwrap()
        .clone();
    (
        o["name"].as_str().unwrap().to_owned(),
        o["labels"].to_string(),
        o["delete_protection"].as_bool(),
    )
}

#[test]
fn every_kind_updates_its_name_labels_and_protection_in_place() {
    for kind in [
        "hcloud_network",
        "hcloud_firewall",
        "hcloud_ssh_key",
        "hcloud_placement_group",
        "hcloud_primary_ip",
        "hcloud_volume",
        "hcloud_floating_ip",
        "hcloud_load_balancer",
    ] {
        let mut c = Cloud {
            format: cloud::FORMAT,
            ..Cloud::default()
        };
        let mut a = planned(kind, "a");
        api::create(&mut c, kind, &mut a).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let mut b = planned(kind, "b");
        api::create(&mut c, kind, &mut b).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let id = match get(&a, "id") {
            V::String(x) => x.clone(),
            other => panic!("{kind}: id {other:?}"),
        };

        let prior = a.clone();
        let mut next = a.clone();
        put(&mut next, "name", s("a2"));
        put(&mut next, "labels", labels(&[("environment", "prod")]));
        put(&mut next, "delete_protection", V::Bool(true));
        api::update(&mut c, kind, &prior, &mut next).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let (name, l, protection) = seen(&c, kind, &id);
        assert_eq!(name, "a2", "{kind}");
        assert_eq!(l, r#"{"environment":"prod"}"#, "{kind}");
        let protectable = !matches!(
            kind,
            "hcloud_firewall" | "hcloud_ssh_key" | "hcloud_placement_group"
        );
        assert_eq!(protection, protectable.then_some(true), "{kind}");

        // A name another object of the kind has: refused before anything changes.
        let mut taken = next.clone();
        put(&mut taken, "name", s("b"));
        put(&mut taken, "labels", labels(&[]));
        let err = api::update(&mut c, kind, &next, &mut taken).unwrap_err();
        assert_eq!(err.code, "uniqueness_error", "{kind}");
        let (name, l, _) = seen(&c, kind, &id);
        assert_eq!(
            (name.as_str(), l.as_str()),
            ("a2", r#"{"environment":"prod"}"#),
            "{kind}"
        );
    }
}
