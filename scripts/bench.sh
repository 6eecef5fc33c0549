#!/usr/bin/env bash
# Whole-process benchmarks of topogen (issue 6): hyperfine medians of
# `validate`; `check` and a no-op `build` with the build record (the usual
# case: the tree is up to date) and `check --no-cache` (a full render and
# compare, as on a fresh clone); and a cold `build` on the repository's
# cluster.kdl and on generated topologies of 10, 100 and 1,000 nodes, each as
# a ratio to the process floor (bench/floor: start, write one file, exit),
# with peak RSS (/usr/bin/time) and, where valgrind is installed, the
# instruction count (callgrind: the same on a busy machine as on an idle one).
#
#   scripts/bench.sh                 # prints the Markdown table
#   BENCH_SIZES="10 100 1000 3000" BENCH_RUNS=50 scripts/bench.sh
#   BENCH_CALLGRIND=0 scripts/bench.sh   # skip the instruction counts
#   BENCH_SETTLE=0 scripts/bench.sh      # no wait before timing (see below)
#
# Writes nothing in the repository except target/; scratch files go to a
# temporary directory that is removed at the end (BENCH_KEEP=1 keeps it).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${BENCH_SIZES:-"10 100 1000"}
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-5}
CALLGRIND=${BENCH_CALLGRIND:-1}

need_apt() {
    local pkg=$1
    echo "bench: installing $pkg (apt-get)" >&2
    apt-get install -y "$pkg" >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 && apt-get install -y "$pkg" >/dev/null 2>&1; } ||
        { echo "bench: cannot install $pkg; install it and run again" >&2; exit 2; }
}
command -v hyperfine >/dev/null || need_apt hyperfine
[ -x /usr/bin/time ] || need_apt time
command -v python3 >/dev/null || need_apt python3
if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null; then
    echo "bench: valgrind not found; no instruction counts (apt-get install valgrind)" >&2
    CALLGRIND=0
fi

echo "bench: building (release)" >&2
cargo build --release --quiet --bin topogen --example gen_topology
cargo build --release --quiet --manifest-path bench/floor/Cargo.toml --target-dir target/floor
TOPOGEN=$ROOT/target/release/topogen
GEN=$ROOT/target/release/examples/gen_topology
FLOOR=$ROOT/target/floor/release/floor

W=$(mktemp -d "${TMPDIR:-/tmp}/topogen-bench.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
# build records go to the scratch directory, not the user's cache
export TOPOGEN_CACHE_DIR=$W/records

# On a journal-less ext4 (this VM's root file system), creating a file skips
# every inode of its group deleted in the last minute, or in the last six
# while the inode's table block is unwritten (fs/ext4/ialloc.c,
# recently_deleted) — and creating files dirties those blocks again. A cold
# build measured within six minutes of a mass deletion (a compile's
# temporaries, a test run's scratch directories, the previous benchmark's
# clean-up) pays for it, more with every run (BENCHMARKS.md, "The cold build
# and the file system"). So before each cold build the previous output tree
# is moved aside, not deleted (the trees go with $W at the end), and written
# back (sync: no run shares the disk with the previous runs' writes), valgrind
# runs after every timing, and the timing starts BENCH_SETTLE seconds (370,
# 0 to skip) after the set-up.
mkdir -p "$W/trash"
cat >"$W/aside" <<'SH'
#!/bin/sh
[ ! -e "$1" ] || mv "$1" "$2/$(date +%s%N)"
exec sync
SH
chmod +x "$W/aside"

# inputs: name → directory holding cluster.kdl (generated/ is built beside it)
INPUTS=(repo)
mkdir -p "$W/repo"
cp cluster.kdl "$W/repo/cluster.kdl"
for n in $SIZES; do
    mkdir -p "$W/n$n"
    "$GEN" "$n" "$W/n$n/cluster.kdl"
    INPUTS+=("n$n")
done
for i in "${INPUTS[@]}"; do
    if ! "$TOPOGEN" validate --color never --config "$W/$i/cluster.kdl" >/dev/null 2>"$W/$i/validate.err"; then
        echo "bench: $i does not validate:" >&2
        cat "$W/$i/validate.err" >&2
        exit 1
    fi
    "$TOPOGEN" build --config "$W/$i/cluster.kdl" >/dev/null
done

SETTLE=${BENCH_SETTLE:-370}
if [ "$SETTLE" -gt 0 ]; then
    echo "bench: waiting ${SETTLE}s for recent file deletions to age (BENCH_SETTLE)" >&2
    sync
    sleep "$SETTLE"
fi

# hyperfine one command; the median (s) goes to $W/<key>.json
hf() {
    local key=$1
    shift
    hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
        --export-json "$W/$key.json" "$@" >/dev/null 2>&1 || {
        echo "bench: hyperfine failed for $key: $*" >&2
        exit 1
    }
}

# peak RSS (KiB), the largest of 5 runs; $1 = key, $2 = optional prepare command
rss() {
    local key=$1 prep=$2
    shift 2
    local max=0 v
    for _ in 1 2 3 4 5; do
        [ -z "$prep" ] || eval "$prep"
        v=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
        [ "$v" -gt "$max" ] && max=$v
    done
    echo "$max" >"$W/$key.rss"
}

# instructions of one run under callgrind
instr() {
    local key=$1 prep=$2
    shift 2
    if [ "$CALLGRIND" != 1 ]; then
        echo "" >"$W/$key.ir"
        return
    fi
    [ -z "$prep" ] || eval "$prep"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' >"$W/$key.ir"
}

# every timing first, then peak RSS and instructions: valgrind creates and
# deletes files of its own, which the cold builds would pay for (see above)
echo "bench: process floor" >&2
hf floor "$FLOOR $W/floor.out"
for i in "${INPUTS[@]}"; do
    cfg=$W/$i/cluster.kdl
    cold=$W/$i/cold
    echo "bench: $i" >&2
    hf "$i-validate" "$TOPOGEN validate --config $cfg"
    hf "$i-check" "$TOPOGEN check --config $cfg"
    hf "$i-fullcheck" "$TOPOGEN check --no-cache --config $cfg"
    hf "$i-noop" "$TOPOGEN build --config $cfg"
    hf "$i-cold" --prepare "$W/aside $cold $W/trash" "$TOPOGEN build --config $cfg --out $cold"
done

echo "bench: peak RSS and instructions" >&2
rss floor "" "$FLOOR" "$W/floor.out"
instr floor "" "$FLOOR" "$W/floor.out"
for i in "${INPUTS[@]}"; do
    cfg=$W/$i/cluster.kdl
    cold=$W/$i/cold
    for cmd in validate check fullcheck noop cold; do
        prep="" out=()
        case $cmd in
            validate) args=(validate) ;;
            check) args=(check) ;;
            fullcheck) args=(check --no-cache) ;;
            noop) args=(build) ;;
            cold) args=(build) prep="$W/aside $cold $W/trash" out=(--out "$cold") ;;
        esac
        rss "$i-$cmd" "$prep" "$TOPOGEN" "${args[@]}" --config "$cfg" "${out[@]}"
        instr "$i-$cmd" "$prep" "$TOPOGEN" "${args[@]}" --config "$cfg" "${out[@]}"
    done
