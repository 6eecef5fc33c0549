//! The differential oracle of topogen's KDL fast path
//! (`topogen::model::fastkdl`) against the `kdl` crate's v2 parser: whenever
//! the fast path accepts a text, its document must be the one
//! `KdlDocument::parse_v2` builds, every node, entry, value and span. Shared by
//! the cargo-fuzz target `fuzz/fuzz_targets/fastkdl.rs` and `tests/fastkdl.rs`.

use kdl::{KdlDocument, KdlEntry, KdlNode};
use topogen::model::fastkdl;

/// Whether `kdl`'s recursive parser can take `text` on a normal stack: the
/// limits topogen checks before any parser runs (`topogen::source::scan`).
pub(crate) fn within_limits(text: &str) -> bool {
    let scan = topogen::source::scan(text);
    scan.depth <= topogen::source::MAX_DEPTH && scan.words <= topogen::source::MAX_WORDS
}

/// `Ok(true)` when the fast path accepted the text and built `parse_v2`'s
/// document, `Ok(false)` when it declined (the caller falls back to
/// `parse_v2`), `Err` with the first difference otherwise.
pub(crate) fn check(text: &str) -> Result<bool, String> {
    let Some(fast) = fastkdl::parse(text) else {
        return Ok(false);
    };
    match KdlDocument::parse_v2(text) {
        Ok(slow) => cmp_doc("", &fast, &slow).map(|()| true),
        Err(e) => Err(format!("fast path accepted what parse_v2 rejects: {e:?}")),
    }
}

fn cmp_entry(path: &str, a: &KdlEntry, b: &KdlEntry) -> Result<(), String> {
    if a.value() != b.value() {
        return Err(format!("{path}: value {:?} != {:?}", a.value(), b.value()));
    }
    if a.span() != b.span() {
        return Err(format!(
            "{path}: entry span {:?} != {:?}",
            a.span(),
            b.span()
        ));
    }
    if a.ty().is_some() || b.ty().is_some() {
        return Err(format!("{path}: type annotation"));
    }
    match (a.name(), b.name()) {
        (None, None) => Ok(()),
        (Some(x), Some(y)) if x.value() == y.value() && x.span() == y.span() => Ok(()),
        (x, y) => Err(format!("{path}: key {x:?} != {y:?}")),
    }
}

fn cmp_node(path: &str, a: &KdlNode, b: &KdlNode) -> Result<(), String> {
    let path = format!("{path}/{}", b.name().value());
    if a.name().value() != b.name().value() || a.name().span() != b.name().span() {
        return Err(format!("{path}: name {:?} != {:?}", a.name(), b.name()));
    }
    if a.span() != b.span() {
        return Err(format!(
            "{path}: node span {:?} != {:?}",
            a.span(),
            b.span()
        ));
    }
    if a.ty().is_some() || b.ty().is_some() {
        return Err(format!("{path}: type annotation"));
    }
    if a.entries().len() != b.entries().len() {
        return Err(format!(
            "{path}: {} entries != {}",
            a.entries().len(),
            b.entries().len()
        ));
    }
    for (x, y) in a.entries().iter().zip(b.entries()) {
        cmp_entry(&path, x, y)?;
    }
    match (a.children(), b.children()) {
        (None, None) => Ok(()),
        (Some(x), Some(y)) => cmp_doc(&path, x, y),
        _ => Err(format!("{path}: children presence differs")),
    }
}

fn cmp_doc(path: &str, a: &KdlDocument, b: &KdlDocument) -> Result<(), String> {
    if a.span() != b.span() {
        return Err(format!(
            "{path}: document span {:?} != {:?}",
            a.span(),
            b.span()
        ));
    }
    if a.nodes().len() != b.nodes().len() {
        return Err(format!(
            "{path}: {} nodes != {}",
            a.nodes().len(),
            b.nodes().len()
        ));
    }
    for (x, y) in a.nodes().iter().zip(b.nodes()) {
        cmp_node(path, x, y)?;
    }
    Ok(())
}
