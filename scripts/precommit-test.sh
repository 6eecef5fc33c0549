#!/usr/bin/env bash
# Drives the REAL pre-commit framework with the hooks of .pre-commit-hooks.yaml
# on a scratch git repository, and asserts what a user sees:
#   1. a commit of a good cluster.kdl with its generated/ goes through;
#   2. a commit of a broken cluster.kdl is blocked by topogen-validate, and the
#      output shows the diagnostic code;
#   3. a hand edit of a generated file is blocked by topogen-check (with a diff);
#   4. a cluster.kdl change committed without `topogen build` is blocked; after
#      `topogen build` it goes through;
#   5. a commit that touches neither cluster.kdl, templates/ nor generated/
#      does not run the hooks (the `files:` patterns).
#
#   scripts/precommit-test.sh [--as-remote] [--keep]
#
# Default mode: the hooks are copied from .pre-commit-hooks.yaml (id, name,
# files, pass_filenames, the entry's arguments) into a `repo: local` config
# with `language: system` and the built binary by absolute path as the entry,
# so no cargo build happens inside pre-commit.
# --as-remote: additionally use this repository exactly as a user does
# (`language: rust`: pre-commit clones it and builds topogen with cargo):
#   - `pre-commit try-repo <this repository> --ref HEAD`: the hooks of this
#     commit pass a good tree and block a broken cluster.kdl;
#   - `repo: <this repository>` with the README's `rev:` in an installed
#     .pre-commit-config.yaml: the revision the README tells users to pin
#     exists, offers the hooks, builds, and runs every scenario above.
# Needs the manifest committed; slow (two release builds unless
# CARGO_TARGET_DIR is shared).
#
#   TOPOGEN_BIN       the binary (default: target/release/topogen, built if missing)
#   CONFORMANCE_HOME  where ../shared/conformance/install.sh put pre-commit
# Last line: "precommit: N passed, M failed"; exit 1 on any failure, 2 when
# pre-commit is not installed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
as_remote=0 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --as-remote) as_remote=1; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "precommit-test: unknown argument $1" >&2; exit 2 ;;
  esac
done

CONFORMANCE_HOME="${CONFORMANCE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/topogen-conformance}"
PRECOMMIT="$CONFORMANCE_HOME/venv/bin/pre-commit"
PY="$CONFORMANCE_HOME/venv/bin/python"
if [ ! -x "$PRECOMMIT" ]; then
  cat >&2 <<EOF
precommit-test: NOT RUN: pre-commit is not installed in $CONFORMANCE_HOME.
  Install it with: bash <shared>/conformance/install.sh   (pre-commit 4.7.0 from PyPI)
  or: python3 -m venv $CONFORMANCE_HOME/venv && $CONFORMANCE_HOME/venv/bin/pip install pre-commit pyyaml
EOF
  exit 2
fi

if [ -n "${TOPOGEN_BIN:-}" ]; then
  BIN="$TOPOGEN_BIN"
else
  BIN="$REPO/target/release/topogen"
  [ -x "$BIN" ] || (cd "$REPO" && cargo build --release --locked --quiet)
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/topogen-precommit.XXXXXX")"
if [ "$keep" = 1 ]; then echo "precommit-test: keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
# topogen's build records go to the scratch directory, not the user's cache
export TOPOGEN_CACHE_DIR="$WORK/records"

# Isolated from the caller's git configuration (hooksPath, signing) and from
# the user's pre-commit cache, as ../shared/conformance/precommit-smoke.sh does.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=precommit-test GIT_AUTHOR_EMAIL=precommit-test@example.invalid
export GIT_COMMITTER_NAME=precommit-test GIT_COMMITTER_EMAIL=precommit-test@example.invalid
export PRE_COMMIT_HOME="$CONFORMANCE_HOME/pre-commit-home"
export NO_COLOR=1 PRE_COMMIT_COLOR=never
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "PASS $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
section() { printf '\n=== %s\n' "$*"; }

# commit MESSAGE: stage everything, attempt a real `git commit` (hooks run),
# leave the output in $WORK/last.log and return git's exit code.
commit() {
  git add -A
  local rc=0
  git commit -m "$1" > "$WORK/last.log" 2>&1 || rc=$?
  sed 's/^/    | /' "$WORK/last.log"
  return $rc
}
expect_commit() {
  if commit "$2"; then ok "$1"; else bad "$1 (the commit was blocked)"; fi
}
expect_blocked() {
  if commit "$2"; then bad "$1 (the commit went through)"; else ok "$1"; fi
}
expect_output() {
  if grep -qE -- "$2" "$WORK/last.log"; then ok "$1"; else bad "$1 (no line matches /$2/)"; fi
}

