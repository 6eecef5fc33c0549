//! `rehearse-world`: every stand-in of the fake world, chosen by the name it
//! is called by (`ssh`, `kubectl`, … links) or by its first argument.
//!
//! ```text
//! rehearse-world install DIR      links ssh, scp, kubectl, helm, sleep, curl, timeout,
//!                                 sudo, apt-get, kcat in DIR
//! rehearse-world boot             boot every server of the fake cloud not yet booted
//! rehearse-world down             end the world's processes and network namespace
//! rehearse-world TOOL ARGS…       ssh scp kubectl helm sleep curl timeout sudo apt-get
//!                                 kcat (runner side);
//!                                 curl ip systemctl k3s k3s-install cloud-init listen (in a node)
//! ```
//! The world is `$REHEARSAL_WORLD` (a directory), the fake cloud
//! `$HCLOUD_STANDIN_STATE`. See `src/world.rs`.
#![deny(unsafe_code)]

use std::path::Path;
use std::process::ExitCode;

use rehearsal::world::{self, Fail, Res, World, kube, node};

fn dispatch(tool: &str, args: &[String]) -> Option<Res<u8>> {
    Some(match tool {
        "ssh" => world::ssh(args),
        "scp" => world::scp(args),
        "kubectl" => kube::kubectl(args),
        "k3s" => match args.first().map(String::as_str) {
            Some("kubectl") => kube::kubectl(&args[1..]),
            _ => Err(Fail::new(
                1,
                "rehearse-world k3s: only `k3s kubectl` is stood in",
            )),
        },
        "helm" => kube::helm(args),
        "sleep" => world::sleep(args).map(|()| 0),
        "curl" => world::curl(args),
        "timeout" => world::access::timeout(args),
        "kcat" => world::access::kcat(args),
        "sudo" => world::runner::sudo(args),
        "apt-get" => world::runner::apt_get(args),
        "ip" => node::ip(args),
        "systemctl" => node::systemctl(args),
        "k3s-install" => node::k3s_install(args),
        "cloud-init" => node::cloud_init(),
        "listen" => node::listen(args),
        "boot" => World::from_env()
            .and_then(|w| w.ensure_booted())
            .map(|()| 0),
        "down" => World::from_env().and_then(|w| w.down()).map(|()| 0),
        "install" => match args {
            [dir] => std::env::current_exe()
                .map_err(Fail::from)
                .and_then(|exe| world::install(Path::new(dir), &exe))
                .map(|()| 0),
            _ => Err(Fail::new(2, "usage: rehearse-world install DIR")),
        },
        _ => return None,
    })
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let name = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let result = match dispatch(&name, &argv[1..]) {
        Some(r) => r,
        None => match argv.get(1).and_then(|t| dispatch(t, &argv[2..])) {
            Some(r) => r,
            None => Err(Fail::new(
                2,
                "usage: rehearse-world install DIR | boot | down | TOOL ARGS…",
            )),
        },
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{}", e.message);
            ExitCode::from(e.code)
        }
    }
}
