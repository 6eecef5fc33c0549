//! `topogen show`: the resolved topology as tables, or as JSON.
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
            let _ = writeln!(
                out,
                "  {:<16} {:<33} {:>2}/{:<3} {}",
                shown(&r.name),
                format!("{} - {}", r.first, r.last),
                r.nodes.len(),
                size(r),
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

/// A price as the JSON document carries it: in cents, rounded.
fn eur(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The addresses a range holds.
fn size(r: &crate::emit::context::RangeCtx) -> u32 {
    r.to.saturating_sub(r.from) + 1
}

/// The resolved topology as `show --format json` prints it in its
/// `environments` member (docs/formats.md): every environment, or only
/// `only`, every text from `cluster.kdl` as [`shown`] shows it.
pub fn json(project: &Project, only: Option<&str>) -> serde_json::Value {
    project
        .envs
        .iter()
        .filter(|t| only.is_none_or(|o| t.env.name.value == o))
        .map(|topo| env_json(&EnvCtx::new(topo)))
        .collect()
}

fn env_json(e: &EnvCtx) -> serde_json::Value {
    use serde_json::json;
    let s = |v: &str| shown(v).into_owned();
    let labels = |p: &crate::emit::context::PoolCtx| {
        p.labels
            .iter()
            .map(|l| (s(&l.key), json!(s(&l.value))))
            .collect::<serde_json::Map<_, _>>()
    };
    let pools: Vec<_> = e
        .pools
        .iter()
        .map(|p| {
            json!({
                "name": s(&p.name),
                "role": s(&p.role),
                "server_type": s(&p.server_type),
                "count": p.count,
                "range": s(&p.range),
                "labels": labels(p),
            })
        })
        .collect();
    let nodes: Vec<_> = e
        .pools
        .iter()
        .flat_map(|p| {
            p.nodes.iter().map(move |n| {
                json!({
                    "name": s(&n.name),
                    "server": s(&n.server_name),
                    "pool": s(&p.name),
                    "role": s(&p.role),
                    "server_type": s(&p.server_type),
                    "private_ip": s(&n.ip),
                    "primary_ip": n.primary_ip,
                    "labels": labels(p),
                })
            })
        })
        .collect();
    let ranges: Vec<_> = e
        .ranges
        .iter()
        .map(|r| {
            json!({
                "name": s(&r.name),
                "first": s(&r.first),
                "last": s(&r.last),
                "size": size(r),
                "used": r.nodes.len(),
                "reserved": r.reserved,
                "purpose": s(&r.purpose),
            })
        })
        .collect();
    let c = &e.cost;
    json!({
        "name": s(&e.env),
        "production": e.production,
        "cluster": s(&e.cluster),
        "location": s(&e.hetzner.location),
        "datacenter": s(&e.hetzner.datacenter),
        "network": { "cidr": s(&e.network.cidr), "subnet": s(&e.network.subnet) },
        "pools": pools,
        "nodes": nodes,
        "ranges": ranges,
        "cost": {
            "currency": "EUR",
            "pools": c.rows.iter().map(|row| json!({
                "pool": s(&row.pool),
                "count": row.count,
                "server_type": s(&row.server_type),
                "per_month": row.total_eur.map(eur),
            })).collect::<Vec<_>>(),
            "primary_ips": c.primary_ips,
            "primary_ips_per_month": eur(c.primary_ips_eur),
            "always_on_per_month": eur(c.always_on_eur),
            "scheduled_per_month": eur(c.ephemeral_eur),
            "hours_per_day": e.schedule.hours_per_day,
            "days_per_month": e.schedule.days_per_month,
            "saving_percent": c.saving_percent,
            "unpriced": c.unpriced.iter().map(|u| s(u)).collect::<Vec<_>>(),
        },
    })
}
