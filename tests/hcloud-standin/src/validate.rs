//! The checks the provider makes in code before it calls the API (NOTES.md, "Validation
//! the provider enforces beyond types"), with the provider's messages. They run at
//! `terraform validate` and `plan`; a value that is still unknown is not checked.

use std::net::IpAddr;
use std::sync::OnceLock;

use regex::Regex;
use tf_provider::value::ValueAny as V;
use tf_provider::{AttributePath, Diagnostics};

use crate::values::{get, id, items, network_of, parse_cidr, text};

fn label_key() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^([a-z0-9A-Z]((?:[\-_.]|[a-z0-9A-Z]){0,253}[a-z0-9A-Z])?/)?[a-z0-9A-Z]((?:[\-_.]|[a-z0-9A-Z]|){0,61}[a-z0-9A-Z])?$")
            .expect("hcloud-go's label key pattern")
    })
}

fn label_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(([a-z0-9A-Z](?:[\-_.]|[a-z0-9A-Z]){0,61})?[a-z0-9A-Z]$|$)")
            .expect("hcloud-go's label value pattern")
    })
}

/// hcloud-go's `ValidateResourceLabels` (hcloud/labels.go): the first bad key or value.
pub fn label_error(labels: &V) -> Option<(String, String)> {
    let V::Map(m) = labels else { return None };
    for (k, v) in m {
        if !label_key().is_match(k) {
            return Some((
                k.clone(),
                format!("label key '{k}' is not correctly formatted"),
            ));
        }
        if let Some(v) = text(v)
            && !label_value().is_match(v)
        {
            return Some((
                k.clone(),
                format!("label value '{v}' (key: {k}) is not correctly formatted"),
            ));
        }
    }
    None
}

fn one_of(diags: &mut Diagnostics, value: &V, allowed: &[&str], path: AttributePath, name: &str) {
    if let Some(v) = text(value)
        && !allowed.contains(&v)
    {
        let list: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
        diags.error_short(
            format!("expected {name} to be one of [{}], got {v}", list.join(" ")),
            path,
        );
    }
}

/// normalizeIP + validateIPDiag (internal/firewall/validation.go): a bare IP is a /32 or
/// /128; a CIDR must name its network's first address.
pub fn firewall_cidr_error(cidr: &str) -> Option<String> {
    let normalized = if cidr.contains('/') {
        cidr.to_owned()
    } else {
        match cidr.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => format!("{cidr}/32"),
            Ok(IpAddr::V6(_)) => format!("{cidr}/128"),
            Err(_) => return Some(format!("invalid CIDR address: {cidr}")),
        }
    };
    let Some((ip, len)) = parse_cidr(&normalized) else {
        return Some(format!("invalid CIDR address: {cidr}"));
    };
    let start = network_of(ip, len);
    if start != ip {
        return Some(format!(
            "{cidr} is not the start of the cidr block {start}/{len}"
        ));
    }
    None
}

/// The provider block (hcloud/provider.go:45-75).
pub fn provider(diags: &mut Diagnostics, config: &V) {
    if let Some(token) = text(get(config, "token"))
        && token.chars().count() != 64
    {
        diags.error_short(
            "expected length of token to be in the range (64 - 64), got <sensitive>",
            AttributePath::new("token"),
        );
    }
    one_of(
        diags,
        get(config, "poll_function"),
        &["constant", "exponential"],
        AttributePath::new("poll_function"),
        "poll_function",
    );
}

/// A Go `time.ParseDuration` string (`500ms`, `1m30s`, `2h`).
pub fn go_duration(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[-+]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$").expect("a pattern")
    })
    .is_match(s)
}

/// A resource's configuration, by type name (`hcloud_server`, …).
pub fn resource(diags: &mut Diagnostics, kind: &str, config: &V) {
    if let Some((key, msg)) = label_error(get(config, "labels")) {
        let path = AttributePath::new("labels");
        // hcloud_ssh_key's labelsValidator reports at the map key; the SDK ones at the map.
        let path = if kind == "hcloud_ssh_key" {
            path.key(key)
        } else {
            path
        };
        diags.error_short(msg, path);
    }
    match kind {
        "hcloud_server" => server(diags, config),
        "hcloud_network" => {
            if let Some(range) = text(get(config, "ip_range"))
                && parse_cidr(range).is_none_or(|(ip, _)| !ip.is_ipv4())
            {
                diags.error_short(
                    format!("expected ip_range to contain a valid CIDR, got: {range}"),
                    AttributePath::new("ip_range"),
                );
            }
        }
        "hcloud_network_subnet" => one_of(
            diags,
            get(config, "type"),
            &["cloud", "server", "vswitch"],
            AttributePath::new("type"),
            "type",
        ),
        "hcloud_firewall" => firewall(diags, config),
        "hcloud_placement_group" => one_of(
            diags,
            get(config, "type"),
            &["spread"],
            AttributePath::new("type"),
            "type",
        ),
        "hcloud_load_balancer" => {
            for (i, a) in items(get(config, "algorithm")).iter().enumerate() {
                one_of(
                    diags,
                    get(a, "type"),
                    &["round_robin", "least_connections"],
                    AttributePath::new("algorithm")
                        .index(i as i64)
                        .attribute("type"),
                    "algorithm.0.type",
                );
            }
            for (i, t) in items(get(config, "target")).iter().enumerate() {
                one_of(
                    diags,
                    get(t, "type"),
                    &["server"],
                    AttributePath::new("target")
                        .index(i as i64)
                        .attribute("type"),
                    "target.0.type",
                );
            }
        }
        "hcloud_rdns" => rdns(diags, config),
        _ => {}
    }
}

