#!/usr/bin/env bash
# Deploy rehearsal (issue 14, part 1): the workflow runner in tests/rehearsal/.
#
#   scripts/rehearse.sh [--keep]
#
# 1. builds the runner (its own crate and workspace), checks its fmt and
#    clippy, and runs its tests: the expression language and scheduler
#    against GitHub's documented semantics, fixture workflows for every
#    feature, the generated workflows' static pass and its negative controls,
#    the real deploy and maintenance workflows run against an outside world
#    that is down; the fake world (tests/world.rs: servers booting the
#    generated cloud-init in sandboxes, ssh, a fake Kubernetes API, the
#    verify/Strimzi/ArgoCD workflows run against it; needs root); the
#    scenarios (tests/scenarios.rs: deploy dev and prod from a clean project,
#    an agent that never joins, deploy over existing servers, destroy-cluster)
#    run the generated workflows end to end with Terraform, the provider and
#    hcloud CLI stand-ins and the world; the operations (tests/operations.rs:
#    maintenance list/check-clean/destroy over servers, Primary IPs, volumes,
#    load balancers and floating IPs; the drift check on pull requests, its
#    plan summary and the destructive-plan label);
#    tests/examples.rs the same for
#    examples/minimal and examples/large; tests/negative.rs the negative
#    controls on a deployed project;
# 2. the static pass (`rehearse check`) over the committed workflows topogen
#    generated (the files .github/workflows/.topogen-manifest lists);
# 3. the same over the workflows `topogen build` writes for every
#    examples/*/cluster.kdl (a copy in a scratch directory).
# Every check counts; the last line is "rehearsal: N passed, M failed"; the
# exit status is non-zero if any failed.
#
#   TOPOGEN_BIN   the topogen binary (default: cargo build --locked, debug)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRATE="$REPO/tests/rehearsal"
keep=0
case "${1:-}" in
  --keep) keep=1 ;;
  "") ;;
  -h|--help) sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "rehearse: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac
export CARGO_TERM_COLOR=never

WORK="$(mktemp -d "${TMPDIR:-/tmp}/topogen-rehearsal.XXXXXX")"
if [ "$keep" = 1 ]; then echo "rehearse: keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
export TOPOGEN_CACHE_DIR="$WORK/records"

passed=0 failed=0
failures=()
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL $*"; }
section() { printf '\n=== %s\n' "$*"; }

# ------------------------------------------------------------ the runner
section "build the runner"
if cargo build --locked --quiet --manifest-path "$CRATE/Cargo.toml" --all-targets; then
  pass "build tests/rehearsal"
else
  fail "build tests/rehearsal"
  echo "rehearsal: $passed passed, $failed failed"
  exit 1
fi
REHEARSE="$CRATE/target/debug/rehearse"

section "build topogen and the hcloud stand-in (for the scenarios)"
if [ -n "${TOPOGEN_BIN:-}" ]; then
  BIN="$TOPOGEN_BIN"
else
  (cd "$REPO" && cargo build --locked --quiet --bin topogen)
  BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/topogen"
fi
export TOPOGEN_BIN="$BIN"
# shellcheck source=scripts/protoc.sh
source "$REPO/scripts/protoc.sh"
need_protoc
if cargo build --locked --quiet --manifest-path "$REPO/tests/hcloud-standin/Cargo.toml" \
  --bin hcloud --bin terraform-provider-hcloud; then
  pass "build tests/hcloud-standin (hcloud CLI and provider stand-ins)"
else
  fail "build tests/hcloud-standin"
fi
export HCLOUD_STANDIN_DIR="${CARGO_TARGET_DIR:-$REPO/tests/hcloud-standin/target}/debug"

section "the runner's own style"
if cargo fmt --manifest-path "$CRATE/Cargo.toml" --check; then
  pass "cargo fmt --check (tests/rehearsal)"
else
  fail "cargo fmt --check (tests/rehearsal)"
fi
if cargo clippy --locked --quiet --manifest-path "$CRATE/Cargo.toml" --all-targets -- -D warnings; then
  pass "cargo clippy -D warnings (tests/rehearsal)"
else
  fail "cargo clippy -D warnings (tests/rehearsal)"
fi

section "the runner's tests"
# The world's sandboxes need mount and network namespaces.
if [ "$(id -u)" = 0 ]; then
  pass "root (the world's sandboxes need mount and network namespaces)"
else
  fail "root: tests/world.rs needs mount and network namespaces (run as root)"
fi
# Each libtest test counts as one check.
rc=0
cargo test --locked --no-fail-fast --manifest-path "$CRATE/Cargo.toml" 2>&1 | tee "$WORK/test.log" || rc=$?
while read -r line; do
  name="${line#test }"
  name="${name% ... *}"
  case "$line" in
    *" ... ok") pass "test $name" > /dev/null ;;
    *" ... FAILED") fail "test $name" ;;
  esac
done < <(grep -E '^test .* \.\.\. (ok|FAILED)$' "$WORK/test.log")
echo "tests: $passed passed, $failed failed so far"
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
  fail "cargo test (exit $rc without a failing test: see above)"
fi

# ------------------------------------------------------------ static pass
section "static pass: the committed generated workflows in .github/workflows"
# only the files topogen owns: the directory also holds cargo-dist's release.yml
owned="$WORK/committed/.github/workflows"
mkdir -p "$owned"
grep -v '^#' "$REPO/.github/workflows/.topogen-manifest" | while IFS= read -r f; do
  [ -n "$f" ] && cp "$REPO/.github/workflows/$f" "$owned/$f"
done
if "$REHEARSE" check "$owned"; then
  pass "static pass: .github/workflows (generated)"
else
  fail "static pass: .github/workflows (generated)"
fi

section "static pass: the examples' builds"
for config in "$REPO"/examples/*/cluster.kdl; do
  name="$(basename "$(dirname "$config")")"
  dir="$WORK/examples/$name"
  mkdir -p "$dir"
  cp "$config" "$dir/cluster.kdl"
  if ! "$BIN" build --config "$dir/cluster.kdl" > "$dir/build.log" 2>&1; then
    cat "$dir/build.log"
    fail "examples/$name: topogen build"
    continue
  fi
  found=0
  while IFS= read -r -d '' wf; do
    found=1
    if "$REHEARSE" check "$wf"; then
      pass "static pass: examples/$name ${wf#"$dir"/}"
    else
      fail "static pass: examples/$name ${wf#"$dir"/}"
    fi
  done < <(find "$dir" -type d -path '*/.github/workflows' -print0)
  [ "$found" = 1 ] || fail "examples/$name: the build wrote no .github/workflows directory"
done

# ------------------------------------------------------------ summary
section "summary"
for f in "${failures[@]}"; do echo "FAILED $f"; done
echo "rehearsal: $passed passed, $failed failed"
[ "$failed" = 0 ]
