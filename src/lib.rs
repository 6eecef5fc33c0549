//! topogen: compile one `cluster.kdl` into every artifact of the cluster.
//!
//! The pipeline, one module per stage; each stage takes data and returns
//! data, and only [`output`] touches the disk:
//!
//! 1. [`source`]: read the file (size, encoding and nesting limits).
//! 2. [`model::lower`]: KDL → one [`model::Topology`] per environment.
//! 3. [`check`]: run every rule of the registry → [`diag::Findings`].
//! 4. [`emit`]: render every artifact in memory → [`emit::Plan`].
//! 5. [`output`]: write the plan atomically (`build`) or diff it (`check`).
//!
//! [`fsutil`] is the one place a path is resolved: beneath a directory,
//! following no link, reading only regular files and never more than a cap.
//!
//! [`cache`] lets an up-to-date `build` or `check` skip stage 4 (and 5's
//! render-and-compare) when a local record vouches for the output tree.
//!
//! This is a library for the binary and its tests, not a stable API.

pub mod app;
pub mod cache;
pub mod check;
pub mod cli;
pub(crate) mod codes;
pub mod diag;
pub mod emit;
pub mod errors;
pub mod format;
pub mod fsutil;
pub mod model;
pub mod output;
pub mod plan;
pub mod report;
pub mod run;
pub mod show;
pub mod source;
pub(crate) mod term;

pub use run::{Compiled, compile};
