//! The `hcloud` CLI stand-in: the commands the generated workflows use, their output
//! formats, label selectors, the real CLI's errors and exit codes, and the fake cloud it
//! shares with the provider stand-in (a Primary IP made with `hcloud primary-ip create`
//! is what Terraform's data source reads; what `terraform apply` made, `hcloud server
//! list` sees and `hcloud server delete` removes).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Out, Project, TOKEN};
use hcloud_standin::cloud::{self, Cloud, Labels, Server, Volume};

/// `hcloud CMD` (its words as a shell splits them: `'…'` keeps spaces) with `env` set.
fn hcloud_env(state: &Path, env: &[(&str, &str)], cmd: &str) -> Out {
    let argv = shlex::split(cmd).expect("a command line");
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    common::hcloud(state, env, &argv, None)
}

fn hcloud(state: &Path, cmd: &str) -> Out {
    hcloud_env(state, &[], cmd)
}

/// `hcloud CMD`, which must succeed; its stdout.
fn ok(state: &Path, cmd: &str) -> String {
    let o = hcloud(state, cmd);
    assert_eq!(o.code, 0, "hcloud {cmd}: {}{}", o.stdout, o.stderr);
    o.stdout
}

/// Each `hcloud CMD` of `cases` fails with its `code` and exactly its `stderr`.
fn fails_each(state: &Path, cases: &[(&str, i32, &str)]) {
    for (cmd, code, stderr) in cases {
        fails(state, cmd, *code, stderr);
    }
}

/// `hcloud CMD`, which must fail with `code` and exactly `stderr`.
fn fails(state: &Path, cmd: &str, code: i32, stderr: &str) {
    let o = hcloud(state, cmd);
    assert_eq!(
        (o.code, o.stderr.as_str(), o.stdout.as_str()),
        (code, stderr, ""),
        "hcloud {cmd}"
    );
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A fake cloud with three servers (two of dev, one of prod) and a volume.
fn small_cloud(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("cloud.json");
    let mut c = Cloud {
        format: cloud::FORMAT,
        ..Cloud::default()
    };
    for (name, env, role) in [
        ("dev-control-0", "dev", "control-plane"),
        ("dev-worker-0", "dev", "worker"),
        ("prod-worker-0", "prod", "worker"),
    ] {
        let (id, created) = c.new_id();
        c.servers.push(Server {
            id,
            name: name.into(),
            server_type: "cx22".into(),
            image: "ubuntu-24.04".into(),
            location: "nbg1".into(),
            datacenter: "nbg1-dc3".into(),
            status: "running".into(),
            labels: labels(&[("environment", env), ("role", role)]),
            created,
            ..Server::default()
        });
    }
    let (id, created) = c.new_id();
    c.volumes.push(Volume {
        id,
        name: "dev-data".into(),
        size: 10,
        location: "nbg1".into(),
        labels: labels(&[("environment", "dev")]),
        created,
        ..Volume::default()
    });
    cloud::save(&path, &c).expect("cloud written");
    path
}

#[test]
fn primary_ip_create_describe_list_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cloud.json");
    let created = ok(
        &state,
        "primary-ip create --type ipv4 --name kafka-dev-ip --datacenter nbg1-dc3 --label environment=dev --label role=kafka",
    );
    assert_eq!(created, "Primary IP 1 created\nIPv4: 192.0.2.1\n");

    // The workflows' reads: the ID, the address, a line of status.
    assert_eq!(
        ok(
            &state,
            "primary-ip describe kafka-dev-ip -o 'format={{.ID}}'"
        ),
        "1\n"
    );
    assert_eq!(
        ok(
            &state,
            "primary-ip describe kafka-dev-ip -o 'format={{.Name}} {{.IP}} assignee={{.AssigneeID}}'"
        ),
        "kafka-dev-ip 192.0.2.1 assignee=0\n"
    );
    assert_eq!(
        ok(
            &state,
            "primary-ip describe 1 -o 'format={{.Labels}} {{.Datacenter.Location.Name}}'"
        ),
        "map[environment:dev role:kafka] nbg1\n"
    );
    // output.parseOutputFlags splits every option value at commas, and describe renders
    // only the first piece of a format: the real CLI's quirk, kept.
    assert_eq!(
        ok(
            &state,
            "primary-ip describe kafka-dev-ip -o 'format={{.Name}},{{.ID}}'"
        ),
        "kafka-dev-ip\n"
    );
    // The workflow probes for a Primary IP before creating it: absent is exit 1.
    fails_each(
        &state,
        &[
            (
                "primary-ip describe kafka-prod-ip -o 'format={{.ID}}'",
                1,
                "hcloud: Primary IP not found: kafka-prod-ip\n",
            ),
            // A second one of the same name is the API's error.
            (
                "primary-ip create --type ipv4 --name kafka-dev-ip --datacenter nbg1-dc3",
                1,
                "hcloud: name is already used (uniqueness_error)\n",
            ),
        ],
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(&state, "primary-ip describe kafka-dev-ip -o json")).unwrap();
    assert_eq!(json["ip"], "192.0.2.1");
    assert_eq!(json["datacenter"]["name"], "nbg1-dc3");
    assert_eq!(json["labels"]["role"], "kafka");

    assert_eq!(
        ok(
            &state,
            "primary-ip list -l environment=dev -o noheader -o columns=id"
        ),
        "1\n"
    );
    assert_eq!(
        ok(
            &state,
            "primary-ip list -o columns=id,name,ip,assignee,labels"
        ),
        "ID   NAME           IP          ASSIGNEE   LABELS\n\
         1    kafka-dev-ip   192.0.2.1   -          environment=dev, role=kafka\n"
    );

    assert_eq!(ok(&state, "primary-ip delete 1"), "Primary IP 1 deleted\n");
    assert_eq!(ok(&state, "primary-ip list -o noheader"), "");
    assert!(cloud::load(&state).unwrap().primary_ips.is_empty());
}

