//! What the Hetzner Cloud API does with each resource, on the fake cloud: the rules its
//! documentation states (names unique per project, a private IP inside a subnet of its
//! network, a server type and location that exist, a Primary IP in the server's datacenter
//! and assigned once, firewall ports `80` / `80-85`, …) and the values it assigns.
//!
//! Each operation takes the planned Terraform state of one resource, changes the cloud
//! and fills the state's unknown (computed) values.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use tf_provider::value::ValueAny as V;

use crate::catalog::catalog;
use crate::cloud::{
    ApiError, AppliedTo, AssignedIp, Cloud, FirewallRule, FloatingIp, Labels, LoadBalancer,
    Network, PlacementGroup, PrimaryIp, PrivateNet, PublicNet, Server, SshKey, Subnet, Volume,
};
use crate::named::Named;
use crate::validate::label_error;
use crate::values::{
    fill, flag, get, id, ids, items, items_mut, labels, list_n, list_s, map_s, n, put, s, strings,
    text, v4_range,
};

type R<T = ()> = Result<T, ApiError>;

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new("invalid_input", msg)
}

fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new("not_found", msg)
}

fn required<'a>(state: &'a V, k: &str) -> R<&'a str> {
    text(get(state, k)).ok_or_else(|| invalid(format!("missing field '{k}'")))
}

fn the_id(state: &V) -> R<u64> {
    id(get(state, "id")).ok_or_else(|| invalid("the resource has no ID"))
}

/// Names are unique per project and kind.
fn unique(taken: impl IntoIterator<Item = (u64, String)>, name: &str, me: u64) -> R {
    if taken.into_iter().any(|(id, n)| n == name && id != me) {
        return Err(ApiError::new("uniqueness_error", "name is already used"));
    }
    Ok(())
}

/// [`unique`] among the objects of one kind.
fn unique_in<T: Named>(list: &[T], name: &str, me: u64) -> R {
    unique(list.iter().map(|x| (x.id(), x.name().to_owned())), name, me)
}

/// What every update does, whatever the kind: the planned name (unique among the
/// kind's objects), labels and delete protection (for the kinds that have one) go onto
/// the object, which is returned for the kind's own fields.
fn update_common<'a, T: Named>(list: &'a mut [T], state: &V, what: &str) -> R<&'a mut T> {
    let me = the_id(state)?;
    let name = required(state, "name")?.to_owned();
    unique_in(list, &name, me)?;
    let obj = find_mut(list, me, T::id, what)?;
    obj.set_name(name);
    obj.set_labels(labels(get(state, "labels")));
    if let Some(p) = obj.delete_protection_mut() {
        *p = flag(get(state, "delete_protection")).unwrap_or(false);
    }
    Ok(obj)
}

fn check_labels(l: &Labels) -> R {
    let v = map_s(l);
    match label_error(&v) {
        Some((_, msg)) => Err(invalid(msg)),
        None => Ok(()),
    }
}

fn datacenter_of_location(location: &str) -> Option<String> {
    catalog()
        .location(location)
        .and_then(|l| l.datacenters.first().cloned())
}

// ------------------------------------------------------------------ dispatch

/// Creates the resource `kind` from its planned state.
pub fn create(cloud: &mut Cloud, kind: &str, state: &mut V) -> R {
    match kind {
        "hcloud_server" => server_create(cloud, state),
        "hcloud_network" => network_create(cloud, state),
        "hcloud_network_subnet" => subnet_create(cloud, state),
        "hcloud_server_network" => server_network_create(cloud, state),
        "hcloud_firewall" => firewall_create(cloud, state),
        "hcloud_firewall_attachment" => attachment_apply(cloud, state),
        "hcloud_primary_ip" => primary_ip_create(cloud, state),
        "hcloud_ssh_key" => ssh_key_create(cloud, state),
        "hcloud_placement_group" => placement_group_create(cloud, state),
        "hcloud_volume" => volume_create(cloud, state),
        "hcloud_volume_attachment" => volume_attachment_create(cloud, state),
        "hcloud_floating_ip" => floating_ip_create(cloud, state),
        "hcloud_load_balancer" => load_balancer_create(cloud, state),
        "hcloud_rdns" => rdns_apply(cloud, state),
        _ => Err(invalid(format!("the stand-in does not know {kind}"))),
    }
}

/// Updates the resource `kind` in place from `prior` to `state`.
pub fn update(cloud: &mut Cloud, kind: &str, prior: &V, state: &mut V) -> R {
    match kind {
        "hcloud_server" => server_update(cloud, prior, state),
        "hcloud_network" => {
            let net = update_common(&mut cloud.networks, state, "network")?;
            net.expose_routes_to_vswitch =
                flag(get(state, "expose_routes_to_vswitch")).unwrap_or(false);
            Ok(())
        }
        "hcloud_firewall" => firewall_update(cloud, state),
        "hcloud_firewall_attachment" => attachment_apply(cloud, state),
        "hcloud_primary_ip" => primary_ip_update(cloud, state),
        "hcloud_ssh_key" => update_common(&mut cloud.ssh_keys, state, "SSH key").map(|_| ()),
        "hcloud_placement_group" => {
            let me = update_common(&mut cloud.placement_groups, state, "placement group")?.id;
            let servers = placement_servers(cloud, me);
            put(state, "servers", list_n(servers));
            Ok(())
        }
        "hcloud_volume" => volume_update(cloud, state),
        "hcloud_floating_ip" => floating_ip_update(cloud, state),
        "hcloud_load_balancer" => load_balancer_update(cloud, state),
        "hcloud_server_network" => {
            let (server, network) = server_network_ids(state)?;
            let srv = server_mut(cloud, server)?;
            if let Some(att) = srv.private_net.iter_mut().find(|p| p.network == network) {
                att.alias_ips = strings(get(state, "alias_ips"));
            }
            Ok(())
        }
        _ => Err(invalid(format!("{kind} cannot be updated in place"))),
    }
}

