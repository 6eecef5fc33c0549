//! `topogen plan`: what a change of `cluster.kdl` does to the cluster.
//!
//! A pipeline stage over the model, not over emitted text: [`plan`] compares
//! the [`Resolved`] environments of a base and of the working `cluster.kdl`
//! and returns typed [`Change`]s, each classed by what it costs the running
//! cluster ([`Class`]) and pointing at the `cluster.kdl` span that caused it
//! (the working file's, or the base's for something removed). `render` prints
//! them for people, pull requests and machines.
//!
//! What Terraform replaces follows the generated root module and the hcloud
//! provider: a server is keyed by its name (`kafka-1`), so removing a node
//! never renames another; `image`, `datacenter` and `user_data` (the pool's
//! cloud-init: [`user_data`]) force a new server; a `server_type` change is a
//! resize in place that powers the server off.

pub(crate) mod render;

use std::cmp::Ordering;
use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::Serialize;

use crate::diag::Span;
use crate::model::resolve::{ResolvedFirewallRule, ResolvedKafka, ResolvedPool};
use crate::model::{GitOps, KafkaOwner, Resolved};

/// What a change costs the running cluster, mildest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Something new; nothing running is touched.
    Additive,
    /// Applied to what runs, without a restart.
    InPlace,
    /// A restart, a rolling update or a cut connection; nothing is lost.
    Disruptive,
    /// Data or identity lost: a server removed or replaced, a broker gone.
    Destructive,
}

impl Class {
    /// Every class, worst first (the order of the reports).
    pub(crate) const WORST_FIRST: [Class; 4] = [
        Class::Destructive,
        Class::Disruptive,
        Class::InPlace,
        Class::Additive,
    ];

    /// `additive`, `in-place`, `disruptive`, `destructive`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Class::Additive => "additive",
            Class::InPlace => "in-place",
            Class::Disruptive => "disruptive",
            Class::Destructive => "destructive",
        }
    }
}

/// What changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An environment only the working file has.
    EnvironmentAdded,
    /// An environment only the base has: every server of it goes.
    EnvironmentRemoved,
    /// A new server.
    ServerAdded,
    /// A server that goes.
    ServerRemoved,
    /// A server that goes because its node is retired (`retire INDEX`): no
    /// other node of the pool moves.
    ServerRetired,
    /// A server destroyed and created again (see [`Change::reasons`]).
    ServerReplaced,
    /// A server resized in place (powered off and on).
    ServerResized,
    /// A node's private IP changed.
    IpMoved,
    /// A pool's Kubernetes labels changed.
    LabelsChanged,
    /// A pool's Kubernetes taints changed.
    TaintsChanged,
    /// Kafka brokers added.
    BrokersAdded,
    /// Kafka brokers removed.
    BrokersRemoved,
    /// The KRaft controller quorum changed.
    ControllersChanged,
    /// `replication factor=` changed.
    ReplicationChanged,
    /// `replication min-insync=` changed.
    MinInsyncChanged,
    /// A Kafka topic declared.
    TopicAdded,
    /// A Kafka topic no longer declared.
    TopicRemoved,
    /// A topic's partitions grew.
    PartitionsIncreased,
    /// A topic's partitions shrank, which Kafka cannot do.
    PartitionsDecreased,
    /// A topic's replication factor changed.
    TopicReplicasChanged,
    /// A topic's configuration changed.
    TopicConfigChanged,
    /// A firewall rule added.
    PortOpened,
    /// A firewall rule removed.
    PortClosed,
    /// A rule's ports grew.
    PortsWidened,
    /// A rule's ports shrank or moved.
    PortsNarrowed,
    /// A rule admits more sources.
    SourcesWidened,
    /// A rule admits fewer sources.
    SourcesNarrowed,
    /// A GitHub secret the workflows use added.
    SecretAdded,
    /// A GitHub secret no longer used.
    SecretRemoved,
    /// A pinned version changed.
    VersionChanged,
    /// The datacenter changed while the environment has Primary IPs, which
    /// stay in the old one.
    PrimaryIpsStranded,
    /// The GitOps repository, overlay or revision the bootstrap syncs changed.
    GitopsSourceChanged,
    /// The namespaces ArgoCD may sync into changed.
    GitopsDestinationsChanged,
    /// `kafka owner=` changed: the other definition takes over.
    KafkaOwnerChanged,
}

/// Which file a change's span is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The working `cluster.kdl`.
    New,
    /// The base (for what was removed).
    Base,
}