#[test]
fn list_formats_columns_and_label_selectors() {
    let dir = tempfile::tempdir().unwrap();
    let state = small_cloud(dir.path());

    assert_eq!(
        ok(
            &state,
            "server list -l environment=dev -o noheader -o columns=id"
        ),
        "1\n2\n"
    );
    // The maintenance workflow's per-pool table.
    assert_eq!(
        ok(
            &state,
            "server list -l environment=dev,role=worker -o columns=id,name,status,ipv4,type,datacenter"
        ),
        "ID   NAME           STATUS    IPV4   TYPE   DATACENTER\n\
         2    dev-worker-0   running   -      cx22   nbg1-dc3\n"
    );
    // The default table: its columns, in order.
    let table = ok(&state, "server list -l environment=prod");
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ID",
            "NAME",
            "STATUS",
            "IPV4",
            "IPV6",
            "PRIVATE",
            "NET",
            "DATACENTER",
            "AGE"
        ]
    );
    assert!(
        table.lines().nth(1).unwrap().starts_with(
            "3    prod-worker-0   running   -      -      -             nbg1-dc3     "
        )
    );

    let sel = |s: &str| {
        ok(
            &state,
            &format!("server list -l '{s}' -o noheader -o columns=name"),
        )
    };
    assert_eq!(sel("role in (worker)"), "dev-worker-0\nprod-worker-0\n");
    assert_eq!(sel("environment!=dev"), "prod-worker-0\n");
    assert_eq!(sel("!role"), "");
    assert_eq!(
        sel("role,environment notin (prod)"),
        "dev-control-0\ndev-worker-0\n"
    );
    fails(
        &state,
        "server list -l 'role in (worker'",
        1,
        "hcloud: invalid input in field 'label_selector' (invalid_input)\n",
    );

    // Sorting, the name prefix the maintenance workflow filters with awk, other kinds.
    assert_eq!(
        ok(
            &state,
            "server list -s name:desc -o noheader -o columns=name"
        ),
        "prod-worker-0\ndev-worker-0\ndev-control-0\n"
    );
    assert_eq!(
        ok(&state, "volume list -o noheader -o columns=id,name,size"),
        "4   dev-data   10 GB\n"
    );
    for kind in [
        "network",
        "firewall",
        "ssh-key",
        "placement-group",
        "load-balancer",
        "floating-ip",
    ] {
        assert_eq!(
            ok(
                &state,
                &format!("{kind} list -o noheader -o columns=id,name")
            ),
            "",
            "{kind}"
        );
        assert_eq!(
            ok(&state, &format!("{kind} list -o json")),
            "[]\n",
            "{kind}"
        );
    }

    let json: serde_json::Value =
        serde_json::from_str(&ok(&state, "server list -o json -l role=worker")).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dev-worker-0", "prod-worker-0"]);

    // Output options are checked against the command's own list.
    fails_each(
        &state,
        &[
            (
                "server list -o columns=id,bogus",
                1,
                "hcloud: invalid value for output option columns: bogus\n",
            ),
            (
                "server list -o columns",
                1,
                "hcloud: invalid output option format\n",
            ),
            (
                "server list -o 'format={{.ID}}'",
                1,
                "hcloud: invalid output option: format\n",
            ),
            (
                "server describe dev-worker-0 -o noheader",
                1,
                "hcloud: invalid output option: noheader\n",
            ),
        ],
    );
    // Columns are case-insensitive, as the CLI lower-cases them.
    assert_eq!(
        ok(&state, "server list -l environment=prod -o columns=ID,Name"),
        "ID   NAME\n3    prod-worker-0\n"
    );
}

