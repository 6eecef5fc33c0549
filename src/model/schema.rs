//! The `cluster.kdl` language: every node, its arguments, properties and
//! children, with types, defaults and meaning.
//!
//! Lowering reads this table to reject unknown nodes and properties (with a
//! "did you mean"), and `docs/cluster-kdl.md` is generated from it
//! (`topogen schema`), so the reference can never disagree with the parser.

/// One property (`key=value`) or positional argument of a node.
#[derive(Debug)]
pub struct Field {
    /// Property name, or the argument's placeholder (e.g. `NAME`).
    pub name: &'static str,
    /// Value type as shown to users.
    pub ty: &'static str,
    /// Default, or `required`.
    pub default: &'static str,
    /// What it means.
    pub doc: &'static str,
}

/// A node of the language.
#[derive(Debug)]
pub struct NodeSchema {
    /// Node name.
    pub name: &'static str,
    /// Where it may appear, as a path (`cluster > kafka`).
    pub parent: &'static str,
    /// Whether it may appear more than once under its parent.
    pub repeats: bool,
    /// What it describes.
    pub doc: &'static str,
    /// Positional arguments.
    pub args: &'static [Field],
    /// Properties.
    pub props: &'static [Field],
    /// Allowed child node names.
    pub children: &'static [&'static str],
    /// A one-line example.
    pub example: &'static str,
}

const fn f(
    name: &'static str,
    ty: &'static str,
    default: &'static str,
    doc: &'static str,
) -> Field {
    Field {
        name,
        ty,
        default,
        doc,
    }
}

/// The `default` of a required field.
pub const REQ_MARK: &str = "required";
const REQ: &str = REQ_MARK;

