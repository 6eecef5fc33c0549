//! The fake Kubernetes API of one K3s cluster (`$REHEARSAL_WORLD/api/<server
//! node>.json`), and the `kubectl` and `helm` stand-ins that answer from it.
//!
//! The API holds the nodes the K3s installer stand-in registered (labels and
//! taints from its flags), and every object applied, with a log of every
//! apply. Controllers are instantaneous and deterministic: a Deployment is
//! Available when a Ready node matches its pod template's `nodeSelector` and
//! tolerations; a CustomResourceDefinition serves its kind at once; a
//! Strimzi `Kafka` is Ready when the Strimzi operator's Deployment is
//! Available, the resource and its KafkaNodePools pass the Strimzi 0.48
//! schemas, and its pools hold the controller and broker roles; an `ArgoCD`
//! is `Available` when the ArgoCD operator's Deployment is. Nothing changes
//! between two calls, so `kubectl wait` answers at once: met, or the
//! timeout's error.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Cloud, Fail, NODE_ENV, Res, World};

/// A node as the K3s installer stand-in registered it.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct NodeRecord {
    pub name: String,
    /// `server` or `agent`.
    pub role: String,
    pub version: String,
    pub internal_ip: String,
    pub external_ip: Option<String>,
    /// The labels of its `--node-label` flags.
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// What the installer was given (`INSTALL_K3S_VERSION`, `K3S_URL`,
    /// whether `K3S_TOKEN` was set, the exec command and flags).
    pub install: Value,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

/// The API's state file.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[serde(default)]
pub struct Api {
    pub server: String,
    pub token: String,
    pub version: String,
    pub nodes: Vec<NodeRecord>,
    /// Every object, as applied (with `status` set by the controllers).
    pub objects: Vec<Value>,
    /// Every change: `{verb, kind, namespace, name}`.
    pub log: Vec<Value>,
    /// Helm releases: `{name, namespace, chart, version, repo, set}`.
    pub releases: Vec<Value>,
}

/// `key` and `value` of a label, as the API server validates them.
pub fn check_label(key: &str, value: &str) -> Result<(), String> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    let (prefix, name) = key
        .rsplit_once('/')
        .map_or((None, key), |(p, n)| (Some(p), n));
    if let Some(p) = prefix
        && (p.is_empty()
            || p.len() > 253
            || !p.split('.').all(|l| {
                !l.is_empty()
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            }))
    {
        return Err(format!("prefix part of {key:?} must be a DNS subdomain"));
    }
    if !name_ok(name) {
        return Err(format!(
            "name part of {key:?} must consist of alphanumeric characters, '-', '_' or '.', at most 63"
        ));
    }
    if !value.is_empty() && !name_ok(value) {
        return Err(format!(
            "label value {value:?} must consist of alphanumeric characters, '-', '_' or '.', at most 63"
        ));
    }
    Ok(())
}

/// `key[=value]:Effect`.
pub fn parse_taint(s: &str) -> Result<Taint, String> {
    let (kv, effect) = s.rsplit_once(':').ok_or("a taint needs :Effect")?;
    if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
        return Err(format!("invalid taint effect {effect:?}"));
    }
    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
    check_label(k, v)?;
    Ok(Taint {
        key: k.into(),
        value: v.into(),
        effect: effect.into(),
    })
}

impl Api {
    fn load(world: &World, server: &str) -> Res<Api> {
        let text = fs::read_to_string(world.api_file(server))?;
        serde_json::from_str(&text).map_err(|e| Fail::new(1, format!("fake API: {e}")))
    }

