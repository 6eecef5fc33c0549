//! parse → validate → render from arbitrary bytes, plus every diagnostic
//! format: nothing on the user's path may panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use topogen::emit::Templates;

/// Parsing the built-in templates once keeps the fuzzer on the input's path.
fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| Templates::new(None).expect("built-in templates parse"))
}

fuzz_target!(|data: &[u8]| {
    topogen_fuzz_one(data);
});

fn topogen_fuzz_one(data: &[u8]) {
    let (source, finding) = topogen::run::from_bytes("cluster.kdl", data.to_vec());
    let compiled = topogen::run::compile_with(source, finding);
    let len = compiled.source.text.len();
    for f in &compiled.findings {
        for l in &f.labels {
            assert!(
                l.span.offset.saturating_add(l.span.len) <= len,
                "span {:?} outside a {len}-byte file: {}",
                l.span,
                f.message
            );
        }
    }
    let envs: Vec<String> = compiled
        .project
        .as_ref()
        .map(|p| p.envs.iter().map(|e| e.env.name.value.clone()).collect())
        .unwrap_or_default();
    let style = topogen::report::Style {
        color: false,
        width: 80,
    };
    let _ = topogen::report::human(&compiled.source, &compiled.findings, &envs, style);
    let _ = topogen::report::json(&compiled.source, &compiled.findings, Default::default());
    let _ = topogen::report::github(&compiled.source, &compiled.findings, &envs, &[]);
    let _ = topogen::report::sarif(&compiled.source, &compiled.findings, &envs, &[]);
    if compiled.findings.is_empty() || compiled.project.is_some() {
        // `topogen fmt` on anything that parsed
        let _ = topogen::format::format(&compiled.source.text);
    }
    if compiled.failed(false) {
        return;
    }
    let Some(project) = &compiled.project else {
        return;
    };
    let _ = topogen::show::render(project, None);
    // emit never fails on a topology that validated
    let plan = topogen::emit::plan(project, templates()).expect("emit failed on a valid topology");
    for (path, text) in &plan.files {
        assert!(text.ends_with('\n'), "{path} has no final newline");
    }
}
