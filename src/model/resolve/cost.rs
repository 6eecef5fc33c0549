//! Monthly cost of one environment, from the catalog's prices.

use super::env::ResolvedPool;
use crate::model::Topology;

/// Hours in an average month, as Hetzner bills (monthly cap).
pub(crate) const HOURS_PER_MONTH: f64 = 730.0;

/// Cost figures, EUR per month, rounded to cents.
#[derive(Debug)]
pub(crate) struct Cost {
    /// One row per pool, in pool order.
    pub(crate) rows: Vec<CostRow>,
    /// Number of Primary IPs.
    pub(crate) primary_ips: u32,
    /// Primary IPs per month.
    pub(crate) primary_ips_eur: f64,
    /// Everything, always on.
    pub(crate) always_on_eur: f64,
    /// Servers for `hours-per-day × days-per-month` hours (at most
    /// [`HOURS_PER_MONTH`]), Primary IPs all month.
    pub(crate) ephemeral_eur: f64,
    /// Saving of the schedule, percent (rounded).
    pub(crate) saving_percent: u32,
    /// Pools with nodes whose server type has no price (excluded from the totals).
    pub(crate) unpriced: Vec<String>,
}

/// One pool's cost.
#[derive(Debug)]
pub(crate) struct CostRow {
    /// Pool name.
    pub(crate) pool: String,
    /// Server type.
    pub(crate) server_type: String,
    /// Node count.
    pub(crate) count: u32,
    /// Per node, if the server type has a price.
    pub(crate) unit_eur: Option<f64>,
    /// All the pool's nodes.
    pub(crate) total_eur: Option<f64>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Cost {
    pub(super) fn new(t: &Topology, pools: &[ResolvedPool<'_>]) -> Self {
        let mut rows = Vec::new();
        let mut unpriced = Vec::new();
        let mut servers = 0.0;
        for p in pools {
            let unit = p.catalog.and_then(|s| s.eur_per_month);
            let count = p.count.value;
            let total = unit.map(|u| round2(u * f64::from(count)));
            match total {
                Some(x) => servers += x,
                None if count > 0 => unpriced.push(p.name.value.clone()),
                None => {}
            }
            rows.push(CostRow {
                pool: p.name.value.clone(),
                server_type: p.server_type.value.clone(),
                count,
                unit_eur: unit,
                total_eur: total,
            });
        }
        let primary_ips = pools.iter().filter(|p| p.primary_ip.is_some()).count() as u32;
        let primary_ips_eur = round2(t.catalog.primary_ip_eur * f64::from(primary_ips));
        let always_on = round2(servers + primary_ips_eur);
        let fraction = (f64::from(t.schedule.hours_per_day.value)
            * f64::from(t.schedule.days_per_month.value)
            / HOURS_PER_MONTH)
            .min(1.0);
        let ephemeral = round2(servers * fraction + primary_ips_eur);
        let saving = if always_on > 0.0 {
            ((1.0 - ephemeral / always_on) * 100.0).round() as u32
        } else {
            0
        };
        Self {
            rows,
            primary_ips,
            primary_ips_eur,
            always_on_eur: always_on,
            ephemeral_eur: ephemeral,
            saving_percent: saving,
            unpriced,
        }
    }
}
