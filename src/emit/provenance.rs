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
//!   (an address range's ends, a cost, …), each a set of origins, interned
//!   once (a `u32` names a set: a value's record holds no string and no
//!   vector);
//! - a node's names and addresses are not derived as texts (4,000 of them at
//!   1,000 nodes): a pool's nodes share three sets (of a name: the pool's
//!   name, count and Primary IP holder; of a server; of a private address:
//!   the range, its first offset, the subnet), and a node's text field a
//!   template reads while recording is a text of its own whose address names
//!   its set ([`node_text`]): the formatter finds it by identity;
//! - the formatter (`templates/autoescape.rs`), through which every
//!   `{{{ value }}}` passes, records the byte range it writes and the set of
//!   the value it writes; a filter (`sh`, `hcl`, …) hands the set of its
//!   input to its output, and `rows` the set of each row's node;
//! - when the file is added to the plan, the byte ranges become its lines,
//!   in one pass over the file's newlines; a line's origins are the union of
//!   its sets, taken when asked ([`Provenance::line`]).
//!
//! `topogen why` asks about one file ([`traced`]'s `only`: the plan paths
//! it may have). The plan announces each file before an emitter renders it
//! ([`super::Plan::render`], [`file`]): recording pauses for any other file, which renders as in a
//! build (but for what an emitter derives for later files while it builds
//! its context, [`derived`], recorded outside the pause), and ends once the
//! file asked about is added: nothing rendered after it changes its lines.
//! Asked about one line of it ([`traced`]'s `line`), the file's writer finds
//! that line's bytes as it writes ([`Line`]), and a value or a row of `rows`
//! written elsewhere is not looked up (a captured value, which waits for its
//! text, still is); a file whose lines are padded to the width of others
//! after it renders (tfvars, Terraform: [`padded_file`]) is recorded whole.
//! The answer is the one recording every file gives (tests/why.rs, for
//! every file and for lines of each).
//!
//! Any other value is matched to the model by its text: a value whose text two
//! leaves share names both (`exact` is false). An emitter that knows which
//! values it wrote names them by span instead ([`spans_at`], [`derived`]),
//! and a text it composes for a template (a sentence with a name in it, a
//! word a flag decides) carries their set by identity ([`composed`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use minijinja::value::{Value, ValueKind};

use std::sync::Arc;

use super::value::{NodeCtx, TextField};
use crate::diag::Span;
use crate::model::Resolved;
use crate::model::leaves::{Leaf, LeafKind};

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
    /// Bytes written so far by the render in progress (kept by the writer of
    /// [`super::budget::render`] while recording).
    pub(super) static WRITTEN: Cell<usize> = const { Cell::new(0) };
    /// While one line of the render in progress is recorded
    /// ([`Recorder::window`]): the line feeds its writer has seen, and the
    /// bytes of that line as far as they are known — from its first byte
    /// (`usize::MAX` until it starts) to its line feed (`usize::MAX` until
    /// it ends) — kept by the writer ([`Line::wrote`]).
    static LINE: Cell<(u32, usize, usize)> = const { Cell::new((0, usize::MAX, usize::MAX)) };
    /// The struct field the YAML serializer writes next (`yaml.rs`).
    pub(super) static FIELD: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Whether this thread records provenance.
#[inline]
pub(crate) fn active() -> bool {
    ACTIVE.get()
}

/// Recording paused for one file (see [`file`]); resumes when dropped.
#[must_use = "recording resumes when this is dropped: keep it until the file is added"]
pub(crate) struct Paused(bool);

impl Drop for Paused {
    fn drop(&mut self) {
        if self.0 {
            ACTIVE.set(true);
        }
    }
}

/// The plan is about to render the file it adds as `path`
/// ([`super::Plan::render`]): while this thread records only some files
/// (`why`) and `path` is not one of them, recording pauses until the result
/// is dropped, and the file costs what it costs in a build (every hook sees
/// [`active`] false). Taken right before the render, after the emitter's
/// context is built: what an emitter derives for later files ([`derived`],
/// [`node_fact`]) is recorded outside it. When `path` is the file asked about and `why` asks about one
/// line of it, only the values on that line are looked up ([`Recorder::window`]).
pub(crate) fn file(path: &str) -> Paused {
    announce(path, true)
}

/// [`file`] for a file whose lines are padded to the width of other lines
/// after it is rendered (`tfvars::align`): a padded line names the values of
/// the lines that decide its width, so every line of it is recorded.
pub(crate) fn padded_file(path: &str) -> Paused {
    announce(path, false)
}

fn announce(path: &str, by_line: bool) -> Paused {
    if !active() {
        return Paused(false);
    }
    let mut skip = false;
    with(|r| {
        if r.only.is_none() {
            return;
        }
        if r.records(path) {
            r.window = r.line.filter(|_| by_line);
        } else {
            skip = true;
        }
    });
    if skip {
        ACTIVE.set(false);
    }
    Paused(skip)
}

/// The line the render in progress records, for its writer to find
/// ([`Line::wrote`]): `None` when it records every line, or none.
pub(super) fn line() -> Option<Line> {
    let mut line = None;
    with(|r| line = r.window);
    line.map(Line::new)
}

/// The line (from 1) a render records, found by its writer.
pub(super) struct Line(u32);

impl Line {
    /// Line `line` of a render that starts: its first byte is known only
    /// for the first line.
    fn new(line: u32) -> Self {
        LINE.set((0, if line == 1 { 0 } else { usize::MAX }, usize::MAX));
        Self(line)
    }

    /// The writer wrote `b` from byte `at`: finds where the line starts and
    /// ends. False once it has ended (nothing more to find).
    pub(super) fn wrote(&self, at: usize, b: &[u8]) -> bool {
        let (mut feeds, mut first, mut last) = LINE.get();
        for i in memchr::memchr_iter(b'\n', b) {
            feeds += 1;
            if feeds + 1 == self.0 {
                first = at + i + 1;
            } else if feeds == self.0 {
                last = at + i;
                break;
            }
        }
        LINE.set((feeds, first, last));
        last == usize::MAX
    }
}

/// Whether bytes `start..end` of the render in progress touch the line it
/// records, as `rendered_on` gives a range its lines (from the line of its
/// first byte to the line after each line feed it holds); true when it
/// records every line.
fn on_line(r: &Recorder, start: usize, end: usize) -> bool {
    if r.window.is_none() {
        return true;
    }
    let (_, first, last) = LINE.get();
    touches(start, end, first, last)
}

