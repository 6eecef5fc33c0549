//! One file per rule: its code, documentation, examples and check.

pub mod schema_duplicate;
pub mod schema_missing;
pub mod schema_type;
pub mod schema_unknown_node;
pub mod schema_unknown_property;
pub mod syntax_kdl;
pub mod syntax_limits;

use super::Rule;

/// Every rule, sorted by code (a test keeps it sorted and unique).
pub static ALL: &[&Rule] = &[
    &schema_duplicate::RULE,
    &schema_missing::RULE,
    &schema_type::RULE,
    &schema_unknown_node::RULE,
    &schema_unknown_property::RULE,
    &syntax_kdl::RULE,
    &syntax_limits::RULE,
];
