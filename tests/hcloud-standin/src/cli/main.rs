//! `hcloud`: a stand-in of the Hetzner Cloud CLI v1.47.0 over the fake cloud the provider
//! stand-in keeps (`HCLOUD_STANDIN_STATE`). It runs the commands the generated workflows
//! use, with the real CLI's flags, output formats, messages and exit codes; the command
//! and flag tree is data (`data/hcloud-cli-1.47.0.json`).
//!
//! Exit codes: 0 success, 1 an error the real CLI reports (`hcloud: …` on stderr), 3 a
//! command or feature the real CLI has and the stand-in does not implement
//! (`hcloud (stand-in): …`), so that a workflow cannot quietly outgrow it.
#![deny(unsafe_code)]

mod args;
mod objects;
mod select;
mod spec;
mod template;

use std::io::Write;
use std::process::ExitCode;

use hcloud_standin::api;
use hcloud_standin::cloud::{self, ApiError, Cloud};
use hcloud_standin::values::{get, id, n, object, s};
use tf_provider::value::ValueAny as V;

use args::Parsed;
use spec::{Spec, Verb};

/// How a run fails.
enum Fail {
    /// The real CLI's error: `hcloud: …`, exit 1 (`pre` is printed before it, as
    /// util.Validate prints the usage line and a caret).
    Go { pre: String, msg: String },
    /// The stand-in's refusal, exit 3.
    StandIn(String),
}

fn go(msg: impl Into<String>) -> Fail {
    Fail::Go {
        pre: String::new(),
        msg: msg.into(),
    }
}

fn standin(msg: impl Into<String>) -> Fail {
    Fail::StandIn(msg.into())
}

impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Self {
        go(e.to_string())
    }
}

/// What a run prints.
#[derive(Default)]
struct Out {
    stdout: String,
    stderr: String,
    /// `--quiet`: what cobra's `cmd.Print*` writes is dropped.
    quiet: bool,
    /// cobra's `cmd.SetOut(os.Stderr)` (describe and create with `-o json`).
    out_to_stderr: bool,
}

impl Out {
    /// `cmd.Printf`.
    fn cmd(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        if self.out_to_stderr {
            self.stderr.push_str(text);
        } else {
            self.stdout.push_str(text);
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut out = Out::default();
    let result = run(&argv, &mut out);
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail::Go { pre, msg }) => {
            eprint!("{pre}");
            eprintln!("hcloud: {msg}");
            ExitCode::from(1)
        }
        Err(Fail::StandIn(msg)) => {
            eprintln!("hcloud (stand-in): {msg}");
            ExitCode::from(3)
        }
    }
}

