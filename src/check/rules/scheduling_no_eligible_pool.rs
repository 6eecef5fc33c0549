//! `topogen::scheduling::no-eligible-pool`: a scheduling profile excludes every pool.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

use super::support;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::scheduling::no-eligible-pool",
    severity: Severity::Error,
    summary: "a scheduling profile excludes every pool",
    docs: r#"## What it does
Checks that every scheduling profile leaves at least one pool with nodes where its apps
can run: a pool that satisfies every `require`, matches no `avoid`, and has no
`NoSchedule`/`NoExecute` taint.

## Why is this bad?
Each selector may match some pool on its own while together they exclude all of them, or
the only pool they allow is tainted or scaled to zero in one environment. Kubernetes
accepts the affinity and the apps stay `Pending` forever."#,
    fail: r#"pool worker role=agent server-type=cx23 count=2 range=workers {
    labels role=worker
}
scheduling {
    profile batch {
        require role=worker
        avoid role=worker
    }
}
"#,
    fixed: r#"scheduling {
    profile batch {
        require role=worker
        avoid role=control-plane
    }
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    for profile in &t.profiles {
        let eligible = t.pools.iter().any(|p| {
            p.count.value > 0
                && support::repelling_taint(p).is_none()
                && profile.require.iter().all(|s| support::matches(p, s))
                && !profile.avoid.iter().any(|s| support::matches(p, s))
        });
        if eligible {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            format!(
                "no pool can run the apps of profile `{}`",
                profile.name.value
            ),
        )
        .label(profile.name.span, "every pool is excluded");
        for s in &profile.require {
            f = f.label(s.span, "required");
        }
        for s in &profile.avoid {
            f = f.label(s.span, "avoided");
        }
        out.push(f.help(
            "relax the profile's `require`/`avoid` selectors, or add a pool (with nodes and without a `NoSchedule` taint) that satisfies them",
        ));
    }
}