/// One change, classed, with its cause.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    /// How bad it is.
    pub class: Class,
    /// What changed.
    pub kind: Kind,
    /// What it is about: a node, a pool, a rule, a secret, a version.
    pub subject: String,
    /// One sentence for people.
    pub summary: String,
    /// Why a server is replaced: the inputs that changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// What the operator or Terraform will and will not do about it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Which file [`Self::span`] is in.
    pub side: Side,
    /// The `cluster.kdl` span that caused it.
    #[serde(skip)]
    pub span: Span,
}

/// The changes of one environment and its cost before and after.
#[derive(Clone, Debug, Serialize)]
pub struct EnvPlan {
    /// Environment name.
    pub(crate) env: String,
    /// EUR per month always on, in the base (`None`: not in the base).
    pub cost_before: Option<f64>,
    /// EUR per month always on, now (`None`: removed).
    pub cost_after: Option<f64>,
    /// Pools whose server type has no price, left out of either figure.
    pub(crate) unpriced: Vec<String>,
    /// Every change, worst class first, then in file order.
    pub changes: Vec<Change>,
}

impl EnvPlan {
    /// The worst class of its changes.
    pub fn worst(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }
}

/// True when any change of any environment is destructive (`plan` exits 3).
pub(crate) fn destructive(plans: &[EnvPlan]) -> bool {
    plans.iter().any(|p| p.worst() == Some(Class::Destructive))
}

/// Compares the base's environments with the working file's, by name, in the
/// working file's order (then the environments only the base has).
pub fn plan(base: &[Resolved<'_>], new: &[Resolved<'_>]) -> Vec<EnvPlan> {
    let name = |r: &Resolved<'_>| r.topo.env.name.value.clone();
    let mut out = Vec::new();
    for n in new {
        let env = name(n);
        let mut changes = Vec::new();
        let before = match base.iter().find(|b| name(b) == env) {
            Some(b) => {
                diff_env(b, n, &mut changes);
                Some(b.cost.always_on_eur)
            }
            None => {
                changes.push(Change {
                    class: Class::Additive,
                    kind: Kind::EnvironmentAdded,
                    subject: env.clone(),
                    summary: format!("environment `{env}` added with {} servers", n.node_count),
                    reasons: vec![],
                    notes: vec![],
                    side: Side::New,
                    span: n.topo.env.name.span,
                });
                None
            }
        };
        sort(&mut changes);
        let mut unpriced = n.cost.unpriced.clone();
        if let Some(b) = base.iter().find(|b| name(b) == env) {
            unpriced.extend(
                b.cost
                    .unpriced
                    .iter()
                    .filter(|p| !unpriced.contains(p))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
        out.push(EnvPlan {
            unpriced,
            env,
            cost_before: before,
            cost_after: Some(n.cost.always_on_eur),
            changes,
        });
    }
    for b in base
        .iter()
        .filter(|b| !new.iter().any(|n| name(n) == name(b)))
    {
        let env = name(b);
        out.push(EnvPlan {
            changes: vec![Change {
                class: Class::Destructive,
                kind: Kind::EnvironmentRemoved,
                subject: env.clone(),
                summary: format!(
                    "environment `{env}` removed: its {} servers are destroyed",
                    b.node_count
                ),
                reasons: vec![],
                notes: vec![],
                side: Side::Base,
                span: b.topo.env.name.span,
            }],
            env,
            cost_before: Some(b.cost.always_on_eur),
            cost_after: None,
            unpriced: b.cost.unpriced.clone(),
        });
    }
    out
}

/// Worst class first; within a class, the working file's spans in order, then the base's.
fn sort(changes: &mut [Change]) {
    changes.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.class),
            c.side == Side::Base,
            c.span.offset,
        )
    });
}

fn change(
    class: Class,
    kind: Kind,
    subject: impl Into<String>,
    summary: String,
    span: Span,
) -> Change {
    Change {
        class,
        kind,
        subject: subject.into(),
        summary,
        reasons: vec![],
        notes: vec![],
        side: Side::New,
        span,
    }
}

/// A firewall rule's reach changed: widened is additive, narrowed is
/// disruptive and carries `narrowed_note`.
fn scope(
    widened: bool,
    (wider, narrower): (Kind, Kind),
    subject: String,
    summary: String,
    span: Span,
    narrowed_note: &str,
) -> Change {
    if widened {
        return change(Class::Additive, wider, subject, summary, span);
    }
    let mut c = change(Class::Disruptive, narrower, subject, summary, span);
    c.notes.push(narrowed_note.to_owned());
    c
}

