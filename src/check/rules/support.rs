//! Helpers shared by the validation rules: name and label syntax, selector
//! matching and port-interval arithmetic. The NodePorts a topology uses, its
//! broker count and metadata version are facts of the resolved model
//! (`model::resolve`: `Topology::node_ports`, …), not computed here.
//!
//! Everything here is total: no input makes it panic, and nothing is
//! quadratic in the number of nodes (ports and addresses are handled as
//! intervals, never enumerated one by one).

use crate::model::{KeyValue, Pool, Taint, Topology};

pub(crate) use crate::diag::{list, suggest};

/// [`crate::diag::did_you_mean`] followed by a space, or nothing: the prefix
/// of a help line that goes on.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    crate::diag::did_you_mean(word, candidates).map_or_else(String::new, |s| s + " ")
}

/// True when a suggested fix may be derived from `value` (lower-cased, say):
/// never from something that looks like a credential, which the fix would
/// repeat in a form the masking of printed text may not recognise.
pub(crate) fn may_echo(value: &str) -> bool {
    super::secrets_literal::looks_like_secret(value).is_none()
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What is wrong with `s` as a DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, ≤ 63).
pub(crate) fn dns_label_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("it is empty")
    } else if s.len() > 63 {
        Some("it is longer than 63 characters")
    } else if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Some("it has uppercase letters")
    } else if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("only lowercase letters, digits and `-` are allowed")
    } else if s.starts_with('-') || s.ends_with('-') {
        Some("it must start and end with a letter or digit")
    } else {
        None
    }
}

/// What is wrong with `s` as a DNS-1123 subdomain (dot-separated labels, ≤ 253).
pub(crate) fn dns_subdomain_problem(s: &str) -> Option<&'static str> {
    if s.len() > 253 {
        return Some("it is longer than 253 characters");
    }
    s.split('.').find_map(|part| {
        if part.len() > 63 {
            Some("a dot-separated part is longer than 63 characters")
        } else {
            dns_label_problem(part)
        }
    })
}

fn label_name_problem(s: &str) -> Option<&'static str> {
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    if s.is_empty() {
        Some("the name is empty")
    } else if s.len() > 63 {
        Some("the name is longer than 63 characters")
    } else if !s
        .bytes()
        .all(|b| alnum(b) || b == b'-' || b == b'_' || b == b'.')
    {
        Some("only letters, digits, `-`, `_` and `.` are allowed")
    } else if !s.bytes().next().is_some_and(alnum) || !s.bytes().last().is_some_and(alnum) {
        Some("it must start and end with a letter or digit")
    } else {
        None
    }
}

/// What is wrong with `key` as a Kubernetes label key (`[prefix/]name`).
pub(crate) fn label_key_problem(key: &str) -> Option<String> {
    match key.split_once('/') {
        Some((_, name)) if name.contains('/') => Some("it has more than one `/`".to_owned()),
        Some((prefix, name)) => {
            if prefix.is_empty() {
                return Some("the prefix before `/` is empty".to_owned());
            }
            if let Some(p) = dns_subdomain_problem(prefix) {
                return Some(format!("the prefix `{prefix}` is not a DNS subdomain: {p}"));
            }
            label_name_problem(name).map(str::to_owned)
        }
        None => label_name_problem(key).map(str::to_owned),
    }
}

/// What is wrong with `value` as a Kubernetes label value (empty, or a label name).
pub(crate) fn label_value_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        None
    } else {
        label_name_problem(value).map(|p| match p {
            "the name is longer than 63 characters" => "it is longer than 63 characters",
            other => other,
        })
    }
}

/// True when `pool`'s nodes carry the label `kv`.
pub(crate) fn matches(pool: &Pool, kv: &KeyValue) -> bool {
    pool.has_label(&kv.key.value, &kv.value.value)
}

/// The pool's first taint that keeps pods without a toleration away.
pub(crate) fn repelling_taint(pool: &Pool) -> Option<&Taint> {
    pool.taints
        .iter()
        .find(|t| t.effect.value == "NoSchedule" || t.effect.value == "NoExecute")
}

/// The listener types Strimzi accepts (the schema's `listener type=`).
pub(crate) use crate::model::schema::LISTENER_TYPES;

/// The number of Kafka brokers is known: the broker pool exists and its
/// `count` lowered (else the error about either is what to report, not the
/// broker NodePorts it leaves unused).
pub(crate) fn brokers_known(t: &Topology) -> bool {
    t.kafka.as_ref().is_none_or(|k| {
        t.pool(&k.brokers.value)
            .is_some_and(|p| !t.is_invalid(p.count.span))
    })
}

