//! The command line (clap derive types only; behaviour lives in `app`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

/// Compile cluster.kdl — one declarative description of a K3s cluster on
/// Hetzner Cloud — into every file that describes it: Terraform tfvars,
/// cloud-init, Strimzi resources, scheduling snippets, GitHub workflows and
/// docs. Problems are reported like rustc reports errors, all in one run.
///
/// Typical use: `topogen build` before committing, `topogen check` in CI,
/// `topogen validate` as a pre-commit hook.
#[derive(Debug, Parser)]
#[command(
    name = "topogen",
    version = VERSION,
    about,
    long_about,
    max_term_width = 100
)]
pub struct Cli {
    /// The options every command accepts, before or after its name.
    #[command(flatten)]
    pub(crate) input: Input,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `--version`: the crate's version and the commit it was built from
/// (`build.rs`). Only `--version` and the man page show the commit: nothing
/// topogen writes depends on it, so that output stays deterministic.
pub(crate) const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("TOPOGEN_GIT_REVISION"),
    ")"
);

/// Options shared by the commands that read cluster.kdl, accepted before
/// the command's name (`topogen --config x validate`) or after it.
#[derive(Debug, Args, Clone)]
pub(crate) struct Input {
    /// The topology file, `-` for standard input [default: cluster.kdl, here or in the
    /// nearest parent directory up to the repository's root]
    #[arg(
        short = 'c',
        long = "config",
        id = "config",
        value_name = "FILE",
        global = true,
        help_heading = "Shared options"
    )]
    pub(crate) given_config: Option<PathBuf>,
    /// The topology file in use: `--config`, or the one `app::input::locate` found.
    #[arg(skip)]
    pub(crate) config: PathBuf,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human, global = true, help_heading = "Shared options")]
    pub(crate) format: Format,
    /// Treat warnings as errors (exit 1 on any finding).
    #[arg(long, global = true, help_heading = "Shared options")]
    pub(crate) deny_warnings: bool,
    /// When to colour diagnostics and the diffs of `check` and `fmt --check`.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true, help_heading = "Shared options")]
    pub(crate) color: Color,
}

/// Options of the commands that render artifacts.
#[derive(Debug, Args, Clone)]
pub(crate) struct Render {
    /// Output directory [default: `generated/` next to the config file].
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// A directory of templates that replace built-in ones by name (see `topogen templates`).
    #[arg(long, value_name = "DIR")]
    pub(crate) templates: Option<PathBuf>,
    /// Render everything, even when the local build record says the output
    /// is up to date (see `TOPOGEN_CACHE_DIR` in the README).
    #[arg(long)]
    pub(crate) no_cache: bool,
}

