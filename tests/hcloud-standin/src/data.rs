//! The data sources, read from the fake cloud and the catalogue: lookups by ID, name,
//! address or label selector in the provider's order, with its "not found" and
//! "more than one" errors.

use tf_provider::value::ValueAny as V;

use crate::catalog::catalog;
use crate::cloud::{Cloud, Labels};
use crate::named::Named;
use crate::values::{flag, get, id, list_n, list_s, map_s, n, object, put, s, strings, text};

/// Whether `labels` match a label selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`,
/// `k in (a,b)`, `k notin (a,b)`, comma-separated, all must hold).
pub fn selects(selector: &str, labels: &Labels) -> bool {
    split_selector(selector).iter().all(|term| {
        let term = term.trim();
        if let Some((k, set)) = term.split_once(" notin ") {
            let vals = set_values(set);
            return labels
                .get(k.trim())
                .is_none_or(|v| !vals.contains(&v.as_str()));
        }
        if let Some((k, set)) = term.split_once(" in ") {
            let vals = set_values(set);
            return labels
                .get(k.trim())
                .is_some_and(|v| vals.contains(&v.as_str()));
        }
        if let Some((k, v)) = term.split_once("!=") {
            return labels.get(k.trim()).is_none_or(|x| x != v.trim());
        }
        if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            return labels.get(k.trim()).is_some_and(|x| x == v.trim());
        }
        if let Some(k) = term.strip_prefix('!') {
            return !labels.contains_key(k.trim());
        }
        labels.contains_key(term)
    })
}

fn set_values(set: &str) -> Vec<&str> {
    set.trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .collect()
}

/// Splits on commas outside parentheses.
fn split_selector(selector: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&selector[start..]);
    out.into_iter().filter(|t| !t.trim().is_empty()).collect()
}

/// How a data source names its object.
enum Key<'a> {
    Id(u64),
    Name(&'a str),
    Ip(&'a str),
    Selector(&'a str),
}

fn key<'a>(config: &'a V, order: &[&str]) -> Option<Key<'a>> {
    for k in order {
        let v = get(config, k);
        match *k {
            "id" => {
                if let Some(i) = id(v).filter(|i| *i != 0) {
                    return Some(Key::Id(i));
                }
            }
            "name" | "fingerprint" => {
                if let Some(t) = text(v).filter(|t| !t.is_empty()) {
                    return Some(Key::Name(t));
                }
            }
            "ip_address" => {
                if let Some(t) = text(v).filter(|t| !t.is_empty()) {
                    return Some(Key::Ip(t));
                }
            }
            _ => {
                if let Some(t) = text(v) {
                    return Some(Key::Selector(t));
                }
            }
        }
    }
    None
}

/// One object among `all` by `key`: (id, name, ip, labels) per object.
fn pick<'a, T>(
    all: &'a [T],
    key: &Key,
    what: &str,
    facts: impl Fn(&T) -> (u64, &str, &str, &Labels),
    most_recent: bool,
) -> Result<&'a T, String> {
    let found: Vec<&T> = all
        .iter()
        .filter(|x| {
            let (i, name, ip, labels) = facts(x);
            match key {
                Key::Id(want) => i == *want,
                Key::Name(want) => name == *want,
                Key::Ip(want) => ip == *want,
                Key::Selector(sel) => selects(sel, labels),
            }
        })
        .collect();
    let described = match key {
        Key::Id(i) => format!("id {i}"),
        Key::Name(n) => format!("name {n}"),
        Key::Ip(ip) => format!("ip address {ip}"),
        Key::Selector(sel) => format!("selector {sel}"),
    };
    match found.as_slice() {
        [] => Err(format!("no {what} found with {described}")),
        [one] => Ok(one),
        [.., last] if most_recent => Ok(last),
        more => Err(format!(
            "more than one {what} found with {described} ({} matches)",
            more.len()
        )),
    }
}

/// [`pick`] among objects of the fake cloud, found by ID, name or label selector.
fn pick_named<'a, T: Named>(
    all: &'a [T],
    key: &Key,
    what: &str,
    most_recent: bool,
) -> Result<&'a T, String> {
    pick(
        all,
        key,
        what,
        |x| (x.id(), x.name(), "", x.labels()),
        most_recent,
    )
}

/// The attributes of every data source of a fake-cloud object: `id`, `name`, `labels`.
fn put_named(out: &mut V, x: &impl Named) {
    put(out, "id", n(x.id()));
    put(out, "name", s(x.name()));
    put(out, "labels", map_s(x.labels()));
}