#[test]
fn delete_and_describe_as_the_maintenance_workflow_uses_them() {
    let dir = tempfile::tempdir().unwrap();
    let state = small_cloud(dir.path());

    assert_eq!(
        ok(&state, "server describe dev-worker-0 -o 'format={{.ID}}'"),
        "2\n"
    );
    assert_eq!(
        ok(
            &state,
            "server describe 2 -o 'format={{.Datacenter.Name}} {{.ServerType.Name}} {{.Status}}'"
        ),
        "nbg1-dc3 cx22 running\n"
    );
    fails(
        &state,
        "server describe dev-worker-9 -o 'format={{.ID}}'",
        1,
        "hcloud: server not found: dev-worker-9\n",
    );

    let o = hcloud(&state, "server delete 2");
    assert_eq!(
        (o.code, o.stdout.as_str(), o.stderr.as_str()),
        (
            0,
            "Server 2 deleted\n",
            "Waiting for delete_server (server: 2) ...\nWaiting for delete_server (server: 2) ... done\n"
        )
    );
    // Several at once, one of them missing: the others go, and the run fails.
    let o = hcloud(&state, "server delete dev-control-0 nope 3");
    assert_eq!(o.code, 1);
    assert_eq!(o.stdout, "Servers dev-control-0, 3 deleted\n");
    assert!(
        o.stderr.ends_with("hcloud: Server not found: nope\n"),
        "{}",
        o.stderr
    );
    assert!(cloud::load(&state).unwrap().servers.is_empty());

    assert_eq!(
        ok(&state, "volume delete dev-data"),
        "Volume dev-data deleted\n"
    );
    assert_eq!(ok(&state, "--quiet volume list -o noheader"), "");
    assert_eq!(ok(&state, "version"), "hcloud 1.47.0\n");
}

#[test]
fn a_leftover_volume_made_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let state = small_cloud(dir.path());
    let o = hcloud(
        &state,
        "volume create --name dev-left --size 10 --location nbg1 --label environment=dev --enable-protection delete",
    );
    assert_eq!(
        (o.code, o.stdout.as_str(), o.stderr.as_str()),
        (
            0,
            "Volume 5 created\nResource protection enabled for volume 5\n",
            "Waiting for create_volume (volume: 5) ...\nWaiting for create_volume (volume: 5) ... done\n\
             Waiting for change_protection (volume: 5) ...\nWaiting for change_protection (volume: 5) ... done\n"
        )
    );
    assert_eq!(
        ok(
            &state,
            "volume list -l environment=dev -o noheader -o columns=name,protection"
        ),
        "dev-data   \ndev-left   delete\n"
    );
    // Attached to a server by name; the API's rules apply.
    assert_eq!(
        ok(
            &state,
            "--quiet volume create --name w --size 20 --server dev-worker-0"
        ),
        ""
    );
    assert_eq!(
        ok(
            &state,
            "volume describe w -o 'format={{.Server.Name}} {{.Location.Name}} {{.LinuxDevice}}'"
        ),
        "dev-worker-0 nbg1 /dev/disk/by-id/scsi-0HC_Volume_6\n"
    );
    fails_each(
        &state,
        &[
            (
                "volume create --name tiny --size 5 --location nbg1",
                1,
                "hcloud: invalid input in field 'size': from 10 to 10240 GB (invalid_input)\n",
            ),
            (
                "volume create --name x",
                1,
                "hcloud: required flag(s) \"size\" not set\n",
            ),
            (
                "volume create --name x --size 10 --location nbg1 --enable-protection rebuild,all",
                1,
                "hcloud: unknown protection level: rebuild, all\n",
            ),
            // A protected volume is not deleted.
            (
                "volume delete dev-left",
                1,
                "hcloud: cannot delete resource because it is protected (protected)\n",
            ),
        ],
    );
}