    fn save(&self, world: &World) -> Res<()> {
        let path = world.api_file(&self.server);
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, serde_json::to_string_pretty(self).unwrap_or_default())?;
        fs::rename(tmp, path)?;
        Ok(())
    }

    /// A K3s server starts: a new API with its node and the built-in
    /// namespaces.
    pub fn create(
        world: &World,
        server: &str,
        token: &str,
        version: &str,
        node: NodeRecord,
    ) -> Res<()> {
        let _lock = world.lock("api")?;
        fs::create_dir_all(world.dir.join("api"))?;
        let mut api = Api {
            server: server.into(),
            token: token.into(),
            version: version.into(),
            ..Api::default()
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            api.objects
                .push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        // K3s's bundled CoreDNS (Traefik is disabled; cloud-init installs it).
        api.objects.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "coredns", "namespace": "kube-system"}, "spec": {"template": {"spec": {}}}}));
        api.log.push(
            json!({"verb": "register", "kind": "Node", "name": node.name, "install": node.install}),
        );
        api.nodes.push(node);
        api.save(world)
    }

    /// An agent joins with `token`.
    pub fn join(world: &World, server: &str, token: &str, node: NodeRecord) -> Res<()> {
        let _lock = world.lock("api")?;
        let mut api = Api::load(world, server)?;
        if api.token != token {
            return Err(Fail::new(
                1,
                "level=fatal msg=\"Error: token CA hash does not match the Cluster CA certificate hash\"",
            ));
        }
        if api.nodes.iter().any(|n| n.name == node.name) {
            return Err(Fail::new(
                1,
                format!(
                    "level=fatal msg=\"a node named {} already exists\"",
                    node.name
                ),
            ));
        }
        api.log.push(
            json!({"verb": "register", "kind": "Node", "name": node.name, "install": node.install}),
        );
        api.nodes.push(node);
        api.save(world)
    }

    fn node_labels(n: &NodeRecord) -> BTreeMap<String, String> {
        let mut l = n.labels.clone();
        l.insert("kubernetes.io/hostname".into(), n.name.clone());
        l.insert("kubernetes.io/os".into(), "linux".into());
        l.insert("kubernetes.io/arch".into(), "amd64".into());
        l.insert("node.kubernetes.io/instance-type".into(), "k3s".into());
        if n.role == "server" {
            l.insert(
                "node-role.kubernetes.io/control-plane".into(),
                "true".into(),
            );
            l.insert("node-role.kubernetes.io/master".into(), "true".into());
        }
        l
    }

    fn find(&self, kind: &str, ns: Option<&str>, name: &str) -> Option<usize> {
        self.objects.iter().position(|o| {
            o["kind"] == kind
                && o["metadata"]["name"] == name
                && o["metadata"]["namespace"].as_str() == ns
        })
    }

    /// The kinds this API serves: built-ins and the CRDs applied.
    fn kinds(&self) -> Vec<Kind> {
        let mut k: Vec<Kind> = BUILTIN
            .iter()
            .map(|(kind, plural, group, versions, namespaced)| Kind {
                kind: kind.to_string(),
                plural: plural.to_string(),
                group: group.to_string(),
                versions: versions.split(',').map(str::to_string).collect(),
                namespaced: *namespaced,
                short: Vec::new(),
            })
            .collect();
        for crd in self
            .objects
            .iter()
            .filter(|o| o["kind"] == "CustomResourceDefinition")
        {
            let spec = &crd["spec"];
            k.push(Kind {
                kind: spec["names"]["kind"].as_str().unwrap_or("").into(),
                plural: spec["names"]["plural"].as_str().unwrap_or("").into(),
                group: spec["group"].as_str().unwrap_or("").into(),
                versions: spec["versions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v["name"].as_str().map(str::to_string))
                    .collect(),
                namespaced: spec["scope"] == "Namespaced",
                short: spec["names"]["shortNames"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .chain(spec["names"]["singular"].as_str().map(str::to_string))
                    .collect(),
            });
        }
        k
    }

    /// Resolve a resource name as kubectl does: `nodes`, `node`, `deploy`,
    /// `kafka`, `kafka.kafka.strimzi.io`, `applications.argoproj.io`.
    fn resolve(&self, what: &str) -> Res<Kind> {
        let what_l = what.to_ascii_lowercase();
        let (name, group) = what_l
            .split_once('.')
            .map_or((what_l.as_str(), None), |(n, g)| (n, Some(g)));
        self.kinds()
            .into_iter()
            .find(|k| {
                (k.plural == name
                    || k.kind.to_ascii_lowercase() == name
                    || k.short.iter().any(|s| s == name))
                    && group.is_none_or(|g| g == k.group)
            })
            .ok_or_else(|| {
                Fail::new(
                    1,
                    format!("error: the server doesn't have a resource type \"{what}\""),
                )
            })
    }

    /// Run the controllers: statuses follow from the objects and nodes.
    fn reconcile(&mut self) {
        let ready_nodes: Vec<(BTreeMap<String, String>, Vec<Taint>)> = self
            .nodes
            .iter()
            .map(|n| (Api::node_labels(n), n.taints.clone()))
            .collect();
        for o in self.objects.iter_mut() {
            if o["kind"] == "CustomResourceDefinition" {
                o["status"] = json!({"conditions": [{"type": "Established", "status": "True"}]});
            }
            if o["kind"] == "Deployment" {
                let pod = &o["spec"]["template"]["spec"];
                let schedulable = ready_nodes.iter().any(|(labels, taints)| {
                    pod["nodeSelector"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
                        && node_affinity_matches(&pod["affinity"], labels)
                        && tolerates(&pod["tolerations"], taints)
                });
                let status = if schedulable { "True" } else { "False" };
                o["status"] = json!({"conditions": [{"type": "Available", "status": status}]});
            }
        }
        let available = |objects: &[Value], name: &str| {
            objects.iter().any(|o| {
                o["kind"] == "Deployment"
                    && o["metadata"]["name"] == name
                    && o["status"]["conditions"][0]["status"] == "True"
            })
        };
        let strimzi = available(&self.objects, "strimzi-cluster-operator");
        let argocd = available(&self.objects, "argocd-operator-controller-manager");
        let snapshot = self.objects.clone();
        for o in self.objects.iter_mut() {
            if o["kind"] == "Kafka" && o["apiVersion"] == "kafka.strimzi.io/v1beta2" {
                let name = o["metadata"]["name"].clone();
                let ns = o["metadata"]["namespace"].clone();
                let pools: Vec<&Value> = snapshot
                    .iter()
                    .filter(|p| {
                        p["kind"] == "KafkaNodePool"
                            && p["metadata"]["namespace"] == ns
                            && p["metadata"]["labels"]["strimzi.io/cluster"] == name
                    })
                    .collect();
                let role = |r: &str| {
                    pools.iter().any(|p| {
                        p["spec"]["roles"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|x| x == r)
                    })
                };
                let mut problems = Vec::new();
                if !strimzi {
                    problems.push("the Strimzi cluster operator is not running".to_string());
                }
                if !role("controller") || !role("broker") {
                    problems.push(
                        "the KafkaNodePools do not hold the controller and broker roles".into(),
                    );
                }
                // Each pool's brokers: one per node (the generated
                // anti-affinity on the hostname), among the Ready nodes its
                // required node affinity selects and whose taints it tolerates.
                for p in &pools {
                    let pod = &p["spec"]["template"]["pod"];
                    let fits = ready_nodes
                        .iter()
                        .filter(|(labels, taints)| {
                            node_affinity_matches(&pod["affinity"], labels)
                                && tolerates(&pod["tolerations"], taints)
                        })
                        .count() as u64;
                    let want = p["spec"]["replicas"].as_u64().unwrap_or(0);
                    if fits < want {
                        problems.push(format!(
                            "KafkaNodePool {}: {want} replica(s), {fits} node(s) it may run on",
                            p["metadata"]["name"].as_str().unwrap_or("")
                        ));
                    }
                }
                for doc in std::iter::once(&*o).chain(pools.iter().copied()) {
                    problems.extend(super::strimzi::check(doc));
                }
                let ready = if problems.is_empty() { "True" } else { "False" };
                o["status"] = json!({"conditions": [{"type": "Ready", "status": ready, "message": problems.join("; ")}]});
            }
            if o["kind"] == "ArgoCD" {
                o["status"] = json!({"phase": if argocd { "Available" } else { "Pending" }});
            }
        }
        // The Topic Operator (the Kafka's entityOperator.topicOperator)
        // creates each KafkaTopic's topic once its Kafka is Ready: Kafka
        // refuses more replicas than brokers and an invalid topic name.
        let snapshot = self.objects.clone();
        for o in self
            .objects
            .iter_mut()
            .filter(|o| o["kind"] == "KafkaTopic")
        {
            let ns = &o["metadata"]["namespace"];
            let cluster = &o["metadata"]["labels"]["strimzi.io/cluster"];
            let kafka = snapshot.iter().find(|k| {
                k["kind"] == "Kafka"
                    && k["metadata"]["namespace"] == *ns
                    && k["metadata"]["name"] == *cluster
            });
            let mut problems = super::strimzi::check(o);
            match kafka {
                None => problems.push(format!("no Kafka {cluster} in namespace {ns}")),
                Some(k) => {
                    if k["status"]["conditions"][0]["status"] != "True" {
                        problems.push(format!("Kafka {cluster} is not Ready"));
                    }
                    if !k["spec"]["entityOperator"]["topicOperator"].is_object() {
                        problems.push(format!("Kafka {cluster} runs no Topic Operator"));
                    }
                }
            }
            let brokers: u64 = snapshot
                .iter()
                .filter(|p| {
                    p["kind"] == "KafkaNodePool"
                        && p["metadata"]["namespace"] == *ns
                        && p["metadata"]["labels"]["strimzi.io/cluster"] == *cluster
                        && p["spec"]["roles"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|r| r == "broker")
                })
                .filter_map(|p| p["spec"]["replicas"].as_u64())
                .sum();
            let replicas = o["spec"]["replicas"].as_u64().unwrap_or(0);
            if replicas > brokers {
                problems.push(format!(
                    "InvalidReplicationFactorException: replication factor {replicas} larger than available brokers {brokers}"
                ));
            }
            let topic = o["spec"]["topicName"]
                .as_str()
                .or(o["metadata"]["name"].as_str())
                .unwrap_or("");
            let valid = !topic.is_empty()
                && topic.len() <= 249
                && topic != "."
                && topic != ".."
                && topic
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid {
                problems.push(format!("InvalidTopicException: {topic:?}"));
            }
            let ready = if problems.is_empty() { "True" } else { "False" };
            o["status"] = json!({"conditions": [{"type": "Ready", "status": ready, "message": problems.join("; ")}], "topicName": topic});
        }
        // The ArgoCD operator creates the instance's admin secret.
        let instances: Vec<Value> = self
            .objects
            .iter()
            .filter(|o| o["kind"] == "ArgoCD" && o["status"]["phase"] == "Available")
            .map(|o| o["metadata"].clone())
            .collect();
        for m in instances {
            let (name, ns) = (m["name"].as_str().unwrap_or(""), m["namespace"].as_str());
            let secret = format!("{name}-cluster");
            if self.find("Secret", ns, &secret).is_none() {
                self.objects.push(json!({"apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": secret, "namespace": ns}, "data": {"admin.password": "Z2VuZXJhdGVk"}}));
            }
        }
    }
}

/// Whether `tolerations` tolerate every NoSchedule/NoExecute taint.
fn tolerates(tolerations: &Value, taints: &[Taint]) -> bool {
    taints.iter().all(|t| {
        t.effect == "PreferNoSchedule"
            || tolerations.as_array().into_iter().flatten().any(|tol| {
                (tol["key"] == t.key.as_str()
                    || tol["operator"] == "Exists" && tol["key"].is_null())
                    && (tol["operator"] == "Exists" || tol["value"] == t.value.as_str())
                    && (tol["effect"].is_null() || tol["effect"] == t.effect.as_str())
            })
    })
}

/// Whether a node with `labels` satisfies `affinity.nodeAffinity`'s required
/// terms (any term; every expression of it: In, NotIn, Exists, DoesNotExist).
fn node_affinity_matches(affinity: &Value, labels: &BTreeMap<String, String>) -> bool {
    let terms = &affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    let Some(terms) = terms.as_array() else {
        return true;
    };
    terms.iter().any(|term| {
        term["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| {
                let key = e["key"].as_str().unwrap_or("");
                let values: Vec<&str> = e["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                match e["operator"].as_str() {
                    Some("In") => labels
                        .get(key)
                        .is_some_and(|v| values.contains(&v.as_str())),
                    Some("NotIn") => labels
                        .get(key)
                        .is_none_or(|v| !values.contains(&v.as_str())),
                    Some("Exists") => labels.contains_key(key),
                    Some("DoesNotExist") => !labels.contains_key(key),
                    _ => false,
                }
            })
    })
}

