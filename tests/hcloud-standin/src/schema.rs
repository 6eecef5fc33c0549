//! The served schema: `schema/hcloud-provider-schema.json` (the `terraform providers
//! schema -json` shape of hetznercloud/hcloud v1.54.0) turned into tf-provider's types.
//!
//! tf-provider 0.2.2 cannot say everything the JSON says; where it cannot, the nearest
//! expressible form is served and [`DEVIATIONS`] names the difference, so that the schema
//! test can hold everything else to the file byte for byte.

use serde_json::Value as Json;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
    StringKind,
};

/// The schema file, as committed (a copy of `shared/schemas/hcloud-provider-1.54.0/`).
pub const SCHEMA_JSON: &str = include_str!("../schema/hcloud-provider-schema.json");

/// The provider's source address in the schema file.
pub const SOURCE: &str = "registry.terraform.io/hetznercloud/hcloud";

/// What tf-provider 0.2.2 serves differently from the file, as (JSON path pattern, what
/// Terraform prints instead). `*` stands for any resource or data source name. The
/// schema test removes exactly these differences and compares the rest.
pub const DEVIATIONS: &[(&str, &str)] = &[
    (
        "*.block.block_types.*.max_items (set/list blocks without a bound)",
        "tf-provider sends max_items = i64::MAX for every list and set block",
    ),
    (
        "resource hcloud_server.block.block_types.timeouts.nesting_mode",
        "\"list\" with max_items 1: tf-provider's single blocks are sent with min_items 1, which would make `timeouts` required",
    ),
    (
        "data source hcloud_server_type.block.attributes.locations.nested_type",
        "a computed `type` list(object) without nested_type: tf-provider sends a type with every nested attribute, which Terraform rejects (\"Type and NestedType cannot both be set\")",
    ),
];

/// The provider's part of the schema file.
pub fn provider_json() -> Json {
    let all: Json = serde_json::from_str(SCHEMA_JSON).expect("the committed schema is JSON");
    all["provider_schemas"][SOURCE].clone()
}

/// A schema entry of the file (`{"version": …, "block": …}`) as tf-provider's schema.
pub fn to_schema(entry: &Json) -> Schema {
    Schema {
        version: entry["version"].as_i64().unwrap_or(0),
        block: to_block(&entry["block"]),
    }
}

fn description(node: &Json) -> Description {
    let content = node["description"].as_str().unwrap_or("").to_owned();
    let kind = if node["description_kind"] == "markdown" {
        StringKind::Markdown
    } else {
        StringKind::Plain
    };
    Description { kind, content }
}

/// The entries of the JSON object `v` (none if it is not one), each value through `f`.
fn named<T, C: FromIterator<(String, T)> + Default>(v: &Json, f: impl Fn(&Json) -> T) -> C {
    v.as_object()
        .map(|o| o.iter().map(|(name, x)| (name.clone(), f(x))).collect())
        .unwrap_or_default()
}

fn to_block(block: &Json) -> Block {
    let attributes = named(&block["attributes"], to_attribute);
    let blocks = named(&block["block_types"], to_nested);
    Block {
        version: 0,
        attributes,
        blocks,
        description: description(block),
        deprecated: block["deprecated"].as_bool().unwrap_or(false),
    }
}

fn to_nested(nested: &Json) -> NestedBlock {
    let block = to_block(&nested["block"]);
    match nested["nesting_mode"].as_str() {
        Some("set") => NestedBlock::Set(block),
        Some("list") if nested["max_items"] == 1 => NestedBlock::Optional(block),
        Some("list") => NestedBlock::List(block),
        Some("map") => NestedBlock::Map(block),
        // See DEVIATIONS: a single block is served as a list of at most one.
        _ => NestedBlock::Optional(block),
    }
}

fn to_attribute(attr: &Json) -> Attribute {
    let flag = |name: &str| attr[name].as_bool().unwrap_or(false);
    let constraint = if flag("required") {
        AttributeConstraint::Required
    } else if flag("optional") && flag("computed") {
        AttributeConstraint::OptionalComputed
    } else if flag("optional") {
        AttributeConstraint::Optional
    } else {
        AttributeConstraint::Computed
    };
    let attr_type = match attr.get("nested_type") {
        // See DEVIATIONS: served as the plain collection-of-objects type it stands for.
        Some(nested) => {
            let object = AttributeType::Object(
                nested["attributes"]
                    .as_object()
                    .map(|attrs| {
                        attrs
                            .iter()
                            .map(|(name, a)| (name.clone(), to_type(&a["type"])))
                            .collect()
                    })
                    .unwrap_or_default(),
            );
            match nested["nesting_mode"].as_str() {
                Some("set") => AttributeType::Set(Box::new(object)),
                Some("map") => AttributeType::Map(Box::new(object)),
                Some("single") => object,
                _ => AttributeType::List(Box::new(object)),
            }
        }
        None => to_type(&attr["type"]),
    };
    Attribute {
        attr_type,
        description: description(attr),
        constraint,
        sensitive: flag("sensitive"),
        deprecated: flag("deprecated"),
    }
}

fn to_type(ty: &Json) -> AttributeType {
    match ty {
        Json::String(s) if s == "string" => AttributeType::String,
        Json::String(s) if s == "number" => AttributeType::Number,
        Json::String(s) if s == "bool" => AttributeType::Bool,
        Json::Array(pair) if pair.len() == 2 => {
            let inner = &pair[1];
            match pair[0].as_str() {
                Some("list") => AttributeType::List(Box::new(to_type(inner))),
                Some("set") => AttributeType::Set(Box::new(to_type(inner))),
                Some("map") => AttributeType::Map(Box::new(to_type(inner))),
                Some("object") => AttributeType::Object(
                    inner
                        .as_object()
                        .map(|o| o.iter().map(|(k, v)| (k.clone(), to_type(v))).collect())
                        .unwrap_or_default(),
                ),
                _ => AttributeType::Any,
            }
        }
        _ => AttributeType::Any,
    }
}
