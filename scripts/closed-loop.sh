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

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRATE="$REPO/tests/hcloud-standin"
export CARGO_TERM_COLOR=never NO_COLOR=1

passed=0 failed=0
finish() {
  echo "closed-loop: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

if ! command -v terraform >/dev/null 2>&1; then
  echo "terraform is not installed: the closed loop needs it" >&2
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

if [ -z "${TOPOGEN_BIN:-}" ]; then
  (cd "$REPO" && cargo build --locked --quiet --bin topogen)
  TOPOGEN_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/topogen"
fi
export TOPOGEN_BIN
"$TOPOGEN_BIN" --version

cd "$CRATE"
t0=$(date +%s)
if ! cargo build --locked --all-targets; then
  failed=1
  finish
  exit 1
fi
echo "closed-loop: stand-in built in $(( $(date +%s) - t0 ))s"

# The filesystem mirror and the CLI configuration that names it (as scripts/standin.sh).
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
target_dir="${CARGO_TARGET_DIR:-$CRATE/target}"
mirror="$scratch/mirror"
dir="$mirror/registry.terraform.io/hetznercloud/hcloud/1.54.0/linux_amd64"
mkdir -p "$dir"
cp "$target_dir/debug/terraform-provider-hcloud" "$dir/terraform-provider-hcloud_v1.54.0"
cat > "$scratch/terraformrc" <<EOT
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hetznercloud/hcloud"]
  }
  direct {
    exclude = ["registry.terraform.io/hetznercloud/hcloud"]
  }
}
EOT
export STANDIN_TF_CLI_CONFIG_FILE="$scratch/terraformrc"

t0=$(date +%s)
log="$scratch/test.log"
set +e
cargo test --locked --no-fail-fast --test closed_loop -- --ignored 2>&1 | tee "$log"
set -e
echo "closed-loop: ran in $(( $(date +%s) - t0 ))s"
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log")
if grep -q '^error: test failed\|^error: could not compile' "$log" && [ "$failed" -eq 0 ]; then
  failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "closed-loop: no test ran" >&2
  failed=1
fi
finish
