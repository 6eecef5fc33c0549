//! `topogen::scheduling::control-plane`: apps may land on a pool marked `apps=#false`.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::{Pool, Profile, Role, Topology};

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::scheduling::control-plane",
    severity: Severity::Error,
    summary: "apps may land on a pool marked `apps=#false`",
    docs: r#"## What it does
Every pool with `apps=#false` (the control plane by default) must be kept out of every
scheduling profile: by an `avoid` that matches the pool's labels, by a `require` the pool
does not satisfy, or by a `NoSchedule`/`NoExecute` taint on the pool. When there are no
profiles at all, a warning says that nothing but a taint could keep apps off the pool.

## Why is this bad?
Apps never land on the control plane: a busy app starves the K3s server, ArgoCD and the
operators of CPU and memory, and an evicted control plane takes the whole cluster with it."#,
    fail: r#"pool ops role=agent server-type=cx23 count=1 range=kafka apps=#false {
    labels role=ops
}
pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role=worker
}
scheduling {
    profile apps {
        prefer role=worker weight=100
    }
}
/-pool kafka
/-kafka events
"#,
    fixed: r#"scheduling {
    profile apps {
        prefer role=worker weight=100
        avoid role=ops
    }
}
"#,
    check: Check::Topology(check),
};

fn excluded(pool: &Pool, profile: &Profile) -> bool {
    profile.avoid.iter().any(|s| support::matches(pool, s))
        || profile.require.iter().any(|s| !support::matches(pool, s))
}

fn check(t: &Topology, out: &mut Findings) {
    for pool in t
        .pools
        .iter()
        .filter(|p| !p.apps.value && p.count.value > 0)
    {
        if support::repelling_taint(pool).is_some() {
            continue;
        }
        // a label only this pool's kind carries, for the suggested `avoid`
        let distinct = pool.labels.iter().find(|l| {
            !t.pools
                .iter()
                .any(|o| o.apps.value && support::matches(o, l))
        });
        let fix = match distinct {
            Some(l) => format!(
                "add `avoid {}={}` to the profile, or taint the pool",
                l.key.value, l.value.value
            ),
            None => format!(
                "label pool `{}` (e.g. `labels role={}`) and `avoid` that label, or taint the pool",
                pool.name.value, pool.name.value
            ),
        };
        let taint = if pool.role.value == Role::Server {
            "`taint \"node-role.kubernetes.io/control-plane\" effect=NoSchedule`".to_owned()
        } else {
            format!(
                "`taint dedicated value={} effect=NoSchedule`",
                pool.name.value
            )
        };
        if t.profiles.is_empty() {
            out.push(
                Finding::new(
                    &RULE,
                    format!("nothing keeps apps off pool `{}`: no scheduling profile and no `NoSchedule` taint", pool.name.value),
                )
                .severity(Severity::Warning)
                .label(pool.apps.span, "apps are not meant to run here")
                .help(format!("taint the pool: {taint}, or add a scheduling profile that avoids it")),
            );
            continue;
        }
        for profile in t.profiles.iter().filter(|p| !excluded(pool, p)) {
            out.push(
                Finding::new(
                    &RULE,
                    format!(
                        "profile `{}` lets apps schedule on pool `{}`, which has `apps=#false`",
                        profile.name.value, pool.name.value
                    ),
                )
                .label(profile.name.span, "does not exclude the pool")
                .label(pool.apps.span, "apps are not meant to run here")
                .help(format!("{fix}: {taint}")),
            );
        }
    }
}
