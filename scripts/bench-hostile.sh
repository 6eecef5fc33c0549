#!/usr/bin/env bash
# The worst inputs topogen must survive (issue 11, "unbounded work"), measured:
# wall time and peak RSS (/usr/bin/time) of `validate` and `check --no-cache`
# with the release binary, one run each. Prints the Markdown table of
# BENCHMARKS.md, "Hostile inputs". A measurement, never a test: nothing here
# fails on a slow machine (a run that exits with 101 or a signal does fail).
#
#   scripts/bench-hostile.sh              # every input
#   BENCH_KEEP=1 scripts/bench-hostile.sh # keep the generated inputs
#
# The inputs: the ones the issue names (a 30,000-node base in 200
# environments, 30,000 trivial base nodes in 200 environments, 16 pools of
# count=65536 in a /8, 300,000 trivial nodes valid and invalid, an overlay
# template with nested loops), and for each limit of src/source.rs the
# costliest input just inside it (the most words through the slow `kdl`
# parser, the most environments × words, the most nodes, the largest file
# of comment or string), plus the same just outside it.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
[ -x /usr/bin/time ] || { echo "bench-hostile: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-hostile: needs python3" >&2; exit 2; }

echo "bench-hostile: building (release)" >&2
cargo build --release --quiet --bin topogen
TOPOGEN=$ROOT/target/release/topogen

