#!/usr/bin/env bash
# The release setup, checked offline: tagged releases are built by
# .github/workflows/release.yml, which `dist` (cargo-dist) generated from
# dist-workspace.toml and the [package.metadata.dist] of Cargo.toml.
#   1. `dist generate --check`: release.yml is exactly what the configuration
#      generates (nobody edited one without the other);
#   2. `dist plan`: what a tag would release — the archive of every target,
#      each with its .sha256, the shell installer and sha256.sum — asserted.
# Both run without a network (in a new network namespace where `unshare -n`
# works, as root in CI).
#
#   scripts/dist-check.sh
#
# dist comes from PyPI (astral-dev-toolchain-cargo-dist: Astral's build of
# cargo-dist's release tag) at the version dist-workspace.toml names, in a
# venv under ${XDG_CACHE_HOME:-~/.cache}/topogen-dist. Last line:
# "dist-check: N passed, M failed".
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

version="$(sed -n 's/^cargo-dist-version = "\(.*\)"$/\1/p' dist-workspace.toml)"
[ -n "$version" ] || { echo "dist-check: no cargo-dist-version in dist-workspace.toml" >&2; exit 2; }
home="${XDG_CACHE_HOME:-$HOME/.cache}/topogen-dist"
dist="$home/venv/bin/dist"
if ! "$dist" --version 2>/dev/null | grep -qx "cargo-dist $version"; then
  rm -rf "$home/venv"
  python3 -m venv "$home/venv"
  "$home/venv/bin/pip" install --quiet --disable-pip-version-check "astral-dev-toolchain-cargo-dist==$version"
fi
"$dist" --version

# dist runs `cargo metadata`, which needs every crate of Cargo.lock (every
# target platform's too) in cargo's cache: fetch them while the registry is
# reachable, so the offline steps below find them on a fresh machine.
cargo fetch --locked --quiet

offline=()
if unshare -n true 2>/dev/null; then
  offline=(unshare -n)
  echo "offline: a new network namespace (unshare -n)"
else
  export CARGO_NET_OFFLINE=true
  echo "offline: CARGO_NET_OFFLINE=true (unshare -n is not permitted here)"
fi

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "PASS $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

if "${offline[@]}" "$dist" generate --check; then
  ok "release.yml is what dist-workspace.toml generates"
else
  bad "release.yml differs from what dist generates: run \`dist generate\` and commit both"
fi

plan="$(mktemp)"
trap 'rm -f "$plan"' EXIT
if "${offline[@]}" "$dist" plan --output-format=json --no-local-paths > "$plan"; then
  ok "dist plan"
  if python3 - "$plan" dist-workspace.toml <<'PY'
import json, re, sys
plan = json.load(open(sys.argv[1]))
config = open(sys.argv[2]).read()
targets = json.loads(re.search(r"^targets = (\[.*\])$", config, re.M).group(1))
artifacts = plan["artifacts"]
names = set(artifacts)
problems = []
for t in targets:
    archive = f"topogen-{t}.tar.xz"
    if archive not in names:
        problems.append(f"no archive for {t}")
        continue
    a = artifacts[archive]
    if a.get("checksum") != f"{archive}.sha256" or f"{archive}.sha256" not in names:
        problems.append(f"{archive} has no .sha256")
    if not any(asset.get("name") == "topogen" and asset.get("kind") == "executable" for asset in a.get("assets", [])):
        problems.append(f"{archive} does not hold the topogen binary")
for name in ("topogen-installer.sh", "sha256.sum"):
    if name not in names:
        problems.append(f"no {name}")
release = plan["releases"][0]
if release["app_name"] != "topogen":
    problems.append(f"the release is of {release['app_name']}")
for p in problems:
    print("  " + p)
print(f"  releases topogen {release['app_version']}: " + ", ".join(sorted(names)))
sys.exit(1 if problems else 0)
PY
  then
    ok "the plan releases every target's archive with its .sha256, the installer and sha256.sum"
  else
    bad "the plan lacks an artifact (above)"
  fi
else
  bad "dist plan failed"
fi

echo "dist-check: $passed passed, $failed failed"
[ "$failed" = 0 ]
