//! The typed model of `cluster.kdl`.
//!
//! [`lower`] turns the KDL document into one [`Topology`] per environment
//! (the base with the environment's overlay merged in, see [`merge`]). Every
//! value a rule can blame carries the [`Span`] it came from.
//!
//! **Architecture invariant:** `model/` knows nothing of templates or files.

pub(crate) mod catalog;
pub mod fastkdl;
pub mod leaves;
pub mod lower;
pub(crate) mod merge;
pub(crate) mod path;
pub(crate) mod resolve;
pub(crate) mod schema;
pub(crate) mod syntax;

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

pub(crate) use crate::diag::Span;
pub(crate) use resolve::DEPLOY_KEY_SUFFIX;
pub use resolve::Resolved;

/// A value and the place in `cluster.kdl` it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written (or, for a default, the node that omits it).
    pub(crate) span: Span,
}

impl<T> Spanned<T> {
    /// A spanned value.
    pub(crate) fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }

    /// `f` of the value, at the same place.
    pub(crate) fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Spanned<U> {
        Spanned::new(f(&self.value), self.span)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Every environment of the cluster, resolved. What the emitters render.
#[derive(Clone, Debug)]
pub struct Project {
    /// One topology per `environment` block, in file order.
    pub envs: Vec<Topology>,
    /// Where the build writes.
    pub output: Output,
    /// `topogen git=… rev=…`: the topogen the drift check installs.
    pub topogen: Option<Pin>,
}

/// `topogen git=… rev=…`: a commit of topogen's git repository.
#[derive(Clone, Debug)]
pub struct Pin {
    /// An `https://` URL.
    pub git: Spanned<String>,
    /// A full 40-hex commit hash, lowercase.
    pub rev: Spanned<String>,
    /// `plan-comment=#true`: the drift check comments the plan on the pull request.
    pub plan_comment: bool,
}

/// Where topogen's sources live, unless `topogen git=…` says otherwise.
pub(crate) const TOPOGEN_GIT: &str = "https://github.com/trading-cz/topogen";

/// `output dir=… workflows=…`: where the build writes, relative to cluster.kdl's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The output directory (default `generated`).
    pub dir: String,
    /// An out-of-tree directory for the GitHub workflows, if any.
    pub(crate) workflows: Option<String>,
    /// What topogen writes of the Terraform side (`output terraform=…`).
    pub(crate) terraform: Spanned<TerraformShape>,
}

/// `output terraform=…`: the generated root module with its tfvars, or the
/// tfvars alone for a team's own module.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum TerraformShape {
    /// `module` (the default): `terraform/` (the root module) and the tfvars it reads.
    #[default]
    Module,
    /// `tfvars-only`: the tfvars alone, shaped for today's hand-written module.
    TfvarsOnly,
}

impl Default for Output {
    fn default() -> Self {
        Self {
            dir: "generated".to_owned(),
            workflows: None,
            terraform: Spanned::new(TerraformShape::Module, Span::new(0, 0)),
        }
    }
}

/// The cluster as one environment sees it: the base with the overlay applied.
#[derive(Clone, Debug)]
pub struct Topology {
    /// Which environment this is.
    pub env: Environment,
    /// The cluster name (`cluster NAME`).
    pub(crate) cluster: Spanned<String>,
    /// Hetzner Cloud placement.
    pub hetzner: Hetzner,
    /// Pinned tool and operator versions.
    pub versions: Versions,
    /// The private network and subnet.
    pub(crate) network: Network,
    /// Named host-offset ranges inside the subnet.
    pub(crate) ip_plan: Vec<IpRange>,
    /// Node pools, in file order.
    pub pools: Vec<Pool>,
    /// The Strimzi Kafka cluster, if any.
    pub(crate) kafka: Option<Kafka>,
    /// Scheduling profiles for apps.
    pub profiles: Vec<Profile>,
    /// Traefik's NodePorts.
    pub(crate) ingress: Ingress,
    /// Inbound firewall rules.
    pub(crate) firewall: Vec<FirewallRule>,
    /// The `firewall` node's name, when the topology has one.
    pub(crate) firewall_span: Option<Span>,
    /// Server types and prices.
    pub(crate) catalog: catalog::Catalog,
    /// When the cluster runs, for cost figures and the destroy schedule.
    pub(crate) schedule: Schedule,
    /// Where ArgoCD bootstraps from.
    pub gitops: GitOps,
    /// Private container registries and the namespaces that pull from them.
    pub(crate) registries: Vec<Registry>,
    /// The monitoring stack, when declared.
    pub(crate) monitoring: Option<Monitoring>,
    /// GitHub Actions secrets, by name.
    pub(crate) secrets: Vec<Secret>,
    /// The project's `output terraform=` (one for every environment), for the
    /// rules that depend on who numbers the servers.
    pub(crate) terraform: Spanned<TerraformShape>,
    /// Spans of values that failed to lower and hold a placeholder, sorted: a
    /// rule skips what it would derive from one (see [`Topology::is_invalid`]).
    pub(crate) invalid: Vec<Span>,
}