/// Deletes the resource `kind` whose state is `state`.
pub fn delete(cloud: &mut Cloud, kind: &str, state: &V) -> R {
    match kind {
        "hcloud_server" => server_delete(cloud, the_id(state)?)?,
        "hcloud_network" => {
            let me = the_id(state)?;
            if cloud
                .servers
                .iter()
                .any(|s| s.private_net.iter().any(|p| p.network == me))
            {
                return Err(ApiError::new(
                    "resource_in_use",
                    format!("network {me} still has attached servers"),
                ));
            }
            remove(&mut cloud.networks, me, "network")?;
        }
        "hcloud_network_subnet" => {
            let nid = id(get(state, "network_id")).ok_or_else(|| invalid("no network_id"))?;
            let range = required(state, "ip_range")?.to_owned();
            let (lo, hi) = v4_range(&range).unwrap_or((1, 0));
            let used = cloud.servers.iter().any(|srv| {
                srv.private_net.iter().any(|p| {
                    p.network == nid
                        && p.ip
                            .parse::<Ipv4Addr>()
                            .is_ok_and(|a| (lo..=hi).contains(&u32::from(a)))
                })
            });
            if used {
                return Err(ApiError::new(
                    "resource_in_use",
                    format!("subnet {range} of network {nid} still has attached servers"),
                ));
            }
            if let Ok(net) = network_mut(cloud, nid) {
                net.subnets.retain(|s| s.ip_range != range);
            }
        }
        "hcloud_server_network" => {
            let (server, network) = server_network_ids(state)?;
            if let Ok(srv) = server_mut(cloud, server) {
                srv.private_net.retain(|p| p.network != network);
            }
        }
        "hcloud_firewall" => {
            let me = the_id(state)?;
            cloud.firewalls.retain(|f| f.id != me);
        }
        "hcloud_firewall_attachment" => {
            let me = the_id(state)?;
            if let Some(fw) = cloud.firewalls.iter_mut().find(|f| f.id == me) {
                fw.applied_to.retain(|a| !a.attachment);
            }
        }
        "hcloud_primary_ip" => {
            let me = the_id(state)?;
            remove(&mut cloud.primary_ips, me, "primary IP")?;
            unassign_primary(cloud, me);
        }
        "hcloud_ssh_key" => {
            let me = the_id(state)?;
            cloud.ssh_keys.retain(|k| k.id != me);
        }
        "hcloud_placement_group" => {
            let me = the_id(state)?;
            for srv in &mut cloud.servers {
                if srv.placement_group == Some(me) {
                    srv.placement_group = None;
                }
            }
            cloud.placement_groups.retain(|p| p.id != me);
        }
        "hcloud_volume" => remove(&mut cloud.volumes, the_id(state)?, "volume")?,
        "hcloud_volume_attachment" => {
            let vid = id(get(state, "volume_id")).ok_or_else(|| invalid("no volume_id"))?;
            if let Some(v) = cloud.volumes.iter_mut().find(|v| v.id == vid) {
                v.server = None;
            }
        }
        "hcloud_floating_ip" => remove(&mut cloud.floating_ips, the_id(state)?, "floating IP")?,
        "hcloud_load_balancer" => {
            remove(&mut cloud.load_balancers, the_id(state)?, "load balancer")?;
        }
        "hcloud_rdns" => {
            if let Some(ip) = text(get(state, "ip_address")) {
                cloud.rdns.remove(ip);
            }
        }
        _ => return Err(invalid(format!("the stand-in does not know {kind}"))),
    }
    Ok(())
}

/// Deletes the object `me` of `list` (a `what`): not found unless it is there, refused
/// while its delete protection is on.
fn remove<T: Named>(list: &mut Vec<T>, me: u64, what: &str) -> R {
    let x = find_mut(list, me, Named::id, what)?;
    protected(x.delete_protection_mut().is_some_and(|on| *on))?;
    list.retain(|x| x.id() != me);
    Ok(())
}

/// Refreshes `state` from the cloud; `false` when the object is gone.
pub fn read(cloud: &Cloud, kind: &str, state: &mut V) -> bool {
    let Some(me) = id(get(state, "id")).or_else(|| {
        // IDs that are not numbers: `<network>-<range>`, `<server>-<network>`, rdns.
        text(get(state, "id")).map(|_| 0)
    }) else {
        return false;
    };
    match kind {
        "hcloud_server" => match cloud.servers.iter().find(|x| x.id == me) {
            Some(srv) => {
                put(state, "status", s(&srv.status));
                put(state, "server_type", s(&srv.server_type));
                put(state, "name", s(&srv.name));
                if !srv.labels.is_empty() || !matches!(get(state, "labels"), V::Null) {
                    put(state, "labels", map_s(&srv.labels));
                }
                true
            }
            None => false,
        },
        "hcloud_network" => cloud.networks.iter().any(|x| x.id == me),
        "hcloud_network_subnet" => {
            let nid = id(get(state, "network_id"));
            let range = text(get(state, "ip_range")).unwrap_or_default();
            cloud
                .networks
                .iter()
                .any(|x| Some(x.id) == nid && x.subnets.iter().any(|s| s.ip_range == range))
        }
        "hcloud_server_network" => server_network_ids(state).is_ok_and(|(srv, net)| {
            cloud
                .servers
                .iter()
                .any(|x| x.id == srv && x.private_net.iter().any(|p| p.network == net))
        }),
        "hcloud_firewall" | "hcloud_firewall_attachment" => {
            cloud.firewalls.iter().any(|x| x.id == me)
        }
        "hcloud_primary_ip" => match cloud.primary_ips.iter().find(|x| x.id == me) {
            Some(ip) => {
                put(state, "assignee_id", n(ip.assignee_id.unwrap_or(0)));
                true
            }
            None => false,
        },
        "hcloud_ssh_key" => cloud.ssh_keys.iter().any(|x| x.id == me),
        "hcloud_placement_group" => {
            let found = cloud.placement_groups.iter().any(|x| x.id == me);
            if found {
                put(state, "servers", list_n(placement_servers(cloud, me)));
            }
            found
        }
        "hcloud_volume" => cloud.volumes.iter().any(|x| x.id == me),
        "hcloud_volume_attachment" => id(get(state, "volume_id")).is_some_and(|vid| {
            cloud
                .volumes
                .iter()
                .any(|v| v.id == vid && v.server == id(get(state, "server_id")))
        }),
        "hcloud_floating_ip" => cloud.floating_ips.iter().any(|x| x.id == me),
        "hcloud_load_balancer" => cloud.load_balancers.iter().any(|x| x.id == me),
        "hcloud_rdns" => {
            text(get(state, "ip_address")).is_some_and(|ip| cloud.rdns.contains_key(ip))
        }
        _ => false,
    }
}

fn protected(on: bool) -> R {
    if on {
        return Err(ApiError::new(
            "protected",
            "cannot delete resource because it is protected",
        ));
    }
    Ok(())
}

fn find_mut<'a, T>(
    list: &'a mut [T],
    me: u64,
    key: impl Fn(&T) -> u64,
    what: &str,
) -> R<&'a mut T> {
    list.iter_mut()
        .find(|x| key(x) == me)
        .ok_or_else(|| not_found(format!("{what} with ID {me} not found")))
}

fn server_mut(cloud: &mut Cloud, me: u64) -> R<&mut Server> {
    find_mut(&mut cloud.servers, me, |s| s.id, "server")
}

fn network_mut(cloud: &mut Cloud, me: u64) -> R<&mut Network> {
    find_mut(&mut cloud.networks, me, |n| n.id, "network")
}

fn placement_servers(cloud: &Cloud, pg: u64) -> Vec<u64> {
    cloud.servers_in_placement_group(pg).map(|s| s.id).collect()
}

// ------------------------------------------------------------------ server

/// The limit of servers in one `spread` placement group.
const SPREAD_LIMIT: usize = 10;

