//! `topogen show`: the resolved topology as tables.

use std::fmt::Write as _;

use crate::emit::context::EnvCtx;
use crate::model::Project;

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
            e.env,
            if e.production { " (production)" } else { "" },
            e.cluster,
            e.hetzner.location,
            e.hetzner.datacenter,
            e.network.cidr,
            e.network.subnet
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
                    .map(|l| format!("{}={}", l.key, l.value))
                    .collect();
                let _ = writeln!(
                    out,
                    "  {:<14} {:<32} {:<7} {:<6} {:<15} {:<9} {}",
                    n.name,
                    n.server_name,
                    p.role,
                    p.server_type,
                    n.ip,
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
                r.name,
                format!("{} - {}", r.first, r.last),
                r.nodes.len(),
                size,
                if r.reserved {
                    format!("reserved: {}", r.purpose)
                } else {
                    r.purpose.clone()
                }
            );
        }
        let c = &e.cost;
        let _ = writeln!(out, "\n  cost per month (EUR)");
        for row in &c.rows {
            let _ = writeln!(
                out,
                "  {:<16} {:>2} x {:<6} {:>9}",
                row.pool,
                row.count,
                row.server_type,
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
                c.unpriced.join(", ")
            );
        }
        out.push('\n');
    }
    out
}