/// An environment (`environment NAME`).
#[derive(Clone, Debug)]
pub struct Environment {
    /// Its name, e.g. `dev`.
    pub name: Spanned<String>,
    /// `production=#true`: stricter rules apply.
    pub(crate) production: Spanned<bool>,
    /// `approval="…"`: the GitHub deployment environment whose protection
    /// rules gate the provision job.
    pub(crate) approval: Option<Spanned<String>>,
    /// The whole `environment` node.
    pub(crate) span: Span,
}

/// `hetzner location=… datacenter=… network-zone=… image=…`.
#[derive(Clone, Debug)]
pub struct Hetzner {
    /// Location, e.g. `nbg1`.
    pub(crate) location: Spanned<String>,
    /// Datacenter, e.g. `nbg1-dc3` (Primary IPs are bound to one).
    pub datacenter: Spanned<String>,
    /// Network zone, e.g. `eu-central`.
    pub(crate) network_zone: Spanned<String>,
    /// OS image, e.g. `ubuntu-22.04`.
    pub(crate) image: Spanned<String>,
}

/// `versions { … }`: every pinned version.
#[derive(Clone, Debug)]
pub struct Versions {
    /// Terraform `required_version` constraint, e.g. `>= 1.13`.
    pub(crate) terraform: Spanned<String>,
    /// The Terraform CLI the workflows install, e.g. `1.13.4`.
    pub(crate) terraform_cli: Spanned<String>,
    /// hcloud provider constraint, e.g. `~> 1.54`.
    pub(crate) hcloud_provider: Spanned<String>,
    /// hcloud CLI the workflows install, e.g. `v1.47.0`.
    pub hcloud_cli: Spanned<String>,
    /// K3s release, e.g. `v1.34.1+k3s1`.
    pub(crate) k3s: Spanned<String>,
    /// Helm release installed on the control plane.
    pub(crate) helm: Spanned<String>,
    /// Traefik Helm chart version.
    pub(crate) traefik_chart: Spanned<String>,
    /// Strimzi operator release.
    pub(crate) strimzi: Spanned<String>,
    /// Kafka version run by Strimzi.
    pub(crate) kafka: Spanned<String>,
    /// ArgoCD operator release.
    pub argocd_operator: Spanned<String>,
}

impl Versions {
    /// Every pinned version with its name in `versions { … }`, in field order.
    pub(crate) fn named(&self) -> [(&'static str, &Spanned<String>); 10] {
        [
            ("terraform", &self.terraform),
            ("terraform-cli", &self.terraform_cli),
            ("hcloud-provider", &self.hcloud_provider),
            ("hcloud-cli", &self.hcloud_cli),
            ("k3s", &self.k3s),
            ("helm", &self.helm),
            ("traefik-chart", &self.traefik_chart),
            ("strimzi", &self.strimzi),
            ("kafka", &self.kafka),
            ("argocd-operator", &self.argocd_operator),
        ]
    }
}

/// `network CIDR subnet=CIDR`.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    /// The Hetzner network, e.g. `10.0.0.0/16`.
    pub(crate) cidr: Spanned<Ipv4Net>,
    /// The cloud subnet the servers live in, e.g. `10.0.1.0/24`.
    pub(crate) subnet: Spanned<Ipv4Net>,
}