fn server_create(cloud: &mut Cloud, state: &mut V) -> R {
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.servers, &name, 0)?;
    let type_name = required(state, "server_type")?.to_owned();
    let Some(server_type) = catalog().server_type(&type_name) else {
        return Err(not_found(format!("server type {type_name} not found")));
    };
    let (location, datacenter) =
        match (text(get(state, "location")), text(get(state, "datacenter"))) {
            (_, Some(dc)) => {
                let Some(d) = catalog().datacenter(dc) else {
                    return Err(invalid(format!("datacenter {dc} not found")));
                };
                if let Some(loc) = text(get(state, "location"))
                    && loc != d.location
                {
                    return Err(invalid(format!("datacenter {dc} is not in location {loc}")));
                }
                (d.location.clone(), dc.to_owned())
            }
            (Some(loc), None) => match datacenter_of_location(loc) {
                Some(dc) => (loc.to_owned(), dc),
                None => return Err(invalid(format!("location {loc} not found"))),
            },
            (None, None) => {
                let loc = server_type.locations.first().cloned().unwrap_or_default();
                let dc = datacenter_of_location(&loc).unwrap_or_default();
                (loc, dc)
            }
        };
    if !server_type.locations.contains(&location) {
        return Err(invalid(format!(
            "server type {type_name} is not available in location {location}"
        )));
    }
    let Some(image_name) = text(get(state, "image")) else {
        return Err(invalid("image must be set to create a server"));
    };
    let Some(image) = catalog().image(image_name, &server_type.architecture) else {
        return Err(not_found(format!(
            "image {image_name} for architecture {} not found",
            server_type.architecture
        )));
    };
    let mut ssh_keys = Vec::new();
    for key in strings(get(state, "ssh_keys")) {
        match cloud
            .ssh_keys
            .iter()
            .find(|k| k.id.to_string() == key || k.name == key)
        {
            Some(k) => ssh_keys.push(k.id),
            None => return Err(not_found("SSH key not found")),
        }
    }
    let placement_group = id(get(state, "placement_group_id"));
    if let Some(pg) = placement_group {
        check_placement(cloud, pg, 0)?;
    }
    let server_labels = labels(get(state, "labels"));
    check_labels(&server_labels)?;

    let (me, created) = cloud.new_id();
    let mut srv = Server {
        id: me,
        name,
        server_type: type_name,
        image: image.name.clone(),
        location: location.clone(),
        datacenter: datacenter.clone(),
        status: "running".into(),
        labels: server_labels,
        user_data: text(get(state, "user_data")).map(str::to_owned),
        public_net: PublicNet::default(),
        private_net: Vec::new(),
        placement_group,
        ssh_keys,
        backups: flag(get(state, "backups")).unwrap_or(false),
        delete_protection: flag(get(state, "delete_protection")).unwrap_or(false),
        rebuild_protection: flag(get(state, "rebuild_protection")).unwrap_or(false),
        primary_disk_size: u64::try_from(server_type.disk).unwrap_or(0),
        created,
    };

    // public_net: without a block both families get new Primary IPs that die with the
    // server; a given Primary IP ID forces its family on (resource.go:412-419).
    let public = items(get(state, "public_net")).first().cloned();
    let (v4_on, v4_id, v6_on, v6_id) = match &public {
        None => (true, None, true, None),
        Some(p) => {
            let v4 = id(get(p, "ipv4"));
            let v6 = id(get(p, "ipv6"));
            (
                v4.is_some() || flag(get(p, "ipv4_enabled")).unwrap_or(true),
                v4,
                v6.is_some() || flag(get(p, "ipv6_enabled")).unwrap_or(true),
                v6,
            )
        }
    };
    if v4_on {
        srv.public_net.ipv4 = Some(attach_primary(cloud, v4_id, "ipv4", me, &datacenter)?);
    }
    if v6_on {
        srv.public_net.ipv6 = Some(attach_primary(cloud, v6_id, "ipv6", me, &datacenter)?);
    }

    for network in items(get(state, "network")) {
        let nid =
            id(get(network, "network_id")).ok_or_else(|| invalid("network_id is required"))?;
        let ip = text(get(network, "ip")).filter(|ip| !ip.is_empty());
        let att = private_attachment(cloud, &srv, nid, ip, strings(get(network, "alias_ips")))?;
        srv.private_net.push(att);
    }
    let firewall_ids = ids(get(state, "firewall_ids"));
    for fw in &firewall_ids {
        let fw = find_mut(&mut cloud.firewalls, *fw, |f| f.id, "firewall")?;
        fw.applied_to.push(AppliedTo {
            by_server: true,
            ..AppliedTo::server(me)
        });
    }
    server_state(cloud, &srv, state);
    cloud.servers.push(srv);
    Ok(())
}

/// Fills a server's computed values.
fn server_state(cloud: &Cloud, srv: &Server, state: &mut V) {
    put(state, "id", s(srv.id.to_string()));
    fill(state, "location", s(&srv.location));
    fill(state, "datacenter", s(&srv.datacenter));
    put(state, "status", s(&srv.status));
    for (k, v) in cloud.public_addresses(srv) {
        fill(state, k, s(v));
    }
    let (v4, v6) = (srv.public_net.ipv4.as_ref(), srv.public_net.ipv6.as_ref());
    fill(state, "primary_disk_size", n(srv.primary_disk_size));
    fill(state, "backup_window", s(""));
    let firewalls: Vec<u64> = cloud
        .firewalls
        .iter()
        .filter(|f| {
            f.applied_to
                .iter()
                .any(|a| a.server == Some(srv.id) && !a.attachment)
        })
        .map(|f| f.id)
        .collect();
    fill(state, "firewall_ids", list_n(firewalls));
    if let V::Map(m) = state
        && let Some(public) = m.get_mut("public_net")
    {
        for p in items_mut(public) {
            fill(p, "ipv4", n(v4.map_or(0, |a| a.id)));
            fill(p, "ipv6", n(v6.map_or(0, |a| a.id)));
        }
    }
    if let V::Map(m) = state
        && let Some(networks) = m.get_mut("network")
    {
        for net in items_mut(networks) {
            let nid = id(get(net, "network_id"));
            if let Some(att) = srv.private_net.iter().find(|p| Some(p.network) == nid) {
                fill(net, "ip", s(&att.ip));
                fill(net, "mac_address", s(&att.mac_address));
                fill(net, "alias_ips", list_s(att.alias_ips.clone()));
            }
        }
    }
}

fn check_placement(cloud: &Cloud, pg: u64, me: u64) -> R {
    let Some(group) = cloud.placement_groups.iter().find(|p| p.id == pg) else {
        return Err(not_found(format!("placement group {pg} not found")));
    };
    let members = cloud
        .servers_in_placement_group(pg)
        .filter(|s| s.id != me)
        .count();
    if group.kind == "spread" && members >= SPREAD_LIMIT {
        return Err(ApiError::new(
            "placement_error",
            format!("spread placement group {pg} already holds {SPREAD_LIMIT} servers, its limit"),
        ));
    }
    Ok(())
}

/// Assigns the Primary IP `wanted` (or a new one that is deleted with the server).
fn attach_primary(
    cloud: &mut Cloud,
    wanted: Option<u64>,
    family: &str,
    server: u64,
    datacenter: &str,
) -> R<AssignedIp> {
    match wanted {
        Some(pid) => {
            let ip = find_mut(&mut cloud.primary_ips, pid, |p| p.id, "primary IP")?;
            if ip.kind != family {
                return Err(invalid(format!(
                    "primary IP {pid} is an {} address, not {family}",
                    ip.kind
                )));
            }
            if ip.datacenter != datacenter {
                return Err(invalid(format!(
                    "primary IP {pid} is in datacenter {}, the server in {datacenter}",
                    ip.datacenter
                )));
            }
            if let Some(other) = ip.assignee_id
                && other != server
            {
                return Err(ApiError::new(
                    "primary_ip_assigned",
                    format!("primary IP {pid} is already assigned to server {other}"),
                ));
            }
            ip.assignee_id = Some(server);
            Ok(AssignedIp {
                id: pid,
                ip: ip.ip.clone(),
            })
        }
        None => {
            let (address, network) = if family == "ipv4" {
                (cloud.free_ipv4()?, String::new())
            } else {
                cloud.free_ipv6()
            };
            let (pid, created) = cloud.new_id();
            cloud.primary_ips.push(PrimaryIp {
                id: pid,
                name: format!("primary_ip-{pid}"),
                kind: family.into(),
                ip: address.clone(),
                ip_network: network,
                datacenter: datacenter.into(),
                assignee_id: Some(server),
                assignee_type: "server".into(),
                auto_delete: true,
                labels: Labels::new(),
                delete_protection: false,
                created,
            });
            Ok(AssignedIp {
                id: pid,
                ip: address,
            })
        }
    }
}