/// Whether bytes `start..end` touch the line whose bytes run from `first`
/// to its line feed `last` (`usize::MAX` when not written yet), as
/// `rendered_on` gives a range its lines: it ends after the line's start,
/// counting a line feed it ends with, and starts at or before its end.
fn touches(start: usize, end: usize, first: usize, last: usize) -> bool {
    start <= last && end >= first
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

/// Byte ranges (from, to) of a render.
type Ranges = Vec<(usize, usize)>;

/// An interned set of origins (indices into [`Provenance::origins`]).
type SetId = u32;

/// A set of origins: sorted, each once.
#[derive(Clone, Debug)]
struct Set {
    ids: Arc<[u32]>,
    /// False when the value matched more than one leaf.
    exact: bool,
}

/// The recorded lines of one generated file.
#[derive(Clone, Debug, Default)]
pub struct FileLines {
    /// (line, set), sorted, each once.
    lines: Vec<(u32, SetId)>,
    /// The file's environment, when it has one: it shows no other
    /// environment's overlay.
    env: Option<String>,
}

/// What the recording found: per file (plan path) and line (1-based), the
/// origins of its values.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Every origin a line can name.
    pub origins: Vec<Origin>,
    /// The interned sets of origins the lines refer to.
    sets: Vec<Set>,
    /// Plan path → its lines' sets of origins.
    pub files: BTreeMap<String, FileLines>,
    /// Plan path → the origins of the file itself: the names its path is
    /// made of (an environment, a pool, a topic), each a value of
    /// `cluster.kdl`.
    pub file_origins: BTreeMap<String, BTreeSet<usize>>,
    /// Values whose written bytes could not be placed in their file (a
    /// template that captures output, e.g. `{{% set x %}}…`).
    pub unplaced: usize,
}

