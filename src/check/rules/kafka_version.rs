//! `topogen::kafka::version`: the Kafka version is not one the pinned Strimzi release supports.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::version",
    severity: Severity::Error,
    summary: "the Kafka version is not one the pinned Strimzi release supports",
    docs: r#"## What it does
Checks, when the cluster has a `kafka`, that `versions { kafka … }` is one of the Kafka
versions the pinned `versions { strimzi … }` release supports, and that an explicit
`metadata-version=` is not newer than the Kafka version. topogen knows Strimzi 0.48.0
(Kafka 4.0.0 and 4.1.0); for a Strimzi release it does not know, the check is skipped.

## Why is this bad?
The operator refuses any other version at runtime ("Unsupported Kafka.spec.kafka.version"),
after the cluster was provisioned and the deploy workflow is half-way through."#,
    fail: r#"versions {
    strimzi "0.48.0"
    kafka "3.9.0"
}
"#,
    fixed: r#"versions {
    strimzi "0.48.0"
    kafka "4.1.0"
}
"#,
    check: Check::Topology(check),
};

/// Strimzi release → the Kafka versions it supports.
const SUPPORTED: &[(&str, &[&str])] = &[("0.48.0", &["4.0.0", "4.1.0"])];

/// `4.0` or `4.0-IV3` → (4, 0).
fn metadata(s: &str) -> Option<(u64, u64)> {
    let core = match s.split_once("-IV") {
        Some((c, iv)) if !iv.is_empty() && iv.bytes().all(|b| b.is_ascii_digit()) => c,
        Some(_) => return None,
        None => s,
    };
    let (a, b) = core.split_once('.')?;
    let num = |x: &str| -> Option<u64> {
        (!x.is_empty() && x.len() <= 9 && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse().ok())
            .flatten()
    };
    Some((num(a)?, num(b)?))
}

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let v = &t.versions;
    if let Some((_, kafkas)) = SUPPORTED.iter().find(|(s, _)| *s == v.strimzi.value)
        && !kafkas.contains(&v.kafka.value.as_str())
    {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "Strimzi {} does not support Kafka {}",
                    v.strimzi.value, v.kafka.value
                ),
            )
            .label(v.kafka.span, "unsupported Kafka version")
            .label(v.strimzi.span, format!("supports {}", kafkas.join(" and ")))
            .help(format!(
                "{}Strimzi {} runs Kafka {}",
                support::did_you_mean(&v.kafka.value, kafkas.iter().copied()),
                v.strimzi.value,
                support::list(kafkas, 8)
            )),
        );
        return;
    }
    let Some(mv) = &k.metadata_version else {
        return;
    };
    let Some(kv) = support::semver(&v.kafka.value) else {
        return; // topogen::versions::syntax
    };
    match metadata(&mv.value) {
        None => out.push(
            Finding::new(&RULE, format!("`{}` is not a KRaft metadata version", mv.value))
                .label(mv.span, "expected `MAJOR.MINOR` or `MAJOR.MINOR-IVn`")
                .help(format!(
                    "e.g. `metadata-version=\"{}.{}\"`, or leave it out to use the Kafka version's default",
                    kv.0, kv.1
                )),
        ),
        Some(m) if m > (kv.0, kv.1) => out.push(
            Finding::new(
                &RULE,
                format!(
                    "metadata version {} is newer than Kafka {}",
                    mv.value, v.kafka.value
                ),
            )
            .label(mv.span, "too new")
            .label(v.kafka.span, format!("Kafka {}", v.kafka.value))
            .help(format!(
                "use `metadata-version=\"{}.{}\"` or older, or leave it out",
                kv.0, kv.1
            )),
        ),
        Some(_) => {}
    }
}
