//! Lowering: KDL text → one [`Topology`] per environment, collecting every
//! syntax and schema problem on the way.
//!
//! Lowering never stops at the first problem: a wrong value is reported and
//! replaced by its default, so that the rules still see a whole topology and
//! the user gets all problems in one run.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};
use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};

use super::catalog::{self, Catalog, ServerType};
use super::path;
use super::schema::{self, NodeSchema};
use super::*;
use crate::codes::{
    SCHEMA_DUPLICATE, SCHEMA_MISSING, SCHEMA_TYPE, SCHEMA_UNKNOWN_NODE, SCHEMA_UNKNOWN_PROPERTY,
    SCHEMA_UNMATCHED_OVERRIDE, SYNTAX_KDL, SYNTAX_LIMITS,
};
use crate::diag::{Finding, Findings, list, suggest};
use crate::source::{self, Source};

/// The result of lowering: the project when the file could be read as a
/// cluster at all, and every problem found on the way.
pub struct Lowered {
    /// Every environment's topology (`None` after a syntax error).
    pub project: Option<Project>,
    /// The parsed document (for rules that look at raw text values).
    pub document: Option<KdlDocument>,
    /// Syntax and schema findings.
    pub(crate) findings: Findings,
    /// Spans of values that were missing or invalid and replaced by a
    /// placeholder, sorted (as every topology's `invalid`) when there is a
    /// project: a rule finding that points at one is a cascade of the schema
    /// error already reported there, and is dropped.
    pub(crate) poisoned: Vec<Span>,
}

/// Parses and lowers `cluster.kdl`.
pub fn lower(src: &Source) -> Lowered {
    let mut out = Findings::default();
    let doc = match parse(src, &mut out) {
        Some(doc) => doc,
        None => {
            return Lowered {
                project: None,
                document: None,
                findings: out,
                poisoned: Vec::new(),
            };
        }
    };
    let mut poisoned = Vec::new();
    let project = lower_document(&doc, &mut out, &mut poisoned);
    Lowered {
        project,
        document: Some(doc),
        findings: out,
        poisoned,
    }
}

/// KDL syntax only: limits first, then the KDL v2 parser.
fn parse(src: &Source, out: &mut Findings) -> Option<KdlDocument> {
    let scan = source::scan(&src.text);
    if scan.depth > source::MAX_DEPTH {
        out.push(
            Finding::new(
                &SYNTAX_LIMITS,
                format!(
                    "blocks, comments or `/-` chains nest {} deep; topogen reads at most {}",
                    scan.depth,
                    source::MAX_DEPTH
                ),
            )
            .label(
                Span::new(scan.depth_at, 1),
                "nesting exceeds the limit here",
            )
            .help("cluster.kdl needs at most 4 levels of `{ }`; look for unbalanced braces"),
        );
    }
    if scan.words > source::MAX_WORDS {
        out.push(
            Finding::new(
                &SYNTAX_LIMITS,
                format!(
                    "the file has {} nodes, arguments and properties; topogen reads at most {}",
                    scan.words,
                    source::MAX_WORDS
                ),
            )
            .label(
                Span::new(scan.words_at, 1),
                format!("word {} starts here", source::MAX_WORDS + 1),
            )
            .help("a cluster.kdl has a few hundred; check that this is the right file"),
        );
    }
    if !scan.within_limits() {
        return None;
    }
    match super::fastkdl::parse(&src.text).map_or_else(|| KdlDocument::parse_v2(&src.text), Ok) {
        Ok(doc) => Some(doc),
        Err(err) => {
            let diagnosed = super::syntax::diagnose(&src.text);
            if !diagnosed.is_empty() {
                diagnosed.into_iter().for_each(|f| out.push(f));
                return None;
            }
            for d in err.diagnostics {
                let msg = d
                    .message
                    .clone()
                    .unwrap_or_else(|| "invalid KDL".to_owned());
                let mut f = Finding::new(&SYNTAX_KDL, lowercase_first(&msg)).label(
                    d.span.into(),
                    d.label.clone().unwrap_or_else(|| "here".to_owned()),
                );
                f = f.help(d.help.clone().unwrap_or_else(|| {
                    "cluster.kdl is KDL v2: strings with spaces or starting with a digit need quotes, booleans are #true/#false".to_owned()
                }));
                out.push(f);
            }
            None
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let s = s.trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(first) if !c.as_str().starts_with(|ch: char| ch.is_uppercase()) => {
            first.to_lowercase().chain(c).collect()
        }
        _ => s.to_owned(),
    }
}

fn lower_document(
    doc: &KdlDocument,
    out: &mut Findings,
    poisoned: &mut Vec<Span>,
) -> Option<Project> {
    let mut cx = Cx { out, poisoned };
    let mut clusters = Vec::new();
    for node in doc.nodes() {
        if node.name().value() == schema::CLUSTER.name {
            clusters.push(node);
        } else {
            cx.unknown_node(node, &["cluster"], "the top level");
        }
    }
    let Some(cluster) = clusters.first().copied() else {
        cx.out.push(
            Finding::new(&SCHEMA_MISSING, "no `cluster` node")
                .label(Span::new(0, 0), "expected `cluster NAME { … }`")
                .help("start the file with `cluster my-cluster { … }`; `topogen init` writes a complete example"),
        );
        return None;
    };
    for extra in &clusters[1..] {
        cx.out.push(
            Finding::new(&SCHEMA_DUPLICATE, "more than one `cluster` node")
                .label(extra.span().into(), "second cluster")
                .label(cluster.span().into(), "first defined here")
                .help("a cluster.kdl describes one cluster; move the other one to its own file"),
        );
    }
    let entries = cx.entries(cluster, &schema::CLUSTER);
    let name = cx.arg_str(&entries, 0, "cluster name", "k3s");
    // validate the base's children and the environments' (all spans are in one file)
    let body = cx.body(cluster, &schema::CLUSTER);
    let mut base = KdlDocument::new();
    let mut envs = Vec::new();
    for n in body.nodes() {
        if n.name().value() == schema::ENVIRONMENT.name {
            envs.push(n);
        } else {
            base.nodes_mut().push(n.clone());
        }
    }
    if envs.is_empty() {
        cx.out.push(
            Finding::new(&SCHEMA_MISSING, "no `environment` is defined")
                .label(label_span(cluster), "this cluster has no environment")
                .help("add at least one, e.g. `environment dev` — every artifact is built per environment"),
        );
        return None;
    }
    cx.new_in_base(&base);
    if !cx.within_env_limits(cluster, &base, &envs) {
        return None;
    }
    let output = cx.output(&base);
    let topogen = cx.pin(&base);
    let mut topologies = Vec::new();
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    let last = envs.len() - 1;
    for (i, env_node) in envs.into_iter().enumerate() {
        let e = cx.entries(env_node, &schema::ENVIRONMENT);
        let env_name = cx.arg_str(&e, 0, "environment name", "env");
        if let Some(first) = seen.get(&env_name.value) {
            cx.out.push(
                Finding::new(
                    &SCHEMA_DUPLICATE,
                    format!("environment `{}` is defined twice", env_name.value),
                )
                .label(env_name.span, "defined again here")
                .label(*first, "first defined here")
                .help("merge the two blocks into one"),
            );
            continue;
        }
        seen.insert(env_name.value.clone(), env_name.span);
        let production = cx.bool_(&e, "production").unwrap_or(Spanned::new(
            schema::ENVIRONMENT.prop("production").default_bool(),
            env_name.span,
        ));
        let approval = cx.str_(&e, "approval");
        // the last environment takes the base instead of a copy
        let mut merged = if i == last {
            std::mem::take(&mut base)
        } else {
            base.clone()
        };
        if let Some(overlay) = env_node.children() {
            for child in overlay.nodes() {
                if child.name().value() == schema::ENVIRONMENT.name {
                    cx.out.push(
                        Finding::new(&SCHEMA_UNKNOWN_NODE, "environments cannot nest")
                            .label(child.name().span().into(), "inner `environment`")
                            .help("move this block out to the `cluster` level"),
                    );
                }
            }
            let nodes = overlay.nodes().iter();
            for u in merge::merge_nodes(
                &mut merged,
                nodes.filter(|n| n.name().value() != schema::ENVIRONMENT.name),
            ) {
                cx.unmatched_override(&u);
            }
        }
        let env = Environment {
            name: env_name,
            production,
            approval,
            span: env_node.span().into(),
        };
        // findings from the base repeat per environment; Findings::absorb merges them
        let mut local = Findings::default();
        let topo = Cx {
            out: &mut local,
            poisoned: cx.poisoned,
        }
        .topology(env, name.clone(), &merged);
        cx.out.absorb(local);
        topologies.push(Topology {
            terraform: output.terraform.clone(),
            ..topo
        });
    }
    if !cx.within_node_limit(&topologies) {
        return None;
    }
    cx.poisoned.sort_unstable();
    cx.poisoned.dedup();
    for t in &mut topologies {
        t.invalid.clone_from(cx.poisoned);
    }
    Some(Project {
        envs: topologies,
        output,
        topogen,
    })
}

/// Nodes, arguments and properties of `doc`, children included.
fn words(doc: &KdlDocument) -> usize {
    doc.nodes()
        .iter()
        .map(|n| 1 + n.entries().len() + n.children().map_or(0, words))
        .sum()
}

/// The span of a node's name (the whole node is too long to underline).
fn label_span(node: &KdlNode) -> Span {
    node.name().span().into()
}

/// Where a placeholder for property `key` points: the bad entry, or the node when it is missing.
fn fallback_span(e: &Entries<'_>, key: &str) -> Span {
    e.props
        .get(key)
        .map_or_else(|| label_span(e.node), |x| x.span().into())
}

/// The properties and arguments of one node, checked against its schema.
struct Entries<'n> {
    node: &'n KdlNode,
    schema: &'static NodeSchema,
    args: Vec<&'n KdlEntry>,
    props: BTreeMap<&'n str, &'n KdlEntry>,
}

