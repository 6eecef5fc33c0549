#!/usr/bin/env bash
# The hcloud provider stand-in (tests/hcloud-standin/): builds it, installs it into a
# filesystem mirror as registry.terraform.io/hetznercloud/hcloud 1.54.0, and runs its
# tests with the machine's real Terraform, offline. The same crate builds the `hcloud`
# CLI stand-in (v1.47.0) over the same fake cloud; its tests (tests/cli.rs) run here too.
# Last line:
#   standin: N passed, M failed
#
# Installs Debian's protobuf-compiler when `protoc` is missing (tf-provider's build runs
# tonic-build). The build is a debug build: on 2 cores it is the faster end to end (the
# Terraform runs take seconds either way; cold: 2m18s of CPU against 4m57s for release).
# The crate has its own workspace, lock file and target directory
# (tests/hcloud-standin/target/; override with CARGO_TARGET_DIR).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRATE="$REPO/tests/hcloud-standin"
export CARGO_TERM_COLOR=never NO_COLOR=1
export TOPOGEN_SHARED="${TOPOGEN_SHARED:-$(dirname "$REPO")/shared}"

passed=0 failed=0
finish() {
  echo "standin: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

if ! command -v terraform >/dev/null 2>&1; then
  echo "terraform is not installed: the stand-in's tests need it" >&2
  failed=1
  finish
  exit 1
fi
if ! command -v protoc >/dev/null 2>&1; then
  if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | grep -c . >/dev/null; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends protobuf-compiler > /dev/null
fi
protoc --version

cd "$CRATE"
t0=$(date +%s)
if ! cargo build --locked --all-targets; then
  failed=1
  finish
  exit 1
fi
echo "standin: built in $(( $(date +%s) - t0 ))s"
echo "standin: hcloud CLI stand-in at ${CARGO_TARGET_DIR:-$CRATE/target}/debug/hcloud"

# The filesystem mirror and the CLI configuration that names it.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
target_dir="${CARGO_TARGET_DIR:-$CRATE/target}"
mirror="$scratch/mirror"
dir="$mirror/registry.terraform.io/hetznercloud/hcloud/1.54.0/linux_amd64"
mkdir -p "$dir"
cp "$target_dir/debug/terraform-provider-hcloud" "$dir/terraform-provider-hcloud_v1.54.0"
cat > "$scratch/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hetznercloud/hcloud"]
  }
  direct {
    exclude = ["registry.terraform.io/hetznercloud/hcloud"]
  }
}
EOF
# The tests pass it to Terraform as TF_CLI_CONFIG_FILE (one the user may have set is not
# theirs to use).
export STANDIN_TF_CLI_CONFIG_FILE="$scratch/terraformrc"

# The fixtures are `terraform fmt`-clean, as a generated module must be.
if terraform fmt -check -recursive tests/fixtures >/dev/null 2>&1; then
  passed=$((passed + 1))
else
  echo "FAILED: terraform fmt -check on tests/hcloud-standin/tests/fixtures" >&2
  failed=$((failed + 1))
fi

t0=$(date +%s)
log="$scratch/test.log"
set +e
cargo test --locked --no-fail-fast 2>&1 | tee "$log"
set -e
echo "standin: tests ran in $(( $(date +%s) - t0 ))s"
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log")
# A test binary that did not build or run reports no result line.
if grep -q '^error: test failed\|^error: could not compile' "$log" && [ "$failed" -eq 0 ]; then
  failed=1
fi
finish
