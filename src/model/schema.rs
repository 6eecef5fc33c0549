//! The `cluster.kdl` language: every node, its arguments, properties and
//! children, with types, defaults and meaning.
//!
//! The language is a tree of statics rooted at [`CLUSTER`]: lowering names a
//! node by its schema (`&schema::POOL`), never by a path string, and reads
//! every value through it — unknown nodes and properties (with a "did you
//! mean"), a property's [`Kind`] (integer bounds, the words of a one-of) and
//! its typed [`Default`]. `docs/cluster-kdl.md` is generated from the same
//! tree (`topogen reference`), so the reference cannot disagree with the
//! parser.

/// What a value is: how lowering reads it and how the reference shows it.
///
/// Lowering reads a value by its kind: an integer within its bounds, a
/// boolean, a number, a word of a `OneOf`; every other kind is read as a
/// string whose form a rule checks (a DNS label, a version, a quantity…), so
/// that each problem keeps its own code and help.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    /// Any string.
    Str,
    /// A DNS-1123 label (`names::dns-label`).
    DnsLabel,
    /// `MAJOR.MINOR.PATCH`.
    Semver,
    /// `vMAJOR.MINOR.PATCH`.
    VSemver,
    /// A K3s release, `v1.34.1+k3s1`.
    K3sRelease,
    /// An IPv4 network, `10.0.0.0/16`.
    Ipv4Cidr,
    /// An IPv4 or IPv6 network.
    Cidr,
    /// An IPv4 address.
    Ipv4,
    /// A whole number from `min` to `max`.
    Int {
        /// Smallest value.
        min: u32,
        /// Largest value.
        max: u32,
    },
    /// A non-negative number.
    Number,
    /// `#true` or `#false`.
    Bool,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A string matching this pattern.
    Pattern(&'static str),
    /// A Kubernetes label key.
    LabelKey,
    /// The name of a `pool`.
    PoolName,
    /// A Kubernetes quantity, `20Gi`.
    Quantity,
    /// A port, or a range `"A-B"`.
    Ports,
    /// `"HH:MM"`, UTC.
    TimeOfDay,
    /// A GitHub repository, `owner/name`.
    Repo,
    /// A path in another repository.
    Path,
    /// A portable relative path ([`super::path`]).
    RelativePath,
    /// An `https://` URL.
    HttpsUrl,
    /// A full git commit hash.
    CommitHash,
}

impl Kind {
    /// What a value of a kind lowering parses from a string is (`an IPv4
    /// CIDR`), and how to write one: the message and help of a value that
    /// is not one.
    pub(crate) fn expected(&self) -> (&'static str, &'static str) {
        match self {
            Kind::Ipv4Cidr => (
                "an IPv4 CIDR",
                "write an IPv4 network in CIDR notation, e.g. \"10.0.0.0/16\"",
            ),
            Kind::Cidr => ("a CIDR", "e.g. \"203.0.113.0/24\" or \"2001:db8::/32\""),
            Kind::Ipv4 => ("an IPv4 address", "e.g. address=\"203.0.113.10\""),
            _ => ("a string", "quote the value: `key=\"value\"`"),
        }
    }

    /// The kind as the reference shows it.
    pub(crate) fn shown(&self) -> String {
        let s = match self {
            Kind::Str => "string",
            Kind::DnsLabel => "DNS label",
            Kind::Semver => "semver",
            Kind::VSemver => "v-prefixed semver",
            Kind::K3sRelease => "K3s release",
            Kind::Ipv4Cidr => "IPv4 CIDR",
            Kind::Cidr => "CIDR",
            Kind::Ipv4 => "IPv4",
            Kind::Int { min, max } => return format!("integer {min}–{max}"),
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::OneOf(words) => {
                return words
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(" | ");
            }
            Kind::Pattern(p) => return format!("`{p}`"),
            Kind::LabelKey => "label key",
            Kind::PoolName => "pool name",
            Kind::Quantity => "quantity",
            Kind::Ports => "integer or \"A-B\"",
            Kind::TimeOfDay => "\"HH:MM\" (UTC)",
            Kind::Repo => "owner/name",
            Kind::Path => "path",
            Kind::RelativePath => "relative path",
            Kind::HttpsUrl => "https URL",
            Kind::CommitHash => "40-hex commit",
        };
        s.to_owned()
    }
}

/// What a field is when it is not written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Default {
    /// It must be written.
    Required,
    /// This string.
    Str(&'static str),
    /// This whole number.
    Int(u32),
    /// This boolean.
    Bool(bool),
    /// This number.
    Number(f64),
    /// No fixed value: what happens instead, in words (computed from other
    /// values, or left out).
    Described(&'static str),
}

impl Default {
    /// The default as the reference shows it.
    pub(crate) fn shown(&self) -> String {
        match self {
            Default::Required => "required".to_owned(),
            Default::Str("") => "\"\"".to_owned(),
            Default::Str(s) | Default::Described(s) => (*s).to_owned(),
            Default::Int(i) => i.to_string(),
            Default::Bool(b) => if *b { "#true" } else { "#false" }.to_owned(),
            Default::Number(x) => format!("{x:?}"),
        }
    }
}

/// One property (`key=value`) or positional argument of a node.
#[derive(Debug)]
pub(crate) struct Field {
    /// Property name, or the argument's placeholder (e.g. `NAME`).
    pub(crate) name: &'static str,
    /// What the value is.
    pub(crate) kind: Kind,
    /// What it is when not written.
    pub(crate) default: Default,
    /// What it means.
    pub(crate) doc: &'static str,
    /// How to write it, for the help of a missing required field.
    pub(crate) example: &'static str,
}

impl Field {
    /// The default string (empty when the default is not a string).
    pub(crate) fn default_str(&self) -> &'static str {
        match self.default {
            Default::Str(s) => s,
            _ => "",
        }
    }

    /// The default whole number, or else the smallest allowed.
    pub(crate) fn default_int(&self) -> u32 {
        match (self.default, self.kind) {
            (Default::Int(i), _) => i,
            (_, Kind::Int { min, .. }) => min,
            _ => 0,
        }
    }

    /// The default boolean (`#false` unless said otherwise).
    pub(crate) fn default_bool(&self) -> bool {
        matches!(self.default, Default::Bool(true))
    }

    /// The default number (0 unless said otherwise).
    #[cfg(test)]
    pub(crate) fn default_number(&self) -> f64 {
        match self.default {
            Default::Number(x) => x,
            _ => 0.0,
        }
    }

    /// The bounds of an integer field (`0..=u32::MAX` for any other kind).
    pub(crate) fn bounds(&self) -> (u32, u32) {
        match self.kind {
            Kind::Int { min, max } => (min, max),
            _ => (0, u32::MAX),
        }
    }

    /// The words a `OneOf` field allows (none for any other kind).
    pub(crate) fn words(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::OneOf(w) => w,
            _ => &[],
        }
    }

    /// The same field with the example the help of a missing value shows.
    const fn eg(self, example: &'static str) -> Field {
        Field { example, ..self }
    }
}

/// A node of the language.
#[derive(Debug)]
pub(crate) struct NodeSchema {
    /// Node name.
    pub(crate) name: &'static str,
    /// Whether it may appear more than once under its parent.
    pub(crate) repeats: bool,
    /// What it describes.
    pub(crate) doc: &'static str,
    /// Positional arguments.
    pub(crate) args: &'static [Field],
    /// Properties.
    pub(crate) props: &'static [Field],
    /// The nodes allowed inside it.
    pub(crate) children: &'static [&'static NodeSchema],
    /// A one-line example.
    pub(crate) example: &'static str,
}