impl Provenance {
    /// The origins of line `line` (1-based) of the file at plan path `path`,
    /// and whether each of its values matched one leaf.
    pub fn line(&self, path: &str, line: usize) -> Option<(Vec<&Origin>, bool)> {
        let f = self.files.get(path)?;
        let line = u32::try_from(line).ok()?;
        let from = f.lines.partition_point(|&(l, _)| l < line);
        let (mut ids, mut exact) = (Vec::new(), true);
        for &(_, set) in f.lines[from..].iter().take_while(|&&(l, _)| l == line) {
            let set = &self.sets[set as usize];
            exact &= set.exact;
            ids.extend_from_slice(&set.ids);
        }
        ids.sort_unstable();
        ids.dedup();
        let origins: Vec<&Origin> = ids
            .into_iter()
            .map(|i| &self.origins[i as usize])
            .filter(|o| match (&o.kind, &f.env) {
                (LeafKind::Overlay(e), Some(env)) => e == env,
                _ => true,
            })
            .collect();
        (!origins.is_empty()).then_some((origins, exact))
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

/// The recorder's maps: short keys (a value's text, a set of origins) the
/// model itself supplies, hashed a word at a time by `rustc-hash` (not for
/// keys an attacker chooses to collide: a collision costs time, not
/// correctness).
type Map<K, V> = rustc_hash::FxHashMap<K, V>;

struct Recorder {
    out: Provenance,
    /// The sets, interned: a set's origins and exactness → its id.
    interned: Map<(Arc<[u32]>, bool), SetId>,
    /// The last origin lists given to [`Recorder::derive`], with their sets.
    recent: Vec<(Box<[u32]>, SetId)>,
    /// The last unions of sets made, with their sets.
    unions: Vec<(Box<[SetId]>, Option<SetId>)>,
    /// A YAML scalar's set and field (by address: a static name) → the
    /// values of it whose property is that field.
    keyed: Map<(SetId, usize, usize), SetId>,
    /// A node's pool (see [`Recorder::pools`]) and which of its names and
    /// addresses it has (a bit each, [`NODE_FIELDS`]) → the union of their
    /// sets: the same for every node of the pool that has the same ones.
    nodes: Map<(usize, u8), Option<SetId>>,
    /// A pool's nodes (by the address of their shared pool name) → the sets
    /// of a node's name, of its server (its server name and public address)
    /// and of its private address: a node's facts are never derived as
    /// texts, a node names its pool's sets when it is written.
    pools: Map<usize, [Option<SetId>; 3]>,
    /// A node's text a template read while recording ([`node_text`]), by the
    /// address of the text's bytes → its set: the value written is found by
    /// identity, not by its text. Holds the text, so that no other text takes
    /// its address while the recording lasts.
    read: Map<usize, (Arc<str>, SetId)>,
    /// A value's text → the set of origins it can come from.
    by_text: Map<Box<str>, SetId>,
    /// A filter's output → the set of its input, in the file in progress
    /// (a filter's output is written where it is made).
    filtered: Map<Box<str>, SetId>,
    /// The render in progress: where each value starts, how many bytes it
    /// wrote (0: a point, a YAML scalar's end), its set.
    pending: Vec<(usize, usize, SetId)>,
    /// Values written into a capture (`{{% set x %}}…`): their text and
    /// set, placed when the captured text is written.
    captured: Vec<(String, SetId)>,
    /// Values formatted since a value was last captured.
    captured_age: u32,
    /// A captured text written, with where its values are in it (from, bytes,
    /// set): the next write of the same text (a `{{% set %}}` block's text
    /// shown in every row of a loop) places them too.
    placed: Map<Box<str>, Vec<(usize, usize, SetId)>>,
    /// The renders of the file in progress: (line, set).
    rendered: Vec<(u32, SetId)>,
    /// Lines of the file in progress padded to the width of others
    /// ([`aligned`]): (first, last, the byte ranges that decide the width).
    aligned: Vec<(u32, u32, Ranges)>,
    /// The values of the last render (start, bytes, set), sorted: what a
    /// padded line's width is decided by.
    last_render: Vec<(usize, usize, SetId)>,
    /// Environment names, to tell a file's environment from its path.
    envs: Vec<String>,
    /// A written value's span offset → its origin.
    by_offset: Map<usize, u32>,
    /// Record only the file at one of these plan paths (see [`file`]).
    only: Option<Vec<String>>,
    /// The line of that file `why` asks about, if one.
    line: Option<u32>,
    /// The line the render in progress is recorded for, when only one is
    /// (the file asked about, but for a padded one: [`padded_file`]): a
    /// value written on other lines is not looked up, a row of `rows` on
    /// other lines neither. The line's bytes are found by the writer as the
    /// values are written ([`Line`]).
    window: Option<u32>,
    /// The rows `rows` wrote (start, bytes, item) while recording one line,
    /// looked up when it is known where they went: to the file (only those
    /// on the line) or into a capture (every one).
    rows: Vec<(usize, usize, Value)>,
}

impl Recorder {
    fn new(
        leaves: Vec<Leaf>,
        envs: &[Resolved<'_>],
        only: Option<Vec<String>>,
        line: Option<u32>,
    ) -> Self {
        let mut r = Self {
            out: Provenance {
                origins: Vec::with_capacity(leaves.len()),
                sets: Vec::with_capacity(leaves.len()),
                ..Provenance::default()
            },
            interned: Map::default(),
            recent: Vec::new(),
            unions: Vec::new(),
            nodes: Map::default(),
            pools: Map::default(),
            read: Map::default(),
            keyed: Map::default(),
            // every leaf's text, without growing
            by_text: Map::with_capacity_and_hasher(leaves.len(), Default::default()),
            filtered: Map::default(),
            pending: Vec::new(),
            captured: Vec::new(),
            captured_age: 0,
            placed: Map::default(),
            rendered: Vec::new(),
            aligned: Vec::new(),
            last_render: Vec::new(),
            envs: envs.iter().map(|e| e.topo.env.name.value.clone()).collect(),
            by_offset: Map::default(),
            only,
            line,
            window: None,
            rows: Vec::new(),
        };
        let mut by_offset: Map<usize, u32> = Map::default();
        for leaf in leaves {
            let i = r.out.origins.len() as u32;
            if !matches!(leaf.kind, LeafKind::Default(_)) {
                by_offset.entry(leaf.span.offset).or_insert(i);
            }
            r.out.origins.push(Origin {
                span: leaf.span,
                path: leaf.path,
                kind: leaf.kind,
                text: leaf.text,
            });
            // the set of one origin is the origin's own id (see `intern`)
            r.out.sets.push(Set {
                ids: Arc::new([i]),
                exact: true,
            });
        }
        for i in 0..r.out.origins.len() {
            r.derive_text(i, &[i as u32]);
        }
        // derived facts: a node's names and addresses
        for env in envs {
            let topo = env.topo;
            let at = |s: Span| by_offset.get(&s.offset).copied();
            let prefix: Vec<u32> = [topo.cluster.span, topo.env.name.span]
                .into_iter()
                .filter_map(at)
                .collect();
            r.derive(&env.prefix, &prefix);
            // the project's deploy key: `<cluster>-deploy`
            r.derive(&env.ssh_key, &prefix[..prefix.len().min(1)]);
            costs(&mut r, env, &by_offset);
            // an IP range's first and last address and its size
            for range in &env.ranges {
                let g = range.range;
                let o: Vec<u32> = [g.from.span, g.to.span, topo.network.subnet.span]
                    .into_iter()
                    .filter_map(at)
                    .collect();
                for ip in [range.first, range.last].into_iter().flatten() {
                    r.derive(&ip.to_string(), &o);
                }
                r.derive(&range.size.to_string(), &o[..o.len().min(2)]);
            }
            // the number of nodes: every pool's count
            let counts: Vec<u32> = env
                .pools
                .iter()
                .filter_map(|p| at(p.pool.count.span))
                .collect();
            r.derive(&env.node_count.to_string(), &counts);
            if let Some(k) = &env.kafka {
                let version = at(topo.versions.kafka.span);
                r.derive(
                    &k.metadata_version,
                    &version.into_iter().collect::<Vec<_>>(),
                );
                // `<name>-kafka-bootstrap.<namespace>:<port>`
                if let Some(b) = &k.internal_bootstrap {
                    let listener = k
                        .kafka
                        .listeners
                        .iter()
                        .find(|l| l.kind.value == "internal");
                    let o: Vec<u32> = [k.kafka.name.span, k.kafka.namespace.span]
                        .into_iter()
                        .chain(listener.map(|l| l.port.span))
                        .filter_map(at)
                        .collect();
                    r.derive(b, &o);
                }
                let count = k
                    .broker_pool
                    .and_then(|i| env.pools.get(i))
                    .and_then(|p| at(p.pool.count.span));
                if let Some(e) = &k.external {
                    // a broker's NodePort: the first one plus its position
                    let port = e
                        .listener
                        .broker_node_port
                        .as_ref()
                        .and_then(|p| at(p.span));
                    let ported: Vec<u32> = count.into_iter().chain(port).collect();
                    for b in &e.brokers {
                        r.derive(&b.node_port.to_string(), &ported);
                    }
                    let counted: Vec<u32> = count.into_iter().collect();
                    for pointer in super::strimzi::advertised_host_pointers(e) {
                        r.derive(&pointer, &counted);
                    }
                }
            }
            for pool in &env.pools {
                let p = pool.pool;
                let mut spans = vec![p.name.span, p.count.span, p.range.span];
                if let Some(range) = topo.range(&p.range.value) {
                    spans.push(range.from.span);
                }
                let named: Vec<u32> = [p.name.span].into_iter().filter_map(at).collect();
                r.derive(&pool.tf_prefix, &named);
                let mut ip = spans.clone();
                ip.push(topo.network.subnet.span);
                let ip: Vec<u32> = ip.into_iter().filter_map(at).collect();
                let mut server = spans;
                server.extend([topo.cluster.span, topo.env.name.span]);
                // which node holds the Primary IP decides its reach
                let held = p.primary_ip.as_ref().map(|ip| ip.node.span);
                let node: Vec<u32> = [Some(p.name.span), Some(p.count.span), held]
                    .into_iter()
                    .flatten()
                    .filter_map(at)
                    .collect();
                let server: Vec<u32> = server.into_iter().chain(held).filter_map(at).collect();
                // the nodes' names as the tables show them (`kafka-0..kafka-2`)
                r.derive(&pool.names, &node);
                if let Some(ip) = &pool.primary_ip {
                    let o: Vec<u32> = [p.name.span, topo.cluster.span, topo.env.name.span]
                        .into_iter()
                        .chain(held)
                        .filter_map(at)
                        .collect();
                    r.derive(&ip.name, &o);
                    r.derive(&ip.tf_var, &o);
                }
                // a label as `key=value` (a node's label list)
                for l in &p.labels {
                    let o: Vec<u32> = [l.key.span, l.value.span]
                        .into_iter()
                        .filter_map(at)
                        .collect();
                    r.derive(&format!("{}={}", l.key.value, l.value.value), &o);
                }
                // a pool's nodes share its three sets, each interned once; a
                // node finds them by its pool name's address when written
                let sets =
                    [&node, &server, &ip].map(|o| (!o.is_empty()).then(|| r.intern_given(o)));
                if let Some(n) = pool.nodes.first() {
                    r.pools.insert(pool_key(n), sets);
                }
            }
        }
        r.by_offset = by_offset;
        r
    }

    /// Records that text `text` is decided by `origins` (a value of the
    /// model, or a fact derived from values).
    fn derive(&mut self, text: &str, origins: &[u32]) {
        if text.is_empty() || origins.is_empty() {
            return;
        }
        let set = match self.by_text.get(text) {
            None => {
                // a new text (every node's names and addresses): one more
                // hash, to insert it
                let set = self.intern_given(origins);
                self.by_text.insert(text.into(), set);
                return;
            }
            Some(&old) => {
                let known = &self.out.sets[old as usize].ids;
                if origins.iter().all(|o| known.binary_search(o).is_ok()) {
                    return;
                }
                let mut ids = known.to_vec();
                ids.extend_from_slice(origins);
                ids.sort_unstable();
                ids.dedup();
                if ids.len() == self.out.sets[old as usize].ids.len() {
                    return;
                }
                let exact = distinct_texts(&ids, &self.out.origins);
                self.intern(ids, exact)
            }
        };
        match self.by_text.get_mut(text) {
            Some(s) => *s = set,
            None => {
                self.by_text.insert(text.into(), set);
            }
        }
    }

    /// [`Self::derive`] for the text of origin `i`.
    fn derive_text(&mut self, i: usize, origins: &[u32]) {
        let text = std::mem::take(&mut self.out.origins[i].text);
        self.derive(&text, origins);
        self.out.origins[i].text = text;
    }

    /// The set of `origins` as given (unsorted, maybe twice): the nodes of a
    /// pool derive their facts from the same few lists, looked up first.
    fn intern_given(&mut self, origins: &[u32]) -> SetId {
        // one origin (every leaf's own text): its own set
        if let [one] = origins {
            return *one;
        }
        if let Some(&(_, set)) = self.recent.iter().find(|(o, _)| **o == *origins) {
            return set;
        }
        let mut ids = origins.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let exact = distinct_texts(&ids, &self.out.origins);
        let set = self.intern(ids, exact);
        if self.recent.len() == 8 {
            self.recent.remove(0);
        }
        self.recent.push((origins.into(), set));
        set
    }

    /// The id of the set `ids` (sorted, each once).
    fn intern(&mut self, ids: Vec<u32>, exact: bool) -> SetId {
        // the set of one origin, exact, is made with the origin
        if exact && let [one] = ids[..] {
            return one;
        }
        let key: (Arc<[u32]>, bool) = (ids.into(), exact);
        if let Some(&id) = self.interned.get(&key) {
            return id;
        }
        let id = self.out.sets.len() as SetId;
        self.out.sets.push(Set {
            ids: Arc::clone(&key.0),
            exact,
        });
        self.interned.insert(key, id);
        id
    }

    /// The union of the sets `sets`.
    fn union(&mut self, sets: &[SetId]) -> Option<SetId> {
        match sets {
            [] => None,
            [one] => Some(*one),
            _ if let Some(&(_, set)) = self.unions.iter().find(|(s, _)| **s == *sets) => set,
            _ => {
                let mut ids = Vec::new();
                let mut exact = true;
                for &s in sets {
                    let s = &self.out.sets[s as usize];
                    exact &= s.exact;
                    ids.extend_from_slice(&s.ids);
                }
                ids.sort_unstable();
                ids.dedup();
                let set = Some(self.intern(ids, exact));
                if self.unions.len() == 8 {
                    self.unions.remove(0);
                }
                self.unions.push((sets.into(), set));
                set
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
            if let Some(&set) = self.by_text.get(w) {
                out.extend(
                    self.out.sets[set as usize]
                        .ids
                        .iter()
                        .map(|&i| i as usize)
                        .filter(|&i| {
                            let o = &self.out.origins[i];
                            o.path.ends_with("› name") && !matches!(o.kind, LeafKind::Default(_))
                        }),
                );
            }
        }
        out
    }

    /// The set of text field `field` of node `n`: its pool's (see
    /// [`Recorder::pools`]); none for an empty text or a field that is no
    /// fact of the node's own (its pool's name, its reach).
    fn node_set(&self, n: &NodeCtx, field: TextField) -> Option<SetId> {
        let i = match field {
            TextField::Name => 0,
            TextField::ServerName | TextField::PublicIp => 1,
            TextField::Ip => 2,
            TextField::Pool | TextField::Reach => return None,
        };
        if n.text(field).is_empty() {
            return None;
        }
        self.pools.get(&pool_key(n)).and_then(|s| s[i])
    }

    /// The set of `value`, by its text (a list: the union of its items').
    fn find(&mut self, value: &Value) -> Option<SetId> {
        if let Some(s) = value.as_str() {
            // a node's text read by the template: by identity
            if !self.read.is_empty()
                && let Some((text, set)) = self.read.get(&(s.as_ptr() as usize))
                && text.len() == s.len()
            {
                return Some(*set);
            }
            // a filter's output (safe) is found by what the filter was given;
            // a text that is no value of the model may be the output of one
            // that leaves it unsafe (`join`)
            let (first, then) = if value.is_safe() {
                (&self.filtered, &self.by_text)
            } else {
                (&self.by_text, &self.filtered)
            };
            return first.get(s).or_else(|| then.get(s)).copied();
        }
        match value.kind() {
            ValueKind::Number => {
                if let Some(i) = value.as_i64() {
                    let mut b = itoa::Buffer::new();
                    return self.by_text.get(b.format(i)).copied();
                }
                let x = f64::try_from(value.clone()).ok()?;
                self.by_text.get(x.to_string().as_str()).copied()
            }
            ValueKind::Bool => self
                .by_text
                .get(if value.is_true() { "true" } else { "false" })
                .copied(),
            ValueKind::Seq => {
                let mut sets = Vec::new();
                for item in value.try_iter().ok()? {
                    sets.extend(self.find(&item));
                }
                sets.sort_unstable();
                sets.dedup();
                self.union(&sets)
            }
            // a map (a row of `rows`): its values'
            ValueKind::Map
                if value.downcast_object_ref::<NodeCtx>().is_none()
                    && value
                        .downcast_object_ref::<super::templates::GhExpr>()
                        .is_none() =>
            {
                let mut sets = Vec::new();
                for key in value.try_iter().ok()? {
                    if let Ok(v) = value.get_item(&key) {
                        sets.extend(self.find(&v));
                    }
                }
                sets.sort_unstable();
                sets.dedup();
                self.union(&sets)
            }
            _ => {
                // a node (a row of `rows`): its names' and addresses'
                if let Some(n) = value.downcast_object_ref::<NodeCtx>() {
                    // a node's sets are its pool's, for the fields it has
                    let has = NODE_FIELDS
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| !n.text(**f).is_empty())
                        .fold(0u8, |m, (i, _)| m | 1 << i);
                    let key = (pool_key(n), has);
                    if let Some(&set) = self.nodes.get(&key) {
                        return set;
                    }
                    let mut sets: Vec<SetId> = NODE_FIELDS
                        .into_iter()
                        .filter_map(|f| self.node_set(n, f))
                        .collect();
                    sets.sort_unstable();
                    sets.dedup();
                    let set = self.union(&sets);
                    self.nodes.insert(key, set);
                    return set;
                }
                // an expression the emitter composed (`derived`), else
                // `${{ secrets.NAME }}`: the secret's name
                let e = value.downcast_object_ref::<super::templates::GhExpr>()?;
                if let Some(&set) = self.by_text.get(e.0.as_str()) {
                    return Some(set);
                }
                let name = e.0.split("secrets.").nth(1)?;
                let end = name
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                self.by_text.get(&name[..end]).copied()
            }
        }
    }
}

/// The cost figures of `env` (TOPOLOGY.md): each decided by the server
/// types, counts and prices it sums, and the schedule.
fn costs(r: &mut Recorder, env: &Resolved<'_>, by_offset: &Map<usize, u32>) {
    let topo = env.topo;
    let at = |s: Span| by_offset.get(&s.offset).copied();
    // the catalog's prices, by the path of their leaves, found in one pass
    let mut prices: Map<&str, u32> = Map::default();
    for (i, o) in r.out.origins.iter().enumerate() {
        if let Some(head) = o.path.strip_suffix(" › eur-per-month")
            && let Some((_, what)) = head.rsplit_once("catalog › ")
        {
            prices.entry(what).or_insert(i as u32);
        }
    }
    let price = |what: &str| prices.get(what).copied();
    let mut all = Vec::new();
    let mut rows = Vec::new();
    for (row, pool) in env.cost.rows.iter().zip(&env.pools) {
        let p = pool.pool;
        let mut o: Vec<u32> = [p.server_type.span, p.count.span]
            .into_iter()
            .filter_map(at)
            .collect();
        o.extend(price(&format!("server-type `{}`", row.server_type)));
        rows.push((row.total_eur, o));
    }
    let ip_price = price("primary-ip");
    drop(prices);
    for (total, o) in rows {
        if let Some(total) = total {
            r.derive(&total.to_string(), &o);
        }
        all.extend(o);
    }
    all.extend(ip_price);
    let c = &env.cost;
    r.derive(
        &c.primary_ips_eur.to_string(),
        &ip_price.into_iter().collect::<Vec<_>>(),
    );
    r.derive(&c.always_on_eur.to_string(), &all);
    all.extend(
        [
            topo.schedule.hours_per_day.span,
            topo.schedule.days_per_month.span,
        ]
        .into_iter()
        .filter_map(at),
    );
    r.derive(&c.ephemeral_eur.to_string(), &all);
    r.derive(&c.saving_percent.to_string(), &all);
}

/// Derived facts name several spans that all decide the value: exact when
/// no two of them are alternative leaves of one text (a written value and a
/// derived fact both match, e.g.).
fn distinct_texts(ids: &[u32], origins: &[Origin]) -> bool {
    let text = |i: u32| origins[i as usize].text.as_str();
    ids.iter()
        .enumerate()
        .all(|(k, &a)| ids[k + 1..].iter().all(|&b| text(a) != text(b)))
}

/// How many values may be formatted after a captured one before the
/// captured values are taken for never written (a capture's text is
/// written right after it: in the loop iteration that made it).
const STALE_CAPTURE: u32 = 64;

/// The text fields of a node a row of `rows` shows: its names and addresses.
const NODE_FIELDS: [TextField; 4] = [
    TextField::Name,
    TextField::ServerName,
    TextField::Ip,
    TextField::PublicIp,
];

/// The key of a node's pool in [`Recorder::pools`]: the address of the pool
/// name its nodes share (one per pool of an environment).
fn pool_key(n: &NodeCtx) -> usize {
    n.pool.as_ptr() as usize
}

/// Text field `field` of node `n` as a template value, when this thread
/// records and the field is a fact of the node: a text of its own, whose
/// address the recorder knows (see [`Recorder::read`]), so the formatter
/// finds its origins by identity — no node's facts are hashed as texts.
pub(super) fn node_text(n: &NodeCtx, field: TextField) -> Option<Value> {
    let mut out = None;
    with(|r| {
        let Some(set) = r.node_set(n, field) else {
            return;
        };
        out = Some(r.by_identity(n.text(field), set));
    });
    out
}

/// A text an emitter composed of the values at `spans` (a sentence that
/// names a pool, a word a flag decides) for a template's context: while this
/// thread records, a text of its own whose address names their set, found
/// by identity as a node's text is ([`node_text`]); else the plain text.
/// Empty, it names the line it stands on (a word left out decides it too).
pub(crate) fn composed(text: String, spans: impl IntoIterator<Item = Span>) -> Value {
    let mut out = None;
    if active() {
        with(|r| {
            let ids = r.ids_of(spans);
            if ids.is_empty() {
                return;
            }
            let set = r.intern_given(&ids);
            out = Some(r.by_identity(&text, set));
        });
    }
    out.unwrap_or_else(|| Value::from(text))
}

/// An emitter put text field `field` of node `n` into a template's context
/// as plain text (not the node): the text has the node's origins.
pub(super) fn node_fact(n: &NodeCtx, field: TextField) {
    with(|r| {
        let Some(set) = r.node_set(n, field) else {
            return;
        };
        let ids = r.out.sets[set as usize].ids.to_vec();
        r.derive(n.text(field), &ids);
    });
}

/// Runs `f` on the recorder, when this thread records.
fn with(f: impl FnOnce(&mut Recorder)) {
    RECORDER.with_borrow_mut(|r| {
        if let Some(r) = r {
            f(r);
        }
    });
}

impl Recorder {
    /// Whether the file at plan path `path` is recorded: every file is, or
    /// the one at one of the paths [`Self::only`].
    fn records(&self, path: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|p| p == path))
    }

    /// The origin ids of the values at `spans` (of `cluster.kdl`, by their
    /// offsets); a span that is not a leaf's has none.
    fn ids_of(&self, spans: impl IntoIterator<Item = Span>) -> Vec<u32> {
        spans
            .into_iter()
            .filter_map(|s| self.by_offset.get(&s.offset).copied())
            .collect()
    }

    /// `text` as a template value of its own, whose address names `set`
    /// (see [`Recorder::read`]): the formatter finds it by identity.
    fn by_identity(&mut self, text: &str, set: SetId) -> Value {
        let text: Arc<str> = Arc::from(text);
        let value = Value::from(Arc::clone(&text));
        self.read.insert(text.as_ptr() as usize, (text, set));
        value
    }
}

/// See [`formatted_on`].
pub(super) fn formatted(start: usize, end: usize, value: &Value, text: impl FnOnce() -> String) {
    with(|r| {
        let here = on_line(r, start, end);
        formatted_on(r, start, end, here, value, text);
    });
}

/// See [`row_on`]: while one line is recorded, kept until it is known
/// where the rows went ([`rows_written`], [`capture`]).
pub(super) fn row(start: usize, len: usize, item: &Value) {
    with(|r| {
        if r.window.is_some() {
            r.rows.push((start, len, item.clone()));
        } else {
            row_on(r, start, len, item);
        }
    });
}

/// See [`rows_written_on`].
pub(super) fn rows_written(start: usize, written: &str) {
    with(|r| rows_written_on(r, start, written));
}

/// How many values are pending: a mark for [`capture`].
pub(super) fn mark() -> usize {
    let mut mark = 0;
    with(|r| mark = r.pending.len());
    mark
}

/// See [`capture_on`]: rows written into a capture may be shown anywhere.
pub(super) fn capture(mark: usize, start: usize, written: &str) {
    with(|r| {
        for (start, len, item) in std::mem::take(&mut r.rows) {
            row_on(r, start, len, &item);
        }
        capture_on(r, mark, start, written);
    });
}

/// See [`scalar_on`].
pub(super) fn scalar(end: usize, text: &str, field: Option<&'static str>) {
    with(|r| scalar_on(r, end, text, field));
}

/// See [`rendered_on`].
pub(super) fn rendered(text: &[u8]) {
    with(|r| rendered_on(r, text));
}

/// See [`added_on`]: when this thread records only some files, what the
/// render of any other file left (a file an emitter did not announce with
/// [`file`]) is dropped.
pub(super) fn added(path: &str) {
    with(|r| {
        r.window = None;
        if r.records(path) {
            added_on(r, path);
            // the file asked about is recorded: what is rendered after it
            // cannot change its lines, and renders as in a build
            if r.only.is_some() {
                ACTIVE.set(false);
            }
        } else {
            r.rendered.clear();
            r.aligned.clear();
            r.filtered.clear();
        }
    });
}

/// An emitter wrote the values at `spans` (of `cluster.kdl`) just before
/// byte `end` of the text a YAML document is appended to (a comment of its
/// header): the line of that byte names them, by span, not by text.
pub(super) fn spans_at(end: usize, spans: impl IntoIterator<Item = Span>) {
    with(|r| {
        let ids = r.ids_of(spans);
        if !ids.is_empty() {
            let set = r.intern_given(&ids);
            r.pending.push((end.saturating_sub(1), 0, set));
        }
    });
}

/// Lines `first..=last` (1-based) of the last render were padded to the
/// width of the bytes `widest` of it (`tfvars::align`: a chain's `=` signs
/// or comments stand after its widest key or body): each names the values
/// written there.
pub(super) fn aligned(first: u32, last: u32, widest: Vec<(usize, usize)>) {
    with(|r| r.aligned.push((first, last, widest)));
}

/// An emitter composed `text` of the values at `spans` (a label selector,
/// a version's part): the text has their origins.
pub(super) fn derived(text: &str, spans: impl IntoIterator<Item = Span>) {
    with(|r| {
        let ids = r.ids_of(spans);
        r.derive(text, &ids);
    });
}

/// Runs `f` with recording on; returns its result and what was recorded:
/// for every file, or for one file, the first the plan adds at one of the
/// plan paths `only` (what `why` asks about, as it may be named: no other
/// file's values are looked up, and recording ends with it) — for its line
/// `line` only, when given (but for a padded file, see [`padded_file`]).
pub(crate) fn traced<R>(
    leaves: Vec<Leaf>,
    envs: &[Resolved<'_>],
    only: Option<Vec<String>>,
    line: Option<u32>,
    f: impl FnOnce() -> R,
) -> (R, Provenance) {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            ACTIVE.set(false);
            RECORDER.with_borrow_mut(|r| *r = None);
        }
    }
    RECORDER.with_borrow_mut(|r| *r = Some(Recorder::new(leaves, envs, only, line)));
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

/// The formatter wrote `value` from byte `start` to byte `end` of the render
/// (nothing reached the file when they are equal: the value was empty, or
/// written into a capture; `text` makes what it wrote). A safe string that
/// holds captured values (the text of a `{{% set %}}` block) places them:
/// each where its text is, in the order they were written. `here`: the
/// value is written on the line recorded ([`Recorder::window`]); a value
/// written elsewhere is not looked up (a captured value, which waits for its
/// text, is).
fn formatted_on(
    r: &mut Recorder,
    start: usize,
    end: usize,
    here: bool,
    value: &Value,
    text: impl FnOnce() -> String,
) {
    let placed = end > start;
    // the value's own range first: the values placed inside it follow, in
    // order of position
    if (here || !placed)
        && let Some(set) = r.find(value)
    {
        if placed {
            r.pending.push((start, end - start, set));
        } else {
            let text = text();
            if text.is_empty() {
                // nothing written (an empty composed word): a point, on
                // the line it stands on
                if here {
                    r.pending.push((start, 0, set));
                }
            } else {
                r.captured.push((text, set));
                r.captured_age = 0;
            }
        }
    }
    // captured values never placed (a capture only tested, not written)
    // are dropped after a while: every safe string would be searched
    if !r.captured.is_empty() {
        r.captured_age += 1;
        if r.captured_age > STALE_CAPTURE {
            r.captured.clear();
        }
    }
    if placed
        && value.is_safe()
        && (!r.captured.is_empty() || !r.placed.is_empty())
        && let Some(written) = value.as_str().filter(|s| s.len() == end - start)
    {
        let mut found = Vec::new();
        // a capture's text holds its first value (most safe strings
        // written are a filter's output, not a capture)
        if r.captured
            .first()
            .is_some_and(|(text, _)| written.contains(text.as_str()))
        {
            let mut at = 0;
            let mut left = Vec::new();
            for (text, set) in std::mem::take(&mut r.captured) {
                match written[at..].find(&text) {
                    Some(i) if !text.is_empty() => {
                        found.push((at + i, text.len(), set));
                        at += i + text.len();
                    }
                    _ => left.push((text, set)),
                }
            }
            r.captured = left;
        }
        if !found.is_empty() {
            r.placed.insert(written.into(), found.clone());
        } else if let Some(values) = r.placed.get(written) {
            found.clone_from(values);
        }
        if !here {
            return;
        }
        r.pending.extend(
            found
                .into_iter()
                .map(|(at, len, set)| (start + at, len, set)),
        );
    }
}

/// `rows` wrote a row of `len` bytes for `item` at byte `start` of the
/// render.
fn row_on(r: &mut Recorder, start: usize, len: usize, item: &Value) {
    if let Some(set) = r.find(item) {
        r.pending.push((start, len, set));
    }
}

/// `rows` wrote `written` from `start`: captured values handed to it as a
/// keyword argument (a `{{% set %}}` block's text) are placed in every row
/// that shows them. While one line is recorded, only the rows on it are
/// looked up, and searched.
fn rows_written_on(r: &mut Recorder, start: usize, written: &str) {
    for (at, len, item) in std::mem::take(&mut r.rows) {
        if on_line(r, at, at + len) {
            row_on(r, at, len, &item);
        }
    }
    if r.captured.is_empty() {
        return;
    }
    let captured = std::mem::take(&mut r.captured);
    // one searcher per captured text, for every row (a table of 1,000
    // nodes' rows searched for a few texts)
    let finders: Vec<(memchr::memmem::Finder<'_>, SetId)> = captured
        .iter()
        .filter(|(text, _)| !text.is_empty())
        .map(|(text, set)| (memchr::memmem::Finder::new(text.as_bytes()), *set))
        .collect();
    // in order: row by row, each text after the previous one
    let mut placed = Vec::new();
    let mut search = |row_start: usize, row: &[u8]| {
        let mut at = 0;
        for (finder, set) in &finders {
            if let Some(i) = finder.find(&row[at..]) {
                let len = finder.needle().len();
                placed.push((start + row_start + at + i, len, *set));
                at += i + len;
            }
        }
    };
    let bytes = written.as_bytes();
    match r.window.map(|_| LINE.get()) {
        None => {
            let mut row_start = 0;
            for row in bytes.split(|&b| b == b'\n') {
                search(row_start, row);
                row_start += row.len() + 1;
            }
        }
        // only the row on the line recorded
        Some((_, first, last)) if first <= start + bytes.len() && last >= start => {
            let from = first.saturating_sub(start);
            let to = memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i);
            search(from, &bytes[from..to]);
        }
        Some(_) => {}
    }
    // the rows' own ranges are the end of the pending ones: merged with
    // what was placed in them, the pending ones stay in order
    let from = r
        .pending
        .iter()
        .rposition(|p| p.0 < start)
        .map_or(0, |i| i + 1);
    let rows = r.pending.split_off(from);
    let (mut a, mut b) = (rows.into_iter().peekable(), placed.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let take = if y.0 < x.0 { b.next() } else { a.next() };
        r.pending.extend(take);
    }
    r.pending.extend(a);
    r.pending.extend(b);
}

/// The values recorded since `mark` were written into a capture, not the
/// file, as part of `written`, which was to start at byte `start`: they wait
/// for the captured text.
fn capture_on(r: &mut Recorder, mark: usize, start: usize, written: &str) {
    let from = mark.min(r.pending.len());
    for (at, len, set) in r.pending.drain(from..).collect::<Vec<_>>() {
        let text = at
            .checked_sub(start)
            .and_then(|i| written.get(i..i + len))
            .unwrap_or_default();
        if !text.is_empty() {
            r.captured.push((text.to_owned(), set));
            r.captured_age = 0;
        }
    }
}

/// A YAML scalar `text` was written, ending at byte `end` of its file:
/// the line it ends on shows the origins of its text.
///
/// Of several values with that text, those whose property is the field the
/// scalar is written as (`deleteClaim` for `delete-claim`) are taken.
fn scalar_on(r: &mut Recorder, end: usize, text: &str, field: Option<&'static str>) {
    let Some(mut set) = r.by_text.get(text).copied() else {
        return;
    };
    let ids = &r.out.sets[set as usize].ids;
    if let Some(field) = field.filter(|_| ids.len() > 1) {
        let key = (set, field.as_ptr() as usize, field.len());
        if let Some(&keyed) = r.keyed.get(&key) {
            r.pending.push((end.saturating_sub(1), 0, keyed));
            return;
        }
        let norm = |s: &str| s.replace('-', "").to_ascii_lowercase();
        let f = norm(field);
        let keyed: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&i| {
                r.out.origins[i as usize]
                    .path
                    .rsplit(" › ")
                    .next()
                    .is_some_and(|k| norm(k) == f)
            })
            .collect();
        if !keyed.is_empty() {
            let exact = keyed.len() == 1;
            let keyed = r.intern(keyed, exact);
            r.keyed.insert(key, keyed);
            set = keyed;
        } else {
            r.keyed.insert(key, set);
        }
    }
    // a point: the byte before `end` is the scalar's last
    r.pending.push((end.saturating_sub(1), 0, set));
}

