#!/usr/bin/env bash
# Admission webhook under load (issue 18), over TLS on loopback: a server with the shared data's
# planted and bookworm-minbase images indexed (Jinja2 advisories), `--policy no-kev` plus a Rego
# file, and a Pod AdmissionReview with 3 containers pinned by digest (the warm path: no registry
# call). hey sends it at 100 and 500 concurrent connections; server-side p50/p99 come from the
# recorded decisions' latencyMs (GET /api/v1/admissions), end to end from hey, RSS from
# /proc/PID/status (VmHWM). Cold: reviews of a tag on a registry that accepts connections and
# never answers, and on one that refuses them — each must be answered before the deadline
# (timeoutSeconds 2 → 1.5 s), with 0 errors.
#
# usage: bench/admission.sh [TAILGUARD_BINARY]   (default .build/release/tailguard)
# env: TAILGUARD_SHARED_DATA (default ../shared/data), N (requests per run, default 20000),
#      WORK (default: a temporary directory, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/release/tailguard}")
data=$(realpath "${TAILGUARD_SHARED_DATA:-../shared/data}")
n=${N:-20000}
command -v hey >/dev/null || { echo "admission.sh: hey is not installed (apt-get install hey)" >&2; exit 2; }
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tailguard-admission-bench.XXXXXX")}
mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$work/cache XDG_DATA_HOME=$work/data
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# TLS: a CA and a server certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=bench-ca -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$work/san.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/san.ext" -out "$work/tls.crt" 2>/dev/null

"$bin" db import -q --db "$work/adv.db" "$data/advisories/pypa-osv-json/jinja2"
token=$("$bin" serve token create -q --role admin --database "$work/server.db" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
cat >"$work/policy.rego" <<'REGO'
package bench.admission

import rego.v1

deny contains msg if {
  some f in input.findings
  f.severity == "critical"
  f.kev != null
  msg := sprintf("%s is critical and known exploited", [f.id])
}
REGO
cat >"$work/tailguard.yaml" <<YAML
admission:
  mode: enforce
  unknownImage: deny
  timeoutSeconds: 2
  tagCacheTTL: 30s
registries:
  - host: 127.0.0.1:1
    insecure: true
  - host: 127.0.0.1:$((20000 + RANDOM % 20000))
    insecure: true
YAML
silent_port=$(sed -n 's/.*127.0.0.1:\([0-9]*\)$/\1/p' "$work/tailguard.yaml" | tail -1)
# A "registry" that accepts connections and never answers.
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $silent_port)); s.listen(1024)
held = []
while True:
    c, _ = s.accept(); held.append(c)
" &
pids+=($!)

port=$((40000 + RANDOM % 20000))
/usr/bin/time -v "$bin" serve --listen "127.0.0.1:$port" --database "$work/server.db" \
  --db "$work/adv.db" --config "$work/tailguard.yaml" --allow-local-targets \
  --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" \
  --policy no-kev --policy "$work/policy.rego" >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
url="https://127.0.0.1:$port"
c() { curl -s --cacert "$work/ca.pem" -H "Authorization: Bearer $token" "$@"; }
for _ in $(seq 1 600); do c -f "$url/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
server_pid=$(pgrep -n -f "serve --listen 127.0.0.1:$port" || true)

submit() {
  c -X POST -H 'Content-Type: application/json' -d "{\"reference\": \"oci:$data/images/built/oci-layout:$1\"}" \
    "$url/api/v1/images" | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])'
}
planted=$(submit planted)
base=$(submit bookworm-minbase)
for d in "$planted" "$base"; do
  for _ in $(seq 1 1200); do
    [ "$(c "$url/api/v1/images/$d" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = indexed ] && break
    sleep 0.5
  done
done
log "indexed planted $planted, bookworm-minbase $base"

review() { # review FILE NAMESPACE IMAGE…
  local file=$1 ns=$2; shift 2
  python3 - "$file" "$ns" "$@" <<'PY'
import json, sys, uuid
file, ns, images = sys.argv[1], sys.argv[2], sys.argv[3:]
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": ns},
       "spec": {"containers": [{"name": f"c{i}", "image": im} for i, im in enumerate(images)]}}
gvk = {"group": "", "version": "v1", "kind": "Pod"}
json.dump({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": str(uuid.uuid4()), "kind": gvk, "resource": {"group": "", "version": "v1", "resource": "pods"},
    "namespace": ns, "operation": "CREATE", "userInfo": {"username": "bench"},
    "object": pod, "oldObject": None, "dryRun": False}}, open(file, "w"))
PY
}
review "$work/warm.json" shop "registry.bench/app@$planted" "registry.bench/base@$base" \
  "registry.bench/sidecar@$base"
c -X POST -H 'Content-Type: application/json' --data-binary @"$work/warm.json" \
  "$url/admission/validate" >"$work/warm-answer.json"
log "warm answer: $(head -c 300 "$work/warm-answer.json")"

server_side() { # percentiles of the recorded latencies after id $1
  c "$url/api/v1/admissions?limit=1" >/dev/null
  python3 - "$url" "$token" "$work/ca.pem" "$1" <<'PY'
import json, ssl, sys, urllib.request
url, token, ca, after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
lat, cursor = [], str(after)
while cursor is not None:
    req = urllib.request.Request(f"{url}/api/v1/admissions?limit=500&cursor={cursor}",
                                 headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req, context=ctx))
    lat += [r["latencyMs"] for r in page["items"]]
    cursor = page.get("next")
lat.sort()
if not lat:
    print("server-side: no records"); sys.exit()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"server-side: {len(lat)} decisions, p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {lat[-1]:.2f} ms")
PY
}
last_id() {
  python3 - "$url" "$token" "$work/ca.pem" <<'PY'
import json, ssl, sys, urllib.request
url, token, ca = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=ca)
last, cursor = 0, "0"
while cursor is not None:
    req = urllib.request.Request(f"{url}/api/v1/admissions?limit=500&cursor={cursor}",
                                 headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req, context=ctx))
    if page["items"]: last = page["items"][-1]["id"]
    cursor = page.get("next")
print(last)
PY
}

for conc in 100 500; do
  before=$(last_id)
  log "warm: $n requests, $conc concurrent (load $(cut -d' ' -f1-3 /proc/loadavg))"
  hey -n "$n" -c "$conc" -m POST -T application/json -D "$work/warm.json" \
    "$url/admission/validate" >"$work/hey-$conc.txt"
  grep -E 'Requests/sec|Slowest|Average|50% in|99% in|\[200\]|Error' "$work/hey-$conc.txt" \
    | sed "s/^/warm c=$conc: /"
  sleep 2
  server_side "$before" | sed "s/^/warm c=$conc: /"
done

# Cold: a silent registry and a refusing one; every answer before the 1.5 s deadline.
review "$work/cold-silent.json" shop "127.0.0.1:$silent_port/app:1"
review "$work/cold-down.json" shop "127.0.0.1:1/app:1"
for kind in silent down; do
  hey -n 200 -c 20 -t 10 -m POST -T application/json -D "$work/cold-$kind.json" \
    "$url/admission/validate" >"$work/hey-cold-$kind.txt"
  grep -E 'Slowest|99% in|\[200\]|Error' "$work/hey-cold-$kind.txt" | sed "s/^/cold $kind: /"
done
c "$url/metrics" | grep -E '^tailguard_admission_timeouts_total' | sed 's/^/cold: /'
[ -n "$server_pid" ] && grep -E 'VmHWM|VmRSS' "/proc/$server_pid/status" | sed 's/^/server: /'
