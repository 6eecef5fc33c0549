//! `topogen show`: the resolved topology as tables, or as JSON.
//!
//! Every cell that comes from `cluster.kdl` is printed as [`shown`] shows it.

use std::fmt::Write as _;

use crate::model::resolve::{ResolvedPool, ResolvedRange, dotted};
use crate::model::{Project, Resolved};
use crate::term::shown;

/// Renders every environment (or only `only`) as plain-text tables.
pub fn render(project: &Project, only: Option<&str>) -> String {
    let mut out = String::new();
    for topo in project
        .envs
        .iter()
        .filter(|t| only.is_none_or(|o| t.env.name.value == o))
    {
        let e = Resolved::new(topo);
        let _ = writeln!(
            out,
            "environment {}{}: cluster {} in {} ({}), network {} subnet {}",
            shown(&topo.env.name.value),
            if topo.env.production.value {
                " (production)"
            } else {
                ""
            },
            shown(&topo.cluster.value),
            shown(&topo.hetzner.location.value),
            shown(&topo.hetzner.datacenter.value),
            shown(&topo.network.cidr.value.to_string()),
            shown(&topo.network.subnet.value.to_string())
        );
        let _ = writeln!(
            out,
            "\n  {:<14} {:<32} {:<7} {:<6} {:<15} {:<8} labels",
            "node", "server", "role", "type", "private ip", "public"
        );
        for p in &e.pools {
            for n in p.nodes.iter() {
                let labels: Vec<String> = p
                    .labels
                    .iter()
                    .map(|l| format!("{}={}", shown(&l.key.value), shown(&l.value.value)))
                    .collect();
                let _ = writeln!(
                    out,
                    "  {:<14} {:<32} {:<7} {:<6} {:<15} {:<9} {}",
                    shown(&n.name),
                    shown(&n.server_name),
                    shown(p.role.value.as_str()),
                    shown(&p.server_type.value),
                    shown(&n.private_ip),
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
            let purpose = r.range.purpose.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<16} {:<33} {:>2}/{:<3} {}",
                shown(&r.range.name.value),
                format!("{} - {}", address(r.first), address(r.last)),
                e.range_nodes(r).count(),
                r.size,
                if r.range.reserved.value {
                    format!("reserved: {}", shown(purpose))
                } else {
                    shown(purpose).into_owned()
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
            topo.schedule.hours_per_day.value,
            topo.schedule.days_per_month.value,
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

/// An address in dotted form, empty without one.
fn address(a: Option<std::net::Ipv4Addr>) -> String {
    a.map(dotted).unwrap_or_default()
}

/// The resolved topology as `show --format json` prints it in its
/// `environments` member (docs/formats.md): every environment, or only
/// `only`, every text from `cluster.kdl` as [`shown`] shows it.
pub(crate) fn json(project: &Project, only: Option<&str>) -> serde_json::Value {
    project
        .envs
        .iter()
        .filter(|t| only.is_none_or(|o| t.env.name.value == o))
        .map(|topo| env_json(&Resolved::new(topo)))
        .collect()
}

fn env_json(e: &Resolved<'_>) -> serde_json::Value {
    use serde_json::json;
    let t = e.topo;
    let s = |v: &str| shown(v).into_owned();
    let labels = |p: &ResolvedPool<'_>| {
        p.labels
            .iter()
            .map(|l| (s(&l.key.value), json!(s(&l.value.value))))
            .collect::<serde_json::Map<_, _>>()
    };
    let pools: Vec<_> = e
        .pools
        .iter()
        .map(|p| {
            json!({
                "name": s(&p.name.value),
                "role": s(p.role.value.as_str()),
                "server_type": s(&p.server_type.value),
                "count": p.count.value,
                "retired": p.retired.iter().map(|r| r.index.value).collect::<Vec<_>>(),
                "range": s(&p.range.value),
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
                    "index": n.index,
                    "server": s(&n.server_name),
                    "pool": s(&p.name.value),
                    "role": s(p.role.value.as_str()),
                    "server_type": s(&p.server_type.value),
                    "private_ip": s(&n.private_ip),
                    "primary_ip": n.primary_ip,
                    "labels": labels(p),
                })
            })
        })
        .collect();
    let ranges: Vec<_> = e
        .ranges
        .iter()
        .map(|r: &ResolvedRange<'_>| {
            json!({
                "name": s(&r.range.name.value),
                "first": s(&address(r.first)),
                "last": s(&address(r.last)),
                "size": r.size,
                "used": e.range_nodes(r).count(),
                "reserved": r.range.reserved.value,
                "purpose": s(r.range.purpose.as_deref().unwrap_or_default()),
            })
        })
        .collect();
    let c = &e.cost;
    json!({
        "name": s(&t.env.name.value),
        "production": t.env.production.value,
        "approval": t.env.approval.as_ref().map(|a| s(&a.value)),
        "cluster": s(&t.cluster.value),
        "location": s(&t.hetzner.location.value),
        "datacenter": s(&t.hetzner.datacenter.value),
        "ssh_key": s(&e.ssh_key),
        "network": {
            "cidr": s(&t.network.cidr.value.to_string()),
            "subnet": s(&t.network.subnet.value.to_string()),
        },
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
            "hours_per_day": t.schedule.hours_per_day.value,
            "days_per_month": t.schedule.days_per_month.value,
            "saving_percent": c.saving_percent,
            "unpriced": c.unpriced.iter().map(|u| s(u)).collect::<Vec<_>>(),
        },
    })
}