/// When to use colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The clusters `topogen init` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Example {
    /// A neutral three-pool cluster with Kafka, placeholder names (examples/starter).
    Starter,
    /// The trading cluster topogen was built for: two environments, every feature
    /// (the repository's cluster.kdl).
    #[value(alias = "seed")]
    Trading,
    /// A single-node development cluster, accepted with warnings (examples/minimal).
    Minimal,
    /// Five Kafka nodes and fifteen workers in a /22 (examples/large).
    Large,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate cluster.kdl and print its problems; silent and exit 0 when clean.
    ///
    /// Fast enough for a pre-commit hook. Exit 1 on errors (or warnings with
    /// --deny-warnings), 2 when the file cannot be read.
    Validate,
    /// Validate, then write every artifact into the output directory.
    ///
    /// Atomic: on any error nothing on disk changes, and an interrupted build
    /// never leaves a half-written tree. Prints one line per changed file.
    Build {
        #[command(flatten)]
        render: Render,
        /// Flush the new tree to disk before swapping it in, so that it also
        /// survives a power cut (slower: it waits for the disk). Without it
        /// the swap is still atomic for every process, and `check` finds a
        /// tree a power cut damaged.
        #[arg(long)]
        sync: bool,
    },
    /// Fail (exit 1) if the output directory differs from what cluster.kdl produces.
    ///
    /// Renders in memory and prints a unified diff per drifted file, plus the
    /// missing and extra files. Writes nothing in the repository. Use it in CI
    /// and in a pre-commit hook: when this machine's build record shows the
    /// tree is what these inputs render, it only hashes the files (see
    /// `--no-cache`).
    Check {
        #[command(flatten)]
        render: Render,
        /// Print only the drift: when cluster.kdl does not validate, one line
        /// saying so instead of its problems (the `topogen-check` pre-commit
        /// hook, so that it does not repeat what `topogen-validate` prints).
        #[arg(long)]
        drift_only: bool,
    },
    /// Print the resolved topology: nodes, IPs, labels, IP-plan usage, monthly cost.
    Show {
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
    },
    /// Print what the working cluster.kdl changes in the cluster, compared with a base.
    ///
    /// Both files go through the same pipeline (lower, check, resolve); the
    /// resolved environments are compared: servers added, removed, replaced
    /// (and why), private IPs moved, labels and taints, Kafka brokers and
    /// controllers, replication, firewall ports and sources, secrets,
    /// versions, monthly cost. Each change is classed additive, in-place,
    /// disruptive or destructive, with the cluster.kdl line that caused it.
    /// `--format human|markdown|json`. Exit 0 when nothing is destructive,
    /// 3 when something is, 1 when the working cluster.kdl does not validate,
    /// 2 when the base cannot be read or does not validate.
    Plan {
        /// The base: a file, or else a git revision whose cluster.kdl (at the
        /// same path, `git show REV:./cluster.kdl`) is compared.
        #[arg(long, value_name = "REV|FILE", default_value = "HEAD")]
        base: String,
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
    },
    /// Print the values of cluster.kdl that made a line of a generated file.
    ///
    /// `topogen why generated/environments/dev.tfvars:12` renders every
    /// artifact in memory (nothing is written) with provenance recorded, and
    /// shows each value of cluster.kdl on that line as a snippet: written in
    /// the base, overridden by an `environment` block, or a default not
    /// written at all; derived values (a node's name or address) name every
    /// value that decides them. A line with no value from cluster.kdl is
    /// template text. PATH is as written under the output directory (or the
    /// workflows directory), relative to cluster.kdl's directory, or as
    /// topogen names it inside the output directory. `--format json` prints
    /// the `why` document (docs/formats.md). Exit 0 with an answer, 1 when
    /// cluster.kdl does not validate, 2 when PATH or LINE names nothing.
    Why {
        /// The generated file and line (from 1): `PATH:LINE`.
        #[arg(value_name = "PATH:LINE")]
        target: String,
        /// Templates overlaying the built-in ones, as `build --templates`.
        #[arg(long, value_name = "DIR")]
        templates: Option<std::path::PathBuf>,
    },
    /// Print the documentation of a rule or an error code.
    ///
    /// A rule's comes with a failing and a fixed example.
    /// `topogen explain kafka::replication`, `topogen explain io::symlink`;
    /// `topogen explain --list` lists every rule, and an area (`topogen explain io`,
    /// `topogen explain template`, `topogen explain kafka`) lists its codes.
    Explain {
        /// The rule's or error's code, with or without the `topogen::` prefix.
        #[arg(required_unless_present = "list")]
        code: Option<String>,
        /// List every rule and error code with its summary.
        #[arg(long)]
        list: bool,
    },
    /// Write a starter cluster.kdl; never overwrites a file.
    ///
    /// Without `--example`, a neutral cluster with placeholder names that
    /// validates and builds as it is; `--example` picks a fuller one.
    Init {
        /// Where to write it.
        #[arg(default_value = "cluster.kdl")]
        path: PathBuf,
        /// Which cluster to start from.
        #[arg(long, value_enum, default_value_t = Example::Starter)]
        example: Example,
    },
    /// Format cluster.kdl canonically, keeping comments.
    ///
    /// Formats the file `--config` names.
    Fmt {
        /// Do not write; exit 1 if the file is not formatted.
        #[arg(long)]
        check: bool,
    },
    /// Print the cluster.kdl language reference (Markdown), generated from the schema.
    Reference,
    /// List the built-in templates, or copy them into DIR to start an overlay.
    Templates {
        /// Copy every built-in template into this directory (never overwriting).
        #[arg(long, value_name = "DIR")]
        dump: Option<PathBuf>,
    },
    /// Print a shell completion script.
    ///
    /// bash: `topogen completions bash > ~/.local/share/bash-completion/completions/topogen`;
    /// zsh: into a directory of `$fpath` as `_topogen`; fish:
    /// `~/.config/fish/completions/topogen.fish`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), of topogen or of one command.
    ///
    /// `topogen man | man -l -`; `topogen man > ~/.local/share/man/man1/topogen.1`.
    Man {
        /// The command whose page to print (`topogen-check(1)`); topogen's own page without it.
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}