#[test]
fn a_leftover_worker_made_with_the_cli_and_removed_again() {
    let dir = tempfile::tempdir().unwrap();
    let state = small_cloud(dir.path());
    let user_data = dir.path().join("user-data.yaml");
    std::fs::write(&user_data, "#cloud-config\nruncmd: [\"true\"]\n").unwrap();
    let o = hcloud(
        &state,
        &format!(
            "server create --name dev-worker-9 --type cx22 --image ubuntu-24.04 --location nbg1 --label environment=dev --label role=worker --user-data-from-file '{}'",
            user_data.display()
        ),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "Server 5 created\nIPv4: 192.0.2.1\nIPv6: 2001:db8:1::1\nIPv6 Network: 2001:db8:1::/64\n\
         Root password: standin-root-password-5\n"
    );
    assert_eq!(
        o.stderr,
        "Waiting for create_server (server: 5) ...\nWaiting for create_server (server: 5) ... done\n\
         Waiting for start_server (server: 5) ...\nWaiting for start_server (server: 5) ... done\n"
    );
    let c = cloud::load(&state).unwrap();
    let srv = c.servers.iter().find(|s| s.name == "dev-worker-9").unwrap();
    assert_eq!(
        srv.user_data.as_deref(),
        Some("#cloud-config\nruncmd: [\"true\"]\n")
    );
    assert_eq!(srv.datacenter, "nbg1-dc3");
    // The maintenance workflow's check-clean finds it by label …
    assert_eq!(
        ok(
            &state,
            "server list -l environment=dev,role=worker -o noheader -o columns=id"
        ),
        "2\n5\n"
    );
    assert_eq!(ok(&state, "server ip dev-worker-9"), "192.0.2.1\n");
    assert_eq!(ok(&state, "server ip -6 dev-worker-9"), "2001:db8:1::1\n");
    // … and its own Primary IPs (auto_delete) go with it.
    assert_eq!(
        ok(
            &state,
            "primary-ip list -o noheader -o columns=assignee,auto_delete"
        ),
        "Server dev-worker-9   yes\nServer dev-worker-9   yes\n"
    );
    ok(&state, "server delete dev-worker-9");
    assert_eq!(ok(&state, "primary-ip list -o noheader"), "");

    // The CLI's own lookups come before the API's.
    fails_each(
        &state,
        &[
            (
                "server create --name x --type cx99 --image ubuntu-24.04",
                1,
                "hcloud: server type not found: cx99\n",
            ),
            (
                "server create --name x --type cx22 --image ubuntu-24.04 --ssh-key nope",
                1,
                "hcloud: SSH key not found: nope\n",
            ),
            (
                "server create --name x --type cx22 --image ubuntu-24.04 --volume v",
                3,
                "hcloud (stand-in): `hcloud server create --volume` is not implemented\n",
            ),
        ],
    );
}

