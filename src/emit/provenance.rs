//! Provenance: which values of `cluster.kdl` made each line of the rendered
//! files (`topogen why`, the drift annotations of `topogen check`).
//!
//! Off by default: one thread-local flag, read once per rendered file (by
//! [`super::budget::render`]) and once per value by the formatter, costs the
//! build nothing else. On ([`traced`]), it is fed by rendering itself, never
//! by reading the output back:
//!
//! - the model's values are known before anything renders: every leaf of
//!   `cluster.kdl` ([`crate::model::leaves`]: written, overridden by an
//!   environment, or a schema default) and the facts derived from them
//!   (a node's names and addresses: its pool's name, count and range, the
//!   range's first offset, the subnet), each a set of spans;
//! - the formatter (`templates/autoescape.rs`), through which every
//!   `{{{ value }}}` passes, records the byte range it writes and the spans
//!   of the value it writes; a filter (`sh`, `hcl`, …) hands the spans of its
//!   input to its output, and `rows` the spans of each row's node;
//! - when the file is added to the plan, the byte ranges become its lines.
//!
//! A value is matched to the model by its text: a value whose text two
//! leaves share names both (`Line::exact` is false).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use minijinja::value::Value;

use crate::diag::Span;
use crate::model::Resolved;
use crate::model::leaves::{Leaf, LeafKind};

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
    /// Bytes written so far by the render in progress (kept by the writer of
    /// [`super::budget::render`] while recording).
    pub(super) static WRITTEN: Cell<usize> = const { Cell::new(0) };
    /// The struct field the YAML serializer writes next (`yaml.rs`).
    pub(super) static FIELD: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Whether this thread records provenance.
#[inline]
pub(crate) fn active() -> bool {
    ACTIVE.get()
}

/// Where a value comes from: a leaf of `cluster.kdl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The value's span in `cluster.kdl` (a default: the node that omits it).
    pub span: Span,
    /// Where it sits, e.g. ``pool `kafka` › count``.
    pub path: String,
    /// Written, overridden by an environment, or a default.
    pub kind: LeafKind,
    /// The value's text.
    pub text: String,
}

/// The values of one line of a generated file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// Indices into [`Provenance::origins`], sorted.
    pub origins: BTreeSet<usize>,
    /// False when some value of the line matched more than one leaf.
    pub exact: bool,
}

/// What the recording found: per file (plan path) and line (1-based), the
/// origins of its values.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Every origin a line can name.
    pub origins: Vec<Origin>,
    /// Plan path → line → its values' origins.
    pub files: BTreeMap<String, BTreeMap<usize, Line>>,
    /// Plan path → the origins of the file itself: the names its path is
    /// made of (an environment, a pool, a topic), each a value of
    /// `cluster.kdl`.
    pub file_origins: BTreeMap<String, BTreeSet<usize>>,
    /// Values whose written bytes could not be placed in their file (a
    /// template that captures output, e.g. `{{% set x %}}…`).
    pub unplaced: usize,
}

impl Provenance {
    /// The origins of line `line` (1-based) of the file at plan path `path`.
    pub fn line(&self, path: &str, line: usize) -> Option<(Vec<&Origin>, bool)> {
        let l = self.files.get(path)?.get(&line)?;
        Some((
            l.origins.iter().map(|&i| &self.origins[i]).collect(),
            l.exact,
        ))
    }

    /// The origins of the file at plan path `path` itself (see
    /// [`Provenance::file_origins`]).
    pub fn file(&self, path: &str) -> Vec<&Origin> {
        self.file_origins
            .get(path)
            .map(|o| o.iter().map(|&i| &self.origins[i]).collect())
            .unwrap_or_default()
    }
}

/// The origins of one value, and whether they are one leaf's.
type Found = (Vec<usize>, bool);

struct Recorder {
    out: Provenance,
    /// A value's text → the origins it can come from.
    by_text: HashMap<String, Vec<usize>>,
    /// A filter's output → the origins of its input.
    filtered: HashMap<String, Found>,
    /// The render in progress: where each value starts, what was written,
    /// its origins.
    pending: Vec<(usize, String, Found)>,
    /// Values written into a capture (`{{% set x %}}…`): their text and
    /// origins, placed when the captured text is written.
    captured: Vec<(String, Found)>,
    /// The last finished render, by line.
    rendered: BTreeMap<usize, Line>,
    /// Environment names, to tell a file's environment from its path.
    envs: Vec<String>,
    /// A written value's span offset → its origin.
    by_offset: HashMap<usize, usize>,
}

