#!/usr/bin/env bash
# Fuzz with cargo-fuzz / libFuzzer on the nightly toolchain, three targets:
# parse -> validate -> render (fuzz/fuzz_targets/compile.rs), the
# file-system state around a build (fuzz/fuzz_targets/tree.rs: links, FIFOs,
# edited manifests and build records; harness in fuzz/fs_tree.rs), and the
# KDL fast path against the kdl crate, document and spans
# (fuzz/fuzz_targets/fastkdl.rs; oracle in fuzz/fastkdl_oracle.rs).
#
#   scripts/fuzz.sh --short        CI: about 90 s of fuzzing per target (after
#                                  the build), fails on any crash; falls back to
#                                  the stable proptest mutation fuzzers
#                                  (tests/properties.rs, tests/fs_fuzz.rs,
#                                  tests/fastkdl.rs) when
#                                  nightly or cargo-fuzz cannot be had
#   scripts/fuzz.sh --long [SECS]  the long run (default 3600 s per target), one
#                                  job per core minus one; keeps growing fuzz/corpus/
#   scripts/fuzz.sh --repro FILE [TARGET]
#                                  re-run one input (e.g. fuzz/artifacts/compile/crash-*)
#
# Crashes land in fuzz/artifacts/<target>/. Turn each one into a regression
# test (tests/hostile.rs, tests/hostile_fs.rs or tests/properties.rs), then fix it.
#
# The sanitizer is off (-s none): topogen denies unsafe code (its system calls
# go through rustix), and ASan made each execution ~15x slower. The build goes
# to a cache directory outside the work tree so that CI runs on the same
# machine reuse it.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:---short}
export CARGO_TARGET_DIR="${TOPOGEN_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/topogen-fuzz/target}"

log() { printf '[fuzz] %s\n' "$*" >&2; }

stable_fallback() {
    log "libFuzzer unavailable ($1): running the stable proptest mutation fuzzer instead"
    PROPTEST_CASES="${PROPTEST_CASES:-3000}" cargo test --release --test properties -- mutations
    # each file-system case builds a project: fewer of them in the same time
    PROPTEST_CASES="${PROPTEST_FS_CASES:-300}" cargo test --release --test fs_fuzz
    cargo test --release --test fastkdl
    exit $?
}

have_nightly() { rustup run nightly rustc --version >/dev/null 2>&1; }

if [ "$MODE" = "--short" ] || [ "$MODE" = "--long" ] || [ "$MODE" = "--repro" ]; then
    have_nightly || { rustup toolchain install nightly --profile minimal >/dev/null 2>&1 || true; }
    have_nightly || stable_fallback "no nightly toolchain"
    if ! cargo fuzz --version >/dev/null 2>&1; then
        log "installing cargo-fuzz from crates.io"
        cargo install cargo-fuzz --locked >/dev/null 2>&1 || stable_fallback "cargo-fuzz cannot be installed"
    fi
else
    sed -n '2,23p' "$0"
    exit 2
fi

# the seed corpus of `compile`: the repository's topologies, the rule
# examples, the hostile corpus; `tree` starts from nothing (its input is a
# list of operations)
mkdir -p "$ROOT/fuzz/corpus/compile" "$ROOT/fuzz/corpus/tree" "$ROOT/fuzz/corpus/fastkdl"
cp -n fuzz/seeds/* "$ROOT/fuzz/corpus/compile"/ 2>/dev/null || true
for f in cluster.kdl examples/*/*.kdl examples/*.kdl tests/fixtures/*/*.kdl tests/fixtures/*.kdl tests/hostile/*.kdl; do
    [ -f "$f" ] && cp "$f" "$ROOT/fuzz/corpus/compile/seed-$(echo "$f" | tr '/' '_')"
done
# the fast-path target starts from the same KDL texts
cp -n "$ROOT/fuzz/corpus/compile"/* "$ROOT/fuzz/corpus/fastkdl"/ 2>/dev/null || true

log "building the fuzz targets (nightly, sanitizer off) into $CARGO_TARGET_DIR"
(cd fuzz && cargo +nightly fuzz build -O -s none)

fuzz_one() {
TARGET=$1
shift
CORPUS="$ROOT/fuzz/corpus/$TARGET"
ARTIFACTS="$ROOT/fuzz/artifacts/$TARGET"
mkdir -p "$ARTIFACTS"
BIN="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/$TARGET"
# no -timeout: a slow input on a loaded machine is not a failure; a hang is
# caught by libFuzzer's own 20-minute default and the CI harness's limit
COMMON=(-max_len=16384 -rss_limit_mb=4096
        -artifact_prefix="$ARTIFACTS/" -print_final_stats=1)
[ "$TARGET" = compile ] || [ "$TARGET" = fastkdl ] && COMMON+=(-dict="$ROOT/fuzz/kdl.dict")
case "$MODE" in
    --short)
        log "short run: 90 s"
        "$BIN" "${COMMON[@]}" -max_total_time=90 "$CORPUS"
        ;;
    --long)
        SECS=${2:-3600}
        JOBS=$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))
        log "long run: $SECS s, $JOBS job(s); stop early with Ctrl-C"
        if [ "$JOBS" -gt 1 ]; then
            "$BIN" "${COMMON[@]}" -max_total_time="$SECS" -fork="$JOBS" -ignore_crashes=1 "$CORPUS"
        else
            "$BIN" "${COMMON[@]}" -max_total_time="$SECS" "$CORPUS"
        fi
        if [ -n "$(find "$ARTIFACTS" -mindepth 1 -print -quit 2>/dev/null)" ]; then
            log "crashes found:"
            ls "$ARTIFACTS"
            exit 1
        fi
        log "no crash"
        ;;
    --repro)
        "$BIN" "${2:?--repro FILE}"
        ;;
esac
}

if [ "$MODE" = --repro ]; then
    fuzz_one "${3:-compile}" "$@"
else
    fuzz_one compile "$@"
    fuzz_one tree "$@"
    fuzz_one fastkdl "$@"
fi
