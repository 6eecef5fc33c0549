//! GitHub Actions: the deploy orchestrator, the maintenance workflow, the
//! five reusable stages and the drift check, shared by every environment.
//!
//! The workflows are one set for the whole project: each one takes the
//! environment as an input and selects that environment's facts with a
//! shell `case` generated from the resolved environments, so that nothing about the
//! topology is written into a template.
//!
//! The few things a template cannot safely build itself are prepared here:
//! GitHub expressions that embed a name from `cluster.kdl` (a secret name, a
//! Terraform variable) are built from identifier-safe names, so a hostile
//! name can never open a `${{ }}` expression of its own, and templates only
//! ever see them as JSON-quoted YAML scalars.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::templates::GhExpr;
use super::value::{
    GitOpsValue, HetznerValue, IngressValue, KafkaValue, MonitoringValue, Node, PoolValue,
    RegistryValue, VersionsValue, control_plane,
};
use super::{Destination, EmitError, Plan, Templates};
use crate::model::resolve::snake;
use crate::model::{KafkaOwner, Project, Resolved};

/// The drift check, generated only when cluster.kdl pins topogen
/// (`topogen git=… rev=…`): it installs exactly that commit.
const DRIFT_CHECK: &str = "topogen-drift-check.yml";

/// Every workflow: file name in `.github/workflows/` (the template is
/// `workflows/<file>.j2`).
pub(crate) const FILES: &[&str] = &[
    "deploy-cluster.yml",
    "hcloud-maintenance.yml",
    "01-reusable-provision-infra.yml",
    "02-reusable-verify-cluster.yml",
    "03-reusable-deploy-argocd.yml",
    "04-reusable-deploy-strimzi.yml",
    "05-reusable-verify-access.yml",
    MONITORING,
    VIEW_LOGS,
    VERIFY_MONITORING,
    KAFKA_TOPICS,
    DRIFT_CHECK,
];

/// Operations workflow: list namespaces and apps, or tail an app's logs.
const VIEW_LOGS: &str = "view-app-logs.yml";

/// Operations workflow: verify a deployed environment's monitoring stack
/// (the deploy's verify job, dispatched by hand); only with `monitoring`.
const VERIFY_MONITORING: &str = "verify-monitoring-stack.yml";

/// Operations workflow: read a topic with kcat through the external
/// bootstrap NodePort; only when an environment's Kafka has one.
const KAFKA_TOPICS: &str = "kafka-topics.yml";

/// The monitoring stage, generated only when an environment declares
/// `monitoring`: without one no workflow has a monitoring step.
const MONITORING: &str = "06-reusable-deploy-monitoring.yml";

/// What every workflow template sees: the project plus the derived values
/// that are about GitHub rather than the topology.
#[derive(Serialize)]
struct WorkflowCtx<'a> {
    /// The project's facts the workflows select from.
    cx: ProjectCtx<'a>,
    /// Where the repository keeps topogen's output (paths in `run:` scripts):
    /// `output dir=…` of cluster.kdl.
    generated: &'a str,
    /// The Rust release that builds topogen (its MSRV).
    rust_version: &'static str,
    /// The drift check's cache key for the pinned topogen:
    /// `topogen-${{ runner.os }}-${{ runner.arch }}-<rev>`.
    topogen_cache_key: Option<GhExpr>,
    /// Secrets by use (`hcloud_token`), each with its `${{ secrets.X }}` expression.
    secrets: BTreeMap<String, SecretRef>,
    /// Terraform variables that receive a Primary IP ID, over all environments
    /// (`output terraform="tfvars-only"`: the generated module looks them up by name).
    primary_ip_vars: Vec<StepOutput>,
    /// The provision workflow runs the generated root module in `<generated>/terraform`.
    terraform_module: bool,
    /// Per-environment values derived for the workflows, in `cx.envs` order.
    envs: Vec<EnvExtra>,
    /// Any environment runs Kafka.
    any_kafka: bool,
    /// Any environment exposes Kafka through a NodePort listener.
    any_external: bool,
    /// Any environment must look up its Kafka Primary IP's address at deploy time.
    any_ip_lookup: bool,
    /// Any environment declares a registry: the ArgoCD workflow creates pull secrets.
    any_registry: bool,
    /// Any environment declares `monitoring`: the deploy installs and
    /// verifies it before ArgoCD.
    any_monitoring: bool,
    /// Any environment's Kafka is the GitOps repository's (`kafka owner=gitops`).
    any_gitops_kafka: bool,
    /// The concurrency groups that keep a deploy and a maintenance run of the
    /// same environment from overlapping.
    concurrency: Concurrency,
    /// The provision job's `environment:`: the GitHub deployment environment
    /// `approval=` names for the environment being provisioned, none (`''`)
    /// for the others; absent when no environment names one.
    approval: Option<GhExpr>,
}