#[test]
fn the_real_clis_errors_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let state = small_cloud(dir.path());

    // pflag's wording for flags.
    fails_each(
        &state,
        &[
            ("server list --bogus", 1, "hcloud: unknown flag: --bogus\n"),
            (
                "server list -x",
                1,
                "hcloud: unknown shorthand flag: 'x' in -x\n",
            ),
            (
                "server list -l",
                1,
                "hcloud: flag needs an argument: 'l' in -l\n",
            ),
            (
                "primary-ip create --name",
                1,
                "hcloud: flag needs an argument: --name\n",
            ),
            (
                "primary-ip create --type ipv4 --name x --assignee-id abc",
                1,
                "hcloud: invalid argument \"abc\" for \"--assignee-id\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\n",
            ),
            (
                "primary-ip create --type ipv4 --name x --label novalue",
                1,
                "hcloud: invalid argument \"novalue\" for \"--label\" flag: novalue must be formatted as key=value\n",
            ),
            (
                "primary-ip create",
                1,
                "hcloud: required flag(s) \"name\", \"type\" not set\n",
            ),
            // util.Validate prints the usage line and a caret before the error.
            (
                "server ip",
                1,
                &format!(
                    "hcloud server ip [--ipv6] <server>\n{}^^^^^^\nhcloud: expected argument(s) server at position 1\n",
                    " ".repeat("hcloud server ip [--ipv6] <".len())
                ),
            ),
            (
                "server list extra",
                1,
                &format!(
                    "hcloud server list [options]\n{}^\nhcloud: expected exactly 0 positional argument(s), but got 1\n",
                    " ".repeat("hcloud server list [options] ".len())
                ),
            ),
        ],
    );
    // The token: required, checked after the arguments.
    let o = hcloud_env(&state, &[("HCLOUD_TOKEN", "")], "server list");
    assert_eq!(
        (o.code, o.stderr.as_str()),
        (
            1,
            "hcloud: no active context or token (see `hcloud context --help`)\n"
        )
    );
    let o = hcloud_env(&state, &[("HCLOUD_TOKEN", "short")], "server list");
    assert_eq!(
        (o.code, o.stderr.as_str()),
        (1, "hcloud: unable to authenticate (unauthorized)\n")
    );
    // `version` needs no token.
    let o = hcloud_env(&state, &[("HCLOUD_TOKEN", "")], "version");
    assert_eq!((o.code, o.stdout.as_str()), (0, "hcloud 1.47.0\n"));

    // Go's template errors.
    fails(
        &state,
        "server describe 1 -o 'format={{.Foo}}'",
        1,
        "hcloud: template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type *hcloud.Server\n",
    );

    // An unknown command: cobra (TraverseChildren, SilenceErrors) prints the help of the
    // command it stopped at and exits 0, as the real v1.47.0 does …
    let o = hcloud(&state, "server lst");
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.contains("hcloud server [command]") && o.stderr.is_empty(),
        "{}",
        o.stdout
    );
    let o = hcloud(&state, "servers list");
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("hcloud [command]"), "{}", o.stdout);
    // … unless a flag follows it that the group does not have.
    fails(
        &state,
        "server lst -o noheader",
        1,
        "hcloud: unknown shorthand flag: 'o' in -o\n",
    );
    // HCLOUD_STANDIN_STRICT=1 makes it an error for the rehearsal.
    let o = hcloud_env(&state, &[("HCLOUD_STANDIN_STRICT", "1")], "server lst");
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(
        o.stderr
            .starts_with("hcloud (stand-in): unknown command \"lst\" for `hcloud server`"),
        "{}",
        o.stderr
    );

    // A command the real CLI has and the stand-in does not implement: exit 3.
    fails_each(
        &state,
        &[
            (
                "server poweron 1",
                3,
                "hcloud (stand-in): `hcloud server poweron` is a command of the real CLI v1.47.0 the stand-in does not implement\n",
            ),
            (
                "server list -o yaml",
                3,
                "hcloud (stand-in): -o yaml is not implemented (use -o json)\n",
            ),
        ],
    );
    // No fake cloud named: the stand-in's own error.
    let o = Command::new(env!("CARGO_BIN_EXE_hcloud"))
        .args(["server", "list"])
        .env_remove(cloud::STATE_ENV)
        .env("HCLOUD_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn the_data_file_is_the_command_tree_of_v1_47_0() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hcloud-cli-1.47.0.json"),
    )
    .unwrap();
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Every kind's columns are sorted (Table.Columns() sorts them) and hold its defaults.
    for (kind, k) in data["kinds"].as_object().unwrap() {
        let cols: Vec<&str> = k["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let mut sorted = cols.clone();
        sorted.sort_unstable();
        assert_eq!(cols, sorted, "{kind}");
        for d in k["default_columns"].as_array().unwrap() {
            assert!(cols.contains(&d.as_str().unwrap()), "{kind}: {d}");
        }
        let group = &data["groups"][kind]["commands"];
        for verb in ["list", "describe", "delete"] {
            assert!(
                group.as_array().unwrap().iter().any(|c| c == verb),
                "{kind} {verb}"
            );
        }
    }
    // Every hcloud command the workflow templates run is in the tree.
    let workflows = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/workflows");
    let mut seen = 0;
    let re = regex::Regex::new(r#"\bhcloud ([a-z-]+) ([a-z-]+)"#).unwrap();
    for entry in std::fs::read_dir(&workflows).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        for c in re.captures_iter(&text) {
            let (group, verb) = (&c[1], &c[2]);
            if let Some(g) = data["groups"].get(group) {
                assert!(
                    g["commands"].as_array().unwrap().iter().any(|x| x == verb),
                    "hcloud {group} {verb}"
                );
                seen += 1;
            }
        }
    }
    assert!(
        seen >= 10,
        "{seen} hcloud commands found in the workflow templates"
    );
}

