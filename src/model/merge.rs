//! Environment overlays: one merge rule, applied to the KDL document.
//!
//! An `environment NAME { … }` block is an overlay on the base (everything in
//! `cluster` outside the environment blocks). Merging is a recursive update,
//! like Nix's `//` applied at every level:
//!
//! 1. A node in the overlay *matches* the base node with the same node name
//!    and, for nodes identified by a name argument (`pool kafka`,
//!    `range workers`, `listener external`, …), the same first argument.
//! 2. A matched node takes the overlay's properties (each replaces the base's
//!    property of that name, the others are kept), the overlay's arguments if
//!    it gives any besides the identifying one, and its children merged by
//!    this same rule.
//! 3. An unmatched overlay node is appended — except a `pool`, `range`,
//!    `listener` or `topic`, whose name the base must have (a typo would otherwise add a
//!    half-defined pool): one the environment adds deliberately says so with
//!    `new=#true`.
//! 4. Nodes that may repeat without a name (`prefer`, `avoid`, `require`):
//!    if the overlay gives any of one kind, they replace the base's list.
//!
//! Merging works on the syntax tree, so every value keeps the span where it
//! was written: a diagnostic about an overridden value points into the
//! environment block.

use kdl::{KdlDocument, KdlNode};

/// The merge rule, as the language reference states it.
pub(crate) const DOCS: &str = r#"## Environments

An `environment NAME { … }` block is an overlay on the base (everything in
`cluster` outside the environment blocks). Merging is a recursive update,
like Nix's `//` applied at every level:

1. A node in the overlay *matches* the base node with the same node name
   and, for nodes identified by a name argument (`pool kafka`,
   `range workers`, `listener external`, …), the same first argument.
2. A matched node takes the overlay's properties (each replaces the base's
   property of that name, the others are kept), the overlay's arguments if
   it gives any besides the identifying one, and its children merged by
   this same rule.
3. An unmatched overlay node is appended — except a `pool`, `range`,
   `listener` or `topic`, whose name the base must have (a typo would otherwise add a
   half-defined pool): one the environment adds deliberately says so with
   `new=#true`.
4. Nodes that may repeat without a name (`prefer`, `avoid`, `require`):
   if the overlay gives any of one kind, they replace the base's list.

Merging works on the syntax tree, so every value keeps the span where it
was written: a diagnostic about an overridden value points into the
environment block.
"#;

/// Nodes identified by their first argument.
const KEYED: &[&str] = &[
    "range",
    "pool",
    "listener",
    "profile",
    "allow",
    "server-type",
    "secret",
    "taint",
    "retire",
    "kafka",
    "topic",
    "config",
    "registry",
    "namespace",
    "destination",
];

/// Keyed nodes an overlay may only override: adding one takes `new=#true`.
const OVERRIDE_ONLY: &[&str] = &["range", "pool", "listener", "topic"];

/// An overlay node that [`OVERRIDE_ONLY`] refuses.
#[derive(Debug)]
pub(crate) struct Unmatched<'o> {
    /// The overlay's node.
    pub(crate) node: &'o KdlNode,
    /// Its name argument (`workr` of `pool workr`).
    pub(crate) key: String,
    /// The names the base has for this kind of node.
    pub(crate) candidates: Vec<String>,
    /// `new=#true` on a node the base has: the base's one is overridden.
    pub(crate) exists: bool,
}

/// `new=#true`: the overlay adds this node.
fn is_new(node: &KdlNode) -> bool {
    node.get("new")
        .is_some_and(|v| matches!(v, kdl::KdlValue::Bool(true)))
}

/// A node's name argument as written, without quotes.
fn key_name(node: &KdlNode) -> Option<String> {
    let v = node.entries().iter().find(|e| e.name().is_none())?.value();
    Some(v.as_string().map_or_else(|| v.to_string(), str::to_owned))
}

/// Nodes that repeat without a key; an overlay replaces the whole list.
const LISTS: &[&str] = &["prefer", "avoid", "require"];

fn key(node: &KdlNode) -> Option<String> {
    if KEYED.contains(&node.name().value()) {
        node.entries()
            .iter()
            .find(|e| e.name().is_none())
            .map(|e| e.value().to_string())
    } else {
        None
    }
}

fn matches(a: &KdlNode, b: &KdlNode) -> bool {
    a.name().value() == b.name().value() && key(a) == key(b)
}

/// Merges `overlay` into `base` by the rule in the module docs; returns the
/// overlay nodes that name nothing in the base to override.
pub(crate) fn merge_document<'o>(
    base: &mut KdlDocument,
    overlay: &'o KdlDocument,
) -> Vec<Unmatched<'o>> {
    merge_nodes(base, overlay.nodes())
}