/// `${{ inputs.environment == 'prod' && 'production' || '' }}`: each
/// environment's `approval=`; an empty name is no deployment environment.
fn approval(envs: &[Resolved<'_>]) -> Option<GhExpr> {
    let arms: Vec<String> = envs
        .iter()
        .filter_map(|e| {
            let a = e.topo.env.approval.as_ref()?;
            Some(format!(
                "inputs.environment == '{}' && '{}'",
                group_word(&e.topo.env.name.value),
                group_word(&a.value)
            ))
        })
        .collect();
    if arms.is_empty() {
        return None;
    }
    let expr = format!("${{{{ {} || '' }}}}", arms.join(" || "));
    if super::provenance::active() {
        super::provenance::derived(
            &expr,
            envs.iter()
                .flat_map(|e| {
                    let a = e.topo.env.approval.as_ref()?;
                    Some([e.topo.env.name.span, a.span])
                })
                .flatten(),
        );
    }
    Some(GhExpr(expr))
}

/// One concurrency group per environment, `<cluster>-<env>-infra`, entered
/// by the deploy and by every maintenance run (dispatched, scheduled, or
/// called by another workflow), with `cancel-in-progress: false`: the 23:30
/// destroy waits for a running deploy, and a deploy for a running destroy.
/// The deploy's own calls of the maintenance workflow (`check-clean`, the
/// cleanup after a failure) pass `caller_holds_group: true` and enter a group
/// of their run instead: entering the group their caller holds would be a
/// deadlock, which GitHub resolves by cancelling the run.
#[derive(Serialize)]
struct Concurrency {
    /// The deploy workflow's group.
    deploy: GhExpr,
    /// The maintenance workflow's group.
    maintenance: GhExpr,
}

impl Concurrency {
    fn new(envs: &[Resolved<'_>], schedules: &[DestroySchedule<'_>]) -> Self {
        let cluster = group_word(envs.first().map_or("", |e| e.topo.cluster.value.as_str()));
        // the environment a maintenance run acts on: a scheduled run's from
        // its cron line (one line per environment), any other's from `env`
        let env = if schedules.is_empty() {
            "inputs.env".to_owned()
        } else {
            let by_cron: Vec<String> = schedules
                .iter()
                .map(|s| {
                    format!(
                        "github.event.schedule == '{}' && '{}'",
                        group_word(&s.cron),
                        group_word(s.envs.first().copied().unwrap_or_default())
                    )
                })
                .collect();
            format!(
                "github.event_name == 'schedule' && ({} || 'unscheduled') || inputs.env",
                by_cron.join(" || ")
            )
        };
        let deploy = format!("{cluster}-${{{{ inputs.environment }}}}-infra");
        let maintenance = format!(
            "{cluster}-${{{{ {env} }}}}-infra${{{{ inputs.caller_holds_group && format('-called-by-{{0}}-{{1}}', github.run_id, github.run_attempt) || '' }}}}"
        );
        if super::provenance::active()
            && let Some(first) = envs.first()
        {
            let named = first.topo.cluster.span;
            super::provenance::derived(&deploy, [named]);
            // a scheduled run's environment is its cron line's
            let scheduled = envs.iter().flat_map(|e| {
                let at = e.topo.schedule.destroy_at.as_ref()?;
                Some([e.topo.env.name.span, at.span])
            });
            super::provenance::derived(
                &maintenance,
                std::iter::once(named).chain(scheduled.flatten()),
            );
        }
        Self {
            deploy: GhExpr(deploy),
            maintenance: GhExpr(maintenance),
        }
    }
}

/// `s` with every character that could end a quoted string or an expression
/// (anything but letters, digits, ` `, `*`, `,`, `.`, `_`, `-` and `/`)
/// replaced: validation admits only DNS labels, cron lines of digits and
/// GitHub environment names of those characters; this keeps the generated
/// `${{ }}` well-formed whatever reaches it.
fn group_word(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " *,._-/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every environment, as the workflows' `case` statements select it.
#[derive(Serialize)]
struct ProjectCtx<'a> {
    /// Environment names, in file order.
    env_names: Vec<&'a str>,
    /// The environments that declare `monitoring`, in file order.
    monitoring_env_names: Vec<&'a str>,
    /// Every namespace cluster.kdl names (apps', Kafka's, ArgoCD's,
    /// monitoring's), over all environments, in the order it names them:
    /// the choices of the logs workflow.
    namespaces: Vec<&'a str>,
    /// The environments whose Kafka has an external (NodePort) listener
    /// and a Primary IP node to reach it through, in file order: the
    /// choices of the topics workflow.
    kafka_env_names: Vec<&'a str>,
    /// The topics `kafka { topic … }` declares in those environments, in
    /// the order cluster.kdl names them, each once.
    kafka_topics: Vec<&'a str>,
    /// Each environment.
    envs: Vec<Env<'a>>,
    /// Distinct destroy schedules.
    destroy_schedules: Vec<DestroySchedule<'a>>,
    /// `topogen git=… rev=…`: the topogen the drift check installs.
    topogen: Option<Pin<'a>>,
}

/// The pinned topogen.
#[derive(Serialize)]
struct Pin<'a> {
    git: &'a str,
    rev: &'a str,
    /// `plan-comment=#true`: the drift check's `comment` job posts the plan
    /// on the pull request (the only job with `pull-requests: write`).
    plan_comment: bool,
}

