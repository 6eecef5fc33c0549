#!/usr/bin/env bash
# The hcloud provider stand-in (tests/hcloud-standin/): builds it, installs it into a
# filesystem mirror as registry.terraform.io/hetznercloud/hcloud 1.54.0, and runs its
# tests with the machine's real Terraform, offline. The same crate builds the `hcloud`
# CLI stand-in (v1.47.0) over the same fake cloud; its tests (tests/cli.rs) run here too.
# Last line:
#   standin: N passed, M failed
#
# Installs Debian's protobuf-compiler and libprotobuf-dev when `protoc` or protobuf's
# well-known types are missing (scripts/protoc.sh: tf-provider's build runs tonic-build).
# The build is a debug build: on 2 cores it is the faster end to end (the
# Terraform runs take seconds either way; cold: 2m18s of CPU against 4m57s for release).
# The crate has its own workspace, lock file and target directory
# (tests/hcloud-standin/target/; override with CARGO_TARGET_DIR).
set -euo pipefail

STANDIN_NAME=standin
# shellcheck source=scripts/standin-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/standin-common.sh"
export TOPOGEN_SHARED="${TOPOGEN_SHARED:-$(dirname "$REPO")/shared}"

standin_tools "the stand-in's tests need it"
protoc --version
standin_build "built"
echo "standin: hcloud CLI stand-in at ${CARGO_TARGET_DIR:-$CRATE/target}/debug/hcloud"
standin_mirror

# The fixtures are `terraform fmt`-clean, as a generated module must be.
if terraform fmt -check -recursive tests/fixtures >/dev/null 2>&1; then
  passed=$((passed + 1))
else
  echo "FAILED: terraform fmt -check on tests/hcloud-standin/tests/fixtures" >&2
  failed=$((failed + 1))
fi

standin_test "tests ran"
finish
