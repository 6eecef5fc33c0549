# Sourced by scripts/standin.sh and scripts/closed-loop.sh: what both need to run the
# hcloud provider stand-in (tests/hcloud-standin/) under the machine's real Terraform,
# offline. The sourcing script sets STANDIN_NAME (the prefix of its lines, e.g.
# `standin`) before sourcing; it then has REPO, CRATE, the counters `passed` and
# `failed`, and `finish` (the last line: `<name>: N passed, M failed`).
# shellcheck shell=bash

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRATE="$REPO/tests/hcloud-standin"
export CARGO_TERM_COLOR=never NO_COLOR=1

passed=0 failed=0
finish() {
  echo "$STANDIN_NAME: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# shellcheck source=scripts/protoc.sh
source "$REPO/scripts/protoc.sh"

# standin_tools WHY: Terraform must be installed (else the summary line and exit 1,
# saying WHY it is needed); protoc and protobuf's well-known types are installed when
# missing (`need_protoc`: tf-provider's build runs tonic-build).
standin_tools() {
  if ! command -v terraform >/dev/null 2>&1; then
    echo "terraform is not installed: $1" >&2
    failed=1
    finish
    exit 1
  fi
  need_protoc
}

# standin_build WHAT: builds the crate (debug, every target) from inside it, printing
# `<name>: WHAT in Ns`; the summary line and exit 1 when it does not build.
standin_build() {
  cd "$CRATE"
  local t0
  t0=$(date +%s)
  if ! cargo build --locked --all-targets; then
    failed=1
    finish
    exit 1
  fi
  echo "$STANDIN_NAME: $1 in $(( $(date +%s) - t0 ))s"
}

# standin_mirror: a scratch directory (removed at exit) with a filesystem mirror that
# holds the stand-in as registry.terraform.io/hetznercloud/hcloud 1.54.0, and the
# Terraform CLI configuration that names it, exported as STANDIN_TF_CLI_CONFIG_FILE
# (the tests pass it to Terraform as TF_CLI_CONFIG_FILE: one the user may have set is
# not theirs to use).
standin_mirror() {
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  local target_dir="${CARGO_TARGET_DIR:-$CRATE/target}"
  local mirror="$scratch/mirror"
  local dir="$mirror/registry.terraform.io/hetznercloud/hcloud/1.54.0/linux_amd64"
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
  export STANDIN_TF_CLI_CONFIG_FILE="$scratch/terraformrc"
}

# standin_test WHAT ARGS…: runs `cargo test --locked --no-fail-fast ARGS…` in the crate,
# printing `<name>: WHAT in Ns`, and adds its results to the counters (a test binary
# that did not build or run reports no result line: one failure).
standin_test() {
  local what="$1" t0 log="$scratch/test.log" p f
  shift
  t0=$(date +%s)
  set +e
  cargo test --locked --no-fail-fast "$@" 2>&1 | tee "$log"
  set -e
  echo "$STANDIN_NAME: $what in $(( $(date +%s) - t0 ))s"
  while read -r p f; do
    passed=$((passed + p))
    failed=$((failed + f))
  done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log")
  if grep -q '^error: test failed\|^error: could not compile' "$log" && [ "$failed" -eq 0 ]; then
    failed=1
  fi
}
