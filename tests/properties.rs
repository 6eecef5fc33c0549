//! Property tests (proptest).
//!
//! 1. Random valid topologies — pools whose counts fit their ranges, labels,
//!    listeners, environments with overlays — always validate without errors
//!    and always build, and every built tree satisfies the cross-artifact
//!    invariants (tfvars counts and IP lists = pool = KafkaNodePool replicas,
//!    parseable YAML, a final newline everywhere, safe paths, determinism).
//! 2. Random single mutations of the repository's `cluster.kdl` (delete,
//!    duplicate or swap a line, change a number, drop a brace or a quote)
//!    either validate or give diagnostics whose spans lie inside the file;
//!    never a panic, and a file that validates always renders.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use proptest::prelude::*;
use topogen::emit::Plan;

#[path = "support/compiled.rs"]
mod compiled;
use compiled::{check_findings, compile_and_plan, human as errors};

const CLUSTER: &str = include_str!("../cluster.kdl");

/// `PROPTEST_CASES` overrides the number of cases (scripts/fuzz.sh's stable fallback).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------- generator

#[derive(Clone, Debug)]
struct ExtraPool {
    name: String,
    count: u32,
    labels: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
struct Env {
    name: &'static str,
    production: bool,
    /// second octet of the environment's own network, if it overrides it
    net: Option<u8>,
    /// an overlay of the worker count
    workers: Option<u32>,
}

#[derive(Clone, Debug)]
struct Topo {
    cluster: String,
    kafka: u32,
    factor: u32,
    min_insync: u32,
    workers: u32,
    kafka_labels: Vec<(String, String)>,
    worker_labels: Vec<(String, String)>,
    extra: Vec<ExtraPool>,
    internal_port: u32,
    nodeport_base: u32,
    envs: Vec<Env>,
}

const WORKER_RANGE: u32 = 20; // .30-.49

fn dns_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5})?"
}

fn label() -> impl Strategy<Value = (String, String)> {
    (
        "(example\\.com/)?[a-z][a-z0-9]{0,8}([-_.][a-z0-9]{1,6})?",
        "([A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?",
    )
        .prop_filter("reserved keys", |(k, _)| {
            !matches!(k.as_str(), "role" | "workload") && !k.contains("kubernetes.io")
        })
}

fn labels() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map(
        label().prop_map(|(k, _)| k),
        label().prop_map(|(_, v)| v),
        0..4,
    )
    .prop_map(|m| m.into_iter().collect())
}

fn topo() -> impl Strategy<Value = Topo> {
    let envs = prop::sample::subsequence(vec!["dev", "staging", "qa", "prod"], 1..=4)
        .prop_flat_map(|names| {
            let n = names.len();
            (
                Just(names),
                prop::collection::vec(
                    (
                        any::<bool>(),
                        prop::option::of(2u8..200),
                        prop::option::of(0u32..=WORKER_RANGE),
                    ),
                    n,
                ),
            )
                .prop_map(|(names, opts)| {
                    names
                        .into_iter()
                        .zip(opts)
                        .map(|(name, (net, n, w))| Env {
                            name,
                            production: name == "prod",
                            net: if net { n } else { None },
                            workers: w,
                        })
                        .collect::<Vec<_>>()
                })
        });
    let extra = prop::collection::vec(
        (dns_name(), 0u32..=10, labels()).prop_map(|(name, count, labels)| ExtraPool {
            name,
            count,
            labels,
        }),
        0..3,
    );
    (
        dns_name(),
        prop::sample::select(vec![3u32, 5, 7, 9]),
        1u32..=WORKER_RANGE,
        labels(),
        labels(),
        extra,
        prop::sample::select(vec![9092u32, 9093, 9095, 19092]),
        31000u32..32000,
        envs,
    )
        .prop_flat_map(
            |(cluster, kafka, workers, kl, wl, extra, internal_port, np, envs)| {
                (2u32..=3.min(kafka)).prop_flat_map(move |factor| {
                    let (cluster, kl, wl, extra, envs) = (
                        cluster.clone(),
                        kl.clone(),
                        wl.clone(),
                        extra.clone(),
                        envs.clone(),
                    );
                    (1u32..factor).prop_map(move |min_insync| Topo {
                        cluster: cluster.clone(),
                        kafka,
                        factor,
                        min_insync,
                        workers,
                        kafka_labels: kl.clone(),
                        worker_labels: wl.clone(),
                        extra: extra.clone(),
                        internal_port,
                        nodeport_base: np,
                        envs: envs.clone(),
                    })
                })
            },
        )
        .prop_filter("pool names are unique", |t| {
            let mut names: Vec<&str> = vec!["control", "kafka", "worker"];
            names.extend(t.extra.iter().map(|p| p.name.as_str()));
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            names.len() == n
                && !t
                    .extra
                    .iter()
                    .any(|p| p.name.starts_with("worker") || p.name.starts_with("kafka"))
        })
}