/// A server's attachment to network `nid`, at `ip` or the first free address.
fn private_attachment(
    cloud: &Cloud,
    srv: &Server,
    nid: u64,
    ip: Option<&str>,
    alias_ips: Vec<String>,
) -> R<PrivateNet> {
    let Some(net) = cloud.networks.iter().find(|n| n.id == nid) else {
        return Err(not_found(format!("network {nid} not found")));
    };
    let subnets: Vec<&Subnet> = net.subnets.iter().filter(|s| s.kind != "vswitch").collect();
    if subnets.is_empty() {
        return Err(invalid(format!(
            "network {nid} has no subnet a server can be attached to"
        )));
    }
    let zone = catalog()
        .location(&srv.location)
        .map(|l| l.network_zone.clone())
        .unwrap_or_default();
    let taken: BTreeSet<u32> = cloud
        .servers
        .iter()
        .filter(|s| s.id != srv.id)
        .flat_map(|s| s.private_net.iter())
        .filter(|p| p.network == nid)
        .flat_map(|p| std::iter::once(&p.ip).chain(p.alias_ips.iter()))
        .filter_map(|ip| ip.parse::<Ipv4Addr>().ok().map(u32::from))
        .collect();
    let usable = |subnet: &Subnet, a: u32| {
        v4_range(&subnet.ip_range).is_some_and(|(lo, hi)| {
            a > lo && a < hi && subnet.gateway.parse::<Ipv4Addr>().map(u32::from) != Ok(a)
        })
    };
    let address = match ip {
        Some(ip) => {
            let Ok(a) = ip.parse::<Ipv4Addr>().map(u32::from) else {
                return Err(invalid(format!("{ip} is not an IPv4 address")));
            };
            let Some(subnet) = subnets.iter().find(|s| usable(s, a)) else {
                return Err(invalid(format!(
                    "IP {ip} is not inside a subnet of network {nid} ({})",
                    subnets
                        .iter()
                        .map(|s| s.ip_range.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            if subnet.network_zone != zone {
                return Err(invalid(format!(
                    "server location {} is not in network zone {} of subnet {}",
                    srv.location, subnet.network_zone, subnet.ip_range
                )));
            }
            if taken.contains(&a) {
                return Err(ApiError::new(
                    "ip_not_available",
                    format!("IP {ip} is already used in network {nid}"),
                ));
            }
            a
        }
        None => subnets
            .iter()
            .filter(|s| s.network_zone == zone)
            .find_map(|s| {
                let (lo, hi) = v4_range(&s.ip_range)?;
                (lo + 1..hi).find(|a| usable(s, *a) && !taken.contains(a))
            })
            .ok_or_else(|| {
                ApiError::new(
                    "ip_not_available",
                    format!("no free IP in network {nid} for location {}", srv.location),
                )
            })?,
    };
    Ok(PrivateNet {
        network: nid,
        ip: Ipv4Addr::from(address).to_string(),
        alias_ips,
        mac_address: format!(
            "86:00:00:{:02x}:{:02x}:{:02x}",
            (srv.id >> 8) & 0xff,
            srv.id & 0xff,
            nid & 0xff
        ),
    })
}

fn server_update(cloud: &mut Cloud, prior: &V, state: &mut V) -> R {
    let me = the_id(state)?;
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.servers, &name, me)?;
    let type_name = required(state, "server_type")?.to_owned();
    let location = server_mut(cloud, me)?.location.clone();
    match catalog().server_type(&type_name) {
        None => return Err(not_found(format!("server type {type_name} not found"))),
        Some(t) if !t.locations.contains(&location) => {
            return Err(invalid(format!(
                "server type {type_name} is not available in location {location}"
            )));
        }
        Some(_) => {}
    }
    // public_net: an ID with the family switched off (resource.go:888-893).
    for p in items(get(state, "public_net")) {
        for family in ["ipv4", "ipv6"] {
            if flag(get(p, &format!("{family}_enabled"))) == Some(false)
                && let Some(pid) = id(get(p, family)).filter(|i| *i != 0)
            {
                return Err(invalid(format!(
                    "this operation is not allowed: {family}_enabled = false | {family} = {pid}"
                )));
            }
        }
    }
    let pg = id(get(state, "placement_group_id"));
    let prior_pg = id(get(prior, "placement_group_id"));
    if pg != prior_pg {
        if prior_pg.is_some() && pg.is_none() {
            return Err(invalid(
                "removing a running server from a placement group is not allowed: power it off first",
            ));
        }
        if let Some(pg) = pg {
            check_placement(cloud, pg, me)?;
        }
    }
    let server_labels = labels(get(state, "labels"));
    check_labels(&server_labels)?;
    // Networks: detach what is gone, attach what is new.
    let wanted: Vec<(u64, Option<String>, Vec<String>)> = items(get(state, "network"))
        .iter()
        .filter_map(|n| {
            Some((
                id(get(n, "network_id"))?,
                text(get(n, "ip")).map(str::to_owned),
                strings(get(n, "alias_ips")),
            ))
        })
        .collect();
    let mut srv = server_mut(cloud, me)?.clone();
    srv.private_net
        .retain(|p| wanted.iter().any(|(nid, _, _)| *nid == p.network));
    for (nid, ip, alias) in &wanted {
        if !srv.private_net.iter().any(|p| p.network == *nid) {
            let att = private_attachment(cloud, &srv, *nid, ip.as_deref(), alias.clone())?;
            srv.private_net.push(att);
        }
    }
    // Firewalls given on the server (not by attachments).
    if !matches!(get(state, "firewall_ids"), V::Unknown) {
        let wanted = ids(get(state, "firewall_ids"));
        for fw in &wanted {
            if !cloud.firewalls.iter().any(|f| f.id == *fw) {
                return Err(not_found(format!("firewall {fw} not found")));
            }
        }
        for fw in &mut cloud.firewalls {
            fw.applied_to
                .retain(|a| a.attachment || a.server != Some(me));
            if wanted.contains(&fw.id) {
                fw.applied_to.push(AppliedTo {
                    by_server: true,
                    ..AppliedTo::server(me)
                });
            }
        }
    }
    srv.name = name;
    srv.server_type = type_name;
    srv.labels = server_labels;
    srv.placement_group = pg;
    srv.backups = flag(get(state, "backups")).unwrap_or(false);
    srv.delete_protection = flag(get(state, "delete_protection")).unwrap_or(false);
    srv.rebuild_protection = flag(get(state, "rebuild_protection")).unwrap_or(false);
    server_state(cloud, &srv, state);
    *server_mut(cloud, me)? = srv;
    Ok(())
}

fn server_delete(cloud: &mut Cloud, me: u64) -> R {
    remove(&mut cloud.servers, me, "server")?;
    // Primary IPs: deleted with the server when auto_delete, otherwise kept, unassigned.
    cloud
        .primary_ips
        .retain(|p| !(p.assignee_id == Some(me) && p.auto_delete));
    unassign_all(cloud, me);
    for fw in &mut cloud.firewalls {
        fw.applied_to.retain(|a| a.server != Some(me));
    }
    for v in &mut cloud.volumes {
        if v.server == Some(me) {
            v.server = None;
        }
    }
    for lb in &mut cloud.load_balancers {
        lb.targets.retain(|t| *t != me);
    }
    for f in &mut cloud.floating_ips {
        if f.server == Some(me) {
            f.server = None;
        }
    }
    Ok(())
}

fn unassign_all(cloud: &mut Cloud, server: u64) {
    for p in &mut cloud.primary_ips {
        if p.assignee_id == Some(server) {
            p.assignee_id = None;
        }
    }
}

fn unassign_primary(cloud: &mut Cloud, pid: u64) {
    for srv in &mut cloud.servers {
        if srv.public_net.ipv4.as_ref().is_some_and(|a| a.id == pid) {
            srv.public_net.ipv4 = None;
        }
        if srv.public_net.ipv6.as_ref().is_some_and(|a| a.id == pid) {
            srv.public_net.ipv6 = None;
        }
    }
    for p in &mut cloud.primary_ips {
        if p.id == pid {
            p.assignee_id = None;
        }
    }
}

// ------------------------------------------------------------------ networks

/// The private ranges the API accepts for networks (RFC 1918).
fn private_v4(range: &str) -> bool {
    let Some((lo, hi)) = v4_range(range) else {
        return false;
    };
    [("10.0.0.0/8"), ("172.16.0.0/12"), ("192.168.0.0/16")]
        .iter()
        .filter_map(|r| v4_range(r))
        .any(|(a, b)| lo >= a && hi <= b)
}

fn network_create(cloud: &mut Cloud, state: &mut V) -> R {
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.networks, &name, 0)?;
    let range = required(state, "ip_range")?.to_owned();
    if !private_v4(&range) {
        return Err(invalid(format!(
            "ip_range {range} is not a private (RFC 1918) IPv4 range"
        )));
    }
    let (me, created) = cloud.new_id();
    cloud.networks.push(Network {
        id: me,
        name,
        ip_range: range,
        subnets: Vec::new(),
        labels: labels(get(state, "labels")),
        delete_protection: flag(get(state, "delete_protection")).unwrap_or(false),
        expose_routes_to_vswitch: flag(get(state, "expose_routes_to_vswitch")).unwrap_or(false),
        created,
    });
    put(state, "id", s(me.to_string()));
    Ok(())
}

fn subnet_create(cloud: &mut Cloud, state: &mut V) -> R {
    let nid = id(get(state, "network_id")).ok_or_else(|| invalid("network_id is required"))?;
    let range = required(state, "ip_range")?.to_owned();
    let kind = required(state, "type")?.to_owned();
    let zone = required(state, "network_zone")?.to_owned();
    if !catalog().locations.iter().any(|l| l.network_zone == zone) {
        return Err(invalid(format!("network zone {zone} not found")));
    }
    let net = network_mut(cloud, nid)?;
    let Some((lo, hi)) = v4_range(&range) else {
        return Err(invalid(format!("invalid CIDR address: {range}")));
    };
    let (nlo, nhi) = v4_range(&net.ip_range).unwrap_or((1, 0));
    if lo < nlo || hi > nhi {
        return Err(invalid(format!(
            "subnet {range} is not inside the network's ip_range {}",
            net.ip_range
        )));
    }
    if let Some(other) = net
        .subnets
        .iter()
        .find(|s| v4_range(&s.ip_range).is_some_and(|(a, b)| a <= hi && lo <= b))
    {
        return Err(ApiError::new(
            "conflict",
            format!("subnet {range} overlaps subnet {}", other.ip_range),
        ));
    }
    let gateway = Ipv4Addr::from(nlo + 1).to_string();
    net.subnets.push(Subnet {
        kind,
        ip_range: range.clone(),
        network_zone: zone,
        gateway: gateway.clone(),
        vswitch_id: id(get(state, "vswitch_id")),
    });
    put(state, "id", s(format!("{nid}-{range}")));
    put(state, "gateway", s(gateway));
    Ok(())
}

fn server_network_ids(state: &V) -> R<(u64, u64)> {
    let server = id(get(state, "server_id")).ok_or_else(|| invalid("server_id is required"))?;
    let network = match (id(get(state, "network_id")), text(get(state, "subnet_id"))) {
        (Some(nid), _) => nid,
        (None, Some(subnet)) => subnet
            .split_once('-')
            .and_then(|(nid, _)| nid.parse().ok())
            .ok_or_else(|| invalid(format!("{subnet} is not a subnet ID (<network_id>-<cidr>)")))?,
        (None, None) => return Err(invalid("either network_id or subnet_id must be set")),
    };
    Ok((server, network))
}

fn server_network_create(cloud: &mut Cloud, state: &mut V) -> R {
    let (server, network) = server_network_ids(state)?;
    let srv = server_mut(cloud, server)?.clone();
    if srv.private_net.iter().any(|p| p.network == network) {
        return Err(ApiError::new(
            "server_already_attached",
            format!("server {server} is already attached to network {network}"),
        ));
    }
    let ip = text(get(state, "ip")).map(str::to_owned);
    let att = private_attachment(
        cloud,
        &srv,
        network,
        ip.as_deref(),
        strings(get(state, "alias_ips")),
    )?;
    put(state, "id", s(format!("{server}-{network}")));
    fill(state, "ip", s(&att.ip));
    fill(state, "network_id", n(network));
    put(state, "mac_address", s(&att.mac_address));
    server_mut(cloud, server)?.private_net.push(att);
    Ok(())
}

// ------------------------------------------------------------------ firewalls

/// The API's port syntax: `80` or `80-85`, 1 to 65535, low before high.
pub fn port_ok(port: &str) -> bool {
    let number = |p: &str| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
    };
    match port.split_once('-') {
        None => number(port) || port == "any",
        Some((lo, hi)) => {
            number(lo) && number(hi) && lo.parse::<u32>().ok() <= hi.parse::<u32>().ok()
        }
    }
}

fn firewall_rules(state: &V) -> R<Vec<FirewallRule>> {
    let mut rules = Vec::new();
    for (i, rule) in items(get(state, "rule")).iter().enumerate() {
        let direction = text(get(rule, "direction")).unwrap_or_default().to_owned();
        let protocol = text(get(rule, "protocol")).unwrap_or_default().to_owned();
        // Rules with an empty direction or protocol are dropped (resource.go:187-202).
        if direction.is_empty() || protocol.is_empty() {
            continue;
        }
        let port = text(get(rule, "port")).map(str::to_owned);
        let field = |f: &str| format!("invalid input in field 'rules[{i}].{f}'");
        match (&port, protocol.as_str()) {
            (None, "tcp" | "udp") => {
                return Err(invalid(format!(
                    "{}: a port is required for protocol {protocol}",
                    field("port")
                )));
            }
            (Some(p), "tcp" | "udp") if !port_ok(p) => {
                return Err(invalid(format!(
                    "{}: port `{p}` is neither a port (80) nor a port range (80-85)",
                    field("port")
                )));
            }
            (Some(_), "icmp" | "esp" | "gre") => {
                return Err(invalid(format!(
                    "{}: protocol {protocol} takes no port",
                    field("port")
                )));
            }
            _ => {}
        }
        let source_ips = strings(get(rule, "source_ips"));
        let destination_ips = strings(get(rule, "destination_ips"));
        if direction == "in" && (source_ips.is_empty() || !destination_ips.is_empty()) {
            return Err(invalid(format!(
                "{}: an `in` rule takes source_ips and no destination_ips",
                field("source_ips")
            )));
        }
        if direction == "out" && (destination_ips.is_empty() || !source_ips.is_empty()) {
            return Err(invalid(format!(
                "{}: an `out` rule takes destination_ips and no source_ips",
                field("destination_ips")
            )));
        }
        rules.push(FirewallRule {
            direction,
            protocol,
            port,
            source_ips,
            destination_ips,
            description: text(get(rule, "description")).map(str::to_owned),
        });
    }
    if rules.len() > 50 {
        return Err(invalid("a firewall holds at most 50 rules"));
    }
    Ok(rules)
}

fn firewall_apply_to(cloud: &Cloud, state: &V) -> R<Vec<AppliedTo>> {
    let mut out = Vec::new();
    for a in items(get(state, "apply_to")) {
        let server = id(get(a, "server")).filter(|s| *s != 0);
        let selector = text(get(a, "label_selector")).filter(|s| !s.is_empty());
        match (server, selector) {
            (Some(srv), _) => {
                if !cloud.servers.iter().any(|s| s.id == srv) {
                    return Err(not_found(format!("server {srv} not found")));
                }
                out.push(AppliedTo::server(srv));
            }
            (None, Some(sel)) => out.push(AppliedTo::selector(sel.to_owned())),
            (None, None) => {}
        }
    }
    Ok(out)
}

fn firewall_create(cloud: &mut Cloud, state: &mut V) -> R {
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.firewalls, &name, 0)?;
    let rules = firewall_rules(state)?;
    let applied_to = firewall_apply_to(cloud, state)?;
    let (me, created) = cloud.new_id();
    cloud.firewalls.push(crate::cloud::Firewall {
        id: me,
        name,
        labels: labels(get(state, "labels")),
        rules,
        applied_to,
        created,
    });
    put(state, "id", s(me.to_string()));
    if matches!(get(state, "labels"), V::Unknown) {
        put(state, "labels", V::Map(Default::default()));
    }
    Ok(())
}

fn firewall_update(cloud: &mut Cloud, state: &mut V) -> R {
    let rules = firewall_rules(state)?;
    let applied_to = firewall_apply_to(cloud, state)?;
    let fw = update_common(&mut cloud.firewalls, state, "firewall")?;
    fw.rules = rules;
    // what attachments and servers' `firewall_ids` made stays
    fw.applied_to.retain(|a| a.attachment || a.by_server);
    fw.applied_to.extend(applied_to);
    Ok(())
}

/// hcloud_firewall_attachment create and update: its entries are replaced.
fn attachment_apply(cloud: &mut Cloud, state: &mut V) -> R {
    let fid = id(get(state, "firewall_id")).ok_or_else(|| invalid("firewall_id is required"))?;
    let servers = ids(get(state, "server_ids"));
    let selectors = strings(get(state, "label_selectors"));
    if servers.is_empty() && selectors.is_empty() {
        return Err(invalid("no resources referenced"));
    }
    for srv in &servers {
        if !cloud.servers.iter().any(|s| s.id == *srv) {
            return Err(not_found(format!("server {srv} not found")));
        }
    }
    let fw = find_mut(&mut cloud.firewalls, fid, |f| f.id, "firewall")?;
    fw.applied_to.retain(|a| !a.attachment);
    for srv in &servers {
        if fw.applied_to.iter().any(|a| a.server == Some(*srv)) {
            return Err(ApiError::new(
                "firewall_already_applied",
                format!("firewall {fid} is already applied to server {srv}"),
            ));
        }
    }
    fw.applied_to.extend(servers.iter().map(|srv| AppliedTo {
        attachment: true,
        ..AppliedTo::server(*srv)
    }));
    fw.applied_to
        .extend(selectors.into_iter().map(|sel| AppliedTo {
            attachment: true,
            ..AppliedTo::selector(sel)
        }));
    put(state, "id", s(fid.to_string()));
    Ok(())
}

// ------------------------------------------------------------------ Primary IPs

fn primary_ip_create(cloud: &mut Cloud, state: &mut V) -> R {
    let kind = required(state, "type")?.to_owned();
    if kind != "ipv4" && kind != "ipv6" {
        return Err(invalid(format!("invalid input in field 'type': {kind}")));
    }
    let assignee_type = required(state, "assignee_type")?;
    if assignee_type != "server" {
        return Err(invalid(format!(
            "invalid input in field 'assignee_type': {assignee_type}"
        )));
    }
    let assignee = id(get(state, "assignee_id")).filter(|a| *a != 0);
    let dc = text(get(state, "datacenter")).map(str::to_owned);
    if assignee.is_some() && dc.is_some() {
        return Err(invalid(
            "assignee_id and datacenter cannot be set at the same time",
        ));
    }
    let datacenter = match (&dc, assignee) {
        (Some(dc), _) => {
            if catalog().datacenter(dc).is_none() {
                return Err(invalid(format!("datacenter {dc} not found")));
            }
            dc.clone()
        }
        (None, Some(srv)) => server_mut(cloud, srv)?.datacenter.clone(),
        (None, None) => {
            return Err(invalid(
                "one of datacenter or assignee_id is required to create a primary IP",
            ));
        }
    };
    let new = new_ip(cloud, state, &kind, |c| &c.primary_ips, "primary_ip")?;
    let me = new.id;
    let ip_labels = labels(get(state, "labels"));
    check_labels(&ip_labels)?;
    cloud.primary_ips.push(PrimaryIp {
        id: me,
        name: new.name.clone(),
        kind: kind.clone(),
        ip: new.address.clone(),
        ip_network: new.network.clone(),
        datacenter: datacenter.clone(),
        assignee_id: None,
        assignee_type: "server".into(),
        auto_delete: flag(get(state, "auto_delete")).unwrap_or(false),
        labels: ip_labels,
        delete_protection: flag(get(state, "delete_protection")).unwrap_or(false),
        created: new.created.clone(),
    });
    if let Some(srv) = assignee {
        assign_primary(cloud, me, srv)?;
    }
    new.put(state);
    fill(state, "datacenter", s(datacenter));
    fill(state, "assignee_id", n(assignee.unwrap_or(0)));
    Ok(())
}

/// A new IP object (Primary or Floating IP): a free address of its `kind` (`ipv4`, or
/// `ipv6`: the network's `::1`) and, for IPv6, its network; its ID and `created`; its
/// name, the planned one or `<prefix>-<id>`, unique among the kind's objects (`list`).
struct NewIp {
    address: String,
    network: String,
    id: u64,
    created: String,
    name: String,
}

fn new_ip<T: Named>(
    cloud: &mut Cloud,
    state: &V,
    kind: &str,
    list: fn(&Cloud) -> &[T],
    prefix: &str,
) -> R<NewIp> {
    let (address, network) = match kind {
        "ipv4" => (cloud.free_ipv4()?, String::new()),
        "ipv6" => cloud.free_ipv6(),
        other => return Err(invalid(format!("invalid input in field 'type': {other}"))),
    };
    let (id, created) = cloud.new_id();
    let name = text(get(state, "name"))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{prefix}-{id}"));
    unique_in(list(cloud), &name, 0)?;
    Ok(NewIp {
        address,
        network,
        id,
        created,
        name,
    })
}

impl NewIp {
    /// The computed attributes every IP object has: its ID, name, address and network.
    fn put(self, state: &mut V) {
        put(state, "id", s(self.id.to_string()));
        fill(state, "name", s(self.name));
        put(state, "ip_address", s(self.address));
        put(state, "ip_network", s(self.network));
    }
}

fn assign_primary(cloud: &mut Cloud, pid: u64, server: u64) -> R {
    let srv = server_mut(cloud, server)?.clone();
    let ip = find_mut(&mut cloud.primary_ips, pid, |p| p.id, "primary IP")?;
    if ip.datacenter != srv.datacenter {
        return Err(invalid(format!(
            "primary IP {pid} is in datacenter {}, the server in {}",
            ip.datacenter, srv.datacenter
        )));
    }
    if let Some(other) = ip.assignee_id.filter(|o| *o != server) {
        return Err(ApiError::new(
            "primary_ip_assigned",
            format!("primary IP {pid} is already assigned to server {other}"),
        ));
    }
    let family = ip.kind.clone();
    let assigned = AssignedIp {
        id: pid,
        ip: ip.ip.clone(),
    };
    let slot = if family == "ipv4" {
        srv.public_net.ipv4.as_ref()
    } else {
        srv.public_net.ipv6.as_ref()
    };
    if slot.is_some_and(|a| a.id != pid) {
        return Err(ApiError::new(
            "server_has_ipv4",
            format!("server {server} already has an {family} Primary IP"),
        ));
    }
    ip.assignee_id = Some(server);
    let srv = server_mut(cloud, server)?;
    if family == "ipv4" {
        srv.public_net.ipv4 = Some(assigned);
    } else {
        srv.public_net.ipv6 = Some(assigned);
    }
    Ok(())
}

fn primary_ip_update(cloud: &mut Cloud, state: &mut V) -> R {
    let ip = update_common(&mut cloud.primary_ips, state, "primary IP")?;
    ip.auto_delete = flag(get(state, "auto_delete")).unwrap_or(false);
    let (me, current) = (ip.id, ip.assignee_id);
    let assignee = id(get(state, "assignee_id")).filter(|a| *a != 0);
    if current != assignee {
        unassign_primary(cloud, me);
        if let Some(srv) = assignee {
            assign_primary(cloud, me, srv)?;
        }
    }
    fill(state, "assignee_id", n(assignee.unwrap_or(0)));
    Ok(())
}

// ------------------------------------------------------------------ SSH keys, placement

/// The SSH key types the API accepts.
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
];