fn children(spec: &Spec, path: &[String]) -> Vec<String> {
    match path {
        [] => spec.root_commands.clone(),
        [g] => spec
            .groups
            .get(g)
            .map(|g| g.commands.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn help(spec: &Spec, path: &[String], verb: Option<&Verb>) -> String {
    let mut h = String::new();
    match (path, verb) {
        ([], _) => {
            h += "A command-line interface for Hetzner Cloud\n\nUsage:\n  hcloud [command]\n\nAvailable Commands:\n";
            for c in &spec.root_commands {
                h += &format!("  {c}\n");
            }
        }
        ([g], None) => {
            let short = spec.groups.get(g).map_or("", |x| x.short.as_str());
            h += &format!("{short}\n\nUsage:\n  hcloud {g} [command]\n\nAvailable Commands:\n");
            for c in children(spec, path) {
                h += &format!("  {c}\n");
            }
        }
        (_, Some(v)) => {
            h += &format!(
                "Usage:\n  hcloud {} {}\n\nFlags:\n",
                path[..path.len() - 1].join(" "),
                v.usage
            )
            .replace("  hcloud  ", "  hcloud ");
            for f in &v.flags {
                let short = f
                    .shorthand
                    .as_ref()
                    .map_or("    ".into(), |c| format!("-{c}, "));
                h += &format!(
                    "  {short}--{} {}   {} (default {})\n",
                    f.name, f.kind, f.usage, f.default
                );
            }
        }
        _ => {}
    }
    h += "\nThis is the hcloud stand-in (tests/hcloud-standin); see its README.\n";
    h
}

fn run(argv: &[String], out: &mut Out) -> Result<(), Fail> {
    let spec = spec::load().map_err(standin)?;
    let (path, at, start) = args::traverse(argv, &spec.global_flags, |p| children(&spec, p));
    let leading: Vec<String> = argv[..start]
        .iter()
        .enumerate()
        .filter(|(i, _)| !at.contains(i))
        .map(|(_, a)| a.clone())
        .collect();
    let before = args::parse(&spec.global_flags, &leading).map_err(go)?;
    let rest = &argv[start..];

    let verb = match path.as_slice() {
        [] => None,
        [g] if spec.groups.contains_key(g) => None,
        [c] => match spec.root_command(c) {
            Some(v) => Some(v),
            None => {
                return Err(standin(format!(
                    "`hcloud {c}` is a command of the real CLI v1.47.0 the stand-in does not implement"
                )));
            }
        },
        [g, v] => match spec.command(g, v) {
            Some(v) => Some(v),
            None => {
                return Err(standin(format!(
                    "`hcloud {g} {v}` is a command of the real CLI v1.47.0 the stand-in does not implement"
                )));
            }
        },
        _ => None,
    };
    let Some(verb) = verb else {
        // cobra: a command that is not runnable (the root, a group, or a group given an
        // unknown subcommand) parses its flags and prints its help, exit 0.
        let parsed = args::parse(&spec.global_flags, rest).map_err(go)?;
        if std::env::var_os("HCLOUD_STANDIN_STRICT").is_some_and(|v| v == "1")
            && let Some(word) = parsed.args.first()
        {
            return Err(standin(format!(
                "unknown command {} for `hcloud{}` (the real CLI v1.47.0 prints its help and exits 0; HCLOUD_STANDIN_STRICT=1 makes it an error)",
                args::go_quote(word),
                path.iter().map(|p| format!(" {p}")).collect::<String>()
            )));
        }
        out.stdout += &help(&spec, &path, None);
        return Ok(());
    };

    let mut parsed = args::parse(&verb.flags, rest).map_err(go)?;
    for (k, v) in before.set {
        parsed.set.entry(k).or_insert(v);
    }
    if parsed.help || before.help {
        out.stdout += &help(&spec, &path, Some(&verb));
        return Ok(());
    }
    let parents: String = path[..path.len() - 1]
        .iter()
        .map(|p| format!(" {p}"))
        .collect();
    let full = format!("hcloud{parents} {}", verb.usage);
    args::validate_positional(&verb.usage, &full, &parsed.args)
        .map_err(|(pre, msg)| Fail::Go { pre, msg })?;
    out.quiet = parsed.boolean("quiet");

    let output_flag = verb.flags.iter().find(|f| f.name == "output").cloned();
    let kind = spec.kinds.get(&path[0]);
    for check in &verb.check_order {
        match check.as_str() {
            "token" => ensure_token()?,
            "output" => {
                if let Some(f) = &output_flag {
                    let columns = kind.map(|k| k.columns.clone()).unwrap_or_default();
                    validate_output(
                        f.output.as_deref().unwrap_or_default(),
                        &columns,
                        &parsed.list("output"),
                    )?;
                }
            }
            _ => {}
        }
    }
    let mut missing: Vec<&str> = verb
        .flags
        .iter()
        .filter(|f| f.required && !parsed.changed(&f.name))
        .map(|f| f.name.as_str())
        .collect();
    missing.sort_unstable();
    if !missing.is_empty() {
        return Err(go(format!(
            "required flag(s) \"{}\" not set",
            missing.join("\", \"")
        )));
    }

    match path.as_slice() {
        [v] if v == "version" => {
            out.cmd(&format!("hcloud {}\n", spec.version));
            Ok(())
        }
        [g, v] => {
            let kind = spec
                .kinds
                .get(g)
                .ok_or_else(|| standin(format!("no kind {g}")))?;
            match v.as_str() {
                "list" => list(g, kind, &parsed, out),
                "describe" => describe(g, kind, &parsed, out),
                "delete" => delete(g, kind, &parsed, out),
                "create" if g == "volume" => volume_create(&parsed, out),
                "create" if g == "server" => server_create(&parsed, out),
                "create" if g == "ssh-key" => ssh_key_create(&parsed, out),
                "create" => primary_ip_create(&parsed, out),
                "ip" => server_ip(&parsed, out),
                _ => Err(standin(format!("hcloud {g} {v} is not implemented"))),
            }
        }
        _ => Err(standin("no command")),
    }
}

/// state.EnsureToken, and the API's answer to a token that cannot be one (the stand-in
/// takes any 64-character token, as the provider stand-in does).
fn ensure_token() -> Result<(), Fail> {
    let token = std::env::var("HCLOUD_TOKEN").unwrap_or_default();
    if token.is_empty() {
        return Err(go(
            "no active context or token (see `hcloud context --help`)",
        ));
    }
    if token.chars().count() != 64 {
        return Err(go("unable to authenticate (unauthorized)"));
    }
    Ok(())
}

/// output.validateOutputFlag.
fn validate_output(options: &[String], columns: &[String], values: &[String]) -> Result<(), Fail> {
    for value in values {
        let (name, arg) = match value.split_once('=') {
            Some((n, a)) => (n, Some(a)),
            None => (value.as_str(), None),
        };
        if name.starts_with("columns") && arg.is_none() {
            return Err(go("invalid output option format"));
        }
        if !options.iter().any(|o| o == name) {
            return Err(go(format!("invalid output option: {name}")));
        }
        if let Some(arg) = arg
            && name == "columns"
        {
            for c in arg.trim().to_lowercase().split(',') {
                if !columns.iter().any(|x| x == c) {
                    return Err(go(format!("invalid value for output option {name}: {c}")));
                }
            }
        }
    }
    Ok(())
}

/// output.parseOutputFlags: option → values (split at commas; a later `-o` of the same
/// option replaces an earlier one).
fn output_opts(values: &[String]) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut m = std::collections::BTreeMap::new();
    for v in values {
        match v.split_once('=') {
            Some((k, a)) => m.insert(k.to_owned(), a.split(',').map(str::to_owned).collect()),
            None => m.insert(v.clone(), vec![String::new()]),
        };
    }
    m
}

fn read() -> Result<Cloud, Fail> {
    let path = cloud::state_path().map_err(standin)?;
    cloud::with_cloud_at(&path, |c| Ok(c.clone()))
        .map_err(standin)?
        .map_err(Fail::from)
}

fn change<T>(f: impl FnOnce(&mut Cloud) -> Result<T, ApiError>) -> Result<T, Fail> {
    let path = cloud::state_path().map_err(standin)?;
    cloud::with_cloud_at(&path, f)
        .map_err(standin)?
        .map_err(Fail::from)
}

fn json_text(v: &serde_json::Value) -> String {
    let mut t = serde_json::to_string_pretty(v).unwrap_or_default();
    t.push('\n');
    t
}

/// text/tabwriter with padding 3 and spaces, as output.NewTable configures it.
fn tabulate(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut width = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i + 1 < r.len() {
                width[i] = width[i].max(c.chars().count() + 3);
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            out.push_str(c);
            if i + 1 < r.len() {
                out.push_str(&" ".repeat(width[i] - c.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

fn list(group: &str, kind: &spec::Kind, p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    let opts = output_opts(&p.list("output"));
    let selector = select::Selector::parse(&p.string("selector"))?;
    let cloud = read()?;
    let mut objs: Vec<_> = objects::all(&cloud, group)
        .into_iter()
        .filter(|o| selector.matches(o.labels()))
        .collect();
    if group == "server" && p.changed("status") {
        let wanted = p.list("status");
        objs.retain(|o| wanted.iter().any(|w| *w == cloud.servers[o.index].status));
    }
    if p.changed("sort") {
        objects::sort(&mut objs, &p.list("sort")).map_err(go)?;
    }
    if opts.contains_key("json") {
        let arr: Vec<_> = objs.iter().map(objects::Obj::json).collect();
        out.stdout += &json_text(&serde_json::Value::Array(arr));
        return Ok(());
    }
    if opts.contains_key("yaml") {
        return Err(standin("-o yaml is not implemented (use -o json)"));
    }
    let cols = opts
        .get("columns")
        .cloned()
        .unwrap_or_else(|| kind.default_columns.clone());
    let mut rows = Vec::new();
    if !opts.contains_key("noheader") {
        rows.push(
            cols.iter()
                .map(|c| c.to_uppercase().replace('_', " "))
                .collect(),
        );
    }
    for o in &objs {
        rows.push(cols.iter().map(|c| o.column(&c.to_lowercase())).collect());
    }
    out.stdout += &tabulate(&rows);
    Ok(())
}

fn describe(group: &str, kind: &spec::Kind, p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    let opts = output_opts(&p.list("output"));
    let cloud = read()?;
    let target = &p.args[0];
    let obj = objects::get(&cloud, group, target)
        .ok_or_else(|| go(format!("{} not found: {target}", kind.singular)))?;
    if opts.contains_key("json") {
        out.stdout += &json_text(&obj.json());
    } else if opts.contains_key("yaml") {
        return Err(standin("-o yaml is not implemented (use -o json)"));
    } else if let Some(format) = opts.get("format") {
        let text = template::render(&format[0], &obj.tval()).map_err(|e| match e {
            template::TErr::Go(m) => go(m),
            template::TErr::StandIn(m) => standin(m),
        })?;
        out.stdout += &text;
    } else {
        out.cmd(&obj.text());
    }
    Ok(())
}

fn delete(group: &str, kind: &spec::Kind, p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    let mut errors = Vec::new();
    let mut deleted = Vec::new();
    for batch in p.args.chunks(10) {
        let mut actions = Vec::new();
        for target in batch {
            let r = change(|c| {
                let Some(obj) = objects::get(c, group, target) else {
                    return Ok(None);
                };
                let me = obj.id();
                api::delete(
                    c,
                    objects::tf_kind(group),
                    &object([("id", s(me.to_string()))]),
                )?;
                Ok(Some(me))
            });
            match r {
                Ok(Some(me)) => {
                    deleted.push(target.clone());
                    if let Some(a) = &kind.delete_action {
                        actions.push(format!("Waiting for {a} (server: {me}) ..."));
                    }
                }
                Ok(None) => errors.push(format!("{} not found: {target}", kind.delete_singular)),
                Err(Fail::Go { msg, .. }) => errors.push(msg),
                Err(e) => return Err(e),
            }
        }
        if !out.quiet {
            for a in &actions {
                out.stderr += &format!("{a}\n");
            }
            for a in &actions {
                out.stderr += &format!("{a} done\n");
            }
        }
    }
    match deleted.len() {
        0 => {}
        1 => out.cmd(&format!(
            "{} {} deleted\n",
            kind.delete_singular, deleted[0]
        )),
        _ => out.cmd(&format!(
            "{} {} deleted\n",
            kind.delete_plural,
            deleted.join(", ")
        )),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(go(errors.join("\n")))
    }
}

fn primary_ip_create(p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    let protection = protection_levels(p, &["delete"])?;
    let json_out = create_output(p, out)?;
    let mut state = object([
        ("type", s(p.string("type"))),
        ("name", s(p.string("name"))),
        ("assignee_type", s("server")),
        ("auto_delete", V::Bool(false)),
        ("delete_protection", V::Bool(!protection.is_empty())),
        ("labels", labels_value(p)),
        ("datacenter", V::Unknown),
        ("assignee_id", V::Unknown),
        ("ip_address", V::Unknown),
        ("ip_network", V::Unknown),
        ("id", V::Unknown),
    ]);
    if let Some(dc) = p.given("datacenter") {
        hcloud_standin::values::put(&mut state, "datacenter", s(dc));
    }
    let assignee = p.int("assignee-id");
    if assignee != 0 {
        hcloud_standin::values::put(&mut state, "assignee_id", n(assignee.unsigned_abs()));
    }
    let (cloud, me) = create(&mut state, "primary-ip", |_, _| {})?;
    let obj = created(&cloud, "primary-ip", me)?;
    out.cmd(&format!("Primary IP {me} created\n"));
    if !protection.is_empty() {
        wait(out, "change_protection", &format!("primary_ip: {me}"));
        out.cmd(&format!(
            "Resource protection enabled for primary IP {me}\n"
        ));
    }
    if json_out {
        out.stdout += &json_text(&serde_json::json!({ "primary_ip": obj.json() }));
    } else {
        let ip = &cloud.primary_ips[obj.index];
        out.cmd(&format!("IP{}: {}\n", &ip.kind[2..], ip.ip));
    }
    Ok(())
}

/// A `--…-from-file` argument: the file's text, or standard input for `-` (as the
/// CLI reads `--user-data-from-file` and `--public-key-from-file`).
fn file_or_stdin(file: &str) -> Result<String, Fail> {
    if file == "-" {
        let mut t = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut t)
            .map_err(|e| go(e.to_string()))?;
        Ok(t)
    } else {
        std::fs::read_to_string(file).map_err(|e| go(format!("open {file}: {}", e.kind())))
    }
}

/// `hcloud ssh-key create` (internal/cmd/sshkey/create.go): the key from
/// `--public-key` or `--public-key-from-file` (`-` is standard input), never both;
/// the API refuses a second key with the same name or fingerprint.
fn ssh_key_create(p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    // cobra's MarkFlagsMutuallyExclusive("public-key", "public-key-from-file").
    if p.changed("public-key") && p.changed("public-key-from-file") {
        return Err(go(
            "if any flags in the group [public-key public-key-from-file] are set none of the others can be; [public-key public-key-from-file] were all set",
        ));
    }
    let json_out = create_output(p, out)?;
    let public_key = match p.given("public-key-from-file") {
        Some(file) => file_or_stdin(&file)?,
        None => p.string("public-key"),
    };
    let mut state = object([
        ("name", s(p.string("name"))),
        ("public_key", s(public_key)),
        ("labels", labels_value(p)),
        ("fingerprint", V::Unknown),
        ("id", V::Unknown),
    ]);
    let (cloud, me) = create(&mut state, "ssh-key", |_, _| {})?;
    let obj = created(&cloud, "ssh-key", me)?;
    out.cmd(&format!("SSH key {me} created\n"));
    if json_out {
        out.stdout += &json_text(&serde_json::json!({ "ssh_key": obj.json() }));
    }
    Ok(())
}

/// A create command's `-o`: `json` (what `cmd.Print*` writes then goes to stderr, the
/// JSON alone to stdout), or none; `yaml` is not implemented.
fn create_output(p: &Parsed, out: &mut Out) -> Result<bool, Fail> {
    let opts = output_opts(&p.list("output"));
    if opts.contains_key("yaml") {
        return Err(standin("-o yaml is not implemented (use -o json)"));
    }
    let json_out = opts.contains_key("json");
    out.out_to_stderr |= json_out;
    Ok(json_out)
}

/// The `--label` flags as the API's `labels` attribute.
fn labels_value(p: &Parsed) -> V {
    V::Map(p.map("label").into_iter().map(|(k, v)| (k, s(v))).collect())
}

/// Creates the object of CLI group `group` the API attributes `state` describe (then
/// `then` with the new id, in the same write); the cloud after it and the id.
fn create(
    state: &mut V,
    group: &str,
    then: impl FnOnce(&mut Cloud, u64),
) -> Result<(Cloud, u64), Fail> {
    change(|c| {
        api::create(c, objects::tf_kind(group), state)?;
        let me = id(get(state, "id")).unwrap_or(0);
        then(c, me);
        Ok((c.clone(), me))
    })
}

/// The object a create command just made, for its output.
fn created<'a>(cloud: &'a Cloud, group: &'a str, me: u64) -> Result<objects::Obj<'a>, Fail> {
    objects::get(cloud, group, &me.to_string())
        .ok_or_else(|| standin(format!("the created {group} {me} is not in the fake cloud")))
}

/// `--enable-protection`: getChangeProtectionOpts, which knows the `known` levels of
/// the kind.
fn protection_levels(p: &Parsed, known: &[&str]) -> Result<Vec<String>, Fail> {
    let levels = p.list("enable-protection");
    let unknown: Vec<&str> = levels
        .iter()
        .filter(|l| !known.contains(&l.to_lowercase().as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(go(format!(
            "unknown protection level: {}",
            unknown.join(", ")
        )));
    }
    Ok(levels)
}

/// state.WaitForActions without a terminal: a start line and a done line on stderr.
fn wait(out: &mut Out, command: &str, resources: &str) {
    if !out.quiet {
        out.stderr += &format!(
            "Waiting for {command} ({resources}) ...\nWaiting for {command} ({resources}) ... done\n"
        );
    }
}

fn volume_create(p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    let protection = protection_levels(p, &["delete"])?;
    let json_out = create_output(p, out)?;
    let server_id = match p.given("server") {
        None => None,
        Some(server) => {
            let cloud = read()?;
            let obj = objects::get(&cloud, "server", &server)
                .ok_or_else(|| go(format!("server not found: {server}")))?;
            Some(obj.id())
        }
    };
    let mut state = object([
        ("name", s(p.string("name"))),
        ("size", V::Number(p.int("size"))),
        ("labels", labels_value(p)),
        ("automount", V::Bool(p.boolean("automount"))),
        ("delete_protection", V::Bool(!protection.is_empty())),
        ("location", V::Unknown),
        ("server_id", V::Unknown),
        ("id", V::Unknown),
        ("linux_device", V::Unknown),
    ]);
    if let Some(location) = p.given("location") {
        let name = location
            .parse::<i64>()
            .ok()
            .and_then(|id| {
                hcloud_standin::catalog::catalog()
                    .locations
                    .iter()
                    .find(|l| l.id == id)
            })
            .map_or(location.clone(), |l| l.name.clone());
        hcloud_standin::values::put(&mut state, "location", s(name));
    }
    if let Some(id) = server_id {
        hcloud_standin::values::put(&mut state, "server_id", n(id));
    }
    if let Some(format) = p.given("format") {
        hcloud_standin::values::put(&mut state, "format", s(format));
    }
    let (cloud, me) = create(&mut state, "volume", |_, _| {})?;
    let mut resources = format!("volume: {me}");
    if let Some(srv) = server_id {
        resources += &format!(", server: {srv}");
    }
    wait(out, "create_volume", &resources);
    out.cmd(&format!("Volume {me} created\n"));
    if !protection.is_empty() {
        wait(out, "change_protection", &format!("volume: {me}"));
        out.cmd(&format!("Resource protection enabled for volume {me}\n"));
    }
    if json_out {
        let obj = created(&cloud, "volume", me)?;
        out.stdout += &json_text(&serde_json::json!({ "volume": obj.json() }));
    }
    Ok(())
}

/// `hcloud server create`: the flags the rehearsal needs to make a server by hand (a
/// leftover worker); `--volume`, `--automount`, `--enable-backup`,
/// `--allow-deprecated-image` and more than one `--user-data-from-file` are refused.
fn server_create(p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    let json_out = create_output(p, out)?;
    for f in [
        "volume",
        "automount",
        "enable-backup",
        "allow-deprecated-image",
    ] {
        if p.changed(f) {
            return Err(standin(format!(
                "`hcloud server create --{f}` is not implemented"
            )));
        }
    }
    let levels = protection_levels(p, &["delete", "rebuild"])?;
    let has = |l: &str| levels.iter().any(|x| x.to_lowercase() == l);

    // createOptsFromFlags: the CLI looks up the type, the image and every reference
    // itself before it calls the API.
    let cat = hcloud_standin::catalog::catalog();
    let type_name = p.string("type");
    let server_type = cat
        .server_types
        .iter()
        .find(|t| t.name == type_name || t.id.to_string() == type_name)
        .ok_or_else(|| go(format!("server type not found: {type_name}")))?;
    let image_name = p.string("image");
    if cat.image(&image_name, &server_type.architecture).is_none() {
        return Err(go(format!(
            "image {image_name} for architecture {} not found",
            server_type.architecture
        )));
    }
    let user_data = match p.list("user-data-from-file").as_slice() {
        [] => None,
        [file] => Some(file_or_stdin(file)?),
        _ => {
            return Err(standin(
                "more than one --user-data-from-file (a multipart user data) is not implemented",
            ));
        }
    };
    let v4 = p.string("primary-ipv4");
    let v6 = p.string("primary-ipv6");
    let without_v4 = p.boolean("without-ipv4");
    let without_v6 = p.boolean("without-ipv6");
    if without_v4 && without_v6 && p.list("network").is_empty() {
        return Err(go(
            "a server can not be created without IPv4, IPv6 and a private network. Choose at least one of those options to create the server",
        ));
    }
    let cloud0 = read()?;
    let lookup = |kind: &str, what: &str, x: &str| -> Result<u64, Fail> {
        objects::get(&cloud0, kind, x)
            .map(|o| o.id())
            .ok_or_else(|| go(format!("{what} not found: {x}")))
    };
    let primary = |x: &str, what: &str| -> Result<V, Fail> {
        if x.is_empty() {
            Ok(V::Null)
        } else {
            Ok(n(lookup("primary-ip", what, x)?))
        }
    };
    let public_net = object([
        ("ipv4_enabled", V::Bool(!without_v4)),
        ("ipv6_enabled", V::Bool(!without_v6)),
        ("ipv4", primary(&v4, "primary ipv4")?),
        ("ipv6", primary(&v6, "primary ipv6")?),
    ]);
    let mut ssh_keys = Vec::new();
    for k in p.list("ssh-key") {
        ssh_keys.push(s(lookup("ssh-key", "SSH key", &k)?.to_string()));
    }
    let mut networks = Vec::new();
    for x in p.list("network") {
        networks.push(object([(
            "network_id",
            n(lookup("network", "network", &x)?),
        )]));
    }
    let mut firewalls = Vec::new();
    for x in p.list("firewall") {
        firewalls.push(n(lookup("firewall", "firewall", &x)?));
    }
    let pg = p.string("placement-group");
    let mut state = object([
        ("name", s(p.string("name"))),
        ("server_type", s(server_type.name.clone())),
        ("image", s(image_name)),
        ("labels", labels_value(p)),
        ("user_data", user_data.map_or(V::Null, s)),
        ("ssh_keys", V::List(ssh_keys.clone())),
        ("public_net", V::List(vec![public_net])),
        ("network", V::List(networks)),
        ("firewall_ids", V::List(firewalls)),
        ("delete_protection", V::Bool(has("delete"))),
        ("rebuild_protection", V::Bool(has("rebuild"))),
        (
            "placement_group_id",
            if pg.is_empty() {
                V::Null
            } else {
                n(lookup("placement-group", "placement group", &pg)?)
            },
        ),
    ]);
    for (flag, key) in [("location", "location"), ("datacenter", "datacenter")] {
        if let Some(x) = p.given(flag) {
            hcloud_standin::values::put(&mut state, key, s(x));
        }
    }
    let start = !p.changed("start-after-create") || p.boolean("start-after-create");
    let (cloud, me) = create(&mut state, "server", |c, me| {
        if !start && let Some(srv) = c.servers.iter_mut().find(|x| x.id == me) {
            srv.status = "off".into();
        }
    })?;
    wait(out, "create_server", &format!("server: {me}"));
    if start {
        wait(out, "start_server", &format!("server: {me}"));
    }
    out.cmd(&format!("Server {me} created\n"));
    if !levels.is_empty() {
        wait(out, "change_protection", &format!("server: {me}"));
        out.cmd(&format!("Resource protection enabled for server {me}\n"));
    }
    let obj = created(&cloud, "server", me)?;
    let root_password = if ssh_keys.is_empty() {
        format!("standin-root-password-{me}")
    } else {
        String::new()
    };
    if json_out {
        out.stdout += &json_text(&serde_json::json!({
            "server": obj.json(),
            "root_password": if root_password.is_empty() { serde_json::Value::Null } else { root_password.clone().into() },
        }));
        return Ok(());
    }
    let srv = &cloud.servers[obj.index];
    if let Some(a) = &srv.public_net.ipv4 {
        out.cmd(&format!("IPv4: {}\n", a.ip));
    }
    if let Some(a) = &srv.public_net.ipv6 {
        let net = cloud
            .primary_ips
            .iter()
            .find(|x| x.id == a.id)
            .map_or(String::new(), |x| x.ip_network.clone());
        out.cmd(&format!(
            "IPv6: {}1\nIPv6 Network: {net}\n",
            net.split('/').next().unwrap_or("")
        ));
    }
    if !srv.private_net.is_empty() {
        out.cmd("Private Networks:\n");
        for pn in &srv.private_net {
            let net = cloud
                .networks
                .iter()
                .find(|x| x.id == pn.network)
                .map_or(pn.network.to_string(), |x| x.name.clone());
            out.cmd(&format!("\t- {} ({net})\n", pn.ip));
        }
    }
    if !root_password.is_empty() {
        out.cmd(&format!("Root password: {root_password}\n"));
    }
    Ok(())
}

fn server_ip(p: &Parsed, out: &mut Out) -> Result<(), Fail> {
    let cloud = read()?;
    let target = &p.args[0];
    let obj = objects::get(&cloud, "server", target)
        .ok_or_else(|| go(format!("server not found: {target}")))?;
    let srv = &cloud.servers[obj.index];
    if p.boolean("ipv6") {
        let Some(a) = &srv.public_net.ipv6 else {
            return Err(go(format!("server {target} has no primary IPv6")));
        };
        let net = cloud
            .primary_ips
            .iter()
            .find(|x| x.id == a.id)
            .map_or(String::new(), |x| x.ip_network.clone());
        let base = net.split('/').next().unwrap_or("");
        out.cmd(&format!("{base}1\n"));
    } else {
        let Some(a) = &srv.public_net.ipv4 else {
            return Err(go(format!("server {target} has no primary IPv4")));
        };
        out.cmd(&format!("{}\n", a.ip));
    }
    Ok(())
}