#[test]
fn terraform_reads_the_primary_ips_the_cli_made_and_the_cli_sees_what_terraform_made() {
    let p = Project::new("cluster");
    let state = p.cloud.clone();
    // The provision workflow's step: create the Primary IPs with the CLI.
    for (name, node) in [
        ("kafka-dev-control-0-ipv4", "kafka-dev-control-0"),
        ("kafka-dev-kafka-0-ipv4", "kafka-dev-kafka-0"),
    ] {
        ok(
            &state,
            &format!(
                "primary-ip create --type ipv4 --name {name} --datacenter nbg1-dc3 --label environment=dev --label node={node}"
            ),
        );
    }
    let cp_ip = ok(
        &state,
        "primary-ip describe kafka-dev-control-0-ipv4 -o 'format={{.IP}}'",
    );

    p.init();
    p.ok(&[
        "apply",
        "-no-color",
        "-input=false",
        "-auto-approve",
        "-var-file=dev.tfvars",
    ]);

    // What Terraform made, the CLI lists.
    let servers = ok(
        &state,
        "server list -l environment=dev -o noheader -o columns=name",
    );
    assert_eq!(servers.lines().count(), 5, "{servers}");
    assert!(servers.contains("kafka-dev-control-0\n"), "{servers}");
    // The control plane got the Primary IP the CLI made.
    assert_eq!(ok(&state, "server ip kafka-dev-control-0"), cp_ip);
    let id = ok(
        &state,
        "server describe kafka-dev-control-0 -o 'format={{.ID}}'",
    );
    assert_eq!(
        ok(
            &state,
            "primary-ip describe kafka-dev-control-0-ipv4 -o 'format={{.AssigneeID}}'"
        ),
        id
    );
    assert!(
        ok(
            &state,
            "network list -l environment=dev -o noheader -o columns=name"
        )
        .contains("-network\n")
    );

    // destroy-cluster as the maintenance workflow does it: servers, then the rest.
    let ids = ok(
        &state,
        "server list -l environment=dev -o noheader -o columns=id",
    );
    let ids: Vec<&str> = ids.lines().collect();
    ok(&state, &format!("server delete {}", ids.join(" ")));
    for kind in ["firewall", "network", "ssh-key"] {
        let ids = ok(
            &state,
            &format!("{kind} list -l environment=dev -o noheader -o columns=id"),
        );
        for id in ids.lines() {
            ok(&state, &format!("{kind} delete {id}"));
        }
    }
    let c = cloud::load(&state).unwrap();
    assert!(c.servers.is_empty() && c.networks.is_empty() && c.firewalls.is_empty());
    // The Primary IPs survive, unassigned.
    assert_eq!(
        ok(
            &state,
            "primary-ip list -o noheader -o columns=name,assignee"
        ),
        "kafka-dev-control-0-ipv4   -\nkafka-dev-kafka-0-ipv4     -\n"
    );
}

#[test]
fn ssh_key_create_from_stdin_and_the_project_uniqueness_rules() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cloud.json");
    let key =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q deploy\n";
    let create = |name: &str| {
        common::hcloud(
            &state,
            &[],
            &[
                "ssh-key",
                "create",
                "--name",
                name,
                "--public-key-from-file",
                "-",
                "--label",
                "cluster=trading",
            ],
            Some(key),
        )
    };
    let first = create("trading-deploy");
    assert_eq!(
        (first.code, first.stdout.as_str(), first.stderr.as_str()),
        (0, "SSH key 1 created\n", "")
    );
    assert_eq!(
        ok(
            &state,
            "ssh-key list -l cluster=trading -o noheader -o columns=name"
        ),
        "trading-deploy\n"
    );
    // Same name: refused by name; another name, same key: refused by fingerprint.
    let again = create("trading-deploy");
    assert_eq!(
        (again.code, again.stdout.as_str(), again.stderr.as_str()),
        (1, "", "hcloud: name is already used (uniqueness_error)\n")
    );
    let twin = create("trading-deploy-2");
    assert_eq!(
        (twin.code, twin.stdout.as_str(), twin.stderr.as_str()),
        (
            1,
            "",
            "hcloud: SSH key with the same fingerprint already exists (uniqueness_error)\n"
        )
    );
    fails_each(
        &state,
        &[
            (
                "ssh-key create --name k --public-key 'ssh-ed25519 AAAA' --public-key-from-file -",
                1,
                "hcloud: if any flags in the group [public-key public-key-from-file] are set none of the others can be; [public-key public-key-from-file] were all set\n",
            ),
            (
                "ssh-key create --public-key 'ssh-ed25519 AAAA'",
                1,
                "hcloud: required flag(s) \"name\" not set\n",
            ),
        ],
    );
}