/// Every node of the language, top-down.
pub const NODES: &[NodeSchema] = &[
    NodeSchema {
        name: "cluster",
        parent: "",
        repeats: false,
        doc: "The cluster: the only top-level node.",
        args: &[f(
            "NAME",
            "DNS label",
            REQ,
            "Cluster name; part of every server and Primary IP name (`<env>-<cluster>-…`).",
        )],
        props: &[],
        children: &[
            "hetzner",
            "versions",
            "network",
            "ip-plan",
            "pool",
            "kafka",
            "scheduling",
            "ingress",
            "firewall",
            "catalog",
            "schedule",
            "gitops",
            "secrets",
            "output",
            "topogen",
            "environment",
        ],
        example: "cluster k3s-trading { … }",
    },
    NodeSchema {
        name: "hetzner",
        parent: "cluster",
        repeats: false,
        doc: "Hetzner Cloud placement of every server.",
        args: &[],
        props: &[
            f(
                "location",
                "string",
                REQ,
                "Location, e.g. `nbg1`, `fsn1`, `hel1`.",
            ),
            f(
                "datacenter",
                "string",
                REQ,
                "Datacenter inside the location, e.g. `nbg1-dc3`; Primary IPs are created there.",
            ),
            f(
                "network-zone",
                "string",
                "the location's zone",
                "Network zone of the private network, e.g. `eu-central`.",
            ),
            f(
                "image",
                "string",
                "ubuntu-24.04",
                "OS image of every server.",
            ),
        ],
        children: &[],
        example: "hetzner location=nbg1 datacenter=nbg1-dc3 network-zone=eu-central image=ubuntu-22.04",
    },
    NodeSchema {
        name: "versions",
        parent: "cluster",
        repeats: false,
        doc: "Pinned versions, one child each (`k3s \"v1.34.1+k3s1\"`). Every install step reads them; defaults are the versions this release of topogen was tested with.",
        args: &[],
        props: &[],
        children: &[
            "terraform",
            "terraform-cli",
            "hcloud-provider",
            "hcloud-cli",
            "k3s",
            "helm",
            "traefik-chart",
            "strimzi",
            "kafka",
            "argocd-operator",
        ],
        example: "versions { k3s \"v1.34.1+k3s1\"; strimzi \"0.48.0\"; kafka \"4.0.0\" }",
    },
    NodeSchema {
        name: "terraform",
        parent: "cluster > versions",
        repeats: false,
        doc: "Terraform `required_version` constraint of the root module.",
        args: &[f(
            "CONSTRAINT",
            "string",
            ">= 1.13",
            "A Terraform version constraint.",
        )],
        props: &[],
        children: &[],
        example: "terraform \">= 1.13\"",
    },
    NodeSchema {
        name: "terraform-cli",
        parent: "cluster > versions",
        repeats: false,
        doc: "The Terraform CLI the provision workflow installs; must satisfy `terraform`.",
        args: &[f("VERSION", "semver", "1.13.4", "An exact release.")],
        props: &[],
        children: &[],
        example: "terraform-cli \"1.13.4\"",
    },
    NodeSchema {
        name: "hcloud-provider",
        parent: "cluster > versions",
        repeats: false,
        doc: "Version constraint of the `hetznercloud/hcloud` provider.",
        args: &[f(
            "CONSTRAINT",
            "string",
            "~> 1.54",
            "A Terraform version constraint.",
        )],
        props: &[],
        children: &[],
        example: "hcloud-provider \"~> 1.54\"",
    },
    NodeSchema {
        name: "hcloud-cli",
        parent: "cluster > versions",
        repeats: false,
        doc: "The hcloud CLI the workflows install.",
        args: &[f(
            "VERSION",
            "v-prefixed semver",
            "v1.47.0",
            "An exact release.",
        )],
        props: &[],
        children: &[],
        example: "hcloud-cli \"v1.47.0\"",
    },
    NodeSchema {
        name: "k3s",
        parent: "cluster > versions",
        repeats: false,
        doc: "The K3s release cloud-init installs (`INSTALL_K3S_VERSION`).",
        args: &[f(
            "VERSION",
            "K3s release",
            "v1.34.1+k3s1",
            "E.g. `v1.34.1+k3s1`.",
        )],
        props: &[],
        children: &[],
        example: "k3s \"v1.34.1+k3s1\"",
    },
    NodeSchema {
        name: "helm",
        parent: "cluster > versions",
        repeats: false,
        doc: "The Helm release installed on the control plane.",
        args: &[f(
            "VERSION",
            "v-prefixed semver",
            "v3.19.0",
            "An exact release.",
        )],
        props: &[],
        children: &[],
        example: "helm \"v3.19.0\"",
    },
    NodeSchema {
        name: "traefik-chart",
        parent: "cluster > versions",
        repeats: false,
        doc: "The Traefik Helm chart version.",
        args: &[f("VERSION", "semver", "37.1.1", "An exact chart version.")],
        props: &[],
        children: &[],
        example: "traefik-chart \"37.1.1\"",
    },
    NodeSchema {
        name: "strimzi",
        parent: "cluster > versions",
        repeats: false,
        doc: "The Strimzi operator release.",
        args: &[f("VERSION", "semver", "0.48.0", "An exact release.")],
        props: &[],
        children: &[],
        example: "strimzi \"0.48.0\"",
    },
    NodeSchema {
        name: "kafka",
        parent: "cluster > versions",
        repeats: false,
        doc: "The Kafka version; must be one the Strimzi release supports.",
        args: &[f("VERSION", "semver", "4.0.0", "E.g. `4.0.0`.")],
        props: &[],
        children: &[],
        example: "kafka \"4.0.0\"",
    },
    NodeSchema {
        name: "argocd-operator",
        parent: "cluster > versions",
        repeats: false,
        doc: "The ArgoCD operator release.",
        args: &[f("VERSION", "string", "v0.15.0-1", "E.g. `v0.15.0-1`.")],
        props: &[],
        children: &[],
        example: "argocd-operator \"v0.15.0-1\"",
    },
    NodeSchema {
        name: "network",
        parent: "cluster",
        repeats: false,
        doc: "The Hetzner private network and the cloud subnet the servers live in.",
        args: &[f("CIDR", "IPv4 CIDR", "10.0.0.0/16", "The network.")],
        props: &[f(
            "subnet",
            "IPv4 CIDR",
            "10.0.1.0/24",
            "The subnet, inside the network; the IP plan's offsets count from its first address.",
        )],
        children: &[],
        example: "network \"10.0.0.0/16\" subnet=\"10.0.1.0/24\"",
    },
    NodeSchema {
        name: "ip-plan",
        parent: "cluster",
        repeats: false,
        doc: "Named ranges of host offsets inside the subnet. Offsets, not addresses, so the plan holds in every environment.",
        args: &[],
        props: &[],
        children: &["range"],
        example: "ip-plan { range kafka from=20 to=29 }",
    },
    NodeSchema {
        name: "range",
        parent: "cluster > ip-plan",
        repeats: true,
        doc: "Host offsets `from..=to` of the subnet (`from=20` in 10.0.1.0/24 is 10.0.1.20).",
        args: &[f(
            "NAME",
            "string",
            REQ,
            "Referenced by `pool … range=NAME`.",
        )],
        props: &[
            f("from", "integer", REQ, "First host offset."),
            f("to", "integer", REQ, "Last host offset (inclusive)."),
            f(
                "reserved",
                "bool",
                "#false",
                "Not for nodes: network and gateway, DHCP, future use. A reserved range may include the gateway.",
            ),
            f(
                "purpose",
                "string",
                "none",
                "Shown in the IP allocation table.",
            ),
            f(
                "new",
                "bool",
                "#false",
                "In an `environment` only: adds this range instead of overriding the base's range of that name (an override needs the name to be in the base).",
            ),
        ],
        children: &[],
        example: "range workers from=30 to=49 purpose=\"worker nodes\"",
    },
    NodeSchema {
        name: "pool",
        parent: "cluster",
        repeats: true,
        doc: "A group of identical servers. Node `i` is `NAME-i` (a one-node server pool's node is just `NAME`) with private IP `range.from + i`.",
        args: &[f(
            "NAME",
            "DNS label",
            REQ,
            "Pool name; also the Terraform variable prefix of an agent pool (`NAME_node_count`).",
        )],
        props: &[
            f(
                "role",
                "`server` | `agent`",
                REQ,
                "K3s role. Exactly one pool is the `server` (control plane).",
            ),
            f(
                "server-type",
                "string",
                REQ,
                "Hetzner server type, e.g. `cx23`; must be in the catalog.",
            ),
            f(
                "count",
                "integer",
                REQ,
                "Number of nodes; must fit the range.",
            ),
            f(
                "range",
                "string",
                REQ,
                "The `ip-plan` range the nodes take addresses from.",
            ),
            f(
                "apps",
                "bool",
                "#true (#false for the server pool)",
                "Whether app workloads may schedule here; scheduling profiles must keep off pools with `apps=#false`.",
            ),
            f(
                "new",
                "bool",
                "#false",
                "In an `environment` only: adds this pool instead of overriding the base's pool of that name (an override needs the name to be in the base).",
            ),
        ],
        children: &["labels", "taint", "primary-ip"],
        example: "pool kafka role=agent server-type=cx23 count=3 range=kafka { labels role=kafka }",
    },
    NodeSchema {
        name: "labels",
        parent: "cluster > pool",
        repeats: false,
        doc: "Kubernetes node labels of every node in the pool (`--node-label`), as properties.",
        args: &[],
        props: &[f(
            "KEY",
            "string",
            "",
            "Any label key; the value is the label value.",
        )],
        children: &[],
        example: "labels role=kafka workload=mixed",
    },
    NodeSchema {
        name: "taint",
        parent: "cluster > pool",
        repeats: true,
        doc: "A Kubernetes node taint (`--node-taint KEY=VALUE:EFFECT`).",
        args: &[f("KEY", "label key", REQ, "Taint key.")],
        props: &[
            f("value", "string", "\"\"", "Taint value."),
            f(
                "effect",
                "`NoSchedule` | `PreferNoSchedule` | `NoExecute`",
                "NoSchedule",
                "Taint effect.",
            ),
        ],
        children: &[],
        example: "taint dedicated value=kafka effect=NoSchedule",
    },
    NodeSchema {
        name: "primary-ip",
        parent: "cluster > pool",
        repeats: false,
        doc: "The node that holds the pool's persistent Primary IP (`<env>-<cluster>-<pool>-ip`), which survives the daily destroy. Today's root module takes one Primary IP per pool.",
        args: &[],
        props: &[
            f("node", "integer", "0", "Index of the node in the pool."),
            f(
                "address",
                "IPv4",
                "looked up at deploy time",
                "The Primary IP's address, once known. Kafka advertises it to outside clients; without it, the deploy-strimzi workflow looks it up.",
            ),
        ],
        children: &[],
        example: "primary-ip node=0",
    },
    NodeSchema {
        name: "kafka",
        parent: "cluster",
        repeats: false,
        doc: "The Strimzi Kafka cluster (KRaft). Broker and controller replicas are the pools' node counts.",
        args: &[f("NAME", "DNS label", REQ, "Name of the Kafka resource.")],
        props: &[
            f(
                "namespace",
                "DNS label",
                "kafka",
                "Namespace of the Strimzi resources.",
            ),
            f(
                "brokers",
                "pool name",
                REQ,
                "The pool whose nodes run brokers.",
            ),
            f(
                "controllers",
                "pool name",
                "the broker pool",
                "The pool whose nodes run KRaft controllers; the same pool gives dual-role nodes.",
            ),
            f(
                "metadata-version",
                "string",
                "from the Kafka version",
                "KRaft metadata version, e.g. `4.0-IV3`.",
            ),
        ],
        children: &["replication", "listener", "storage", "resources"],
        example: "kafka trading-cluster namespace=kafka brokers=kafka controllers=kafka { … }",
    },
    NodeSchema {
        name: "replication",
        parent: "cluster > kafka",
        repeats: false,
        doc: "Replication of topics and Kafka's internal topics.",
        args: &[],
        props: &[
            f(
                "factor",
                "integer",
                "min(3, brokers)",
                "`default.replication.factor`, `offsets.topic.replication.factor`, `transaction.state.log.replication.factor`.",
            ),
            f(
                "min-insync",
                "integer",
                "factor - 1 (at least 1)",
                "`min.insync.replicas` and `transaction.state.log.min.isr`.",
            ),
        ],
        children: &[],
        example: "replication factor=3 min-insync=2",
    },
    NodeSchema {
        name: "listener",
        parent: "cluster > kafka",
        repeats: true,
        doc: "A Kafka listener. A `nodeport` listener gets a bootstrap NodePort and one NodePort per broker (`broker-node-port + node id`), all advertised through the broker pool's Primary IP.",
        args: &[f("NAME", "`^[a-z0-9]{1,11}$`", REQ, "Listener name.")],
        props: &[
            f(
                "type",
                "`internal` | `nodeport` | `cluster-ip` | `loadbalancer` | `route` | `ingress`",
                REQ,
                "Strimzi listener type.",
            ),
            f(
                "port",
                "integer",
                REQ,
                "Container port: at least 9092, not 9404 or 9999.",
            ),
            f("tls", "bool", "#false", "TLS encryption on the listener."),
            f(
                "bootstrap-node-port",
                "integer",
                "none",
                "NodePort of the bootstrap service (`nodeport` only).",
            ),
            f(
                "broker-node-port",
                "integer",
                "none",
                "NodePort of broker 0 (`nodeport` only).",
            ),
            f(
                "new",
                "bool",
                "#false",
                "In an `environment` only: adds this listener instead of overriding the base's listener of that name (an override needs the name to be in the base).",
            ),
        ],
        children: &[],
        example: "listener external type=nodeport port=9094 bootstrap-node-port=30001 broker-node-port=30002",
    },
    NodeSchema {
        name: "storage",
        parent: "cluster > kafka",
        repeats: false,
        doc: "Broker and controller storage (one JBOD volume that also holds the KRaft metadata).",
        args: &[],
        props: &[
            f(
                "type",
                "`persistent-claim` | `ephemeral`",
                "persistent-claim",
                "Volume type.",
            ),
            f(
                "size",
                "quantity",
                "20Gi",
                "Volume size (persistent-claim).",
            ),
            f(
                "class",
                "string",
                "cluster default",
                "Storage class, e.g. `local-path` on K3s.",
            ),
            f(
                "delete-claim",
                "bool",
                "#false",
                "Delete the volume when the cluster is deleted.",
            ),
        ],
        children: &[],
        example: "storage type=persistent-claim size=\"20Gi\" class=local-path",
    },
    NodeSchema {
        name: "resources",
        parent: "cluster > kafka",
        repeats: false,
        doc: "Pod resources of every Kafka node: requests, and memory also as the limit.",
        args: &[],
        props: &[
            f(
                "memory",
                "quantity",
                "none",
                "Memory request and limit, e.g. `2Gi`.",
            ),
            f("cpu", "quantity", "none", "CPU request, e.g. `500m`."),
        ],
        children: &[],
        example: "resources memory=\"2Gi\" cpu=\"500m\"",
    },
    NodeSchema {
        name: "scheduling",
        parent: "cluster",
        repeats: false,
        doc: "Scheduling profiles for apps; each becomes an `affinity:` and a `nodeSelector:` snippet.",
        args: &[],
        props: &[],
        children: &["profile"],
        example: "scheduling { profile apps { … } }",
    },
    NodeSchema {
        name: "profile",
        parent: "cluster > scheduling",
        repeats: true,
        doc: "One scheduling profile.",
        args: &[f(
            "NAME",
            "DNS label",
            REQ,
            "Profile name; names the snippet files.",
        )],
        props: &[],
        children: &["prefer", "avoid", "require"],
        example: "profile apps { prefer role=worker weight=100; avoid role=control-plane }",
    },
    NodeSchema {
        name: "prefer",
        parent: "cluster > scheduling > profile",
        repeats: true,
        doc: "A preferred node label (`preferredDuringSchedulingIgnoredDuringExecution`). The highest weight is also the `nodeSelector`.",
        args: &[],
        props: &[
            f("KEY", "string", REQ, "Exactly one `key=value` label."),
            f("weight", "integer 1–100", REQ, "Preference weight."),
        ],
        children: &[],
        example: "prefer role=worker weight=100",
    },
    NodeSchema {
        name: "avoid",
        parent: "cluster > scheduling > profile",
        repeats: true,
        doc: "A node label apps must never land on (required `NotIn`).",
        args: &[],
        props: &[f("KEY", "string", REQ, "Exactly one `key=value` label.")],
        children: &[],
        example: "avoid role=control-plane",
    },
    NodeSchema {
        name: "require",
        parent: "cluster > scheduling > profile",
        repeats: true,
        doc: "A node label apps must land on (required `In`).",
        args: &[],
        props: &[f("KEY", "string", REQ, "Exactly one `key=value` label.")],
        children: &[],
        example: "require workload=apps",
    },
    NodeSchema {
        name: "ingress",
        parent: "cluster",
        repeats: false,
        doc: "Traefik's NodePorts on the control plane. ArgoCD's UI is served through the HTTPS one.",
        args: &[],
        props: &[
            f("http-node-port", "integer", "30080", "HTTP NodePort."),
            f(
                "https-node-port",
                "integer",
                "30443",
                "HTTPS NodePort (ArgoCD UI).",
            ),
        ],
        children: &[],
        example: "ingress http-node-port=30080 https-node-port=30443",
    },
    NodeSchema {
        name: "firewall",
        parent: "cluster",
        repeats: false,
        doc: "Inbound firewall rules of every server. Every NodePort the topology exposes must be opened, and every opened port must be used.",
        args: &[],
        props: &[],
        children: &["allow"],
        example: "firewall { allow ssh port=22 }",
    },
    NodeSchema {
        name: "allow",
        parent: "cluster > firewall",
        repeats: true,
        doc: "One inbound rule. Further arguments are source CIDRs; without them the rule is open to 0.0.0.0/0 and ::/0.",
        args: &[
            f(
                "NAME",
                "string",
                REQ,
                "What the rule is for; its description.",
            ),
            f("SOURCE…", "CIDR", "the whole internet", "Source networks."),
        ],
        props: &[
            f(
                "port",
                "integer or \"A-B\"",
                REQ,
                "Port or inclusive port range.",
            ),
            f("protocol", "`tcp` | `udp`", "tcp", "Transport protocol."),
            f(
                "reason",
                "string",
                "none",
                "Why an admin port or plaintext Kafka is open to the internet; acknowledges the exposure warning.",
            ),
        ],
        children: &[],
        example: "allow ssh \"203.0.113.0/24\" port=22",
    },
    NodeSchema {
        name: "catalog",
        parent: "cluster",
        repeats: false,
        doc: "Server types and prices; extends and overrides the built-in catalog.",
        args: &[],
        props: &[],
        children: &["server-type", "primary-ip"],
        example: "catalog { server-type cx33 vcpu=4 ram-gb=8 eur-per-month=5.49 }",
    },
    NodeSchema {
        name: "server-type",
        parent: "cluster > catalog",
        repeats: true,
        doc: "A Hetzner server type.",
        args: &[f("NAME", "string", REQ, "Server type name.")],
        props: &[
            f("vcpu", "integer", "built in", "Virtual CPUs."),
            f("ram-gb", "integer", "built in", "Memory in GB."),
            f(
                "eur-per-month",
                "number",
                "built in for cx22, cx23",
                "Monthly price (EUR).",
            ),
        ],
        children: &[],
        example: "server-type cx23 vcpu=2 ram-gb=4 eur-per-month=7.49",
    },
    NodeSchema {
        name: "primary-ip",
        parent: "cluster > catalog",
        repeats: false,
        doc: "The price of a Primary IP (billed all month, even while the cluster is destroyed).",
        args: &[],
        props: &[f("eur-per-month", "number", "1.0", "Monthly price (EUR).")],
        children: &[],
        example: "primary-ip eur-per-month=1.0",
    },
    NodeSchema {
        name: "schedule",
        parent: "cluster",
        repeats: false,
        doc: "When the cluster exists: for the cost table and the scheduled destroy.",
        args: &[],
        props: &[
            f(
                "hours-per-day",
                "integer 1–24",
                "24",
                "Hours the cluster runs per day.",
            ),
            f(
                "days-per-month",
                "integer 1–31",
                "30",
                "Days it runs per month.",
            ),
            f(
                "destroy-at",
                "\"HH:MM\" (UTC)",
                "none",
                "Daily destroy time; becomes the maintenance workflow's cron.",
            ),
        ],
        children: &[],
        example: "schedule hours-per-day=10 days-per-month=22 destroy-at=\"23:30\"",
    },
    NodeSchema {
        name: "gitops",
        parent: "cluster",
        repeats: false,
        doc: "Where ArgoCD bootstraps the apps from.",
        args: &[],
        props: &[
            f("repo", "owner/name", REQ, "GitHub repository ArgoCD syncs."),
            f(
                "overlay",
                "path",
                REQ,
                "Kustomize overlay in that repository.",
            ),
            f("revision", "string", "main", "Branch, tag or commit."),
            f("namespace", "DNS label", "argocd", "ArgoCD's namespace."),
        ],
        children: &[],
        example: "gitops repo=\"trading-cz/config\" overlay=\"overlays/minimal\"",
    },
    NodeSchema {
        name: "secrets",
        parent: "cluster",
        repeats: false,
        doc: "The GitHub Actions secrets the workflows use, by name. Values never appear in `cluster.kdl` or in any output.",
        args: &[],
        props: &[],
        children: &["secret"],
        example: "secrets { secret HCLOUD_TOKEN use=hcloud-token }",
    },
    NodeSchema {
        name: "secret",
        parent: "cluster > secrets",
        repeats: true,
        doc: "One secret: its name and what the workflows use it for.",
        args: &[f("NAME", "`[A-Z_][A-Z0-9_]*`", REQ, "GitHub secret name.")],
        props: &[
            f(
                "use",
                "`hcloud-token` | `ssh-public-key` | `ssh-private-key` | `config-repo-token` | `registry-token` | `argocd-admin-password`",
                REQ,
                "What the workflows use it for.",
            ),
            f(
                "optional",
                "bool",
                "#false",
                "The workflows run without it.",
            ),
            f("description", "string", "none", "One line for the docs."),
        ],
        children: &[],
        example: "secret HCLOUD_TOKEN use=hcloud-token description=\"Hetzner Cloud API token\"",
    },
    NodeSchema {
        name: "output",
        parent: "cluster",
        repeats: false,
        doc: "Where `topogen build` writes, relative to the directory of cluster.kdl (the repository root). Not per environment.",
        args: &[],
        props: &[
            f(
                "dir",
                "relative path",
                "generated",
                "The output directory; `--out` overrides it. Workflows refer to the tfvars and pins under it. Like `workflows`, a portable path inside the repository: letters, digits, `.`, `_`, `-` and `/`, no `.`, `..` or `.git` component, none starting with `-`.",
            ),
            f(
                "workflows",
                "relative path",
                "inside `dir`",
                "Write the GitHub workflows here instead, e.g. `.github/workflows`: neither inside `dir` nor containing it. topogen owns only the files it lists in that directory's `.topogen-manifest`; the directory is replaced atomically, other files in it are kept.",
            ),
            f(
                "terraform",
                "`module` | `tfvars-only`",
                "module",
                "`module`: the Terraform root module in `terraform/` under `dir`, reading `environments/<env>.tfvars` and the generated cloud-init; the provision workflow runs it. `tfvars-only`: the tfvars alone, shaped for a module of your own (README, \"Bring your own module\").",
            ),
        ],
        children: &[],
        example: "output dir=generated workflows=\".github/workflows\"",
    },
    NodeSchema {
        name: "topogen",
        parent: "cluster",
        repeats: false,
        doc: "The topogen this repository's generated files are made with, pinned to a commit. The drift-check workflow installs exactly it (`cargo install --locked --git GIT --rev REV topogen`, cached by revision); give the pre-commit hook the same `rev:`. Without it no drift-check workflow is generated: a workflow cannot know which topogen made the files.",
        args: &[],
        props: &[
            f(
                "git",
                "https URL",
                "https://github.com/trading-cz/topogen",
                "topogen's git repository.",
            ),
            f(
                "rev",
                "40-hex commit",
                REQ,
                "The full commit hash (`git rev-parse HEAD` of the topogen you run): a branch or tag could move.",
            ),
        ],
        children: &[],
        example: "topogen rev=\"0123456789abcdef0123456789abcdef01234567\"",
    },
    NodeSchema {
        name: "environment",
        parent: "cluster",
        repeats: true,
        doc: "An environment: an overlay on the base, merged by the rule in [Environments](#environments) at the top of this page. Every artifact is built once per environment.",
        args: &[f("NAME", "DNS label", REQ, "Environment name, e.g. `dev`.")],
        props: &[f(
            "production",
            "bool",
            "#false",
            "Production: quorum and exposure problems are errors, not warnings.",
        )],
        children: &[
            "hetzner",
            "versions",
            "network",
            "ip-plan",
            "pool",
            "kafka",
            "scheduling",
            "ingress",
            "firewall",
            "catalog",
            "schedule",
            "gitops",
            "secrets",
        ],
        example: "environment prod production=#true { network \"10.1.0.0/16\" subnet=\"10.1.1.0/24\" }",
    },
];

/// The schema of node `name` under `parent` (a path like `cluster > pool`).
pub fn node(parent: &str, name: &str) -> Option<&'static NodeSchema> {
    NODES.iter().find(|n| n.name == name && n.parent == parent)
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

/// The language reference (`docs/cluster-kdl.md`), generated from [`NODES`].
pub fn reference() -> String {
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
    for n in NODES {
        let path = if n.parent.is_empty() {
            n.name.to_owned()
        } else {
            format!("{} > {}", n.parent, n.name)
        };
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
                    cell(a.ty),
                    cell(a.default),
                    cell(a.doc)
                );
            }
            for p in n.props {
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | {} |",
                    cell(p.name),
                    cell(p.ty),
                    cell(p.default),
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
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    s
}
