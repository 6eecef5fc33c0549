//! The fake cloud's objects as the hcloud CLI shows them: table columns (the FieldFns of
//! each kind's `list.go`), the hcloud-go struct behind `-o format`, and the API schema
//! behind `-o json`.

use serde_json::{Value as Json, json};

use hcloud_standin::catalog::catalog;
use hcloud_standin::cloud::{Cloud, Labels};
use hcloud_standin::named::Named;

use super::template::TVal;

/// One object of the fake cloud, of the CLI's kind (`server`, `primary-ip`, …).
#[derive(Clone, Copy)]
pub struct Obj<'a> {
    pub kind: &'a str,
    pub index: usize,
    pub cloud: &'a Cloud,
}

/// The Terraform resource type behind a CLI kind (for [`hcloud_standin::api::delete`]).
pub fn tf_kind(kind: &str) -> &'static str {
    match kind {
        "server" => "hcloud_server",
        "volume" => "hcloud_volume",
        "load-balancer" => "hcloud_load_balancer",
        "floating-ip" => "hcloud_floating_ip",
        "network" => "hcloud_network",
        "firewall" => "hcloud_firewall",
        "ssh-key" => "hcloud_ssh_key",
        "placement-group" => "hcloud_placement_group",
        _ => "hcloud_primary_ip",
    }
}

/// Every object of `kind`, ordered by ID (the CLI's default sort `id:asc`).
pub fn all<'a>(cloud: &'a Cloud, kind: &'a str) -> Vec<Obj<'a>> {
    let n = match kind {
        "server" => cloud.servers.len(),
        "volume" => cloud.volumes.len(),
        "load-balancer" => cloud.load_balancers.len(),
        "floating-ip" => cloud.floating_ips.len(),
        "network" => cloud.networks.len(),
        "firewall" => cloud.firewalls.len(),
        "ssh-key" => cloud.ssh_keys.len(),
        "placement-group" => cloud.placement_groups.len(),
        _ => cloud.primary_ips.len(),
    };
    let mut v: Vec<Obj<'a>> = (0..n).map(|index| Obj { kind, index, cloud }).collect();
    v.sort_by_key(Obj::id);
    v
}

/// hcloud-go's `Get(idOrName)`: a number is an ID, anything else a name.
pub fn get<'a>(cloud: &'a Cloud, kind: &'a str, id_or_name: &str) -> Option<Obj<'a>> {
    let objs = all(cloud, kind);
    match id_or_name.parse::<i64>() {
        Ok(id) => objs.into_iter().find(|o| o.id() as i64 == id),
        Err(_) => objs.into_iter().find(|o| o.name() == id_or_name),
    }
}

