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
use super::value::{KafkaValue, Node, PoolValue, RegistryValue, control_plane};
use super::{Destination, EmitError, Plan, Templates};
use crate::model::{Project, Resolved};

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
    DRIFT_CHECK,
];

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
}

/// Every environment, as the workflows' `case` statements select it.
#[derive(Serialize)]
struct ProjectCtx<'a> {
    /// Environment names, in file order.
    env_names: Vec<&'a str>,
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

/// A cron line of the maintenance workflow and the environments it destroys.
#[derive(Serialize)]
struct DestroySchedule<'a> {
    /// `M H * * *` (UTC).
    cron: String,
    /// `HH:MM` (UTC).
    time: String,
    envs: Vec<&'a str>,
}

/// One environment's facts.
#[derive(Serialize)]
struct Env<'a> {
    env: &'a str,
    cluster: &'a str,
    /// `<env>-<cluster>`.
    prefix: &'a str,
    node_count: u32,
    control_plane: Node,
    hetzner: Hetzner<'a>,
    versions: Versions<'a>,
    ingress: Ingress,
    gitops: GitOps<'a>,
    pools: Vec<PoolValue<'a>>,
    kafka: Option<KafkaValue<'a>>,
    /// Registries and the namespaces that get their pull secret.
    registries: Vec<RegistryValue<'a>>,
}

#[derive(Serialize)]
struct Hetzner<'a> {
    datacenter: &'a str,
}

/// The versions the workflows install.
#[derive(Serialize)]
struct Versions<'a> {
    terraform_cli: &'a str,
    hcloud_cli: &'a str,
    argocd_operator: &'a str,
}

#[derive(Serialize)]
struct Ingress {
    https: u32,
}

#[derive(Serialize)]
struct GitOps<'a> {
    repo: &'a str,
    overlay: &'a str,
    revision: &'a str,
    namespace: &'a str,
}

impl<'a> ProjectCtx<'a> {
    fn new(project: &'a Project, envs: &'a [Resolved<'_>]) -> Self {
        let mut destroy_schedules: Vec<DestroySchedule<'_>> = Vec::new();
        for e in envs {
            let name = e.topo.env.name.value.as_str();
            if let Some(at) = &e.topo.schedule.destroy_at {
                let (h, m) = at.value;
                let cron = format!("{m} {h} * * *");
                match destroy_schedules.iter_mut().find(|d| d.cron == cron) {
                    Some(d) => d.envs.push(name),
                    None => destroy_schedules.push(DestroySchedule {
                        cron,
                        time: format!("{h:02}:{m:02}"),
                        envs: vec![name],
                    }),
                }
            }
        }
        Self {
            env_names: envs
                .iter()
                .map(|e| e.topo.env.name.value.as_str())
                .collect(),
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
    fn new(e: &'a Resolved<'_>) -> Self {
        let t = e.topo;
        Self {
            env: &t.env.name.value,
            cluster: &t.cluster.value,
            prefix: &e.prefix,
            node_count: e.node_count,
            control_plane: control_plane(e),
            hetzner: Hetzner {
                datacenter: &t.hetzner.datacenter.value,
            },
            versions: Versions {
                terraform_cli: &t.versions.terraform_cli.value,
                hcloud_cli: &t.versions.hcloud_cli.value,
                argocd_operator: &t.versions.argocd_operator.value,
            },
            ingress: Ingress {
                https: t.ingress.https_node_port.value,
            },
            gitops: GitOps {
                repo: &t.gitops.repo.value,
                overlay: &t.gitops.overlay.value,
                revision: &t.gitops.revision.value,
                namespace: &t.gitops.namespace.value,
            },
            pools: PoolValue::all(e),
            kafka: KafkaValue::of(e),
            registries: RegistryValue::all(e),
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
        let snake = |u: crate::model::SecretUse| u.as_str().replace('-', "_");
        let optional: BTreeSet<String> = first
            .map(|e| {
                e.topo
                    .secrets
                    .iter()
                    .filter(|s| s.optional)
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
        Self {
            cx: ProjectCtx::new(project, envs),
            generated: &project.output.dir,
            terraform_module: project.output.terraform == crate::model::TerraformShape::Module,
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
                GhExpr(format!(
                    "topogen-${{{{ runner.os }}}}-${{{{ runner.arch }}}}-{rev}"
                ))
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
                            p.labels
                                .iter()
                                .map(|l| format!("{}={}", l.key.value, l.value.value))
                                .collect::<Vec<_>>()
                                .join(",")
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
            any_ip_lookup: envs
                .iter()
                .any(|e| external(e).is_some_and(|x| x.address.is_none())),
            any_registry: envs.iter().any(|e| !e.topo.registries.is_empty()),
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
    let ctx = minijinja::Value::from_serialize(WorkflowCtx::new(project, envs));
    for file in FILES {
        if *file == DRIFT_CHECK && project.topogen.is_none() {
            continue;
        }
        let text = t.render(&format!("workflows/{file}.j2"), &ctx)?;
        plan.add_to(Destination::Workflows, file, text);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ident;

    #[test]
    fn ident_cannot_open_an_expression() {
        assert_eq!(ident("HCLOUD_TOKEN"), "HCLOUD_TOKEN");
        assert_eq!(ident("X }} ${{ github.token"), "X________github_token");
        assert_eq!(ident("1X"), "_1X");
        assert_eq!(ident(""), "_");
    }
}
