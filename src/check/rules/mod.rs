//! One file per rule: its code, documentation, examples and check.

pub mod ip_duplicate_address;
pub mod ip_pool_capacity;
pub mod ip_pool_range;
pub mod ip_range_bounds;
pub mod ip_range_overlap;
pub mod ip_subnet;
pub mod schema_duplicate;
pub mod schema_missing;
pub mod schema_type;
pub mod schema_unknown_node;
pub mod schema_unknown_property;
pub(crate) mod support;
pub mod syntax_kdl;
pub mod syntax_limits;

use super::Rule;

/// Every rule, sorted by code (a test keeps it sorted and unique).
pub static ALL: &[&Rule] = &[
    &ip_duplicate_address::RULE,
    &ip_pool_capacity::RULE,
    &ip_pool_range::RULE,
    &ip_range_bounds::RULE,
    &ip_range_overlap::RULE,
    &ip_subnet::RULE,
    &schema_duplicate::RULE,
    &schema_missing::RULE,
    &schema_type::RULE,
    &schema_unknown_node::RULE,
    &schema_unknown_property::RULE,
    &syntax_kdl::RULE,
    &syntax_limits::RULE,
];