/// A colon-separated 16-byte fingerprint of the key's blob. The API's is MD5; the
/// stand-in's is two FNV-1a 64-bit hashes: equal keys, equal fingerprints.
fn fingerprint(blob: &str) -> String {
    let fnv = |seed: u64| {
        blob.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    let bytes: Vec<u8> = [fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4)]
        .iter()
        .flat_map(|h| h.to_be_bytes())
        .collect();
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ssh_key_create(cloud: &mut Cloud, state: &mut V) -> R {
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.ssh_keys, &name, 0)?;
    let key = required(state, "public_key")?.trim().to_owned();
    let mut parts = key.split_whitespace();
    let (Some(kind), Some(blob)) = (parts.next(), parts.next()) else {
        return Err(invalid("invalid input in field 'public_key'"));
    };
    if !KEY_TYPES.contains(&kind)
        || !blob
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    {
        return Err(invalid("invalid input in field 'public_key'"));
    }
    let fp = fingerprint(blob);
    if cloud.ssh_keys.iter().any(|k| k.fingerprint == fp) {
        return Err(ApiError::new(
            "uniqueness_error",
            "SSH key with the same fingerprint already exists",
        ));
    }
    let (me, created) = cloud.new_id();
    let key_labels = labels(get(state, "labels"));
    cloud.ssh_keys.push(SshKey {
        id: me,
        name,
        public_key: key,
        fingerprint: fp.clone(),
        labels: key_labels.clone(),
        created,
    });
    put(state, "id", s(me.to_string()));
    put(state, "fingerprint", s(fp));
    fill(state, "labels", map_s(&key_labels));
    Ok(())
}

