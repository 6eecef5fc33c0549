//! Reading and writing Terraform values (tf-provider's `ValueAny`: objects and maps are
//! `Map`, lists, sets and blocks are `List`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value as Json;
use tf_provider::value::ValueAny as V;

use crate::cloud::Labels;

static NULL: V = V::Null;

/// `v.k`, or null.
pub fn get<'a>(v: &'a V, k: &str) -> &'a V {
    match v {
        V::Map(m) => m.get(k).unwrap_or(&NULL),
        _ => &NULL,
    }
}

/// Sets `v.k` (when `v` is an object).
pub fn put(v: &mut V, k: &str, x: V) {
    if let V::Map(m) = v {
        m.insert(k.to_owned(), x);
    }
}

/// Sets `v.k` only where it is unknown.
pub fn fill(v: &mut V, k: &str, x: V) {
    if matches!(get(v, k), V::Unknown) {
        put(v, k, x);
    }
}

pub fn text(v: &V) -> Option<&str> {
    match v {
        V::String(s) => Some(s),
        _ => None,
    }
}

pub fn int(v: &V) -> Option<i64> {
    match v {
        V::Number(n) => Some(*n),
        V::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub fn id(v: &V) -> Option<u64> {
    int(v).and_then(|n| u64::try_from(n).ok())
}

pub fn flag(v: &V) -> Option<bool> {
    match v {
        V::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The elements of a list, set or block (none when null or unknown).
pub fn items(v: &V) -> &[V] {
    match v {
        V::List(l) => l,
        _ => &[],
    }
}

pub fn items_mut(v: &mut V) -> &mut [V] {
    match v {
        V::List(l) => l,
        _ => &mut [],
    }
}

pub fn is_unknown(v: &V) -> bool {
    matches!(v, V::Unknown)
}

/// Whether `v` or anything inside it is unknown.
pub fn has_unknown(v: &V) -> bool {
    match v {
        V::Unknown => true,
        V::List(l) => l.iter().any(has_unknown),
        V::Map(m) => m.values().any(has_unknown),
        _ => false,
    }
}

/// The strings of a map of strings (labels).
pub fn labels(v: &V) -> Labels {
    match v {
        V::Map(m) => m
            .iter()
            .filter_map(|(k, x)| text(x).map(|s| (k.clone(), s.to_owned())))
            .collect(),
        _ => Labels::new(),
    }
}

/// The strings of a list or set.
pub fn strings(v: &V) -> Vec<String> {
    items(v)
        .iter()
        .filter_map(|x| text(x).map(str::to_owned))
        .collect()
}

pub fn ids(v: &V) -> Vec<u64> {
    items(v).iter().filter_map(id).collect()
}

pub fn s(x: impl Into<String>) -> V {
    V::String(x.into())
}

pub fn n(x: u64) -> V {
    V::Number(i64::try_from(x).unwrap_or(i64::MAX))
}

pub fn list_n(xs: impl IntoIterator<Item = u64>) -> V {
    V::List(xs.into_iter().map(n).collect())
}

pub fn list_s(xs: impl IntoIterator<Item = String>) -> V {
    V::List(xs.into_iter().map(V::String).collect())
}

pub fn map_s(labels: &Labels) -> V {
    V::Map(
        labels
            .iter()
            .map(|(k, v)| (k.clone(), V::String(v.clone())))
            .collect(),
    )
}

pub fn object(pairs: impl IntoIterator<Item = (&'static str, V)>) -> V {
    V::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// Every computed attribute of `block` that `config` leaves null becomes unknown in
/// `state`, and so do the computed attributes that are null inside `state`'s nested blocks
/// (the values the provider fills in at apply).
pub fn unknown_computed(state: &mut V, config: &V, block: &Json) {
    if let Some(attrs) = block["attributes"].as_object() {
        for (name, attr) in attrs {
            if attr["computed"] == true && matches!(get(config, name), V::Null) {
                put(state, name, V::Unknown);
            }
        }
    }
    nested_unknown(state, block);
}

fn nested_unknown(state: &mut V, block: &Json) {
    let Some(types) = block["block_types"].as_object() else {
        return;
    };
    for (name, nested) in types {
        if let V::Map(m) = state
            && let Some(V::List(elements)) = m.get_mut(name)
        {
            for element in elements {
                if let Some(attrs) = nested["block"]["attributes"].as_object() {
                    for (attr_name, attr) in attrs {
                        if attr["computed"] == true && matches!(get(element, attr_name), V::Null) {
                            put(element, attr_name, V::Unknown);
                        }
                    }
                }
                nested_unknown(element, &nested["block"]);
            }
        }
    }
}

/// In an in-place update, a nested block element that leaves computed attributes null
/// takes them from the prior element that agrees with it on every value it sets (what
/// the SDK's diff does for set blocks); an element without one is new, and its computed
/// attributes are unknown.
pub fn unknown_in_new_elements(state: &mut V, prior: &V, block: &Json) {
    let Some(types) = block["block_types"].as_object() else {
        return;
    };
    for (name, nested) in types {
        let before = items(get(prior, name)).to_vec();
        let Some(attrs) = nested["block"]["attributes"].as_object() else {
            continue;
        };
        if let V::Map(m) = state
            && let Some(V::List(elements)) = m.get_mut(name)
        {
            for element in elements.iter_mut().filter(|e| !before.contains(e)) {
                let V::Map(fields) = &*element else { continue };
                let twin = before.iter().find(|p| {
                    fields
                        .iter()
                        .all(|(k, v)| matches!(v, V::Null) || get(p, k) == v)
                });
                for (attr_name, attr) in attrs {
                    if attr["computed"] == true && matches!(get(element, attr_name), V::Null) {
                        let value = twin.map_or(V::Unknown, |p| get(p, attr_name).clone());
                        put(element, attr_name, value);
                    }
                }
            }
        }
    }
}

/// Whatever is still unknown after apply becomes null (a value the API has none for).
pub fn settle(v: &mut V) {
    match v {
        V::Unknown => *v = V::Null,
        V::List(l) => l.iter_mut().for_each(settle),
        V::Map(m) => m.values_mut().for_each(settle),
        _ => {}
    }
}

/// A data source's result: `config` with every attribute of `block` present and nothing
/// unknown.
pub fn complete(v: &mut V, block: &Json) {
    if !matches!(v, V::Map(_)) {
        *v = V::Map(BTreeMap::new());
    }
    if let Some(attrs) = block["attributes"].as_object() {
        for name in attrs.keys() {
            if let V::Map(m) = v {
                m.entry(name.clone()).or_insert(V::Null);
            }
        }
    }
    if let Some(types) = block["block_types"].as_object() {
        for (name, nested) in types {
            if let V::Map(m) = v {
                let entry = m.entry(name.clone()).or_insert(V::List(Vec::new()));
                if matches!(entry, V::Null | V::Unknown) {
                    *entry = V::List(Vec::new());
                }
                for element in items_mut(entry) {
                    complete(element, &nested["block"]);
                }
            }
        }
    }
    settle(v);
}

/// A CIDR `a.b.c.d/n` or `x::/n` as (address, prefix length).
pub fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (ip, len) = text.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: u8 = len.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((ip, len))
}

/// The network address of `ip/len`.
pub fn network_of(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

/// An IPv4 CIDR as (first address, last address) numbers.
pub fn v4_range(cidr: &str) -> Option<(u32, u32)> {
    let (ip, len) = parse_cidr(cidr)?;
    let IpAddr::V4(a) = network_of(ip, len) else {
        return None;
    };
    let size = if len == 0 {
        u32::MAX
    } else {
        (1u32 << (32 - len)) - 1
    };
    let start = u32::from(a);
    Some((start, start.saturating_add(size)))
}