/// One cloud-init input of a pool: what it is, its value, where it is written.
pub(crate) type Input = (&'static str, String, Span);

/// The inputs of a pool's cloud-init (its servers' `user_data`): a change of
/// any replaces every server of the pool. The pool's addresses are not among
/// them: the setup script finds its address in the subnet, so scaling a pool
/// leaves its servers alone.
pub(crate) fn user_data(env: &Resolved<'_>, p: &ResolvedPool<'_>) -> Vec<Input> {
    let t = env.topo;
    let v = &t.versions;
    let mut out: Vec<Input> = vec![
        ("K3s version", v.k3s.value.clone(), v.k3s.span),
        (
            "subnet",
            t.network.subnet.value.to_string(),
            t.network.subnet.span,
        ),
        (
            "labels",
            p.labels
                .iter()
                .map(|l| format!("{}={}", l.key.value, l.value.value))
                .collect::<Vec<_>>()
                .join(" "),
            p.labels.first().map_or(p.span, |l| l.span),
        ),
        (
            "taints",
            p.taints
                .iter()
                .map(|x| format!("{}={}:{}", x.key.value, x.value.value, x.effect.value))
                .collect::<Vec<_>>()
                .join(" "),
            p.taints.first().map_or(p.span, |x| x.span),
        ),
    ];
    if p.server {
        out.push(("Helm version", v.helm.value.clone(), v.helm.span));
        out.push((
            "Traefik chart version",
            v.traefik_chart.value.clone(),
            v.traefik_chart.span,
        ));
        out.push((
            "ingress NodePorts",
            format!(
                "{}/{}",
                t.ingress.http_node_port.value, t.ingress.https_node_port.value
            ),
            t.ingress.http_node_port.span,
        ));
    } else {
        let cp = env
            .control_plane
            .as_ref()
            .map(|n| n.private_ip.clone())
            .unwrap_or_default();
        let span = env
            .pools
            .iter()
            .find(|p| p.server)
            .map_or(p.span, |s| s.span);
        out.push(("control plane IP", cp, span));
    }
    out
}

fn diff_env(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    primary_ips(b, n, out);
    servers(b, n, out);
    pools(b, n, out);
    kafka(b, n, out);
    firewall(b, n, out);
    secrets(b, n, out);
    versions(b, n, out);
    monitoring(b, n, out);
    gitops(b, n, out);
}

/// The bootstrap Application's source, its project's destinations, and who
/// owns Kafka.
fn gitops(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    let (bg, ng) = (&b.topo.gitops, &n.topo.gitops);
    let source = |g: &GitOps| {
        format!(
            "{} {} at {}",
            g.repo.value, g.overlay.value, g.revision.value
        )
    };
    let (was, now) = (source(bg), source(ng));
    if was != now {
        let span = if bg.overlay.value == ng.overlay.value {
            ng.repo.span
        } else {
            ng.overlay.span
        };
        let mut c = change(
            Class::InPlace,
            Kind::GitopsSourceChanged,
            "gitops",
            format!("ArgoCD syncs {now} (was {was})"),
            span,
        );
        c.notes.push(
            "the next deploy re-points the bootstrap Application; ArgoCD prunes what only the old overlay had".into(),
        );
        out.push(c);
    }
    let (bd, nd) = (b.topo.gitops_destinations(), n.topo.gitops_destinations());
    if bd.iter().any(|d| !nd.contains(d)) || nd.iter().any(|d| !bd.contains(d)) {
        let plus: Vec<&str> = nd.iter().filter(|d| !bd.contains(d)).copied().collect();
        let minus: Vec<&str> = bd.iter().filter(|d| !nd.contains(d)).copied().collect();
        let mut words = Vec::new();
        if !plus.is_empty() {
            words.push(format!("+{}", plus.join(" +")));
        }
        if !minus.is_empty() {
            words.push(format!("-{}", minus.join(" -")));
        }
        let mut c = change(
            if minus.is_empty() {
                Class::Additive
            } else {
                Class::InPlace
            },
            Kind::GitopsDestinationsChanged,
            "gitops",
            format!("ArgoCD destinations {}", words.join(" ")),
            ng.destinations
                .first()
                .map_or(ng.namespace.span, |d| d.span),
        );
        if !minus.is_empty() {
            c.notes.push(
                "ArgoCD stops syncing into the removed namespaces; what it put there stays until deleted".into(),
            );
        }
        out.push(c);
    }
    if let (Some(bk), Some(nk)) = (&b.topo.kafka, &n.topo.kafka)
        && bk.owner.value != nk.owner.value
    {
        let mut c = change(
            Class::Disruptive,
            Kind::KafkaOwnerChanged,
            nk.name.value.clone(),
            format!(
                "Kafka `{}` owned by {} (was {})",
                nk.name.value,
                nk.owner.value.word(),
                bk.owner.value.word()
            ),
            nk.owner.span,
        );
        c.notes.push(match nk.owner.value {
            KafkaOwner::Gitops => "the deploy stops applying the Kafka resources and ArgoCD stops excluding them: the GitOps repository's definition is applied over the running cluster, so make it match before merging".into(),
            KafkaOwner::Topogen => "ArgoCD stops syncing the Strimzi kinds (they stay, unpruned) and the deploy applies topogen's over them; remove them from the GitOps repository".into(),
        });
        out.push(c);
    }
}

/// A Primary IP is bound to the datacenter it was created in: moving the
/// environment (another `datacenter`, or `location`) leaves the Primary IPs
/// the base's pools hold behind, and Hetzner refuses to assign them to the
/// new servers. The provision workflow stops before Terraform when it finds
/// one elsewhere; the plan says so before the change is merged.
fn primary_ips(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    let (bt, nt) = (&b.topo.hetzner, &n.topo.hetzner);
    if bt.datacenter.value == nt.datacenter.value {
        return;
    }
    let held: Vec<String> = b
        .pools
        .iter()
        .filter_map(|p| p.primary_ip.as_ref().map(|ip| format!("`{}`", ip.name)))
        .collect();
    if held.is_empty() {
        return;
    }
    let mut c = change(
        Class::Destructive,
        Kind::PrimaryIpsStranded,
        nt.datacenter.value.clone(),
        format!(
            "datacenter {} → {}: the Primary IP{} {} stay{} in {}",
            bt.datacenter.value,
            nt.datacenter.value,
            if held.len() == 1 { "" } else { "s" },
            held.join(", "),
            if held.len() == 1 { "s" } else { "" },
            bt.datacenter.value
        ),
        nt.datacenter.span,
    );
    c.notes.push(
        "a Primary IP cannot move between datacenters: the provision workflow stops before Terraform while one exists elsewhere".into(),
    );
    c.notes.push(format!(
        "to move, run hcloud-maintenance with destroy-all on `{}` (the addresses are released: clients and DNS must learn the new ones), then deploy; or set the datacenter back",
        n.topo.env.name.value
    ));
    out.push(c);
}

fn servers(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    let index = |r: &'_ Resolved<'_>| {
        let mut m = BTreeMap::new();
        for (pi, p) in r.pools.iter().enumerate() {
            for node in p.nodes.iter() {
                m.insert(node.server_name.clone(), (pi, node.clone()));
            }
        }
        m
    };
    let (old, new) = (index(b), index(n));
    let (bt, nt) = (&b.topo.hetzner, &n.topo.hetzner);
    for (server, (pi, node)) in &new {
        let np = &n.pools[*pi];
        let Some((bi, bnode)) = old.get(server) else {
            let mut c = change(
                Class::Additive,
                Kind::ServerAdded,
                &node.name,
                format!(
                    "server `{server}` added ({}, {})",
                    np.server_type.value,
                    if node.private_ip.is_empty() {
                        "no private IP"
                    } else {
                        &node.private_ip
                    }
                ),
                np.count.span,
            );
            c.notes
                .push("Terraform creates it; its cloud-init joins it to the cluster".into());
            out.push(c);
            continue;
        };
        let bp = &b.pools[*bi];
        let mut reasons = Vec::new();
        let mut span = None;
        let mut why = |what: String, at: Span| {
            span.get_or_insert(at);
            reasons.push(what);
        };
        if bt.image.value != nt.image.value {
            why(
                format!("image {} → {}", bt.image.value, nt.image.value),
                nt.image.span,
            );
        }
        if bt.location.value != nt.location.value {
            why(
                format!("location {} → {}", bt.location.value, nt.location.value),
                nt.location.span,
            );
        }
        if bt.datacenter.value != nt.datacenter.value {
            why(
                format!(
                    "datacenter {} → {}",
                    bt.datacenter.value, nt.datacenter.value
                ),
                nt.datacenter.span,
            );
        }
        let (bu, nu) = (user_data(b, bp), user_data(n, np));
        for ((what, before, _), (_, after, at)) in bu.iter().zip(&nu) {
            if before != after {
                why(format!("user_data: {what} `{before}` → `{after}`"), *at);
            }
        }
        if bu.len() != nu.len() {
            why(
                "user_data: the pool's K3s role changed".into(),
                np.role.span,
            );
        }
        if span.is_some() && bp.server_type.value != np.server_type.value {
            reasons.push(format!(
                "also: server type {} → {}",
                bp.server_type.value, np.server_type.value
            ));
        }
        if let Some(span) = span {
            let mut c = change(
                Class::Destructive,
                Kind::ServerReplaced,
                &node.name,
                format!("server `{server}` replaced: destroyed and created again"),
                span,
            );
            c.reasons = reasons;
            c.notes.push(
                "Terraform forces a new server: its disk, its public IP (unless a Primary IP) and its Kubernetes node identity are lost"
                    .into(),
            );
            if n.holds_kafka(&np.name.value) {
                c.notes.push("it runs Kafka: Strimzi recreates the pod on the new server; with local storage its data is lost and re-replicated from the other brokers".into());
            }
            out.push(c);
        } else if bp.server_type.value != np.server_type.value {
            let mut c = change(
                Class::Disruptive,
                Kind::ServerResized,
                &node.name,
                format!(
                    "server `{server}` resized {} → {}",
                    bp.server_type.value, np.server_type.value
                ),
                np.server_type.span,
            );
            c.notes.push("Terraform powers it off, changes the type and starts it again: its disk and addresses stay".into());
            if n.holds_kafka(&np.name.value) {
                c.notes.push("it runs Kafka: Terraform resizes the pool's servers together, not one at a time; expect the brokers to be unavailable meanwhile".into());
            }
            out.push(c);
        }
        if bnode.private_ip != node.private_ip {
            let mut c = change(
                Class::Disruptive,
                Kind::IpMoved,
                &node.name,
                format!(
                    "`{}` private IP {} → {}",
                    node.name, bnode.private_ip, node.private_ip
                ),
                np.range.span,
            );
            c.notes.push("Terraform re-attaches the server to the network; K3s keeps the address it registered with until the node is rebuilt".into());
            out.push(c);
        }
    }
    for (server, (pi, node)) in &old {
        if new.contains_key(server) {
            continue;
        }
        let bp = &b.pools[*pi];
        // retired in the working file: blamed on its `retire` line there
        let retired = n.pool(&bp.name.value).and_then(|np| {
            np.retired
                .iter()
                .find(|r| r.index.value == node.index)
                .map(|r| (np, r))
        });
        let mut c = match retired {
            Some((np, r)) => {
                let mut c = change(
                    Class::Destructive,
                    Kind::ServerRetired,
                    &node.name,
                    format!("server `{server}` retired: {}", r.reason.value),
                    r.span,
                );
                c.notes.push(format!(
                    "its index {} is never used again: every other node of pool `{}` keeps its name and private IP",
                    node.index, np.name.value
                ));
                if n.holds_kafka(&np.name.value) {
                    c.notes.push(
                        "it runs Kafka: Strimzi removes its node ID (`strimzi.io/remove-node-ids`) and no other; move its partitions off it first (Cruise Control `remove-brokers`)".into(),
                    );
                }
                c
            }
            None => {
                let mut c = change(
                    Class::Destructive,
                    Kind::ServerRemoved,
                    &node.name,
                    format!("server `{server}` removed"),
                    bp.count.span,
                );
                c.side = Side::Base;
                c
            }
        };
        c.notes.push("Terraform destroys it with its disk; Kubernetes keeps a NotReady node until it is deleted (`kubectl delete node`)".into());
        out.push(c);
    }
}

/// The monitoring charts' versions: changed, or a chart added or removed
/// (the removed one stays installed on a running cluster until it is
/// redeployed).
fn monitoring(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    let charts = |r: &Resolved<'_>| {
        r.topo
            .monitoring
            .as_ref()
            .map(|m| {
                m.charts()
                    .into_iter()
                    .map(|(c, v)| (c, v.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let (before, after) = (charts(b), charts(n));
    for (chart, v) in &after {
        let old = before.iter().find(|(c, _)| c == chart);
        let (class, summary, note) = match old {
            Some((_, o)) if o.value == v.value => continue,
            Some((_, o)) => {
                let (class, note) = version_effect(chart);
                (class, format!("{chart} {} → {}", o.value, v.value), note)
            }
            None => (
                Class::Additive,
                format!("{chart} {} added", v.value),
                "the next deploy installs it before ArgoCD",
            ),
        };
        let mut c = change(class, Kind::VersionChanged, *chart, summary, v.span);
        c.notes.push(note.to_owned());
        out.push(c);
    }
    for (chart, v) in &before {
        if after.iter().any(|(c, _)| c == chart) {
            continue;
        }
        let mut c = change(
            Class::InPlace,
            Kind::VersionChanged,
            *chart,
            format!("{chart} {} removed", v.value),
            v.span,
        );
        c.side = Side::Base;
        c.notes
            .push("the next deploy no longer installs it; a running cluster keeps it until it is destroyed".to_owned());
        out.push(c);
    }
}

fn pools(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    for np in &n.pools {
        let Some(bp) = b.pool(&np.name.value) else {
            continue;
        };
        let labels = |p: &ResolvedPool<'_>| -> Vec<String> {
            p.labels
                .iter()
                .map(|l| format!("{}={}", l.key.value, l.value.value))
                .collect()
        };
        let taints = |p: &ResolvedPool<'_>| -> Vec<String> {
            p.taints
                .iter()
                .map(|x| format!("{}={}:{}", x.key.value, x.value.value, x.effect.value))
                .collect()
        };
        for (kind, what, before, after, span) in [
            (
                Kind::LabelsChanged,
                "labels",
                labels(bp),
                labels(np),
                np.labels.first().map_or(np.span, |l| l.span),
            ),
            (
                Kind::TaintsChanged,
                "taints",
                taints(bp),
                taints(np),
                np.taints.first().map_or(np.span, |x| x.span),
            ),
        ] {
            if before == after {
                continue;
            }
            let added: Vec<&String> = after.iter().filter(|x| !before.contains(x)).collect();
            let removed: Vec<&String> = before.iter().filter(|x| !after.contains(x)).collect();
            let mut c = change(
                Class::InPlace,
                kind,
                np.name.value.clone(),
                format!(
                    "pool `{}` {what}: {}{}",
                    np.name.value,
                    list("+", &added),
                    list(" −", &removed)
                ),
                span,
            );
            c.notes.push(format!(
                "the {what} are part of the pool's cloud-init: its servers are replaced (see above); pods scheduled by the old {what} move"
            ));
            out.push(c);
        }
    }
}

fn list(sign: &str, items: &[&String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    format!(
        "{sign}{}",
        items
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn kafka(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    let (Some(bk), Some(nk)) = (&b.kafka, &n.kafka) else {
        return;
    };
    let k = nk.kafka;
    let count_span = n.broker_pool().map_or(k.brokers.span, |p| p.count.span);
    let brokers: Option<(Class, Kind, [&str; 2])> = match nk.brokers.cmp(&bk.brokers) {
        Ordering::Greater => Some((
            Class::Additive,
            Kind::BrokersAdded,
            [
                "Strimzi scales the KafkaNodePool up: the new brokers join the cluster",
                "partitions are not reassigned by themselves: the new brokers stay empty until a KafkaRebalance (mode add-brokers) or kafka-reassign-partitions moves replicas onto them",
            ],
        )),
        Ordering::Less => Some((
            Class::Destructive,
            Kind::BrokersRemoved,
            [
                "Strimzi refuses to remove a broker that still holds partition replicas: move them first with a KafkaRebalance (mode remove-brokers)",
                "Terraform removes the servers whatever Strimzi does: their data is lost",
            ],
        )),
        Ordering::Equal => None,
    };
    if let Some((class, kind, notes)) = brokers {
        let summary = format!("Kafka brokers {} → {}", bk.brokers, nk.brokers);
        let mut c = change(class, kind, k.name.value.clone(), summary, count_span);
        c.notes.extend(notes.map(str::to_owned));
        out.push(c);
    }
    if nk.controllers != bk.controllers {
        let (dual, span, note) = if nk.dual_role {
            (
                " (dual-role nodes)",
                count_span,
                "the brokers are also the controllers: the broker change is a KRaft quorum change too",
            )
        } else {
            (
                "",
                n.controller_pool()
                    .map_or(k.controllers.span, |p| p.count.span),
                "a KRaft controller change is a quorum change: Strimzi rolls the controllers; keep an odd count and never lose a majority at once",
            )
        };
        let summary = format!(
            "KRaft controllers {} → {}{dual}",
            bk.controllers, nk.controllers
        );
        let mut c = change(
            Class::Disruptive,
            Kind::ControllersChanged,
            k.name.value.clone(),
            summary,
            span,
        );
        c.notes.push(note.to_owned());
        out.push(c);
    }
    let (br, nr) = (&bk.kafka.replication, &k.replication);
    let settings = [
        (
            Kind::ReplicationChanged,
            "replication factor",
            &br.factor,
            &nr.factor,
            Some(
                "applies to topics created from now on; existing topics keep their replication factor until reassigned",
            ),
        ),
        (
            Kind::MinInsyncChanged,
            "min.insync.replicas",
            &br.min_insync,
            &nr.min_insync,
            (nr.min_insync.value > br.min_insync.value)
                .then_some("producers with acks=all fail sooner when brokers are down"),
        ),
    ];
    for (kind, what, before, after, note) in settings {
        if before.value == after.value {
            continue;
        }
        let summary = format!("{what} {} → {}", before.value, after.value);
        let mut c = change(
            Class::InPlace,
            kind,
            k.name.value.clone(),
            summary,
            after.span,
        );
        c.notes.extend(note.map(str::to_owned));
        out.push(c);
    }
    topics(bk, nk, out);
}

/// Topics added, removed, their partitions, replicas and configuration.
fn topics(bk: &ResolvedKafka<'_>, nk: &ResolvedKafka<'_>, out: &mut Vec<Change>) {
    fn find<'t>(k: &ResolvedKafka<'t>, name: &str) -> Option<(&'t crate::model::Topic, u32)> {
        k.topics
            .iter()
            .find(|t| t.topic.name.value == name)
            .map(|t| (t.topic, t.replicas.value))
    }
    for t in &nk.topics {
        let topic = t.topic;
        let name = &topic.name.value;
        let Some((before, replicas_before)) = find(bk, name) else {
            out.push(change(
                Class::Additive,
                Kind::TopicAdded,
                name.clone(),
                format!(
                    "topic `{name}` added: {} partitions, {} replicas",
                    topic.partitions.value, t.replicas.value
                ),
                topic.name.span,
            ));
            continue;
        };
        let (pb, pn) = (before.partitions.value, topic.partitions.value);
        if pn > pb {
            let mut c = change(
                Class::InPlace,
                Kind::PartitionsIncreased,
                name.clone(),
                format!("topic `{name}` partitions {pb} → {pn}"),
                topic.partitions.span,
            );
            c.notes.push("the Topic Operator adds the partitions; records with a key may now go to another partition than the same key's older records".into());
            out.push(c);
        } else if pn < pb {
            let mut c = change(
                Class::Destructive,
                Kind::PartitionsDecreased,
                name.clone(),
                format!("topic `{name}` partitions {pb} → {pn}: Kafka cannot remove partitions"),
                topic.partitions.span,
            );
            c.notes.push("the Topic Operator refuses the change and leaves the KafkaTopic NotReady, so the deploy fails at the topics step".into());
            c.notes.push(format!(
                "keep `partitions={pb}`, or delete and recreate the topic (its records are lost)"
            ));
            out.push(c);
        }
        if replicas_before != t.replicas.value {
            let mut c = change(
                Class::InPlace,
                Kind::TopicReplicasChanged,
                name.clone(),
                format!(
                    "topic `{name}` replicas {replicas_before} → {}",
                    t.replicas.value
                ),
                t.replicas.span,
            );
            c.notes.push("Strimzi changes a topic's replication factor only with Cruise Control enabled; without it the KafkaTopic reports the change as not possible".into());
            out.push(c);
        }
        let shown = |t: &crate::model::Topic| -> Vec<String> {
            t.config
                .iter()
                .map(|c| format!("{}={}", c.key.value, c.value.value))
                .collect()
        };
        let (cb, cn) = (shown(before), shown(topic));
        if cb != cn {
            let gone: Vec<&String> = cb.iter().filter(|x| !cn.contains(x)).collect();
            let new: Vec<&String> = cn.iter().filter(|x| !cb.contains(x)).collect();
            let span = topic
                .config
                .iter()
                .find(|c| {
                    new.iter()
                        .any(|x| x.starts_with(&format!("{}=", c.key.value)))
                })
                .map_or(topic.name.span, |c| c.value.span);
            out.push(change(
                Class::InPlace,
                Kind::TopicConfigChanged,
                name.clone(),
                format!(
                    "topic `{name}` configuration: {}{}",
                    list("+", &new),
                    list(" −", &gone)
                ),
                span,
            ));
        }
    }
    for t in &bk.topics {
        let name = &t.topic.name.value;
        if find(nk, name).is_none() {
            let mut c = change(
                Class::Destructive,
                Kind::TopicRemoved,
                name.clone(),
                format!("topic `{name}` removed"),
                t.topic.name.span,
            );
            c.side = Side::Base;
            c.notes.push("the deploy no longer creates it: its records are gone with the next cluster, and a KafkaTopic deleted from a running cluster deletes the topic".into());
            out.push(c);
        }
    }
}

fn public(sources: &[IpNet]) -> bool {
    sources.iter().any(|s| s.prefix_len() == 0)
}

/// True when every address of `inner` is in some net of `outer`.
fn covers(outer: &[IpNet], inner: &[IpNet]) -> bool {
    inner.iter().all(|i| outer.iter().any(|o| o.contains(i)))
}

fn firewall(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    let key = |r: &ResolvedFirewallRule<'_>| (r.rule.name.value.clone(), r.rule.protocol.value);
    for nr in &n.firewall {
        let proto = nr.rule.protocol.value.as_str();
        let name = nr.rule.name.value.clone();
        let Some(br) = b.firewall.iter().find(|br| key(br) == key(nr)) else {
            let to = if public(&nr.sources) {
                "the internet".to_owned()
            } else {
                sources(&nr.sources)
            };
            out.push(change(
                Class::Additive,
                Kind::PortOpened,
                name.clone(),
                format!("`{name}`: {proto} port {} opened to {to}", nr.port),
                nr.rule.name.span,
            ));
            continue;
        };
        let ((b0, b1), (n0, n1)) = (br.rule.ports.value, nr.rule.ports.value);
        if (b0, b1) != (n0, n1) {
            let widened = n0 <= b0 && n1 >= b1;
            let open = if public(&nr.sources) {
                ", open to the internet"
            } else {
                ""
            };
            out.push(scope(
                widened,
                (Kind::PortsWidened, Kind::PortsNarrowed),
                name.clone(),
                format!("`{name}`: {proto} ports {} → {}{open}", br.port, nr.port),
                nr.rule.ports.span,
                "connections to the ports no longer open are refused",
            ));
        }
        if br.sources != nr.sources {
            let widened = covers(&nr.sources, &br.sources);
            let mut c = scope(
                widened,
                (Kind::SourcesWidened, Kind::SourcesNarrowed),
                name.clone(),
                format!(
                    "`{name}` ({proto} {}): sources {} → {}",
                    nr.port,
                    sources(&br.sources),
                    sources(&nr.sources)
                ),
                nr.rule.sources.first().map_or(nr.rule.span, |s| s.span),
                "clients outside the new sources are cut off",
            );
            if widened && public(&nr.sources) && !public(&br.sources) {
                c.summary.push_str(": now open to the internet");
            }
            out.push(c);
        }
    }
    for br in b
        .firewall
        .iter()
        .filter(|br| !n.firewall.iter().any(|nr| key(nr) == key(br)))
    {
        let name = br.rule.name.value.clone();
        let mut c = change(
            Class::Disruptive,
            Kind::PortClosed,
            name.clone(),
            format!(
                "`{name}`: {} port {} closed",
                br.rule.protocol.value.as_str(),
                br.port
            ),
            br.rule.name.span,
        );
        c.side = Side::Base;
        c.notes
            .push("connections to it are refused from now on".into());
        out.push(c);
    }
}

fn sources(s: &[IpNet]) -> String {
    s.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn secrets(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    // the working file's new secrets first, then the base's dropped ones
    for (side, here, there) in [(Side::New, n, b), (Side::Base, b, n)] {
        for (u, name) in &here.secrets {
            if there.secrets.contains(&(*u, *name)) {
                continue;
            }
            let span = here
                .topo
                .secret(*u)
                .map_or(here.topo.env.span, |s| s.name.span);
            let use_ = u.as_str();
            let mut c = if side == Side::New {
                let mut c = change(
                    Class::Additive,
                    Kind::SecretAdded,
                    *name,
                    format!("GitHub secret `{name}` used for {use_}"),
                    span,
                );
                c.notes
                    .push("create it in the repository's settings before the workflows run".into());
                c
            } else {
                change(
                    Class::InPlace,
                    Kind::SecretRemoved,
                    *name,
                    format!("GitHub secret `{name}` no longer used for {use_}"),
                    span,
                )
            };
            c.side = side;
            out.push(c);
        }
    }
}

/// What a change of the version `tool` does to the running cluster, and
/// what to know about it.
fn version_effect(tool: &str) -> (Class, &'static str) {
    match tool {
        "k3s" => (
            Class::Disruptive,
            "K3s is installed by cloud-init: every server is replaced (see above); upgrade one minor version at a time",
        ),
        "helm" => (
            Class::InPlace,
            "installed by the control plane's cloud-init (see above)",
        ),
        "traefik-chart" => (Class::Disruptive, "Traefik rolls its pods"),
        "strimzi" => (
            Class::Disruptive,
            "the operator is upgraded, then rolls every Kafka pod; upgrade Strimzi before Kafka, one release at a time",
        ),
        "kafka" => (
            Class::Disruptive,
            "Strimzi rolls the brokers one at a time; the metadata version moves only when it is raised too (no downgrade past it)",
        ),
        "argocd-operator" => (Class::Disruptive, "the operator rolls ArgoCD"),
        "kube-prometheus-stack" => (
            Class::Disruptive,
            "the next deploy upgrades the release: the operator and Prometheus restart (its volume and samples are kept); Helm does not upgrade the chart's CRDs",
        ),
        "grafana-operator" => (
            Class::Disruptive,
            "the next deploy upgrades the release: the operator restarts; Helm does not upgrade the chart's CRDs",
        ),
        _ => (Class::InPlace, ""),
    }
}

fn versions(b: &Resolved<'_>, n: &Resolved<'_>, out: &mut Vec<Change>) {
    let pairs = b.topo.versions.named().into_iter();
    for ((what, before), (_, after)) in pairs.zip(n.topo.versions.named()) {
        let (class, note) = version_effect(what);
        if before.value == after.value {
            continue;
        }
        let mut c = change(
            class,
            Kind::VersionChanged,
            what,
            format!("{what} {} → {}", before.value, after.value),
            after.span,
        );
        if !note.is_empty() {
            c.notes.push(note.to_owned());
        }
        out.push(c);
    }
}