fn placement_group_create(cloud: &mut Cloud, state: &mut V) -> R {
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.placement_groups, &name, 0)?;
    let (me, created) = cloud.new_id();
    cloud.placement_groups.push(PlacementGroup {
        id: me,
        name,
        kind: required(state, "type")?.to_owned(),
        labels: labels(get(state, "labels")),
        created,
    });
    put(state, "id", s(me.to_string()));
    put(state, "servers", V::List(Vec::new()));
    Ok(())
}

// ------------------------------------------------------------------ volumes, IPs, LBs

fn volume_create(cloud: &mut Cloud, state: &mut V) -> R {
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.volumes, &name, 0)?;
    let size = id(get(state, "size")).unwrap_or(0);
    if !(10..=10_240).contains(&size) {
        return Err(invalid(
            "invalid input in field 'size': from 10 to 10240 GB",
        ));
    }
    let server = id(get(state, "server_id")).filter(|s| *s != 0);
    let location = text(get(state, "location")).map(str::to_owned);
    let location = match (server, location) {
        (Some(_), Some(_)) => {
            return Err(invalid("only one of server_id and location may be given"));
        }
        (Some(srv), None) => server_mut(cloud, srv)?.location.clone(),
        (None, Some(loc)) if catalog().location(&loc).is_some() => loc,
        (None, Some(loc)) => return Err(invalid(format!("location {loc} not found"))),
        (None, None) => return Err(invalid("one of server_id and location is required")),
    };
    let format = text(get(state, "format")).map(str::to_owned);
    if let Some(f) = &format
        && f != "xfs"
        && f != "ext4"
    {
        return Err(invalid(format!("invalid input in field 'format': {f}")));
    }
    if flag(get(state, "automount")) == Some(true) && server.is_none() {
        return Err(invalid("automount needs server_id"));
    }
    let (me, created) = cloud.new_id();
    let linux_device = format!("/dev/disk/by-id/scsi-0HC_Volume_{me}");
    cloud.volumes.push(Volume {
        id: me,
        name,
        size,
        location: location.clone(),
        server,
        format,
        linux_device: linux_device.clone(),
        labels: labels(get(state, "labels")),
        delete_protection: flag(get(state, "delete_protection")).unwrap_or(false),
        created,
    });
    put(state, "id", s(me.to_string()));
    fill(state, "location", s(location));
    fill(state, "server_id", n(server.unwrap_or(0)));
    put(state, "linux_device", s(linux_device));
    Ok(())
}

