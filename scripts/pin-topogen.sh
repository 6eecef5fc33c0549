#!/usr/bin/env bash
# Moves the pinned topogen commit everywhere it is written, so they stay one:
# `topogen rev=` in cluster.kdl and examples/*/cluster.kdl, the README's
# `cargo install … --rev` and pre-commit `rev:` (tests/install.rs checks they
# agree and name a commit of this history). Then rebuilds generated/ and the
# drift-check workflow's snapshot, which carry the pin.
#
#   scripts/pin-topogen.sh [REV]     (default: HEAD; must be committed)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
rev="$(git rev-parse --verify --quiet "${1:-HEAD}^{commit}")" || {
  echo "pin-topogen: ${1:-HEAD} is not a commit of this repository" >&2
  exit 2
}
git cat-file -e "$rev:.pre-commit-hooks.yaml" 2>/dev/null || {
  echo "pin-topogen: $rev has no .pre-commit-hooks.yaml" >&2
  exit 2
}
sed -i -E "s/^(    topogen( git=\"[^\"]*\")? rev=\")[0-9a-f]{40}\"/\1$rev\"/" cluster.kdl examples/*/cluster.kdl
sed -i -E "s/(--rev )[0-9a-f]{40}/\1$rev/; s/^(    rev: )[0-9a-f]{40}/\1$rev/" README.md
cargo run --quiet -- build
INSTA_UPDATE=always cargo test --quiet --test emit_workflows snapshots_of_the_repository_cluster
echo "pinned $rev; review and commit: git diff --stat"