/// `range NAME from=N to=M`: host offsets `N..=M` of the subnet.
#[derive(Clone, Debug)]
pub(crate) struct IpRange {
    /// Its name, referenced by pools.
    pub(crate) name: Spanned<String>,
    /// First host offset.
    pub(crate) from: Spanned<u32>,
    /// Last host offset (inclusive).
    pub(crate) to: Spanned<u32>,
    /// Not for nodes (network, gateway, DHCP, future use).
    pub(crate) reserved: Spanned<bool>,
    /// What the range is for, shown in the IP table.
    pub(crate) purpose: Option<String>,
    /// The whole node.
    pub(crate) span: Span,
}

/// K3s role of a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// K3s server (control plane).
    Server,
    /// K3s agent.
    Agent,
}

impl Role {
    /// The word used in `cluster.kdl`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Agent => "agent",
        }
    }
}

/// `pool NAME role=… server-type=… count=… range=…`.
#[derive(Clone, Debug)]
pub struct Pool {
    /// Pool name; nodes are `NAME-0`, `NAME-1`, …
    pub name: Spanned<String>,
    /// K3s server or agent.
    pub role: Spanned<Role>,
    /// Hetzner server type, e.g. `cx23`.
    pub server_type: Spanned<String>,
    /// Number of nodes.
    pub count: Spanned<u32>,
    /// The IP-plan range the nodes take their addresses from.
    pub(crate) range: Spanned<String>,
    /// Kubernetes node labels.
    pub labels: Vec<KeyValue>,
    /// Kubernetes node taints.
    pub(crate) taints: Vec<Taint>,
    /// The node that holds a persistent Primary IP, if any.
    pub primary_ip: Option<PrimaryIp>,
    /// `retire INDEX reason=…`: indexes never used again, in file order.
    pub(crate) retired: Vec<Retire>,
    /// Whether app workloads may schedule here.
    pub(crate) apps: Spanned<bool>,
    /// The whole node.
    pub(crate) span: Span,
}

/// `retire INDEX reason=…`: a node index taken out of the pool for good.
#[derive(Clone, Debug)]
pub(crate) struct Retire {
    /// The retired index.
    pub(crate) index: Spanned<u32>,
    /// Why (empty when missing: `topogen::pool::retire`).
    pub(crate) reason: Spanned<String>,
    /// The whole node.
    pub(crate) span: Span,
}

/// A `key=value` pair (a label or a selector).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue {
    /// Label key.
    pub(crate) key: Spanned<String>,
    /// Label value.
    pub value: Spanned<String>,
    /// The whole entry.
    pub(crate) span: Span,
}

/// `taint KEY value=… effect=…`.
#[derive(Clone, Debug)]
pub(crate) struct Taint {
    /// Taint key.
    pub(crate) key: Spanned<String>,
    /// Taint value (may be empty).
    pub(crate) value: Spanned<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub(crate) effect: Spanned<String>,
    /// The whole node.
    pub(crate) span: Span,
}

/// `primary-ip node=N [address=IP]`.
#[derive(Clone, Debug)]
pub struct PrimaryIp {
    /// Index of the node in its pool.
    pub(crate) node: Spanned<u32>,
    /// The Primary IP's address, when known (it is stable once created).
    pub(crate) address: Option<Spanned<Ipv4Addr>>,
}

/// `kafka NAME namespace=… brokers=POOL controllers=POOL { … }`.
#[derive(Clone, Debug)]
pub(crate) struct Kafka {
    /// Kafka resource name.
    pub(crate) name: Spanned<String>,
    /// Namespace of the Strimzi resources.
    pub(crate) namespace: Spanned<String>,
    /// The pool whose nodes run brokers.
    pub(crate) brokers: Spanned<String>,
    /// The pool whose nodes run KRaft controllers.
    pub(crate) controllers: Spanned<String>,
    /// KRaft metadata version; default derived from the Kafka version.
    pub(crate) metadata_version: Option<Spanned<String>>,
    /// Replication settings.
    pub(crate) replication: Replication,
    /// Listeners.
    pub(crate) listeners: Vec<Listener>,
    /// Broker storage.
    pub(crate) storage: Storage,
    /// Pod resources.
    pub(crate) resources: Resources,
    /// Topics the Topic Operator manages, in file order.
    pub(crate) topics: Vec<Topic>,
    /// `owner=`: who applies the Kafka resources.
    pub(crate) owner: Spanned<KafkaOwner>,
}

