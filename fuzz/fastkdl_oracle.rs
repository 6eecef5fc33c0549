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

/// `a` and `b` (the fast path's and `kdl`'s `what`) are equal.
fn same<T: PartialEq + std::fmt::Debug>(path: &str, what: &str, a: T, b: T) -> Result<(), String> {
    if a == b {
        Ok(())
    } else {
        Err(format!("{path}: {what} {a:?} != {b:?}"))
    }
}

/// Neither side carries a type annotation (cluster.kdl has none).
fn untyped<T>(path: &str, a: Option<T>, b: Option<T>) -> Result<(), String> {
    if a.is_some() || b.is_some() {
        return Err(format!("{path}: type annotation"));
    }
    Ok(())
}

fn cmp_entry(path: &str, a: &KdlEntry, b: &KdlEntry) -> Result<(), String> {
    same(path, "value", a.value(), b.value())?;
    same(path, "entry span", a.span(), b.span())?;
    untyped(path, a.ty(), b.ty())?;
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
    same(&path, "node span", a.span(), b.span())?;
    untyped(&path, a.ty(), b.ty())?;
    same(&path, "entry count", a.entries().len(), b.entries().len())?;
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
    same(path, "document span", a.span(), b.span())?;
    same(path, "node count", a.nodes().len(), b.nodes().len())?;
    for (x, y) in a.nodes().iter().zip(b.nodes()) {
        cmp_node(path, x, y)?;
    }
    Ok(())
}