/// [`merge_document`] with the overlay's nodes given one by one.
pub(crate) fn merge_nodes<'o>(
    base: &mut KdlDocument,
    overlay: impl IntoIterator<Item = &'o KdlNode>,
) -> Vec<Unmatched<'o>> {
    let mut unmatched = Vec::new();
    let mut replaced_lists: Vec<&str> = Vec::new();
    for o in overlay {
        let name = o.name().value();
        if LISTS.contains(&name) {
            if !replaced_lists.contains(&name) {
                base.nodes_mut().retain(|n| n.name().value() != name);
                replaced_lists.push(name);
            }
            base.nodes_mut().push(o.clone());
            continue;
        }
        let found = base.nodes_mut().iter_mut().find(|b| matches(b, o));
        let exists = found.is_some();
        // an override-only node must match, unless it says it is new (and then must not)
        let refused = OVERRIDE_ONLY.contains(&name) && key(o).is_some() && exists == is_new(o);
        match found {
            Some(b) => unmatched.extend(merge_node(b, o)),
            None if !refused => base.nodes_mut().push(o.clone()),
            None => {}
        }
        if refused {
            let candidates = base
                .nodes()
                .iter()
                .filter(|b| b.name().value() == name)
                .filter_map(key_name)
                .collect();
            unmatched.push(Unmatched {
                node: o,
                key: key_name(o).unwrap_or_default(),
                candidates,
                exists,
            });
        }
    }
    unmatched
}

fn merge_node<'o>(base: &mut KdlNode, overlay: &'o KdlNode) -> Vec<Unmatched<'o>> {
    let keyed = key(base).is_some();
    let args: Vec<_> = overlay
        .entries()
        .iter()
        .filter(|e| e.name().is_none())
        .skip(usize::from(keyed))
        .cloned()
        .collect();
    if !args.is_empty() {
        let mut seen = 0;
        base.entries_mut().retain(|e| {
            if e.name().is_some() {
                return true;
            }
            seen += 1;
            keyed && seen == 1
        });
        // arguments go before properties, in overlay order
        let at = base
            .entries()
            .iter()
            .position(|e| e.name().is_some())
            .unwrap_or(base.entries().len());
        for (i, a) in args.into_iter().enumerate() {
            base.entries_mut().insert(at + i, a);
        }
    }
    for e in overlay.entries().iter().filter(|e| e.name().is_some()) {
        let k = e.name().map(|n| n.value().to_owned());
        match base
            .entries_mut()
            .iter_mut()
            .find(|b| b.name().map(|n| n.value()) == k.as_deref())
        {
            Some(b) => *b = e.clone(),
            None => base.entries_mut().push(e.clone()),
        }
    }
    match overlay.children() {
        Some(oc) => merge_document(base.ensure_children(), oc),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(base: &str, overlay: &str) -> String {
        let mut b: KdlDocument = base.parse().unwrap();
        let o: KdlDocument = overlay.parse().unwrap();
        assert!(merge_document(&mut b, &o).is_empty());
        b.clear_format_recursive();
        b.to_string()
    }

    #[test]
    fn properties_override_and_children_merge() {
        let out = merged(
            "pool kafka count=3 range=kafka { labels role=kafka }\npool worker count=1",
            "pool kafka count=5 { labels zone=a }\npool gpu count=1 new=#true",
        );
        assert!(out.contains("pool kafka count=5 range=kafka"), "{out}");
        assert!(out.contains("labels role=kafka zone=a"), "{out}");
        assert!(out.contains("pool worker count=1"), "{out}");
        assert!(out.contains("pool gpu count=1 new=#true"), "{out}");
    }

    #[test]
    fn arguments_replace_and_lists_replace_whole() {
        let out = merged(
            "network \"10.0.0.0/16\" subnet=\"10.0.1.0/24\"\nprofile apps { prefer a=b weight=1; prefer c=d weight=2; avoid x=y }",
            "network \"10.1.0.0/16\"\nprofile apps { prefer e=f weight=3 }",
        );
        assert!(
            out.contains("network \"10.1.0.0/16\" subnet=\"10.0.1.0/24\""),
            "{out}"
        );
        assert!(out.contains("prefer e=f weight=3"), "{out}");
        assert!(!out.contains("prefer a=b"), "{out}");
        assert!(out.contains("avoid x=y"), "{out}");
    }

    #[test]
    fn a_pool_range_or_listener_the_base_lacks_takes_new() {
        let mut b: KdlDocument = "pool worker count=1\nkafka k { listener plain port=1 }"
            .parse()
            .unwrap();
        let o: KdlDocument =
            "pool workr count=2\npool worker count=3 new=#true\nkafka k { listener plian port=2 }"
                .parse()
                .unwrap();
        let refused: Vec<(String, Vec<String>, bool)> = merge_document(&mut b, &o)
            .into_iter()
            .map(|u| (u.key, u.candidates, u.exists))
            .collect();
        let s = |v: &str| v.to_owned();
        assert_eq!(
            refused,
            [
                (s("workr"), vec![s("worker")], false),
                (s("worker"), vec![s("worker")], true),
                (s("plian"), vec![s("plain")], false),
            ]
        );
        b.clear_format_recursive();
        let out = b.to_string();
        assert!(!out.contains("workr") && !out.contains("plian"), "{out}");
        assert!(out.contains("pool worker count=3 new=#true"), "{out}");
    }
}
