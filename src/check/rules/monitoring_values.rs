//! `topogen::monitoring::values`: a monitoring chart version, retention or volume size Helm or Prometheus refuses.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Spanned, Topology};

use super::kafka_storage::is_quantity;
use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::monitoring::values",
    severity: Severity::Error,
    summary: "a monitoring chart version, retention or volume size Helm or Prometheus refuses",
    docs: r#"## What it does
Checks the values of `monitoring` that reach the Helm installs: the kube-prometheus-stack
chart version as `X.Y.Z` (its charts have no `v`), the grafana-operator chart version as
`vX.Y.Z` (its charts have one), Prometheus's `retention` as a Prometheus duration greater
than zero (`30d`, `12h`, `2w`), and `storage` as a Kubernetes quantity (`20Gi`).

## Why is this bad?
Helm looks a chart version up verbatim, so `77.6` or `5.20.0` for `v5.20.0` is "chart not
found" in the middle of a deploy, after the servers are up. Prometheus refuses a retention
such as `30 days` at start-up (the operator keeps the pod crash-looping), and a retention
of `0d` means "keep the default" rather than "keep nothing". The volume claim with a size
such as `20 GB` is refused by the API server when the chart is installed."#,
    fail: r#"monitoring {
    prometheus version="v77.6" retention="30 days" storage="20 GB"
    grafana-operator version="5.20.0"
}
"#,
    fixed: r#"monitoring {
    prometheus version="77.6.0" retention="30d" storage="20Gi"
    grafana-operator version="v5.20.0"
}
"#,
    check: Check::Topology(check),
};

/// `X.Y.Z`, no build suffix.
fn plain(s: &str) -> bool {
    support::semver(s).is_some() && !s.contains('+')
}

/// A Prometheus duration of one unit, greater than zero: `30d`, `12h`.
fn duration(s: &str) -> bool {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(end);
    !number.is_empty()
        && number.len() <= 9
        && number.bytes().any(|b| b != b'0')
        && matches!(unit, "ms" | "s" | "m" | "h" | "d" | "w" | "y")
}

fn report(out: &mut Findings, message: String, v: &Spanned<String>, label: &str, help: &str) {
    out.push(
        Finding::new(&RULE, message)
            .label(v.span, label)
            .help(help.to_owned()),
    );
}

fn check(t: &Topology, out: &mut Findings) {
    let Some(m) = &t.monitoring else { return };
    let p = &m.prometheus;
    if !p.version.value.is_empty() && !plain(&p.version.value) {
        report(
            out,
            format!(
                "kube-prometheus-stack chart version `{}` is not `X.Y.Z`",
                p.version.value
            ),
            &p.version,
            "Helm looks this version up verbatim",
            "write the chart version as published, without a `v`: `version=\"77.6.0\"`",
        );
    }
    if let Some(g) = &m.grafana_operator
        && !g.value.is_empty()
        && !g.value.strip_prefix('v').is_some_and(plain)
    {
        report(
            out,
            format!(
                "grafana-operator chart version `{}` is not `vX.Y.Z`",
                g.value
            ),
            g,
            "Helm looks this version up verbatim",
            "write the chart version as published, with its `v`: `version=\"v5.20.0\"`",
        );
    }
    if !duration(&p.retention.value) {
        report(
            out,
            format!(
                "Prometheus retention `{}` is not a duration Prometheus accepts",
                p.retention.value
            ),
            &p.retention,
            "expected a whole number above 0 and one unit",
            "write it like `retention=\"30d\"`: units ms, s, m, h, d, w, y, no spaces",
        );
    }
    if !is_quantity(&p.storage.value) {
        report(
            out,
            format!(
                "Prometheus volume size `{}` is not a Kubernetes quantity",
                p.storage.value
            ),
            &p.storage,
            "expected a number with an optional unit",
            "write it like `storage=\"20Gi\"`: no spaces, units such as Mi, Gi",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations() {
        for ok in ["30d", "12h", "2w", "1y", "500ms"] {
            assert!(duration(ok), "{ok}");
        }
        for bad in ["", "0d", "30", "d", "30 d", "30days", "1h30m", "-1d"] {
            assert!(!duration(bad), "{bad}");
        }
    }
}