# ------------------------------------------------------------ the manifest
section "the hooks of .pre-commit-hooks.yaml"
"$PY" - "$REPO/.pre-commit-hooks.yaml" "$BIN" "$WORK/local-config.yaml" <<'PY'
import shlex, sys, yaml
manifest, binary, out = sys.argv[1:]
hooks = yaml.safe_load(open(manifest))
ids = [h["id"] for h in hooks]
assert ids == ["topogen-validate", "topogen-check"], ids
local = []
for h in hooks:
    assert h["pass_filenames"] is False, h["id"]
    assert h["language"] in ("rust", "system"), h["language"]
    argv = shlex.split(h["entry"])
    assert argv[0] == "topogen", h["entry"]
    entry = " ".join([shlex.quote(binary)] + argv[1:])
    local.append({k: v for k, v in h.items() if k not in ("language", "entry", "minimum_pre_commit_version")}
                 | {"entry": entry, "language": "system"})
    print(f"  {h['id']}: entry `{h['entry']}`, files /{h['files']}/ -> local entry `{entry}`")
yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}, open(out, "w"), sort_keys=False)
PY
ok "manifest declares topogen-validate and topogen-check with pass_filenames: false"

# ------------------------------------------------------------ scratch repo
new_repo() {
  local dir="$1" config="$2"
  mkdir -p "$dir"
  cd "$dir"
  git init -q -b main .
  cp "$REPO/cluster.kdl" cluster.kdl
  echo "# infra" > README.md
  cp "$config" .pre-commit-config.yaml
  "$PRECOMMIT" install > /dev/null
}

run_scenarios() {
  local label="$1"
  section "[$label] 1. a good cluster.kdl and its generated/ are committed"
  expect_commit "[$label] good commit goes through" "initial topology"
  expect_output "[$label] topogen-validate ran and passed" 'topogen validate.*Passed'
  expect_output "[$label] topogen-check ran and passed" 'topogen check.*Passed'

  section "[$label] 2. a broken cluster.kdl is blocked by topogen-validate"
  cp cluster.kdl "$WORK/good.kdl"
  sed -i '0,/count=3/s//cuont=3/' cluster.kdl
  local codes code
  # The codes topogen itself reports for this file (json format); the hook's
  # human output must show each of them.
  codes="$("$BIN" validate --format json 2>/dev/null | "$PY" -c 'import json,sys; print(" ".join(sorted({d["code"] for d in json.load(sys.stdin)["diagnostics"] if d["severity"] == "error"})))' || true)"
  expect_blocked "[$label] broken commit is blocked" "typo in cluster.kdl"
  expect_output "[$label] topogen-validate failed" 'topogen validate.*Failed'
  for code in topogen::schema::unknown-property $codes; do
    expect_output "[$label] the output shows the diagnostic code $code" "$code"
  done
  expect_output "[$label] the typo gets a suggestion" 'did you mean `count`'
  expect_output "[$label] the output points into cluster.kdl" 'cluster\.kdl:[0-9]+:[0-9]+'
  expect_output "[$label] the output says how to fix it (help line)" 'help:'
  if [ "$(grep -c 'topogen::schema::unknown-property' "$WORK/last.log")" = 1 ]; then
    ok "[$label] the diagnostic is printed once, not by both hooks"
  else
    bad "[$label] the diagnostic is printed once, not by both hooks"
  fi
  cp "$WORK/good.kdl" cluster.kdl

  section "[$label] 3. a hand edit of a generated file is blocked by topogen-check"
  local gen
  gen="$(cd generated && find . -name '*.tfvars' -type f | sort | sed -n 1p)"
  gen="generated/${gen#./}"
  sed -i '0,/= "nbg1"/s//= "fsn1"/' "$gen"
  expect_blocked "[$label] hand edit of $gen is blocked" "hand edit"
  expect_output "[$label] topogen-validate still passes" 'topogen validate.*Passed'
  expect_output "[$label] topogen-check failed" 'topogen check.*Failed'
  expect_output "[$label] the drift is reported with a diff" "drifted: .*${gen#generated/}"
  expect_output "[$label] the fix is named" 'topogen build'
  git checkout -q -- "$gen"

  section "[$label] 4. cluster.kdl changed without topogen build, then rebuilt"
  sed -i '0,/pool worker role=agent server-type=cx23 count=1/s//pool worker role=agent server-type=cx23 count=2/' cluster.kdl
  if cmp -s cluster.kdl "$WORK/good.kdl"; then bad "[$label] could not edit the worker count"; fi
  expect_blocked "[$label] a cluster.kdl change without build is blocked" "two workers, not built"
  expect_output "[$label] topogen-check failed" 'topogen check.*Failed'
  "$BIN" build --color never > /dev/null
  expect_commit "[$label] after topogen build the commit goes through" "two workers"

  section "[$label] 5. an unrelated change does not run the hooks"
  echo "more" >> README.md
  expect_commit "[$label] README-only commit goes through" "docs"
  expect_output "[$label] the hooks were skipped (files: filter)" 'topogen validate.*Skipped'
  cd "$WORK"
}

