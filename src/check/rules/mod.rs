//! One file per rule: its code, documentation, examples and check.
//!
//! # Examples are fragments
//!
//! A rule's `fail` and `fixed` examples hold only the children of `cluster` that
//! matter, written without the cluster's indentation, as ruff keeps its fixtures
//! small. [`crate::check::example::place`] puts `fail` into one base cluster,
//! [`crate::check::example::BASE`] (valid and without findings), and `fixed` over
//! that failing file, so `fixed` is the fix alone; the results are the complete
//! files that `tests/rules.rs` compiles and `topogen explain` prints:
//!
//! - A fragment is a list of nodes: a node starts at a line that begins with
//!   neither white space nor `}`, and owns the lines below it up to the next one.
//! - A node is known by its name and, when that is a bare word, its first argument
//!   (`pool kafka`, `environment dev`, `kafka events`; `hetzner`, `ip-plan`,
//!   `firewall`). A fragment node replaces the base node of the same key in place,
//!   with all its children: write the whole node as it should read.
//! - A node the base lacks goes after the base's last node of the same name (a new
//!   pool after the pools), or, when there is none, before the first
//!   `environment`. A key the fragment repeats is placed again after the first
//!   (`schema::duplicate`).
//! - `/-pool kafka` (KDL's "comment this node out") removes that base node.
//! - A line `cluster NAME` (no children) renames the cluster.
//!
//! Placement is textual, so a fragment may be invalid KDL (`syntax::kdl`). The
//! failing example reports its rule and nothing else (a test lists the two
//! unavoidable exceptions); the fixed one reports nothing at all.

pub mod cost_unpriced;
pub mod exposure_internal;
pub mod exposure_public;
pub mod firewall_unopened;
pub mod firewall_unused;
pub mod gitops_source;
pub mod hetzner_location;
pub mod ip_duplicate_address;
pub mod ip_pool_capacity;
pub mod ip_pool_range;
pub mod ip_range_bounds;
pub mod ip_range_overlap;
pub mod ip_subnet;
pub mod kafka_external_address;
pub mod kafka_listener;
pub mod kafka_listener_node_ports;
pub mod kafka_min_insync;
pub mod kafka_pool_labels;
pub mod kafka_pools;
pub mod kafka_quorum;
pub mod kafka_replication;
pub mod kafka_storage;
pub mod kafka_version;
pub mod labels_kubelet;
pub mod labels_syntax;
pub mod names_dns_label;
pub mod names_length;
pub mod pool_primary_ip;
pub mod pool_server;
pub mod pool_server_type;
pub mod pool_server_type_location;
pub mod ports_node_port_conflict;
pub mod ports_node_port_range;
pub mod scheduling_control_plane;
pub mod scheduling_no_eligible_pool;
pub mod scheduling_unmatched_selector;
pub mod schema_duplicate;
pub mod schema_missing;
pub mod schema_type;
pub mod schema_unknown_node;
pub mod schema_unknown_property;
pub mod schema_unmatched_override;
pub mod secrets_literal;
pub mod secrets_name;
pub mod secrets_usage;
pub(crate) mod support;
pub mod syntax_kdl;
pub mod syntax_limits;
pub mod versions_syntax;
pub mod versions_terraform_cli;

use super::Rule;

/// Every rule, sorted by code (a test keeps it sorted and unique).
pub static ALL: &[&Rule] = &[
    &cost_unpriced::RULE,
    &exposure_internal::RULE,
    &exposure_public::RULE,
    &firewall_unopened::RULE,
    &firewall_unused::RULE,
    &gitops_source::RULE,
    &hetzner_location::RULE,
    &ip_duplicate_address::RULE,
    &ip_pool_capacity::RULE,
    &ip_pool_range::RULE,
    &ip_range_bounds::RULE,
    &ip_range_overlap::RULE,
    &ip_subnet::RULE,
    &kafka_external_address::RULE,
    &kafka_listener::RULE,
    &kafka_listener_node_ports::RULE,
    &kafka_min_insync::RULE,
    &kafka_pool_labels::RULE,
    &kafka_pools::RULE,
    &kafka_quorum::RULE,
    &kafka_replication::RULE,
    &kafka_storage::RULE,
    &kafka_version::RULE,
    &labels_kubelet::RULE,
    &labels_syntax::RULE,
    &names_dns_label::RULE,
    &names_length::RULE,
    &pool_primary_ip::RULE,
    &pool_server::RULE,
    &pool_server_type::RULE,
    &pool_server_type_location::RULE,
    &ports_node_port_conflict::RULE,
    &ports_node_port_range::RULE,
    &scheduling_control_plane::RULE,
    &scheduling_no_eligible_pool::RULE,
    &scheduling_unmatched_selector::RULE,
    &schema_duplicate::RULE,
    &schema_missing::RULE,
    &schema_type::RULE,
    &schema_unknown_node::RULE,
    &schema_unknown_property::RULE,
    &schema_unmatched_override::RULE,
    &secrets_literal::RULE,
    &secrets_name::RULE,
    &secrets_usage::RULE,
    &syntax_kdl::RULE,
    &syntax_limits::RULE,
    &versions_syntax::RULE,
    &versions_terraform_cli::RULE,
];
