//! `topogen::cost::unpriced`: a pool's server type has no price.

use crate::check::{Check, Rule};
use crate::diag::{Finding, Findings, Severity};
use crate::model::Topology;

/// The rule.
pub(crate) const RULE: Rule = Rule {
    code: "topogen::cost::unpriced",
    severity: Severity::Warning,
    summary: "a pool's server type has no price, so the cost table is incomplete",
    docs: r#"## What it does
Warns when a pool uses a server type whose monthly price is unknown: topogen only builds in
the prices of `cx22` and `cx23`, so other types need `eur-per-month=` in the
`catalog`.

## Why is this bad?
The generated cost tables (always-on and ephemeral) would silently leave the pool out and
understate the monthly bill."#,
    fail: r#"pool worker role=agent server-type=cx33 count=2 range=workers
"#,
    fixed: r#"catalog {
    server-type cx33 vcpu=4 ram-gb=8 eur-per-month=5.49
}
"#,
    check: Check::Topology(check),
};

fn check(t: &Topology, out: &mut Findings) {
    for p in &t.pools {
        let ty = &p.server_type.value;
        let Some(st) = t.catalog.server_types.get(ty) else {
            continue; // topogen::pool::server-type
        };
        if st.eur_per_month.is_some() || p.count.value == 0 {
            continue;
        }
        out.push(
            Finding::new(
                &RULE,
                format!("server type `{ty}` of pool `{}` has no price", p.name.value),
            )
            .label(p.server_type.span, "no `eur-per-month` known for this type")
            .help(format!(
                "add its price so the cost table is complete: `catalog {{ server-type {ty} vcpu={} ram-gb={} eur-per-month=… }}`",
                st.vcpu, st.ram_gb
            )),
        );
    }
}