/// A filter made `output` of `input`: the output has the input's origins.
pub(super) fn filtered(input: &Value, output: &str) {
    with(|r| filtered_on(r, input, output));
}

/// See [`filtered`].
fn filtered_on(r: &mut Recorder, input: &Value, output: &str) {
    if let Some(set) = r.find(input) {
        // an output that is its input's text (`sh` of a plain word) is
        // found by that text
        if r.by_text.get(output) == Some(&set) {
            if !r.filtered.is_empty() {
                r.filtered.remove(output);
            }
            return;
        }
        match r.filtered.get_mut(output) {
            Some(s) => *s = set,
            None => {
                r.filtered.insert(output.into(), set);
            }
        }
    }
}

/// A render finished with `text`: its recorded values become lines, in one
/// pass over its newlines.
fn rendered_on(r: &mut Recorder, text: &[u8]) {
    r.rows.clear();
    r.captured.clear();
    r.placed.clear();
    let mut pending = std::mem::take(&mut r.pending);
    // in the order written but for captures and YAML scalars' ends: a few
    // sorted runs (a table's rows, then the captured texts placed in them),
    // which a stable sort merges in linear time
    if !pending.is_sorted_by_key(|p| p.0) {
        pending.sort_by_key(|p| p.0);
    }
    let (mut counted, mut line) = (0usize, 1u32);
    for &(start, len, set) in &pending {
        let end = start + len;
        if end > text.len() || start >= text.len() {
            r.out.unplaced += 1;
            continue;
        }
        line += newlines(&text[counted..start]);
        counted = start;
        let last = line + newlines(&text[start..end]);
        r.rendered.extend((line..=last).map(|l| (l, set)));
    }
    // kept until the next render (see `aligned`), whose allocation it is
    std::mem::swap(&mut r.last_render, &mut pending);
    pending.clear();
    r.pending = pending;
}