struct Kind {
    kind: String,
    plural: String,
    group: String,
    versions: Vec<String>,
    namespaced: bool,
    short: Vec<String>,
}

impl Kind {
    fn api_versions(&self) -> Vec<String> {
        self.versions
            .iter()
            .map(|v| {
                if self.group.is_empty() {
                    v.clone()
                } else {
                    format!("{}/{v}", self.group)
                }
            })
            .collect()
    }
}

/// Built-in kinds: (kind, plural, group, versions, namespaced).
const BUILTIN: &[(&str, &str, &str, &str, bool)] = &[
    ("Namespace", "namespaces", "", "v1", false),
    ("Node", "nodes", "", "v1", false),
    ("Pod", "pods", "", "v1", true),
    ("Service", "services", "", "v1", true),
    ("Secret", "secrets", "", "v1", true),
    ("ConfigMap", "configmaps", "", "v1", true),
    ("ServiceAccount", "serviceaccounts", "", "v1", true),
    ("Deployment", "deployments", "apps", "v1", true),
    ("Ingress", "ingresses", "networking.k8s.io", "v1", true),
    (
        "NetworkPolicy",
        "networkpolicies",
        "networking.k8s.io",
        "v1",
        true,
    ),
    ("Role", "roles", "rbac.authorization.k8s.io", "v1", true),
    (
        "RoleBinding",
        "rolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        true,
    ),
    (
        "ClusterRole",
        "clusterroles",
        "rbac.authorization.k8s.io",
        "v1",
        false,
    ),
    (
        "ClusterRoleBinding",
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        false,
    ),
    (
        "CustomResourceDefinition",
        "customresourcedefinitions",
        "apiextensions.k8s.io",
        "v1",
        false,
    ),
    (
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        "policy",
        "v1",
        true,
    ),
];

/// Where kubectl connects: the API of the cluster the kubeconfig names.
fn connect(world: &World, kubeconfig_flag: Option<&str>) -> Res<Api> {
    let path = kubeconfig_flag
        .map(str::to_string)
        .or_else(|| std::env::var("KUBECONFIG").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| format!("{}/.kube/config", std::env::var("HOME").unwrap_or_default()));
    let refused = |what: &str| {
        Fail::new(
            1,
            format!(
                "The connection to the server {what} was refused - did you specify the right host or port?"
            ),
        )
    };
    let text = fs::read_to_string(&path).map_err(|_| refused("localhost:8080"))?;
    let cfg: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| {
        Fail::new(
            1,
            format!("error: error loading config file \"{path}\": {e}"),
        )
    })?;
    let current = cfg["current-context"].as_str().unwrap_or("");
    let ctx = cfg["contexts"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == current)
        .ok_or_else(|| {
            Fail::new(
                1,
                format!("error: current-context {current:?} is not in {path}"),
            )
        })?;
    let cluster = cfg["clusters"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == ctx["context"]["cluster"])
        .ok_or_else(|| Fail::new(1, "error: the context's cluster is not in the kubeconfig"))?;
    let user = cfg["users"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == ctx["context"]["user"]);
    let server = cluster["cluster"]["server"].as_str().unwrap_or("");
    let hostport = server.strip_prefix("https://").unwrap_or(server);
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "443"));
    let cloud = Cloud::read(&world.cloud)?;
    let name = if host == "127.0.0.1" || host == "localhost" {
        std::env::var(NODE_ENV).map_err(|_| refused(hostport))?
    } else if std::env::var(NODE_ENV).is_ok() {
        let s = cloud.by_public(host).or_else(|| {
            cloud.by_private(
                host,
                &cloud
                    .servers
                    .iter()
                    .flat_map(|s| s.private.iter().map(|(n, _)| *n))
                    .collect::<Vec<_>>(),
            )
        });
        s.map(|s| s.name.clone()).ok_or_else(|| refused(hostport))?
    } else {
        // From outside the private network only public addresses answer.
        cloud
            .by_public(host)
            .map(|s| s.name.clone())
            .ok_or_else(|| refused(hostport))?
    };
    if port != "6443" || !world.api_file(&name).exists() {
        return Err(refused(hostport));
    }
    let api = Api::load(world, &name)?;
    if user.and_then(|u| u["user"]["token"].as_str()) != Some(api.token.as_str()) {
        return Err(Fail::new(
            1,
            "error: You must be logged in to the server (Unauthorized)",
        ));
    }
    Ok(api)
}

/// The flags of each kubectl command (`name`, takes a value); anything else
/// is `error: unknown flag`.
fn verb_flags(verb: &str) -> Option<&'static [(&'static str, bool)]> {
    Some(match verb {
        "version" => &[("--client", false), ("-o", true), ("--output", true)],
        "get" => &[
            ("-o", true),
            ("--output", true),
            ("-l", true),
            ("--selector", true),
            ("--no-headers", false),
            ("--show-labels", false),
            ("-A", false),
            ("--all-namespaces", false),
        ],
        "wait" => &[
            ("--for", true),
            ("--timeout", true),
            ("--all", false),
            ("-l", true),
            ("--selector", true),
        ],
        "apply" => &[
            ("-f", true),
            ("--filename", true),
            ("-k", true),
            ("--kustomize", true),
            ("--server-side", false),
            ("--force-conflicts", false),
            ("--dry-run", true),
            ("-o", true),
        ],
        "create" => &[("--dry-run", true), ("-o", true), ("--output", true)],
        "logs" => &[
            ("-l", true),
            ("--selector", true),
            ("--tail", true),
            ("--all-containers", false),
            ("--prefix", false),
            ("-c", true),
            ("--container", true),
        ],
        "patch" => &[
            ("--type", true),
            ("-p", true),
            ("--patch", true),
            ("--patch-file", true),
            ("--local", false),
            ("-f", true),
            ("--filename", true),
            ("-o", true),
            ("--output", true),
        ],
        _ => return None,
    })
}

struct Args {
    verb: String,
    flags: Vec<(String, String)>,
    positional: Vec<String>,
    namespace: Option<String>,
    kubeconfig: Option<String>,
}