/// `kafka owner=`: the one definition of the Kafka cluster that is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KafkaOwner {
    /// The deploy-strimzi workflow applies the generated resources; ArgoCD
    /// excludes the Strimzi kinds.
    Topogen,
    /// The GitOps repository defines them; the deploy applies none.
    Gitops,
}

impl KafkaOwner {
    /// The word `cluster.kdl` uses.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Self::Topogen => "topogen",
            Self::Gitops => "gitops",
        }
    }
}

/// `topic NAME partitions=N [replicas=N] { config KEY VALUE … }`.
#[derive(Clone, Debug)]
pub(crate) struct Topic {
    /// The Kafka topic name, as written.
    pub(crate) name: Spanned<String>,
    /// Number of partitions.
    pub(crate) partitions: Spanned<u32>,
    /// Replication factor, when written (else the cluster's `replication factor`).
    pub(crate) replicas: Option<Spanned<u32>>,
    /// Topic-level configuration, in file order.
    pub(crate) config: Vec<TopicConfig>,
}

/// `config KEY VALUE`: one topic-level configuration entry.
#[derive(Clone, Debug)]
pub(crate) struct TopicConfig {
    /// The key, e.g. `retention.ms`.
    pub(crate) key: Spanned<String>,
    /// The value as written.
    pub(crate) value: Spanned<ConfigValue>,
}

/// A configuration value as `cluster.kdl` writes it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ConfigValue {
    /// A whole number (`604800000`, `-1`).
    Int(i64),
    /// A number with a fraction (`0.5`).
    Float(f64),
    /// `#true` or `#false`.
    Bool(bool),
    /// A string.
    Str(String),
}

impl std::fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigValue::Int(i) => write!(f, "{i}"),
            ConfigValue::Float(x) => write!(f, "{x}"),
            ConfigValue::Bool(b) => write!(f, "{b}"),
            ConfigValue::Str(s) => write!(f, "{s}"),
        }
    }
}

impl Topic {
    /// The configuration entry `key`, if written.
    pub(crate) fn config(&self, key: &str) -> Option<&TopicConfig> {
        self.config.iter().find(|c| c.key.value == key)
    }
}

/// `replication factor=N min-insync=M`.
#[derive(Clone, Debug)]
pub(crate) struct Replication {
    /// `default.replication.factor` and the internal topics' factors.
    pub(crate) factor: Spanned<u32>,
    /// `min.insync.replicas` (and `transaction.state.log.min.isr`).
    pub(crate) min_insync: Spanned<u32>,
}

/// `listener NAME type=… port=… [tls=…] [bootstrap-node-port=…] [broker-node-port=…]`.
#[derive(Clone, Debug)]
pub(crate) struct Listener {
    /// Listener name (`^[a-z0-9]{1,11}$`).
    pub(crate) name: Spanned<String>,
    /// Strimzi listener type, e.g. `internal`, `nodeport`.
    pub(crate) kind: Spanned<String>,
    /// Container port.
    pub(crate) port: Spanned<u32>,
    /// TLS on the listener.
    pub(crate) tls: Spanned<bool>,
    /// NodePort of the bootstrap service (nodeport listeners).
    pub(crate) bootstrap_node_port: Option<Spanned<u32>>,
    /// NodePort of broker 0; broker N gets this plus N (nodeport listeners).
    pub(crate) broker_node_port: Option<Spanned<u32>>,
    /// The whole node.
    pub(crate) span: Span,
}

/// `storage type=… [size=…] [class=…] [delete-claim=…]`.
#[derive(Clone, Debug)]
pub(crate) struct Storage {
    /// `ephemeral` or `persistent-claim`.
    pub(crate) kind: Spanned<String>,
    /// Volume size, e.g. `20Gi` (persistent-claim).
    pub(crate) size: Option<Spanned<String>>,
    /// Storage class, e.g. `local-path`.
    pub(crate) class: Option<Spanned<String>>,
    /// Delete the claim when the cluster is deleted.
    pub(crate) delete_claim: bool,
}

