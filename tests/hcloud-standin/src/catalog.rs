//! The stand-in's Hetzner Cloud catalogue (`data/catalog.json`): locations, datacenters,
//! server types and system images, kept as data.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Deserialize, Debug)]
pub struct Catalog {
    pub locations: Vec<Location>,
    pub datacenters: Vec<Datacenter>,
    pub server_types: Vec<ServerType>,
    pub images: Vec<Image>,
}

#[derive(Deserialize, Debug)]
pub struct Location {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub country: String,
    pub city: String,
    pub latitude: i64,
    pub longitude: i64,
    pub network_zone: String,
    pub datacenters: Vec<String>,
}

#[derive(Deserialize, Debug)]
pub struct Datacenter {
    pub id: i64,
    pub name: String,
    pub location: String,
}

#[derive(Deserialize, Debug)]
pub struct ServerType {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub cores: i64,
    pub memory: i64,
    pub disk: i64,
    pub cpu_type: String,
    pub architecture: String,
    pub category: String,
    pub storage_type: String,
    /// Locations where the type can be ordered.
    pub locations: Vec<String>,
}

#[derive(Deserialize, Debug)]
pub struct Image {
    pub id: i64,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub os_flavor: String,
    pub os_version: String,
    pub architecture: String,
    pub rapid_deploy: bool,
    pub created: String,
    pub deprecated: String,
}

/// The catalogue.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        serde_json::from_str(include_str!("../data/catalog.json"))
            .expect("data/catalog.json is the catalogue (a test reads it)")
    })
}

impl Catalog {
    pub fn location(&self, name: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.name == name)
    }
    pub fn datacenter(&self, name: &str) -> Option<&Datacenter> {
        self.datacenters.iter().find(|d| d.name == name)
    }
    pub fn server_type(&self, name: &str) -> Option<&ServerType> {
        self.server_types.iter().find(|t| t.name == name)
    }
    /// A system image by name or ID for an architecture.
    pub fn image(&self, name_or_id: &str, architecture: &str) -> Option<&Image> {
        self.images.iter().find(|i| {
            (i.name == name_or_id || i.id.to_string() == name_or_id)
                && i.architecture == architecture
        })
    }
}
