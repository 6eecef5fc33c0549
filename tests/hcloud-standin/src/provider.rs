//! The plugin: tf-provider's traits over the schema file, the provider's validations
//! ([`crate::validate`]), the API ([`crate::api`]) and the data sources ([`crate::data`]).

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::Value as Json;
use tf_provider::schema::{Block, Schema};
use tf_provider::value::ValueAny as V;
use tf_provider::{
    AttributePath, DataSource, Diagnostics, DynamicDataSource, DynamicResource, Provider, Resource,
};

use crate::cloud::{ApiError, Cloud, read_cloud, with_cloud};
use crate::schema::{provider_json, to_schema};
use crate::values::{
    complete, get, has_unknown, is_unknown, put, settle, text, unknown_computed,
    unknown_in_new_elements,
};
use crate::{api, data, validate};

/// The arguments whose change replaces the object (ForceNew / RequiresReplace; NOTES.md,
/// "ForceNew and Default").
pub fn force_new(kind: &str) -> &'static [&'static str] {
    match kind {
        "hcloud_server" => &["image", "location", "datacenter", "user_data", "ssh_keys"],
        "hcloud_network" => &["ip_range"],
        "hcloud_network_subnet" => &[
            "network_id",
            "type",
            "network_zone",
            "ip_range",
            "vswitch_id",
        ],
        "hcloud_server_network" => &["network_id", "subnet_id", "server_id", "ip"],
        "hcloud_firewall_attachment" => &["firewall_id"],
        "hcloud_primary_ip" => &["type", "datacenter"],
        "hcloud_volume" => &["location"],
        "hcloud_volume_attachment" => &["volume_id", "server_id"],
        "hcloud_floating_ip" => &["type", "home_location"],
        "hcloud_load_balancer" => &["location", "network_zone"],
        "hcloud_rdns" => &[
            "server_id",
            "primary_ip_id",
            "floating_ip_id",
            "load_balancer_id",
            "ip_address",
        ],
        "hcloud_ssh_key" => &["public_key"],
        _ => &[],
    }
}

/// The stand-in provider.
pub struct HcloudStandin {
    schema: Json,
}

impl Default for HcloudStandin {
    fn default() -> Self {
        Self {
            schema: provider_json(),
        }
    }
}

/// One resource or data source type: its full name (`hcloud_server`) and schema entry.
struct Standin {
    kind: String,
    entry: Json,
}

impl Standin {
    /// Carries out `op` (create, update) for the planned `state` on the fake cloud and
    /// settles what stays unknown.
    fn apply(
        &self,
        diags: &mut Diagnostics,
        mut state: V,
        private: V,
        op: impl FnOnce(&mut Cloud, &str, &mut V) -> Result<(), ApiError>,
    ) -> Option<(V, V)> {
        let result = with_cloud(|cloud| op(cloud, &self.kind, &mut state));
        api_error(diags, result)?;
        settle(&mut state);
        Some((state, private))
    }
}

/// `result`'s value, or `None` with its error reported.
fn reported<T>(diags: &mut Diagnostics, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(x) => Some(x),
        Err(e) => {
            diags.root_error_short(e);
            None
        }
    }
}

fn api_error(diags: &mut Diagnostics, result: Result<Result<(), ApiError>, String>) -> Option<()> {
    reported(diags, result.and_then(|r| r.map_err(|e| e.to_string())))
}

