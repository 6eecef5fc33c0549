#!/usr/bin/env bash
# Every test of the project, in one command (the README's test command; CI
# runs it through .ci/run): install the validators, cargo fmt/clippy/test,
# `topogen check` on the committed generated/, the cargo-dist release check,
# the conformance suite, the pre-commit test. Runs as root on a fresh Debian
# 12 machine with the Rust toolchain, Python 3.11 and Node 20; the read-only
# shared/ folder lies beside the repository (override with TOPOGEN_SHARED).
#
# Every step runs even when an earlier one failed, so that one run reports
# everything; the exit code is non-zero if any step failed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
export CARGO_TERM_COLOR=never NO_COLOR=1
export TOPOGEN_SHARED="${TOPOGEN_SHARED:-$(dirname "$REPO")/shared}"

t_start=$(date +%s)
steps_ok=() steps_failed=()
header() { printf '\n\n######## %s  [+%ss]\n' "$*" "$(( $(date +%s) - t_start ))"; }
# step NAME COMMAND...: run a step, record its outcome, never abort the run.
step() {
  local name="$1"; shift
  header "$name"
  local t0 rc=0
  t0=$(date +%s)
  "$@" || rc=$?
  if [ $rc = 0 ]; then
    steps_ok+=("$name ($(( $(date +%s) - t0 ))s)")
  else
    steps_failed+=("$name (exit $rc, $(( $(date +%s) - t0 ))s)")
    echo "######## FAILED: $name (exit $rc)"
  fi
}

header "environment"
echo "repository: $REPO ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "shared:     $TOPOGEN_SHARED"
cargo --version; rustc --version; python3 --version; node --version 2>/dev/null || echo "node: missing"
if command -v terraform >/dev/null 2>&1; then terraform version 2>/dev/null | sed -n 1p || echo "terraform: version not readable"; else echo "terraform: not installed (the conformance suite says what it skips)"; fi
if [ ! -f "$TOPOGEN_SHARED/conformance/install.sh" ]; then
  echo "FATAL: shared/ not found at $TOPOGEN_SHARED (expected beside the clone; set TOPOGEN_SHARED)" >&2
  exit 1
fi

# ------------------------------------------------------------------ install
install_tools() {
  # The conformance validators (venv + npm tools under CONFORMANCE_HOME,
  # cloud-init from Debian; install.sh runs apt-get update when it installs).
  bash "$TOPOGEN_SHARED/conformance/install.sh"
  # The shellcheck linter: the cloud-init tests lint the generated scripts with it where
  # installed. apt-get update only if nobody refreshed the lists this hour.
  if ! command -v shellcheck >/dev/null 2>&1; then
    if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | grep -c . >/dev/null; then
      apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck > /dev/null
  fi
  shellcheck --version | sed -n 2p
}
step "install: conformance validators and shellcheck" install_tools

# ------------------------------------------------------------------ Rust
step "cargo fmt --check" cargo fmt --all --check -- --color never
step "cargo clippy --all-targets --locked -- -D warnings" cargo clippy --all-targets --locked -- -D warnings
step "cargo test --locked" cargo test --locked --no-fail-fast

# ------------------------------------------------------------------ fuzz
# parse -> validate -> render under libFuzzer for ~90 s from the committed seed
# corpus (stable proptest mutation fuzzer where nightly cannot be had); the long
# run is `scripts/fuzz.sh --long`.
step "fuzz: 90 s of cargo-fuzz over parse, validate, render" bash scripts/fuzz.sh --short

# ------------------------------------------------------------------ determinism
# Determinism (byte-identical builds across directories, TZ, locales, env
# vars, file-system order) runs inside `cargo test` (tests/determinism.rs).

# ------------------------------------------------------------------ drift
# The committed generated/ must be exactly what the repository's cluster.kdl produces.
step "topogen check (committed generated/ does not drift)" cargo run --release --locked --quiet -- check --color never

# ------------------------------------------------------------------ release
# cargo-dist: release.yml is what dist-workspace.toml generates, and a tag
# would release every target's archive with its checksum (offline).
step "release: dist generate --check and dist plan (offline)" bash scripts/dist-check.sh

# ------------------------------------------------------------------ conformance
# The pre-commit step's `cargo install` shares target/ and overwrites
# target/release/topogen with the pinned build: the steps after it use a copy
# of the binary this clone built.
mkdir -p "$REPO/target/ci"
cp "$REPO/target/release/topogen" "$REPO/target/ci/topogen" || echo "no release build to copy" >&2
export TOPOGEN_BIN="$REPO/target/ci/topogen"
step "conformance: every artifact through the real validators" bash scripts/conformance.sh
step "rehearsal: the generated workflows through the offline runner" bash scripts/rehearse.sh
# --as-remote also installs the hooks as a user does (repo: this clone,
# language: rust, pre-commit runs cargo install); sharing the target directory
# keeps that build incremental.
step "pre-commit: the hooks under the real pre-commit framework" \
  env CARGO_TARGET_DIR="$REPO/target" bash scripts/precommit-test.sh --as-remote

step "standin: the hcloud provider stand-in under the real Terraform" bash scripts/standin.sh
step "closed-loop: the generated Terraform module through Terraform and the stand-in" bash scripts/closed-loop.sh

# ------------------------------------------------------------------ summary
header "summary"
for s in "${steps_ok[@]}"; do echo "ok     $s"; done
for s in "${steps_failed[@]}"; do echo "FAILED $s"; done
echo "ci: ${#steps_ok[@]} passed, ${#steps_failed[@]} failed"
[ ${#steps_failed[@]} -eq 0 ]
