//! A GitHub Actions runner for the subset of features topogen's generated
//! workflows use, and a static pass over a set of workflow files.
//!
//! 1. `workflow`: a workflow file read into that subset; any other key is
//!    `unsupported: …`.
//! 2. `expr`: `${{ }}` expressions with GitHub's documented semantics.
//! 3. `check`: the cross-file static pass (calls, outputs, step ids, contexts).
//! 4. `run`: execution (jobs in `needs` order, steps under GitHub's default
//!    shell, file commands, pinned actions, reusable workflows, masking).
//! 5. `world`: the outside world's stand-ins (`rehearse-world`): node
//!    sandboxes booting their cloud-init, ssh/scp, a fake Kubernetes API.
#![deny(unsafe_code)]

pub mod actions;
pub mod check;
pub mod expr;
pub mod run;
pub mod sites;
pub mod workflow;
pub mod world;
