//! The leaf values of `cluster.kdl`: every property value and argument with
//! its span, where it sits (the node path), whether an `environment` block
//! wrote it, and the schema defaults a node leaves unwritten. What `topogen
//! why` names (through `emit/provenance.rs`) and what `tests/why.rs` changes
//! one by one.

use kdl::{KdlDocument, KdlNode, KdlValue};

use super::schema::{self, NodeSchema};
use crate::diag::Span;

/// Where a leaf's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeafKind {
    /// Written in the base of `cluster.kdl`.
    Written,
    /// Written in the `environment NAME` block: it overrides the base there.
    Overlay(String),
    /// Not written: the schema's default of property `key`; the span is the
    /// node that leaves it out.
    Default(&'static str),
}

/// One value of `cluster.kdl`.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The value (`key=value`: the whole entry; an argument: itself; a
    /// default: the node's name).
    pub span: Span,
    /// The value as text: a string without quotes, a number in digits, a
    /// boolean `true`/`false`.
    pub text: String,
    /// Where it sits, e.g. ``pool `kafka` › count``.
    pub path: String,
    /// Written, overridden by an environment, or a default.
    pub kind: LeafKind,
    /// The entry's property name, when it is one.
    pub key: Option<String>,
    /// True for a boolean, integer or number value.
    pub scalar: bool,
}

/// Every leaf of `doc`, in file order (defaults after the node's written
/// values).
pub fn leaves(doc: &KdlDocument) -> Vec<Leaf> {
    let mut out = Vec::new();
    for node in doc.nodes() {
        let schema = (node.name().value() == schema::CLUSTER.name).then_some(&schema::CLUSTER);
        walk(node, schema, "", None, &mut out);
    }
    out
}

/// The value as text, or `None` for `#null`.
pub fn value_text(v: &KdlValue) -> Option<String> {
    Some(match v {
        KdlValue::String(s) => s.clone(),
        KdlValue::Integer(i) => i.to_string(),
        KdlValue::Float(x) => x.to_string(),
        KdlValue::Bool(b) => b.to_string(),
        KdlValue::Null => return None,
    })
}

fn label(node: &KdlNode) -> String {
    let name = node.name().value();
    match node
        .entries()
        .iter()
        .find(|e| e.name().is_none())
        .and_then(|e| value_text(e.value()))
    {
        Some(arg) => [name, " `", &arg, "`"].concat(),
        None => name.to_owned(),
    }
}

/// The path of `name` under `parent` (`parent › name`): the text of every
/// leaf's path, built without the formatting machinery (a few hundred paths
/// each time `why` runs).
fn under(parent: &str, name: &str) -> String {
    const SEP: &str = " › ";
    let mut path = String::with_capacity(parent.len() + SEP.len() + name.len());
    path.push_str(parent);
    path.push_str(SEP);
    path.push_str(name);
    path
}

fn walk(
    node: &KdlNode,
    schema: Option<&'static NodeSchema>,
    parent: &str,
    env: Option<&str>,
    out: &mut Vec<Leaf>,
) {
    let here = if parent.is_empty() {
        label(node)
    } else {
        under(parent, &label(node))
    };
    let kind = || match env {
        Some(e) => LeafKind::Overlay(e.to_owned()),
        None => LeafKind::Written,
    };
    let mut arg = 0;
    for entry in node.entries() {
        let Some(text) = value_text(entry.value()) else {
            continue;
        };
        let key = entry.name().map(|k| k.value().to_owned());
        let path = match &key {
            Some(k) => under(&here, k),
            None => {
                arg += 1;
                let name = schema
                    .and_then(|s| s.arg(arg - 1))
                    .map_or("argument", |f| f.name);
                under(&here, &name.to_lowercase())
            }
        };
        out.push(Leaf {
            span: entry.span().into(),
            text,
            path,
            kind: kind(),
            key,
            scalar: !matches!(entry.value(), KdlValue::String(_)),
        });
    }
    // an environment's nodes merge into the base's: what they leave out
    // is the base's
    if let Some(s) = schema.filter(|_| env.is_none()) {
        for field in s.props {
            let written = node
                .entries()
                .iter()
                .any(|e| e.name().is_some_and(|k| k.value() == field.name));
            let text = match field.default {
                _ if written => continue,
                schema::Default::Str(v) => v.to_owned(),
                schema::Default::Int(i) => i.to_string(),
                schema::Default::Bool(b) => b.to_string(),
                schema::Default::Number(x) => x.to_string(),
                schema::Default::Required | schema::Default::Described(_) => continue,
            };
            out.push(Leaf {
                span: node.name().span().into(),
                text,
                path: under(&here, field.name),
                kind: LeafKind::Default(field.name),
                key: Some(field.name.to_owned()),
                scalar: false,
            });
        }
    }
    let Some(children) = node.children() else {
        return;
    };
    let is_env = schema.is_some_and(|s| s.name == "environment");
    let env_name = if is_env {
        node.entries()
            .iter()
            .find(|e| e.name().is_none())
            .and_then(|e| value_text(e.value()))
    } else {
        None
    };
    for child in children.nodes() {
        // an environment's children are the cluster's nodes
        let owner = if is_env {
            Some(&schema::CLUSTER)
        } else {
            schema
        };
        let cs = owner.and_then(|s| s.child(child.name().value()));
        walk(child, cs, &here, env_name.as_deref().or(env), out);
    }
}
