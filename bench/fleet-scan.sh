#!/bin/bash
# bench/fleet-scan.sh — `fleet scan` of a generated fleet against scanning its images one by one.
#
# Usage: bench/fleet-scan.sh [TAILGUARD_BINARY] [IMAGES]   (defaults: .build/release/tailguard, 200)
# Needs: docker-registry, skopeo, python3, /usr/bin/time (Debian packages) and ../shared/data.
# Generates IMAGES images sharing the real Debian base layer of the shared `bookworm-minbase`
# image (bench/fleet-gen.py), pushes them to a docker-registry on a free 127.0.0.1 port behind
# the harness's counting proxy, imports the PyPA advisories of their packages and the KEV
# catalogue, then measures (wall clock and peak RSS by /usr/bin/time -v):
#   sequential: `tailguard scan registry:…` of every image, one after another (one blob cache);
#   first:      `tailguard fleet scan` with empty caches (goal <= 0.6x sequential; each blob
#               fetched once, counted at the proxy);
#   second:     the same again, nothing changed (goal <= 10% of first, no layer fetched or read);
# and peak memory of the fleet scan (goal < 500 MiB for 200 images). Everything runs on loopback
# and in a temp dir removed at exit; the registry and proxy are stopped by PID.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
TG=${1:-$HERE/.build/release/tailguard}
N=${2:-200}
DATA=${TAILGUARD_SHARED_DATA:-$HERE/../shared/data}
[ -x "$TG" ] || { echo "no tailguard binary at $TG (swift build -c release)" >&2; exit 2; }
for t in docker-registry skopeo python3 /usr/bin/time curl; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 2; }; done
W_PREFIX=tg-bench-fleet; source "$HERE/bench/registry-lib.sh"
start_registry 3000
start_proxy 3000
R=$PROXY

echo "== generating $N images sharing the bookworm-minbase layer"
python3 "$HERE/bench/fleet-gen.py" "$DATA/images/built/oci-layout" "$W/layout" "$W/deploy" "$R" "$N"
echo "== pushing them to $R"
for i in $(seq 0 $((N - 1))); do
  skopeo copy -q --dest-tls-verify=false "oci:$W/layout:app$i" "docker://$R/fleet/app$i:v1"
done
"$TG" db import -q --db "$W/adv.db" "$DATA"/advisories/pypa-osv-json/{salt,pyspark,searchor,duckdb,numexpr,requests} "$DATA/kev/known_exploited_vulnerabilities.json"

blobs() { curl -s "http://$R/__stats" | python3 -c "
import json,sys; s=json.load(sys.stdin)['requests']
print(sum(1 for r in s if r['method']=='GET' and '/blobs/' in r['path'] and r['status']==200))"; }
measure() {  # label, command…: prints seconds and peak KiB
  local label=$1; shift
  /usr/bin/time -v -o "$W/time.$label" "$@" >/dev/null 2>"$W/err.$label" || { tail -5 "$W/err.$label" >&2; exit 1; }
  python3 - "$W/time.$label" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
h, mi, s = m.groups()
print(f"{(int(h or 0) * 3600 + int(mi) * 60 + float(s)):.2f}", re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
PY
}

echo "== sequential: tailguard scan of each of the $N images"
curl -s -X POST "http://$R/__reset" >/dev/null
cat > "$W/sequential.sh" <<SEQ
#!/bin/bash
set -e
for i in \$(seq 0 $((N - 1))); do
  XDG_CACHE_HOME=$W/cache-seq "$TG" scan -q --db "$W/adv.db" --insecure-registry "$R" "registry:$R/fleet/app\$i:v1" -o json >/dev/null
done
SEQ
chmod +x "$W/sequential.sh"
read SEQ_T SEQ_KB < <(measure sequential "$W/sequential.sh")
SEQ_BLOBS=$(blobs)

echo "== fleet scan, first run (empty caches)"
curl -s -X POST "http://$R/__reset" >/dev/null
FLEET=(env XDG_CACHE_HOME="$W/cache-fleet" "$TG" fleet scan "$W/deploy" --db "$W/adv.db" --insecure-registry "$R" --sbom-cache "$W/sboms" -o json --output "$W/first.json")
read FIRST_T FIRST_KB < <(measure first "${FLEET[@]}")
FIRST_BLOBS=$(blobs)
UNIQUE_BLOBS=$(ls "$W/layout/blobs/sha256" | wc -l)

echo "== fleet scan, second run (nothing changed)"
curl -s -X POST "http://$R/__reset" >/dev/null
FLEET[${#FLEET[@]}-1]="$W/second.json"
read SECOND_T SECOND_KB < <(measure second "${FLEET[@]}")
SECOND_BLOBS=$(blobs)
KEPT=$(grep -c "re-matching kept SBOM" "$W/err.second" || true)
cmp -s "$W/first.json" "$W/second.json" && SAME=yes || SAME=no

python3 - <<PY
seq, first, second = $SEQ_T, $FIRST_T, $SECOND_T
print(f"images: $N (blobs in the layout: $UNIQUE_BLOBS = configs + manifests + 1 shared base + $N own layers)")
print(f"sequential scan:   {seq:8.2f} s   peak {int('$SEQ_KB') / 1024:6.0f} MiB per process   blob GETs {int('$SEQ_BLOBS')}")
print(f"fleet scan first:  {first:8.2f} s   peak {int('$FIRST_KB') / 1024:6.0f} MiB   blob GETs {int('$FIRST_BLOBS')}   {first / seq:.2f}x sequential (goal <= 0.6x)")
print(f"fleet scan second: {second:8.2f} s   peak {int('$SECOND_KB') / 1024:6.0f} MiB   blob GETs {int('$SECOND_BLOBS')}   {second / first * 100:.1f}% of first (goal <= 10%)   kept SBOMs {int('$KEPT')}/$N   same JSON: $SAME")
PY
