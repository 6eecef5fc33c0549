//! The base cluster the rules' examples are placed into.
//!
//! A rule keeps only the fragment of `cluster.kdl` that matters (its `fail` and
//! `fixed` fields); [`place`] puts a fragment into [`BASE`] and gives the complete
//! file that the rule tests compile and `topogen explain` prints. The rules module
//! (`check/rules/mod.rs`) documents how a fragment is placed.

/// The cluster every rule example is placed into: valid, and without findings
/// (`tests/rules.rs` holds both).
pub const BASE: &str = r#"cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    ip-plan {
        range reserved from=1 to=9 reserved=#true
        range control from=10 to=19
        range kafka from=20 to=29
        range workers from=30 to=49
    }
    pool control role=server server-type=cx23 count=1 range=control apps=#false {
        labels role=control-plane
        taint "node-role.kubernetes.io/control-plane" effect=NoSchedule
    }
    pool kafka role=agent server-type=cx23 count=3 range=kafka {
        labels role=kafka
    }
    kafka events brokers=kafka {
        replication factor=3 min-insync=2
        listener plain type=internal port=9092
    }
    gitops repo="my-org/config" overlay="overlays/dev"
    environment dev
}
"#;

/// The indentation of a child of `cluster` in [`BASE`] and in a placed file.
const INDENT: &str = "    ";

/// One child of `cluster`: its lines without the cluster's indentation.
type Node<'a> = Vec<&'a str>;

/// Splits lines into nodes: a node starts at a line that begins with neither
/// whitespace nor `}`; the lines after it, up to the next such line, are its own.
fn nodes<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Vec<Node<'a>>, String> {
    let mut out: Vec<Node<'a>> = Vec::new();
    for line in lines {
        let starts = line
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '}');
        if starts {
            out.push(vec![line]);
        } else if let Some(last) = out.last_mut() {
            last.push(line);
        } else if !line.trim().is_empty() {
            return Err(format!("`{line}` belongs to no node"));
        }
    }
    Ok(out)
}

/// What identifies a node: its name, and its first argument when that is a bare
/// identifier (`pool kafka`, `environment dev`, `kafka events`; but `hetzner`,
/// `network`).
fn key(node: &Node<'_>) -> String {
    let mut words = node.first().copied().unwrap_or_default().split_whitespace();
    let name = words.next().unwrap_or_default();
    match words.next() {
        Some(arg)
            if arg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
        {
            format!("{name} {arg}")
        }
        _ => name.to_owned(),
    }
}

fn name(key: &str) -> &str {
    key.split(' ').next().unwrap_or_default()
}

/// Places each fragment in turn into [`BASE`] (a rule's fixed example goes
/// over its failing one) and returns the complete file, or says why a fragment
/// cannot be placed (the rules module documents the placement).
pub fn place(fragments: &[&str]) -> Result<String, String> {
    let mut lines = BASE.lines();
    let mut header = lines
        .next()
        .and_then(|l| l.strip_suffix(" {"))
        .unwrap_or_default()
        .to_owned();
    let body: Vec<&str> = lines.collect();
    let body = body.split_last().map(|(_, b)| b).unwrap_or_default();
    let mut base = nodes(body.iter().map(|l| l.strip_prefix(INDENT).unwrap_or(l)))?;
    for fragment in fragments {
        place_one(fragment, &mut header, &mut base)?;
    }
    let mut out = format!("{header} {{\n");
    for line in base.iter().flatten() {
        if !line.is_empty() {
            out.push_str(INDENT);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str("}\n");
    Ok(out)
}

fn place_one<'a>(
    fragment: &'a str,
    header: &mut String,
    base: &mut Vec<Node<'a>>,
) -> Result<(), String> {
    let mut placed: Vec<String> = Vec::new();
    for node in nodes(fragment.lines())? {
        let k = key(&node);
        if let Some(gone) = k.strip_prefix("/-") {
            if node.len() > 1 {
                return Err(format!("`/-{gone}` removes a node; it has no body"));
            }
            let at = base
                .iter()
                .position(|n| key(n) == gone)
                .ok_or_else(|| format!("`/-{gone}`: the base has no `{gone}`"))?;
            base.remove(at);
        } else if name(&k) == "cluster" {
            if node.len() > 1 || node[0].contains('{') {
                return Err("a `cluster` line only renames the cluster: no children".to_owned());
            }
            *header = node[0].to_owned();
        } else if placed.contains(&k) {
            // the fragment repeats a node (`schema::duplicate`): after the last one
            let at = base.iter().rposition(|n| key(n) == k).unwrap_or(base.len());
            base.insert(at + 1, node);
        } else if let Some(at) = base.iter().position(|n| key(n) == k) {
            base[at] = node;
            placed.push(k);
        } else {
            let at = match base.iter().rposition(|n| name(&key(n)) == name(&k)) {
                Some(last) => last + 1,
                None => base
                    .iter()
                    .position(|n| name(&key(n)) == "environment")
                    .unwrap_or(base.len()),
            };
            base.insert(at, node);
            placed.push(k);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{BASE, place};

    #[test]
    fn an_empty_fragment_is_the_base() {
        assert_eq!(place(&[""]).as_deref(), Ok(BASE));
    }

    #[test]
    fn a_node_replaces_its_namesake_in_place() {
        let file =
            place(&["pool kafka role=agent server-type=cx23 count=5 range=kafka\n"]).unwrap();
        assert!(file.contains(
            "\n    pool kafka role=agent server-type=cx23 count=5 range=kafka\n    kafka events"
        ));
        assert!(!file.contains("labels role=kafka"));
    }

    #[test]
    fn new_nodes_follow_their_kind_or_precede_the_environments() {
        let file = place(&["pool worker role=agent server-type=cx23 count=2 range=workers\nversions {\n    kafka \"4.1.0\"\n}\n"]).unwrap();
        let pos = |s: &str| file.find(s).unwrap();
        assert!(pos("pool kafka") < pos("pool worker") && pos("pool worker") < pos("kafka events"));
        assert!(pos("gitops") < pos("versions {") && pos("versions {") < pos("environment dev"));
        assert!(file.contains("    versions {\n        kafka \"4.1.0\"\n    }\n"));
    }

    #[test]
    fn slashdash_removes_and_cluster_renames() {
        let file = place(&["cluster other\n/-kafka events\n"]).unwrap();
        assert!(file.starts_with("cluster other {\n"));
        assert!(!file.contains("kafka events") && !file.contains("replication"));
        assert!(
            place(&["/-pool nothing\n"])
                .unwrap_err()
                .contains("no `pool nothing`")
        );
        assert!(place(&["  indented\n"]).is_err());
    }

    #[test]
    fn later_fragments_go_over_earlier_ones() {
        let fail = "kafka events brokers=kafak\n";
        let fixed = "kafka events brokers=kafka\n";
        let file = place(&[fail, fixed]).unwrap();
        assert!(file.contains("    kafka events brokers=kafka\n") && !file.contains("kafak"));
        assert!(place(&["pol worker\n", "/-pol worker\n"]).unwrap() == BASE);
    }

    #[test]
    fn a_repeated_node_is_kept_twice() {
        let file = place(&["hetzner location=nbg1\nhetzner location=fsn1\n"]).unwrap();
        assert!(
            file.contains("    hetzner location=nbg1\n    hetzner location=fsn1\n    ip-plan {")
        );
    }
}
