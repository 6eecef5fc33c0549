//! `topogen why`: for each leaf value of the bundled `cluster.kdl`, change it
//! to another valid value, rebuild with provenance recorded, and assert that
//! every output line the change touched names that value's span.
//!
//! A value that no valid file changes alone is changed with the values
//! coupled to it ([`COUPLED`]: a location with a datacenter of it, a port
//! with the firewall rule that opens it, a count with the NodePorts its
//! brokers need; a name with every reference to it, [`REFERENCES`]); then
//! every changed line must name one of the values changed.
//!
//! Leaves that cannot be changed to another valid value that changes the
//! output are listed in [`SKIPPED`] with the reason; leaves whose changed
//! lines do not all name them yet are in [`NOT_YET_EXACT`], with the reason.
//! Both lists are held exact: a listed leaf that starts passing fails the
//! test, so the lists only shrink.

use std::collections::BTreeMap;

use topogen::emit::Templates;
use topogen::emit::provenance::Provenance;
use topogen::model::leaves::{Leaf, LeafKind, leaves};
use topogen::source::Source;

/// Leaves not yet named on every line they change, and why.
const NOT_YET_EXACT: &[(&str, &str)] = &[];

/// Leaves without another valid value (or valid coupled edit, [`COUPLED`])
/// that changes the output, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cluster `k3s-trading` › hetzner › network-zone",
        "every other zone's locations (us-east: ash, us-west: hil, ap-southeast: sin) offer neither cx23 nor cx22 (topogen::pool::server-type-location); the zone is decided by the location",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `reserved` › reserved",
        "unreserved, range `reserved` would hand out the network's gateway, offset 1 (topogen::ip::range-bounds)",
    ),
    (
        "cluster `k3s-trading` › pool `control` › role",
        "the cluster runs exactly one K3s server pool, and `control` is it: `agent` leaves none (topogen::pool::server), any other word is no role (topogen::schema::type)",
    ),
    (
        "cluster `k3s-trading` › pool `control` › count",
        "the cluster runs exactly one K3s server: 0, 2 and 3 are refused (topogen::pool::server)",
    ),
    (
        "cluster `k3s-trading` › pool `control` › apps",
        "`apps=#true` on the control plane changes no generated file: the `apps` profile already avoids `role=control-plane`",
    ),
    (
        "cluster `k3s-trading` › pool `control` › primary-ip › node",
        "pool `control` has node 0 only: every other node index is refused (topogen::pool::primary-ip)",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › role",
        "`server` would make a second control plane (topogen::pool::server); `agent` is the only other role",
    ),
    (
        "cluster `k3s-trading` › pool `worker` › role",
        "`server` would make a second control plane (topogen::pool::server); `agent` is the only other role",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › owner",
        "its one alternative, `owner=gitops`, is refused while the cluster declares topics (topogen::kafka::owner)",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › type",
        "the external listener's NodePorts need `type=nodeport`; another type with them is refused (topogen::kafka::listener-node-ports)",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `ssh` › reason",
        "a rule's `reason` is documentation of cluster.kdl only: no generated file shows it",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `kube-api` › reason",
        "a rule's `reason` is documentation of cluster.kdl only: no generated file shows it",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `kafka` › reason",
        "a rule's `reason` is documentation of cluster.kdl only: no generated file shows it",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › name",
        "no pool uses `cx22`: renamed, it names a type no file shows (or `cx23` twice: topogen::schema::duplicate)",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › vcpu",
        "no pool uses `cx22`: no generated file shows its figures",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › ram-gb",
        "no pool uses `cx22`: no generated file shows its figures",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › eur-per-month",
        "no pool uses `cx22`: no generated file shows its figures",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `HCLOUD_TOKEN` › use",
        "each `use` is needed by the workflows exactly once: moving it leaves a need unmet (topogen::secrets::usage), another word is no use (topogen::schema::type)",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `SSH_PUBLIC_KEY` › use",
        "each `use` is needed by the workflows exactly once: moving it leaves a need unmet (topogen::secrets::usage)",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `SSH_PRIVATE_KEY` › use",
        "each `use` is needed by the workflows exactly once: moving it leaves a need unmet (topogen::secrets::usage)",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `TOKEN_GIT_REPO_CONFIG` › use",
        "each `use` is needed by the workflows exactly once: moving it leaves a need unmet (topogen::secrets::usage)",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `GHCR_TOKEN` › use",
        "the registry's token must be a declared `registry-token` secret (topogen::registry::token)",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `ARGOCD_ADMIN_PASSWORD` › use",
        "each `use` is needed by the workflows exactly once: moving it leaves a need unmet (topogen::secrets::usage), another word is no use (topogen::schema::type)",
    ),
    (
        "cluster `k3s-trading` › output › workflows",
        "another directory moves the workflows, but their plan paths (.github/workflows/…) and contents stay the same",
    ),
];