struct Cx<'o> {
    out: &'o mut Findings,
    poisoned: &'o mut Vec<Span>,
}

/// The help line for a word that is none of `candidates`.
fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match crate::diag::did_you_mean(word, candidates.iter().copied()) {
        Some(hint) => hint,
        None if candidates.is_empty() => "this node takes none".to_owned(),
        None => format!(
            "expected one of {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn type_name(v: &KdlValue) -> &'static str {
    match v {
        KdlValue::String(_) => "a string",
        KdlValue::Integer(_) => "an integer",
        KdlValue::Float(_) => "a number",
        KdlValue::Bool(_) => "a boolean",
        KdlValue::Null => "#null",
    }
}

fn show(v: &KdlValue) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// The schema default of integer property `key` of `node`, at `span`.
fn default_int(node: &NodeSchema, key: &str, span: Span) -> Spanned<u32> {
    Spanned::new(node.prop(key).default_int(), span)
}

impl Cx<'_> {
    /// Environments, and words of every environment's merged topology, within
    /// [`source::MAX_ENVIRONMENTS`] and [`source::MAX_ENV_WORDS`]: checked
    /// before any environment is merged, so a file that asks for too much is
    /// rejected in the time it takes to count.
    fn within_env_limits(
        &mut self,
        cluster: &KdlNode,
        base: &KdlDocument,
        envs: &[&KdlNode],
    ) -> bool {
        if let Some(extra) = envs.get(source::MAX_ENVIRONMENTS) {
            self.out.push(
                Finding::new(
                    &SYNTAX_LIMITS,
                    format!(
                        "the cluster defines {} environments; topogen builds at most {}",
                        envs.len(),
                        source::MAX_ENVIRONMENTS
                    ),
                )
                .label(
                    label_span(extra),
                    format!(
                        "environment {} of {}",
                        source::MAX_ENVIRONMENTS + 1,
                        envs.len()
                    ),
                )
                .help("build the other environments from a second file (`--config`)"),
            );
            return false;
        }
        let base_words = words(base);
        let total: usize = envs
            .iter()
            .map(|e| base_words + e.children().map_or(0, words))
            .sum();
        if total <= source::MAX_ENV_WORDS {
            return true;
        }
        let mut f = Finding::new(
            &SYNTAX_LIMITS,
            format!(
                "{} environments each repeat a base of {base_words} nodes, arguments and properties, \
                 {total} in all; topogen reads at most {}",
                envs.len(),
                source::MAX_ENV_WORDS
            ),
        )
        .label(label_span(cluster), format!("a base of {base_words}"));
        if let Some(last) = envs.last() {
            f = f.label(
                label_span(last),
                format!("environment {} of {}", envs.len(), envs.len()),
            );
        }
        self.out.push(f.help(
            "remove the nodes the environments do not need, or build some environments from a second file (`--config`)",
        ));
        false
    }

    /// The servers of every environment together within [`source::MAX_NODES`]:
    /// checked on the lowered pools, before any node, name or address is
    /// derived from them.
    fn within_node_limit(&mut self, topologies: &[Topology]) -> bool {
        let total: u64 = topologies
            .iter()
            .flat_map(|t| &t.pools)
            .map(|p| u64::from(p.count.value))
            .sum();
        if total <= source::MAX_NODES {
            return true;
        }
        // the largest counts, each where it is written (a base pool's count
        // is the same span in every environment)
        let mut counts: Vec<(Span, u32)> = topologies
            .iter()
            .flat_map(|t| &t.pools)
            .map(|p| (p.count.span, p.count.value))
            .collect();
        counts.sort_unstable();
        counts.dedup_by_key(|c| c.0);
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let whose = match topologies {
            [one] => format!("environment `{}` has", one.env.name.value),
            all => format!("the {} environments have", all.len()),
        };
        let mut f = Finding::new(
            &SYNTAX_LIMITS,
            format!(
                "{whose} {total} nodes in all; topogen builds at most {}",
                source::MAX_NODES
            ),
        );
        for (span, count) in counts.into_iter().take(3) {
            f = f.label(span, format!("{count} nodes"));
        }
        self.out.push(f.help(
            "lower the pools' `count` (Kubernetes supports at most 5,000 nodes per cluster), or build some environments from a second file (`--config`)",
        ));
        false
    }

    fn unknown_node(&mut self, node: &KdlNode, allowed: &[&str], where_: &str) {
        let name = node.name().value();
        self.out.push(
            Finding::new(
                &SCHEMA_UNKNOWN_NODE,
                format!("unknown node `{name}` in {where_}"),
            )
            .label(
                node.name().span().into(),
                "not part of the cluster.kdl language here",
            )
            .help(did_you_mean(name, allowed)),
        );
    }

    /// An environment's `pool`, `range` or `listener` that overrides nothing
    /// in the base, or says `new=#true` for one it overrides.
    fn unmatched_override(&mut self, u: &merge::Unmatched<'_>) {
        let kind = u.node.name().value();
        let name = label_span(u.node);
        let span = u
            .node
            .entries()
            .iter()
            .find(|e| e.name().is_none())
            .map_or(name, |arg| {
                let end = arg.span().offset() + arg.span().len();
                Span::new(name.offset, end - name.offset)
            });
        let what = format!("{kind} {}", u.key);
        let f = if u.exists {
            let new = u.node.entry("new").map_or(span, |e| e.span().into());
            Finding::new(
                &SCHEMA_UNMATCHED_OVERRIDE,
                format!("`{what}` is in the base already: `new=#true` adds a {kind}"),
            )
            .label(new, "adds a second one")
            .help(format!(
                "remove `new=#true` to override the base's `{what}`"
            ))
        } else {
            let hint = crate::diag::did_you_mean(&u.key, u.candidates.iter().map(String::as_str))
                .map(|s| format!("; {s}"))
                .unwrap_or_default();
            let theirs = if u.candidates.is_empty() {
                format!("the base has no `{kind}`")
            } else {
                format!("the base's {kind}s are {}", list(&u.candidates, 8))
            };
            Finding::new(
                &SCHEMA_UNMATCHED_OVERRIDE,
                format!("no `{what}` in the base to override{hint}"),
            )
            .label(span, "overrides nothing")
            .help(format!(
                "{theirs}; to add `{what}` in this environment only, write `new=#true` on it"
            ))
        };
        self.out.push(f);
    }

    /// `new=#true` in the base: only an environment adds to the base.
    fn new_in_base(&mut self, base: &KdlDocument) {
        let children = |parent: &'static NodeSchema, child: &'static NodeSchema| {
            base.nodes()
                .iter()
                .filter(move |n| n.name().value() == parent.name)
                .filter_map(KdlNode::children)
                .flat_map(|d| d.nodes())
                .filter(move |n| n.name().value() == child.name)
        };
        let nodes = base
            .nodes()
            .iter()
            .filter(|n| n.name().value() == schema::POOL.name);
        for n in nodes
            .chain(children(&schema::IP_PLAN, &schema::RANGE))
            .chain(children(&schema::KAFKA, &schema::LISTENER))
            .chain(children(&schema::KAFKA, &schema::TOPIC))
        {
            if let Some(e) = n.entry("new") {
                self.out.push(
                    Finding::new(
                        &SCHEMA_UNMATCHED_OVERRIDE,
                        format!(
                            "`new=#true` on `{}` outside an environment",
                            n.name().value()
                        ),
                    )
                    .label(e.span().into(), "means nothing in the base")
                    .help("remove it: `new=#true` adds a node in an `environment` block"),
                );
            }
        }
    }

    /// Checks a node's entries against its schema.
    fn entries<'n>(&mut self, node: &'n KdlNode, schema: &'static NodeSchema) -> Entries<'n> {
        let free_keys = schema.props.iter().any(|p| p.name == "KEY");
        let allowed: Vec<&str> = schema
            .props
            .iter()
            .map(|p| p.name)
            .filter(|n| *n != "KEY")
            .collect();
        let max_args = if schema.args.iter().any(|a| a.name.ends_with('…')) {
            usize::MAX
        } else {
            schema.args.len()
        };
        let mut e = Entries {
            node,
            schema,
            args: Vec::new(),
            props: BTreeMap::new(),
        };
        for entry in node.entries() {
            match entry.name() {
                None => {
                    if e.args.len() >= max_args {
                        let msg = if max_args == 0 {
                            format!("`{}` takes no arguments", schema.name)
                        } else {
                            format!("`{}` takes {} argument(s)", schema.name, max_args)
                        };
                        let mut f = Finding::new(&SCHEMA_UNKNOWN_PROPERTY, msg)
                            .label(entry.span().into(), "unexpected argument");
                        f = f.help(if schema.props.is_empty() {
                            format!("write it as `{}`", schema.example)
                        } else {
                            format!(
                                "did you mean a property `key={}`? e.g. `{}`",
                                show(entry.value()),
                                schema.example
                            )
                        });
                        self.out.push(f);
                    }
                    e.args.push(entry);
                }
                Some(key) => {
                    let k = key.value();
                    if !free_keys && !allowed.contains(&k) {
                        self.out.push(
                            Finding::new(
                                &SCHEMA_UNKNOWN_PROPERTY,
                                format!("unknown property `{k}` on `{}`", schema.name),
                            )
                            .label(key.span().into(), "unknown property")
                            .help(did_you_mean(k, &allowed)),
                        );
                        continue;
                    }
                    if let Some(prev) = e.props.get(k) {
                        self.out.push(
                            Finding::new(
                                &SCHEMA_DUPLICATE,
                                format!("property `{k}` is given twice"),
                            )
                            .label(entry.span().into(), "given again here")
                            .label(prev.span().into(), "first given here")
                            .help("KDL keeps only the last one; remove one of them"),
                        );
                    }
                    e.props.insert(k, entry);
                }
            }
        }
        for a in schema.args.iter().take(1) {
            if a.default == schema::Default::Required && e.args.is_empty() {
                self.poisoned.push(label_span(node));
                self.out.push(
                    Finding::new(
                        &SCHEMA_MISSING,
                        format!("`{}` needs its {} argument", schema.name, a.name),
                    )
                    .label(label_span(node), format!("missing {}", a.name))
                    .help(format!("e.g. `{}`", schema.example)),
                );
            }
        }
        e
    }

    /// The block of `node` (an empty one if it has none), its child node
    /// names checked against `schema`.
    fn body<'d>(&mut self, node: &'d KdlNode, schema: &NodeSchema) -> &'d KdlDocument {
        static EMPTY: std::sync::LazyLock<KdlDocument> = std::sync::LazyLock::new(KdlDocument::new);
        let body = node.children().unwrap_or(&EMPTY);
        self.children(body, schema);
        body
    }

    /// The first argument (a string, `what` in messages) of every node of
    /// `schema` in `doc`, the first of each name.
    fn first_args(
        &mut self,
        doc: &KdlDocument,
        schema: &'static NodeSchema,
        what: &str,
    ) -> Vec<Spanned<String>> {
        self.many(doc, schema)
            .into_iter()
            .map(|(_, e)| self.arg_str(&e, 0, what, ""))
            .collect()
    }

    /// Checks child node names against the schema; reports unknown and duplicated nodes.
    fn children<'d>(&mut self, doc: &'d KdlDocument, schema: &NodeSchema) -> Vec<&'d KdlNode> {
        let name = schema.name;
        // (name, key) → first definition: hashing keeps this linear for any input
        let mut seen: std::collections::HashMap<(&str, Option<&KdlValue>), Span> =
            std::collections::HashMap::new();
        let mut kept = Vec::new();
        for child in doc.nodes() {
            let cname = child.name().value();
            let Some(child_schema) = schema.child(cname) else {
                self.unknown_node(child, &schema.child_names(), &format!("`{name}`"));
                continue;
            };
            let repeats = child_schema.repeats;
            let key = if repeats && !child_schema.args.is_empty() {
                child
                    .entries()
                    .iter()
                    .find(|e| e.name().is_none())
                    .map(KdlEntry::value)
            } else {
                None
            };
            let is_list = repeats && key.is_none();
            if !is_list
                && !std::ptr::eq(child_schema, &schema::ENVIRONMENT)
                && let Some(first) = seen.get(&(cname, key))
            {
                let what = match &key {
                    Some(k) => format!("`{cname} {k}` is defined twice"),
                    None => format!("`{cname}` is given twice"),
                };
                self.out.push(
                        Finding::new(&SCHEMA_DUPLICATE, what)
                            .label(label_span(child), "defined again here")
                            .label(*first, "first defined here")
                            .help("merge them into one node (environments override the base in `environment` blocks)"),
                    );
                continue;
            }
            seen.entry((cname, key))
                .or_insert_with(|| label_span(child));
            kept.push(child);
        }
        kept
    }

    fn value<'n>(&mut self, e: &Entries<'n>, key: &str) -> Option<&'n KdlEntry> {
        e.props.get(key).copied()
    }

    fn type_error(&mut self, entry: &KdlEntry, expected: &str, help: &str) {
        self.poisoned.push(entry.span().into());
        let name = entry
            .name()
            .map(|n| format!("`{}`", n.value()))
            .unwrap_or_else(|| "argument".to_owned());
        self.out.push(
            Finding::new(
                &SCHEMA_TYPE,
                format!(
                    "{name} must be {expected}, found {} `{}`",
                    type_name(entry.value()),
                    show(entry.value())
                ),
            )
            .label(entry.span().into(), format!("expected {expected}"))
            .help(help.to_owned()),
        );
    }

    fn missing(&mut self, e: &Entries<'_>, key: &str, example: &str) {
        self.poisoned.push(label_span(e.node));
        // `cuont=3` already got "did you mean `count`?": don't also say `count` is missing
        let misspelled = e
            .node
            .entries()
            .iter()
            .filter_map(|x| x.name())
            .any(|n| !e.props.contains_key(n.value()) && suggest(n.value(), [key]).is_some());
        if misspelled {
            return;
        }
        self.out.push(
            Finding::new(
                &SCHEMA_MISSING,
                format!("`{}` needs `{key}`", e.node.name().value()),
            )
            .label(label_span(e.node), format!("`{key}` is missing"))
            .help(format!("add it, e.g. `{example}`")),
        );
    }

    fn str_entry(&mut self, entry: &KdlEntry) -> Option<Spanned<String>> {
        match entry.value() {
            KdlValue::String(s) => Some(Spanned::new(s.clone(), entry.span().into())),
            _ => {
                self.type_error(entry, "a string", "quote the value: `key=\"value\"`");
                None
            }
        }
    }

    fn str_(&mut self, e: &Entries<'_>, key: &str) -> Option<Spanned<String>> {
        let entry = self.value(e, key)?;
        self.str_entry(entry)
    }

    /// String property `key`, or its schema default.
    fn str_or(&mut self, e: &Entries<'_>, key: &str) -> Spanned<String> {
        self.str_else(e, key, e.schema.prop(key).default_str())
    }

    /// String property `key`, or `default` (computed from other values).
    fn str_else(&mut self, e: &Entries<'_>, key: &str, default: &str) -> Spanned<String> {
        self.str_(e, key)
            .unwrap_or_else(|| Spanned::new(default.to_owned(), fallback_span(e, key)))
    }

    /// Required string property `key`: reported when missing, then empty.
    fn req_str(&mut self, e: &Entries<'_>, key: &str) -> Spanned<String> {
        if !e.props.contains_key(key) {
            self.missing(e, key, e.schema.prop(key).example);
        }
        self.str_else(e, key, "")
    }

    /// String property `key`, or its default, reported unless it is one of
    /// the words its schema allows.
    fn word_or(&mut self, e: &Entries<'_>, key: &str, what: &str) -> Spanned<String> {
        let word = self.str_or(e, key);
        self.one_of(&word, e.schema.prop(key).words(), what);
        word
    }

    fn arg_str(
        &mut self,
        e: &Entries<'_>,
        idx: usize,
        _what: &str,
        default: &str,
    ) -> Spanned<String> {
        match e.args.get(idx) {
            Some(entry) => self
                .str_entry(entry)
                .unwrap_or_else(|| Spanned::new(default.to_owned(), entry.span().into())),
            None => Spanned::new(default.to_owned(), label_span(e.node)),
        }
    }

    /// Integer property `key`, within its schema's bounds.
    fn int(&mut self, e: &Entries<'_>, key: &str) -> Option<Spanned<u32>> {
        let entry = self.value(e, key)?;
        let (min, max) = e.schema.prop(key).bounds();
        self.int_entry(entry, min, max)
    }

    /// Integer property `key`, or its schema default at `span`.
    fn int_or(&mut self, e: &Entries<'_>, key: &str, span: Span) -> Spanned<u32> {
        self.int(e, key)
            .unwrap_or_else(|| default_int(e.schema, key, span))
    }
    fn int_entry(&mut self, entry: &KdlEntry, min: u32, max: u32) -> Option<Spanned<u32>> {
        match entry.value() {
            KdlValue::Integer(i) if *i >= i128::from(min) && *i <= i128::from(max) => {
                Some(Spanned::new(*i as u32, entry.span().into()))
            }
            KdlValue::Integer(_) => {
                self.type_error(
                    entry,
                    &format!("a whole number from {min} to {max}"),
                    &format!("use a value between {min} and {max}"),
                );
                None
            }
            _ => {
                self.type_error(
                    entry,
                    "a whole number",
                    "write the number without quotes, e.g. `count=3`",
                );
                None
            }
        }
    }

    /// Required integer property `key`: reported when missing, then its minimum.
    fn req_int(&mut self, e: &Entries<'_>, key: &str) -> Spanned<u32> {
        let field = e.schema.prop(key);
        if !e.props.contains_key(key) {
            self.missing(e, key, field.example);
        }
        self.int_or(e, key, fallback_span(e, key))
    }

    fn bool_(&mut self, e: &Entries<'_>, key: &str) -> Option<Spanned<bool>> {
        let entry = self.value(e, key)?;
        match entry.value() {
            KdlValue::Bool(b) => Some(Spanned::new(*b, entry.span().into())),
            _ => {
                self.type_error(
                    entry,
                    "#true or #false",
                    "KDL v2 booleans are written `#true` and `#false`",
                );
                None
            }
        }
    }

    /// Boolean property `key`, or its schema default at `span`.
    fn bool_or(&mut self, e: &Entries<'_>, key: &str, span: Span) -> Spanned<bool> {
        self.bool_(e, key)
            .unwrap_or_else(|| Spanned::new(e.schema.prop(key).default_bool(), span))
    }

    /// Boolean property `key`, or its schema default.
    fn flag(&mut self, e: &Entries<'_>, key: &str) -> bool {
        self.bool_(e, key)
            .map_or_else(|| e.schema.prop(key).default_bool(), |b| b.value)
    }

    fn float(&mut self, e: &Entries<'_>, key: &str) -> Option<Spanned<f64>> {
        let entry = self.value(e, key)?;
        match entry.value() {
            KdlValue::Float(f) if f.is_finite() && *f >= 0.0 => {
                Some(Spanned::new(*f, entry.span().into()))
            }
            KdlValue::Integer(i) if *i >= 0 && *i <= 1_000_000 => {
                Some(Spanned::new(*i as f64, entry.span().into()))
            }
            _ => {
                self.type_error(entry, "a non-negative number", "e.g. `eur-per-month=7.49`");
                None
            }
        }
    }

    /// `s`, a value of `field`, parsed as its kind.
    fn parsed<T: std::str::FromStr>(
        &mut self,
        s: &Spanned<String>,
        field: &schema::Field,
    ) -> Option<Spanned<T>> {
        let (what, help) = field.kind.expected();
        match s.value.parse::<T>() {
            Ok(v) => Some(Spanned::new(v, s.span)),
            Err(_) => {
                self.poisoned.push(s.span);
                self.out.push(
                    Finding::new(&SCHEMA_TYPE, format!("`{}` is not {what}", s.value))
                        .label(s.span, format!("expected {what}"))
                        .help(help.to_owned()),
                );
                None
            }
        }
    }

    fn one_of(&mut self, s: &Spanned<String>, allowed: &[&str], what: &str) -> bool {
        if allowed.contains(&s.value.as_str()) {
            return true;
        }
        self.poisoned.push(s.span);
        self.out.push(
            Finding::new(&SCHEMA_TYPE, format!("unknown {what} `{}`", s.value))
                .label(s.span, format!("not a {what}"))
                .help(did_you_mean(&s.value, allowed)),
        );
        false
    }

    /// Reads the node of `schema` from `doc` (the first, if given twice).
    fn single<'d>(
        &mut self,
        doc: &'d KdlDocument,
        schema: &'static NodeSchema,
    ) -> Option<(&'d KdlNode, Entries<'d>)> {
        let node = doc
            .nodes()
            .iter()
            .find(|n| n.name().value() == schema.name)?;
        let e = self.entries(node, schema);
        Some((node, e))
    }

    /// Reads the block `parent` from `doc` (its children checked against the
    /// schema) and every `child` node in it: none without the block or its
    /// `{ … }`.
    fn block_items<'d>(
        &mut self,
        doc: &'d KdlDocument,
        parent: &'static NodeSchema,
        child: &'static NodeSchema,
    ) -> Vec<(&'d KdlNode, Entries<'d>)> {
        let Some(children) = self.single(doc, parent).and_then(|(n, _)| n.children()) else {
            return Vec::new();
        };
        self.children(children, parent);
        self.many(children, child)
    }

    /// Reads every node of `schema` from `doc`, the first of each name.
    fn many<'d>(
        &mut self,
        doc: &'d KdlDocument,
        schema: &'static NodeSchema,
    ) -> Vec<(&'d KdlNode, Entries<'d>)> {
        let name = schema.name;
        let mut keys: std::collections::HashSet<&KdlValue> = std::collections::HashSet::new();
        let mut out = Vec::new();
        for node in doc.nodes().iter().filter(|n| n.name().value() == name) {
            // duplicates were reported by `children`; keep the first
            let key = node
                .entries()
                .iter()
                .find(|e| e.name().is_none())
                .map(KdlEntry::value);
            if let Some(k) = key
                && !schema.args.is_empty()
                && !keys.insert(k)
            {
                continue;
            }
            let e = self.entries(node, schema);
            out.push((node, e));
        }
        out
    }

    fn topology(
        &mut self,
        env: Environment,
        cluster: Spanned<String>,
        doc: &KdlDocument,
    ) -> Topology {
        let cluster_span = cluster.span;
        let top = self.children(doc, &schema::CLUSTER);
        let _ = top;
        let hetzner = self.hetzner(doc, cluster_span);
        let versions = self.versions(doc, cluster_span);
        let network = self.network(doc, cluster_span);
        let ip_plan = self.ip_plan(doc);
        let catalog = self.catalog(doc);
        let pools = self.pools(doc);
        let kafka = self.kafka(doc, &pools);
        let profiles = self.profiles(doc);
        let ingress = self.ingress(doc, cluster_span);
        let firewall = self.firewall(doc);
        let firewall_span = doc
            .nodes()
            .iter()
            .find(|n| n.name().value() == schema::FIREWALL.name)
            .map(label_span);
        let schedule = self.schedule(doc, cluster_span);
        let gitops = self.gitops(doc, cluster_span);
        let registries = self.registries(doc);
        let monitoring = self.monitoring(doc);
        let secrets = self.secrets(doc);
        Topology {
            env,
            cluster,
            hetzner,
            versions,
            network,
            ip_plan,
            pools,
            kafka,
            profiles,
            ingress,
            firewall,
            firewall_span,
            catalog,
            schedule,
            gitops,
            registries,
            monitoring,
            secrets,
            terraform: Spanned::new(TerraformShape::Module, cluster_span),
            invalid: Vec::new(),
        }
    }

    fn hetzner(&mut self, doc: &KdlDocument, fallback: Span) -> Hetzner {
        let Some((_, e)) = self.single(doc, &schema::HETZNER) else {
            self.out.push(
                Finding::new(
                    &SCHEMA_MISSING,
                    "no `hetzner` node: where should the servers run?",
                )
                .label(fallback, "this cluster has no `hetzner` node")
                .help("add `hetzner location=nbg1 datacenter=nbg1-dc3`"),
            );
            let s = |v: &str| Spanned::new(v.to_owned(), fallback);
            return Hetzner {
                location: s("nbg1"),
                datacenter: s("nbg1-dc3"),
                network_zone: s("eu-central"),
                image: s(schema::HETZNER.prop("image").default_str()),
            };
        };
        let location = self.req_str(&e, "location");
        let datacenter = self.req_str(&e, "datacenter");
        let zone = catalog::zone_of(&location.value).unwrap_or("eu-central");
        Hetzner {
            network_zone: self.str_else(&e, "network-zone", zone),
            image: self.str_or(&e, "image"),
            location,
            datacenter,
        }
    }

    fn versions(&mut self, doc: &KdlDocument, fallback: Span) -> Versions {
        let found = self.single(doc, &schema::VERSIONS);
        let span = found.as_ref().map_or(fallback, |(n, _)| label_span(n));
        let children = found
            .and_then(|(n, _)| n.children())
            .map(|c| {
                self.children(c, &schema::VERSIONS);
                c.clone()
            })
            .unwrap_or_default();
        let mut get = |schema: &'static NodeSchema| -> Spanned<String> {
            let default = schema.arg(0).map_or("", schema::Field::default_str);
            match self.single(&children, schema) {
                Some((node, e)) => {
                    if e.args.is_empty() {
                        self.missing(&e, "VERSION", schema.example);
                        Spanned::new(default.to_owned(), label_span(node))
                    } else {
                        self.arg_str(&e, 0, "version", default)
                    }
                }
                None => Spanned::new(default.to_owned(), span),
            }
        };
        Versions {
            terraform: get(&schema::V_TERRAFORM),
            terraform_cli: get(&schema::V_TERRAFORM_CLI),
            hcloud_provider: get(&schema::V_HCLOUD_PROVIDER),
            hcloud_cli: get(&schema::V_HCLOUD_CLI),
            k3s: get(&schema::V_K3S),
            helm: get(&schema::V_HELM),
            traefik_chart: get(&schema::V_TRAEFIK_CHART),
            strimzi: get(&schema::V_STRIMZI),
            kafka: get(&schema::V_KAFKA),
            argocd_operator: get(&schema::V_ARGOCD_OPERATOR),
        }
    }

    fn network(&mut self, doc: &KdlDocument, fallback: Span) -> Network {
        // the schema's defaults are valid networks (a unit test parses every one)
        let default_net: Ipv4Net = schema::NETWORK.args[0]
            .default_str()
            .parse()
            .unwrap_or(Ipv4Net::default());
        let default_sub: Ipv4Net = schema::NETWORK
            .prop("subnet")
            .default_str()
            .parse()
            .unwrap_or(Ipv4Net::default());
        let Some((node, e)) = self.single(doc, &schema::NETWORK) else {
            return Network {
                cidr: Spanned::new(default_net, fallback),
                subnet: Spanned::new(default_sub, fallback),
            };
        };
        let net_field = &schema::NETWORK.args[0];
        let cidr = e
            .args
            .first()
            .and_then(|a| self.str_entry(a))
            .and_then(|s| self.parsed::<Ipv4Net>(&s, net_field))
            .unwrap_or_else(|| {
                let span = e.args.first().map_or(label_span(node), |a| a.span().into());
                Spanned::new(default_net, span)
            });
        let subnet = self
            .str_(&e, "subnet")
            .and_then(|s| self.parsed::<Ipv4Net>(&s, e.schema.prop("subnet")))
            .unwrap_or_else(|| Spanned::new(default_sub, fallback_span(&e, "subnet")));
        Network { cidr, subnet }
    }

    fn ip_plan(&mut self, doc: &KdlDocument) -> Vec<IpRange> {
        self.block_items(doc, &schema::IP_PLAN, &schema::RANGE)
            .into_iter()
            .map(|(n, e)| {
                let name = self.arg_str(&e, 0, "range name", "");
                let from = self.req_int(&e, "from");
                let to = self.req_int(&e, "to");
                IpRange {
                    name,
                    from,
                    to,
                    reserved: self.bool_or(&e, "reserved", label_span(n)),
                    purpose: self.str_(&e, "purpose").map(|s| s.value),
                    span: label_span(n),
                }
            })
            .collect()
    }

    fn catalog(&mut self, doc: &KdlDocument) -> Catalog {
        let mut cat = Catalog::default();
        let Some((node, _)) = self.single(doc, &schema::CATALOG) else {
            return cat;
        };
        let Some(children) = node.children() else {
            return cat;
        };
        self.children(children, &schema::CATALOG);
        for (n, e) in self.many(children, &schema::SERVER_TYPE) {
            let name = self.arg_str(&e, 0, "server type", "");
            let known = cat.server_types.get(&name.value).cloned();
            let vcpu = self.int(&e, "vcpu").map(|v| v.value);
            let ram = self.int(&e, "ram-gb").map(|v| v.value);
            let price = self.float(&e, "eur-per-month").map(|v| v.value);
            let (vcpu, ram) = match (
                vcpu.or(known.as_ref().map(|k| k.vcpu)),
                ram.or(known.as_ref().map(|k| k.ram_gb)),
            ) {
                (Some(v), Some(r)) => (v, r),
                _ => {
                    self.missing(
                        &e,
                        "vcpu` and `ram-gb",
                        "server-type cx33 vcpu=4 ram-gb=8 eur-per-month=5.49",
                    );
                    (0, 0)
                }
            };
            cat.server_types.insert(
                name.value,
                ServerType {
                    vcpu,
                    ram_gb: ram,
                    eur_per_month: price.or(known.and_then(|k| k.eur_per_month)),
                    span: Some(label_span(n)),
                },
            );
        }
        if let Some((_, e)) = self.single(children, &schema::PRIMARY_IP_PRICE)
            && let Some(p) = self.float(&e, "eur-per-month")
        {
            cat.primary_ip_eur = p.value;
        }
        cat
    }

    fn pools(&mut self, doc: &KdlDocument) -> Vec<Pool> {
        self.many(doc, &schema::POOL)
            .into_iter()
            .map(|(n, e)| {
                let name = self.arg_str(&e, 0, "pool name", "");
                let role_s = self.req_str(&e, "role");
                if !role_s.value.is_empty() {
                    self.one_of(&role_s, e.schema.prop("role").words(), "K3s role");
                }
                // an unknown role (reported) is read as an agent
                let role = role_s.map(|r| {
                    if r == "server" {
                        Role::Server
                    } else {
                        Role::Agent
                    }
                });
                let server_type = self.req_str(&e, "server-type");
                let count = self.req_int(&e, "count");
                let range = self.req_str(&e, "range");
                let apps = self
                    .bool_(&e, "apps")
                    .unwrap_or(Spanned::new(role.value == Role::Agent, label_span(n)));
                let mut labels = Vec::new();
                let mut taints = Vec::new();
                let mut primary_ip = None;
                let mut retired = Vec::new();
                if let Some(children) = n.children() {
                    self.children(children, &schema::POOL);
                    if let Some((_, le)) = self.single(children, &schema::LABELS) {
                        labels = self.key_values(&le);
                    }
                    for (tn, te) in self.many(children, &schema::TAINT) {
                        let key = self.arg_str(&te, 0, "taint key", "");
                        let effect = self.word_or(&te, "effect", "taint effect");
                        taints.push(Taint {
                            key,
                            value: self.str_or(&te, "value"),
                            effect,
                            span: label_span(tn),
                        });
                    }
                    if let Some((pn, pe)) = self.single(children, &schema::PRIMARY_IP) {
                        let node = self.int_or(&pe, "node", label_span(pn));
                        let address = self
                            .str_(&pe, "address")
                            .and_then(|s| self.parsed::<Ipv4Addr>(&s, pe.schema.prop("address")));
                        primary_ip = Some(PrimaryIp { node, address });
                    }
                    for (rn, re) in self.many(children, &schema::RETIRE) {
                        let span = label_span(rn);
                        let index = match re.args.first() {
                            Some(a) => {
                                let (min, max) = re.schema.args[0].bounds();
                                self.int_entry(a, min, max)
                            }
                            None => None,
                        };
                        // a bad or missing index was reported; nothing is retired
                        let Some(index) = index else { continue };
                        // a missing or empty reason is `topogen::pool::retire`'s
                        let reason = self.str_else(&re, "reason", "");
                        retired.push(Retire {
                            index,
                            reason,
                            span,
                        });
                    }
                }
                Pool {
                    name,
                    role,
                    server_type,
                    count,
                    range,
                    labels,
                    taints,
                    primary_ip,
                    retired,
                    apps,
                    span: label_span(n),
                }
            })
            .collect()
    }

    /// `labels k=v …` / `prefer k=v weight=…`: every property except `except`.
    fn key_values_except(&mut self, e: &Entries<'_>, except: &[&str]) -> Vec<KeyValue> {
        let mut out = Vec::new();
        for entry in e.node.entries() {
            let Some(key) = entry.name() else { continue };
            if except.contains(&key.value()) {
                continue;
            }
            if let Some(value) = self.str_entry(entry) {
                out.push(KeyValue {
                    key: Spanned::new(key.value().to_owned(), key.span().into()),
                    value,
                    span: entry.span().into(),
                });
            }
        }
        out
    }

    fn key_values(&mut self, e: &Entries<'_>) -> Vec<KeyValue> {
        self.key_values_except(e, &[])
    }

    fn one_label(&mut self, e: &Entries<'_>, except: &[&str]) -> Option<KeyValue> {
        let mut kvs = self.key_values_except(e, except);
        if kvs.len() != 1 {
            self.out.push(
                Finding::new(
                    &SCHEMA_MISSING,
                    format!(
                        "`{}` takes exactly one `key=value` label, found {}",
                        e.node.name().value(),
                        kvs.len()
                    ),
                )
                .label(label_span(e.node), "here")
                .help("write one node per label, e.g. `prefer role=worker weight=100`"),
            );
        }
        if kvs.is_empty() {
            None
        } else {
            Some(kvs.remove(0))
        }
    }

    fn kafka(&mut self, doc: &KdlDocument, pools: &[Pool]) -> Option<Kafka> {
        let (node, e) = self.single(doc, &schema::KAFKA)?;
        let name = self.arg_str(&e, 0, "Kafka cluster name", "kafka");
        let brokers = self.req_str(&e, "brokers");
        let controllers = self
            .str_(&e, "controllers")
            .unwrap_or_else(|| brokers.clone());
        let namespace = self.str_or(&e, "namespace");
        let metadata_version = self.str_(&e, "metadata-version");
        let owner = self.word_or(&e, "owner", "Kafka owner").map(|o| {
            if o == "gitops" {
                KafkaOwner::Gitops
            } else {
                KafkaOwner::Topogen
            }
        });
        let children = self.body(node, &schema::KAFKA);
        let broker_count = pools
            .iter()
            .find(|p| p.name.value == brokers.value)
            .map_or(1, |p| p.count.value);
        let node_span = label_span(node);
        let replication = match self.single(children, &schema::REPLICATION) {
            Some((rn, re)) => {
                let factor = self
                    .int(&re, "factor")
                    .unwrap_or(Spanned::new(broker_count.clamp(1, 3), label_span(rn)));
                let min_insync = self.int(&re, "min-insync").unwrap_or(Spanned::new(
                    factor.value.saturating_sub(1).max(1),
                    label_span(rn),
                ));
                Replication { factor, min_insync }
            }
            None => {
                let factor = broker_count.clamp(1, 3);
                Replication {
                    factor: Spanned::new(factor, node_span),
                    min_insync: Spanned::new(factor.saturating_sub(1).max(1), node_span),
                }
            }
        };
        let mut listeners = Vec::new();
        for (ln, le) in self.many(children, &schema::LISTENER) {
            let name = self.arg_str(&le, 0, "listener name", "");
            let kind = self.req_str(&le, "type");
            let port = self.req_int(&le, "port");
            listeners.push(Listener {
                name,
                kind,
                port,
                tls: self.bool_or(&le, "tls", label_span(ln)),
                bootstrap_node_port: self.int(&le, "bootstrap-node-port"),
                broker_node_port: self.int(&le, "broker-node-port"),
                span: label_span(ln),
            });
        }
        let storage = match self.single(children, &schema::STORAGE) {
            Some((sn, se)) => {
                let kind = self.word_or(&se, "type", "storage type");
                Storage {
                    size: self.str_(&se, "size").or_else(|| {
                        (kind.value == "persistent-claim").then(|| {
                            Spanned::new(
                                se.schema.prop("size").default_str().to_owned(),
                                label_span(sn),
                            )
                        })
                    }),
                    kind,
                    class: self.str_(&se, "class"),
                    delete_claim: self.flag(&se, "delete-claim"),
                }
            }
            None => Storage {
                kind: Spanned::new(
                    schema::STORAGE.prop("type").default_str().to_owned(),
                    node_span,
                ),
                size: Some(Spanned::new(
                    schema::STORAGE.prop("size").default_str().to_owned(),
                    node_span,
                )),
                class: None,
                delete_claim: false,
            },
        };
        let resources = match self.single(children, &schema::RESOURCES) {
            Some((_, re)) => Resources {
                memory: self.str_(&re, "memory"),
                cpu: self.str_(&re, "cpu"),
            },
            None => Resources::default(),
        };
        let topics = self.topics(children);
        Some(Kafka {
            name,
            namespace,
            brokers,
            controllers,
            metadata_version,
            replication,
            listeners,
            storage,
            resources,
            topics,
            owner,
        })
    }

    /// `topic NAME partitions=N [replicas=N] { config KEY VALUE … }`, the
    /// first of each name (a second is `schema::duplicate`).
    fn topics(&mut self, doc: &KdlDocument) -> Vec<Topic> {
        let mut topics = Vec::new();
        for (tn, te) in self.many(doc, &schema::TOPIC) {
            let name = self.arg_str(&te, 0, "topic name", "");
            let partitions = self.req_int(&te, "partitions");
            let replicas = self.int(&te, "replicas");
            let body = self.body(tn, &schema::TOPIC);
            let mut config = Vec::new();
            for (cn, ce) in self.many(body, &schema::TOPIC_CONFIG) {
                let key = self.arg_str(&ce, 0, "configuration key", "");
                let Some(entry) = ce.args.get(1) else {
                    if !ce.args.is_empty() {
                        self.poisoned.push(label_span(cn));
                        self.out.push(
                            Finding::new(
                                &SCHEMA_MISSING,
                                format!("`config {}` needs its VALUE argument", key.value),
                            )
                            .label(label_span(cn), "missing VALUE")
                            .help(format!("e.g. `{}`", schema::TOPIC_CONFIG.example)),
                        );
                    }
                    continue;
                };
                let value = match entry.value() {
                    KdlValue::Integer(i) => i64::try_from(*i).ok().map(ConfigValue::Int),
                    KdlValue::Float(x) if x.is_finite() => Some(ConfigValue::Float(*x)),
                    KdlValue::Bool(b) => Some(ConfigValue::Bool(*b)),
                    KdlValue::String(s) => Some(ConfigValue::Str(s.clone())),
                    _ => None,
                };
                let Some(value) = value else {
                    self.type_error(
                        entry,
                        "a number, a boolean or a string",
                        "e.g. `config \"retention.ms\" 604800000`",
                    );
                    continue;
                };
                config.push(TopicConfig {
                    key,
                    value: Spanned::new(value, entry.span().into()),
                });
            }
            topics.push(Topic {
                name,
                partitions,
                replicas,
                config,
            });
        }
        topics
    }

    fn profiles(&mut self, doc: &KdlDocument) -> Vec<Profile> {
        self.block_items(doc, &schema::SCHEDULING, &schema::PROFILE)
            .into_iter()
            .map(|(pn, pe)| {
                let name = self.arg_str(&pe, 0, "profile name", "");
                let mut profile = Profile {
                    name,
                    prefer: Vec::new(),
                    avoid: Vec::new(),
                    require: Vec::new(),
                };
                if let Some(c) = pn.children() {
                    self.children(c, &schema::PROFILE);
                    for (n, e) in self.many(c, &schema::PREFER) {
                        let weight = match self.int(&e, "weight") {
                            Some(w) => w,
                            None => {
                                if !e.props.contains_key("weight") {
                                    self.missing(&e, "weight", e.schema.prop("weight").example);
                                }
                                default_int(e.schema, "weight", label_span(n))
                            }
                        };
                        if let Some(label) = self.one_label(&e, &["weight"]) {
                            profile.prefer.push(Preference { label, weight });
                        }
                    }
                    for (_, e) in self.many(c, &schema::AVOID) {
                        profile.avoid.extend(self.one_label(&e, &[]));
                    }
                    for (_, e) in self.many(c, &schema::REQUIRE) {
                        profile.require.extend(self.one_label(&e, &[]));
                    }
                }
                profile
            })
            .collect()
    }

    fn ingress(&mut self, doc: &KdlDocument, fallback: Span) -> Ingress {
        match self.single(doc, &schema::INGRESS) {
            Some((n, e)) => Ingress {
                http_node_port: self.int_or(&e, "http-node-port", label_span(n)),
                https_node_port: self.int_or(&e, "https-node-port", label_span(n)),
                explicit: true,
            },
            None => Ingress {
                http_node_port: default_int(&schema::INGRESS, "http-node-port", fallback),
                https_node_port: default_int(&schema::INGRESS, "https-node-port", fallback),
                explicit: false,
            },
        }
    }

    fn firewall(&mut self, doc: &KdlDocument) -> Vec<FirewallRule> {
        self.block_items(doc, &schema::FIREWALL, &schema::ALLOW)
            .into_iter()
            .map(|(n, e)| {
                let name = self.arg_str(&e, 0, "rule name", "");
                let mut sources = Vec::new();
                let source_field = &schema::ALLOW.args[1];
                for a in e.args.iter().skip(1) {
                    if let Some(s) = self.str_entry(a)
                        && let Some(net) = self.parsed::<IpNet>(&s, source_field)
                    {
                        sources.push(net);
                    }
                }
                let protocol = match self.str_(&e, "protocol") {
                    Some(p) if self.one_of(&p, e.schema.prop("protocol").words(), "protocol") => p
                        .map(|p| {
                            if p == "udp" {
                                Protocol::Udp
                            } else {
                                Protocol::Tcp
                            }
                        }),
                    _ => Spanned::new(Protocol::Tcp, label_span(n)),
                };
                let ports = self.ports(&e, label_span(n));
                FirewallRule {
                    name,
                    protocol,
                    ports,
                    sources,
                    reason: self.str_(&e, "reason"),
                    span: label_span(n),
                }
            })
            .collect()
    }

    fn ports(&mut self, e: &Entries<'_>, fallback: Span) -> Spanned<(u32, u32)> {
        let Some(entry) = self.value(e, "port") else {
            self.missing(e, "port", "port=22");
            return Spanned::new((0, 0), fallback);
        };
        let span: Span = entry.span().into();
        let bad = |cx: &mut Self| {
            cx.type_error(
                entry,
                "a port (1-65535) or a range \"A-B\"",
                "e.g. `port=22` or `port=\"30001-30004\"`",
            );
            Spanned::new((0, 0), span)
        };
        match entry.value() {
            KdlValue::Integer(i) if (1..=65_535).contains(i) => {
                Spanned::new((*i as u32, *i as u32), span)
            }
            KdlValue::String(s) => {
                let parse = |x: &str| {
                    x.trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|p| (1..=65_535).contains(p))
                };
                match s.split_once('-') {
                    Some((a, b)) => match (parse(a), parse(b)) {
                        (Some(a), Some(b)) if a <= b => Spanned::new((a, b), span),
                        _ => bad(self),
                    },
                    None => match parse(s) {
                        Some(p) => Spanned::new((p, p), span),
                        None => bad(self),
                    },
                }
            }
            _ => bad(self),
        }
    }

    fn schedule(&mut self, doc: &KdlDocument, fallback: Span) -> Schedule {
        let Some((n, e)) = self.single(doc, &schema::SCHEDULE) else {
            return Schedule {
                hours_per_day: default_int(&schema::SCHEDULE, "hours-per-day", fallback),
                days_per_month: default_int(&schema::SCHEDULE, "days-per-month", fallback),
                destroy_at: None,
            };
        };
        let destroy_at = self.str_(&e, "destroy-at").and_then(|s| {
            let hm = s.value.split_once(':').and_then(|(h, m)| {
                let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
                (h < 24 && m < 60 && s.value.len() == 5).then_some((h, m))
            });
            if hm.is_none() {
                self.out.push(
                    Finding::new(&SCHEMA_TYPE, format!("`{}` is not a time of day", s.value))
                        .label(s.span, "expected \"HH:MM\" (UTC)")
                        .help("e.g. destroy-at=\"23:30\""),
                );
            }
            hm.map(|v| Spanned::new(v, s.span))
        });
        Schedule {
            hours_per_day: self.int_or(&e, "hours-per-day", label_span(n)),
            days_per_month: self.int_or(&e, "days-per-month", label_span(n)),
            destroy_at,
        }
    }

    fn gitops(&mut self, doc: &KdlDocument, fallback: Span) -> GitOps {
        match self.single(doc, &schema::GITOPS) {
            Some((n, e)) => {
                let body = self.body(n, &schema::GITOPS);
                let destinations =
                    self.first_args(body, &schema::GITOPS_DESTINATION, "destination");
                GitOps {
                    repo: self.req_str(&e, "repo"),
                    overlay: self.req_str(&e, "overlay"),
                    revision: self.str_or(&e, "revision"),
                    namespace: self.str_or(&e, "namespace"),
                    destinations,
                }
            }
            None => {
                self.out.push(
                    Finding::new(
                        &SCHEMA_MISSING,
                        "no `gitops` node: where should ArgoCD sync from?",
                    )
                    .label(fallback, "this cluster has no `gitops` node")
                    .help("add `gitops repo=\"my-org/config\" overlay=\"overlays/minimal\"`"),
                );
                let s = |v: &str| Spanned::new(v.to_owned(), fallback);
                GitOps {
                    repo: s("owner/config"),
                    overlay: s("overlays/minimal"),
                    revision: s(schema::GITOPS.prop("revision").default_str()),
                    namespace: s(schema::GITOPS.prop("namespace").default_str()),
                    destinations: Vec::new(),
                }
            }
        }
    }

    fn output(&mut self, doc: &KdlDocument) -> Output {
        let mut out = Output::default();
        let Some((_, e)) = self.single(doc, &schema::OUTPUT) else {
            return out;
        };
        // a final `/` is allowed (`generated/`) and dropped
        let path = |cx: &mut Self, key: &str| {
            let v = cx.str_(&e, key)?;
            let trimmed = v.value.trim_end_matches('/');
            match path::check(trimmed) {
                Ok(()) => Some(Spanned::new(trimmed.to_owned(), v.span)),
                Err(problem) => {
                    cx.out.push(
                        Finding::new(
                            &SCHEMA_TYPE,
                            format!("`output {key}` is not a portable path inside the repository: {problem}"),
                        )
                        .label(v.span, problem.to_string())
                        .help(
                            "write a relative path of letters, digits, `.`, `_`, `-` and `/`, such as `generated` or `.github/workflows`",
                        ),
                    );
                    None
                }
            }
        };
        let dir = path(self, "dir");
        let workflows = path(self, "workflows");
        out.terraform = self
            .word_or(&e, "terraform", "Terraform output shape")
            .map(|shape| match shape.as_str() {
                "tfvars-only" => TerraformShape::TfvarsOnly,
                _ => TerraformShape::Module,
            });
        if let Some(d) = &dir {
            out.dir.clone_from(&d.value);
        }
        if let Some(w) = workflows {
            if path::overlap(&out.dir, &w.value) {
                let mut f = Finding::new(
                    &SCHEMA_TYPE,
                    format!(
                        "`output workflows` (`{}`) and the output directory (`{}`) overlap",
                        w.value, out.dir
                    ),
                )
                .label(w.span, "the workflows directory");
                if let Some(d) = &dir {
                    f = f.label(d.span, "the output directory");
                }
                self.out.push(f.help(
                    "each build replaces both directories whole: give them paths that do not contain each other, such as `generated` and `.github/workflows`",
                ));
            } else {
                out.workflows = Some(w.value);
            }
        }
        out
    }

    /// `registry SERVER secret=… token=… { namespace … }`, the first of each server.
    fn registries(&mut self, doc: &KdlDocument) -> Vec<Registry> {
        let mut out = Vec::new();
        for (n, e) in self.many(doc, &schema::REGISTRY) {
            let server = self.arg_str(&e, 0, "registry server", "");
            let secret = self.req_str(&e, "secret");
            let token = self.req_str(&e, "token");
            let username = self.str_(&e, "username");
            let body = self.body(n, &schema::REGISTRY);
            let namespaces = self.first_args(body, &schema::REGISTRY_NAMESPACE, "namespace");
            out.push(Registry {
                server,
                secret,
                token,
                username,
                namespaces,
            });
        }
        out
    }

    /// `monitoring { prometheus …; grafana-operator … }`, when declared.
    fn monitoring(&mut self, doc: &KdlDocument) -> Option<Monitoring> {
        let (n, e) = self.single(doc, &schema::MONITORING)?;
        let namespace = self.str_or(&e, "namespace");
        let body = self.body(n, &schema::MONITORING);
        let prometheus = match self.single(body, &schema::MON_PROMETHEUS) {
            Some((_, p)) => Prometheus {
                version: self.req_str(&p, "version"),
                retention: self.str_or(&p, "retention"),
                storage: self.str_or(&p, "storage"),
            },
            None => {
                self.out.push(
                    Finding::new(
                        &SCHEMA_MISSING,
                        "`monitoring` has no `prometheus`: which kube-prometheus-stack should the deploy install?",
                    )
                    .label(label_span(n), "this `monitoring` has no `prometheus` child")
                    .help(format!("add `{{ {} }}`", schema::MON_PROMETHEUS.example)),
                );
                let s = |v: &str| Spanned::new(v.to_owned(), label_span(n));
                Prometheus {
                    version: s(""),
                    retention: s(schema::MON_PROMETHEUS.prop("retention").default_str()),
                    storage: s(schema::MON_PROMETHEUS.prop("storage").default_str()),
                }
            }
        };
        let grafana_operator = self
            .single(body, &schema::MON_GRAFANA_OPERATOR)
            .map(|(_, g)| self.req_str(&g, "version"));
        Some(Monitoring {
            namespace,
            prometheus,
            grafana_operator,
        })
    }

    fn secrets(&mut self, doc: &KdlDocument) -> Vec<Secret> {
        let Some((node, _)) = self.single(doc, &schema::SECRETS) else {
            // no `secrets` block: the conventional names
            return SecretUse::ALL
                .iter()
                .map(|&u| Secret {
                    name: Spanned::new(u.default_name().to_owned(), Span::default()),
                    usage: Spanned::new(u, Span::default()),
                    optional: Spanned::new(!u.required(), Span::default()),
                    description: None,
                    span: Span::default(),
                })
                .collect();
        };
        let Some(children) = node.children() else {
            return Vec::new();
        };
        self.children(children, &schema::SECRETS);
        let uses = schema::SECRET.prop("use").words();
        self.many(children, &schema::SECRET)
            .into_iter()
            .filter_map(|(n, e)| {
                let name = self.arg_str(&e, 0, "secret name", "");
                let usage = self.req_str(&e, "use");
                if usage.value.is_empty() || !self.one_of(&usage, uses, "secret use") {
                    return None;
                }
                let u = *SecretUse::ALL.iter().find(|u| u.as_str() == usage.value)?;
                Some(Secret {
                    name,
                    usage: Spanned::new(u, usage.span),
                    optional: self.bool_or(&e, "optional", label_span(n)),
                    description: self.str_(&e, "description").map(|s| s.value),
                    span: label_span(n),
                })
            })
            .collect()
    }

    /// `topogen git=… rev=…`, when present and well-formed.
    fn pin(&mut self, doc: &KdlDocument) -> Option<Pin> {
        let (_, e) = self.single(doc, &schema::TOPOGEN)?;
        let git = self.str_or(&e, "git");
        let rev = self.req_str(&e, "rev");
        let plan_comment = self.flag(&e, "plan-comment");
        let mut ok = !rev.value.is_empty();
        if ok
            && !(rev.value.len() == 40
                && rev
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            self.out.push(
                Finding::new(
                    &SCHEMA_TYPE,
                    format!("`rev` must be a full commit hash, not `{}`", rev.value),
                )
                .label(rev.span, "not 40 lowercase hexadecimal digits")
                .help("pin the commit the tag or branch names: `git rev-parse TAG^{commit}` in topogen's repository"),
            );
            ok = false;
        }
        let url_ok = git.value.strip_prefix("https://").is_some_and(|rest| {
            rest.split('/').next().is_some_and(|host| !host.is_empty())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~/:@%+".contains(&b))
        });
        if !url_ok {
            self.out.push(
                Finding::new(
                    &SCHEMA_TYPE,
                    format!("`git` must be an https URL, not `{}`", git.value),
                )
                .label(
                    git.span,
                    "`cargo install --git` fetches from here on a CI runner",
                )
                .help(format!(
                    "write the repository's https URL, e.g. `git=\"{TOPOGEN_GIT}\"`"
                )),
            );
            ok = false;
        }
        ok.then_some(Pin {
            git,
            rev,
            plan_comment,
        })
    }
}