impl Recorder {
    fn new(leaves: Vec<Leaf>, envs: &[Resolved<'_>]) -> Self {
        let mut r = Self {
            out: Provenance::default(),
            by_text: HashMap::new(),
            filtered: HashMap::new(),
            pending: Vec::new(),
            captured: Vec::new(),
            rendered: BTreeMap::new(),
            envs: envs.iter().map(|e| e.topo.env.name.value.clone()).collect(),
            by_offset: HashMap::new(),
        };
        let mut by_offset = HashMap::new();
        for leaf in leaves {
            let i = r.out.origins.len();
            if !matches!(leaf.kind, LeafKind::Default(_)) {
                by_offset.entry(leaf.span.offset).or_insert(i);
            }
            r.by_text.entry(leaf.text.clone()).or_default().push(i);
            r.out.origins.push(Origin {
                span: leaf.span,
                path: leaf.path,
                kind: leaf.kind,
                text: leaf.text,
            });
        }
        let by_path: HashMap<String, usize> = r
            .out
            .origins
            .iter()
            .enumerate()
            .map(|(i, o)| (o.path.clone(), i))
            .collect();
        r.by_offset.clone_from(&by_offset);
        // derived facts: a node's names and addresses
        for env in envs {
            let topo = env.topo;
            let at = |s: Span| by_offset.get(&s.offset).copied();
            let prefix: Vec<usize> = [topo.cluster.span, topo.env.name.span]
                .into_iter()
                .filter_map(at)
                .collect();
            r.derive(&env.prefix, &prefix);
            r.costs(env, &by_path, &by_offset);
            // an IP range's first and last address and its size
            for range in &env.ranges {
                let g = range.range;
                let o: Vec<usize> = [g.from.span, g.to.span, topo.network.subnet.span]
                    .into_iter()
                    .filter_map(at)
                    .collect();
                for ip in [range.first, range.last].into_iter().flatten() {
                    r.derive(&ip.to_string(), &o);
                }
                r.derive(&range.size.to_string(), &o[..o.len().min(2)]);
            }
            for pool in &env.pools {
                let p = pool.pool;
                let mut spans = vec![p.name.span, p.count.span, p.range.span];
                if let Some(range) = topo.range(&p.range.value) {
                    spans.push(range.from.span);
                }
                let named: Vec<usize> = [p.name.span].into_iter().filter_map(at).collect();
                r.derive(&pool.tf_prefix, &named);
                let mut ip = spans.clone();
                ip.push(topo.network.subnet.span);
                let ip: Vec<usize> = ip.into_iter().filter_map(at).collect();
                let mut server = spans;
                server.extend([topo.cluster.span, topo.env.name.span]);
                let server: Vec<usize> = server.into_iter().filter_map(at).collect();
                // which node holds the Primary IP decides its reach
                let held = p.primary_ip.as_ref().map(|ip| ip.node.span);
                let node: Vec<usize> = [Some(p.name.span), Some(p.count.span), held]
                    .into_iter()
                    .flatten()
                    .filter_map(at)
                    .collect();
                let server: Vec<usize> = server.into_iter().chain(held.and_then(at)).collect();
                if let Some(ip) = &pool.primary_ip {
                    let o: Vec<usize> = [p.name.span, topo.cluster.span, topo.env.name.span]
                        .into_iter()
                        .chain(held)
                        .filter_map(at)
                        .collect();
                    r.derive(&ip.name, &o);
                    r.derive(&ip.tf_var, &o);
                }
                for n in pool.nodes.iter() {
                    r.derive(&n.name, &node);
                    r.derive(&n.server_name, &server);
                    r.derive(&n.private_ip, &ip);
                    if !n.public_ip.is_empty() {
                        r.derive(&n.public_ip, &server);
                    }
                }
            }
        }
        r
    }

    /// The cost figures of `env` (TOPOLOGY.md): each decided by the server
    /// types, counts and prices it sums, and the schedule.
    fn costs(
        &mut self,
        env: &Resolved<'_>,
        by_path: &HashMap<String, usize>,
        by_offset: &HashMap<usize, usize>,
    ) {
        let topo = env.topo;
        let at = |s: Span| by_offset.get(&s.offset).copied();
        let price = |ty: &str| {
            by_path
                .iter()
                .find(|(p, _)| {
                    p.ends_with(&format!("catalog › server-type `{ty}` › eur-per-month"))
                })
                .map(|(_, &i)| i)
        };
        let mut all = Vec::new();
        for (row, pool) in env.cost.rows.iter().zip(&env.pools) {
            let p = pool.pool;
            let mut o: Vec<usize> = [p.server_type.span, p.count.span]
                .into_iter()
                .filter_map(at)
                .collect();
            o.extend(price(&row.server_type));
            if let Some(total) = row.total_eur {
                self.derive(&total.to_string(), &o);
            }
            all.extend(o);
        }
        let ip_price = by_path
            .iter()
            .find(|(p, _)| p.ends_with("catalog › primary-ip › eur-per-month"))
            .map(|(_, &i)| i);
        all.extend(ip_price);
        let c = &env.cost;
        self.derive(
            &c.primary_ips_eur.to_string(),
            &ip_price.into_iter().collect::<Vec<_>>(),
        );
        self.derive(&c.always_on_eur.to_string(), &all);
        all.extend(
            [
                topo.schedule.hours_per_day.span,
                topo.schedule.days_per_month.span,
            ]
            .into_iter()
            .filter_map(at),
        );
        self.derive(&c.ephemeral_eur.to_string(), &all);
        self.derive(&c.saving_percent.to_string(), &all);
    }

    /// Records that text `text` is decided by `origins` (a derived fact).
    fn derive(&mut self, text: &str, origins: &[usize]) {
        if text.is_empty() || origins.is_empty() {
            return;
        }
        let e = self.by_text.entry(text.to_owned()).or_default();
        for &o in origins {
            if !e.contains(&o) {
                e.push(o);
            }
        }
    }

    /// The names a plan path is made of (`cloud-init/dev/kafka.yaml`: the
    /// environment `dev` and the pool `kafka`), as the emitters compose them:
    /// a directory, a file's stem, a stem after its kind
    /// (`kafkatopic-orders`) or before its role (`apps-affinity`). Only
    /// names (a node's first argument) are taken.
    fn path_names(&self, path: &str) -> BTreeSet<usize> {
        let mut words: Vec<&str> = Vec::new();
        let parts: Vec<&str> = path.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let stem = if i + 1 == parts.len() {
                part.rsplit_once('.')
                    .filter(|(_, ext)| matches!(*ext, "yaml" | "yml" | "tfvars" | "version" | "md"))
                    .map_or(*part, |(s, _)| s)
            } else {
                part
            };
            words.push(stem);
            if let Some((head, rest)) = stem.split_once('-') {
                words.push(rest);
                words.push(head);
            }
        }
        let mut out = BTreeSet::new();
        for w in words {
            if let Some(o) = self.by_text.get(w) {
                out.extend(o.iter().copied().filter(|&i| {
                    let o = &self.out.origins[i];
                    o.path.ends_with("› name") && !matches!(o.kind, LeafKind::Default(_))
                }));
            }
        }
        out
    }