fn server(diags: &mut Diagnostics, config: &V) {
    if text(get(config, "image")) == Some("") {
        diags.error_short("image must not be empty", AttributePath::new("image"));
    }
    for (i, key) in items(get(config, "ssh_keys")).iter().enumerate() {
        if text(key) == Some("") {
            diags.error_short(
                "ssh_keys must not contain empty values",
                AttributePath::new("ssh_keys").index(i as i64),
            );
        }
    }
    // validateUniqueNetworkIDs (CustomizeDiff): IDs not yet known are skipped.
    let mut seen = Vec::new();
    for network in items(get(config, "network")) {
        if let Some(nid) = id(get(network, "network_id")) {
            if seen.contains(&nid) {
                diags.error_short(
                    "server is only allowed to be attached to each network once",
                    AttributePath::new("network"),
                );
                break;
            }
            seen.push(nid);
        }
    }
}

fn firewall(diags: &mut Diagnostics, config: &V) {
    for (i, rule) in items(get(config, "rule")).iter().enumerate() {
        let at = |name: &'static str| AttributePath::new("rule").index(i as i64).attribute(name);
        one_of(
            diags,
            get(rule, "direction"),
            &["in", "out"],
            at("direction"),
            "direction",
        );
        one_of(
            diags,
            get(rule, "protocol"),
            &["tcp", "udp", "icmp", "esp", "gre"],
            at("protocol"),
            "protocol",
        );
        for field in ["source_ips", "destination_ips"] {
            for cidr in items(get(rule, field)) {
                if let Some(cidr) = text(cidr)
                    && let Some(msg) = firewall_cidr_error(cidr)
                {
                    diags.error_short(msg, at(field));
                }
            }
        }
    }
}

fn rdns(diags: &mut Diagnostics, config: &V) {
    let set: Vec<&str> = [
        "floating_ip_id",
        "load_balancer_id",
        "primary_ip_id",
        "server_id",
    ]
    .into_iter()
    .filter(|k| !matches!(get(config, k), V::Null))
    .collect();
    if set.len() != 1 {
        let msg = if set.is_empty() {
            "one of `floating_ip_id,load_balancer_id,primary_ip_id,server_id` must be specified"
                .to_owned()
        } else {
            format!(
                "only one of `floating_ip_id,load_balancer_id,primary_ip_id,server_id` can be specified, but `{}` were specified.",
                set.join(",")
            )
        };
        diags.error_short(msg, AttributePath::new("server_id"));
    }
    if let Some(ip) = text(get(config, "ip_address"))
        && ip.parse::<IpAddr>().is_err()
    {
        diags.error_short(
            format!("expected ip_address to contain a valid IP, got: {ip}"),
            AttributePath::new("ip_address"),
        );
    }
}

/// A data source's configuration, by type name.
pub fn data_source(diags: &mut Diagnostics, kind: &str, config: &V) {
    let exactly_one = |diags: &mut Diagnostics, keys: &[&str]| {
        let set: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| !matches!(get(config, k), V::Null))
            .collect();
        if set.len() != 1 {
            let listed: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            diags.root_error(
                "Invalid Attribute Combination",
                format!(
                    "Exactly one of these attributes must be configured: [{}]",
                    listed.join(",")
                ),
            );
        }
    };
    let conflict = |diags: &mut Diagnostics, a: &'static str, b: &str| {
        if !matches!(get(config, a), V::Null) && !matches!(get(config, b), V::Null) {
            diags.error_short(
                format!("\"{a}\": conflicts with {b}"),
                AttributePath::new(a),
            );
        }
    };
    match kind {
        "hcloud_ssh_key" => exactly_one(
            diags,
            &["id", "name", "fingerprint", "selector", "with_selector"],
        ),
        "hcloud_location" | "hcloud_server_type" => exactly_one(diags, &["id", "name"]),
        "hcloud_server" => conflict(diags, "selector", "with_selector"),
        "hcloud_image" => {
            conflict(diags, "selector", "with_selector");
            conflict(diags, "with_selector", "name");
        }
        _ => {}
    }
}
