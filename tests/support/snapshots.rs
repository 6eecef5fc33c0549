//! One layout and one naming scheme for every insta snapshot.
//!
//! The snapshots of `tests/<test>.rs` are in `snapshots/<test>/`, one file
//! each, named `<input>__<output>.snap`: the input is the topology it was
//! rendered from (`seed` for the repository's `cluster.kdl`, `minimal`,
//! `large`, a scenario, or a rule code for that rule's failing example), the
//! output the generated path or what was rendered, with `/` and `::` written
//! `__`.

/// insta settings for the test file that includes this module.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!("../snapshots/", env!("CARGO_CRATE_NAME")));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// The snapshot name of `output` rendered from `input`.
pub(crate) fn name(input: &str, output: &str) -> String {
    format!("{input}__{output}")
        .replace("::", "__")
        .replace('/', "__")
}