impl Args {
    fn get(&self, names: &[&str]) -> Option<&str> {
        self.flags
            .iter()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
    }
    fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(k, _)| k == name)
    }
    fn all(&self, names: &[&str]) -> Vec<String> {
        self.flags
            .iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn parse_kubectl(args: &[String]) -> Res<Args> {
    let mut a = Args {
        verb: String::new(),
        flags: Vec::new(),
        positional: Vec::new(),
        namespace: None,
        kubeconfig: None,
    };
    let mut i = 0;
    let mut pending = Vec::new();
    while i < args.len() {
        let s = args[i].as_str();
        if s.starts_with('-') && s.len() > 1 {
            let (flag, inline) =
                if let Some((f, v)) = s.split_once('=').filter(|_| s.starts_with("--")) {
                    (f.to_string(), Some(v.to_string()))
                } else if !s.starts_with("--") && s.len() > 2 {
                    (s[..2].to_string(), Some(s[2..].to_string()))
                } else {
                    (s.to_string(), None)
                };
            pending.push((flag, inline, i));
        } else if a.verb.is_empty() {
            a.verb = s.to_string();
        } else {
            a.positional.push(s.to_string());
        }
        i += 1;
        // a flag's value is the next word (decided once the verb is known)
        if let Some((flag, None, _)) = pending.last()
            && (matches!(flag.as_str(), "-n" | "--namespace" | "--kubeconfig")
                || verb_flags(&a.verb).is_some_and(|f| f.iter().any(|(n, v)| n == flag && *v))
                || (a.verb.is_empty() && ["-o", "-l", "-f", "-p"].contains(&flag.as_str())))
        {
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| Fail::new(1, format!("error: flag needs an argument: {flag}")))?;
            let last = pending.len() - 1;
            pending[last].1 = Some(v);
            i += 1;
        }
    }
    let Some(flags) = verb_flags(&a.verb) else {
        return Err(Fail::new(
            1,
            format!("error: unknown command \"{}\" for \"kubectl\"", a.verb),
        ));
    };
    for (flag, value, _) in pending {
        match flag.as_str() {
            "-n" | "--namespace" => a.namespace = value,
            "--kubeconfig" => a.kubeconfig = value,
            _ => match flags.iter().find(|(n, _)| *n == flag) {
                Some((_, takes)) => a.flags.push((
                    flag,
                    if *takes {
                        value.unwrap_or_default()
                    } else {
                        String::new()
                    },
                )),
                None => {
                    return Err(Fail::new(
                        1,
                        format!(
                            "error: unknown flag: {flag}\nSee 'kubectl {} --help' for usage.",
                            a.verb
                        ),
                    ));
                }
            },
        }
    }
    Ok(a)
}

/// `kubectl …` (and `k3s kubectl …`).
pub fn kubectl(args: &[String]) -> Res<u8> {
    let world = World::from_env()?;
    world.ensure_booted()?;
    let a = parse_kubectl(args)?;
    if a.flags.iter().any(|(_, v)| v == "-" || v == "/dev/stdin") {
        read_stdin();
    }
    // Commands that never talk to the server.
    if a.verb == "create" {
        return create(&world, &a);
    }
    if a.verb == "patch" && a.has("--local") {
        return patch_local(&a);
    }
    if a.verb == "version" && a.has("--client") {
        println!("Client Version: v1.34.1");
        return Ok(0);
    }
    let _lock = world.lock("api")?;
    let mut api = connect(&world, a.kubeconfig.as_deref())?;
    api.reconcile();
    let code = match a.verb.as_str() {
        "version" => {
            println!(
                "Client Version: v1.34.1\nKustomize Version: v5.7.1\nServer Version: {}",
                api.version
            );
            0
        }
        "get" => get(&api, &a)?,
        "wait" => wait(&api, &a)?,
        "apply" => apply(&mut api, &a)?,
        "patch" => patch(&mut api, &a)?,
        "logs" => logs(&api, &a)?,
        _ => unreachable!("verb_flags"),
    };
    api.reconcile();
    api.save(&world)?;
    Ok(code)
}

fn create(world: &World, a: &Args) -> Res<u8> {
    let [kind, name] = a.positional.as_slice() else {
        return Err(Fail::new(
            1,
            "rehearse-world kubectl: only `create namespace NAME` is stood in",
        ));
    };
    if kind != "namespace" && kind != "ns" {
        return Err(Fail::new(
            1,
            "rehearse-world kubectl: only `create namespace NAME` is stood in",
        ));
    }
    check_label("x", name)
        .map_err(|_| Fail::new(1, format!("The Namespace \"{name}\" is invalid")))?;
    let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    match a.get(&["--dry-run"]) {
        Some("client") => {
            match a.get(&["-o", "--output"]) {
                Some("yaml") => print!("{}", serde_yaml::to_string(&obj).unwrap_or_default()),
                Some("json") => {
                    println!("{}", serde_json::to_string_pretty(&obj).unwrap_or_default())
                }
                None => println!("namespace/{name} created (dry run)"),
                Some(o) => {
                    return Err(Fail::new(
                        1,
                        format!(
                            "error: unable to match a printer suitable for the output format \"{o}\""
                        ),
                    ));
                }
            }
            Ok(0)
        }
        Some(d) => Err(Fail::new(
            1,
            format!(
                "error: Invalid dry-run value ({d}). Must be \"none\", \"server\", or \"client\"."
            ),
        )),
        None => {
            let _lock = world.lock("api")?;
            let mut api = connect(world, a.kubeconfig.as_deref())?;
            if api.find("Namespace", None, name).is_some() {
                return Err(Fail::new(
                    1,
                    format!(
                        "Error from server (AlreadyExists): namespaces \"{name}\" already exists"
                    ),
                ));
            }
            api.objects.push(obj);
            api.log
                .push(json!({"verb": "create", "kind": "Namespace", "name": name}));
            api.save(world)?;
            println!("namespace/{name} created");
            Ok(0)
        }
    }
}

/// Standard input, read once (before the API's lock is taken: the writer
/// of a pipe into kubectl may be another kubectl waiting for that lock).
static STDIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn read_stdin() -> String {
    STDIN
        .get_or_init(|| {
            let mut s = String::new();
            let _ = std::io::stdin().read_to_string(&mut s);
            s
        })
        .clone()
}

fn read_source(src: &str) -> Res<String> {
    if src == "-" || src == "/dev/stdin" {
        Ok(read_stdin())
    } else if src.contains("://") {
        Err(Fail::new(
            1,
            format!(
                "error: unable to read URL \"{src}\" (rehearse-world: kubectl fetches no URL; pipe it from curl)"
            ),
        ))
    } else {
        fs::read_to_string(src)
            .map_err(|_| Fail::new(1, format!("error: the path \"{src}\" does not exist")))
    }
}

fn docs(text: &str) -> Res<Vec<Value>> {
    let mut out = Vec::new();
    for d in serde_yaml::Deserializer::from_str(text) {
        let v = serde_yaml::Value::deserialize(d)
            .map_err(|e| Fail::new(1, format!("error: error parsing: {e}")))?;
        if v.is_null() {
            continue;
        }
        let j: Value = serde_json::to_value(&v).map_err(|e| Fail::new(1, e.to_string()))?;
        if j["kind"] == "List" {
            out.extend(j["items"].as_array().cloned().unwrap_or_default());
        } else {
            out.push(j);
        }
    }
    Ok(out)
}

