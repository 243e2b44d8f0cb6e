#!/usr/bin/env bash
# Benchmark: tailguard's native Rego engine vs regorus (PyPI gordon-to-regorus, driven by
# shared/data/policy/oracle/run_rego_tests.py) on the same policies and inputs, end to end
# (process start, parse, compile, evaluate).
#   1. `policy test` over trivy-checks lib/docker + checks/docker (175 tests)
#   2. `policy test --v0-compatible` over the 8 Gatekeeper library policies (src.rego + src_test.rego)
#   3. the trivy Dockerfile checks evaluated over a directory of Dockerfiles (the checks' own
#      good/bad examples), one process per Dockerfile for both engines
# Usage: bench/policy.sh [path/to/tailguard]   (default: .build/release/tailguard)
# Env: SHARED (default ../shared/data), RUNS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
TG=${1:-${TAILGUARD:-.build/release/tailguard}}
SHARED=${SHARED:-../shared/data}
P=$SHARED/policy
RUNS=${RUNS:-10}
RUNNER="python3 $P/oracle/run_rego_tests.py"
command -v hyperfine >/dev/null || { echo "hyperfine not installed" >&2; exit 2; }
[ -x "$TG" ] || { echo "no tailguard binary at $TG (swift build -c release)" >&2; exit 2; }

echo "== 1. trivy-checks docker: policy test (175 tests)"
echo "tailguard: $($TG policy test --trivy $P/trivy-checks/lib/docker $P/trivy-checks/checks/docker | tail -1)"
echo "regorus:   $($RUNNER --trivy $P/trivy-checks/lib/docker/*.rego $P/trivy-checks/checks/docker/*.rego | tail -1)"
hyperfine -N --warmup 2 --runs "$RUNS" -i \
  -n tailguard "$TG policy test --trivy $P/trivy-checks/lib/docker $P/trivy-checks/checks/docker" \
  -n regorus "$RUNNER --trivy $(echo $P/trivy-checks/lib/docker/*.rego $P/trivy-checks/checks/docker/*.rego)"

echo "== 2. gatekeeper library (v0): policy test over 8 policies"
GK_TG=""
GK_RE=""
for d in $P/gatekeeper-library/src/*/*/; do
  GK_TG="$GK_TG $TG policy test --v0-compatible $d >/dev/null || true;"
  GK_RE="$GK_RE $RUNNER --v0 $d*.rego >/dev/null || true;"
done
hyperfine --warmup 1 --runs "$RUNS" -n tailguard "$GK_TG" -n regorus "$GK_RE"

echo "== 3. trivy Dockerfile checks over a directory of Dockerfiles"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$P/trivy-checks/checks/docker" "$WORK" <<'PY'
import sys, yaml, glob, os
src, out = sys.argv[1], sys.argv[2]
n = 0
for f in sorted(glob.glob(src + "/*.yaml")):
    doc = yaml.safe_load(open(f)).get("dockerfile") or {}
    for kind in ("good", "bad"):
        for text in doc.get(kind) or []:
            n += 1
            open(os.path.join(out, "Dockerfile.%03d" % n), "w").write(text + "\n")
print(n, "Dockerfiles")
PY
# the checks without their tests or example YAML, for both engines
mkdir -p "$WORK/policies"
for f in $P/trivy-checks/lib/docker/*.rego $P/trivy-checks/checks/docker/*.rego; do
  case "$f" in *_test.rego) ;; *) cp "$f" "$WORK/policies/" ;; esac
done
QUERY='x := {id: d | some id; d := data.builtin.dockerfile[id].deny}'
# regorus reads Trivy's instruction JSON: produce it with tailguard's parser once (not timed).
for f in "$WORK"/Dockerfile.*; do
  $TG policy eval --input-dockerfile "$f" -o raw 'json.marshal(input)' > "$f.json"
done
cat > "$WORK/regorus_eval.py" <<'PY'
import sys, glob, json, regorus
pol, inp = sys.argv[1], sys.argv[2]
e = regorus.Engine()
def result_new(msg, cause):
    return {"msg": msg}
e.add_extension("result.new", 2, result_new)
for f in sorted(glob.glob(pol + "/*.rego")):
    e.add_policy_from_file(f)
e.set_input_json(open(inp).read())
try: r = e.eval_query(sys.argv[3])
except Exception as ex: r = str(ex)
PY
TG_LOOP=""
RE_LOOP=""
for f in "$WORK"/Dockerfile.???; do
  TG_LOOP="$TG_LOOP $TG policy eval --trivy -d $WORK/policies --input-dockerfile $f '$QUERY' >/dev/null;"
  RE_LOOP="$RE_LOOP python3 $WORK/regorus_eval.py $WORK/policies $f.json '$QUERY' >/dev/null;"
done
hyperfine --warmup 1 --runs "$(( RUNS < 5 ? RUNS : 5 ))" -n tailguard "$TG_LOOP" -n regorus "$RE_LOOP"
