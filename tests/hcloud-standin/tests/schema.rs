//! The stand-in serves the schema file: `terraform providers schema -json` against it
//! prints `shared/schemas/hcloud-provider-1.54.0/hcloud-provider-schema.json`, apart from
//! exactly the differences `schema::DEVIATIONS` names (what tf-provider 0.2.2 cannot
//! express), each of which must still occur.

mod common;

use std::path::PathBuf;

use common::Project;
use hcloud_standin::schema::{DEVIATIONS, SCHEMA_JSON, SOURCE};
use serde_json::Value as Json;

/// The shared schema file beside the repository (`TOPOGEN_SHARED`, default `../shared`).
fn shared_schema() -> Option<String> {
    let shared = std::env::var_os("TOPOGEN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    std::fs::read_to_string(
        shared.join("schemas/hcloud-provider-1.54.0/hcloud-provider-schema.json"),
    )
    .ok()
}

#[test]
fn the_committed_schema_is_the_shared_file() {
    match shared_schema() {
        Some(shared) => assert!(
            shared == SCHEMA_JSON,
            "schema/hcloud-provider-schema.json differs from shared/"
        ),
        None => eprintln!(
            "shared/ not found: the committed copy is compared with the served schema only"
        ),
    }
}

/// Undoes the deviations in the served schema; returns how many of each it undid.
fn undo_deviations(served: &mut Json, file: &Json) -> [usize; 3] {
    let mut counts = [0; 3];
    let p = &mut served["provider_schemas"][SOURCE];
    let f = &file["provider_schemas"][SOURCE];
    for kind in ["resource_schemas", "data_source_schemas"] {
        let Some(entries) = p[kind].as_object_mut() else {
            continue;
        };
        for (name, entry) in entries.iter_mut() {
            let want = &f[kind][name]["block"];
            // (get_mut, not IndexMut, which would add the key as null.)
            let Some(types) = entry
                .get_mut("block")
                .and_then(|b| b.get_mut("block_types"))
                .and_then(Json::as_object_mut)
            else {
                continue;
            };
            for (block, nested) in types.iter_mut() {
                let want = &want["block_types"][block];
                if nested["max_items"] == i64::MAX && want.get("max_items").is_none() {
                    nested.as_object_mut().unwrap().remove("max_items");
                    counts[0] += 1;
                }
                if want["nesting_mode"] == "single"
                    && nested["nesting_mode"] == "list"
                    && nested["max_items"] == 1
                {
                    nested["nesting_mode"] = "single".into();
                    nested.as_object_mut().unwrap().remove("max_items");
                    counts[1] += 1;
                }
            }
        }
    }
    let served_locations =
        &mut p["data_source_schemas"]["hcloud_server_type"]["block"]["attributes"]["locations"];
    let want = &f["data_source_schemas"]["hcloud_server_type"]["block"]["attributes"]["locations"];
    let nested_types: serde_json::Map<String, Json> = want["nested_type"]["attributes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, a)| (k.clone(), a["type"].clone()))
        .collect();
    if served_locations["type"] == serde_json::json!(["list", ["object", nested_types]]) {
        served_locations.as_object_mut().unwrap().remove("type");
        served_locations["nested_type"] = want["nested_type"].clone();
        counts[2] += 1;
    }
    counts
}

#[test]
fn terraform_providers_schema_prints_the_schema_file() {
    let p = Project::new("empty");
    p.init();
    let run = p.ok(&["providers", "schema", "-json"]);
    let mut served: Json = serde_json::from_str(&run.stdout).expect("terraform printed JSON");
    let file_text = shared_schema().unwrap_or_else(|| SCHEMA_JSON.to_owned());
    let file: Json = serde_json::from_str(&file_text).unwrap();
    assert_ne!(served, file, "the deviations are still there to undo");
    let counts = undo_deviations(&mut served, &file);
    assert_eq!(DEVIATIONS.len(), 3);
    // 8 unbounded set blocks; hcloud_server.timeouts; hcloud_server_type.locations.
    assert_eq!(
        counts,
        [8, 1, 1],
        "each deviation occurs where DEVIATIONS says"
    );
    let mut diffs = Vec::new();
    differences(&served, &file, "", &mut diffs);
    assert!(
        diffs.is_empty(),
        "served schema differs from the file beyond DEVIATIONS:\n{}",
        diffs.join("\n")
    );
    assert_eq!(served, file);
}

/// The JSON paths where `a` and `b` differ.
fn differences(a: &Json, b: &Json, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => differences(va, vb, &format!("{path}.{k}"), out),
                    (Some(_), None) => out.push(format!("{path}.{k}: only served")),
                    _ => out.push(format!("{path}.{k}: only in the file")),
                }
            }
        }
        _ if a != b => out.push(format!("{path}: served {a}, file {b}")),
        _ => {}
    }
}
