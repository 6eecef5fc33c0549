//! One mistake, one finding: the repository's cluster.kdl with one mistake
//! made in it, validated by the real binary; each test asserts the one
//! finding it gets (code, message, help, the line it points at).

use std::process::Command;

use serde_json::Value;

#[path = "support/edit.rs"]
mod edit;
use edit::edit;

const REPO_KDL: &str = include_str!("../cluster.kdl");

/// `cluster.kdl` with `edits` (each `from` must occur once).
fn edited(edits: &[(&str, &str)]) -> String {
    edit(REPO_KDL, edits)
}

/// The diagnostics `topogen validate --format json` reports for `text`.
fn diagnostics(text: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_topogen"))
        .args(["validate", "--format", "json"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("TOPOGEN_CACHE_DIR", dir.path().join(".records"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    doc["diagnostics"].as_array().unwrap().clone()
}

/// The one finding of `text`.
fn only(text: &str) -> Value {
    let d = diagnostics(text);
    assert_eq!(d.len(), 1, "{d:#?}");
    d[0].clone()
}

/// The bundled file with `edits`, and its one finding, whose code is `code`,
/// and, if given, whose message is `message` and whose first label is on the
/// line of `at`.
fn one_finding(
    edits: &[(&str, &str)],
    code: &str,
    message: Option<&str>,
    at: Option<&str>,
) -> (String, Value) {
    let text = edited(edits);
    let f = only(&text);
    assert_eq!(f["code"], code, "{f:#}");
    if let Some(message) = message {
        assert_eq!(f["message"], message, "{f:#}");
    }
    if let Some(at) = at {
        assert_eq!(f["labels"][0]["line"], line_of(&text, at), "{f:#}");
    }
    (text, f)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).unwrap();
    text[..at].matches('\n').count() as u64 + 1
}

#[test]
fn an_unquoted_value_starting_with_a_digit_says_quote_it() {
    for (from, to, key, value) in [
        (
            "subnet=\"10.1.1.0/24\"",
            "subnet=10.1.1.0/24",
            "subnet",
            "10.1.1.0/24",
        ),
        ("memory=\"2Gi\"", "memory=2Gi", "memory", "2Gi"),
        (
            "destroy-at=\"23:30\"",
            "destroy-at=23:30",
            "destroy-at",
            "23:30",
        ),
    ] {
        let (text, f) = one_finding(
            &[(from, to)],
            "topogen::syntax::kdl",
            Some(&format!(
                "the value `{value}` of `{key}` starts with a digit but is not a number"
            )),
            None,
        );
        assert_eq!(
            f["help"],
            format!(
                "quote it: `{key}=\"{value}\"` (in KDL v2 a value that starts with a digit must be a number)"
            )
        );
        // the label underlines the value itself
        let label = &f["labels"][0];
        assert_eq!(label["line"], line_of(&text, to));
        let offset = label["offset"].as_u64().unwrap() as usize;
        assert_eq!(&text[offset..offset + value.len()], value);
        assert_eq!(label["length"], value.len());
    }
}

#[test]
fn a_missing_closing_brace_names_the_unclosed_node() {
    let worker = "        labels role=worker workload=apps\n    }\n";
    let (text, f) = one_finding(
        &[(worker, "        labels role=worker workload=apps\n")],
        "topogen::syntax::kdl",
        Some("the block of `pool worker` is never closed"),
        None,
    );
    let kafka = line_of(&text, "    kafka trading-cluster");
    assert_eq!(
        f["help"],
        format!("add `}}` before line {kafka} to close `pool worker`")
    );
    let lines: Vec<u64> = f["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    let pool = line_of(&text, "    pool worker");
    let last = text.trim_end().matches('\n').count() as u64 + 1;
    // the node, its `{`, the sibling that shows where `}` belongs, the end of the file
    assert_eq!(lines, [pool, pool, kafka, last]);
}

#[test]
fn a_typo_in_an_overlay_pool_is_one_error_with_a_suggestion() {
    let overlay = "        schedule destroy-at=\"23:30\"\n";
    let (_, f) = one_finding(
        &[(
            overlay,
            "        schedule destroy-at=\"23:30\"\n        pool workr count=2\n",
        )],
        "topogen::schema::unmatched-override",
        Some("no `pool workr` in the base to override; did you mean `worker`?"),
        Some("pool workr"),
    );
    assert_eq!(
        f["help"],
        "the base's pools are `control`, `kafka` and `worker`; to add `pool workr` in this environment only, write `new=#true` on it"
    );
    assert_eq!(f["labels"][0]["length"], "pool workr".len());
}

#[test]
fn an_environment_adds_a_pool_with_new() {
    // the new pool, a range for it and a listener, in `dev` only
    let text = edited(&[(
        "        schedule destroy-at=\"23:30\"\n",
        "        schedule destroy-at=\"23:30\"\n        ip-plan { range workers to=39; range gpu new=#true from=40 to=49 }\n        pool gpu new=#true role=agent server-type=cx23 count=1 range=gpu\n        kafka trading-cluster { listener tls new=#true type=internal port=9093 tls=#true }\n",
    )]);
    assert_eq!(diagnostics(&text), Vec::<Value>::new());
    // the pool is there: 11 nodes do not fit its new range
    let f = only(&text.replace("count=1 range=gpu", "count=11 range=gpu"));
    assert_eq!(f["code"], "topogen::ip::pool-capacity", "{f:#}");
    // `new=#true` on a pool the base has is a mistake of its own
    one_finding(
        &[(
            "        schedule destroy-at=\"23:30\"\n",
            "        schedule destroy-at=\"23:30\"\n        pool worker new=#true count=1\n",
        )],
        "topogen::schema::unmatched-override",
        Some("`pool worker` is in the base already: `new=#true` adds a pool"),
        None,
    );
}

#[test]
fn a_value_that_failed_to_lower_feeds_no_other_rule() {
    // the broker count is unknown: not a `firewall::unused` warning about broker ports
    let kafka = "pool kafka role=agent server-type=cx23 count=3";
    one_finding(
        &[(kafka, "pool kafka role=agent server-type=cx23 count=\"3\"")],
        "topogen::schema::type",
        Some("`count` must be a whole number, found a string `\"3\"`"),
        None,
    );
    one_finding(
        &[("brokers=kafka", "brokers=kafak")],
        "topogen::kafka::pools",
        None,
        Some("brokers=kafak"),
    );
}

#[test]
fn an_invalid_label_is_not_suggested_to_the_selectors_that_miss_it() {
    one_finding(
        &[("labels role=worker", "labels role='worker'")],
        "topogen::labels::syntax",
        Some("label value `'worker'` is not a valid Kubernetes label value"),
        None,
    );
}

#[test]
fn the_same_clash_in_several_environments_is_one_finding_naming_them() {
    // dev (10.0.1.0/24) and prod (10.1.1.0/24): two subnets, one clash of offsets
    let text = edited(&[(
        "pool worker role=agent server-type=cx23 count=1 range=workers",
        "pool worker role=agent server-type=cx23 count=1 range=kafka",
    )]);
    let d: Vec<Value> = diagnostics(&text)
        .into_iter()
        .filter(|f| f["code"] == "topogen::ip::duplicate-address")
        .collect();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(
        d[0]["message"],
        "pools `kafka` and `worker` both get host offset 20: both take addresses from range `kafka`"
    );
    assert_eq!(d[0]["environments"], serde_json::json!(["dev", "prod"]));
}

#[test]
fn a_missing_opening_brace_names_the_node_that_lacks_it() {
    let pool = "pool kafka role=agent server-type=cx23 count=3 range=kafka {";
    let (text, f) = one_finding(
        &[(
            pool,
            "pool kafka role=agent server-type=cx23 count=3 range=kafka",
        )],
        "topogen::syntax::kdl",
        Some("this `}` closes no block"),
        None,
    );
    let line = line_of(&text, "    pool kafka");
    assert_eq!(
        f["help"],
        format!("add `{{` at the end of line {line} to open the block of `pool kafka`")
    );
    assert_eq!(f["labels"][1]["line"], line);
}

#[test]
fn an_unterminated_string_is_one_error_on_its_line() {
    one_finding(
        &[("purpose=\"Kafka brokers\"", "purpose=\"Kafka brokers")],
        "topogen::syntax::kdl",
        Some("this string is never closed"),
        Some("purpose=\"Kafka brokers"),
    );
}

#[test]
fn new_outside_an_environment_is_reported() {
    one_finding(
        &[("pool worker role=agent", "pool worker new=#true role=agent")],
        "topogen::schema::unmatched-override",
        Some("`new=#true` on `pool` outside an environment"),
        Some("pool worker new"),
    );
}
