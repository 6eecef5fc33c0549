//! Built-in facts about Hetzner Cloud: server types and locations.
//!
//! `catalog { server-type … }` in `cluster.kdl` overrides or extends the
//! server types; prices are only built in for the types the reference cluster uses
//! (`cx22`, `cx23`) — anything else must be priced in `cluster.kdl` to appear in cost
//! figures.

use std::collections::BTreeMap;

use super::Span;

/// A Hetzner server type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServerType {
    /// Virtual CPUs.
    pub(crate) vcpu: u32,
    /// Memory in GB.
    pub(crate) ram_gb: u32,
    /// Monthly price in EUR (net), when known.
    pub(crate) eur_per_month: Option<f64>,
    /// Where `cluster.kdl` defines or overrides it (`None`: built in).
    pub(crate) span: Option<Span>,
}

/// Server types and the Primary IP price.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Catalog {
    /// Server types by name.
    pub(crate) server_types: BTreeMap<String, ServerType>,
    /// Monthly price of one Primary IP in EUR.
    pub(crate) primary_ip_eur: f64,
}

/// Built-in server types: (name, vCPU, RAM GB, EUR per month if known).
const BUILT_IN: &[(&str, u32, u32, Option<f64>)] = &[
    ("cx22", 2, 4, Some(3.99)),
    ("cx23", 2, 4, Some(7.49)),
    ("cx32", 4, 8, None),
    ("cx33", 4, 8, None),
    ("cx42", 8, 16, None),
    ("cx43", 8, 16, None),
    ("cx52", 16, 32, None),
    ("cx53", 16, 32, None),
    ("cpx11", 2, 2, None),
    ("cpx21", 3, 4, None),
    ("cpx31", 4, 8, None),
    ("cpx41", 8, 16, None),
    ("cpx51", 16, 32, None),
    ("cax11", 2, 4, None),
    ("cax21", 4, 8, None),
    ("cax31", 8, 16, None),
    ("cax41", 16, 32, None),
    ("ccx13", 2, 8, None),
    ("ccx23", 4, 16, None),
    ("ccx33", 8, 32, None),
    ("ccx43", 16, 64, None),
    ("ccx53", 32, 128, None),
    ("ccx63", 48, 192, None),
];

impl Default for Catalog {
    fn default() -> Self {
        Self {
            server_types: BUILT_IN
                .iter()
                .map(|&(name, vcpu, ram_gb, eur)| {
                    (
                        name.to_owned(),
                        ServerType {
                            vcpu,
                            ram_gb,
                            eur_per_month: eur,
                            span: None,
                        },
                    )
                })
                .collect(),
            primary_ip_eur: 1.0,
        }
    }
}

/// Hetzner locations: (location, network zone, datacenters).
pub(crate) const LOCATIONS: &[(&str, &str, &[&str])] = &[
    ("fsn1", "eu-central", &["fsn1-dc14"]),
    ("nbg1", "eu-central", &["nbg1-dc3"]),
    ("hel1", "eu-central", &["hel1-dc2"]),
    ("ash", "us-east", &["ash-dc1"]),
    ("hil", "us-west", &["hil-dc1"]),
    ("sin", "ap-southeast", &["sin-dc1"]),
];

/// Hetzner's European locations: the only ones that offer the `cx` (Intel
/// and cost-optimised) and `cax` (Arm) server types.
pub(crate) const EU_LOCATIONS: &[&str] = &["fsn1", "nbg1", "hel1"];

/// The locations that offer a built-in server type, when they are not all
/// of them: `cx*` and `cax*` only in Europe (`cpx*` and `ccx*` everywhere).
/// `None` for the others and for a type `cluster.kdl` adds to the catalog,
/// whose availability topogen does not know.
pub(crate) fn offered_in(server_type: &str) -> Option<&'static [&'static str]> {
    let built_in = BUILT_IN.iter().any(|(n, ..)| *n == server_type);
    let eu_only = server_type.starts_with("cax")
        || (server_type.starts_with("cx") && !server_type.starts_with("cxp"));
    (built_in && eu_only).then_some(EU_LOCATIONS)
}

/// The network zone of a known location.
pub(crate) fn zone_of(location: &str) -> Option<&'static str> {
    LOCATIONS
        .iter()
        .find(|(l, _, _)| *l == location)
        .map(|(_, z, _)| *z)
}
