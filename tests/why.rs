//! `topogen why`: for each leaf value of the bundled `cluster.kdl`, change it
//! to another valid value, rebuild with provenance recorded, and assert that
//! every output line the change touched names that value's span.
//!
//! Leaves that cannot be changed to another valid value that changes the
//! output are listed in [`SKIPPED`] with the reason; leaves whose changed
//! lines do not all name them yet are in [`NOT_YET_EXACT`], with the reason.
//! Both lists are held exact: a listed leaf that starts passing fails the
//! test, so the lists only shrink.

use std::collections::BTreeMap;

use topogen::emit::Templates;
use topogen::emit::provenance::Provenance;
use topogen::model::leaves::{Leaf, LeafKind, leaves};
use topogen::source::Source;

/// Leaves not yet named on every line they change, and why.
const NOT_YET_EXACT: &[(&str, &str)] = &[
    (
        "cluster `k3s-trading` › registry `ghcr.io` › namespace `ingestion-alpaca` › name",
        "2/9 lines miss it, e.g. .github/workflows/03-reusable-deploy-argocd.yml:93: the AppProject's destination list is built from several declarations and carries no span yet",
    ),
    (
        "cluster `k3s-trading` › name",
        "24/69 lines miss it, e.g. .github/workflows/01-reusable-provision-infra.yml:283: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `control` › from",
        "2/14 lines miss it, e.g. TOPOLOGY.md:65: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `kafka` › from",
        "12/22 lines miss it, e.g. .github/workflows/01-reusable-provision-infra.yml:283: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `workers` › from",
        "4/10 lines miss it, e.g. .github/workflows/01-reusable-provision-infra.yml:286: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `infrastructure` › reserved",
        "2/2 lines miss it, e.g. TOPOLOGY.md:57: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `expansion` › reserved",
        "2/2 lines miss it, e.g. TOPOLOGY.md:58: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `dhcp` › reserved",
        "2/2 lines miss it, e.g. TOPOLOGY.md:59: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › pool `control` › name",
        "4/302 lines miss it, e.g. environments/dev.tfvars:46: a derived value on the changed lines carries no span yet",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › labels › role",
        "6/20 lines miss it, e.g. TOPOLOGY.md:32: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › primary-ip › node",
        "2/30 lines miss it, e.g. TOPOLOGY.md:40: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › pool `worker` › name",
        "2/264 lines miss it, e.g. terraform/variables.tf:91: a derived value on the changed lines carries no span yet",
    ),
    (
        "cluster `k3s-trading` › pool `worker` › count",
        "10/38 lines miss it, e.g. .github/workflows/02-reusable-verify-cluster.yml:83: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › pool `worker` › labels › workload",
        "2/10 lines miss it, e.g. cloud-init/dev/worker.yaml:19: renamed file: its other lines are template text or derived values without a span",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › name",
        "4/20 lines miss it, e.g. .github/workflows/deploy-cluster.yml:164: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › namespace",
        "4/18 lines miss it, e.g. .github/workflows/deploy-cluster.yml:164: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `plain` › port",
        "4/6 lines miss it, e.g. .github/workflows/deploy-cluster.yml:164: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › storage › type",
        "2/4 lines miss it, e.g. k8s/dev/strimzi/kafkanodepool-kafka.yaml:19: a Kubernetes YAML line (a renamed file's fixed fields, or a value derived from it) carries no span",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.trades` › config `retention.ms` › value",
        "2/4 lines miss it, e.g. TOPOLOGY.md:155: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.quotes` › config `retention.ms` › value",
        "2/4 lines miss it, e.g. TOPOLOGY.md:156: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.bars` › config `retention.ms` › value",
        "2/4 lines miss it, e.g. TOPOLOGY.md:157: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › config `retention.ms` › value",
        "2/4 lines miss it, e.g. TOPOLOGY.md:158: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › config `min.insync.replicas` › value",
        "2/4 lines miss it, e.g. TOPOLOGY.md:158: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx23` › vcpu",
        "6/16 lines miss it, e.g. environments/dev.tfvars:25: a derived value on the changed lines carries no span yet",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx23` › ram-gb",
        "6/16 lines miss it, e.g. environments/dev.tfvars:25: a derived value on the changed lines carries no span yet",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx23` › eur-per-month",
        "6/18 lines miss it, e.g. environments/dev.tfvars:25: a derived value on the changed lines carries no span yet",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `ARGOCD_ADMIN_PASSWORD` › optional",
        "2/2 lines miss it, e.g. TOPOLOGY.md:137: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › topogen › rev",
        "1/2 lines miss it, e.g. .github/workflows/topogen-drift-check.yml:49: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › environment `dev` › name",
        "12/695 lines miss it, e.g. .github/workflows/01-reusable-provision-infra.yml:283: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › environment `dev` › schedule › destroy-at",
        "3/4 lines miss it, e.g. .github/workflows/hcloud-maintenance.yml:52: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › environment `prod` › name",
        "12/694 lines miss it, e.g. .github/workflows/01-reusable-provision-infra.yml:41: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
    (
        "cluster `k3s-trading` › environment `prod` › production",
        "2/2 lines miss it, e.g. TOPOLOGY.md:8: TOPOLOGY.md: a derived figure or text (range size, diagram, Markdown-escaped list) carries no span yet",
    ),
    (
        "cluster `k3s-trading` › environment `prod` › approval",
        "1/2 lines miss it, e.g. .github/workflows/01-reusable-provision-infra.yml:41: a workflow line shows a derived name or list (prefix, node names, selectors) that carries no span yet",
    ),
];

/// Leaves without another valid value that changes the output, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › owner",
        "its one alternative, `owner=gitops`, is refused while the cluster declares topics (topogen::kafka::owner)",
    ),
    (
        "cluster `k3s-trading` › hetzner › location",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › hetzner › datacenter",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › hetzner › network-zone",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › versions › kafka `4.0.0` › version",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › network `10.0.0.0/16` › subnet",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `reserved` › reserved",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `control` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `kafka` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › ip-plan › range `workers` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `control` › role",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `control` › count",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `control` › range",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `control` › apps",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `control` › labels › role",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `control` › primary-ip › node",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › role",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › count",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › range",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `kafka` › labels › workload",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `worker` › role",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `worker` › range",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › pool `worker` › labels › role",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › brokers",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › controllers",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › replication › factor",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `plain` › type",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › type",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › bootstrap-node-port",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › listener `external` › broker-node-port",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.trades` › replicas",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.trades` › config `retention.ms` › key",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.quotes` › replicas",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.quotes` › config `retention.ms` › key",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.bars` › replicas",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `market.bars` › config `retention.ms` › key",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › replicas",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › config `retention.ms` › key",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › kafka `trading-cluster` › topic `orders` › config `min.insync.replicas` › key",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › scheduling › profile `apps` › prefer › role",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › scheduling › profile `apps` › prefer › workload",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › scheduling › profile `apps` › avoid › role",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › ingress › http-node-port",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › ingress › https-node-port",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `ssh` › reason",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `kube-api` › reason",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `http` › port",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `https` › port",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › firewall › allow `kafka` › reason",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › vcpu",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › ram-gb",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx22` › eur-per-month",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › catalog › server-type `cx23` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › registry `ghcr.io` › token",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `HCLOUD_TOKEN` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `HCLOUD_TOKEN` › use",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `SSH_PUBLIC_KEY` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `SSH_PUBLIC_KEY` › use",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `SSH_PRIVATE_KEY` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `SSH_PRIVATE_KEY` › use",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `TOKEN_GIT_REPO_CONFIG` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `TOKEN_GIT_REPO_CONFIG` › use",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `GHCR_TOKEN` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `GHCR_TOKEN` › use",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `ARGOCD_ADMIN_PASSWORD` › name",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › secrets › secret `ARGOCD_ADMIN_PASSWORD` › use",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › output › workflows",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
    (
        "cluster `k3s-trading` › environment `prod` › network `10.1.0.0/16` › subnet",
        "every alternative tried (±1, a swapped word, a suffix) fails validation (the value is coupled to others: a reference, a port range, a count) or changes no output",
    ),
];