fn na(s: &str) -> String {
    if s.is_empty() { "-".into() } else { s.into() }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// A Primary or Floating IP's address column: the IPv6 network, or the IPv4 address.
fn ip_or_network(ip: &str, network: &str) -> String {
    if network.is_empty() { ip } else { network }.into()
}

/// The `servers` column of networks and placement groups.
fn servers_text(count: usize) -> String {
    if count == 1 {
        "1 server".into()
    } else {
        format!("{count} servers")
    }
}

/// The API's `dns_ptr` list of an address: its reverse DNS entry, if it has one.
fn dns_ptr_json(cloud: &Cloud, ip: &str) -> Json {
    json!(
        cloud
            .rdns
            .get(ip)
            .map(|d| vec![json!({"ip": ip, "dns_ptr": d})])
            .unwrap_or_default()
    )
}

/// util.LabelsToString.
fn labels_text(l: &Labels) -> String {
    l.iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds since the epoch of the fake cloud's `2025-01-01T00:00:00+00:00` timestamps.
fn epoch(ts: &str) -> i64 {
    let num = |a: usize, b: usize| {
        ts.get(a..b)
            .and_then(|x| x.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (y, m, d) = (num(0, 4), num(5, 7), num(8, 10));
    let (hh, mm, ss) = (num(11, 13), num(14, 16), num(17, 19));
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hh * 3600 + mm * 60 + ss
}

/// Go's default `time.Time` format (`2025-01-01 00:00:01 +0000 UTC`).
fn go_time(ts: &str) -> String {
    format!(
        "{} {} +0000 UTC",
        ts.get(0..10).unwrap_or(""),
        ts.get(11..19).unwrap_or("")
    )
}

/// util.Datetime (`time.UnixDate`, in UTC: the stand-in's zone).
fn datetime(ts: &str) -> String {
    let secs = epoch(ts);
    let days = secs.div_euclid(86_400);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m: usize = ts.get(5..7).and_then(|x| x.parse().ok()).unwrap_or(1);
    let d: u32 = ts.get(8..10).and_then(|x| x.parse().ok()).unwrap_or(1);
    format!(
        "{wd} {} {d:>2} {} UTC {}",
        months[m.clamp(1, 12) - 1],
        ts.get(11..19).unwrap_or(""),
        ts.get(0..4).unwrap_or("")
    )
}

/// util.Age against the machine's clock.
fn age(ts: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let diff = now - epoch(ts);
    if diff >= 86_400 {
        format!("{}d", diff / 86_400)
    } else if diff >= 3600 {
        format!("{}h", diff / 3600)
    } else if diff >= 60 {
        format!("{}m", diff / 60)
    } else if diff > 0 {
        format!("{diff}s")
    } else {
        "just now".into()
    }
}

fn t(s: impl Into<String>) -> TVal {
    TVal::Text(s.into())
}

fn location_tval(name: &str) -> TVal {
    match catalog().location(name) {
        Some(l) => TVal::Struct {
            go_type: "*hcloud.Location",
            fields: vec![
                ("ID", t(l.id.to_string())),
                ("Name", t(&l.name)),
                ("Description", t(&l.description)),
                ("Country", t(&l.country)),
                ("City", t(&l.city)),
                ("NetworkZone", t(&l.network_zone)),
            ],
            unmodelled: &["Latitude", "Longitude"],
        },
        None => TVal::Nil("*hcloud.Location"),
    }
}

fn datacenter_tval(name: &str) -> TVal {
    match catalog().datacenter(name) {
        Some(d) => TVal::Struct {
            go_type: "*hcloud.Datacenter",
            fields: vec![
                ("ID", t(d.id.to_string())),
                ("Name", t(&d.name)),
                ("Location", location_tval(&d.location)),
            ],
            unmodelled: &["Description", "ServerTypes"],
        },
        None => TVal::Nil("*hcloud.Datacenter"),
    }
}

fn location_of_datacenter(dc: &str) -> String {
    catalog()
        .datacenter(dc)
        .map(|d| d.location.clone())
        .unwrap_or_default()
}

fn location_json(name: &str) -> Json {
    match catalog().location(name) {
        Some(l) => json!({
            "id": l.id, "name": l.name, "description": l.description, "country": l.country,
            "city": l.city, "latitude": l.latitude, "longitude": l.longitude,
            "network_zone": l.network_zone,
        }),
        None => Json::Null,
    }
}

fn datacenter_json(name: &str) -> Json {
    match catalog().datacenter(name) {
        Some(d) => json!({
            "id": d.id, "name": d.name, "description": d.name,
            "location": location_json(&d.location),
        }),
        None => Json::Null,
    }
}

impl<'a> Obj<'a> {
    /// The object itself.
    fn named(&self) -> &'a dyn Named {
        let c = self.cloud;
        let i = self.index;
        match self.kind {
            "server" => &c.servers[i],
            "volume" => &c.volumes[i],
            "load-balancer" => &c.load_balancers[i],
            "floating-ip" => &c.floating_ips[i],
            "network" => &c.networks[i],
            "firewall" => &c.firewalls[i],
            "ssh-key" => &c.ssh_keys[i],
            "placement-group" => &c.placement_groups[i],
            _ => &c.primary_ips[i],
        }
    }

    pub fn id(&self) -> u64 {
        self.named().id()
    }

    pub fn name(&self) -> &'a str {
        self.named().name()
    }

    pub fn labels(&self) -> &'a Labels {
        self.named().labels()
    }

    fn server_name(&self, id: Option<u64>) -> String {
        // hcapi2's ServerName: the name, or the ID when the server is unknown.
        match id {
            Some(id) => self
                .cloud
                .servers
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| id.to_string()),
            None => String::new(),
        }
    }

    /// The table cell of column `col` (a name from the kind's `columns`, lower case).
    pub fn column(&self, col: &str) -> String {
        let c = self.cloud;
        let i = self.index;
        match col {
            "id" => return self.id().to_string(),
            "name" => return na(self.name()),
            _ => {}
        }
        // The columns every kind but the firewall shares.
        let common = |protect: bool| -> String {
            match col {
                "created" => datetime(self.created()),
                "age" => age(self.created()),
                "labels" => labels_text(self.labels()),
                "protection" if protect => "delete".into(),
                _ => String::new(),
            }
        };
        match self.kind {
            "server" => {
                let s = &c.servers[i];
                let protection = {
                    let mut p = Vec::new();
                    if s.delete_protection {
                        p.push("delete");
                    }
                    if s.rebuild_protection {
                        p.push("rebuild");
                    }
                    p.join(", ")
                };
                match col {
                    "status" => na(&s.status),
                    "backup_window" => "-".into(),
                    "rescue_enabled" | "locked" => "no".into(),
                    "primary_disk_size" => s.primary_disk_size.to_string(),
                    "ipv4" => s
                        .public_net
                        .ipv4
                        .as_ref()
                        .map_or("-".into(), |a| a.ip.clone()),
                    "ipv6" => s.public_net.ipv6.as_ref().map_or("-".into(), |a| {
                        c.primary_ips
                            .iter()
                            .find(|p| p.id == a.id)
                            .map_or(a.ip.clone(), |p| p.ip_network.clone())
                    }),
                    "included_traffic" | "ingoing_traffic" | "outgoing_traffic" => "0 B".into(),
                    "datacenter" => s.datacenter.clone(),
                    "location" => s.location.clone(),
                    "type" => s.server_type.clone(),
                    "volumes" => c
                        .volumes
                        .iter()
                        .filter(|v| v.server == Some(s.id))
                        .map(|v| v.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    "private_net" => na(&s
                        .private_net
                        .iter()
                        .map(|p| {
                            let net = c
                                .networks
                                .iter()
                                .find(|n| n.id == p.network)
                                .map_or(p.network.to_string(), |n| n.name.clone());
                            format!("{} ({net})", p.ip)
                        })
                        .collect::<Vec<_>>()
                        .join(", ")),
                    "protection" => protection,
                    "placement_group" => c
                        .placement_group_of(s)
                        .map_or("-".into(), |p| p.name.clone()),
                    _ => common(false),
                }
            }
            "volume" => {
                let v = &c.volumes[i];
                match col {
                    "status" => "available".into(),
                    "linux_device" => na(&v.linux_device),
                    "server" => na(&self.server_name(v.server)),
                    // humanize.Bytes(size * GByte): SI units.
                    "size" => format!("{} GB", v.size),
                    "location" => v.location.clone(),
                    _ => common(v.delete_protection),
                }
            }
            "load-balancer" => {
                let l = &c.load_balancers[i];
                match col {
                    "ipv4" => l.ipv4.clone(),
                    "ipv6" => l.ipv6.clone(),
                    "type" => l.load_balancer_type.clone(),
                    "location" => l.location.clone(),
                    "network_zone" => l.network_zone.clone(),
                    // Health: no services, so no target reports a status.
                    "health" => "unknown".into(),
                    _ => common(l.delete_protection),
                }
            }
            "floating-ip" => {
                let f = &c.floating_ips[i];
                match col {
                    "type" => f.kind.clone(),
                    "description" => na(f.description.as_deref().unwrap_or("")),
                    "blocked" => "no".into(),
                    "ip" => ip_or_network(&f.ip, &f.ip_network),
                    "home" => f.home_location.clone(),
                    "server" => na(&self.server_name(f.server)),
                    "dns" => na(c.rdns.get(&f.ip).map_or("", String::as_str)),
                    _ => common(f.delete_protection),
                }
            }
            "network" => {
                let n = &c.networks[i];
                match col {
                    "expose_routes_to_v_switch" => yes_no(n.expose_routes_to_vswitch),
                    "ip_range" => n.ip_range.clone(),
                    "servers" => servers_text(c.servers_in_network(n.id).count()),
                    _ => common(n.delete_protection),
                }
            }
            "firewall" => {
                let f = &c.firewalls[i];
                match col {
                    "rules_count" => {
                        if f.rules.len() == 1 {
                            "1 Rule".into()
                        } else {
                            format!("{} Rules", f.rules.len())
                        }
                    }
                    "applied_to_count" => {
                        let sel = f
                            .applied_to
                            .iter()
                            .filter(|a| a.kind == "label_selector")
                            .count();
                        let srv = f.applied_to.len() - sel;
                        format!(
                            "{srv} {} | {sel} {}",
                            if srv == 1 { "Server" } else { "Servers" },
                            if sel == 1 {
                                "Label Selector"
                            } else {
                                "Label Selectors"
                            }
                        )
                    }
                    _ => String::new(),
                }
            }
            "ssh-key" => {
                let k = &c.ssh_keys[i];
                match col {
                    "fingerprint" => na(&k.fingerprint),
                    "public_key" => na(&k.public_key),
                    _ => common(false),
                }
            }
            "placement-group" => {
                let p = &c.placement_groups[i];
                match col {
                    "type" => na(&p.kind),
                    "servers" => servers_text(c.servers_in_placement_group(p.id).count()),
                    _ => common(false),
                }
            }
            _ => {
                let p = &c.primary_ips[i];
                match col {
                    "type" => na(&p.kind),
                    "assignee_id" => p.assignee_id.unwrap_or(0).to_string(),
                    "assignee_type" => na(&p.assignee_type),
                    "auto_delete" => yes_no(p.auto_delete),
                    "blocked" => "no".into(),
                    "ip" => ip_or_network(&p.ip, &p.ip_network),
                    "assignee" => na(&p
                        .assignee_id
                        .filter(|_| p.assignee_type == "server")
                        .map(|id| format!("Server {}", self.server_name(Some(id))))
                        .unwrap_or_default()),
                    "dns" => na(c.rdns.get(&p.ip).map_or("", String::as_str)),
                    _ => common(p.delete_protection),
                }
            }
        }
    }

    /// The hcloud-go struct `-o format` templates read.
    pub fn tval(&self) -> TVal {
        let c = self.cloud;
        let i = self.index;
        let map = |l: &Labels| TVal::Map(l.clone());
        let protection = |go_type: &'static str, delete: bool| TVal::Struct {
            go_type,
            fields: vec![("Delete", t(delete.to_string()))],
            unmodelled: &[],
        };
        let server_ref = |id: Option<u64>| match id {
            Some(id) => TVal::Struct {
                go_type: "*hcloud.Server",
                fields: vec![
                    ("ID", t(id.to_string())),
                    ("Name", t(self.server_name(Some(id)))),
                ],
                unmodelled: &[],
            },
            None => TVal::Nil("*hcloud.Server"),
        };
        match self.kind {
            "server" => {
                let s = &c.servers[i];
                let ipv4 = TVal::Struct {
                    go_type: "hcloud.ServerPublicNetIPv4",
                    fields: vec![
                        (
                            "ID",
                            t(s.public_net.ipv4.as_ref().map_or(0, |a| a.id).to_string()),
                        ),
                        (
                            "IP",
                            t(s.public_net
                                .ipv4
                                .as_ref()
                                .map_or("<nil>".into(), |a| a.ip.clone())),
                        ),
                        ("Blocked", t("false")),
                    ],
                    unmodelled: &["DNSPtr"],
                };
                TVal::Struct {
                    go_type: "*hcloud.Server",
                    fields: vec![
                        ("ID", t(s.id.to_string())),
                        ("Name", t(&s.name)),
                        ("Status", t(&s.status)),
                        ("Created", t(go_time(&s.created))),
                        (
                            "PublicNet",
                            TVal::Struct {
                                go_type: "hcloud.ServerPublicNet",
                                fields: vec![("IPv4", ipv4)],
                                unmodelled: &["IPv6", "FloatingIPs", "Firewalls"],
                            },
                        ),
                        (
                            "ServerType",
                            TVal::Struct {
                                go_type: "*hcloud.ServerType",
                                fields: vec![("Name", t(&s.server_type))],
                                unmodelled: &[
                                    "ID",
                                    "Description",
                                    "Cores",
                                    "Memory",
                                    "Disk",
                                    "StorageType",
                                    "CPUType",
                                    "Architecture",
                                    "Pricings",
                                    "DeprecatableResource",
                                ],
                            },
                        ),
                        ("Datacenter", datacenter_tval(&s.datacenter)),
                        ("RescueEnabled", t("false")),
                        ("Locked", t("false")),
                        ("BackupWindow", t("")),
                        ("Labels", map(&s.labels)),
                        ("PrimaryDiskSize", t(s.primary_disk_size.to_string())),
                        ("PrivateNet", TVal::Opaque("[]hcloud.ServerPrivateNet")),
                        ("Volumes", TVal::Opaque("[]*hcloud.Volume")),
                    ],
                    unmodelled: &[
                        "IncludedTraffic",
                        "OutgoingTraffic",
                        "IngoingTraffic",
                        "ISO",
                        "Image",
                        "Protection",
                        "PlacementGroup",
                        "LoadBalancers",
                    ],
                }
            }
            "volume" => {
                let v = &c.volumes[i];
                TVal::Struct {
                    go_type: "*hcloud.Volume",
                    fields: vec![
                        ("ID", t(v.id.to_string())),
                        ("Name", t(&v.name)),
                        ("Status", t("available")),
                        ("Server", server_ref(v.server)),
                        ("Location", location_tval(&v.location)),
                        ("Size", t(v.size.to_string())),
                        (
                            "Protection",
                            protection("hcloud.VolumeProtection", v.delete_protection),
                        ),
                        ("Labels", map(&v.labels)),
                        ("LinuxDevice", t(&v.linux_device)),
                        ("Created", t(go_time(&v.created))),
                    ],
                    unmodelled: &["Format"],
                }
            }
            "load-balancer" => {
                let l = &c.load_balancers[i];
                TVal::Struct {
                    go_type: "*hcloud.LoadBalancer",
                    fields: vec![
                        ("ID", t(l.id.to_string())),
                        ("Name", t(&l.name)),
                        ("Location", location_tval(&l.location)),
                        (
                            "Protection",
                            protection("hcloud.LoadBalancerProtection", l.delete_protection),
                        ),
                        ("Labels", map(&l.labels)),
                        ("Created", t(go_time(&l.created))),
                    ],
                    unmodelled: &[
                        "PublicNet",
                        "PrivateNet",
                        "LoadBalancerType",
                        "Algorithm",
                        "Services",
                        "Targets",
                        "IncludedTraffic",
                        "OutgoingTraffic",
                        "IngoingTraffic",
                    ],
                }
            }
            "floating-ip" => {
                let f = &c.floating_ips[i];
                TVal::Struct {
                    go_type: "*hcloud.FloatingIP",
                    fields: vec![
                        ("ID", t(f.id.to_string())),
                        ("Description", t(f.description.clone().unwrap_or_default())),
                        ("Created", t(go_time(&f.created))),
                        ("IP", t(&f.ip)),
                        ("Type", t(&f.kind)),
                        ("Server", server_ref(f.server)),
                        ("HomeLocation", location_tval(&f.home_location)),
                        ("Blocked", t("false")),
                        (
                            "Protection",
                            protection("hcloud.FloatingIPProtection", f.delete_protection),
                        ),
                        ("Labels", map(&f.labels)),
                        ("Name", t(&f.name)),
                    ],
                    unmodelled: &["Network", "DNSPtr"],
                }
            }
            "network" => {
                let n = &c.networks[i];
                TVal::Struct {
                    go_type: "*hcloud.Network",
                    fields: vec![
                        ("ID", t(n.id.to_string())),
                        ("Name", t(&n.name)),
                        ("Created", t(go_time(&n.created))),
                        ("IPRange", t(&n.ip_range)),
                        (
                            "Protection",
                            protection("hcloud.NetworkProtection", n.delete_protection),
                        ),
                        ("Labels", map(&n.labels)),
                        (
                            "ExposeRoutesToVSwitch",
                            t(n.expose_routes_to_vswitch.to_string()),
                        ),
                    ],
                    unmodelled: &["Subnets", "Routes", "Servers"],
                }
            }
            "firewall" => {
                let f = &c.firewalls[i];
                TVal::Struct {
                    go_type: "*hcloud.Firewall",
                    fields: vec![
                        ("ID", t(f.id.to_string())),
                        ("Name", t(&f.name)),
                        ("Labels", map(&f.labels)),
                        ("Created", t(go_time(&f.created))),
                    ],
                    unmodelled: &["Rules", "AppliedTo"],
                }
            }
            "ssh-key" => {
                let k = &c.ssh_keys[i];
                TVal::Struct {
                    go_type: "*hcloud.SSHKey",
                    fields: vec![
                        ("ID", t(k.id.to_string())),
                        ("Name", t(&k.name)),
                        ("Fingerprint", t(&k.fingerprint)),
                        ("PublicKey", t(&k.public_key)),
                        ("Labels", map(&k.labels)),
                        ("Created", t(go_time(&k.created))),
                    ],
                    unmodelled: &[],
                }
            }
            "placement-group" => {
                let p = &c.placement_groups[i];
                TVal::Struct {
                    go_type: "*hcloud.PlacementGroup",
                    fields: vec![
                        ("ID", t(p.id.to_string())),
                        ("Name", t(&p.name)),
                        ("Labels", map(&p.labels)),
                        ("Created", t(go_time(&p.created))),
                        ("Type", t(&p.kind)),
                    ],
                    unmodelled: &["Servers"],
                }
            }
            _ => {
                let p = &c.primary_ips[i];
                TVal::Struct {
                    go_type: "*hcloud.PrimaryIP",
                    fields: vec![
                        ("ID", t(p.id.to_string())),
                        ("IP", t(&p.ip)),
                        ("Labels", map(&p.labels)),
                        ("Name", t(&p.name)),
                        ("Type", t(&p.kind)),
                        (
                            "Protection",
                            protection("hcloud.PrimaryIPProtection", p.delete_protection),
                        ),
                        ("AssigneeID", t(p.assignee_id.unwrap_or(0).to_string())),
                        ("AssigneeType", t(&p.assignee_type)),
                        ("AutoDelete", t(p.auto_delete.to_string())),
                        ("Blocked", t("false")),
                        ("Created", t(go_time(&p.created))),
                        ("Datacenter", datacenter_tval(&p.datacenter)),
                    ],
                    unmodelled: &["Network", "DNSPtr"],
                }
            }
        }
    }

    /// The API's schema of the object (`-o json`), with the fields the fake cloud has.
    pub fn json(&self) -> Json {
        let c = self.cloud;
        let i = self.index;
        let labels = |l: &Labels| json!(l);
        let protection = |d: bool| json!({ "delete": d });
        match self.kind {
            "server" => {
                let s = &c.servers[i];
                let pn = |a: &Option<hcloud_standin::cloud::AssignedIp>| match a {
                    Some(a) => json!({"id": a.id, "ip": a.ip, "blocked": false, "dns_ptr": []}),
                    None => Json::Null,
                };
                json!({
                    "id": s.id, "name": s.name, "status": s.status, "created": s.created,
                    "public_net": {
                        "ipv4": pn(&s.public_net.ipv4), "ipv6": pn(&s.public_net.ipv6),
                        "floating_ips": [], "firewalls": c.firewalls_of(s.id)
                            .map(|f| json!({"id": f.id, "status": "applied"})).collect::<Vec<_>>(),
                    },
                    "private_net": s.private_net.iter().map(|p| json!({
                        "network": p.network, "ip": p.ip, "alias_ips": p.alias_ips,
                        "mac_address": p.mac_address,
                    })).collect::<Vec<_>>(),
                    "server_type": { "name": s.server_type },
                    "datacenter": datacenter_json(&s.datacenter),
                    "image": { "name": s.image },
                    "labels": labels(&s.labels),
                    "protection": { "delete": s.delete_protection, "rebuild": s.rebuild_protection },
                    "volumes": c.volumes.iter().filter(|v| v.server == Some(s.id)).map(|v| v.id).collect::<Vec<_>>(),
                    "placement_group": c.placement_group_of(s)
                        .map_or(Json::Null, |p| json!({"id": p.id, "name": p.name, "type": p.kind})),
                    "primary_disk_size": s.primary_disk_size,
                    "rescue_enabled": false, "locked": false, "backup_window": Json::Null,
                })
            }
            "volume" => {
                let v = &c.volumes[i];
                json!({
                    "id": v.id, "name": v.name, "status": "available", "server": v.server,
                    "location": location_json(&v.location), "size": v.size,
                    "format": v.format, "protection": protection(v.delete_protection),
                    "labels": labels(&v.labels), "linux_device": v.linux_device, "created": v.created,
                })
            }
            "load-balancer" => {
                let l = &c.load_balancers[i];
                json!({
                    "id": l.id, "name": l.name,
                    "public_net": {"enabled": true, "ipv4": {"ip": l.ipv4}, "ipv6": {"ip": l.ipv6}},
                    "location": location_json(&l.location),
                    "load_balancer_type": {"name": l.load_balancer_type},
                    "algorithm": {"type": l.algorithm},
                    "targets": l.targets.iter().map(|t| json!({"type": "server", "server": {"id": t}})).collect::<Vec<_>>(),
                    "protection": protection(l.delete_protection), "labels": labels(&l.labels),
                    "created": l.created,
                })
            }
            "floating-ip" => {
                let f = &c.floating_ips[i];
                json!({
                    "id": f.id, "name": f.name, "description": f.description, "ip": f.ip,
                    "type": f.kind, "server": f.server, "home_location": location_json(&f.home_location),
                    "blocked": false, "protection": protection(f.delete_protection),
                    "labels": labels(&f.labels), "created": f.created,
                    "dns_ptr": dns_ptr_json(c, &f.ip),
                })
            }
            "network" => {
                let n = &c.networks[i];
                json!({
                    "id": n.id, "name": n.name, "ip_range": n.ip_range,
                    "subnets": n.subnets.iter().map(|s| json!({
                        "type": s.kind, "ip_range": s.ip_range, "network_zone": s.network_zone,
                        "gateway": s.gateway, "vswitch_id": s.vswitch_id,
                    })).collect::<Vec<_>>(),
                    "routes": [],
                    "servers": c.servers_in_network(n.id).map(|s| s.id).collect::<Vec<_>>(),
                    "protection": protection(n.delete_protection), "labels": labels(&n.labels),
                    "created": n.created, "expose_routes_to_vswitch": n.expose_routes_to_vswitch,
                })
            }
            "firewall" => {
                let f = &c.firewalls[i];
                json!({
                    "id": f.id, "name": f.name, "labels": labels(&f.labels), "created": f.created,
                    "rules": f.rules.iter().map(|r| json!({
                        "direction": r.direction, "protocol": r.protocol, "port": r.port,
                        "source_ips": r.source_ips, "destination_ips": r.destination_ips,
                        "description": r.description,
                    })).collect::<Vec<_>>(),
                    "applied_to": f.applied_to.iter().map(|a| if a.kind == "server" {
                        json!({"type": "server", "server": {"id": a.server}})
                    } else {
                        json!({"type": "label_selector", "label_selector": {"selector": a.label_selector}})
                    }).collect::<Vec<_>>(),
                })
            }
            "ssh-key" => {
                let k = &c.ssh_keys[i];
                json!({
                    "id": k.id, "name": k.name, "fingerprint": k.fingerprint,
                    "public_key": k.public_key, "labels": labels(&k.labels), "created": k.created,
                })
            }
            "placement-group" => {
                let p = &c.placement_groups[i];
                json!({
                    "id": p.id, "name": p.name, "labels": labels(&p.labels), "type": p.kind,
                    "created": p.created,
                    "servers": c.servers_in_placement_group(p.id).map(|s| s.id).collect::<Vec<_>>(),
                })
            }
            _ => {
                let p = &c.primary_ips[i];
                json!({
                    "id": p.id, "name": p.name, "ip": p.ip, "type": p.kind,
                    "assignee_id": p.assignee_id, "assignee_type": p.assignee_type,
                    "auto_delete": p.auto_delete, "blocked": false,
                    "datacenter": datacenter_json(&p.datacenter),
                    "dns_ptr": dns_ptr_json(c, &p.ip),
                    "labels": labels(&p.labels), "protection": protection(p.delete_protection),
                    "created": p.created,
                })
            }
        }
    }

    /// A short text description (`describe` without `-o`): the first lines of the real
    /// CLI's text, for the fields the fake cloud has.
    pub fn text(&self) -> String {
        let c = self.cloud;
        let i = self.index;
        let mut out = format!(
            "ID:\t\t{}\nName:\t\t{}\nCreated:\t{}\n",
            self.id(),
            self.name(),
            datetime(self.created())
        );
        match self.kind {
            "server" => {
                let s = &c.servers[i];
                out += &format!(
                    "Status:\t\t{}\nServer:\n  Type:\t\t{}\nPublic Net:\n  IPv4:\n    IP:\t\t{}\nDatacenter:\n  Name:\t\t{}\n  Location:\t{}\n",
                    s.status,
                    s.server_type,
                    s.public_net
                        .ipv4
                        .as_ref()
                        .map_or("-".into(), |a| a.ip.clone()),
                    s.datacenter,
                    location_of_datacenter(&s.datacenter),
                );
            }
            "primary-ip" => {
                let p = &c.primary_ips[i];
                out += &format!(
                    "Type:\t\t{}\nIP:\t\t{}\nBlocked:\tno\nAuto delete:\t{}\n",
                    p.kind,
                    p.ip,
                    yes_no(p.auto_delete)
                );
                match p.assignee_id {
                    Some(id) => {
                        out += &format!("Assignee:\n  ID:\t{id}\n  Type:\t{}\n", p.assignee_type)
                    }
                    None => out += "Assignee:\n  Not assigned\n",
                }
            }
            _ => {}
        }
        out += "Labels:\n";
        let l = self.labels();
        if l.is_empty() {
            out += "  No labels\n";
        }
        for (k, v) in l {
            out += &format!("  {k}: {v}\n");
        }
        out
    }

    fn created(&self) -> &'a str {
        self.named().created()
    }
}

/// `-s field[:asc|:desc]` for the fields the stand-in sorts by (`id`, `name`, `created`).
pub fn sort(objs: &mut [Obj<'_>], sorts: &[String]) -> Result<(), String> {
    for key in sorts.iter().rev() {
        let (field, desc) = match key.split_once(':') {
            Some((f, "asc")) => (f, false),
            Some((f, "desc")) => (f, true),
            Some(_) => {
                return Err(format!(
                    "invalid input in field 'sort': {key} (invalid_input)"
                ));
            }
            None => (key.as_str(), false),
        };
        let cmp = |a: &Obj<'_>, b: &Obj<'_>| match field {
            "id" => a.id().cmp(&b.id()),
            "name" => a.name().cmp(b.name()),
            _ => epoch(a.created()).cmp(&epoch(b.created())),
        };
        if !["id", "name", "created"].contains(&field) {
            return Err(format!(
                "invalid input in field 'sort': {key} (invalid_input)"
            ));
        }
        if desc {
            objs.sort_by(|a, b| cmp(b, a));
        } else {
            objs.sort_by(cmp);
        }
    }
    Ok(())
}