    /// The origins of `value`, by its text (a list: of its items).
    fn find(&self, value: &Value) -> Found {
        if let Some(s) = value.as_str() {
            if value.is_safe()
                && let Some(f) = self.filtered.get(s)
            {
                return f.clone();
            }
            return self.find_text(s);
        }
        if let Some(i) = value.as_i64() {
            return self.find_text(&i.to_string());
        }
        if value.kind() == minijinja::value::ValueKind::Number
            && let Ok(x) = f64::try_from(value.clone())
        {
            return self.find_text(&x.to_string());
        }
        if value.is_true() && value.kind() == minijinja::value::ValueKind::Bool {
            return self.find_text("true");
        }
        if value.kind() == minijinja::value::ValueKind::Bool {
            return self.find_text("false");
        }
        if value.kind() == minijinja::value::ValueKind::Seq
            && let Ok(items) = value.try_iter()
        {
            let (mut all, mut exact) = (Vec::new(), true);
            for item in items {
                let (o, e) = self.find(&item);
                exact &= e;
                all.extend(o);
            }
            all.sort_unstable();
            all.dedup();
            return (all, exact);
        }
        if let Some(n) = value.downcast_object_ref::<super::value::NodeCtx>() {
            return self.find_text(&n.name);
        }
        (Vec::new(), true)
    }