/// The first catalogue entry among `all` whose (name, id) `facts` match `config`'s
/// `name` or `id`, or the provider's "not found" error naming what `config` asked for.
fn by_name_or_id<'a, T>(
    all: &'a [T],
    config: &V,
    what: &str,
    facts: impl Fn(&T) -> (&str, i64),
) -> Result<&'a T, String> {
    let name = text(get(config, "name"));
    let want = id(get(config, "id"));
    all.iter()
        .find(|x| {
            let (n, i) = facts(x);
            name == Some(n) || want.map(|w| w as i64) == Some(i)
        })
        .ok_or_else(|| {
            format!(
                "no {what} found with {}",
                name.map(|n| format!("name {n}"))
                    .or_else(|| want.map(|i| format!("id {i}")))
                    .unwrap_or_default()
            )
        })
}

/// Reads the data source `kind` for `config` into `out`.
pub fn read(cloud: &Cloud, kind: &str, config: &V, out: &mut V) -> Result<(), String> {
    match kind {
        "hcloud_primary_ip" => {
            let k = key(config, &["id", "name", "ip_address", "with_selector"])
                .ok_or("please specify a id, ip_address or a selector")?;
            let ip = pick(
                &cloud.primary_ips,
                &k,
                "primary ip",
                |p| (p.id, &p.name, &p.ip, &p.labels),
                false,
            )?;
            put_named(out, ip);
            put(out, "type", s(&ip.kind));
            put(out, "ip_address", s(&ip.ip));
            put(out, "ip_network", s(&ip.ip_network));
            put(out, "datacenter", s(&ip.datacenter));
            put(out, "assignee_id", n(ip.assignee_id.unwrap_or(0)));
            put(out, "assignee_type", s(&ip.assignee_type));
            put(out, "auto_delete", V::Bool(ip.auto_delete));
            put(out, "delete_protection", V::Bool(ip.delete_protection));
        }
        "hcloud_ssh_key" => {
            let k = key(
                config,
                &["id", "name", "fingerprint", "with_selector", "selector"],
            )
            .ok_or("please specify an id, a name, a fingerprint or a selector")?;
            let by_fingerprint = text(get(config, "fingerprint")).is_some();
            let key = pick(
                &cloud.ssh_keys,
                &k,
                "ssh key",
                |k| {
                    let name = if by_fingerprint {
                        &k.fingerprint
                    } else {
                        &k.name
                    };
                    (k.id, name, "", &k.labels)
                },
                false,
            )?;
            put_named(out, key);
            put(out, "fingerprint", s(&key.fingerprint));
            put(out, "public_key", s(&key.public_key));
        }
        "hcloud_network" => {
            let k = key(config, &["id", "name", "with_selector"])
                .ok_or("please specify an id, a name or a selector to lookup the network")?;
            let net = pick_named(&cloud.networks, &k, "network", false)?;
            put_named(out, net);
            put(out, "ip_range", s(&net.ip_range));
            put(out, "delete_protection", V::Bool(net.delete_protection));
            put(
                out,
                "expose_routes_to_vswitch",
                V::Bool(net.expose_routes_to_vswitch),
            );
        }
        "hcloud_firewall" => {
            let k = key(config, &["id", "name", "with_selector"])
                .ok_or("please specify an id, a name or a selector to lookup the firewall")?;
            let most_recent = flag(get(config, "most_recent")).unwrap_or(false);
            let fw = pick_named(&cloud.firewalls, &k, "firewall", most_recent)?;
            put_named(out, fw);
            let rules = fw
                .rules
                .iter()
                .map(|r| {
                    object([
                        ("direction", s(&r.direction)),
                        ("protocol", s(&r.protocol)),
                        ("port", r.port.clone().map_or(V::Null, s)),
                        ("source_ips", list_s(r.source_ips.clone())),
                        ("destination_ips", list_s(r.destination_ips.clone())),
                        ("description", r.description.clone().map_or(V::Null, s)),
                    ])
                })
                .collect();
            put(out, "rule", V::List(rules));
            let applied = fw
                .applied_to
                .iter()
                .map(|a| {
                    object([
                        ("server", n(a.server.unwrap_or(0))),
                        (
                            "label_selector",
                            s(a.label_selector.clone().unwrap_or_default()),
                        ),
                    ])
                })
                .collect();
            put(out, "apply_to", V::List(applied));
        }
        "hcloud_server" => {
            let k = key(config, &["id", "name", "with_selector", "selector"])
                .ok_or("please specify a id, name or a selector")?;
            let statuses = strings(get(config, "with_status"));
            let candidates: Vec<_> = cloud
                .servers
                .iter()
                .filter(|x| statuses.is_empty() || statuses.contains(&x.status))
                .cloned()
                .collect();
            let srv = pick_named(&candidates, &k, "server", false)?;
            put_named(out, srv);
            put(out, "server_type", s(&srv.server_type));
            put(out, "image", s(&srv.image));
            put(out, "location", s(&srv.location));
            put(out, "datacenter", s(&srv.datacenter));
            put(out, "status", s(&srv.status));
            for (k, v) in cloud.public_addresses(srv) {
                put(out, k, s(v));
            }
            put(out, "primary_disk_size", n(srv.primary_disk_size));
            put(out, "backups", V::Bool(srv.backups));
            put(out, "backup_window", s(""));
            put(out, "delete_protection", V::Bool(srv.delete_protection));
            put(out, "rebuild_protection", V::Bool(srv.rebuild_protection));
            put(out, "iso", s(""));
            put(out, "rescue", s(""));
            put(
                out,
                "placement_group_id",
                srv.placement_group.map_or(V::Null, n),
            );
            let firewalls = cloud.firewalls_of(srv.id).map(|f| f.id);
            put(out, "firewall_ids", list_n(firewalls));
            let networks = srv
                .private_net
                .iter()
                .map(|p| {
                    object([
                        ("network_id", n(p.network)),
                        ("ip", s(&p.ip)),
                        ("alias_ips", list_s(p.alias_ips.clone())),
                        ("mac_address", s(&p.mac_address)),
                    ])
                })
                .collect();
            put(out, "network", V::List(networks));
        }
        "hcloud_image" => {
            let arch = text(get(config, "with_architecture")).unwrap_or("x86");
            let k = key(config, &["id", "name", "with_selector", "selector"])
                .ok_or("please specify an id, a name or a selector to lookup the image")?;
            let images: Vec<_> = catalog()
                .images
                .iter()
                .filter(|i| matches!(k, Key::Id(_)) || i.architecture == arch)
                .collect();
            let no_labels = Labels::new();
            let most_recent = flag(get(config, "most_recent")).unwrap_or(false);
            let img = pick(
                &images,
                &k,
                "image",
                |i| (u64::try_from(i.id).unwrap_or(0), &i.name, "", &no_labels),
                most_recent,
            )?;
            put(out, "id", V::Number(img.id));
            put(out, "name", s(&img.name));
            put(out, "type", s(&img.kind));
            put(out, "description", s(&img.description));
            put(out, "os_flavor", s(&img.os_flavor));
            put(out, "os_version", s(&img.os_version));
            put(out, "architecture", s(&img.architecture));
            put(out, "rapid_deploy", V::Bool(img.rapid_deploy));
            put(out, "created", s(&img.created));
            put(out, "deprecated", s(&img.deprecated));
            put(out, "labels", V::Map(Default::default()));
        }
        "hcloud_location" => {
            let loc = by_name_or_id(&catalog().locations, config, "location", |l| {
                (&l.name, l.id)
            })?;
            put(out, "id", V::Number(loc.id));
            put(out, "name", s(&loc.name));
            put(out, "description", s(&loc.description));
            put(out, "country", s(&loc.country));
            put(out, "city", s(&loc.city));
            put(out, "latitude", V::Number(loc.latitude));
            put(out, "longitude", V::Number(loc.longitude));
            put(out, "network_zone", s(&loc.network_zone));
        }
        "hcloud_server_type" => {
            let t = by_name_or_id(&catalog().server_types, config, "server type", |t| {
                (&t.name, t.id)
            })?;
            put(out, "id", V::Number(t.id));
            put(out, "name", s(&t.name));
            put(out, "description", s(&t.description));
            put(out, "cores", V::Number(t.cores));
            put(out, "memory", V::Number(t.memory));
            put(out, "disk", V::Number(t.disk));
            put(out, "cpu_type", s(&t.cpu_type));
            put(out, "architecture", s(&t.architecture));
            put(out, "category", s(&t.category));
            put(out, "storage_type", s(&t.storage_type));
            put(out, "included_traffic", V::Number(0));
            put(out, "is_deprecated", V::Bool(false));
            put(out, "deprecation_announced", s(""));
            put(out, "unavailable_after", s(""));
            let locations = t
                .locations
                .iter()
                .filter_map(|name| catalog().location(name))
                .map(|l| {
                    object([
                        ("id", V::Number(l.id)),
                        ("name", s(&l.name)),
                        ("is_deprecated", V::Bool(false)),
                        ("deprecation_announced", s("")),
                        ("unavailable_after", s("")),
                    ])
                })
                .collect();
            put(out, "locations", V::List(locations));
        }
        other => {
            return Err(format!(
                "the stand-in does not know the data source {other}"
            ));
        }
    }
    Ok(())
}