/// A cron line of the maintenance workflow and the environment it destroys.
#[derive(Serialize)]
struct DestroySchedule<'a> {
    /// `M H * * *` (UTC), spelled apart from every other line (see [`cron`]).
    cron: String,
    /// `HH:MM` (UTC).
    time: String,
    envs: Vec<&'a str>,
}

/// The cron line of the `k`-th environment destroyed daily at `h:m`: one
/// line per environment, so that `github.event.schedule` names a single
/// environment and the scheduled run can enter that environment's
/// concurrency group (a deploy of it holds the same group). Environments
/// destroyed at the same time get equivalent spellings of "every day"
/// (`1-31`, `1,2-31`, … in the day of month, `1-12` in the month): each is
/// its own schedule to GitHub, each fires daily.
fn cron(h: u32, m: u32, k: usize) -> String {
    let day = match k % 32 {
        0 => "*".to_owned(),
        1 => "1-31".to_owned(),
        2 => "1,2-31".to_owned(),
        d => format!("1-{},{d}-31", d - 1),
    };
    let month = if k / 32 == 0 { "*" } else { "1-12" };
    format!("{m} {h} {day} {month} *")
}

/// One environment's facts.
#[derive(Serialize)]
struct Env<'a> {
    env: &'a str,
    cluster: &'a str,
    /// `environment=<env>,cluster=<cluster>`: the labels that select the
    /// environment's Hetzner resources.
    selector: minijinja::Value,
    /// `<env>-<cluster>`.
    prefix: &'a str,
    /// The project's deploy SSH key (`<cluster>-deploy`).
    ssh_key: &'a str,
    node_count: u32,
    control_plane: Node,
    hetzner: HetznerValue<'a>,
    versions: VersionsValue<'a>,
    ingress: IngressValue,
    gitops: GitOpsValue<'a>,
    pools: Vec<PoolValue<'a>>,
    kafka: Option<KafkaValue<'a>>,
    /// The Hetzner server name of the node whose Primary IP Kafka's
    /// external listener advertises (empty without one): the topics
    /// workflow reads from its public address.
    kafka_server: &'a str,
    /// Registries and the namespaces that get their pull secret.
    registries: Vec<RegistryValue<'a>>,
    /// The monitoring stack, when declared.
    monitoring: Option<MonitoringValue<'a>>,
}