/// Known `apply -k` sources: the ArgoCD operator's kustomization.
fn kustomization(src: &str) -> Res<Vec<Value>> {
    if src.starts_with("https://github.com/argoproj-labs/argocd-operator/config/default?ref=") {
        let crd = |plural: &str, kind: &str, versions: &[&str]| {
            json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": format!("{plural}.argoproj.io")},
                "spec": {"group": "argoproj.io", "scope": "Namespaced", "names": {"kind": kind, "plural": plural, "singular": kind.to_ascii_lowercase()},
                         "versions": versions.iter().map(|v| json!({"name": v, "served": true})).collect::<Vec<_>>()}
            })
        };
        return Ok(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "argocd-operator-system"}}),
            crd("argocds", "ArgoCD", &["v1alpha1", "v1beta1"]),
            crd("applications", "Application", &["v1alpha1"]),
            crd("appprojects", "AppProject", &["v1alpha1"]),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "argocd-operator-controller-manager", "namespace": "argocd-operator-system"}, "spec": {"template": {"spec": {}}}}),
        ]);
    }
    Err(Fail::new(
        1,
        format!("error: rehearse-world kubectl: no stand-in for the kustomization {src}"),
    ))
}

fn apply(api: &mut Api, a: &Args) -> Res<u8> {
    if a.has("--force-conflicts") && !a.has("--server-side") {
        return Err(Fail::new(
            1,
            "error: --force-conflicts only works with --server-side",
        ));
    }
    if let Some(d) = a.get(&["--dry-run"])
        && !["none", "server", "client"].contains(&d)
    {
        return Err(Fail::new(1, format!("error: Invalid dry-run value ({d}).")));
    }
    let mut objects = Vec::new();
    let files = a.all(&["-f", "--filename"]);
    let kust = a.all(&["-k", "--kustomize"]);
    if files.is_empty() == kust.is_empty() {
        return Err(Fail::new(1, "error: must specify one of -f and -k"));
    }
    for f in files {
        objects.extend(docs(&read_source(&f)?)?);
    }
    for k in kust {
        objects.extend(kustomization(&k)?);
    }
    if !a.positional.is_empty() {
        return Err(Fail::new(
            1,
            format!("error: Unexpected args: {:?}", a.positional),
        ));
    }
    for mut obj in objects {
        let kinds = api.kinds();
        let api_version = obj["apiVersion"].as_str().unwrap_or("").to_string();
        let kind_name = obj["kind"].as_str().unwrap_or("").to_string();
        let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
        if name.is_empty() {
            return Err(Fail::new(
                1,
                "error: error when retrieving current configuration: resource name may not be empty",
            ));
        }
        let Some(kind) = kinds
            .iter()
            .find(|k| k.kind == kind_name && k.api_versions().contains(&api_version))
        else {
            return Err(Fail::new(
                1,
                format!(
                    "error: resource mapping not found for name: \"{name}\" namespace: \"{}\" from \"STDIN\": no matches for kind \"{kind_name}\" in version \"{api_version}\"\nensure CRDs are installed first",
                    a.namespace.as_deref().unwrap_or("")
                ),
            ));
        };
        let ns = if kind.namespaced {
            let from_obj = obj["metadata"]["namespace"].as_str().map(str::to_string);
            match (&from_obj, &a.namespace) {
                (Some(o), Some(n)) if o != n => {
                    return Err(Fail::new(
                        1,
                        format!(
                            "error: the namespace from the provided object \"{o}\" does not match the namespace \"{n}\". You must pass '--namespace={o}' to perform this operation."
                        ),
                    ));
                }
                _ => {}
            }
            let ns = from_obj
                .or(a.namespace.clone())
                .unwrap_or_else(|| "default".into());
            if api.find("Namespace", None, &ns).is_none() {
                return Err(Fail::new(
                    1,
                    format!(
                        "Error from server (NotFound): error when creating \"STDIN\": namespaces \"{ns}\" not found"
                    ),
                ));
            }
            obj["metadata"]["namespace"] = json!(ns);
            Some(ns)
        } else {
            if let Some(m) = obj["metadata"].as_object_mut() {
                m.remove("namespace");
            }
            None
        };
        if kind_name == "Secret" && obj["type"] == "kubernetes.io/dockerconfigjson" {
            check_docker_config(&obj, &name)?;
        }
        if kind_name == "Kafka" || kind_name == "KafkaNodePool" || kind_name == "KafkaTopic" {
            let problems = super::strimzi::check(&obj);
            if !problems.is_empty() {
                return Err(Fail::new(
                    1,
                    format!(
                        "The {kind_name} \"{name}\" is invalid: {}",
                        problems.join(", ")
                    ),
                ));
            }
        }
        let verb = match api.find(&kind_name, ns.as_deref(), &name) {
            Some(i) => {
                api.objects[i] = obj;
                "configured"
            }
            None => {
                api.objects.push(obj);
                "created"
            }
        };
        api.log.push(json!({"verb": "apply", "kind": kind_name, "apiVersion": api_version, "namespace": ns, "name": name, "server_side": a.has("--server-side")}));
        let group = if kind.group.is_empty() {
            String::new()
        } else {
            format!(".{}", kind.group)
        };
        println!(
            "{}{group}/{name} {}",
            kind_name.to_ascii_lowercase(),
            if a.has("--server-side") {
                "serverside-applied"
            } else {
                verb
            }
        );
    }
    Ok(0)
}

/// A `kubernetes.io/dockerconfigjson` Secret as the API server validates
/// it: `.dockerconfigjson` (in `data`, base64, or `stringData`) is a JSON
/// object with `auths`; each entry, as kubelet reads it, needs a user name
/// and password, and an `auth` that is base64 of `user:password`.
fn check_docker_config(obj: &Value, name: &str) -> Res<()> {
    let invalid = |why: &str| {
        Fail::new(
            1,
            format!(
                "The Secret \"{name}\" is invalid: data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": {why}"
            ),
        )
    };
    let text = match (
        obj["stringData"][".dockerconfigjson"].as_str(),
        obj["data"][".dockerconfigjson"].as_str(),
    ) {
        (Some(s), _) => s.to_string(),
        (None, Some(d)) => {
            String::from_utf8(base64_decode(d).ok_or_else(|| invalid("not base64"))?)
                .map_err(|_| invalid("not UTF-8"))?
        }
        (None, None) => return Err(invalid("required value")),
    };
    let config: Value =
        serde_json::from_str(&text).map_err(|e| invalid(&format!("invalid JSON: {e}")))?;
    let auths = config["auths"]
        .as_object()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| invalid("no auths"))?;
    for (server, a) in auths {
        let (Some(user), Some(pass), Some(auth)) = (
            a["username"].as_str(),
            a["password"].as_str(),
            a["auth"].as_str(),
        ) else {
            return Err(invalid(&format!(
                "{server}: username, password and auth are required"
            )));
        };
        if user.is_empty() || pass.is_empty() {
            return Err(invalid(&format!("{server}: empty username or password")));
        }
        if base64_decode(auth).as_deref() != Some(format!("{user}:{pass}").as_bytes()) {
            return Err(invalid(&format!(
                "{server}: auth is not base64 of username:password"
            )));
        }
    }
    Ok(())
}