fn bundled() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/cluster.kdl")).unwrap()
}

fn build(text: &str) -> Option<(BTreeMap<String, String>, Provenance)> {
    let c = topogen::compile(Source::new("cluster.kdl", text));
    if c.failed(false) {
        return None;
    }
    let t = Templates::new(None).unwrap();
    let (plan, prov) = topogen::run::trace(&c, &t)?;
    Some((plan.ok()?.files, prov))
}

fn doc_leaves(text: &str) -> Vec<Leaf> {
    let doc = kdl::KdlDocument::parse_v2(text).unwrap();
    leaves(&doc)
        .into_iter()
        .filter(|l| !matches!(l.kind, LeafKind::Default(_)))
        .collect()
}

/// Unique names: the path, numbered when two leaves share it.
fn ids(leaves: &[Leaf]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    leaves
        .iter()
        .map(|l| {
            let n = seen.entry(&l.path).or_default();
            *n += 1;
            if *n == 1 {
                l.path.clone()
            } else {
                format!("{} [{n}]", l.path)
            }
        })
        .collect()
}

/// The last run of ASCII digits in `s` changed by `by`.
fn bump_last_number(s: &str, by: i64) -> Option<String> {
    let end = s.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = s[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let n: i64 = s[start..end].parse().ok()?;
    let m = n.checked_add(by).filter(|m| *m >= 0)?;
    // the digits keep their width (`01` → `02`): a 40-hex pin stays 40 long
    let width = end - start;
    Some(format!("{}{m:0width$}{}", &s[..start], &s[end..]))
}

/// Other values of the same kind, most likely valid first (KDL literals).
fn alternatives(leaf: &Leaf) -> Vec<String> {
    let t = leaf.text.as_str();
    if (t == "true" || t == "false") && leaf.scalar {
        return vec![if t == "true" { "#false" } else { "#true" }.to_owned()];
    }
    if leaf.scalar {
        if let Ok(n) = t.parse::<i64>() {
            let mut v = vec![(n + 1).to_string()];
            if n > 0 {
                v.push((n - 1).to_string());
            }
            v.push((n * 2 + 1).to_string());
            return v;
        }
        if let Ok(x) = t.parse::<f64>() {
            return vec![format!("{:?}", x + 1.0)];
        }
    }
    let swaps: &[(&str, &str)] = &[
        ("nbg1", "fsn1"),
        ("nbg1-dc3", "fsn1-dc14"),
        ("ubuntu-22.04", "ubuntu-24.04"),
        ("cx23", "cx22"),
        ("cx22", "cx23"),
        ("agent", "server"),
        ("persistent-claim", "ephemeral"),
        ("local-path", "standard"),
        ("main", "develop"),
    ];
    let mut v: Vec<String> = swaps
        .iter()
        .filter(|(a, _)| *a == t)
        .map(|(_, b)| (*b).to_owned())
        .collect();
    v.extend(bump_last_number(t, 1));
    v.extend(bump_last_number(t, -1));
    v.push(format!("{t}x"));
    v.into_iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect()
}

/// `text` with the value of `leaf` replaced by the KDL literal `lit`.
fn replaced(text: &str, leaf: &Leaf, lit: &str) -> String {
    let span = &text[leaf.span.offset..leaf.span.offset + leaf.span.len];
    let value_at = match &leaf.key {
        Some(_) => leaf.span.offset + span.find('=').unwrap() + 1,
        None => leaf.span.offset,
    };
    let end = leaf.span.offset + leaf.span.len;
    format!("{}{lit}{}", &text[..value_at], &text[end..])
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Exact,
    /// Changed lines that do not name the leaf, of all changed lines.
    Missed(usize, usize, String),
    Skipped,
}

fn changed_lines(old: Option<&String>, new: &str) -> Vec<usize> {
    let old = old.map_or("", String::as_str);
    let diff = similar::TextDiff::from_lines(old, new);
    let mut lines = Vec::new();
    for op in diff.ops() {
        if matches!(
            op.tag(),
            similar::DiffTag::Insert | similar::DiffTag::Replace
        ) {
            lines.extend(op.new_range().map(|i| i + 1));
        }
    }
    lines
}

fn outcome(base: &BTreeMap<String, String>, text: &str, leaf: &Leaf) -> Outcome {
    for lit in alternatives(leaf) {
        let changed = replaced(text, leaf, &lit);
        let Some((files, prov)) = build(&changed) else {
            continue;
        };
        let mut total = 0;
        let mut missed = Vec::new();
        for (path, new) in &files {
            if base.get(path) == Some(new) {
                continue;
            }
            for line in changed_lines(base.get(path), new) {
                total += 1;
                let named = prov.line(path, line).is_some_and(|(origins, _)| {
                    origins.iter().any(|o| o.span.offset == leaf.span.offset)
                }) || prov
                    .file(path)
                    .iter()
                    .any(|o| o.span.offset == leaf.span.offset);
                if !named {
                    missed.push(format!("{path}:{line}"));
                }
            }
        }
        if total == 0 {
            continue;
        }
        if missed.is_empty() {
            return Outcome::Exact;
        }
        let first = missed.first().cloned().unwrap_or_default();
        return Outcome::Missed(missed.len(), total, first);
    }
    Outcome::Skipped
}

#[test]
fn why_names_each_changed_value_on_every_line_it_changes() {
    let text = bundled();
    let (base, _) = build(&text).expect("the bundled cluster.kdl builds");
    let leaves = doc_leaves(&text);
    let ids = ids(&leaves);
    let mut exact = 0;
    let mut report = String::new();
    let mut wrong = Vec::new();
    for (leaf, id) in leaves.iter().zip(&ids) {
        let o = outcome(&base, &text, leaf);
        let listed = NOT_YET_EXACT.iter().any(|(n, _)| n == id);
        let skipped = SKIPPED.iter().any(|(n, _)| n == id);
        match &o {
            Outcome::Exact => {
                exact += 1;
                if listed || skipped {
                    wrong.push(format!("{id}: passes now; take it off its list"));
                }
            }
            Outcome::Missed(m, t, first) => {
                report.push_str(&format!(
                    "    (\"{id}\", \"{m}/{t} lines miss it, e.g. {first}\"),\n"
                ));
                if !listed {
                    wrong.push(format!(
                        "{id}: {m} of {t} changed lines do not name it ({first})"
                    ));
                }
            }
            Outcome::Skipped => {
                report.push_str(&format!("    (\"{id}\", \"skipped\"),\n"));
                if !skipped {
                    wrong.push(format!(
                        "{id}: no valid alternative changes the output; list it in SKIPPED"
                    ));
                }
            }
        }
    }
    eprintln!(
        "why: {exact}/{} leaves exact, {} not yet, {} skipped\n{report}",
        leaves.len(),
        NOT_YET_EXACT.len(),
        SKIPPED.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Runs the binary in `dir` with `args`.
fn topogen(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_topogen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TOPOGEN_CACHE_DIR", "")
        .output()
        .unwrap()
}

/// The `why` member of `topogen why --format json PATH:LINE`.
fn why_json(dir: &std::path::Path, target: &str) -> serde_json::Value {
    let o = topogen(dir, &["why", "--format", "json", target]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["why"].clone()
}

/// The 1-based line of `file` (a generated file of the bundled cluster)
/// that starts with `start`.
fn line_of(file: &str, start: &str) -> usize {
    let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    1 + text
        .lines()
        .position(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("{file}: no line starts with {start:?}"))
}

#[test]
fn why_shows_written_overridden_and_template_text_lines() {
    let dir = tempfile::tempdir().unwrap();
    let kdl = bundled();
    std::fs::write(dir.path().join("cluster.kdl"), &kdl).unwrap();
    // written in the base: the image of every environment
    let image = line_of("generated/environments/dev.tfvars", "image ");
    let w = why_json(
        dir.path(),
        &format!("generated/environments/dev.tfvars:{image}"),
    );
    assert_eq!(w["template_text"], false, "{w}");
    let o = &w["origins"][0];
    assert_eq!(o["source"], "written", "{w}");
    assert_eq!(o["path"], "cluster `k3s-trading` › hetzner › image", "{w}");
    let at = o["offset"].as_u64().unwrap() as usize;
    assert!(kdl[at..].starts_with("image="), "{w}");
    // overridden by prod's environment block: shown as such
    let subnet = line_of("generated/environments/prod.tfvars", "subnet_cidr");
    let w = why_json(
        dir.path(),
        &format!("generated/environments/prod.tfvars:{subnet}"),
    );
    let o = &w["origins"][0];
    assert_eq!(o["source"], "environment", "{w}");
    assert_eq!(o["environment"], "prod", "{w}");
    assert_eq!(w["origins"].as_array().unwrap().len(), 1, "{w}");
    // a default: not written in cluster.kdl
    let claim = line_of(
        "generated/k8s/dev/strimzi/kafkanodepool-kafka.yaml",
        "      deleteClaim:",
    );
    let w = why_json(
        dir.path(),
        &format!("generated/k8s/dev/strimzi/kafkanodepool-kafka.yaml:{claim}"),
    );
    let o = &w["origins"][0];
    assert_eq!(o["source"], "default", "{w}");
    assert_eq!(o["property"], "delete-claim", "{w}");
    // template text: the first line, with the file's own origins
    let w = why_json(dir.path(), "generated/cloud-init/dev/kafka.yaml:1");
    assert_eq!(w["template_text"], true, "{w}");
    let names: Vec<&str> = w["file_origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"cluster `k3s-trading` › pool `kafka` › name"),
        "{w}"
    );
    assert!(
        names.contains(&"cluster `k3s-trading` › environment `dev` › name"),
        "{w}"
    );
    // the human answer: a snippet of cluster.kdl
    let o = topogen(
        dir.path(),
        &["why", &format!("generated/environments/dev.tfvars:{image}")],
    );
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("╭─[cluster.kdl:"), "{out}");
    assert!(out.contains("hetzner › image: written here"), "{out}");
}

#[test]
fn why_errors_have_codes_and_help() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.kdl"), bundled()).unwrap();
    for (args, code, help) in [
        (
            vec!["why", "generated/environments/dev.tfvars"],
            "topogen::why::target",
            "PATH:LINE",
        ),
        (
            vec!["why", "generated/environments/dev.tfvars:0"],
            "topogen::why::target",
            "PATH:LINE",
        ),
        (
            vec!["why", "generated/environments/dve.tfvars:3"],
            "topogen::why::file",
            "did you mean `generated/environments/dev.tfvars`?",
        ),
        (
            vec!["why", "generated/environments/dev.tfvars:100000"],
            "topogen::why::line",
            "numbered from 1",
        ),
    ] {
        let o = topogen(dir.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(code), "{args:?}: {err}");
        assert!(err.contains(help), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // every code is one `explain` knows
    for code in ["why::target", "why::file", "why::line"] {
        assert_eq!(
            topogen(dir.path(), &["explain", code]).status.code(),
            Some(0),
            "{code}"
        );
    }
}

#[test]
fn check_names_the_lines_of_cluster_kdl_that_own_each_drifted_hunk() {
    let dir = tempfile::tempdir().unwrap();
    let kdl = bundled();
    std::fs::write(dir.path().join("cluster.kdl"), &kdl).unwrap();
    assert_eq!(topogen(dir.path(), &["build"]).status.code(), Some(0));
    let tfvars = dir.path().join("generated/environments/dev.tfvars");
    let text = std::fs::read_to_string(&tfvars).unwrap();
    let edited = text.replace(
        "image        = \"ubuntu-22.04\"",
        "image        = \"ubuntu-24.04\"",
    );
    assert_ne!(edited, text);
    std::fs::write(&tfvars, edited).unwrap();
    let o = topogen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    let image = 1 + kdl
        .lines()
        .position(|l| l.contains("image=ubuntu-22.04"))
        .unwrap();
    assert!(
        out.contains(&format!("is generated by cluster.kdl line(s) {image}\n")),
        "{out}"
    );
}