impl<'a> ProjectCtx<'a> {
    fn new(project: &'a Project, envs: &'a [Resolved<'_>]) -> Self {
        let mut destroy_schedules: Vec<DestroySchedule<'_>> = Vec::new();
        for e in envs {
            let name = e.topo.env.name.value.as_str();
            if let Some(at) = &e.topo.schedule.destroy_at {
                let (h, m) = at.value;
                let time = e.topo.schedule.destroy_time().unwrap_or_default();
                let same = destroy_schedules.iter().filter(|d| d.time == time).count();
                let cron = cron(h, m, same);
                if super::provenance::active() {
                    super::provenance::derived(&cron, [at.span]);
                }
                destroy_schedules.push(DestroySchedule {
                    cron,
                    time,
                    envs: vec![name],
                });
            }
        }
        // in the order cluster.kdl names them, each once
        let mut namespaces: Vec<&str> = Vec::new();
        for e in envs {
            let t = e.topo;
            let named = std::iter::once(t.gitops.namespace.value.as_str())
                .chain(t.kafka.iter().map(|k| k.namespace.value.as_str()))
                .chain(t.monitoring.iter().map(|m| m.namespace.value.as_str()))
                .chain(
                    t.registries
                        .iter()
                        .flat_map(|r| r.namespaces.iter().map(|n| n.value.as_str())),
                );
            for n in named {
                if !namespaces.contains(&n) {
                    namespaces.push(n);
                }
            }
        }
        let reachable: Vec<&Resolved<'_>> = envs
            .iter()
            .filter(|e| !Env::kafka_server(e).is_empty())
            .collect();
        let mut kafka_topics: Vec<&str> = Vec::new();
        for e in &reachable {
            for t in e.topo.kafka.iter().flat_map(|k| k.topics.iter()) {
                if !kafka_topics.contains(&t.name.value.as_str()) {
                    kafka_topics.push(&t.name.value);
                }
            }
        }
        Self {
            kafka_env_names: reachable
                .iter()
                .map(|e| e.topo.env.name.value.as_str())
                .collect(),
            kafka_topics,
            env_names: envs
                .iter()
                .map(|e| e.topo.env.name.value.as_str())
                .collect(),
            monitoring_env_names: envs
                .iter()
                .filter(|e| e.topo.monitoring.is_some())
                .map(|e| e.topo.env.name.value.as_str())
                .collect(),
            namespaces,
            envs: envs.iter().map(Env::new).collect(),
            destroy_schedules,
            topogen: project.topogen.as_ref().map(|p| Pin {
                git: &p.git.value,
                rev: &p.rev.value,
                plan_comment: p.plan_comment,
            }),
        }
    }
}

impl<'a> Env<'a> {
    /// The server name of the node whose Primary IP Kafka's external
    /// listener advertises; empty without an external listener or a
    /// Primary IP.
    fn kafka_server(e: &'a Resolved<'_>) -> &'a str {
        let Some(via) = e
            .kafka
            .as_ref()
            .and_then(|k| k.external.as_ref())
            .map(|x| x.via_node.as_str())
            .filter(|v| !v.is_empty())
        else {
            return "";
        };
        e.pools
            .iter()
            .flat_map(|p| p.nodes.iter())
            .find(|n| n.name == via)
            .map_or("", |n| {
                if super::provenance::active() {
                    super::provenance::node_fact(n, super::value::TextField::ServerName);
                }
                n.server_name.as_str()
            })
    }

    fn new(e: &'a Resolved<'_>) -> Self {
        let t = e.topo;
        Self {
            env: &t.env.name.value,
            cluster: &t.cluster.value,
            selector: super::provenance::composed(
                format!(
                    "environment={},cluster={}",
                    t.env.name.value, t.cluster.value
                ),
                [t.env.name.span, t.cluster.span],
            ),
            prefix: &e.prefix,
            ssh_key: &e.ssh_key,
            node_count: e.node_count,
            control_plane: control_plane(e),
            hetzner: HetznerValue::of(e),
            versions: VersionsValue::new(&t.versions),
            ingress: IngressValue::of(e),
            gitops: GitOpsValue::of(e),
            pools: PoolValue::all(e),
            kafka: KafkaValue::of(e),
            kafka_server: Self::kafka_server(e),
            registries: RegistryValue::all(e),
            monitoring: MonitoringValue::of(e),
        }
    }
}