fn kv(labels: &[(String, String)]) -> String {
    labels
        .iter()
        .map(|(k, v)| format!(" \"{k}\"=\"{v}\""))
        .collect()
}

impl Topo {
    /// The pool count in environment `env` (after overlays).
    fn count(&self, pool: &str, env: &Env) -> u32 {
        match pool {
            "control" => 1,
            "kafka" => self.kafka,
            "worker" => env.workers.unwrap_or(self.workers),
            p => self
                .extra
                .iter()
                .find(|x| x.name == p)
                .map_or(0, |x| x.count),
        }
    }

    fn first_host(&self, pool: &str) -> u32 {
        match pool {
            "control" => 10,
            "kafka" => 20,
            "worker" => 30,
            p => 100 + 10 * self.extra.iter().position(|x| x.name == p).unwrap() as u32,
        }
    }

    fn subnet(env: &Env) -> (Ipv4Addr, String, String) {
        let o = env.net.unwrap_or(0);
        (
            Ipv4Addr::new(10, o, 1, 0),
            format!("10.{o}.0.0/16"),
            format!("10.{o}.1.0/24"),
        )
    }

    fn kdl(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("cluster {} {{\n", self.cluster));
        s.push_str("    hetzner location=nbg1 datacenter=nbg1-dc3 network-zone=eu-central image=ubuntu-22.04\n");
        s.push_str("    network \"10.0.0.0/16\" subnet=\"10.0.1.0/24\"\n");
        s.push_str("    ip-plan {\n        range reserved from=1 to=9 reserved=#true\n        range control from=10 to=19\n");
        s.push_str("        range kafka from=20 to=29\n        range workers from=30 to=49\n");
        for (i, p) in self.extra.iter().enumerate() {
            let from = 100 + 10 * i;
            s.push_str(&format!(
                "        range r-{} from={from} to={}\n",
                p.name,
                from + 9
            ));
        }
        s.push_str("    }\n");
        s.push_str("    pool control role=server server-type=cx23 count=1 range=control apps=#false {\n        labels role=control-plane\n        primary-ip node=0\n    }\n");
        s.push_str(&format!(
            "    pool kafka role=agent server-type=cx23 count={} range=kafka {{\n        labels role=kafka workload=mixed{}\n        primary-ip node=0\n    }}\n",
            self.kafka,
            kv(&self.kafka_labels)
        ));
        s.push_str(&format!(
            "    pool worker role=agent server-type=cx23 count={} range=workers {{\n        labels role=worker workload=apps{}\n    }}\n",
            self.workers,
            kv(&self.worker_labels)
        ));
        for p in &self.extra {
            s.push_str(&format!(
                "    pool {} role=agent server-type=cx23 count={} range=r-{} {{\n        labels role=batch{}\n    }}\n",
                p.name,
                p.count,
                p.name,
                kv(&p.labels)
            ));
        }
        let np = self.nodeport_base;
        s.push_str(&format!(
            "    kafka trading namespace=kafka brokers=kafka controllers=kafka {{\n        replication factor={} min-insync={}\n        listener plain type=internal port={}\n        listener external type=nodeport port=9094 bootstrap-node-port={np} broker-node-port={}\n        storage type=persistent-claim size=\"20Gi\" class=local-path\n        resources memory=\"2Gi\" cpu=\"500m\"\n    }}\n",
            self.factor,
            self.min_insync,
            self.internal_port,
            np + 1
        ));
        s.push_str("    scheduling {\n        profile apps {\n            prefer role=worker weight=100\n            prefer workload=mixed weight=50\n            avoid role=control-plane\n        }\n    }\n");
        s.push_str("    ingress http-node-port=30080 https-node-port=30443\n");
        s.push_str(&format!(
            "    firewall {{\n        allow ssh port=22 reason=\"runners\"\n        allow kube-api port=6443 reason=\"runners\"\n        allow http port=30080\n        allow https port=30443\n        allow kafka port=\"{np}-{}\" reason=\"producers\"\n    }}\n",
            np + self.kafka
        ));
        s.push_str("    schedule hours-per-day=10 days-per-month=22\n");
        s.push_str(
            "    gitops repo=\"trading-cz/config\" overlay=\"overlays/minimal\" revision=main\n",
        );
        for e in &self.envs {
            s.push_str(&format!(
                "    environment {}{} {{\n",
                e.name,
                if e.production {
                    " production=#true"
                } else {
                    ""
                }
            ));
            if e.net.is_some() {
                let (_, net, sub) = Self::subnet(e);
                s.push_str(&format!("        network \"{net}\" subnet=\"{sub}\"\n"));
            }
            if let Some(w) = e.workers {
                s.push_str(&format!("        pool worker count={w}\n"));
            }
            s.push_str("    }\n");
        }
        s.push_str("}\n");
        s
    }

    fn pools(&self) -> Vec<String> {
        let mut v = vec![
            "control".to_owned(),
            "kafka".to_owned(),
            "worker".to_owned(),
        ];
        v.extend(self.extra.iter().map(|p| p.name.clone()));
        v
    }
}

