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

pub(crate) mod approval_name;
pub(crate) mod cost_unpriced;
pub(crate) mod exposure_internal;
pub(crate) mod exposure_public;
pub(crate) mod firewall_unopened;
pub(crate) mod firewall_unused;
pub(crate) mod gitops_overlay;
pub(crate) mod gitops_source;
pub(crate) mod hetzner_location;
pub(crate) mod ip_duplicate_address;
pub(crate) mod ip_pool_capacity;
pub(crate) mod ip_pool_range;
pub(crate) mod ip_range_bounds;
pub(crate) mod ip_range_overlap;
pub(crate) mod ip_subnet;
pub(crate) mod kafka_external_address;
pub(crate) mod kafka_listener;
pub(crate) mod kafka_listener_node_ports;
pub(crate) mod kafka_min_insync;
pub(crate) mod kafka_owner;
pub(crate) mod kafka_pool_labels;
pub(crate) mod kafka_pools;
pub(crate) mod kafka_quorum;
pub(crate) mod kafka_replication;
pub(crate) mod kafka_storage;
pub(crate) mod kafka_topic_config;
pub(crate) mod kafka_topic_duplicate;
pub(crate) mod kafka_topic_min_insync;
pub(crate) mod kafka_topic_name;
pub(crate) mod kafka_topic_partitions;
pub(crate) mod kafka_topic_replicas;
pub(crate) mod kafka_version;
pub(crate) mod labels_kubelet;
pub(crate) mod labels_syntax;
pub(crate) mod monitoring_values;
pub(crate) mod names_dns_label;
pub(crate) mod names_length;
pub(crate) mod output_retire_tfvars_only;
pub(crate) mod pool_primary_ip;
pub(crate) mod pool_retire;
pub(crate) mod pool_server;
pub(crate) mod pool_server_type;
pub(crate) mod pool_server_type_location;
pub(crate) mod ports_node_port_conflict;
pub(crate) mod ports_node_port_range;
pub(crate) mod registry_token;
pub(crate) mod scheduling_control_plane;
pub(crate) mod scheduling_no_eligible_pool;
pub(crate) mod scheduling_unmatched_selector;
pub(crate) mod schema_duplicate;
pub(crate) mod schema_missing;
pub(crate) mod schema_type;
pub(crate) mod schema_unknown_node;
pub(crate) mod schema_unknown_property;
pub(crate) mod schema_unmatched_override;
pub(crate) mod secrets_literal;
pub(crate) mod secrets_name;
pub(crate) mod secrets_usage;
pub(crate) mod support;
pub(crate) mod syntax_kdl;
pub(crate) mod syntax_limits;
pub(crate) mod versions_syntax;
pub(crate) mod versions_terraform_cli;

use super::Rule;

/// Every rule, sorted by code (a test keeps it sorted and unique).
pub(crate) static ALL: &[&Rule] = &[
    &approval_name::RULE,
    &cost_unpriced::RULE,
    &exposure_internal::RULE,
    &exposure_public::RULE,
    &firewall_unopened::RULE,
    &firewall_unused::RULE,
    &gitops_overlay::RULE,
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
    &kafka_owner::RULE,
    &kafka_pool_labels::RULE,
    &kafka_pools::RULE,
    &kafka_quorum::RULE,
    &kafka_replication::RULE,
    &kafka_storage::RULE,
    &kafka_topic_config::RULE,
    &kafka_topic_duplicate::RULE,
    &kafka_topic_min_insync::RULE,
    &kafka_topic_name::RULE,
    &kafka_topic_partitions::RULE,
    &kafka_topic_replicas::RULE,
    &kafka_version::RULE,
    &labels_kubelet::RULE,
    &labels_syntax::RULE,
    &monitoring_values::RULE,
    &names_dns_label::RULE,
    &names_length::RULE,
    &output_retire_tfvars_only::RULE,
    &pool_primary_ip::RULE,
    &pool_retire::RULE,
    &pool_server::RULE,
    &pool_server_type::RULE,
    &pool_server_type_location::RULE,
    &ports_node_port_conflict::RULE,
    &ports_node_port_range::RULE,
    &registry_token::RULE,
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