    fn find_text(&self, s: &str) -> Found {
        match self.by_text.get(s) {
            Some(o) => (
                o.clone(),
                o.len() == 1 || same_leaf_set(o, &self.out.origins),
            ),
            None => (Vec::new(), true),
        }
    }
}

/// Derived facts name several spans that all decide the value: exact when
/// no two of them are alternative leaves of one text (a written value and a
/// derived fact both match, e.g.).
fn same_leaf_set(o: &[usize], origins: &[Origin]) -> bool {
    let texts: BTreeSet<&str> = o.iter().map(|&i| origins[i].text.as_str()).collect();
    texts.len() == o.len()
}

/// An emitter composed `text` of the values at `spans` (a label selector,
/// a version's part): the text has their origins.
pub(super) fn derived(text: &str, spans: impl IntoIterator<Item = Span>) {
    RECORDER.with_borrow_mut(|r| {
        if let Some(r) = r {
            let o: Vec<usize> = spans
                .into_iter()
                .filter_map(|s| r.by_offset.get(&s.offset).copied())
                .collect();
            r.derive(text, &o);
        }
    });
}

/// Runs `f` with recording on; returns its result and what was recorded.
pub(crate) fn traced<R>(
    leaves: Vec<Leaf>,
    envs: &[Resolved<'_>],
    f: impl FnOnce() -> R,
) -> (R, Provenance) {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            ACTIVE.set(false);
            RECORDER.with_borrow_mut(|r| *r = None);
        }
    }
    RECORDER.with_borrow_mut(|r| *r = Some(Recorder::new(leaves, envs)));
    ACTIVE.set(true);
    let off = Off;
    let result = f();
    let out = RECORDER
        .with_borrow_mut(|r| r.take())
        .map(|r| r.out)
        .unwrap_or_default();
    drop(off);
    (result, out)
}

/// The formatter wrote `written` for `value`, starting at the render's byte
/// [`WRITTEN`] had before. A safe string that holds captured values (the
/// text of a `{{% set %}}` block) places them: each where its text is, in
/// the order they were written.
pub(super) fn formatted(start: usize, value: &Value, written: String) {
    RECORDER.with_borrow_mut(|r| {
        if let Some(r) = r {
            if value.is_safe() && !r.captured.is_empty() {
                let mut at = 0;
                let mut left = Vec::new();
                for (text, found) in std::mem::take(&mut r.captured) {
                    match written[at..].find(&text) {
                        Some(i) if !text.is_empty() => {
                            r.pending.push((start + at + i, text.clone(), found));
                            at += i + text.len();
                        }
                        _ => left.push((text, found)),
                    }
                }
                r.captured = left;
            }
            let found = r.find(value);
            if !found.0.is_empty() {
                r.pending.push((start, written, found));
            }
        }
    });
}

/// `rows` wrote `written` from `start`: captured values handed to it as a
/// keyword argument (a `{{% set %}}` block's text) are placed in every row
/// that shows them.
pub(super) fn rows_written(start: usize, written: &str) {
    RECORDER.with_borrow_mut(|r| {
        let Some(r) = r else { return };
        if r.captured.is_empty() {
            return;
        }
        let captured = std::mem::take(&mut r.captured);
        let mut row_start = 0;
        for row in written.split('\n') {
            let mut at = 0;
            for (text, found) in &captured {
                if text.is_empty() {
                    continue;
                }
                if let Some(i) = row[at..].find(text.as_str()) {
                    r.pending
                        .push((start + row_start + at + i, text.clone(), found.clone()));
                    at += i + text.len();
                }
            }
            row_start += row.len() + 1;
        }
    });
}

/// How many values are pending: a mark for [`capture`].
pub(super) fn mark() -> usize {
    RECORDER.with_borrow(|r| r.as_ref().map_or(0, |r| r.pending.len()))
}

