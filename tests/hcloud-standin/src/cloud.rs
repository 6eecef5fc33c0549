//! The fake cloud: one Hetzner Cloud project kept in a JSON file, shared by the provider
//! stand-in and, later, an `hcloud` CLI stand-in and the deploy rehearsal.
//!
//! The file is named by `HCLOUD_STANDIN_STATE`; every change takes an exclusive lock on
//! `<file>.lock`, reads the file, changes it and writes it back through a temporary file
//! renamed into place, so parallel Terraform operations and other tools see whole states.
//! IDs come from one counter and `created` from a second one (one second per object from
//! 2025-01-01T00:00:00+00:00): the same operations in the same order give the same file.
//!
//! Field names follow the Hetzner Cloud API's objects where they have one (`public_net`,
//! `private_net`, `applied_to`, `assignee_id`, …), so that a CLI stand-in can print them.
//! Every field may be left out of a hand-written file (it then takes its default); a
//! top-level key the format does not have is an error, and so is another `format`.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable naming the fake cloud's JSON file.
pub const STATE_ENV: &str = "HCLOUD_STANDIN_STATE";

/// The file format's version, written into every state.
pub const FORMAT: u32 = 1;

/// Labels of an object.
pub type Labels = BTreeMap<String, String>;

/// An error the Hetzner Cloud API would answer, printed as hcloud-go prints one:
/// `message (code)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The API's error code (`uniqueness_error`, `invalid_input`, `not_found`, …).
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// An error with `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// One project's resources.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Cloud {
    /// [`FORMAT`].
    pub format: u32,
    /// The last ID given to an object (IDs are shared by all kinds, like a real project's
    /// are unique per kind).
    pub last_id: u64,
    /// The last tick of the deterministic clock behind `created`.
    pub clock: u64,
    pub servers: Vec<Server>,
    pub networks: Vec<Network>,
    pub firewalls: Vec<Firewall>,
    pub ssh_keys: Vec<SshKey>,
    pub placement_groups: Vec<PlacementGroup>,
    pub primary_ips: Vec<PrimaryIp>,
    pub volumes: Vec<Volume>,
    pub load_balancers: Vec<LoadBalancer>,
    pub floating_ips: Vec<FloatingIp>,
    /// Reverse DNS entries: IP address → PTR name.
    pub rdns: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct Server {
    pub id: u64,
    pub name: String,
    pub server_type: String,
    pub image: String,
    pub location: String,
    pub datacenter: String,
    /// `running` (the stand-in boots nothing; the rehearsal does).
    pub status: String,
    pub labels: Labels,
    /// The `user_data` exactly as Terraform sent it.
    pub user_data: Option<String>,
    pub public_net: PublicNet,
    pub private_net: Vec<PrivateNet>,
    pub placement_group: Option<u64>,
    /// IDs of the SSH keys given at create.
    pub ssh_keys: Vec<u64>,
    pub backups: bool,
    pub delete_protection: bool,
    pub rebuild_protection: bool,
    pub primary_disk_size: u64,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct PublicNet {
    /// The assigned IPv4 Primary IP, if any.
    pub ipv4: Option<AssignedIp>,
    /// The assigned IPv6 Primary IP, if any.
    pub ipv6: Option<AssignedIp>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct AssignedIp {
    /// The Primary IP's ID.
    pub id: u64,
    /// Its address (IPv6: the network's `::1`).
    pub ip: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct PrivateNet {
    pub network: u64,
    pub ip: String,
    pub alias_ips: Vec<String>,
    pub mac_address: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct Network {
    pub id: u64,
    pub name: String,
    pub ip_range: String,
    pub subnets: Vec<Subnet>,
    pub labels: Labels,
    pub delete_protection: bool,
    pub expose_routes_to_vswitch: bool,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct Subnet {
    /// `cloud`, `server` or `vswitch`.
    #[serde(rename = "type")]
    pub kind: String,
    pub ip_range: String,
    pub network_zone: String,
    pub gateway: String,
    pub vswitch_id: Option<u64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct Firewall {
    pub id: u64,
    pub name: String,
    pub labels: Labels,
    pub rules: Vec<FirewallRule>,
    pub applied_to: Vec<AppliedTo>,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
#[serde(default)]
pub struct FirewallRule {
    pub direction: String,
    pub protocol: String,
    pub port: Option<String>,
    pub source_ips: Vec<String>,
    pub destination_ips: Vec<String>,
    pub description: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
#[serde(default)]
pub struct AppliedTo {
    /// `server` or `label_selector`.
    #[serde(rename = "type")]
    pub kind: String,
    pub server: Option<u64>,
    pub label_selector: Option<String>,
    /// The firewall attachment resource that made this entry, if one did (its ID is the
    /// firewall's), rather than the firewall's own `apply_to`.
    pub attachment: bool,
    /// A server's own `firewall_ids` made this entry, rather than the firewall's own
    /// `apply_to`: updating the firewall (its rules, say) leaves it alone, as the real
    /// provider changes a firewall's resources only when its `apply_to` changes.
    pub by_server: bool,
}

impl AppliedTo {
    /// The firewall applied to server `id`.
    pub fn server(id: u64) -> Self {
        Self {
            kind: "server".into(),
            server: Some(id),
            ..Self::default()
        }
    }

    /// The firewall applied to the servers `selector` selects.
    pub fn selector(selector: String) -> Self {
        Self {
            kind: "label_selector".into(),
            label_selector: Some(selector),
            ..Self::default()
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct SshKey {
    pub id: u64,
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
    pub labels: Labels,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct PlacementGroup {
    pub id: u64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub labels: Labels,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct PrimaryIp {
    pub id: u64,
    pub name: String,
    /// `ipv4` or `ipv6`.
    #[serde(rename = "type")]
    pub kind: String,
    pub ip: String,
    /// The IPv6 network (`…::/64`), empty for IPv4.
    pub ip_network: String,
    pub datacenter: String,
    pub assignee_id: Option<u64>,
    pub assignee_type: String,
    pub auto_delete: bool,
    pub labels: Labels,
    pub delete_protection: bool,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct Volume {
    pub id: u64,
    pub name: String,
    pub size: u64,
    pub location: String,
    pub server: Option<u64>,
    pub format: Option<String>,
    pub linux_device: String,
    pub labels: Labels,
    pub delete_protection: bool,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct LoadBalancer {
    pub id: u64,
    pub name: String,
    pub load_balancer_type: String,
    pub location: String,
    pub network_zone: String,
    pub ipv4: String,
    pub ipv6: String,
    pub algorithm: String,
    pub targets: Vec<u64>,
    pub labels: Labels,
    pub delete_protection: bool,
    pub created: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct FloatingIp {
    pub id: u64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub ip: String,
    pub ip_network: String,
    pub home_location: String,
    pub server: Option<u64>,
    pub description: Option<String>,
    pub labels: Labels,
    pub delete_protection: bool,
    pub created: String,
}

impl Cloud {
    /// A server's public addresses as the API attributes `ipv4_address`, `ipv6_address`
    /// and `ipv6_network` show them (empty where it has none).
    pub fn public_addresses(&self, srv: &Server) -> [(&'static str, String); 3] {
        let ip = |a: Option<&AssignedIp>| a.map(|a| a.ip.clone()).unwrap_or_default();
        let v6 = srv.public_net.ipv6.as_ref();
        let v6_network = v6
            .and_then(|a| self.primary_ips.iter().find(|p| p.id == a.id))
            .map(|p| p.ip_network.clone())
            .unwrap_or_default();
        [
            ("ipv4_address", ip(srv.public_net.ipv4.as_ref())),
            ("ipv6_address", ip(v6)),
            ("ipv6_network", v6_network),
        ]
    }

    /// The placement group server `srv` is in, if any.
    pub fn placement_group_of(&self, srv: &Server) -> Option<&PlacementGroup> {
        let id = srv.placement_group?;
        self.placement_groups.iter().find(|g| g.id == id)
    }

    /// The servers in placement group `pg`.
    pub fn servers_in_placement_group(&self, pg: u64) -> impl Iterator<Item = &Server> {
        self.servers
            .iter()
            .filter(move |s| s.placement_group == Some(pg))
    }

    /// The servers attached to network `net`.
    pub fn servers_in_network(&self, net: u64) -> impl Iterator<Item = &Server> {
        self.servers
            .iter()
            .filter(move |s| s.private_net.iter().any(|p| p.network == net))
    }

    /// The firewalls applied to server `srv`.
    pub fn firewalls_of(&self, srv: u64) -> impl Iterator<Item = &Firewall> {
        self.firewalls
            .iter()
            .filter(move |f| f.applied_to.iter().any(|a| a.server == Some(srv)))
    }

    /// A new ID and a `created` timestamp.
    pub fn new_id(&mut self) -> (u64, String) {
        self.last_id += 1;
        self.clock += 1;
        (self.last_id, timestamp(self.clock))
    }

    /// Every public address in use (Primary IPs, Floating IPs, Load Balancers).
    fn public_in_use(&self) -> Vec<String> {
        let mut used: Vec<String> = self.primary_ips.iter().map(|p| p.ip.clone()).collect();
        used.extend(self.floating_ips.iter().map(|f| f.ip.clone()));
        used.extend(self.load_balancers.iter().map(|l| l.ipv4.clone()));
        used.extend(self.primary_ips.iter().map(|p| p.ip_network.clone()));
        used.extend(self.floating_ips.iter().map(|f| f.ip_network.clone()));
        used
    }

    /// The first free public IPv4 address of the documentation ranges (192.0.2.0/24,
    /// 198.51.100.0/24, 203.0.113.0/24: 762 addresses).
    pub fn free_ipv4(&self) -> Result<String, ApiError> {
        let used = self.public_in_use();
        for base in [[192, 0, 2], [198, 51, 100], [203, 0, 113]] {
            for host in 1..=254u8 {
                let ip = Ipv4Addr::new(base[0], base[1], base[2], host).to_string();
                if !used.contains(&ip) {
                    return Ok(ip);
                }
            }
        }
        Err(ApiError::new(
            "resource_unavailable",
            "no free IPv4 address left in the stand-in's documentation ranges",
        ))
    }

    /// The first free IPv6 /64 of 2001:db8::/32, as (address `…::1`, network `…::/64`).
    pub fn free_ipv6(&self) -> (String, String) {
        let used = self.public_in_use();
        let mut n: u16 = 1;
        loop {
            let net = Ipv6Addr::new(0x2001, 0xdb8, n, 0, 0, 0, 0, 0);
            let network = format!("{net}/64");
            if !used.contains(&network) || n == u16::MAX {
                let ip = Ipv6Addr::new(0x2001, 0xdb8, n, 0, 0, 0, 0, 1).to_string();
                return (ip, network);
            }
            n += 1;
        }
    }
}

/// `2025-01-01T00:00:00+00:00` plus `tick` seconds, in the API's format.
pub fn timestamp(tick: u64) -> String {
    let days = tick / 86_400;
    let secs = tick % 86_400;
    // Days since 2025-01-01 to a civil date (Howard Hinnant's algorithm, from 1970-01-01).
    let z = days as i64 + 20_089 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The fake cloud's file, from [`STATE_ENV`].
pub fn state_path() -> Result<PathBuf, String> {
    match std::env::var_os(STATE_ENV) {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => Err(format!(
            "{STATE_ENV} is not set: the hcloud stand-in keeps its fake cloud in the JSON file it names"
        )),
    }
}

/// Reads the cloud at `path` (an absent or empty file is an empty project).
pub fn load(path: &Path) -> Result<Cloud, String> {
    match fs::read(path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Cloud {
            format: FORMAT,
            ..Cloud::default()
        }),
        Ok(bytes) => {
            let cloud: Cloud = serde_json::from_slice(&bytes)
                .map_err(|e| format!("the fake cloud {} is not readable: {e}", path.display()))?;
            if cloud.format != FORMAT {
                return Err(format!(
                    "the fake cloud {} has format {}, the stand-in reads format {FORMAT}",
                    path.display(),
                    cloud.format
                ));
            }
            Ok(cloud)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Cloud {
            format: FORMAT,
            ..Cloud::default()
        }),
        Err(e) => Err(format!(
            "cannot read the fake cloud {}: {e}",
            path.display()
        )),
    }
}

/// Writes `cloud` to `path` through a temporary file renamed into place.
pub fn save(path: &Path, cloud: &Cloud) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(cloud).map_err(|e| e.to_string())?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| format!("cannot write the fake cloud {}: {e}", path.display()))
}

/// Runs `f` on the fake cloud under its lock; the cloud is written back only when `f`
/// succeeds. The outer error is the stand-in's own (file, lock), the inner the API's.
pub fn with_cloud<T>(
    f: impl FnOnce(&mut Cloud) -> Result<T, ApiError>,
) -> Result<Result<T, ApiError>, String> {
    with_cloud_at(&state_path()?, f)
}

/// [`with_cloud`] on the cloud at `path`.
pub fn with_cloud_at<T>(
    path: &Path,
    f: impl FnOnce(&mut Cloud) -> Result<T, ApiError>,
) -> Result<Result<T, ApiError>, String> {
    let path = path.to_path_buf();
    let lock_path = {
        let mut p = path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    };
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open the lock {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let before = load(&path)?;
    let mut cloud = before.clone();
    let result = f(&mut cloud);
    if result.is_ok() && cloud != before {
        save(&path, &cloud)?;
    }
    drop(lock);
    Ok(result)
}

/// Reads the fake cloud under its lock, without changing it.
pub fn read_cloud() -> Result<Cloud, String> {
    with_cloud(|c| Ok(c.clone())).map(|r| r.unwrap_or_default())
}