fn bundled() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/cluster.kdl")).unwrap()
}

/// The files and provenance of `text`, or the code of the first error that
/// stops it building.
fn build(text: &str) -> Result<(BTreeMap<String, String>, Provenance), String> {
    let c = topogen::compile(Source::new("cluster.kdl", text));
    if c.failed(false) {
        let first = c
            .findings
            .iter()
            .find(|f| f.severity == topogen::diag::Severity::Error)
            .or(c.findings.first());
        return Err(first.map_or("a warning".to_owned(), |f| {
            format!("{} ({})", f.code, f.message)
        }));
    }
    let t = Templates::new(None).unwrap();
    let (plan, prov) = topogen::run::trace(&c, &t).ok_or("nothing to render")?;
    let plan = plan.map_err(|e| e.to_string())?;
    Ok((plan.files, prov))
}

fn doc_leaves(text: &str) -> Vec<Leaf> {
    let doc = kdl::KdlDocument::parse_v2(text).unwrap();
    leaves(&doc)
        .into_iter()
        .filter(|l| !matches!(l.kind, LeafKind::Default(_)))
        .collect()
}

/// Unique names: the path, numbered when two leaves share it.
fn ids(leaves: &[Leaf]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    leaves
        .iter()
        .map(|l| {
            let n = seen.entry(&l.path).or_default();
            *n += 1;
            if *n == 1 {
                l.path.clone()
            } else {
                format!("{} [{n}]", l.path)
            }
        })
        .collect()
}

/// The last run of ASCII digits in `s` changed by `by`.
fn bump_last_number(s: &str, by: i64) -> Option<String> {
    let end = s.rfind(|c: char| c.is_ascii_digit())? + 1;
    bump_number_ending_at(s, end, by)
}

/// The run of ASCII digits of `s` that ends at byte `end` changed by `by`.
fn bump_number_ending_at(s: &str, end: usize, by: i64) -> Option<String> {
    let start = s[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let n: i64 = s[start..end].parse().ok()?;
    let m = n.checked_add(by).filter(|m| *m >= 0)?;
    // the digits keep their width (`01` → `02`): a 40-hex pin stays 40 long
    let width = end - start;
    Some(format!("{}{m:0width$}{}", &s[..start], &s[end..]))
}

/// `s` as a KDL string literal.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Other values of the same kind, most likely valid first (KDL literals).
fn alternatives(leaf: &Leaf) -> Vec<String> {
    let t = leaf.text.as_str();
    if (t == "true" || t == "false") && leaf.scalar {
        return vec![if t == "true" { "#false" } else { "#true" }.to_owned()];
    }
    if leaf.scalar {
        if let Ok(n) = t.parse::<i64>() {
            let mut v = vec![(n + 1).to_string()];
            if n > 0 {
                v.push((n - 1).to_string());
            }
            // an odd count stays odd (a quorum)
            v.push((n + 2).to_string());
            v.push((n * 2 + 1).to_string());
            return v;
        }
        if let Ok(x) = t.parse::<f64>() {
            return vec![format!("{:?}", x + 1.0)];
        }
    }
    let swaps: &[(&str, &str)] = &[
        ("ubuntu-22.04", "ubuntu-24.04"),
        ("cx23", "cx22"),
        ("cx22", "cx23"),
        ("agent", "server"),
        ("persistent-claim", "ephemeral"),
        ("local-path", "standard"),
        ("main", "develop"),
        ("4.0.0", "4.1.0"),
        ("retention.ms", "retention.bytes"),
        ("min.insync.replicas", "retention.bytes"),
        ("internal", "cluster-ip"),
    ];
    let mut v: Vec<String> = swaps
        .iter()
        .filter(|(a, _)| *a == t)
        .map(|(_, b)| (*b).to_owned())
        .collect();
    v.extend(bump_last_number(t, 1));
    v.extend(bump_last_number(t, -1));
    // every other number of the text (an address's octet, a version's part)
    for (i, c) in t.char_indices().rev() {
        let next = t[i + 1..].chars().next();
        if c.is_ascii_digit()
            && !next.is_some_and(|n| n.is_ascii_digit())
            && i + 1 != t.rfind(|c: char| c.is_ascii_digit()).map_or(0, |e| e + 1)
        {
            v.extend(bump_number_ending_at(t, i + 1, 1));
        }
    }
    // a GitHub secret's name is upper case
    if t.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        v.push(format!("{t}_X"));
    }
    v.push(format!("{t}x"));
    v.into_iter().map(|s| quoted(&s)).collect()
}