// ---------------------------------------------------------------- invariants

/// `key = value` pairs of a tfvars file (top level only, comments stripped;
/// a list spanning several lines is joined and normalised to `["a", "b"]`).
fn tfvars(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.starts_with(' ') || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let mut v = v.split(" #").next().unwrap().trim().to_owned();
        if v.starts_with('[') && !v.ends_with(']') {
            for more in lines.by_ref() {
                let more = more.split(" #").next().unwrap().trim();
                v.push_str(more);
                if more.ends_with(']') {
                    break;
                }
            }
        }
        if v.starts_with('[') {
            let items: Vec<&str> = v
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .collect();
            v = format!("[{}]", items.join(", "));
        }
        // a map, one `"k" = "v"` a line: `{"k" = "v", …}`
        if v == "{" {
            let mut items = Vec::new();
            for more in lines.by_ref() {
                let more = more.split(" #").next().unwrap().trim();
                if more == "}" {
                    break;
                }
                items.push(more.split_whitespace().collect::<Vec<_>>().join(" "));
            }
            v = format!("{{{}}}", items.join(", "));
        }
        out.insert(k.to_owned(), v);
    }
    out
}

/// A path the plan may write: relative, no `..`, no empty or hidden-parent tricks.
fn safe_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains('\0')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Invariants of any plan, whatever the input.
pub fn check_plan_generic(plan: &Plan) {
    for (path, text) in &plan.files {
        assert!(safe_path(path), "unsafe output path {path:?}");
        assert!(text.ends_with('\n'), "{path} does not end with a newline");
        assert!(!text.ends_with("\n\n"), "{path} ends with a blank line");
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            for doc in serde_yaml::Deserializer::from_str(text) {
                if let Err(e) = serde_yaml::Value::deserialize(doc) {
                    panic!("{path} is not valid YAML: {e}\n{text}");
                }
            }
        }
    }
}

use serde::Deserialize as _;