fn volume_update(cloud: &mut Cloud, state: &mut V) -> R {
    let vol = update_common(&mut cloud.volumes, state, "volume")?;
    let size = id(get(state, "size")).unwrap_or(0);
    if size < vol.size {
        return Err(invalid("a volume cannot shrink"));
    }
    vol.size = size;
    vol.server = id(get(state, "server_id")).filter(|s| *s != 0);
    Ok(())
}

fn volume_attachment_create(cloud: &mut Cloud, state: &mut V) -> R {
    let vid = id(get(state, "volume_id")).ok_or_else(|| invalid("volume_id is required"))?;
    let sid = id(get(state, "server_id")).ok_or_else(|| invalid("server_id is required"))?;
    let location = server_mut(cloud, sid)?.location.clone();
    let vol = find_mut(&mut cloud.volumes, vid, |v| v.id, "volume")?;
    if vol.location != location {
        return Err(invalid(format!(
            "volume {vid} is in {}, server {sid} in {location}",
            vol.location
        )));
    }
    if let Some(other) = vol.server.filter(|o| *o != sid) {
        return Err(ApiError::new(
            "volume_already_attached",
            format!("volume {vid} is already attached to server {other}"),
        ));
    }
    vol.server = Some(sid);
    put(state, "id", s(vid.to_string()));
    fill(state, "automount", V::Bool(false));
    Ok(())
}