/// Leaves that no valid file changes alone, and the other leaves changed
/// with them (by id, each to a KDL literal): a location with a datacenter of
/// it, a port with the firewall rule that opens it, a label with the
/// scheduling preference that names it.
const COUPLED: &[(&str, &[(&str, &str)])] = &[
    (
        "cluster `k3s-trading` › hetzner › location",
        &[
            ("cluster `k3s-trading` › hetzner › location", "fsn1"),
            ("cluster `k3s-trading` › hetzner › datacenter", "fsn1-dc14"),
        ],
    ),
    (
        "cluster `k3s-trading` › hetzner › datacenter",
        &[
            ("cluster `k3s-trading` › hetzner › datacenter", "fsn1-dc14"),
            ("cluster `k3s-trading` › hetzner › location", "fsn1"),
        ],
    ),
    (
        "cluster `k3s-trading` › hetzner › network-zone",
        &[
            ("cluster `k3s-trading` › hetzner › network-zone", "us-east"),
            ("cluster `k3s-trading` › hetzner › location", "ash"),
            ("cluster `k3s-trading` › hetzner › datacenter", "ash-dc1"),
        ],
    ),
    (
        "cluster `k3s-trading` › ingress › http-node-port",
        &[
            ("cluster `k3s-trading` › ingress › http-node-port", "30081"),
            (
                "cluster `k3s-trading` › firewall › allow `http` › port",
                "30081",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › firewall › allow `http` › port",
        &[
            (
                "cluster `k3s-trading` › firewall › allow `http` › port",
                "30081",
            ),
            ("cluster `k3s-trading` › ingress › http-node-port", "30081"),
        ],
    ),
    (
        "cluster `k3s-trading` › ingress › https-node-port",
        &[
            ("cluster `k3s-trading` › ingress › https-node-port", "30444"),
            (
                "cluster `k3s-trading` › firewall › allow `https` › port",
                "30444",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › firewall › allow `https` › port",
        &[
            (
                "cluster `k3s-trading` › firewall › allow `https` › port",
                "30444",
            ),
            ("cluster `k3s-trading` › ingress › https-node-port", "30444"),
        ],
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › bootstrap-node-port",
        &[
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › bootstrap-node-port",
                "30005",
            ),
            (
                "cluster `k3s-trading` › firewall › allow `kafka` › port",
                "\"30002-30005\"",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › broker-node-port",
        &[
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › broker-node-port",
                "30011",
            ),
            (
                "cluster `k3s-trading` › firewall › allow `kafka` › port",
                "\"30001-30013\"",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › labels › workload",
        &[
            (
                "cluster `k3s-trading` › pool `kafka` › labels › workload",
                "shared",
            ),
            (
                "cluster `k3s-trading` › scheduling › profile `apps` › prefer › workload",
                "shared",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › scheduling › profile `apps` › prefer › workload",
        &[
            (
                "cluster `k3s-trading` › scheduling › profile `apps` › prefer › workload",
                "shared",
            ),
            (
                "cluster `k3s-trading` › pool `kafka` › labels › workload",
                "shared",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › pool `worker` › labels › role",
        &[
            (
                "cluster `k3s-trading` › pool `worker` › labels › role",
                "app-worker",
            ),
            (
                "cluster `k3s-trading` › scheduling › profile `apps` › prefer › role",
                "app-worker",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › scheduling › profile `apps` › prefer › role",
        &[
            (
                "cluster `k3s-trading` › scheduling › profile `apps` › prefer › role",
                "app-worker",
            ),
            (
                "cluster `k3s-trading` › pool `worker` › labels › role",
                "app-worker",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › pool `control` › labels › role",
        &[
            (
                "cluster `k3s-trading` › pool `control` › labels › role",
                "control",
            ),
            (
                "cluster `k3s-trading` › scheduling › profile `apps` › avoid › role",
                "control",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › scheduling › profile `apps` › avoid › role",
        &[
            (
                "cluster `k3s-trading` › scheduling › profile `apps` › avoid › role",
                "control",
            ),
            (
                "cluster `k3s-trading` › pool `control` › labels › role",
                "control",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › count",
        &[
            ("cluster `k3s-trading` › pool `kafka` › count", "5"),
            (
                "cluster `k3s-trading` › firewall › allow `kafka` › port",
                "\"30001-30006\"",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › replication › factor",
        &[
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › replication › factor",
                "2",
            ),
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › replication › min-insync",
                "1",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.trades` › replicas",
        &[
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.trades` › replicas",
                "2",
            ),
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › replication › min-insync",
                "1",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.quotes` › replicas",
        &[
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.quotes` › replicas",
                "2",
            ),
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › replication › min-insync",
                "1",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.bars` › replicas",
        &[
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.bars` › replicas",
                "2",
            ),
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › replication › min-insync",
                "1",
            ),
        ],
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › replicas",
        &[
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › replicas",
                "2",
            ),
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › config `min.insync.replicas` › value",
                "1",
            ),
            (
                "cluster `k3s-trading` › kafka `trading-cluster` › replication › min-insync",
                "1",
            ),
        ],
    ),
];

/// The properties that name another node, by the kind of node named: a
/// rename changes them with the name.
const REFERENCES: &[(&str, &[&str])] = &[
    ("› range `", &["range"]),
    ("› pool `", &["brokers", "controllers"]),
    ("› secret `", &["token"]),
    ("› server-type `", &["server-type"]),
];

/// One way to change a leaf: edits of leaves (by index) to KDL literals.
type Edit = Vec<(usize, String)>;

/// The edits tried for leaf `i`: its coupled edits first, then a rename
/// with its references, then its value alone.
fn edits(leaves: &[Leaf], ids: &[String], i: usize) -> Vec<Edit> {
    let leaf = &leaves[i];
    let by_id = |id: &str| ids.iter().position(|x| x == id).unwrap();
    let mut out: Vec<Edit> = COUPLED
        .iter()
        .filter(|(id, _)| *id == ids[i])
        .map(|(_, edit)| {
            edit.iter()
                .map(|(id, lit)| {
                    let lit = if lit.starts_with('"') || lit.parse::<f64>().is_ok() {
                        (*lit).to_owned()
                    } else {
                        quoted(lit)
                    };
                    (by_id(id), lit)
                })
                .collect()
        })
        .collect();
    let refs = REFERENCES
        .iter()
        .find(|(kind, _)| {
            leaf.path.ends_with("› name")
                && leaf.path.rsplit(" › ").nth(1).is_some_and(|p| {
                    p.starts_with(kind.trim_start_matches("› ")) && p.ends_with('`')
                })
        })
        .map_or(&[][..], |(_, keys)| *keys);
    // a reference renames the node it names, and that node's other
    // references
    let named = REFERENCES.iter().find_map(|(kind, keys)| {
        let key = leaf.key.as_deref()?;
        keys.contains(&key).then_some(())?;
        let kind = kind.trim_start_matches("› ");
        let name = leaves.iter().position(|l| {
            l.text == leaf.text
                && l.path.ends_with("› name")
                && l.path
                    .rsplit(" › ")
                    .nth(1)
                    .is_some_and(|p| p == format!("{kind}{}`", leaf.text))
        })?;
        Some((name, *keys))
    });
    let (renamed, refs) = match named {
        Some((name, keys)) => (name, keys),
        None => (i, refs),
    };
    for lit in alternatives(leaf) {
        let mut edit = vec![(renamed, lit.clone())];
        for (j, other) in leaves.iter().enumerate() {
            if j != renamed
                && other.text == leaf.text
                && other.key.as_deref().is_some_and(|k| refs.contains(&k))
            {
                edit.push((j, lit.clone()));
            }
        }
        out.push(edit);
    }
    out
}

/// `text` with the leaves of `edit` replaced by their literals, and where
/// each edited value starts in the result.
fn replaced(text: &str, leaves: &[Leaf], edit: &Edit) -> (String, Vec<usize>) {
    let mut edit: Vec<&(usize, String)> = edit.iter().collect();
    edit.sort_by_key(|(i, _)| leaves[*i].span.offset);
    let (mut out, mut at, mut starts) = (String::new(), 0, Vec::new());
    for (i, lit) in edit {
        let leaf = &leaves[*i];
        let span = &text[leaf.span.offset..leaf.span.offset + leaf.span.len];
        let value_at = match &leaf.key {
            Some(_) => leaf.span.offset + span.find('=').unwrap() + 1,
            None => leaf.span.offset,
        };
        out.push_str(&text[at..leaf.span.offset]);
        starts.push(out.len());
        out.push_str(&text[leaf.span.offset..value_at]);
        out.push_str(lit);
        at = leaf.span.offset + leaf.span.len;
    }
    out.push_str(&text[at..]);
    (out, starts)
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Exact,
    /// Changed lines that do not name the leaf, of all changed lines.
    Missed(usize, usize, String),
    /// Why each edit tried failed: the code of the first error, or no
    /// change of the output.
    Skipped(Vec<String>),
}

fn changed_lines(old: Option<&String>, new: &str) -> Vec<usize> {
    let old = old.map_or("", String::as_str);
    let diff = similar::TextDiff::from_lines(old, new);
    let mut lines = Vec::new();
    for op in diff.ops() {
        if matches!(
            op.tag(),
            similar::DiffTag::Insert | similar::DiffTag::Replace
        ) {
            lines.extend(op.new_range().map(|i| i + 1));
        }
    }
    lines
}

/// Changes leaf `i` by each of its edits until one builds and changes the
/// output; then every changed line must name an edited value (the leaf, or
/// a value changed with it).
fn outcome(
    base: &BTreeMap<String, String>,
    text: &str,
    leaves: &[Leaf],
    ids: &[String],
    i: usize,
) -> Outcome {
    let mut why = Vec::new();
    for edit in edits(leaves, ids, i) {
        let (changed, starts) = replaced(text, leaves, &edit);
        let (files, prov) = match build(&changed) {
            Ok(b) => b,
            Err(code) => {
                why.push(code);
                continue;
            }
        };
        let mut total = 0;
        let mut missed = Vec::new();
        for (path, new) in &files {
            if base.get(path) == Some(new) {
                continue;
            }
            for line in changed_lines(base.get(path), new) {
                total += 1;
                let ours = |o: &&topogen::emit::provenance::Origin| starts.contains(&o.span.offset);
                let named = prov
                    .line(path, line)
                    .is_some_and(|(origins, _)| origins.iter().any(ours))
                    || prov.file(path).iter().any(ours);
                if !named {
                    missed.push(format!("{path}:{line}"));
                }
            }
        }
        if total == 0 {
            why.push("no output change".to_owned());
            continue;
        }
        if missed.is_empty() {
            return Outcome::Exact;
        }
        let first = missed.first().cloned().unwrap_or_default();
        return Outcome::Missed(missed.len(), total, first);
    }
    why.dedup();
    Outcome::Skipped(why)
}

#[test]
fn why_names_each_changed_value_on_every_line_it_changes() {
    let text = bundled();
    let (base, _) = build(&text).expect("the bundled cluster.kdl builds");
    let leaves = doc_leaves(&text);
    let ids = ids(&leaves);
    let mut exact = 0;
    let mut report = String::new();
    let mut wrong = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let o = outcome(&base, &text, &leaves, &ids, i);
        let listed = NOT_YET_EXACT.iter().any(|(n, _)| n == id);
        let skipped = SKIPPED.iter().any(|(n, _)| n == id);
        match &o {
            Outcome::Exact => {
                exact += 1;
                if listed || skipped {
                    wrong.push(format!("{id}: passes now; take it off its list"));
                }
            }
            Outcome::Missed(m, t, first) => {
                report.push_str(&format!(
                    "    (\"{id}\", \"{m}/{t} lines miss it, e.g. {first}\"),\n"
                ));
                if !listed {
                    wrong.push(format!(
                        "{id}: {m} of {t} changed lines do not name it ({first})"
                    ));
                }
            }
            Outcome::Skipped(why) => {
                report.push_str(&format!(
                    "    (\"{id}\", \"skipped: {}\"),\n",
                    why.join(", ")
                ));
                if !skipped {
                    wrong.push(format!(
                        "{id}: no valid alternative changes the output; list it in SKIPPED"
                    ));
                }
            }
        }
    }
    eprintln!(
        "why: {exact}/{} leaves exact, {} not yet, {} skipped\n{report}",
        leaves.len(),
        NOT_YET_EXACT.len(),
        SKIPPED.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Runs the binary in `dir` with `args`.
fn topogen(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_topogen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TOPOGEN_CACHE_DIR", "")
        .output()
        .unwrap()
}

/// The `why` member of `topogen why --format json PATH:LINE`.
fn why_json(dir: &std::path::Path, target: &str) -> serde_json::Value {
    let o = topogen(dir, &["why", "--format", "json", target]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["why"].clone()
}

/// `FILE:LINE` of the first line of `file` (a generated file of the bundled
/// cluster) that starts with `start`: a target for `why`.
fn line_of(file: &str, start: &str) -> String {
    let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("{file}: no line starts with {start:?}"));
    format!("{file}:{line}")
}

#[test]
fn why_shows_written_overridden_and_template_text_lines() {
    let dir = tempfile::tempdir().unwrap();
    let kdl = bundled();
    std::fs::write(dir.path().join("cluster.kdl"), &kdl).unwrap();
    // written in the base: the image of every environment
    let image = line_of("generated/environments/dev.tfvars", "image ");
    let w = why_json(dir.path(), &image);
    assert_eq!(w["template_text"], false, "{w}");
    let o = &w["origins"][0];
    assert_eq!(o["source"], "written", "{w}");
    assert_eq!(o["path"], "cluster `k3s-trading` › hetzner › image", "{w}");
    let at = o["offset"].as_u64().unwrap() as usize;
    assert!(kdl[at..].starts_with("image="), "{w}");
    // overridden by prod's environment block: shown as such
    let subnet = line_of("generated/environments/prod.tfvars", "subnet_cidr");
    let w = why_json(dir.path(), &subnet);
    let o = &w["origins"][0];
    assert_eq!(o["source"], "environment", "{w}");
    assert_eq!(o["environment"], "prod", "{w}");
    assert_eq!(w["origins"].as_array().unwrap().len(), 1, "{w}");
    // a default: not written in cluster.kdl
    let claim = line_of(
        "generated/k8s/dev/strimzi/kafkanodepool-kafka.yaml",
        "      deleteClaim:",
    );
    let w = why_json(dir.path(), &claim);
    let o = &w["origins"][0];
    assert_eq!(o["source"], "default", "{w}");
    assert_eq!(o["property"], "delete-claim", "{w}");
    // template text: the first line, with the file's own origins
    let w = why_json(dir.path(), "generated/cloud-init/dev/kafka.yaml:1");
    assert_eq!(w["template_text"], true, "{w}");
    let names: Vec<&str> = w["file_origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    for name in [
        "cluster `k3s-trading` › pool `kafka` › name",
        "cluster `k3s-trading` › environment `dev` › name",
    ] {
        assert!(names.contains(&name), "{name}: {w}");
    }
    // the human answer: a snippet of cluster.kdl
    let o = topogen(dir.path(), &["why", &image]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("╭─[cluster.kdl:"), "{out}");
    assert!(out.contains("hetzner › image: written here"), "{out}");
}

#[test]
fn why_errors_have_codes_and_help() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), bundled()).unwrap();
    let dev = "generated/environments/dev.tfvars";
    for (target, code, help) in [
        (dev.to_owned(), "topogen::why::target", "PATH:LINE"),
        (format!("{dev}:0"), "topogen::why::target", "PATH:LINE"),
        (
            "generated/environments/dve.tfvars:3".to_owned(),
            "topogen::why::file",
            "did you mean `generated/environments/dev.tfvars`?",
        ),
        (
            format!("{dev}:100000"),
            "topogen::why::line",
            "numbered from 1",
        ),
    ] {
        let args = ["why", target.as_str()];
        let o = topogen(dir.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(code), "{args:?}: {err}");
        assert!(err.contains(help), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // every code is one `explain` knows
    for code in ["why::target", "why::file", "why::line"] {
        assert_eq!(
            topogen(dir.path(), &["explain", code]).status.code(),
            Some(0),
            "{code}"
        );
    }
}

#[test]
fn check_names_the_lines_of_cluster_kdl_that_own_each_drifted_hunk() {
    let dir = tempfile::tempdir().unwrap();
    let kdl = bundled();
    std::fs::write(dir.path().join("cluster.kdl"), &kdl).unwrap();
    assert_eq!(topogen(dir.path(), &["build"]).status.code(), Some(0));
    let tfvars = dir.path().join("generated/environments/dev.tfvars");
    let text = std::fs::read_to_string(&tfvars).unwrap();
    let edited = text.replace(
        "image        = \"ubuntu-22.04\"",
        "image        = \"ubuntu-24.04\"",
    );
    assert_ne!(edited, text);
    std::fs::write(&tfvars, edited).unwrap();
    let o = topogen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    let image = 1 + kdl
        .lines()
        .position(|l| l.contains("image=ubuntu-22.04"))
        .unwrap();
    assert!(
        out.contains(&format!("is generated by cluster.kdl line(s) {image}\n")),
        "{out}"
    );
}

/// `topogen why PATH:LINE` records only the line asked about (but for the
/// padded files, tfvars and Terraform, recorded whole): for lines of every
/// file of the bundled `cluster.kdl` and of the large example — every line
/// of a file up to 60 lines, about 60 spread over a longer one, and each
/// line that names a value in the first 400 of TOPOLOGY.md — the line names
/// the same origins (and the same exactness) as when every file is recorded.
#[test]
fn recording_one_line_answers_as_recording_every_file() {
    for_every_example(|name, c, t, plan, all| {
        let mut asked = 0;
        for (path, text) in &plan.files {
            let n = text.lines().count();
            let step = n.div_ceil(60).max(1);
            for line in 1..=n {
                let named = all.line(path, line).is_some();
                let topology = path == "TOPOLOGY.md" && line <= 400 && named;
                if line % step != path.len() % step && !topology {
                    continue;
                }
                let (_, one) = topogen::run::trace_line(c, t, vec![path.clone()], line).unwrap();
                assert_eq!(
                    one.line(path, line),
                    all.line(path, line),
                    "{name}: {path}:{line}"
                );
                asked += 1;
            }
        }
        assert!(asked > 500, "{name}: only {asked} lines asked");
    });
}

/// `topogen why` records only the file asked about (every other file
/// renders as in a build, and recording ends once the file is added): for
/// every file of the bundled `cluster.kdl` and of the large example, that
/// file's lines name the same origins (and the same exactness) as when every
/// file is recorded, and nothing else is recorded.
#[test]
fn recording_one_file_answers_as_recording_every_file() {
    for_every_example(|name, c, t, plan, all| {
        let mut lines = 0;
        for (path, text) in &plan.files {
            let asked = Some(vec!["no/such/file".into(), path.clone()]);
            let (one_plan, one) = topogen::run::trace_files(c, t, asked).unwrap();
            assert_eq!(
                one_plan.unwrap().files,
                plan.files,
                "{name}: {path}: the output"
            );
            assert_eq!(
                one.files.keys().collect::<Vec<_>>(),
                [path],
                "{name}: {path}: only it is recorded"
            );
            assert_eq!(
                one.file(path),
                all.file(path),
                "{name}: {path}: the file's origins"
            );
            for line in 1..=text.lines().count() {
                assert_eq!(
                    one.line(path, line),
                    all.line(path, line),
                    "{name}: {path}:{line}"
                );
                lines += usize::from(all.line(path, line).is_some());
            }
        }
        assert!(lines > 500, "{name}: only {lines} lines name a value");
    });
}

/// Runs `check` on the bundled `cluster.kdl` and on the large example, each
/// compiled, with the built-in templates, its plan and every file recorded.
fn for_every_example(
    mut check: impl FnMut(&str, &topogen::run::Compiled, &Templates, &topogen::emit::Plan, &Provenance),
) {
    let large = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/large/cluster.kdl");
    for (name, text) in [
        ("cluster.kdl", bundled()),
        ("examples/large", std::fs::read_to_string(large).unwrap()),
    ] {
        let c = topogen::compile(Source::new("cluster.kdl", text));
        let t = Templates::new(None).unwrap();
        let (plan, all) = topogen::run::trace(&c, &t).unwrap();
        check(name, &c, &t, &plan.unwrap(), &all);
    }
}
