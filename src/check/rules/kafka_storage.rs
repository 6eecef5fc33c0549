//! `topogen::kafka::storage`: a storage class, volume size or resource amount Kubernetes refuses.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Spanned, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::storage",
    severity: Severity::Error,
    summary: "a storage class, volume size or resource amount Kubernetes refuses",
    docs: r#"## What it does
Checks the Kafka `storage` and `resources` values that reach the KafkaNodePool: the
storage class is a DNS-1123 subdomain (the name of a `StorageClass`), and `size`,
`memory` and `cpu` are Kubernetes quantities (`20Gi`, `500m`, `2`).

## Why is this bad?
The Strimzi CRD accepts any string here; the API server or the operator refuses it only
when the node pool is applied, in the middle of a deploy, with the cluster half up."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    storage type=persistent-claim size="20 GB" class="Local Path"
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
    storage type=persistent-claim size="20Gi" class=local-path
}
"#,
    check: Check::Topology(check),
};

/// A Kubernetes quantity: a decimal number with an optional suffix
/// (`Ki Mi Gi Ti Pi Ei`, `n u m k M G T P E`, or an exponent `e3`).
pub(crate) fn is_quantity(s: &str) -> bool {
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    let number_ok = !number.is_empty()
        && number.matches('.').count() <= 1
        && number != "."
        && number.len() <= 32;
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .is_some_and(|e| !e.is_empty() && e.len() <= 3 && e.bytes().all(|b| b.is_ascii_digit()));
    number_ok && suffix_ok
}

fn quantity(out: &mut Findings, what: &str, v: &Spanned<String>, example: &str) {
    if is_quantity(&v.value) {
        return;
    }
    out.push(
        Finding::new(
            &RULE,
            format!("{what} `{}` is not a Kubernetes quantity", v.value),
        )
        .label(v.span, "expected a number with an optional unit")
        .help(format!(
            "write it like `{example}`: no spaces, units such as Mi, Gi, m"
        )),
    );
}

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    if let Some(class) = &k.storage.class
        && let Some(problem) = support::dns_subdomain_problem(&class.value)
    {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "storage class `{}` is not a valid StorageClass name",
                    class.value
                ),
            )
            .label(class.span, problem)
            .help("name a StorageClass of the cluster, e.g. `class=local-path` (K3s's default)"),
        );
    }
    if let Some(size) = &k.storage.size {
        quantity(out, "volume size", size, "size=\"20Gi\"");
    }
    if let Some(m) = &k.resources.memory {
        quantity(out, "memory", m, "memory=\"2Gi\"");
    }
    if let Some(c) = &k.resources.cpu {
        quantity(out, "CPU", c, "cpu=\"500m\"");
    }
}

#[cfg(test)]
mod tests {
    use super::is_quantity;

    #[test]
    fn quantities() {
        for ok in ["20Gi", "500m", "2", "1.5", "1e3", "100M"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "20 GB", "Gi", "1.2.3", "-1", "1x", "$(x)"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }
}
