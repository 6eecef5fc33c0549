//! `terraform/*.tf`: the Terraform root module that reads `environments/<env>.tfvars`.
//!
//! One module for every environment: `terraform apply -var-file=../environments/<env>.tfvars`
//! selects one. It declares exactly the variables the tfvars set (plus the two the
//! provision workflow passes as `TF_VAR_*`), so a key the module does not know is
//! Terraform's "undeclared variable" and not a value silently ignored. Each node is one
//! `hcloud_server` keyed by its node name (`kafka-0`), so removing a node never renames
//! or replaces another; its `user_data` is its pool's generated cloud-init, read with
//! `file()` and never templated again.
//!
//! The context is built here from every environment's [`Resolved`] (pool names, their
//! Terraform prefixes and Hetzner roles, Kafka's broker and controller pools): the pools
//! of every environment (a pool an overlay adds exists only where it is declared, so its
//! variables get defaults), and which of them must never be empty (the control plane,
//! the Kafka broker and controller pools).

use serde::Serialize;

use super::provenance::composed;
use super::{EmitError, Plan, Templates};
use crate::model::Spanned;
use crate::model::{Resolved, TerraformShape};
use minijinja::Value;

/// The module's files, in the order they are rendered.
const FILES: &[(&str, &str)] = &[
    ("terraform/versions.tf.j2", "terraform/versions.tf"),
    ("terraform/variables.tf.j2", "terraform/variables.tf"),
    ("terraform/main.tf.j2", "terraform/main.tf"),
    ("terraform/outputs.tf.j2", "terraform/outputs.tf"),
];

/// What the module's templates see.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ModuleCtx {
    /// Whether the module is emitted at all (`output terraform="module"`).
    #[serde(skip)]
    pub(crate) enabled: bool,
    /// The cluster name.
    pub(crate) cluster: String,
    /// What follows `var.cluster_name` in the deploy SSH key's name.
    pub(crate) ssh_key_suffix: &'static str,
    /// Every environment's name, in file order (the `environment` validation).
    pub(crate) environments: Vec<String>,
    /// The `environment` validation's error message, which lists them.
    pub(crate) environments_message: Value,
    /// `versions { terraform }` (`required_version`).
    pub(crate) terraform_version: String,
    /// `versions { hcloud-provider }`.
    pub(crate) hcloud_provider: String,
    /// The control-plane pool (the one `role=server` pool of `count=1`).
    pub(crate) control: Option<ModulePool>,
    /// The agent pools of every environment, in file order, each once.
    pub(crate) agents: Vec<ModulePool>,
    /// Pools that hold Kafka brokers in some environment (the `kafka_ips` output).
    pub(crate) kafka_pools: Vec<String>,
}

/// One pool as the module sees it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ModulePool {
    /// The pool's name (`kafka`): node names are `<pool>-<i>`.
    pub(crate) name: String,
    /// The prefix of its tfvars keys (`kafka` → `kafka_node_count`).
    pub(crate) var: String,
    /// The Hetzner `role` label (`control-plane`, or the pool's name).
    pub(crate) role: String,
    /// Declared in every environment: its variables have no default.
    pub(crate) everywhere: bool,
    /// Holds Kafka brokers or controllers in every environment that has it: `count >= 1`.
    pub(crate) not_empty: bool,
    /// The error messages of its variables' validations, which name it.
    pub(crate) messages: PoolMessages,
}

/// The error messages of a pool's validations: each names the pool, and
/// carries its name's origin.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PoolMessages {
    /// Its node count is below 1 though it holds Kafka.
    pub(crate) not_empty: Value,
    /// Its node count is no whole number.
    pub(crate) whole: Value,
    /// Its private IPs are not one per node.
    pub(crate) one_ip_each: Value,
    /// A key of its private IPs is no node name of it.
    pub(crate) named: Value,
}

impl PoolMessages {
    fn of(name: &Spanned<String>) -> Self {
        let n = &name.value;
        let text = |t: String| composed(t, [name.span]);
        Self {
            not_empty: text(format!(
                "Pool {n} holds Kafka brokers or controllers: it must have at least 1 node."
            )),
            whole: text(format!(
                "The node count of pool {n} is a whole number, 0 or more."
            )),
            one_ip_each: text(format!("Pool {n} needs one private IP per node.")),
            named: text(format!("The nodes of pool {n} are named {n}-<index>.")),
        }
    }
}

impl ModuleCtx {
    /// The module's context for the resolved environments `envs`, emitted
    /// when the project's shape is `shape`.
    pub(crate) fn new(shape: TerraformShape, envs: &[Resolved<'_>]) -> Self {
        let first = envs.first().map(|e| e.topo);
        let mut control = None;
        let mut agents: Vec<ModulePool> = Vec::new();
        let mut kafka_pools: Vec<String> = Vec::new();
        for e in envs {
            if let Some(k) = &e.kafka
                && !kafka_pools.contains(&k.kafka.brokers.value)
            {
                kafka_pools.push(k.kafka.brokers.value.clone());
            }
            for p in &e.pools {
                let pool = || ModulePool {
                    name: p.name.value.clone(),
                    var: p.tf_prefix.clone(),
                    role: p.hetzner_role.clone(),
                    everywhere: p.server
                        || envs.iter().all(|other| other.pool(&p.name.value).is_some()),
                    not_empty: p.server || e.holds_kafka(&p.name.value),
                    messages: PoolMessages::of(&p.name),
                };
                if p.server {
                    control.get_or_insert_with(pool);
                    continue;
                }
                match agents.iter_mut().find(|a| a.name == p.name.value) {
                    Some(a) => a.not_empty &= e.holds_kafka(&p.name.value),
                    None => agents.push(pool()),
                }
            }
        }
        Self {
            enabled: shape == TerraformShape::Module,
            cluster: first.map(|t| t.cluster.value.clone()).unwrap_or_default(),
            ssh_key_suffix: crate::model::DEPLOY_KEY_SUFFIX,
            environments: envs.iter().map(|e| e.topo.env.name.value.clone()).collect(),
            environments_message: composed(
                format!(
                    "Must be one of the environments of cluster.kdl: {}.",
                    envs.iter()
                        .map(|e| e.topo.env.name.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                envs.iter().map(|e| e.topo.env.name.span),
            ),
            terraform_version: first
                .map(|t| t.versions.terraform.value.clone())
                .unwrap_or_default(),
            hcloud_provider: first
                .map(|t| t.versions.hcloud_provider.value.clone())
                .unwrap_or_default(),
            control,
            agents,
            kafka_pools,
        }
    }
}

#[derive(Serialize)]
struct Ctx<'a> {
    module: &'a ModuleCtx,
}

/// Renders `terraform/*.tf` when the shape is `module`.
pub(crate) fn emit(module: &ModuleCtx, t: &Templates, plan: &mut Plan) -> Result<(), EmitError> {
    if !module.enabled {
        return Ok(());
    }
    for (template, path) in FILES {
        plan.render_padded(*path, || {
            Ok(super::tfvars::align(&t.render(template, Ctx { module })?))
        })?;
    }
    Ok(())
}