#[async_trait]
impl Resource for Standin {
    type State<'a> = V;
    type PrivateState<'a> = V;
    type ProviderMetaState<'a> = V;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(to_schema(&self.entry))
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: V) -> Option<()> {
        validate::resource(diags, &self.kind, &config);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: V,
        private: V,
        _meta: V,
    ) -> Option<(V, V)> {
        let cloud = reported(diags, read_cloud())?;
        let mut state = state;
        if api::read(&cloud, &self.kind, &mut state) {
            Some((state, private))
        } else {
            Some((V::Null, private))
        }
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        proposed: V,
        config: V,
        _meta: V,
    ) -> Option<(V, V)> {
        let mut state = proposed;
        unknown_computed(&mut state, &config, &self.entry["block"]);
        if self.kind == "hcloud_ssh_key" && matches!(get(&config, "labels"), V::Null) {
            // The framework's Default: {} (resourceutil/labels.go:46-51).
            put(&mut state, "labels", V::Map(Default::default()));
        }
        Some((state, V::Null))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        prior: V,
        proposed: V,
        config: V,
        private: V,
        _meta: V,
    ) -> Option<(V, V, Vec<AttributePath>)> {
        let replace: Vec<AttributePath> = force_new(&self.kind)
            .iter()
            .filter(|k| {
                let new = get(&proposed, k);
                has_unknown(new) || new != get(&prior, k)
            })
            .map(|k| AttributePath::new(*k))
            .collect();
        let mut state = proposed;
        if replace.is_empty() {
            unknown_in_new_elements(&mut state, &prior, &self.entry["block"]);
        } else {
            unknown_computed(&mut state, &config, &self.entry["block"]);
        }
        Some((state, private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: V,
        private: V,
        _meta: V,
    ) -> Option<V> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: V,
        _config: V,
        private: V,
        _meta: V,
    ) -> Option<(V, V)> {
        self.apply(diags, planned, private, api::create)
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: V,
        planned: V,
        _config: V,
        private: V,
        _meta: V,
    ) -> Option<(V, V)> {
        self.apply(diags, planned, private, |cloud, kind, state| {
            api::update(cloud, kind, &prior, state)
        })
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: V,
        _private: V,
        _meta: V,
    ) -> Option<()> {
        let kind = self.kind.clone();
        let result = with_cloud(|cloud| api::delete(cloud, &kind, &prior));
        api_error(diags, result)
    }
}

#[async_trait]
impl DataSource for Standin {
    type State<'a> = V;
    type ProviderMetaState<'a> = V;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(to_schema(&self.entry))
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: V) -> Option<()> {
        validate::data_source(diags, &self.kind, &config);
        Some(())
    }

    async fn read<'a>(&self, diags: &mut Diagnostics, config: V, _meta: V) -> Option<V> {
        let cloud = reported(diags, read_cloud())?;
        let mut out = config.clone();
        reported(diags, data::read(&cloud, &self.kind, &config, &mut out))?;
        complete(&mut out, &self.entry["block"]);
        Some(out)
    }
}

#[async_trait]
impl Provider for HcloudStandin {
    type Config<'a> = V;
    type MetaState<'a> = V;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(to_schema(&self.schema["provider"]))
    }

    fn meta_schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 0,
            block: Block {
                version: 0,
                description: "".into(),
                ..Default::default()
            },
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: V) -> Option<()> {
        validate::provider(diags, &config);
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: V,
    ) -> Option<()> {
        let token = text(get(&config, "token"))
            .map(str::to_owned)
            .or_else(|| std::env::var("HCLOUD_TOKEN").ok())
            .filter(|t| !t.is_empty());
        if token.is_none() && !is_unknown(get(&config, "token")) {
            diags.root_error(
                "Missing Hetzner Cloud API token",
                "While configuring the provider, the Hetzner Cloud API token was not found in the HCLOUD_TOKEN environment variable or provider configuration block token attribute.",
            );
            return None;
        }
        if let Some(interval) = text(get(&config, "poll_interval"))
            && !validate::go_duration(interval)
        {
            diags.error_short(
                format!("time: invalid duration \"{interval}\""),
                AttributePath::new("poll_interval"),
            );
            return None;
        }
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        by_short_name(&self.schema["resource_schemas"], |kind, entry| {
            Box::new(Standin { kind, entry }) as Box<dyn DynamicResource>
        })
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        by_short_name(&self.schema["data_source_schemas"], |kind, entry| {
            Box::new(Standin { kind, entry }) as Box<dyn DynamicDataSource>
        })
    }
}

/// The schemas of one map (`resource_schemas`, `data_source_schemas`) keyed by the name
/// tf-provider serves them under (`server` for `hcloud_server`), each made by `make`
/// from its full type name and schema entry.
fn by_short_name<T>(
    schemas: &Json,
    make: impl Fn(String, Json) -> T,
) -> Option<HashMap<String, T>> {
    Some(
        schemas
            .as_object()?
            .iter()
            .map(|(kind, entry)| {
                let short = kind.trim_start_matches("hcloud_").to_owned();
                (short, make(kind.clone(), entry.clone()))
            })
            .collect(),
    )
}
