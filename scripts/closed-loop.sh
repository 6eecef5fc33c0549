#!/usr/bin/env bash
# The closed loop (issue 13): topogen's generated Terraform root module, tfvars and
# cloud-init through the machine's real Terraform and the hcloud provider stand-in
# (tests/hcloud-standin/), offline. For the repository's cluster.kdl (dev and prod)
# and the examples (minimal; large in staging and prod): fmt -check → init → validate
# (no warnings) → plan (exactly the topology's objects) → apply → the fake cloud holds
# exactly the topology, every user_data byte-identical to its cloud-init → an empty
# second plan → scale Kafka by two nodes (NodePorts opened too) → remove a node →
# destroy leaves the Primary IPs; and three negative controls. The steps are the
# #[ignore]d tests of tests/hcloud-standin/tests/closed_loop.rs. Last line:
#   closed-loop: N passed, M failed
#
# Terraform 1.11 is installed and cluster.kdl pins >= 1.13: each scratch copy of the
# module gets an override.tf that relaxes required_version only.
#
# TOPOGEN_BIN names the topogen to use (scripts/test.sh sets it to the release build);
# without it the script builds the debug one.
set -euo pipefail

STANDIN_NAME=closed-loop
# shellcheck source=scripts/standin-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/standin-common.sh"

standin_tools "the closed loop needs it"

if [ -z "${TOPOGEN_BIN:-}" ]; then
  (cd "$REPO" && cargo build --locked --quiet --bin topogen)
  TOPOGEN_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/topogen"
fi
export TOPOGEN_BIN
"$TOPOGEN_BIN" --version

standin_build "stand-in built"
standin_mirror

standin_test "ran" --test closed_loop -- --ignored
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "closed-loop: no test ran" >&2
  failed=1
fi
finish