/// Sorts and merges intervals into disjoint, non-adjacent ones.
pub(crate) fn merge(mut v: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    v.retain(|(a, b)| a <= b);
    v.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The parts of `first..=last` that no interval of `merged` (from [`merge`]) covers.
pub(crate) fn uncovered(first: u32, last: u32, merged: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut at = u64::from(first);
    let end = u64::from(last);
    let start = merged.partition_point(|&(_, b)| b < first);
    for &(a, b) in merged.get(start..).unwrap_or(&[]) {
        if at > end || u64::from(a) > end {
            break;
        }
        if u64::from(a) > at {
            out.push((at as u32, a - 1));
        }
        at = at.max(u64::from(b) + 1);
    }
    if at <= end {
        out.push((at as u32, last));
    }
    out
}

/// `22` or `30001-30004`.
pub(crate) fn port_range(first: u32, last: u32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// `port=22` or `port="30001-30004"`, as written in `cluster.kdl`.
pub(crate) fn port_prop(first: u32, last: u32) -> String {
    if first == last {
        format!("port={first}")
    } else {
        format!("port=\"{first}-{last}\"")
    }
}

/// `30005-30010, 30020` (at most three runs, then `…`).
pub(crate) fn port_ranges(runs: &[(u32, u32)]) -> String {
    let mut s: Vec<String> = runs
        .iter()
        .take(3)
        .map(|&(a, b)| port_range(a, b))
        .collect();
    if runs.len() > 3 {
        s.push("…".to_owned());
    }
    s.join(", ")
}

/// Number of ports in the runs.
pub(crate) fn port_count(runs: &[(u32, u32)]) -> u64 {
    runs.iter()
        .map(|&(a, b)| u64::from(b).saturating_sub(u64::from(a)) + 1)
        .sum()
}

/// A version `X.Y.Z` (each part decimal digits), with an optional
/// `-prerelease` and `+build` suffix; the parsed numbers.
pub(crate) fn semver(s: &str) -> Option<(u64, u64, u64)> {
    let (core, build) = match s.split_once('+') {
        Some((c, b)) => (c, Some(b)),
        None => (s, None),
    };
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (core, None),
    };
    let ident_ok = |x: &str| {
        !x.is_empty()
            && x.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    if pre.is_some_and(|p| !ident_ok(p)) || build.is_some_and(|b| !ident_ok(b)) {
        return None;
    }
    let mut parts = core.split('.');
    let num = |p: Option<&str>| -> Option<u64> {
        let p = p?;
        if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let v = (num(parts.next())?, num(parts.next())?, num(parts.next())?);
    parts.next().is_none().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        let m = merge(vec![(30001, 30004), (22, 22), (30005, 30005), (5, 1)]);
        assert_eq!(m, vec![(22, 22), (30001, 30005)]);
        assert_eq!(
            uncovered(30000, 30006, &m),
            vec![(30000, 30000), (30006, 30006)]
        );
        assert_eq!(uncovered(30001, 30005, &m), vec![]);
        assert_eq!(uncovered(0, u32::MAX, &[]), vec![(0, u32::MAX)]);
        assert_eq!(uncovered(u32::MAX, u32::MAX, &[(0, u32::MAX)]), vec![]);
    }

    #[test]
    fn names() {
        assert!(dns_label_problem("k3s-trading").is_none());
        assert!(dns_label_problem("K3s").is_some());
        assert!(dns_label_problem("-a").is_some());
        assert!(label_key_problem("node-role.kubernetes.io/control-plane").is_none());
        assert!(label_key_problem("role").is_none());
        assert!(label_key_problem("a/b/c").is_some());
        assert!(label_key_problem("/b").is_some());
        assert!(label_value_problem("").is_none());
        assert!(label_value_problem("control-plane").is_none());
        assert!(label_value_problem("-x").is_some());
        assert_eq!(semver("1.13.4"), Some((1, 13, 4)));
        assert_eq!(semver("0.15.0-1"), Some((0, 15, 0)));
        assert_eq!(semver("1.34.1+k3s1"), Some((1, 34, 1)));
        assert_eq!(semver("1.2"), None);
        assert_eq!(semver("1.2.3.4"), None);
        assert_eq!(semver("1.2.3-"), None);
        assert_eq!(list(&["a", "b", "c"], 5), "`a`, `b` and `c`");
    }
}