impl NodeSchema {
    /// Property `key`. Lowering asks only for properties the table has (a
    /// unit test reads every node), so a miss is a bug in topogen.
    pub(crate) fn prop(&self, key: &str) -> &'static Field {
        // a walk over at most six fields; `self` is 'static
        let props: &'static [Field] = self.props;
        props
            .iter()
            .find(|p| p.name == key)
            .unwrap_or_else(|| panic!("schema: `{}` has no property `{key}`", self.name))
    }

    /// Argument `i`, if the node takes one.
    pub(crate) fn arg(&self, i: usize) -> Option<&'static Field> {
        let args: &'static [Field] = self.args;
        args.get(i)
    }

    /// The child node called `name`, if it may appear here.
    pub(crate) fn child(&self, name: &str) -> Option<&'static NodeSchema> {
        self.children.iter().copied().find(|c| c.name == name)
    }

    /// The names of the nodes allowed inside it.
    pub(crate) fn child_names(&self) -> Vec<&'static str> {
        self.children.iter().map(|c| c.name).collect()
    }
}

const fn f(name: &'static str, kind: Kind, default: Default, doc: &'static str) -> Field {
    Field {
        name,
        kind,
        default,
        doc,
        example: "",
    }
}

/// The listener types Strimzi accepts.
pub(crate) const LISTENER_TYPES: &[&str] = &[
    "internal",
    "route",
    "loadbalancer",
    "nodeport",
    "ingress",
    "cluster-ip",
];

/// The `use` of a secret: [`super::SecretUse::ALL`]'s words, in that order
/// (a test keeps them equal).
pub(crate) const SECRET_USES: &[&str] = &[
    "hcloud-token",
    "ssh-public-key",
    "ssh-private-key",
    "config-repo-token",
    "registry-token",
    "argocd-admin-password",
];

/// The children of `cluster`; the last [`CLUSTER_ONLY`] may not appear in an
/// `environment`, whose children are the others.
static CLUSTER_CHILDREN: &[&NodeSchema] = &[
    &HETZNER,
    &VERSIONS,
    &NETWORK,
    &IP_PLAN,
    &POOL,
    &KAFKA,
    &SCHEDULING,
    &INGRESS,
    &FIREWALL,
    &CATALOG,
    &SCHEDULE,
    &GITOPS,
    &REGISTRY,
    &MONITORING,
    &SECRETS,
    &OUTPUT,
    &TOPOGEN,
    &ENVIRONMENT,
];

/// `output`, `topogen` and `environment` are the cluster's alone.
const CLUSTER_ONLY: usize = 3;

/// `cluster`.
pub(crate) static CLUSTER: NodeSchema = NodeSchema {
    name: "cluster",
    repeats: false,
    doc: "The cluster: the only top-level node.",
    args: &[f(
        "NAME",
        Kind::DnsLabel,
        Default::Required,
        "Cluster name; part of every server and Primary IP name (`<env>-<cluster>-…`).",
    )],
    props: &[],
    children: CLUSTER_CHILDREN,
    example: "cluster k3s-trading { … }",
};

/// `cluster > hetzner`.
pub(crate) static HETZNER: NodeSchema = NodeSchema {
    name: "hetzner",
    repeats: false,
    doc: "Hetzner Cloud placement of every server.",
    args: &[],
    props: &[
        f(
            "location",
            Kind::Str,
            Default::Required,
            "Location, e.g. `nbg1`, `fsn1`, `hel1`.",
        )
        .eg("location=nbg1"),
        f(
            "datacenter",
            Kind::Str,
            Default::Required,
            "Datacenter inside the location, e.g. `nbg1-dc3`; Primary IPs are created there.",
        )
        .eg("datacenter=nbg1-dc3"),
        f(
            "network-zone",
            Kind::Str,
            Default::Described("the location's zone"),
            "Network zone of the private network, e.g. `eu-central`.",
        ),
        f(
            "image",
            Kind::Str,
            Default::Str("ubuntu-24.04"),
            "OS image of every server.",
        ),
    ],
    children: &[],
    example: "hetzner location=nbg1 datacenter=nbg1-dc3 network-zone=eu-central image=ubuntu-22.04",
};

/// `cluster > versions`.
pub(crate) static VERSIONS: NodeSchema = NodeSchema {
    name: "versions",
    repeats: false,
    doc: "Pinned versions, one child each (`k3s \"v1.34.1+k3s1\"`). Every install step reads them; defaults are the versions this release of topogen was tested with.",
    args: &[],
    props: &[],
    children: &[
        &V_TERRAFORM,
        &V_TERRAFORM_CLI,
        &V_HCLOUD_PROVIDER,
        &V_HCLOUD_CLI,
        &V_K3S,
        &V_HELM,
        &V_TRAEFIK_CHART,
        &V_STRIMZI,
        &V_KAFKA,
        &V_ARGOCD_OPERATOR,
    ],
    example: "versions { k3s \"v1.34.1+k3s1\"; strimzi \"0.48.0\"; kafka \"4.0.0\" }",
};

/// `cluster > versions > terraform`.
pub(crate) static V_TERRAFORM: NodeSchema = NodeSchema {
    name: "terraform",
    repeats: false,
    doc: "Terraform `required_version` constraint of the root module.",
    args: &[f(
        "CONSTRAINT",
        Kind::Str,
        Default::Str(">= 1.13"),
        "A Terraform version constraint.",
    )],
    props: &[],
    children: &[],
    example: "terraform \">= 1.13\"",
};

/// `cluster > versions > terraform-cli`.
pub(crate) static V_TERRAFORM_CLI: NodeSchema = NodeSchema {
    name: "terraform-cli",
    repeats: false,
    doc: "The Terraform CLI the provision workflow installs; must satisfy `terraform`.",
    args: &[f(
        "VERSION",
        Kind::Semver,
        Default::Str("1.13.4"),
        "An exact release.",
    )],
    props: &[],
    children: &[],
    example: "terraform-cli \"1.13.4\"",
};

/// `cluster > versions > hcloud-provider`.
pub(crate) static V_HCLOUD_PROVIDER: NodeSchema = NodeSchema {
    name: "hcloud-provider",
    repeats: false,
    doc: "Version constraint of the `hetznercloud/hcloud` provider.",
    args: &[f(
        "CONSTRAINT",
        Kind::Str,
        Default::Str("~> 1.54"),
        "A Terraform version constraint.",
    )],
    props: &[],
    children: &[],
    example: "hcloud-provider \"~> 1.54\"",
};

/// `cluster > versions > hcloud-cli`.
pub(crate) static V_HCLOUD_CLI: NodeSchema = NodeSchema {
    name: "hcloud-cli",
    repeats: false,
    doc: "The hcloud CLI the workflows install.",
    args: &[f(
        "VERSION",
        Kind::VSemver,
        Default::Str("v1.47.0"),
        "An exact release.",
    )],
    props: &[],
    children: &[],
    example: "hcloud-cli \"v1.47.0\"",
};

/// `cluster > versions > k3s`.
pub(crate) static V_K3S: NodeSchema = NodeSchema {
    name: "k3s",
    repeats: false,
    doc: "The K3s release cloud-init installs (`INSTALL_K3S_VERSION`).",
    args: &[f(
        "VERSION",
        Kind::K3sRelease,
        Default::Str("v1.34.1+k3s1"),
        "E.g. `v1.34.1+k3s1`.",
    )],
    props: &[],
    children: &[],
    example: "k3s \"v1.34.1+k3s1\"",
};

/// `cluster > versions > helm`.
pub(crate) static V_HELM: NodeSchema = NodeSchema {
    name: "helm",
    repeats: false,
    doc: "The Helm release installed on the control plane.",
    args: &[f(
        "VERSION",
        Kind::VSemver,
        Default::Str("v3.19.0"),
        "An exact release.",
    )],
    props: &[],
    children: &[],
    example: "helm \"v3.19.0\"",
};