fn floating_ip_create(cloud: &mut Cloud, state: &mut V) -> R {
    let kind = required(state, "type")?.to_owned();
    let server = id(get(state, "server_id")).filter(|s| *s != 0);
    let home = match (text(get(state, "home_location")), server) {
        (Some(loc), _) if catalog().location(loc).is_some() => loc.to_owned(),
        (Some(loc), _) => return Err(invalid(format!("location {loc} not found"))),
        (None, Some(srv)) => server_mut(cloud, srv)?.location.clone(),
        (None, None) => return Err(invalid("one of home_location and server_id is required")),
    };
    let new = new_ip(cloud, state, &kind, |c| &c.floating_ips, "floating_ip")?;
    cloud.floating_ips.push(FloatingIp {
        id: new.id,
        name: new.name.clone(),
        kind,
        ip: new.address.clone(),
        ip_network: new.network.clone(),
        home_location: home.clone(),
        server,
        description: text(get(state, "description")).map(str::to_owned),
        labels: labels(get(state, "labels")),
        delete_protection: flag(get(state, "delete_protection")).unwrap_or(false),
        created: new.created.clone(),
    });
    new.put(state);
    fill(state, "home_location", s(home));
    fill(state, "server_id", n(server.unwrap_or(0)));
    Ok(())
}

fn floating_ip_update(cloud: &mut Cloud, state: &mut V) -> R {
    let server = id(get(state, "server_id")).filter(|s| *s != 0);
    if let Some(srv) = server {
        server_mut(cloud, srv)?;
    }
    let f = update_common(&mut cloud.floating_ips, state, "floating IP")?;
    f.server = server;
    f.description = text(get(state, "description")).map(str::to_owned);
    Ok(())
}

/// The load balancer types the API sells.
const LB_TYPES: &[&str] = &["lb11", "lb21", "lb31"];

fn lb_targets(cloud: &Cloud, state: &V) -> R<Vec<u64>> {
    let mut out = Vec::new();
    for t in items(get(state, "target")) {
        if let Some(srv) = id(get(t, "server_id")) {
            if !cloud.servers.iter().any(|s| s.id == srv) {
                return Err(not_found(format!("server {srv} not found")));
            }
            out.push(srv);
        }
    }
    Ok(out)
}

fn load_balancer_create(cloud: &mut Cloud, state: &mut V) -> R {
    let name = required(state, "name")?.to_owned();
    unique_in(&cloud.load_balancers, &name, 0)?;
    let lb_type = required(state, "load_balancer_type")?.to_owned();
    if !LB_TYPES.contains(&lb_type.as_str()) {
        return Err(not_found(format!("load balancer type {lb_type} not found")));
    }
    let (location, zone) = match (
        text(get(state, "location")),
        text(get(state, "network_zone")),
    ) {
        (Some(loc), _) => match catalog().location(loc) {
            Some(l) => (loc.to_owned(), l.network_zone.clone()),
            None => return Err(invalid(format!("location {loc} not found"))),
        },
        (None, Some(zone)) => match catalog().locations.iter().find(|l| l.network_zone == zone) {
            Some(l) => (l.name.clone(), zone.to_owned()),
            None => return Err(invalid(format!("network zone {zone} not found"))),
        },
        (None, None) => return Err(invalid("one of location and network_zone is required")),
    };
    let targets = lb_targets(cloud, state)?;
    let ipv4 = cloud.free_ipv4()?;
    let (ipv6, _) = cloud.free_ipv6();
    let algorithm = items(get(state, "algorithm"))
        .first()
        .and_then(|a| text(get(a, "type")))
        .unwrap_or("round_robin")
        .to_owned();
    let (me, created) = cloud.new_id();
    cloud.load_balancers.push(LoadBalancer {
        id: me,
        name,
        load_balancer_type: lb_type,
        location: location.clone(),
        network_zone: zone.clone(),
        ipv4: ipv4.clone(),
        ipv6: ipv6.clone(),
        algorithm: algorithm.clone(),
        targets,
        labels: labels(get(state, "labels")),
        delete_protection: flag(get(state, "delete_protection")).unwrap_or(false),
        created,
    });
    put(state, "id", s(me.to_string()));
    fill(state, "location", s(location));
    fill(state, "network_zone", s(zone));
    put(state, "ipv4", s(ipv4));
    put(state, "ipv6", s(ipv6));
    fill(state, "labels", V::Map(Default::default()));
    put(state, "network_id", n(0));
    put(state, "network_ip", s(""));
    if let V::Map(m) = state
        && let Some(alg) = m.get_mut("algorithm")
    {
        for a in items_mut(alg) {
            fill(a, "type", s(&algorithm));
        }
    }
    Ok(())
}

fn load_balancer_update(cloud: &mut Cloud, state: &mut V) -> R {
    let targets = lb_targets(cloud, state)?;
    update_common(&mut cloud.load_balancers, state, "load balancer")?.targets = targets;
    Ok(())
}

fn rdns_apply(cloud: &mut Cloud, state: &mut V) -> R {
    let ip = required(state, "ip_address")?.to_owned();
    let ptr = required(state, "dns_ptr")?.to_owned();
    let (letter, owner, owns) = if let Some(srv) = id(get(state, "server_id")) {
        let srv = server_mut(cloud, srv)?;
        let owns = [&srv.public_net.ipv4, &srv.public_net.ipv6]
            .iter()
            .any(|a| a.as_ref().is_some_and(|a| a.ip == ip));
        ("s", srv.id, owns)
    } else if let Some(pid) = id(get(state, "primary_ip_id")) {
        let p = find_mut(&mut cloud.primary_ips, pid, |p| p.id, "primary IP")?;
        ("p", pid, p.ip == ip)
    } else if let Some(fid) = id(get(state, "floating_ip_id")) {
        let f = find_mut(&mut cloud.floating_ips, fid, |f| f.id, "floating IP")?;
        ("f", fid, f.ip == ip)
    } else if let Some(lid) = id(get(state, "load_balancer_id")) {
        let l = find_mut(&mut cloud.load_balancers, lid, |l| l.id, "load balancer")?;
        ("l", lid, l.ipv4 == ip || l.ipv6 == ip)
    } else {
        return Err(invalid("no resource given for the reverse DNS entry"));
    };
    if !owns {
        return Err(invalid(format!("IP {ip} does not belong to the resource")));
    }
    cloud.rdns.insert(ip.clone(), ptr);
    put(state, "id", s(format!("{letter}-{owner}-{ip}")));
    Ok(())
}