new_repo "$WORK/local" "$WORK/local-config.yaml"
"$BIN" build --color never > /dev/null
run_scenarios local

# try_repo: `pre-commit try-repo` with the hooks of HEAD (built by
# pre-commit, language: rust) on a good tree, then on a broken cluster.kdl.
try_repo() {
  local head
  head="$(git -C "$REPO" rev-parse HEAD)"
  section "try-repo: the hooks of HEAD ($head) as pre-commit builds them"
  mkdir -p "$WORK/try"
  cd "$WORK/try"
  git init -q -b main .
  cp "$REPO/cluster.kdl" cluster.kdl
  "$BIN" build --color never > /dev/null
  git add -A
  local rc=0
  "$PRECOMMIT" try-repo "$REPO" --ref "$head" --all-files > "$WORK/last.log" 2>&1 || rc=$?
  sed 's/^/    | /' "$WORK/last.log"
  if [ $rc = 0 ]; then ok "try-repo: both hooks pass a good tree"; else bad "try-repo: a good tree failed (exit $rc)"; fi
  expect_output "try-repo: topogen-validate ran" 'topogen validate.*Passed'
  expect_output "try-repo: topogen-check ran" 'topogen check.*Passed'
  sed -i '0,/count=3/s//cuont=3/' cluster.kdl
  git add -A
  rc=0
  "$PRECOMMIT" try-repo "$REPO" topogen-validate --ref "$head" --all-files > "$WORK/last.log" 2>&1 || rc=$?
  sed 's/^/    | /' "$WORK/last.log"
  if [ $rc != 0 ]; then ok "try-repo: a broken cluster.kdl fails"; else bad "try-repo: a broken cluster.kdl passed"; fi
  expect_output "try-repo: the diagnostic is shown" 'topogen::schema::unknown-property'
  cd "$WORK"
}

if [ "$as_remote" = 1 ]; then
  try_repo
  # the revision a user copies from the README's pre-commit snippet
  rev="$(sed -n 's/^    rev: \([0-9a-f]\{40\}\)\( .*\)\{0,1\}$/\1/p' "$REPO/README.md" | sed -n 1p)"
  section "as a user: repo: $REPO, rev: ${rev:-?} (the README's), language: rust (pre-commit builds topogen)"
  if [ -z "$rev" ]; then
    bad "remote: the README's pre-commit snippet has no 40-hex \`rev:\`"
  elif ! git -C "$REPO" cat-file -e "$rev^{commit}" 2>/dev/null; then
    bad "remote: the README's rev $rev is not a commit of this repository"
  elif ! git -C "$REPO" cat-file -e "$rev:.pre-commit-hooks.yaml" 2>/dev/null; then
    bad "remote: .pre-commit-hooks.yaml is not committed at $rev"
  else
    cat > "$WORK/remote-config.yaml" <<EOF
repos:
  - repo: $REPO
    rev: $rev
    hooks:
      - id: topogen-validate
      - id: topogen-check
EOF
    new_repo "$WORK/remote" "$WORK/remote-config.yaml"
    t0=$(date +%s)
    if "$PRECOMMIT" install-hooks > "$WORK/install-hooks.log" 2>&1; then
      ok "remote: pre-commit built the hooks (language: rust) in $(( $(date +%s) - t0 ))s"
      # From here on, build with the binary pre-commit built (HEAD's), so
      # that the scratch repository's generated/ matches what the hook checks.
      hook_bin="$("$PY" - "$PRE_COMMIT_HOME/db.db" "$REPO" "$rev" <<'PY'
import os, sqlite3, sys
db, repo, rev = sys.argv[1:]
(path,) = sqlite3.connect(db).execute("SELECT path FROM repos WHERE repo = ? AND ref = ?", (repo, rev)).fetchone()
for d, _, fs in os.walk(path):
    if os.path.basename(d) == "bin" and "topogen" in fs:
        print(os.path.join(d, "topogen"))
        break
PY
)"
      if [ -x "$hook_bin" ]; then
        echo "  the hook's binary: $hook_bin"
        BIN="$hook_bin"
      else
        bad "remote: cannot find the topogen that pre-commit built"
      fi
      "$BIN" build --color never > /dev/null
      run_scenarios remote
    else
      bad "remote: pre-commit install-hooks failed"
      tail -30 "$WORK/install-hooks.log" | sed 's/^/    | /'
    fi
  fi
fi

section "summary"
echo "precommit: $passed passed, $failed failed"
[ "$failed" = 0 ]