/// The values recorded since `mark` were written into a capture, not the
/// file: they wait for the captured text.
pub(super) fn capture(mark: usize) {
    RECORDER.with_borrow_mut(|r| {
        if let Some(r) = r {
            let moved: Vec<_> = r.pending.drain(mark.min(r.pending.len())..).collect();
            r.captured
                .extend(moved.into_iter().map(|(_, text, found)| (text, found)));
        }
    });
}

/// A YAML scalar `text` was written, ending at byte `end` of its file:
/// the line it ends on shows the origins of its text.
///
/// Of several values with that text, those whose property is the field the
/// scalar is written as (`deleteClaim` for `delete-claim`) are taken.
pub(super) fn scalar(end: usize, text: &str, field: Option<&str>) {
    RECORDER.with_borrow_mut(|r| {
        if let Some(r) = r {
            let mut found = r.find_text(text);
            if let Some(field) = field.filter(|_| found.0.len() > 1) {
                let norm = |s: &str| s.replace('-', "").to_ascii_lowercase();
                let f = norm(field);
                let keyed: Vec<usize> = found
                    .0
                    .iter()
                    .copied()
                    .filter(|&i| {
                        r.out.origins[i]
                            .path
                            .rsplit(" › ")
                            .next()
                            .is_some_and(|k| norm(k) == f)
                    })
                    .collect();
                if !keyed.is_empty() {
                    found = (keyed.clone(), keyed.len() == 1);
                }
            }
            if !found.0.is_empty() {
                r.pending.push((end, String::new(), found));
            }
        }
    });
}

/// A filter made `output` of `input`: the output has the input's origins.
pub(super) fn filtered(input: &Value, output: &str) {
    RECORDER.with_borrow_mut(|r| {
        if let Some(r) = r {
            let found = r.find(input);
            if !found.0.is_empty() {
                r.filtered.insert(output.to_owned(), found);
            }
        }
    });
}

/// A render finished with `text`: its recorded values become lines.
pub(super) fn rendered(text: &[u8]) {
    RECORDER.with_borrow_mut(|r| {
        let Some(r) = r else { return };
        r.captured.clear();
        let mut pending = std::mem::take(&mut r.pending);
        // lines counted once, in order of position (not from the start for
        // every value: that is quadratic in the file's size)
        pending.sort_by_key(|p| p.0);
        let (mut counted, mut line_at) = (0usize, 1usize);
        for (start, written, (origins, exact)) in pending {
            // a YAML scalar is a point: the byte before `start` ends it
            let start = if written.is_empty() {
                start.saturating_sub(1)
            } else {
                start
            };
            let placed = written.is_empty() && start < text.len()
                || text.get(start..start + written.len()) == Some(written.as_bytes());
            if !placed {
                r.out.unplaced += 1;
                continue;
            }
            if start >= counted {
                line_at += text[counted..start].iter().filter(|&&b| b == b'\n').count();
            } else {
                line_at = 1 + text[..start].iter().filter(|&&b| b == b'\n').count();
            }
            counted = start;
            let first = line_at;
            let lines = 1 + written.bytes().filter(|&b| b == b'\n').count();
            for line in first..first + lines {
                let l = r.rendered.entry(line).or_insert(Line {
                    origins: BTreeSet::new(),
                    exact: true,
                });
                l.origins.extend(origins.iter().copied());
                l.exact &= exact;
            }
        }
    });
}

/// The last render was added to the plan as `path`.
pub(super) fn added(path: &str) {
    RECORDER.with_borrow_mut(|r| {
        let Some(r) = r else { return };
        let mut lines = std::mem::take(&mut r.rendered);
        // a file of one environment shows no other environment's overlay
        let env = path
            .split('/')
            .find_map(|part| {
                let stem = part.split('.').next().unwrap_or(part);
                r.envs.iter().find(|e| *e == part || *e == stem)
            })
            .cloned();
        if let Some(env) = env {
            for l in lines.values_mut() {
                l.origins.retain(|&i| match &r.out.origins[i].kind {
                    LeafKind::Overlay(e) => *e == env,
                    _ => true,
                });
            }
            lines.retain(|_, l| !l.origins.is_empty());
        }
        r.out.files.insert(path.to_owned(), lines);
        let names = r.path_names(path);
        if !names.is_empty() {
            r.out.file_origins.insert(path.to_owned(), names);
        }
    });
}