W=$(mktemp -d "${TMPDIR:-/tmp}/topogen-hostile.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
export TOPOGEN_CACHE_DIR=

# one directory per input: $W/<name>/cluster.kdl (+ templates/ for overlays)
python3 - "$W" "$ROOT/cluster.kdl" <<'EOF'
import os, sys

w, repo_path = sys.argv[1], sys.argv[2]
repo = open(repo_path).read()
# the repository's cluster without its environments: a valid base
base = repo[: repo.index("\n    // Environments overlay")] + "\n"
KIB = 1024

def put(name, text, templates=None):
    d = os.path.join(w, name)
    os.makedirs(d)
    with open(os.path.join(d, "cluster.kdl"), "w") as f:
        f.write(text)
    for rel, body in (templates or {}).items():
        p = os.path.join(d, "templates", rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(body)

def envs(n, body=""):
    return "".join(f"    environment e{i}{body}\n" for i in range(n))

def wide(b):
    # a /8 with room for any count
    return (b.replace('network "10.0.0.0/16" subnet="10.0.1.0/24"',
                      'network "10.0.0.0/8" subnet="10.0.0.0/8"')
             .replace("range workers from=30 to=49", "range workers from=1000 to=999999"))

def workers(b, count):
    return b.replace("pool worker role=agent server-type=cx23 count=1 range=workers",
                     f"pool worker role=agent server-type=cx23 count={count} range=workers")

# --- the issue's inputs
put("issue-30000-nodes-x-200-envs", workers(wide(base), 30000) + envs(200) + "}\n")
put("issue-30000-base-nodes-x-200-envs", "cluster x {\n" + "a\n" * 30000 + envs(200) + "}\n")
plan = "".join(f"        range big{k} from={1000000 + k * 65536} to={1000000 + (k + 1) * 65536 - 1}\n"
               for k in range(16))
pools = "".join(f"    pool big{k} role=agent server-type=cx23 count=65536 range=big{k}\n" for k in range(16))
b16 = wide(base).replace("    ip-plan {\n", "    ip-plan {\n" + plan).replace(
    "    // Strimzi-managed", pools + "    // Strimzi-managed")
put("issue-16-pools-x-65536", b16 + envs(1) + "}\n")
put("issue-300000-nodes", "a; " * 300000)
put("issue-300000-nodes-invalid", "a; " * 300000 + "}")
loops = "{{% for a in range(100000) %}}{{% for b in range(100000) %}}x{{% endfor %}}{{% endfor %}}\n"
put("issue-overlay-nested-loops", repo, {"docs/TOPOLOGY.md.j2": loops})

# --- just inside each limit (src/source.rs), the costliest shape found
# 5,000 words through the `kdl` crate (the leading slashdash leaves the
# fast parser's subset): slashdashed nodes cost it the most per word
put("limit-words-slow-path", "/-a\n" + "/-a; " * 4999)
# 5,000 unknown nodes: one finding each
put("limit-words-findings", "a; " * 5000)
# 64 environments × a base of 390 words = 24,960, every base node unknown
put("limit-env-words-findings", "cluster x {\n" + "a\n" * 390 + envs(64) + "}\n")
# 64 valid environments, the base grown to 390 words with scheduling
# profiles (two files per profile and environment): 64 × 386 words
profiles = "".join(f"        profile p{i} {{\n            prefer role=worker weight=100\n            avoid role=control-plane\n        }}\n"
                   for i in range(26))
bp = base.replace("    scheduling {\n", "    scheduling {\n" + profiles)
put("limit-env-words-valid", bp + envs(64) + "}\n")
# 10,000 nodes: two environments of 5,000
put("limit-nodes-valid", workers(wide(base), 4995) + envs(2) + "}\n")
# 256 KiB, through the `kdl` crate: one comment, one string
put("limit-bytes-comment", "/-a\n// " + "x" * (256 * KIB - 10) + "\n")
put("limit-bytes-string", '/-a\nx "' + "x" * (256 * KIB - 12) + '"\n')

# --- just outside
put("over-words", "a; " * 5001)
put("over-environments", base + envs(65) + "}\n")
put("over-env-words", "cluster x {\n" + "a\n" * 391 + envs(64) + "}\n")
put("over-nodes", workers(wide(base), 10001) + envs(1) + "}\n")
put("over-bytes-50-mb", repo + "// padding padding padding padding padding padding\n" * 1000000)
EOF

row() {
    local name=$1 cmd=$2 dir=$W/$1 args=() err t user sys rss rc code
    case $cmd in
        validate) args=(validate) ;;
        check) args=(check --no-cache) ;;
    esac
    [ "$cmd" = check ] && [ -d "$dir/templates" ] && args+=(--templates templates/)
    err=$dir/$cmd.err
    # /usr/bin/time writes to the command's stderr: its last line is ours
    (cd "$dir" && /usr/bin/time -f '%e %U %S %M' "$TOPOGEN" "${args[@]}" --color never \
        >/dev/null 2>"$err") || true
    read -r t user sys rss < <(tail -n 1 "$err")
    rc=$(sed -n 's/^Command exited with non-zero status \([0-9]*\)$/\1/p' "$err" | tail -n 1)
    rc=${rc:-0}
    ! grep -q '^Command terminated by signal' "$err" || rc=signal
    # the limits error if there is one, else the most frequent code
    code=$(grep -o 'topogen::[a-z:_-]*' "$err" | sort | uniq -c | sort -rn | awk '{print $2}' || true)
    if grep -qx 'topogen::syntax::limits' <<<"$code"; then code=topogen::syntax::limits; fi
    code=${code%%$'\n'*}
    # shellcheck disable=SC2016 # the backticks are Markdown
    printf '| %s | %s KiB | `%s` | %s | %s | %s s | %s s | %s MiB |\n' "$name" \
        "$(du -k "$dir/cluster.kdl" | cut -f1)" "${args[*]}" "$rc" "${code:-–}" "$t" \
        "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" \
        "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
    case $rc in 0 | 1 | 2) ;; *) echo "bench-hostile: $name: $cmd exited $rc" >&2; return 1 ;; esac
}

echo "| input | size | command | exit | code | wall | CPU (user+sys) | peak RSS |"
echo "|---|---:|---|---:|---|---:|---:|---:|"
for d in "$W"/*/; do
    name=$(basename "$d")
    row "$name" validate
    row "$name" check
done