/// `cluster > versions > traefik-chart`.
pub(crate) static V_TRAEFIK_CHART: NodeSchema = NodeSchema {
    name: "traefik-chart",
    repeats: false,
    doc: "The Traefik Helm chart version.",
    args: &[f(
        "VERSION",
        Kind::Semver,
        Default::Str("37.1.1"),
        "An exact chart version.",
    )],
    props: &[],
    children: &[],
    example: "traefik-chart \"37.1.1\"",
};

/// `cluster > versions > strimzi`.
pub(crate) static V_STRIMZI: NodeSchema = NodeSchema {
    name: "strimzi",
    repeats: false,
    doc: "The Strimzi operator release.",
    args: &[f(
        "VERSION",
        Kind::Semver,
        Default::Str("0.48.0"),
        "An exact release.",
    )],
    props: &[],
    children: &[],
    example: "strimzi \"0.48.0\"",
};

/// `cluster > versions > kafka`.
pub(crate) static V_KAFKA: NodeSchema = NodeSchema {
    name: "kafka",
    repeats: false,
    doc: "The Kafka version; must be one the Strimzi release supports.",
    args: &[f(
        "VERSION",
        Kind::Semver,
        Default::Str("4.0.0"),
        "E.g. `4.0.0`.",
    )],
    props: &[],
    children: &[],
    example: "kafka \"4.0.0\"",
};

/// `cluster > versions > argocd-operator`.
pub(crate) static V_ARGOCD_OPERATOR: NodeSchema = NodeSchema {
    name: "argocd-operator",
    repeats: false,
    doc: "The ArgoCD operator release.",
    args: &[f(
        "VERSION",
        Kind::Str,
        Default::Str("v0.15.0-1"),
        "E.g. `v0.15.0-1`.",
    )],
    props: &[],
    children: &[],
    example: "argocd-operator \"v0.15.0-1\"",
};

/// `cluster > network`.
pub(crate) static NETWORK: NodeSchema = NodeSchema {
    name: "network",
    repeats: false,
    doc: "The Hetzner private network and the cloud subnet the servers live in.",
    args: &[f(
        "CIDR",
        Kind::Ipv4Cidr,
        Default::Str("10.0.0.0/16"),
        "The network.",
    )],
    props: &[f(
        "subnet",
        Kind::Ipv4Cidr,
        Default::Str("10.0.1.0/24"),
        "The subnet, inside the network; the IP plan's offsets count from its first address.",
    )],
    children: &[],
    example: "network \"10.0.0.0/16\" subnet=\"10.0.1.0/24\"",
};

/// `cluster > ip-plan`.
pub(crate) static IP_PLAN: NodeSchema = NodeSchema {
    name: "ip-plan",
    repeats: false,
    doc: "Named ranges of host offsets inside the subnet. Offsets, not addresses, so the plan holds in every environment.",
    args: &[],
    props: &[],
    children: &[&RANGE],
    example: "ip-plan { range kafka from=20 to=29 }",
};

/// `cluster > ip-plan > range`.
pub(crate) static RANGE: NodeSchema = NodeSchema {
    name: "range",
    repeats: true,
    doc: "Host offsets `from..=to` of the subnet (`from=20` in 10.0.1.0/24 is 10.0.1.20).",
    args: &[f(
        "NAME",
        Kind::Str,
        Default::Required,
        "Referenced by `pool … range=NAME`.",
    )],
    props: &[
        f(
            "from",
            Kind::Int {
                min: 0,
                max: 16777215,
            },
            Default::Required,
            "First host offset.",
        )
        .eg("from=20"),
        f(
            "to",
            Kind::Int {
                min: 0,
                max: 16777215,
            },
            Default::Required,
            "Last host offset (inclusive).",
        )
        .eg("to=29"),
        f(
            "reserved",
            Kind::Bool,
            Default::Bool(false),
            "Not for nodes: network and gateway, DHCP, future use. A reserved range may include the gateway.",
        ),
        f(
            "purpose",
            Kind::Str,
            Default::Described("none"),
            "Shown in the IP allocation table.",
        ),
        f(
            "new",
            Kind::Bool,
            Default::Bool(false),
            "In an `environment` only: adds this range instead of overriding the base's range of that name (an override needs the name to be in the base).",
        ),
    ],
    children: &[],
    example: "range workers from=30 to=49 purpose=\"worker nodes\"",
};

/// `cluster > pool`.
pub(crate) static POOL: NodeSchema = NodeSchema {
    name: "pool",
    repeats: true,
    doc: "A group of identical servers. Node `i` is `NAME-i` (a one-node server pool's node is just `NAME`) with private IP `range.from + i`. The nodes are the first `count` indexes that no `retire` names: `count=3` with `retire 1` is `NAME-0`, `NAME-2`, `NAME-3`.",
    args: &[f(
        "NAME",
        Kind::DnsLabel,
        Default::Required,
        "Pool name; also the Terraform variable prefix of an agent pool (`NAME_node_count`).",
    )],
    props: &[
        f(
            "role",
            Kind::OneOf(&["server", "agent"]),
            Default::Required,
            "K3s role. Exactly one pool is the `server` (control plane).",
        )
        .eg("role=agent"),
        f(
            "server-type",
            Kind::Str,
            Default::Required,
            "Hetzner server type, e.g. `cx23`; must be in the catalog.",
        )
        .eg("server-type=cx23"),
        f(
            "count",
            Kind::Int { min: 0, max: 65536 },
            Default::Required,
            "Number of live nodes (retired indexes not counted); the highest live index must fit the range.",
        )
        .eg("count=3"),
        f(
            "range",
            Kind::Str,
            Default::Required,
            "The `ip-plan` range the nodes take addresses from.",
        )
        .eg("range=workers"),
        f(
            "apps",
            Kind::Bool,
            Default::Described("#true (#false for the server pool)"),
            "Whether app workloads may schedule here; scheduling profiles must keep off pools with `apps=#false`.",
        ),
        f(
            "new",
            Kind::Bool,
            Default::Bool(false),
            "In an `environment` only: adds this pool instead of overriding the base's pool of that name (an override needs the name to be in the base).",
        ),
    ],
    children: &[&LABELS, &TAINT, &PRIMARY_IP, &RETIRE],
    example: "pool kafka role=agent server-type=cx23 count=3 range=kafka { labels role=kafka }",
};

/// `cluster > pool > labels`.
pub(crate) static LABELS: NodeSchema = NodeSchema {
    name: "labels",
    repeats: false,
    doc: "Kubernetes node labels of every node in the pool (`--node-label`), as properties.",
    args: &[],
    props: &[f(
        "KEY",
        Kind::Str,
        Default::Described(""),
        "Any label key; the value is the label value.",
    )],
    children: &[],
    example: "labels role=kafka workload=mixed",
};