fn check_topology(t: &Topo, plan: &Plan) {
    check_plan_generic(plan);
    for env in &t.envs {
        let e = env.name;
        let tf_path = format!("environments/{e}.tfvars");
        let Some(tf) = plan.files.get(&tf_path) else {
            panic!(
                "no {tf_path} in {:?}",
                plan.files.keys().collect::<Vec<_>>()
            )
        };
        let vars = tfvars(tf);
        let (base, _, _) = Topo::subnet(env);
        for pool in t.pools() {
            let count = t.count(&pool, env);
            let key = pool.replace('-', "_");
            if let Some(v) = vars.get(&format!("{key}_node_count")) {
                assert_eq!(v, &count.to_string(), "{tf_path}: {key}_node_count");
            }
            if let Some(v) = vars.get(&format!("{key}_private_ips")) {
                // node name -> IP: node i is `<pool>-i` at host `from + i`
                let want: Vec<String> = (0..count)
                    .map(|i| {
                        let ip = u32::from(base) + t.first_host(&pool) + i;
                        format!("\"{pool}-{i}\" = \"{}\"", Ipv4Addr::from(ip))
                    })
                    .collect();
                assert_eq!(
                    v,
                    &format!("{{{}}}", want.join(", ")),
                    "{tf_path}: {key}_private_ips"
                );
            }
        }
        // the pools every root module has
        assert_eq!(
            vars.get("kafka_node_count"),
            Some(&t.kafka.to_string()),
            "{tf_path}"
        );
        assert_eq!(
            vars.get("worker_node_count"),
            Some(&t.count("worker", env).to_string()),
            "{tf_path}"
        );
        assert_eq!(
            vars.get("control_plane_private_ip"),
            Some(&format!("\"{}\"", Ipv4Addr::from(u32::from(base) + 10))),
            "{tf_path}"
        );
        // KafkaNodePool replicas = the broker pool's count
        let pools: Vec<_> = plan
            .files
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("k8s/{e}/strimzi/")) && p.contains("nodepool"))
            .collect();
        assert!(!pools.is_empty(), "no KafkaNodePool for {e}");
        let mut replicas = 0;
        for (p, text) in pools {
            let v: serde_yaml::Value =
                serde_yaml::from_str(text).unwrap_or_else(|err| panic!("{p}: {err}"));
            replicas += v["spec"]["replicas"]
                .as_u64()
                .unwrap_or_else(|| panic!("{p}: no spec.replicas"));
        }
        assert_eq!(
            replicas,
            u64::from(t.kafka),
            "KafkaNodePool replicas in {e}"
        );
        // one cloud-init per pool
        for pool in t.pools() {
            let ci = format!("cloud-init/{e}/{pool}.yaml");
            if t.count(&pool, env) > 0 {
                assert!(plan.files.contains_key(&ci), "no {ci}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn valid_topologies_validate_and_build(t in topo()) {
        let text = t.kdl();
        let (c, plan) = compile_and_plan(&text);
        prop_assert!(!c.failed(false), "a valid topology was rejected:\n{text}\n{}", errors(&c));
        let plan = plan.expect("a valid topology has a project");
        check_topology(&t, &plan);
        // deterministic
        let (_, again) = compile_and_plan(&text);
        prop_assert!(again.as_ref() == Some(&plan), "two plans of the same file differ");
    }
}

#[test]
fn a_valid_topology_builds_on_disk() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(4));
    runner
        .run(&topo(), |t| {
            let (_, plan) = compile_and_plan(&t.kdl());
            let plan = plan.expect("valid");
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("generated");
            topogen::output::build(&plan, &out).expect("build");
            assert!(
                topogen::output::check(&plan, &out).is_empty(),
                "check after build drifts"
            );
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------- mutations

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ChangeNumber(usize, i64),
    DropChar(usize, char),
}

fn mutate(text: &str, m: &Mutation) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let n = lines.len();
    match *m {
        Mutation::DeleteLine(i) => {
            let mut l = lines.clone();
            l.remove(i % n);
            l.concat()
        }
        Mutation::DuplicateLine(i) => {
            let mut l = lines.clone();
            l.insert(i % n, lines[i % n]);
            l.concat()
        }
        Mutation::SwapLines(i, j) => {
            let mut l = lines.clone();
            l.swap(i % n, j % n);
            l.concat()
        }
        Mutation::ChangeNumber(k, v) => {
            // the k-th run of digits becomes `v`
            let bytes = text.as_bytes();
            let runs: Vec<(usize, usize)> = {
                let mut r = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i].is_ascii_digit() {
                        let s = i;
                        while i < bytes.len() && bytes[i].is_ascii_digit() {
                            i += 1;
                        }
                        r.push((s, i));
                    } else {
                        i += 1;
                    }
                }
                r
            };
            let (s, e) = runs[k % runs.len()];
            format!("{}{v}{}", &text[..s], &text[e..])
        }
        Mutation::DropChar(k, c) => {
            let at: Vec<usize> = text.match_indices(c).map(|(i, _)| i).collect();
            if at.is_empty() {
                return text.to_owned();
            }
            let i = at[k % at.len()];
            format!("{}{}", &text[..i], &text[i + c.len_utf8()..])
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (
            any::<usize>(),
            prop_oneof![
                -2i64..100_000,
                Just(0),
                Just(65_535),
                Just(65_536),
                Just(i64::from(u32::MAX)),
                Just(i64::MAX),
                Just(i64::MIN)
            ]
        )
            .prop_map(|(k, v)| Mutation::ChangeNumber(k, v)),
        (
            any::<usize>(),
            prop::sample::select(vec!['{', '}', '"', '=', '#'])
        )
            .prop_map(|(k, c)| Mutation::DropChar(k, c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(400), ..ProptestConfig::default() })]

    #[test]
    fn single_mutations_never_panic(m in mutation()) {
        let text = mutate(CLUSTER, &m);
        let (c, plan) = compile_and_plan(&text);
        check_findings(&c);
        if let Some(plan) = plan {
            check_plan_generic(&plan);
        }
    }

    #[test]
    fn double_mutations_never_panic(a in mutation(), b in mutation()) {
        let text = mutate(&mutate(CLUSTER, &a), &b);
        let (c, plan) = compile_and_plan(&text);
        check_findings(&c);
        if let Some(plan) = plan {
            check_plan_generic(&plan);
        }
    }
}

/// Regression (found by `single_mutations_never_panic`): without the optional
/// `ARGOCD_ADMIN_PASSWORD` secret the file validates, so it must render.
#[test]
fn optional_secret_may_be_absent() {
    let text: String = CLUSTER
        .lines()
        .filter(|l| !l.contains("ARGOCD_ADMIN_PASSWORD"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (c, plan) = compile_and_plan(&text);
    check_findings(&c);
    assert!(!c.failed(false), "{}", errors(&c));
    check_plan_generic(&plan.expect("validates, so it renders"));
}