done

# node counts and artifact sizes, for the table
for i in "${INPUTS[@]}"; do
    find "$W/$i/generated" -type f | wc -l >"$W/$i.files"
    du -sk "$W/$i/generated" | cut -f1 >"$W/$i.kib"
done

python3 - "$W" "${INPUTS[@]}" <<'EOF'
import json, os, sys

w, inputs = sys.argv[1], sys.argv[2:]

def result(key):
    with open(os.path.join(w, key + ".json")) as f:
        return json.load(f)["results"][0]

def read(key, ext):
    try:
        with open(os.path.join(w, f"{key}.{ext}")) as f:
            return f.read().strip()
    except OSError:
        return ""

def nodes(i):
    return "5" if i == "repo" else i[1:]

def ms(x):
    return f"{x*1e3:.2f} ms"

fl = result("floor")
floor, floor_min = fl["median"], fl["min"]
floor_ir = read("floor", "ir")
print(f"Process floor (bench/floor): median {ms(floor)}, min {ms(floor_min)}, "
      f"CPU {ms(fl['user'] + fl['system'])}, peak RSS {int(read('floor', 'rss'))/1024:.1f} MiB"
      + (f", {int(floor_ir)/1e6:.2f} M instructions" if floor_ir else "") + ".\n")
print("| input | nodes | files | command | median | × floor | min | × floor (min) | CPU (user+sys) | peak RSS | instructions |")
print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
labels = [("validate", "validate"), ("check", "check"), ("fullcheck", "check --no-cache"),
          ("noop", "build (no-op)"), ("cold", "build (cold)")]
for i in inputs:
    name = "cluster.kdl" if i == "repo" else f"{i[1:]}-node"
    for key, label in labels:
        k = f"{i}-{key}"
        r = result(k)
        rss = int(read(k, "rss")) / 1024
        ir = read(k, "ir")
        irs = f"{int(ir)/1e6:.1f} M" if ir else "–"
        print(f"| {name} | {nodes(i)} | {read(i, 'files')} | `{label}` | {ms(r['median'])} | "
              f"{r['median']/floor:.1f}× | {ms(r['min'])} | {r['min']/floor_min:.1f}× | "
              f"{ms(r['user'] + r['system'])} | {rss:.1f} MiB | {irs} |")

# the curve: cold build against the node count
gen = [i for i in inputs if i != "repo"]
if len(gen) > 1:
    print("\nScaling of `build (cold)` with the node count:\n")
    print("| nodes | median | CPU (user+sys) | peak RSS | RSS per added node | instructions | instructions per added node |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    prev = None
    for i in gen:
        k = f"{i}-cold"
        r = result(k)
        n, ir, rss = int(nodes(i)), read(k, "ir"), int(read(k, "rss"))
        irs = f"{int(ir)/1e6:.1f} M" if ir else "–"
        d_ir = d_rss = "–"
        if prev:
            pn, pir, prss = prev
            d_rss = f"{(rss - prss) / (n - pn):.1f} KiB"
            if ir and pir:
                d_ir = f"{(int(ir) - int(pir)) / (n - pn) / 1e3:.0f} k"
        prev = (n, ir, rss)
        print(f"| {n} | {ms(r['median'])} | {ms(r['user'] + r['system'])} | "
              f"{rss/1024:.1f} MiB | {d_rss} | {irs} | {d_ir} |")
EOF