/// How many line feeds `b` holds.
fn newlines(b: &[u8]) -> u32 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut n = 0;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        // a byte of `x` is 0 where `w` has a line feed; `!(…)` has the top
        // bit of exactly those bytes set (no carry crosses a byte)
        let x = u64::from_le_bytes(w.try_into().unwrap_or_default()) ^ 0x0a0a_0a0a_0a0a_0a0a;
        n += (!(((x & LOW7) + LOW7) | x) & !LOW7).count_ones();
    }
    n + words.remainder().iter().filter(|&&c| c == b'\n').count() as u32
}

/// The last render was added to the plan as `path`.
fn added_on(r: &mut Recorder, path: &str) {
    let mut lines = std::mem::take(&mut r.rendered);
    // by line (what `Provenance::line` looks up); a set twice on a line
    // is taken once there
    if !lines.is_sorted_by_key(|l| l.0) {
        lines.sort_unstable();
    }
    lines.dedup();
    // a padded line names the values whose width it was padded to
    if !r.aligned.is_empty() {
        let mut padded = Vec::new();
        for (first, last, widest) in std::mem::take(&mut r.aligned) {
            let mut sets: Vec<SetId> = Vec::new();
            let values = &r.last_render;
            for (from, to) in widest {
                let at = values.partition_point(|v| v.0 < from);
                sets.extend(values[at..].iter().take_while(|v| v.0 < to).map(|v| v.2));
            }
            sets.sort_unstable();
            sets.dedup();
            if let Some(set) = r.union(&sets) {
                padded.extend((first..=last).map(|l| (l, set)));
            }
        }
        lines.extend(padded);
        lines.sort_unstable();
        lines.dedup();
    }
    // a file of one environment shows no other environment's overlay
    let env = path
        .split('/')
        .find_map(|part| {
            let stem = part.split('.').next().unwrap_or(part);
            r.envs.iter().find(|e| *e == part || *e == stem)
        })
        .cloned();
    r.out
        .files
        .insert(path.to_owned(), FileLines { lines, env });
    let names = r.path_names(path);
    if !names.is_empty() {
        r.out.file_origins.insert(path.to_owned(), names);
    }
    r.filtered.clear();
}

