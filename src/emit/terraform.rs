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
//! The context is built here from the model (`Project`), not from `context.rs`: the
//! pools of every environment (a pool an overlay adds exists only where it is declared,
//! so its variables get defaults), and which of them must never be empty (the control
//! plane, the Kafka broker and controller pools).

use serde::Serialize;

use super::{EmitError, Plan, Templates};
use crate::model::{Project, Role, TerraformShape};

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
    /// Every environment's name, in file order (the `environment` validation).
    pub(crate) environments: Vec<String>,
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
}

impl ModuleCtx {
    /// The module's context for `project`.
    pub(crate) fn new(project: &Project) -> Self {
        let envs = &project.envs;
        let first = envs.first();
        let mut control = None;
        let mut agents: Vec<ModulePool> = Vec::new();
        let mut kafka_pools: Vec<String> = Vec::new();
        for t in envs {
            let kafka = t.kafka.as_ref();
            let holds_kafka = |name: &str| {
                kafka.is_some_and(|k| k.brokers.value == name || k.controllers.value == name)
            };
            if let Some(k) = kafka
                && !kafka_pools.contains(&k.brokers.value)
            {
                kafka_pools.push(k.brokers.value.clone());
            }
            for p in &t.pools {
                let name = &p.name.value;
                if p.role.value == Role::Server {
                    control.get_or_insert_with(|| ModulePool {
                        name: name.clone(),
                        var: "control_plane".to_owned(),
                        role: "control-plane".to_owned(),
                        everywhere: true,
                        not_empty: true,
                    });
                    continue;
                }
                let everywhere = envs
                    .iter()
                    .all(|e| e.pools.iter().any(|q| &q.name.value == name));
                match agents.iter_mut().find(|a| &a.name == name) {
                    Some(a) => a.not_empty &= holds_kafka(name),
                    None => agents.push(ModulePool {
                        name: name.clone(),
                        var: name.replace('-', "_"),
                        role: name.clone(),
                        everywhere,
                        not_empty: holds_kafka(name),
                    }),
                }
            }
        }
        Self {
            enabled: project.output.terraform == TerraformShape::Module,
            cluster: first.map(|t| t.cluster.value.clone()).unwrap_or_default(),
            environments: envs.iter().map(|t| t.env.name.value.clone()).collect(),
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
        let text = t.render(template, Ctx { module })?;
        plan.add(*path, super::tfvars::align(&text));
    }
    Ok(())
}
