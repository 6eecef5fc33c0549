# Sourced by scripts/standin-common.sh and scripts/rehearse.sh: the hcloud provider
# stand-in (tests/hcloud-standin/) builds tf-provider, whose build script runs
# tonic-build, which needs `protoc` and protobuf's well-known types
# (google/protobuf/empty.proto). Debian ships the compiler in protobuf-compiler and
# the well-known types in libprotobuf-dev (only recommended by the compiler).
# shellcheck shell=bash

# need_protoc: installs both (apt-get, as root) unless `protoc` compiles a file that
# imports a well-known type; refreshes the package lists only when nobody did this hour.
need_protoc() {
  local probe
  probe="$(mktemp -d)"
  printf 'syntax = "proto3";\nimport "google/protobuf/empty.proto";\n' > "$probe/probe.proto"
  if command -v protoc >/dev/null 2>&1 &&
    protoc -I "$probe" --descriptor_set_out=/dev/null "$probe/probe.proto" 2>/dev/null; then
    rm -rf "$probe"
    return 0
  fi
  rm -rf "$probe"
  if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | grep -c . >/dev/null; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    protobuf-compiler libprotobuf-dev > /dev/null
}