/// A secret as a reusable workflow declares and receives it.
#[derive(Serialize)]
struct SecretRef {
    /// The secret's name (identifier-safe).
    name: String,
    /// `${{ secrets.NAME }}`.
    expr: GhExpr,
    /// Workflows may run without it.
    optional: bool,
}

/// A value one step hands to another through `$GITHUB_OUTPUT`.
#[derive(Serialize)]
struct StepOutput {
    /// The output's name (identifier-safe), also the Terraform variable.
    name: String,
    /// `${{ steps.primary_ips.outputs.NAME }}`.
    expr: GhExpr,
}

/// Per-environment values that exist only for the workflows.
#[derive(Serialize)]
struct EnvExtra {
    /// kubectl release matching the K3s version (`v1.34.1` for `v1.34.1+k3s1`).
    kubectl_version: String,
    /// Per pool (in `pools` order), the node-label selector of its labels
    /// (`role=kafka,workload=mixed`; empty without labels).
    selectors: Vec<String>,
    /// Per pool, the step output (and Terraform variable) that receives its
    /// Primary IP's ID, identifier-safe as in `primary_ip_vars`; empty without one.
    primary_ip_outputs: Vec<String>,
}

/// Replaces every character that may not appear in a GitHub expression
/// identifier. Validation already restricts these names; this keeps the
/// generated `${{ }}` well-formed whatever reaches it.
fn ident(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

impl<'a> WorkflowCtx<'a> {
    fn new(project: &'a Project, envs: &'a [Resolved<'_>]) -> Self {
        let first = envs.first();
        let snake = |u: crate::model::SecretUse| snake(u.as_str());
        let optional: BTreeSet<String> = first
            .map(|e| {
                e.topo
                    .secrets
                    .iter()
                    .filter(|s| s.optional.value)
                    .map(|s| snake(s.usage.value))
                    .collect()
            })
            .unwrap_or_default();
        let secrets = first
            .map(|e| {
                e.secrets
                    .iter()
                    .map(|&(usage, name)| {
                        let usage = snake(usage);
                        let name = ident(name);
                        let r = SecretRef {
                            expr: GhExpr(format!("${{{{ secrets.{name} }}}}")),
                            name,
                            optional: optional.contains(&usage),
                        };
                        (usage, r)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let primary_ip_vars: BTreeSet<String> = envs
            .iter()
            .flat_map(|e| e.pools.iter())
            .filter_map(|p| p.primary_ip.as_ref().map(|ip| ident(&ip.tf_var)))
            .collect();
        fn external<'e>(e: &'e Resolved<'_>) -> Option<&'e crate::model::resolve::External<'e>> {
            e.kafka.as_ref().and_then(|k| k.external.as_ref())
        }
        let cx = ProjectCtx::new(project, envs);
        Self {
            concurrency: Concurrency::new(envs, &cx.destroy_schedules),
            approval: approval(envs),
            cx,
            generated: &project.output.dir,
            terraform_module: project.output.terraform.value
                == crate::model::TerraformShape::Module,
            rust_version: env!("CARGO_PKG_RUST_VERSION"),
            // validation admits only 40 hexadecimal digits; keeping only
            // those here too, the key can never open an expression of its own
            topogen_cache_key: project.topogen.as_ref().map(|p| {
                let rev: String = p
                    .rev
                    .value
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .collect();
                let key = format!("topogen-${{{{ runner.os }}}}-${{{{ runner.arch }}}}-{rev}");
                if super::provenance::active() {
                    super::provenance::derived(&key, [p.rev.span]);
                }
                GhExpr(key)
            }),
            secrets,
            primary_ip_vars: primary_ip_vars
                .into_iter()
                .map(|name| StepOutput {
                    expr: GhExpr(format!("${{{{ steps.primary_ips.outputs.{name} }}}}")),
                    name,
                })
                .collect(),
            envs: envs
                .iter()
                .map(|e| EnvExtra {
                    kubectl_version: e
                        .topo
                        .versions
                        .k3s
                        .value
                        .split('+')
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    selectors: e
                        .pools
                        .iter()
                        .map(|p| {
                            let selector = p
                                .labels
                                .iter()
                                .map(|l| format!("{}={}", l.key.value, l.value.value))
                                .collect::<Vec<_>>()
                                .join(",");
                            if super::provenance::active() {
                                super::provenance::derived(
                                    &selector,
                                    p.labels.iter().map(|l| l.span),
                                );
                            }
                            selector
                        })
                        .collect(),
                    primary_ip_outputs: e
                        .pools
                        .iter()
                        .map(|p| {
                            p.primary_ip
                                .as_ref()
                                .map(|ip| ident(&ip.tf_var))
                                .unwrap_or_default()
                        })
                        .collect(),
                })
                .collect(),
            any_kafka: envs.iter().any(|e| e.kafka.is_some()),
            any_external: envs.iter().any(|e| external(e).is_some()),
            any_ip_lookup: envs.iter().any(|e| {
                e.topo.kafka_owner() == KafkaOwner::Topogen
                    && external(e).is_some_and(|x| x.address.is_none())
            }),
            any_registry: envs.iter().any(|e| !e.topo.registries.is_empty()),
            any_monitoring: envs.iter().any(|e| e.topo.monitoring.is_some()),
            any_gitops_kafka: envs
                .iter()
                .any(|e| e.kafka.is_some() && e.topo.kafka_owner() == KafkaOwner::Gitops),
        }
    }
}

/// Renders every workflow into `plan`.
pub(crate) fn emit(
    project: &Project,
    envs: &[Resolved<'_>],
    t: &Templates,
    plan: &mut Plan,
) -> Result<(), EmitError> {
    // converted to a template value once, not once per workflow
    let ctx = minijinja::Value::from(minijinja::value::Serde(WorkflowCtx::new(project, envs)));
    for file in FILES {
        if *file == DRIFT_CHECK && project.topogen.is_none() {
            continue;
        }
        if (*file == MONITORING || *file == VERIFY_MONITORING)
            && envs.iter().all(|e| e.topo.monitoring.is_none())
        {
            continue;
        }
        if *file == KAFKA_TOPICS && envs.iter().all(|e| Env::kafka_server(e).is_empty()) {
            continue;
        }
        plan.render_to(Destination::Workflows, file, || {
            t.render(&format!("workflows/{file}.j2"), &ctx)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{cron, group_word, ident};

    #[test]
    fn every_environment_destroyed_at_one_time_gets_its_own_daily_cron_line() {
        let lines: Vec<String> = (0..64).map(|k| cron(23, 30, k)).collect();
        assert_eq!(lines[0], "30 23 * * *");
        assert_eq!(lines[1], "30 23 1-31 * *");
        assert_eq!(lines[2], "30 23 1,2-31 * *");
        assert_eq!(lines[3], "30 23 1-2,3-31 * *");
        assert_eq!(lines[32], "30 23 * 1-12 *");
        let distinct: std::collections::BTreeSet<&String> = lines.iter().collect();
        assert_eq!(distinct.len(), 64, "one line per environment");
        for l in &lines {
            let f: Vec<&str> = l.split(' ').collect();
            // every day: each day of month 1..=31 in the field's ranges
            let days: std::collections::BTreeSet<u32> = if f[2] == "*" {
                (1..=31).collect()
            } else {
                f[2].split(',')
                    .flat_map(|r| {
                        let (a, b) = r.split_once('-').unwrap_or((r, r));
                        a.parse::<u32>().unwrap()..=b.parse::<u32>().unwrap()
                    })
                    .collect()
            };
            assert_eq!(days, (1..=31).collect(), "{l}");
            assert!(f[3] == "*" || f[3] == "1-12", "{l}");
            assert_eq!(f[4], "*", "{l}");
        }
    }

    #[test]
    fn a_group_word_cannot_end_a_string_or_an_expression() {
        assert_eq!(group_word("30 23 1-2,3-31 * *"), "30 23 1-2,3-31 * *");
        assert_eq!(group_word("k3s-trading"), "k3s-trading");
        assert_eq!(
            group_word("x' }} ${{ github.token"),
            "x_ __ ___ github.token"
        );
    }

    #[test]
    fn ident_cannot_open_an_expression() {
        assert_eq!(ident("HCLOUD_TOKEN"), "HCLOUD_TOKEN");
        assert_eq!(ident("X }} ${{ github.token"), "X________github_token");
        assert_eq!(ident("1X"), "_1X");
        assert_eq!(ident(""), "_");
    }
}