/// Standard base64 with padding (what `jq @base64` and kubectl write).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let s = s.as_bytes();
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for (i, chunk) in s.chunks(4).enumerate() {
        let last = i == s.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n: u32 = 0;
        for &c in &chunk[..4 - pad] {
            n = n << 6 | ABC.iter().position(|&a| a == c)? as u32;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

fn selector_matches(sel: &str, labels: &BTreeMap<String, String>) -> Res<bool> {
    for term in sel.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let ok = if let Some((k, v)) = term.split_once("!=") {
            labels.get(k.trim()).map(String::as_str) != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            check_label(k.trim(), v.trim())
                .map_err(|e| Fail::new(1, format!("error: unable to parse requirement: {e}")))?;
            labels.get(k.trim()).map(String::as_str) == Some(v.trim())
        } else if let Some(k) = term.strip_prefix('!') {
            !labels.contains_key(k)
        } else {
            labels.contains_key(term)
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn obj_labels(o: &Value) -> BTreeMap<String, String> {
    o["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
        .collect()
}

fn get(api: &Api, a: &Args) -> Res<u8> {
    let output = a.get(&["-o", "--output"]);
    if let Some(o) = output
        && !["wide", "yaml", "json", "name"].contains(&o)
    {
        return Err(Fail::new(
            1,
            format!(
                "error: unable to match a printer suitable for the output format \"{o}\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"
            ),
        ));
    }
    let selector = a.get(&["-l", "--selector"]);
    let Some(what) = a.positional.first() else {
        return Err(Fail::new(
            1,
            "error: you must specify the type of resource to get.",
        ));
    };
    let headers = !a.has("--no-headers");
    let mut found_any = false;
    let mut items = Vec::new();
    for part in what.split(',') {
        let kind = api.resolve(part)?;
        if kind.kind == "Node" {
            let mut rows = Vec::new();
            for n in &api.nodes {
                let labels = Api::node_labels(n);
                if let Some(sel) = selector
                    && !selector_matches(sel, &labels)?
                {
                    continue;
                }
                if let Some(name) = a.positional.get(1)
                    && name != &n.name
                {
                    continue;
                }
                items.push(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": n.name, "labels": labels},
                    "spec": {"taints": n.taints.iter().map(|t| json!({"key": t.key, "value": t.value, "effect": t.effect})).collect::<Vec<_>>()},
                    "status": {"addresses": [{"type": "InternalIP", "address": n.internal_ip}, {"type": "ExternalIP", "address": n.external_ip}]}}));
                let roles: Vec<&str> = labels
                    .keys()
                    .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                    .collect();
                let mut row = vec![
                    n.name.clone(),
                    "Ready".into(),
                    if roles.is_empty() {
                        "<none>".into()
                    } else {
                        roles.join(",")
                    },
                    "1m".into(),
                    n.version.clone(),
                ];
                if output == Some("wide") {
                    row.extend([
                        n.internal_ip.clone(),
                        n.external_ip.clone().unwrap_or("<none>".into()),
                        "Ubuntu 24.04 LTS".into(),
                        "6.8.0-generic".into(),
                        "containerd://2.1.4-k3s1".into(),
                    ]);
                }
                if a.has("--show-labels") {
                    row.push(
                        labels
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(","),
                    );
                }
                rows.push(row);
            }
            let mut head = vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"];
            if output == Some("wide") {
                head.extend([
                    "INTERNAL-IP",
                    "EXTERNAL-IP",
                    "OS-IMAGE",
                    "KERNEL-VERSION",
                    "CONTAINER-RUNTIME",
                ]);
            }
            if a.has("--show-labels") {
                head.push("LABELS");
            }
            found_any |= !rows.is_empty();
            if output.is_none() || output == Some("wide") {
                table(&head, &rows, headers);
            }
            continue;
        }
        let ns = a.namespace.clone().unwrap_or_else(|| "default".into());
        let mut rows = Vec::new();
        for o in api
            .objects
            .iter()
            .filter(|o| o["kind"] == kind.kind.as_str())
        {
            if kind.namespaced && !a.has("-A") && o["metadata"]["namespace"] != ns.as_str() {
                continue;
            }
            if let Some(sel) = selector
                && !selector_matches(sel, &obj_labels(o))?
            {
                continue;
            }
            if let Some(name) = a.positional.get(1)
                && o["metadata"]["name"] != name.as_str()
            {
                continue;
            }
            items.push(o.clone());
            let status = o["status"]["conditions"][0]["status"]
                .as_str()
                .or(o["status"]["phase"].as_str())
                .unwrap_or("")
                .to_string();
            rows.push(vec![
                o["metadata"]["name"].as_str().unwrap_or("").to_string(),
                status,
                "1m".into(),
            ]);
        }
        found_any |= !rows.is_empty();
        if (output.is_none() || output == Some("wide")) && !rows.is_empty() {
            table(&["NAME", "STATUS", "AGE"], &rows, headers);
        }
    }
    match output {
        Some("yaml") => print!(
            "{}",
            serde_yaml::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
                .unwrap_or_default()
        ),
        Some("json") => println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"apiVersion": "v1", "kind": "List", "items": items})
            )
            .unwrap_or_default()
        ),
        Some("name") => {
            for i in &items {
                println!(
                    "{}/{}",
                    i["kind"].as_str().unwrap_or("").to_ascii_lowercase(),
                    i["metadata"]["name"].as_str().unwrap_or("")
                );
            }
        }
        _ => {
            if !found_any {
                eprintln!(
                    "No resources found{}.",
                    if a.namespace.is_some() {
                        format!(" in {} namespace", a.namespace.as_deref().unwrap_or(""))
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    Ok(0)
}

fn table(head: &[&str], rows: &[Vec<String>], headers: bool) {
    let mut widths: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}   ", w = widths[i]));
            }
        }
        println!("{s}");
    };
    if headers && !rows.is_empty() {
        line(head.to_vec());
    }
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

/// `kubectl wait`: the fake API changes only when something is applied, so
/// a condition not met now is never met: the timeout's error at once.
fn wait(api: &Api, a: &Args) -> Res<u8> {
    let cond = a
        .get(&["--for"])
        .ok_or_else(|| Fail::new(1, "error: --for must be specified"))?;
    if let Some(t) = a.get(&["--timeout"])
        && !t.ends_with(['s', 'm', 'h'])
    {
        return Err(Fail::new(
            1,
            format!(
                "error: invalid argument \"{t}\" for \"--timeout\" flag: time: missing unit in duration \"{t}\""
            ),
        ));
    }
    let Some(target) = a.positional.first() else {
        return Err(Fail::new(
            1,
            "error: resource(s) were provided, but no name was specified",
        ));
    };
    let (what, name) = target
        .split_once('/')
        .map_or((target.as_str(), None), |(w, n)| (w, Some(n)));
    if name.is_none() && !a.has("--all") && a.positional.len() < 2 && a.get(&["-l"]).is_none() {
        return Err(Fail::new(
            1,
            "error: resource(s) were provided, but no name was specified",
        ));
    }
    let name = name.or(a.positional.get(1).map(String::as_str));
    let kind = api.resolve(what)?;
    let ns = a.namespace.clone().unwrap_or_else(|| "default".into());
    let objects: Vec<Value> = if kind.kind == "Node" {
        api.nodes.iter().map(|n| json!({"kind": "Node", "metadata": {"name": n.name}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}})).collect()
    } else {
        api.objects
            .iter()
            .filter(|o| {
                o["kind"] == kind.kind.as_str()
                    && (!kind.namespaced || o["metadata"]["namespace"] == ns.as_str())
            })
            .cloned()
            .collect()
    };
    let selector = a.get(&["-l", "--selector"]);
    let mut matching = Vec::new();
    for o in &objects {
        if name.is_some_and(|n| o["metadata"]["name"] != n) {
            continue;
        }
        if let Some(sel) = selector
            && !selector_matches(sel, &obj_labels(o))?
        {
            continue;
        }
        matching.push(o);
    }
    let objects = matching;
    if objects.is_empty() {
        return Err(Fail::new(
            1,
            match name {
                Some(n) => format!(
                    "Error from server (NotFound): {}.{} \"{n}\" not found",
                    kind.plural, kind.group
                ),
                None => "error: no matching resources found".to_string(),
            },
        ));
    }
    let lower = kind.kind.to_ascii_lowercase();
    for o in objects {
        let oname = o["metadata"]["name"].as_str().unwrap_or("");
        let met = if let Some(c) = cond.strip_prefix("condition=") {
            let (c, want) = c.split_once('=').unwrap_or((c, "True"));
            o["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|x| {
                    x["type"]
                        .as_str()
                        .is_some_and(|t| t.eq_ignore_ascii_case(c))
                        && x["status"]
                            .as_str()
                            .is_some_and(|s| s.eq_ignore_ascii_case(want))
                })
        } else if let Some(j) = cond.strip_prefix("jsonpath=") {
            let (path, want) = j.rsplit_once('=').ok_or_else(|| Fail::new(1, "error: jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3"))?;
            let path = path
                .trim_matches('\'')
                .strip_prefix('{')
                .and_then(|p| p.strip_suffix('}'))
                .ok_or_else(|| Fail::new(1, format!("error: unrecognized jsonpath {path}")))?;
            let mut v = o;
            for seg in path.trim_start_matches('.').split('.') {
                v = &v[seg];
            }
            v.as_str() == Some(want)
        } else {
            return Err(Fail::new(
                1,
                format!("error: unrecognized condition: \"{cond}\""),
            ));
        };
        if met {
            let group = if kind.group.is_empty() {
                String::new()
            } else {
                format!(".{}", kind.group)
            };
            println!("{lower}{group}/{oname} condition met");
        } else {
            return Err(Fail::new(
                1,
                format!(
                    "error: timed out waiting for the condition on {}/{oname}{}",
                    kind.plural,
                    o["status"]["conditions"][0]["message"]
                        .as_str()
                        .filter(|m| !m.is_empty())
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    Ok(0)
}

/// `kubectl logs -l SELECTOR [--tail N] [--all-containers] [--prefix]`: the
/// fake API runs no containers, so each Deployment the selector matches
/// stands for its pod and logs one line saying so.
fn logs(api: &Api, a: &Args) -> Res<u8> {
    let ns = a.namespace.clone().unwrap_or_else(|| "default".into());
    let Some(sel) = a.get(&["-l", "--selector"]) else {
        return Err(Fail::new(
            1,
            "rehearse-world kubectl: only `logs -l SELECTOR` is stood in",
        ));
    };
    if let Some(t) = a.get(&["--tail"])
        && t.parse::<i64>().is_err()
    {
        return Err(Fail::new(
            1,
            format!(
                "error: invalid argument \"{t}\" for \"--tail\" flag: strconv.ParseInt: parsing \"{t}\": invalid syntax"
            ),
        ));
    }
    let mut found = false;
    for o in &api.objects {
        if o["kind"] != "Deployment" || o["metadata"]["namespace"] != ns.as_str() {
            continue;
        }
        let labels = o["spec"]["template"]["metadata"]["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_else(|| obj_labels(o));
        if !selector_matches(sel, &labels)? {
            continue;
        }
        found = true;
        let name = o["metadata"]["name"].as_str().unwrap_or("");
        let prefix = if a.has("--prefix") {
            format!("[pod/{name}-0/{name}] ")
        } else {
            String::new()
        };
        println!("{prefix}rehearsal: {name} is running in {ns}");
    }
    if !found {
        eprintln!("No resources found in {ns} namespace.");
    }
    Ok(0)
}

fn patch_local(a: &Args) -> Res<u8> {
    let file = a
        .get(&["-f", "--filename"])
        .ok_or_else(|| Fail::new(1, "error: --local requires -f"))?;
    let mut objs = docs(&read_source(file)?)?;
    let [obj] = objs.as_mut_slice() else {
        return Err(Fail::new(
            1,
            "rehearse-world kubectl: patch --local of one object",
        ));
    };
    apply_patch(obj, a)?;
    match a.get(&["-o", "--output"]) {
        Some("yaml") => print!("{}", serde_yaml::to_string(&obj).unwrap_or_default()),
        Some("json") => println!("{}", serde_json::to_string_pretty(&obj).unwrap_or_default()),
        _ => println!(
            "{}/{} patched",
            obj["kind"].as_str().unwrap_or("").to_ascii_lowercase(),
            obj["metadata"]["name"].as_str().unwrap_or("")
        ),
    }
    Ok(0)
}

fn apply_patch(obj: &mut Value, a: &Args) -> Res<()> {
    let text = match (a.get(&["-p", "--patch"]), a.get(&["--patch-file"])) {
        (Some(p), None) => p.to_string(),
        (None, Some(f)) => read_source(f)?,
        _ => {
            return Err(Fail::new(
                1,
                "error: must specify --patch or --patch-file containing the contents of the patch",
            ));
        }
    };
    let patch: Value = serde_json::from_str(&text)
        .or_else(|_| serde_yaml::from_str(&text))
        .map_err(|e| Fail::new(1, format!("error: unable to parse \"{text}\": {e}")))?;
    match a.get(&["--type"]).unwrap_or("strategic") {
        "json" => {
            for op in patch
                .as_array()
                .ok_or_else(|| Fail::new(1, "error: json patch is not a list"))?
            {
                let path = op["path"].as_str().unwrap_or("");
                let segs: Vec<String> = path
                    .split('/')
                    .skip(1)
                    .map(|s| s.replace("~1", "/").replace("~0", "~"))
                    .collect();
                let Some((last, parents)) = segs.split_last() else {
                    return Err(Fail::new(1, "error: empty json patch path"));
                };
                let mut t = &mut *obj;
                for s in parents {
                    t = match t {
                        Value::Object(m) => m.get_mut(s),
                        Value::Array(v) => s.parse::<usize>().ok().and_then(|i| v.get_mut(i)),
                        _ => None,
                    }
                    .ok_or_else(|| Fail::new(1, format!("error: unable to apply patch: doc is missing path: \"{path}\": missing value")))?;
                }
                match (op["op"].as_str(), t) {
                    (Some("add" | "replace"), Value::Object(m)) => {
                        m.insert(last.clone(), op["value"].clone());
                    }
                    (Some("add" | "replace"), Value::Array(v)) if last == "-" => {
                        v.push(op["value"].clone())
                    }
                    (Some(o), _) => {
                        return Err(Fail::new(
                            1,
                            format!(
                                "rehearse-world kubectl: json patch op {o} at {path} is not stood in"
                            ),
                        ));
                    }
                    (None, _) => return Err(Fail::new(1, "error: json patch op missing")),
                }
            }
        }
        "merge" => merge(obj, &patch),
        "strategic" => strategic_merge(obj, &patch),
        t => {
            return Err(Fail::new(
                1,
                format!("error: --type must be one of [json merge strategic], not \"{t}\""),
            ));
        }
    }
    Ok(())
}

/// A JSON merge patch (RFC 7386).
fn merge(target: &mut Value, patch: &Value) {
    merge_patch(target, patch, false);
}

/// A strategic merge patch, as far as the workflows use one: a merge patch
/// in which a list of objects that all carry `name` (containers, env) is
/// merged by name — an entry of the patch updates the target's entry of that
/// name, or is appended — instead of replacing the list.
fn strategic_merge(target: &mut Value, patch: &Value) {
    merge_patch(target, patch, true);
}

fn merge_patch(target: &mut Value, patch: &Value, strategic: bool) {
    let named = |v: &Vec<Value>| v.iter().all(|e| e["name"].is_string());
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v, strategic);
                }
            }
        }
        (Value::Array(t), Value::Array(p)) if strategic && named(t) && named(p) => {
            for e in p {
                match t.iter_mut().find(|x| x["name"] == e["name"]) {
                    Some(x) => merge_patch(x, e, strategic),
                    None => t.push(e.clone()),
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn patch(api: &mut Api, a: &Args) -> Res<u8> {
    let [what, name] = a.positional.as_slice() else {
        return Err(Fail::new(1, "error: patch needs TYPE NAME"));
    };
    let kind = api.resolve(what)?;
    let ns = kind
        .namespaced
        .then(|| a.namespace.clone().unwrap_or_else(|| "default".into()));
    let i = api.find(&kind.kind, ns.as_deref(), name).ok_or_else(|| {
        Fail::new(
            1,
            format!(
                "Error from server (NotFound): {} \"{name}\" not found",
                kind.plural
            ),
        )
    })?;
    let mut obj = api.objects[i].clone();
    apply_patch(&mut obj, a)?;
    api.objects[i] = obj;
    api.log
        .push(json!({"verb": "patch", "kind": kind.kind, "namespace": ns, "name": name}));
    println!("{}/{name} patched", kind.kind.to_ascii_lowercase());
    Ok(0)
}

/// The charts `helm` can install: (repository, chart).
const CHARTS: &[(&str, &str)] = &[
    ("https://traefik.github.io/charts", "traefik"),
    (
        "https://prometheus-community.github.io/helm-charts",
        "kube-prometheus-stack",
    ),
    ("https://grafana.github.io/helm-charts", "grafana-operator"),
];

/// The CRDs a chart installs (from its `crds/`): (plural, group, kind).
fn chart_crds(chart: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match chart {
        "kube-prometheus-stack" => &[
            ("prometheuses", "monitoring.coreos.com", "Prometheus"),
            ("servicemonitors", "monitoring.coreos.com", "ServiceMonitor"),
            ("podmonitors", "monitoring.coreos.com", "PodMonitor"),
            ("prometheusrules", "monitoring.coreos.com", "PrometheusRule"),
            ("alertmanagers", "monitoring.coreos.com", "Alertmanager"),
        ],
        "grafana-operator" => &[
            ("grafanas", "grafana.integreatly.org", "Grafana"),
            (
                "grafanadashboards",
                "grafana.integreatly.org",
                "GrafanaDashboard",
            ),
            (
                "grafanadatasources",
                "grafana.integreatly.org",
                "GrafanaDatasource",
            ),
        ],
        _ => &[],
    }
}

/// `helm upgrade --install NAME CHART --repo URL --version V --namespace NS
/// [--create-namespace] [--set k=v]…`: records the release, creates the
/// namespace and the chart's Deployment.
pub fn helm(args: &[String]) -> Res<u8> {
    let world = World::from_env()?;
    world.ensure_booted()?;
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut pos = Vec::new();
    let mut i = 0;
    const VALUED: &[&str] = &[
        "--repo",
        "--version",
        "--namespace",
        "-n",
        "--set",
        "--kubeconfig",
        "--timeout",
    ];
    const BOOL: &[&str] = &[
        "--install",
        "-i",
        "--create-namespace",
        "--wait",
        "--atomic",
    ];
    while i < args.len() {
        let s = &args[i];
        if let Some(f) = s
            .strip_prefix("--")
            .map(|_| s.as_str())
            .or((s.starts_with('-') && s.len() == 2).then_some(s.as_str()))
        {
            let (f, inline) = f.split_once('=').map_or((f.to_string(), None), |(a, b)| {
                (a.to_string(), Some(b.to_string()))
            });
            if VALUED.contains(&f.as_str()) {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i).cloned().ok_or_else(|| {
                            Fail::new(1, format!("Error: flag needs an argument: {f}"))
                        })?
                    }
                };
                flags.push((f, v));
            } else if BOOL.contains(&f.as_str()) {
                flags.push((f, String::new()));
            } else {
                return Err(Fail::new(1, format!("Error: unknown flag: {f}")));
            }
        } else {
            pos.push(s.clone());
        }
        i += 1;
    }
    let get = |n: &[&str]| {
        flags
            .iter()
            .find(|(k, _)| n.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
    };
    let has = |n: &str| flags.iter().any(|(k, _)| k == n);
    match pos.first().map(String::as_str) {
        Some("version") => {
            println!("version.BuildInfo{{Version:\"v3.19.0\"}}");
            return Ok(0);
        }
        Some("upgrade") if has("--install") || has("-i") => {}
        Some("upgrade") => {
            return Err(Fail::new(
                1,
                "rehearse-world helm: only `upgrade --install` is stood in",
            ));
        }
        Some(c) => {
            return Err(Fail::new(
                1,
                format!("Error: unknown command \"{c}\" for \"helm\""),
            ));
        }
        None => return Err(Fail::new(1, "Error: a command is required")),
    }
    let [_, release, chart] = pos.as_slice() else {
        return Err(Fail::new(
            1,
            "Error: \"helm upgrade\" requires 2 arguments".to_string(),
        ));
    };
    let repo = get(&["--repo"]).unwrap_or_default();
    if !CHARTS.contains(&(repo.as_str(), chart.as_str())) {
        return Err(Fail::new(
            1,
            format!("Error: chart \"{chart}\" not found in {repo} repository"),
        ));
    }
    let version = get(&["--version"])
        .ok_or_else(|| Fail::new(1, "rehearse-world helm: an unpinned chart (no --version)"))?;
    let ns = get(&["--namespace", "-n"]).unwrap_or_else(|| "default".into());
    let sets: Vec<String> = flags
        .iter()
        .filter(|(k, _)| k == "--set")
        .map(|(_, v)| v.clone())
        .collect();
    for s in &sets {
        if !s.contains('=') {
            return Err(Fail::new(
                1,
                format!("Error: failed parsing --set data: key \"{s}\" has no value"),
            ));
        }
    }
    let _lock = world.lock("api")?;
    let mut api = connect(&world, get(&["--kubeconfig"]).as_deref())?;
    if api.find("Namespace", None, &ns).is_none() {
        if !has("--create-namespace") {
            return Err(Fail::new(
                1,
                format!("Error: create: failed to create: namespaces \"{ns}\" not found"),
            ));
        }
        api.objects
            .push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    }
    api.releases
        .retain(|r| !(r["name"] == release.as_str() && r["namespace"] == ns.as_str()));
    api.releases.push(json!({"name": release, "namespace": ns, "chart": chart, "version": version, "repo": repo, "set": sets}));
    if api.find("Deployment", Some(&ns), chart).is_none() {
        api.objects.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": chart, "namespace": ns, "labels": {"app.kubernetes.io/instance": release, "app.kubernetes.io/name": chart}}, "spec": {"template": {"spec": {}}}}));
    }
    // Helm installs a chart's CRDs first and never upgrades them.
    for (plural, group, kind) in chart_crds(chart) {
        let name = format!("{plural}.{group}");
        if api.find("CustomResourceDefinition", None, &name).is_none() {
            api.objects.push(json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": name},
                "spec": {"group": group, "scope": "Namespaced",
                    "names": {"kind": kind, "plural": plural, "singular": kind.to_ascii_lowercase()},
                    "versions": [{"name": "v1", "served": true, "storage": true}]}
            }));
        }
    }
    api.log.push(json!({"verb": "helm-install", "name": release, "namespace": ns, "chart": chart, "version": version}));
    api.reconcile();
    api.save(&world)?;
    println!(
        "Release \"{release}\" has been upgraded. Happy Helming!\nNAME: {release}\nNAMESPACE: {ns}\nSTATUS: deployed"
    );
    Ok(0)
}
