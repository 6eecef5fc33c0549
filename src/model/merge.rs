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
//! 3. An unmatched overlay node is appended.
//! 4. Nodes that may repeat without a name (`prefer`, `avoid`, `require`):
//!    if the overlay gives any of one kind, they replace the base's list.
//!
//! Merging works on the syntax tree, so every value keeps the span where it
//! was written: a diagnostic about an overridden value points into the
//! environment block.

use kdl::{KdlDocument, KdlNode};

/// The merge rule, as the language reference states it.
pub const DOCS: &str = r#"## Environments

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
3. An unmatched overlay node is appended.
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
    "kafka",
];

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

/// Merges `overlay` into `base` by the rule in the module docs.
pub fn merge_document(base: &mut KdlDocument, overlay: &KdlDocument) {
    merge_nodes(base, overlay.nodes());
}

/// [`merge_document`] with the overlay's nodes given one by one.
pub fn merge_nodes<'o>(base: &mut KdlDocument, overlay: impl IntoIterator<Item = &'o KdlNode>) {
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
        match base.nodes_mut().iter_mut().find(|b| matches(b, o)) {
            Some(b) => merge_node(b, o),
            None => base.nodes_mut().push(o.clone()),
        }
    }
}

fn merge_node(base: &mut KdlNode, overlay: &KdlNode) {
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
    if let Some(oc) = overlay.children() {
        merge_document(base.ensure_children(), oc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(base: &str, overlay: &str) -> String {
        let mut b: KdlDocument = base.parse().unwrap();
        let o: KdlDocument = overlay.parse().unwrap();
        merge_document(&mut b, &o);
        b.clear_format_recursive();
        b.to_string()
    }

    #[test]
    fn properties_override_and_children_merge() {
        let out = merged(
            "pool kafka count=3 range=kafka { labels role=kafka }\npool worker count=1",
            "pool kafka count=5 { labels zone=a }\npool gpu count=1",
        );
        assert!(out.contains("pool kafka count=5 range=kafka"), "{out}");
        assert!(out.contains("labels role=kafka zone=a"), "{out}");
        assert!(out.contains("pool worker count=1"), "{out}");
        assert!(out.contains("pool gpu count=1"), "{out}");
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
}
