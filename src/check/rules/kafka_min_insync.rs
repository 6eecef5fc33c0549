//! `topogen::kafka::min-insync`: `min-insync` is not below the replication factor.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::kafka::min-insync",
    severity: Severity::Error,
    summary: "`min-insync` is not below the replication factor",
    docs: r#"## What it does
Checks `replication min-insync=` (`min.insync.replicas`) against `factor=`: above the
factor is an error; equal to it is a warning in environments not marked
`production=#true` and an error in production ones.

## Why is this bad?
Producers writing with `acks=all` need `min-insync` replicas in sync. Above the factor they
can never write; equal to it, a single broker down (a restart, an upgrade, a node lost)
stops every such producer. One below the factor lets one broker fail. Strimzi does not
compare the two, so nothing else catches this before production traffic does."#,
    fail: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=3
    listener plain type=internal port=9092
}
"#,
    fixed: r#"kafka events brokers=kafka {
    replication factor=3 min-insync=2
    listener plain type=internal port=9092
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    let Some(k) = &t.kafka else { return };
    let (factor, min) = (&k.replication.factor, &k.replication.min_insync);
    if min.value > factor.value {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "`min-insync={}` exceeds the replication factor {}: producers with `acks=all` can never write",
                    min.value, factor.value
                ),
            )
            .label(min.span, format!("{} in-sync replicas required", min.value))
            .label(factor.span, format!("only {} replicas exist", factor.value))
            .help(format!(
                "set `min-insync` below the factor, e.g. `min-insync={}`",
                factor.value.saturating_sub(1).max(1)
            )),
        );
    } else if min.value == factor.value {
        let help = if factor.value == 1 {
            "with one replica no broker may fail; use `factor=3 min-insync=2` where there are 3 brokers or more".to_owned()
        } else {
            format!(
                "use `min-insync={}` so one broker may fail",
                factor.value - 1
            )
        };
        let mut f = Finding::new(
            &RULE,
            format!(
                "`min-insync={}` equals the replication factor: one broker down stops every `acks=all` producer",
                min.value
            ),
        )
        .label(min.span, "no replica may be missing")
        .label(factor.span, format!("{} replicas", factor.value));
        f = if t.env.production.value {
            f.label(t.env.production.span, "a production environment")
        } else {
            f.severity(Severity::Warning)
        };
        out.push(f.help(help));
    }
}