/// `resources [memory=…] [cpu=…]`: requests, and the memory limit.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resources {
    /// Memory request and limit, e.g. `2Gi`.
    pub(crate) memory: Option<Spanned<String>>,
    /// CPU request, e.g. `500m`.
    pub(crate) cpu: Option<Spanned<String>>,
}

/// `profile NAME { prefer …; avoid …; require … }`.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Profile name; one affinity snippet each.
    pub(crate) name: Spanned<String>,
    /// Preferred node labels, with weights.
    pub prefer: Vec<Preference>,
    /// Labels a node must not carry (required `NotIn`).
    pub avoid: Vec<KeyValue>,
    /// Labels a node must carry (required `In`).
    pub(crate) require: Vec<KeyValue>,
}

/// `prefer KEY=VALUE weight=N`.
#[derive(Clone, Debug)]
pub struct Preference {
    /// The label.
    pub label: KeyValue,
    /// Weight 1–100.
    pub(crate) weight: Spanned<u32>,
}

/// `ingress http-node-port=… https-node-port=…`: Traefik's NodePorts.
#[derive(Clone, Debug)]
pub(crate) struct Ingress {
    /// HTTP NodePort.
    pub(crate) http_node_port: Spanned<u32>,
    /// HTTPS NodePort (ArgoCD's UI is served here).
    pub(crate) https_node_port: Spanned<u32>,
    /// Whether cluster.kdl has an `ingress` node (else the ports are defaults).
    pub(crate) explicit: bool,
}

/// Transport protocol of a firewall rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// Lowercase name, as Hetzner spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// `allow NAME [SOURCE…] port=N|"A-B" [protocol=…] [reason=…]`.
#[derive(Clone, Debug)]
pub(crate) struct FirewallRule {
    /// What the rule is for, e.g. `ssh`.
    pub(crate) name: Spanned<String>,
    /// TCP or UDP.
    pub(crate) protocol: Spanned<Protocol>,
    /// First and last port.
    pub(crate) ports: Spanned<(u32, u32)>,
    /// Source networks; empty means the whole internet.
    pub(crate) sources: Vec<Spanned<IpNet>>,
    /// Why it is open to the internet (acknowledges the exposure lint).
    pub(crate) reason: Option<Spanned<String>>,
    /// The whole node.
    pub(crate) span: Span,
}

impl FirewallRule {
    /// The effective sources: the whole internet when none are given.
    pub(crate) fn effective_sources(&self) -> Vec<IpNet> {
        if self.sources.is_empty() {
            vec![
                "0.0.0.0/0".parse().expect("literal"),
                "::/0".parse().expect("literal"),
            ]
        } else {
            self.sources.iter().map(|s| s.value).collect()
        }
    }

    /// True when the rule is open to every address.
    pub(crate) fn is_public(&self) -> bool {
        self.effective_sources().iter().any(|n| n.prefix_len() == 0)
    }

    /// The port in Hetzner's syntax: `22` or `30001-30004`.
    pub(crate) fn port_string(&self) -> String {
        let (a, b) = self.ports.value;
        if a == b {
            a.to_string()
        } else {
            format!("{a}-{b}")
        }
    }
}

/// `schedule hours-per-day=… days-per-month=… [destroy-at="HH:MM"]`.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    /// Hours the cluster runs per day.
    pub(crate) hours_per_day: Spanned<u32>,
    /// Days it runs per month.
    pub(crate) days_per_month: Spanned<u32>,
    /// Daily destroy time in UTC, `(hour, minute)`.
    pub(crate) destroy_at: Option<Spanned<(u32, u32)>>,
}

impl Schedule {
    /// The daily destroy time as written, `HH:MM` (UTC).
    pub(crate) fn destroy_time(&self) -> Option<String> {
        let (h, m) = self.destroy_at.as_ref()?.value;
        Some(format!("{h:02}:{m:02}"))
    }
}