/// `cluster > pool > taint`.
pub(crate) static TAINT: NodeSchema = NodeSchema {
    name: "taint",
    repeats: true,
    doc: "A Kubernetes node taint (`--node-taint KEY=VALUE:EFFECT`).",
    args: &[f("KEY", Kind::LabelKey, Default::Required, "Taint key.")],
    props: &[
        f("value", Kind::Str, Default::Str(""), "Taint value."),
        f(
            "effect",
            Kind::OneOf(&["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            Default::Str("NoSchedule"),
            "Taint effect.",
        ),
    ],
    children: &[],
    example: "taint dedicated value=kafka effect=NoSchedule",
};

/// `cluster > pool > retire`.
pub(crate) static RETIRE: NodeSchema = NodeSchema {
    name: "retire",
    repeats: true,
    doc: "Retires node `INDEX` of the pool for good: its server is destroyed and the index is never used again, so every other node keeps its name and private IP (`from + index`). `count` stays the number of live nodes: to remove `worker-1` of three workers, add `retire 1` and lower `count` to 2 (the nodes are then `worker-0` and `worker-2`). Not in a one-node server pool (the control plane).",
    args: &[f(
        "INDEX",
        Kind::Int { min: 0, max: 65535 },
        Default::Required,
        "Index of the node retired (`1` for `worker-1`).",
    )],
    props: &[f(
        "reason",
        Kind::Str,
        Default::Required,
        "Why it was retired: kept in cluster.kdl as the record of the removal.",
    )
    .eg("reason=\"disk failure\"")],
    children: &[],
    example: "retire 1 reason=\"replaced by worker-3 after a disk failure\"",
};

/// `cluster > pool > primary-ip`.
pub(crate) static PRIMARY_IP: NodeSchema = NodeSchema {
    name: "primary-ip",
    repeats: false,
    doc: "The node that holds the pool's persistent Primary IP (`<env>-<cluster>-<pool>-ip`), which survives the daily destroy. Today's root module takes one Primary IP per pool.",
    args: &[],
    props: &[
        f(
            "node",
            Kind::Int { min: 0, max: 65535 },
            Default::Int(0),
            "Index of the node in the pool.",
        ),
        f(
            "address",
            Kind::Ipv4,
            Default::Described("looked up at deploy time"),
            "The Primary IP's address, once known. Kafka advertises it to outside clients; without it, the deploy-strimzi workflow looks it up.",
        ),
    ],
    children: &[],
    example: "primary-ip node=0",
};

/// `cluster > kafka`.
pub(crate) static KAFKA: NodeSchema = NodeSchema {
    name: "kafka",
    repeats: false,
    doc: "The Strimzi Kafka cluster (KRaft). Broker and controller replicas are the pools' node counts.",
    args: &[f(
        "NAME",
        Kind::DnsLabel,
        Default::Required,
        "Name of the Kafka resource.",
    )],
    props: &[
        f(
            "namespace",
            Kind::DnsLabel,
            Default::Str("kafka"),
            "Namespace of the Strimzi resources.",
        ),
        f(
            "brokers",
            Kind::PoolName,
            Default::Required,
            "The pool whose nodes run brokers.",
        )
        .eg("brokers=kafka"),
        f(
            "controllers",
            Kind::PoolName,
            Default::Described("the broker pool"),
            "The pool whose nodes run KRaft controllers; the same pool gives dual-role nodes.",
        ),
        f(
            "metadata-version",
            Kind::Str,
            Default::Described("from the Kafka version"),
            "KRaft metadata version, e.g. `4.0-IV3`.",
        ),
        f(
            "owner",
            Kind::OneOf(KAFKA_OWNERS),
            Default::Str("topogen"),
            "Who applies the `Kafka` and `KafkaNodePool` resources: `topogen` (the deploy-strimzi workflow applies the generated ones, and the ArgoCD instance excludes the Strimzi kinds `Kafka`, `KafkaNodePool` and `KafkaTopic` from every sync, so a copy in the GitOps repository cannot fight them), or `gitops` (the GitOps repository defines them: topogen still writes `k8s/<env>/strimzi/` for it to copy, but the deploy applies none of it, waits for ArgoCD's `Kafka` to be Ready, and the Kafka namespace becomes an ArgoCD destination).",
        ),
    ],
    children: &[&REPLICATION, &LISTENER, &STORAGE, &RESOURCES, &TOPIC],
    example: "kafka trading-cluster namespace=kafka brokers=kafka controllers=kafka { … }",
};

/// The words of `kafka owner=`.
pub(crate) const KAFKA_OWNERS: &[&str] = &["topogen", "gitops"];

/// `cluster > kafka > topic`.
pub(crate) static TOPIC: NodeSchema = NodeSchema {
    name: "topic",
    repeats: true,
    doc: "A Kafka topic, managed by Strimzi's Topic Operator: one `KafkaTopic` resource per environment (`k8s/<env>/strimzi/kafkatopic-<name>.yaml`), applied by the deploy once the Kafka cluster is Ready. An environment overrides a topic of the base by name (`topic orders replicas=1`); partitions can grow but never shrink (`topogen plan`).",
    args: &[f(
        "NAME",
        Kind::Pattern("[a-zA-Z0-9._-]{1,249}"),
        Default::Required,
        "The Kafka topic name. The `KafkaTopic` resource is named after it (lowercased, other characters as `-`, with a hash suffix when that changed it) and carries it in `spec.topicName`.",
    )],
    props: &[
        f(
            "partitions",
            Kind::Int {
                min: 0,
                max: 1_000_000,
            },
            Default::Required,
            "Number of partitions, at least 1. Can grow, never shrink.",
        )
        .eg("partitions=6"),
        f(
            "replicas",
            Kind::Int { min: 1, max: 32767 },
            Default::Described("the cluster's `replication factor`"),
            "Replication factor: at most the environment's brokers.",
        ),
        f(
            "new",
            Kind::Bool,
            Default::Bool(false),
            "In an `environment` only: adds this topic instead of overriding the base's topic of that name (an override needs the name to be in the base).",
        ),
    ],
    children: &[&TOPIC_CONFIG],
    example: "topic orders partitions=12 replicas=3 { config \"retention.ms\" 604800000; config \"min.insync.replicas\" 2 }",
};

/// `cluster > kafka > topic > config`.
pub(crate) static TOPIC_CONFIG: NodeSchema = NodeSchema {
    name: "config",
    repeats: true,
    doc: "One topic-level configuration entry (`spec.config` of the `KafkaTopic`): a key Kafka knows for topics (`topogen::kafka::topic-config` lists them) with a value of its type — a whole number (`604800000`), a boolean (`#true`) or a string (`\"compact,delete\"`). An environment overrides an entry by its key.",
    args: &[
        f(
            "KEY",
            Kind::Str,
            Default::Required,
            "The configuration key, e.g. `retention.ms`.",
        ),
        f(
            "VALUE",
            Kind::Str,
            Default::Required,
            "Its value: a number, `#true`/`#false` or a string, as the key's type wants.",
        ),
    ],
    props: &[],
    children: &[],
    example: "config \"retention.ms\" 604800000",
};

/// `cluster > kafka > replication`.
pub(crate) static REPLICATION: NodeSchema = NodeSchema {
    name: "replication",
    repeats: false,
    doc: "Replication of topics and Kafka's internal topics.",
    args: &[],
    props: &[
        f(
            "factor",
            Kind::Int { min: 1, max: 1000 },
            Default::Described("min(3, brokers)"),
            "`default.replication.factor`, `offsets.topic.replication.factor`, `transaction.state.log.replication.factor`.",
        ),
        f(
            "min-insync",
            Kind::Int { min: 1, max: 1000 },
            Default::Described("factor - 1 (at least 1)"),
            "`min.insync.replicas` and `transaction.state.log.min.isr`.",
        ),
    ],
    children: &[],
    example: "replication factor=3 min-insync=2",
};

/// `cluster > kafka > listener`.
pub(crate) static LISTENER: NodeSchema = NodeSchema {
    name: "listener",
    repeats: true,
    doc: "A Kafka listener. A `nodeport` listener gets a bootstrap NodePort and one NodePort per broker (`broker-node-port + node id`), all advertised through the broker pool's Primary IP.",
    args: &[f(
        "NAME",
        Kind::Pattern("^[a-z0-9]{1,11}$"),
        Default::Required,
        "Listener name.",
    )],
    props: &[
        f(
            "type",
            Kind::OneOf(LISTENER_TYPES),
            Default::Required,
            "Strimzi listener type.",
        )
        .eg("type=internal"),
        f(
            "port",
            Kind::Int { min: 1, max: 65535 },
            Default::Required,
            "Container port: at least 9092, not 9404 or 9999.",
        )
        .eg("port=9092"),
        f(
            "tls",
            Kind::Bool,
            Default::Bool(false),
            "TLS encryption on the listener.",
        ),
        f(
            "bootstrap-node-port",
            Kind::Int { min: 1, max: 65535 },
            Default::Described("none"),
            "NodePort of the bootstrap service (`nodeport` only).",
        ),
        f(
            "broker-node-port",
            Kind::Int { min: 1, max: 65535 },
            Default::Described("none"),
            "NodePort of broker 0 (`nodeport` only).",
        ),
        f(
            "new",
            Kind::Bool,
            Default::Bool(false),
            "In an `environment` only: adds this listener instead of overriding the base's listener of that name (an override needs the name to be in the base).",
        ),
    ],
    children: &[],
    example: "listener external type=nodeport port=9094 bootstrap-node-port=30001 broker-node-port=30002",
};

/// `cluster > kafka > storage`.
pub(crate) static STORAGE: NodeSchema = NodeSchema {
    name: "storage",
    repeats: false,
    doc: "Broker and controller storage (one JBOD volume that also holds the KRaft metadata).",
    args: &[],
    props: &[
        f(
            "type",
            Kind::OneOf(&["persistent-claim", "ephemeral"]),
            Default::Str("persistent-claim"),
            "Volume type.",
        ),
        f(
            "size",
            Kind::Quantity,
            Default::Str("20Gi"),
            "Volume size (persistent-claim).",
        ),
        f(
            "class",
            Kind::Str,
            Default::Described("cluster default"),
            "Storage class, e.g. `local-path` on K3s.",
        ),
        f(
            "delete-claim",
            Kind::Bool,
            Default::Bool(false),
            "Delete the volume when the cluster is deleted.",
        ),
    ],
    children: &[],
    example: "storage type=persistent-claim size=\"20Gi\" class=local-path",
};

/// `cluster > kafka > resources`.
pub(crate) static RESOURCES: NodeSchema = NodeSchema {
    name: "resources",
    repeats: false,
    doc: "Pod resources of every Kafka node: requests, and memory also as the limit.",
    args: &[],
    props: &[
        f(
            "memory",
            Kind::Quantity,
            Default::Described("none"),
            "Memory request and limit, e.g. `2Gi`.",
        ),
        f(
            "cpu",
            Kind::Quantity,
            Default::Described("none"),
            "CPU request, e.g. `500m`.",
        ),
    ],
    children: &[],
    example: "resources memory=\"2Gi\" cpu=\"500m\"",
};

/// `cluster > scheduling`.
pub(crate) static SCHEDULING: NodeSchema = NodeSchema {
    name: "scheduling",
    repeats: false,
    doc: "Scheduling profiles for apps; each becomes an `affinity:` and a `nodeSelector:` snippet.",
    args: &[],
    props: &[],
    children: &[&PROFILE],
    example: "scheduling { profile apps { … } }",
};

/// `cluster > scheduling > profile`.
pub(crate) static PROFILE: NodeSchema = NodeSchema {
    name: "profile",
    repeats: true,
    doc: "One scheduling profile.",
    args: &[f(
        "NAME",
        Kind::DnsLabel,
        Default::Required,
        "Profile name; names the snippet files.",
    )],
    props: &[],
    children: &[&PREFER, &AVOID, &REQUIRE],
    example: "profile apps { prefer role=worker weight=100; avoid role=control-plane }",
};

/// `cluster > scheduling > profile > prefer`.
pub(crate) static PREFER: NodeSchema = NodeSchema {
    name: "prefer",
    repeats: true,
    doc: "A preferred node label (`preferredDuringSchedulingIgnoredDuringExecution`). The highest weight is also the `nodeSelector`.",
    args: &[],
    props: &[
        f(
            "KEY",
            Kind::Str,
            Default::Required,
            "Exactly one `key=value` label.",
        ),
        f(
            "weight",
            Kind::Int { min: 1, max: 100 },
            Default::Required,
            "Preference weight.",
        )
        .eg("prefer role=worker weight=100"),
    ],
    children: &[],
    example: "prefer role=worker weight=100",
};

/// `cluster > scheduling > profile > avoid`.
pub(crate) static AVOID: NodeSchema = NodeSchema {
    name: "avoid",
    repeats: true,
    doc: "A node label apps must never land on (required `NotIn`).",
    args: &[],
    props: &[f(
        "KEY",
        Kind::Str,
        Default::Required,
        "Exactly one `key=value` label.",
    )],
    children: &[],
    example: "avoid role=control-plane",
};

/// `cluster > scheduling > profile > require`.
pub(crate) static REQUIRE: NodeSchema = NodeSchema {
    name: "require",
    repeats: true,
    doc: "A node label apps must land on (required `In`).",
    args: &[],
    props: &[f(
        "KEY",
        Kind::Str,
        Default::Required,
        "Exactly one `key=value` label.",
    )],
    children: &[],
    example: "require workload=apps",
};

/// `cluster > ingress`.
pub(crate) static INGRESS: NodeSchema = NodeSchema {
    name: "ingress",
    repeats: false,
    doc: "Traefik's NodePorts on the control plane. ArgoCD's UI is served through the HTTPS one.",
    args: &[],
    props: &[
        f(
            "http-node-port",
            Kind::Int { min: 1, max: 65535 },
            Default::Int(30080),
            "HTTP NodePort.",
        ),
        f(
            "https-node-port",
            Kind::Int { min: 1, max: 65535 },
            Default::Int(30443),
            "HTTPS NodePort (ArgoCD UI).",
        ),
    ],
    children: &[],
    example: "ingress http-node-port=30080 https-node-port=30443",
};

/// `cluster > firewall`.
pub(crate) static FIREWALL: NodeSchema = NodeSchema {
    name: "firewall",
    repeats: false,
    doc: "Inbound firewall rules of every server. Every NodePort the topology exposes must be opened, and every opened port must be used.",
    args: &[],
    props: &[],
    children: &[&ALLOW],
    example: "firewall { allow ssh port=22 }",
};

/// `cluster > firewall > allow`.
pub(crate) static ALLOW: NodeSchema = NodeSchema {
    name: "allow",
    repeats: true,
    doc: "One inbound rule. Further arguments are source CIDRs; without them the rule is open to 0.0.0.0/0 and ::/0.",
    args: &[
        f(
            "NAME",
            Kind::Str,
            Default::Required,
            "What the rule is for; its description.",
        ),
        f(
            "SOURCE…",
            Kind::Cidr,
            Default::Described("the whole internet"),
            "Source networks.",
        ),
    ],
    props: &[
        f(
            "port",
            Kind::Ports,
            Default::Required,
            "Port or inclusive port range.",
        )
        .eg("port=22"),
        f(
            "protocol",
            Kind::OneOf(&["tcp", "udp"]),
            Default::Str("tcp"),
            "Transport protocol.",
        ),
        f(
            "reason",
            Kind::Str,
            Default::Described("none"),
            "Why an admin port or plaintext Kafka is open to the internet; acknowledges the exposure warning.",
        ),
    ],
    children: &[],
    example: "allow ssh \"203.0.113.0/24\" port=22",
};

/// `cluster > catalog`.
pub(crate) static CATALOG: NodeSchema = NodeSchema {
    name: "catalog",
    repeats: false,
    doc: "Server types and prices; extends and overrides the built-in catalog.",
    args: &[],
    props: &[],
    children: &[&SERVER_TYPE, &PRIMARY_IP_PRICE],
    example: "catalog { server-type cx33 vcpu=4 ram-gb=8 eur-per-month=5.49 }",
};

/// `cluster > catalog > server-type`.
pub(crate) static SERVER_TYPE: NodeSchema = NodeSchema {
    name: "server-type",
    repeats: true,
    doc: "A Hetzner server type.",
    args: &[f("NAME", Kind::Str, Default::Required, "Server type name.")],
    props: &[
        f(
            "vcpu",
            Kind::Int { min: 1, max: 1024 },
            Default::Described("built in"),
            "Virtual CPUs.",
        ),
        f(
            "ram-gb",
            Kind::Int { min: 1, max: 65536 },
            Default::Described("built in"),
            "Memory in GB.",
        ),
        f(
            "eur-per-month",
            Kind::Number,
            Default::Described("built in for cx22, cx23"),
            "Monthly price (EUR).",
        ),
    ],
    children: &[],
    example: "server-type cx23 vcpu=2 ram-gb=4 eur-per-month=7.49",
};

/// `cluster > catalog > primary-ip`.
pub(crate) static PRIMARY_IP_PRICE: NodeSchema = NodeSchema {
    name: "primary-ip",
    repeats: false,
    doc: "The price of a Primary IP (billed all month, even while the cluster is destroyed).",
    args: &[],
    props: &[f(
        "eur-per-month",
        Kind::Number,
        Default::Number(1.0),
        "Monthly price (EUR).",
    )],
    children: &[],
    example: "primary-ip eur-per-month=1.0",
};

/// `cluster > schedule`.
pub(crate) static SCHEDULE: NodeSchema = NodeSchema {
    name: "schedule",
    repeats: false,
    doc: "When the cluster exists: for the cost table and the scheduled destroy.",
    args: &[],
    props: &[
        f(
            "hours-per-day",
            Kind::Int { min: 1, max: 24 },
            Default::Int(24),
            "Hours the cluster runs per day.",
        ),
        f(
            "days-per-month",
            Kind::Int { min: 1, max: 31 },
            Default::Int(30),
            "Days it runs per month.",
        ),
        f(
            "destroy-at",
            Kind::TimeOfDay,
            Default::Described("none"),
            "Daily destroy time; becomes the maintenance workflow's cron.",
        ),
    ],
    children: &[],
    example: "schedule hours-per-day=10 days-per-month=22 destroy-at=\"23:30\"",
};

/// `cluster > gitops`.
pub(crate) static GITOPS: NodeSchema = NodeSchema {
    name: "gitops",
    repeats: false,
    doc: "Where ArgoCD bootstraps the apps from: the deploy-argocd workflow creates one ArgoCD Application `bootstrap` syncing `overlay` of `repo` at `revision`. Give each environment its own overlay (`environment prod { gitops overlay=\"overlays/prod\" }`), as the real repository applies `overlays/<environment>`. The operator makes the instance cluster-scoped (`ARGOCD_CLUSTER_CONFIG_NAMESPACES` on its Deployment names `namespace`), and the Application's project `topogen` allows exactly the destinations: `namespace`, each `destination`, each registry `namespace`, and the Kafka namespace when `kafka owner=gitops`. Each is created and labelled `argocd.argoproj.io/managed-by` before the bootstrap.",
    args: &[],
    props: &[
        f(
            "repo",
            Kind::Repo,
            Default::Required,
            "GitHub repository ArgoCD syncs.",
        )
        .eg("repo=\"my-org/config\""),
        f(
            "overlay",
            Kind::Path,
            Default::Required,
            "Kustomize overlay in that repository.",
        )
        .eg("overlay=\"overlays/dev\""),
        f(
            "revision",
            Kind::Str,
            Default::Str("main"),
            "Branch, tag or commit.",
        ),
        f(
            "namespace",
            Kind::DnsLabel,
            Default::Str("argocd"),
            "ArgoCD's namespace.",
        ),
    ],
    children: &[&GITOPS_DESTINATION],
    example: "gitops repo=\"trading-cz/config\" overlay=\"overlays/dev\" { destination trading-apps }",
};

/// `cluster > gitops > destination`.
pub(crate) static GITOPS_DESTINATION: NodeSchema = NodeSchema {
    name: "destination",
    repeats: true,
    doc: "A namespace the GitOps repository's apps deploy into, beyond the registries' namespaces (those are destinations already: declare a namespace once). An environment adds destinations with `gitops { destination … }`.",
    args: &[f(
        "NAME",
        Kind::DnsLabel,
        Default::Required,
        "The Kubernetes namespace.",
    )],
    props: &[],
    children: &[],
    example: "destination trading-apps",
};

/// `cluster > registry`.
pub(crate) static REGISTRY: NodeSchema = NodeSchema {
    name: "registry",
    repeats: true,
    doc: "A private container registry the apps pull from. The deploy-argocd workflow creates the `kubernetes.io/dockerconfigjson` pull secret in each listed namespace (creating the namespace too) before the GitOps bootstrap, from the GitHub secret `token` names — a secret with `use=registry-token` — and applies it, so a redeploy updates it. The token passes only through the environment of `jq`, which writes the Secret to `kubectl apply` on a pipe: never a command line (`ps`), a file or the log. Deployments reference it with `imagePullSecrets: [{name: SECRET}]`. An environment adds namespaces with `registry SERVER { namespace … }`.",
    args: &[f(
        "SERVER",
        Kind::Str,
        Default::Required,
        "The registry host, e.g. `ghcr.io`.",
    )],
    props: &[
        f(
            "secret",
            Kind::DnsLabel,
            Default::Required,
            "Name of the pull secret created in each namespace.",
        )
        .eg("secret=ghcr-secret"),
        f(
            "token",
            Kind::Pattern("[A-Z_][A-Z0-9_]*"),
            Default::Required,
            "The GitHub secret holding the registry password or token: one declared in `secrets` with `use=registry-token`.",
        )
        .eg("token=GHCR_TOKEN"),
        f(
            "username",
            Kind::Str,
            Default::Described("the repository owner (`github.repository_owner`)"),
            "The registry user name the token belongs to (GHCR checks only the token).",
        ),
    ],
    children: &[&REGISTRY_NAMESPACE],
    example: "registry ghcr.io secret=ghcr-secret token=GHCR_TOKEN { namespace ingestion-alpaca }",
};

/// `cluster > registry > namespace`.
pub(crate) static REGISTRY_NAMESPACE: NodeSchema = NodeSchema {
    name: "namespace",
    repeats: true,
    doc: "An app namespace that gets the registry's pull secret.",
    args: &[f(
        "NAME",
        Kind::DnsLabel,
        Default::Required,
        "The Kubernetes namespace.",
    )],
    props: &[],
    children: &[],
    example: "namespace ingestion-alpaca",
};

/// `cluster > monitoring`.
pub(crate) static MONITORING: NodeSchema = NodeSchema {
    name: "monitoring",
    repeats: false,
    doc: "Optional: the monitoring stack the config repository's monitoring resources (ServiceMonitors, Grafana dashboards) need. The deploy workflow installs it with Helm after K3s is verified and before ArgoCD, waits until its CRDs are established, and a verify job checks the operators and the CRDs. The chart versions are pinned in `pins/<env>/kube-prometheus-stack.version` and `pins/<env>/grafana-operator.version`. Without this node nothing is installed and no workflow has a monitoring step. An environment overrides a value with `monitoring { prometheus retention=\"7d\" }`.",
    args: &[],
    props: &[f(
        "namespace",
        Kind::DnsLabel,
        Default::Str("monitoring"),
        "The namespace of both releases.",
    )],
    children: &[&MON_PROMETHEUS, &MON_GRAFANA_OPERATOR],
    example: "monitoring { prometheus version=\"77.6.0\" retention=\"30d\" storage=\"20Gi\"; grafana-operator version=\"v5.20.0\" }",
};

/// `cluster > monitoring > prometheus`.
pub(crate) static MON_PROMETHEUS: NodeSchema = NodeSchema {
    name: "prometheus",
    repeats: false,
    doc: "kube-prometheus-stack (release `prometheus-operator`, chart repository `https://prometheus-community.github.io/helm-charts`): the Prometheus operator and one Prometheus with a persistent volume. The chart's own Grafana is off (the grafana-operator manages Grafana).",
    args: &[],
    props: &[
        f(
            "version",
            Kind::Semver,
            Default::Required,
            "The kube-prometheus-stack chart version.",
        )
        .eg("version=\"77.6.0\""),
        f(
            "retention",
            Kind::Pattern("[0-9]+(ms|s|m|h|d|w|y)"),
            Default::Str("30d"),
            "How long Prometheus keeps samples (a Prometheus duration).",
        ),
        f(
            "storage",
            Kind::Quantity,
            Default::Str("20Gi"),
            "Size of Prometheus's volume.",
        ),
    ],
    children: &[],
    example: "prometheus version=\"77.6.0\" retention=\"30d\" storage=\"20Gi\"",
};

/// `cluster > monitoring > grafana-operator`.
pub(crate) static MON_GRAFANA_OPERATOR: NodeSchema = NodeSchema {
    name: "grafana-operator",
    repeats: false,
    doc: "The grafana-operator (release `grafana-operator`, chart repository `https://grafana.github.io/helm-charts`), which serves the `Grafana` and dashboard resources of the config repository. Optional inside `monitoring`.",
    args: &[],
    props: &[f(
        "version",
        Kind::VSemver,
        Default::Required,
        "The grafana-operator chart version.",
    )
    .eg("version=\"v5.20.0\"")],
    children: &[],
    example: "grafana-operator version=\"v5.20.0\"",
};

/// `cluster > secrets`.
pub(crate) static SECRETS: NodeSchema = NodeSchema {
    name: "secrets",
    repeats: false,
    doc: "The GitHub Actions secrets the workflows use, by name. Values never appear in `cluster.kdl` or in any output.",
    args: &[],
    props: &[],
    children: &[&SECRET],
    example: "secrets { secret HCLOUD_TOKEN use=hcloud-token }",
};

/// `cluster > secrets > secret`.
pub(crate) static SECRET: NodeSchema = NodeSchema {
    name: "secret",
    repeats: true,
    doc: "One secret: its name and what the workflows use it for.",
    args: &[f(
        "NAME",
        Kind::Pattern("[A-Z_][A-Z0-9_]*"),
        Default::Required,
        "GitHub secret name.",
    )],
    props: &[
        f(
            "use",
            Kind::OneOf(SECRET_USES),
            Default::Required,
            "What the workflows use it for.",
        )
        .eg("use=hcloud-token"),
        f(
            "optional",
            Kind::Bool,
            Default::Bool(false),
            "The workflows run without it.",
        ),
        f(
            "description",
            Kind::Str,
            Default::Described("none"),
            "One line for the docs.",
        ),
    ],
    children: &[],
    example: "secret HCLOUD_TOKEN use=hcloud-token description=\"Hetzner Cloud API token\"",
};

/// `cluster > output`.
pub(crate) static OUTPUT: NodeSchema = NodeSchema {
    name: "output",
    repeats: false,
    doc: "Where `topogen build` writes, relative to the directory of cluster.kdl (the repository root). Not per environment.",
    args: &[],
    props: &[
        f(
            "dir",
            Kind::RelativePath,
            Default::Str("generated"),
            "The output directory; `--out` overrides it (then a portable path beneath the repository root too). The workflows and the Terraform module name the tfvars, cloud-init, pins and module under it by this path, so it is never written into a template. Like `workflows`, a portable path inside the repository: letters, digits, `.`, `_`, `-` and `/`, no `.`, `..` or `.git` component, none starting with `-`.",
        ),
        f(
            "workflows",
            Kind::RelativePath,
            Default::Described("inside `dir`"),
            "Write the GitHub workflows here instead: `.github/workflows`, where GitHub runs them (the bundled `cluster.kdl` and `topogen init` set it; missing directories are created). Neither inside `dir` nor containing it. topogen owns only the files it lists in that directory's `.topogen-manifest`; the two directories are replaced as one transaction, other files in it are kept.",
        ),
        f(
            "terraform",
            Kind::OneOf(&["module", "tfvars-only"]),
            Default::Str("module"),
            "`module`: the Terraform root module in `terraform/` under `dir`, reading `environments/<env>.tfvars` and the generated cloud-init; the provision workflow runs it. `tfvars-only`: the tfvars alone, shaped for a module of your own (README, \"Bring your own module\").",
        ),
    ],
    children: &[],
    example: "output dir=generated workflows=\".github/workflows\"",
};

/// `cluster > topogen`.
pub(crate) static TOPOGEN: NodeSchema = NodeSchema {
    name: "topogen",
    repeats: false,
    doc: "The topogen this repository's generated files are made with, pinned to a commit. The drift-check workflow installs exactly it (`cargo install --locked --git GIT --rev REV topogen`, cached by revision); give the pre-commit hook the same `rev:`. Without it no drift-check workflow is generated: a workflow cannot know which topogen made the files.",
    args: &[],
    props: &[
        f("git", Kind::HttpsUrl, Default::Str(super::TOPOGEN_GIT), "topogen's git repository."),
        f("rev", Kind::CommitHash, Default::Required, "The full commit hash (`git rev-parse HEAD` of the topogen you run): a branch or tag could move.").eg("rev=\"0123456789abcdef0123456789abcdef01234567\""),
        f(
            "plan-comment",
            Kind::Bool,
            Default::Bool(false),
            "The drift check also posts `topogen plan`'s Markdown as one pull-request comment, updated on every push, from a job of its own that alone gets `pull-requests: write` (the plan always goes to the job summary, which needs no permission). Pull requests from forks get no comment: their token cannot write.",
        ),
    ],
    children: &[],
    example: "topogen rev=\"0123456789abcdef0123456789abcdef01234567\"",
};

/// `cluster > environment`.
pub(crate) static ENVIRONMENT: NodeSchema = NodeSchema {
    name: "environment",
    repeats: true,
    doc: "An environment: an overlay on the base, merged by the rule in [Environments](#environments) at the top of this page. Every artifact is built once per environment.",
    args: &[f(
        "NAME",
        Kind::DnsLabel,
        Default::Required,
        "Environment name, e.g. `dev`.",
    )],
    props: &[
        f(
            "production",
            Kind::Bool,
            Default::Bool(false),
            "Production: quorum and exposure problems are errors, not warnings.",
        ),
        f(
            "approval",
            Kind::Str,
            Default::Described("none"),
            "The GitHub deployment environment (Settings → Environments) the provision job of this environment runs in: its protection rules (required reviewers, a wait timer, allowed branches) hold the Terraform apply until they pass. Without it the apply runs unattended. Letters, digits, spaces, `.`, `_`, `-` and `/`, at most 255 characters (`topogen::approval::name`). E.g. `approval=\"production\"`.",
        ),
    ],
    children: CLUSTER_CHILDREN
        .split_at(CLUSTER_CHILDREN.len() - CLUSTER_ONLY)
        .0,
    example: "environment prod production=#true approval=\"production\" { network \"10.1.0.0/16\" subnet=\"10.1.1.0/24\"; gitops overlay=\"overlays/prod\" }",
};

/// Every node of the language with its path (`cluster > pool`), top-down:
/// each node before its children, each once (an `environment`'s children
/// are the cluster's, already listed).
pub(crate) fn nodes() -> Vec<(String, &'static NodeSchema)> {
    fn walk(path: String, n: &'static NodeSchema, out: &mut Vec<(String, &'static NodeSchema)>) {
        out.push((path.clone(), n));
        for c in n.children {
            if !out.iter().any(|(_, seen)| std::ptr::eq(*seen, *c)) {
                walk(format!("{path} > {}", c.name), c, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(CLUSTER.name.to_owned(), &CLUSTER, &mut out);
    out
}

/// The "Limits" section of the reference, from the constants in `source.rs`.
fn limits() -> String {
    use crate::source as l;
    let rows = [
        (
            "size of the file".to_owned(),
            format!("{} KiB", l::MAX_BYTES / 1024),
        ),
        (
            "nesting of `{ }` blocks, `/* */` comments, `/-` chains and type annotations"
                .to_owned(),
            l::MAX_DEPTH.to_string(),
        ),
        (
            "words: node names, arguments and properties, outside comments".to_owned(),
            l::MAX_WORDS.to_string(),
        ),
        ("environments".to_owned(), l::MAX_ENVIRONMENTS.to_string()),
        (
            "nodes, arguments and properties of all environments, each with the base merged in"
                .to_owned(),
            l::MAX_ENV_WORDS.to_string(),
        ),
        (
            "servers (the pools' `count`) of all environments".to_owned(),
            l::MAX_NODES.to_string(),
        ),
        (
            "instructions (minijinja fuel) the templates of one build run".to_owned(),
            l::MAX_TEMPLATE_FUEL.to_string(),
        ),
        (
            "bytes the templates of one build write".to_owned(),
            format!("{} MiB", l::MAX_RENDERED_BYTES >> 20),
        ),
        (
            "findings shown (the rest are summed up in one)".to_owned(),
            l::MAX_FINDINGS.to_string(),
        ),
    ];
    let mut s = String::from(
        "\n## Limits\n\n\
         topogen reads, checks and renders any file in bounded time and memory. A file past\n\
         one of these limits is a `topogen::syntax::limits` error (a template past its fuel or\n\
         bytes, `topogen::template::render`); a real cluster.kdl is far below each.\n\n\
         | limit | at most |\n|---|---:|\n",
    );
    for (what, max) in rows {
        s.push_str(&format!("| {} | {} |\n", cell(&what), cell(&max)));
    }
    s
}

/// `text` as one cell of a Markdown table: a `|`, even inside backticks,
/// would end the cell on GitHub, so it is escaped as `\|` (which GitHub shows
/// as `|`, also in code).
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The language reference (`docs/cluster-kdl.md`), generated from [`CLUSTER`]'s tree.
pub(crate) fn reference() -> String {
    use std::fmt::Write as _;
    let mut s = String::from(
        "<!-- generated by `topogen reference`; do not edit -->\n# The cluster.kdl language\n\n\
         `cluster.kdl` is a [KDL v2](https://kdl.dev) document with one top-level node, `cluster`.\n\
         Bare words are strings (`location=nbg1`); strings with spaces, slashes or a leading digit\n\
         need quotes (`size=\"20Gi\"`); booleans are `#true` and `#false`.\n\n",
    );
    s.push_str(super::merge::DOCS);
    s.push_str(&limits());
    s.push_str("\n## Nodes\n");
    for (path, n) in nodes() {
        let _ = write!(
            s,
            "\n### `{path}`\n\n{}{}\n\n```kdl\n{}\n```\n",
            n.doc,
            if n.repeats { " May repeat." } else { "" },
            n.example
        );
        if !n.args.is_empty() || !n.props.is_empty() {
            s.push_str("\n| argument / property | type | default | meaning |\n|---|---|---|---|\n");
            for a in n.args {
                let _ = writeln!(
                    s,
                    "| `{}` (argument) | {} | {} | {} |",
                    cell(a.name),
                    cell(&a.kind.shown()),
                    cell(&a.default.shown()),
                    cell(a.doc)
                );
            }
            for p in n.props {
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | {} |",
                    cell(p.name),
                    cell(&p.kind.shown()),
                    cell(&p.default.shown()),
                    cell(p.doc)
                );
            }
        }
        if !n.children.is_empty() {
            let _ = writeln!(
                s,
                "\nChildren: {}.",
                n.children
                    .iter()
                    .map(|c| format!("`{}`", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<(String, &'static Field)> {
        nodes()
            .into_iter()
            .flat_map(|(path, n)| {
                n.args
                    .iter()
                    .chain(n.props)
                    .map(move |f| (format!("{path} {}", f.name), f))
            })
            .collect()
    }

    #[test]
    fn the_tree_reaches_every_node_once_with_unique_names_per_parent() {
        let all = nodes();
        assert_eq!(all.len(), 52);
        let paths: std::collections::BTreeSet<_> = all.iter().map(|(p, _)| p).collect();
        assert_eq!(paths.len(), all.len());
        for (path, n) in &all {
            let names: std::collections::BTreeSet<_> = n.children.iter().map(|c| c.name).collect();
            assert_eq!(names.len(), n.children.len(), "{path}");
            let props: std::collections::BTreeSet<_> = n.props.iter().map(|p| p.name).collect();
            assert_eq!(props.len(), n.props.len(), "{path}");
        }
    }

    #[test]
    fn an_environment_takes_the_clusters_children_but_three() {
        let env: Vec<_> = ENVIRONMENT.child_names();
        let cluster = CLUSTER.child_names();
        assert_eq!(env, cluster[..cluster.len() - 3]);
        assert_eq!(
            cluster[cluster.len() - 3..],
            ["output", "topogen", "environment"]
        );
    }

    #[test]
    fn every_default_is_a_value_of_its_kind() {
        for (what, f) in fields() {
            match (f.kind, f.default) {
                (Kind::Int { min, max }, Default::Int(i)) => {
                    assert!(min <= i && i <= max, "{what}");
                }
                (Kind::Int { min, max }, _) => assert!(min <= max, "{what}"),
                (Kind::Ipv4Cidr, Default::Str(s)) => {
                    assert!(s.parse::<ipnet::Ipv4Net>().is_ok(), "{what}");
                }
                (Kind::OneOf(words), Default::Str(s)) => assert!(words.contains(&s), "{what}"),
                (Kind::Bool, d) => assert!(
                    matches!(d, Default::Bool(_) | Default::Described(_)),
                    "{what}"
                ),
                (Kind::Number, d) => assert!(
                    matches!(d, Default::Number(_) | Default::Described(_)),
                    "{what}"
                ),
                (_, Default::Int(_) | Default::Bool(_) | Default::Number(_)) => {
                    panic!("{what}: a default of another kind")
                }
                _ => {}
            }
            if !f.example.is_empty() {
                assert_eq!(
                    f.default,
                    Default::Required,
                    "{what}: an example for a missing value"
                );
            }
        }
    }

    /// The defaults other modules hold agree with the table.
    #[test]
    fn the_model_agrees_with_the_table() {
        let uses: Vec<_> = crate::model::SecretUse::ALL
            .iter()
            .map(|u| u.as_str())
            .collect();
        assert_eq!(uses, SECRET_USES);
        assert_eq!(
            crate::model::Output::default().dir,
            OUTPUT.prop("dir").default_str()
        );
        assert_eq!(
            crate::model::catalog::Catalog::default().primary_ip_eur,
            PRIMARY_IP_PRICE.prop("eur-per-month").default_number()
        );
    }
}