#[cfg(test)]
mod tests {
    use super::{LINE, Line, newlines, touches};

    /// The lines `rendered_on` gives bytes `start..end` of `text`.
    fn lines_of(text: &[u8], start: usize, end: usize) -> std::ops::RangeInclusive<u32> {
        let line = 1 + newlines(&text[..start]);
        line..=line + newlines(&text[start..end])
    }

    #[test]
    fn a_line_found_as_written_is_touched_as_rendered_on_counts_lines() {
        let text = b"\nab\n\ncd\nef\n\n";
        for line in 1..=8u32 {
            for chunk in 1..=text.len() {
                // the writer's scan, in writes of `chunk` bytes
                let finder = Line::new(line);
                for (i, part) in text.chunks(chunk).enumerate() {
                    if !finder.wrote(i * chunk, part) {
                        break;
                    }
                }
                let (_, first, last) = LINE.get();
                for start in 0..=text.len() {
                    for end in start..=text.len() {
                        assert_eq!(
                            touches(start, end, first, last),
                            lines_of(text, start, end).contains(&line),
                            "line {line}, bytes {start}..{end}, writes of {chunk}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn newlines_counts_every_line_feed_and_nothing_else() {
        // every byte value next to a line feed, at every offset of a word
        let mut text = Vec::new();
        for b in 0..=255u8 {
            text.extend([b, b'\n', b, b.wrapping_add(1), b'\n', b'\n', 0x0b]);
        }
        for start in 0..16 {
            for end in (text.len() - 16)..=text.len() {
                let b = &text[start..end];
                let naive = b.iter().filter(|&&c| c == b'\n').count() as u32;
                assert_eq!(newlines(b), naive, "{start}..{end}");
            }
        }
    }
}