/// `gitops repo=… overlay=… [revision=…]`.
#[derive(Clone, Debug)]
pub struct GitOps {
    /// GitHub repository `owner/name` ArgoCD syncs from.
    pub(crate) repo: Spanned<String>,
    /// Kustomize overlay path in that repository.
    pub overlay: Spanned<String>,
    /// Branch, tag or commit.
    pub revision: Spanned<String>,
    /// ArgoCD's namespace.
    pub(crate) namespace: Spanned<String>,
    /// `destination NS`: app namespaces beyond the registries' ones.
    pub(crate) destinations: Vec<Spanned<String>>,
}

/// `registry SERVER secret=NAME token=SECRET [username=…] { namespace NS … }`.
#[derive(Clone, Debug)]
pub(crate) struct Registry {
    /// The registry host, e.g. `ghcr.io`.
    pub(crate) server: Spanned<String>,
    /// The pull secret's name in each namespace.
    pub(crate) secret: Spanned<String>,
    /// The GitHub secret holding the token.
    pub(crate) token: Spanned<String>,
    /// The registry user name, if given (else the repository owner).
    pub(crate) username: Option<Spanned<String>>,
    /// The namespaces that get the pull secret.
    pub(crate) namespaces: Vec<Spanned<String>>,
}

/// `monitoring [namespace=…] { prometheus …; grafana-operator … }`.
#[derive(Clone, Debug)]
pub(crate) struct Monitoring {
    /// The namespace of both Helm releases.
    pub(crate) namespace: Spanned<String>,
    /// kube-prometheus-stack.
    pub(crate) prometheus: Prometheus,
    /// The grafana-operator, when declared.
    pub(crate) grafana_operator: Option<Spanned<String>>,
}

/// `prometheus version=… [retention=…] [storage=…]`.
#[derive(Clone, Debug)]
pub(crate) struct Prometheus {
    /// The kube-prometheus-stack chart version.
    pub(crate) version: Spanned<String>,
    /// A Prometheus duration, `30d`.
    pub(crate) retention: Spanned<String>,
    /// The volume size, `20Gi`.
    pub(crate) storage: Spanned<String>,
}

impl Monitoring {
    /// A chart's Helm release name, repository and title: the releases the
    /// real repository's control plane installed, under the same names.
    pub(crate) fn release(chart: &str) -> (&'static str, &'static str, &'static str) {
        match chart {
            "kube-prometheus-stack" => (
                "prometheus-operator",
                "https://prometheus-community.github.io/helm-charts",
                "kube-prometheus-stack (Prometheus operator)",
            ),
            _ => (
                "grafana-operator",
                "https://grafana.github.io/helm-charts",
                "grafana-operator",
            ),
        }
    }

    /// The CRDs the config repository's monitoring resources need: the
    /// deploy waits until each is established, the verify job checks them.
    pub(crate) fn crds(&self) -> Vec<&'static str> {
        let mut out = vec![
            "prometheuses.monitoring.coreos.com",
            "servicemonitors.monitoring.coreos.com",
        ];
        if self.grafana_operator.is_some() {
            out.push("grafanas.grafana.integreatly.org");
        }
        out
    }

    /// The chart versions with the names of their pin files and plan
    /// subjects, in file order.
    pub(crate) fn charts(&self) -> Vec<(&'static str, &Spanned<String>)> {
        let mut out = vec![("kube-prometheus-stack", &self.prometheus.version)];
        if let Some(g) = &self.grafana_operator {
            out.push(("grafana-operator", g));
        }
        out
    }
}

/// What a workflow uses a secret for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SecretUse {
    /// Hetzner Cloud API token.
    HcloudToken,
    /// SSH public key installed on the servers.
    SshPublicKey,
    /// SSH private key the workflows log in with.
    SshPrivateKey,
    /// Token ArgoCD reads the config repository with.
    ConfigRepoToken,
    /// Token the nodes pull private images with.
    RegistryToken,
    /// ArgoCD admin password.
    ArgocdAdminPassword,
}

impl SecretUse {
    /// Every use, in a stable order.
    pub(crate) const ALL: [SecretUse; 6] = [
        SecretUse::HcloudToken,
        SecretUse::SshPublicKey,
        SecretUse::SshPrivateKey,
        SecretUse::ConfigRepoToken,
        SecretUse::RegistryToken,
        SecretUse::ArgocdAdminPassword,
    ];

