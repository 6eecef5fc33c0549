//! `topogen show`: the resolved topology as tables.
//!
//! Every cell that comes from `cluster.kdl` is printed as [`shown`] shows it.

use std::fmt::Write as _;

use crate::emit::context::EnvCtx;
use crate::model::Project;
use crate::term::shown;

/// Renders every environment (or only `only`) as plain-text tables.
pub fn render(project: &Project, only: Option<&str>) -> String {
    let mut out = String::new();
    for topo in project
        .envs
        .iter()
        .filter(|t| only.is_none_or(|o| t.env.name.value == o))
    {
        let e = EnvCtx::new(topo);
        let _ = writeln!(
            out,
            "environment {}{}: cluster {} in {} ({}), network {} subnet {}",
            shown(&e.env),
            if e.production { " (production)" } else { "" },
            shown(&e.cluster),
            shown(&e.hetzner.location),
            shown(&e.hetzner.datacenter),
            shown(&e.network.cidr),
            shown(&e.network.subnet)
        );
        let _ = writeln!(
            out,
            "\n  {:<14} {:<32} {:<7} {:<6} {:<15} {:<8} labels",
            "node", "server", "role", "type", "private ip", "public"
        );
        for p in &e.pools {
            for n in &p.nodes {
                let labels: Vec<String> = p
                    .labels
                    .iter()
                    .map(|l| format!("{}={}", shown(&l.key), shown(&l.value)))
                    .collect();
                let _ = writeln!(
                    out,
                    "  {:<14} {:<32} {:<7} {:<6} {:<15} {:<9} {}",
                    shown(&n.name),
                    shown(&n.server_name),
                    shown(&p.role),
                    shown(&p.server_type),
                    shown(&n.ip),
                    if n.primary_ip { "primary" } else { "ephemeral" },
                    labels.join(",")
                );
            }
        }
        let _ = writeln!(
            out,
            "\n  {:<16} {:<33} {:>5}  use",
            "range", "addresses", "used"
        );
        for r in &e.ranges {
            let size = r.to.saturating_sub(r.from) + 1;
            let _ = writeln!(
                out,
                "  {:<16} {:<33} {:>2}/{:<3} {}",
                shown(&r.name),
                format!("{} - {}", r.first, r.last),
                r.nodes.len(),
                size,
                if r.reserved {
                    format!("reserved: {}", shown(&r.purpose))
                } else {
                    shown(&r.purpose).into_owned()
                }
            );
        }
        let c = &e.cost;
        let _ = writeln!(out, "\n  cost per month (EUR)");
        for row in &c.rows {
            let _ = writeln!(
                out,
                "  {:<16} {:>2} x {:<6} {:>9}",
                shown(&row.pool),
                row.count,
                shown(&row.server_type),
                row.total_eur
                    .map_or("no price".to_owned(), |t| format!("{t:.2}"))
            );
        }
        let _ = writeln!(
            out,
            "  {:<16} {:>2} x {:<6} {:>9.2}",
            "primary ips", c.primary_ips, "", c.primary_ips_eur
        );
        let _ = writeln!(out, "  {:<28} {:>9.2}", "always on", c.always_on_eur);
        let _ = writeln!(
            out,
            "  {:<28} {:>9.2}  ({} h/day, {} days/month; saves {}%)",
            "with the schedule",
            c.ephemeral_eur,
            e.schedule.hours_per_day,
            e.schedule.days_per_month,
            c.saving_percent
        );
        if !c.unpriced.is_empty() {
            let _ = writeln!(
                out,
                "  not priced (add eur-per-month in `catalog`): {}",
                shown(&c.unpriced.join(", "))
            );
        }
        out.push('\n');
    }
    out
}