    /// The word used in `cluster.kdl`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SecretUse::HcloudToken => "hcloud-token",
            SecretUse::SshPublicKey => "ssh-public-key",
            SecretUse::SshPrivateKey => "ssh-private-key",
            SecretUse::ConfigRepoToken => "config-repo-token",
            SecretUse::RegistryToken => "registry-token",
            SecretUse::ArgocdAdminPassword => "argocd-admin-password",
        }
    }

    /// The conventional GitHub secret name, used when `cluster.kdl` has no `secrets` block.
    pub(crate) fn default_name(self) -> &'static str {
        match self {
            SecretUse::HcloudToken => "HCLOUD_TOKEN",
            SecretUse::SshPublicKey => "SSH_PUBLIC_KEY",
            SecretUse::SshPrivateKey => "SSH_PRIVATE_KEY",
            SecretUse::ConfigRepoToken => "TOKEN_GIT_REPO_CONFIG",
            SecretUse::RegistryToken => "GHCR_TOKEN",
            SecretUse::ArgocdAdminPassword => "ARGOCD_ADMIN_PASSWORD",
        }
    }

    /// Whether the workflows cannot run without it (a registry token is
    /// needed only by a `registry`, which `topogen::registry::token` checks).
    pub(crate) fn required(self) -> bool {
        !matches!(
            self,
            SecretUse::ArgocdAdminPassword | SecretUse::RegistryToken
        )
    }
}

/// `secret NAME use=… [optional=…] [description=…]`.
#[derive(Clone, Debug)]
pub(crate) struct Secret {
    /// GitHub secret name.
    pub(crate) name: Spanned<String>,
    /// What the workflows use it for.
    pub(crate) usage: Spanned<SecretUse>,
    /// The workflows run without it.
    pub(crate) optional: Spanned<bool>,
    /// One line for the README table.
    pub(crate) description: Option<String>,
    /// The node.
    pub(crate) span: Span,
}

impl Topology {
    /// True when the value at `span` failed to lower: a placeholder stands in
    /// for it, and a finding derived from it would repeat the error there.
    pub(crate) fn is_invalid(&self, span: Span) -> bool {
        self.invalid.binary_search(&span).is_ok()
    }

    /// The pool named `name`.
    pub(crate) fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.name.value == name)
    }

    /// The IP-plan range named `name`.
    pub(crate) fn range(&self, name: &str) -> Option<&IpRange> {
        self.ip_plan.iter().find(|r| r.name.value == name)
    }

    /// The secret used for `usage`.
    pub(crate) fn secret(&self, usage: SecretUse) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.usage.value == usage)
    }

    /// Who applies the Kafka resources (`topogen` without a `kafka`).
    pub(crate) fn kafka_owner(&self) -> KafkaOwner {
        self.kafka
            .as_ref()
            .map_or(KafkaOwner::Topogen, |k| k.owner.value)
    }

    /// The namespaces the ArgoCD instance may sync into, each once, in this order:
    /// its own, every `gitops > destination`, every registry namespace (the
    /// apps pull there), and Kafka's when the GitOps repository owns it.
    pub(crate) fn gitops_destinations(&self) -> Vec<&str> {
        let out: Vec<&str> = std::iter::once(self.gitops.namespace.value.as_str())
            .chain(self.gitops.destinations.iter().map(|d| d.value.as_str()))
            .chain(
                self.registries
                    .iter()
                    .flat_map(|r| r.namespaces.iter().map(|n| n.value.as_str())),
            )
            .chain(
                self.kafka
                    .as_ref()
                    .filter(|k| k.owner.value == KafkaOwner::Gitops)
                    .map(|k| k.namespace.value.as_str()),
            )
            .fold(Vec::new(), |mut out, ns| {
                if !out.contains(&ns) {
                    out.push(ns);
                }
                out
            });
        out
    }
}

impl Pool {
    /// True when the pool's nodes carry label `key=value`.
    pub(crate) fn has_label(&self, key: &str, value: &str) -> bool {
        self.labels
            .iter()
            .any(|l| l.key.value == key && l.value.value == value)
    }
}
