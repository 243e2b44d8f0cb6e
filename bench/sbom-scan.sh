#!/bin/bash
# bench/sbom-scan.sh — cataloguing and matching cost on top of the image-read floor.
#
# Times, on the planted image (../shared/data/images/built/oci-layout:planted) and on the large
# image that bench/image-read.sh builds:
#   - `tailguard inventory` (the image-read floor: every layer read, no catalogers),
#   - `tailguard sbom`      (goal: <= 1.1x inventory — cataloguing nearly free),
#   - `tailguard scan`      (goal: <= 1.2x sbom, with a database imported from ../shared/data/advisories),
# and `cyclonedx-py environment` (PyPI cyclonedx-bom) against `tailguard sbom dir:` on the same
# Python site-packages (goal: tailguard >= 10x faster).
#
# Usage: bench/sbom-scan.sh [WORK_DIR]   (env: TAILGUARD=path/to/tailguard, RUNS=5)
# Needs: hyperfine, python3 (pip install cyclonedx-bom for the last row).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DATA=${TAILGUARD_SHARED_DATA:-$ROOT/../shared/data}
W=${1:-$(mktemp -d /tmp/tailguard-bench.XXXXXX)}
RUNS=${RUNS:-5}
command -v hyperfine >/dev/null || { echo "missing hyperfine (apt-get install hyperfine)" >&2; exit 2; }
if [ -z "${TAILGUARD:-}" ]; then
  (cd "$ROOT" && swift build -c release --product tailguard >&2)
  TAILGUARD="$ROOT/.build/release/tailguard"
fi
mkdir -p "$W"
[ -f "$W/large/index.json" ] || python3 "$HERE/image-build.py" large "$W/large" /usr /etc
DB="$W/advisories.db"
[ -f "$DB" ] || "$TAILGUARD" db import --db "$DB" -q "$DATA/advisories" "$DATA/kev/known_exploited_vulnerabilities.json" >&2

PLANTED="oci:$DATA/images/built/oci-layout:planted"
LARGE="oci:$W/large:large"
for name in planted large; do
  T=$PLANTED; [ $name = large ] && T=$LARGE
  hyperfine --runs "$RUNS" --warmup 1 --export-json "$W/$name.json" \
    -n inventory "$TAILGUARD inventory -q -o json $T > /dev/null" \
    -n sbom "$TAILGUARD sbom -q -o json $T > /dev/null" \
    -n scan "$TAILGUARD scan -q --db $DB -o json $T > /dev/null" >&2
done

# Python site-packages of the planted image, unpacked once, vs cyclonedx-py on the same venv.
SITE="$W/site"
if [ ! -d "$SITE" ]; then
  mkdir -p "$SITE"
  python3 - "$DATA/images/built/oci-layout" "$SITE" <<'PY'
import json, sys, tarfile, gzip
d, out = sys.argv[1], sys.argv[2]
idx = json.load(open(d + "/index.json"))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "planted"][0]
man = json.load(open(d + "/blobs/" + m["digest"].replace(":", "/")))
layer = man["layers"][-1]["digest"].replace(":", "/")
with tarfile.open(d + "/blobs/" + layer, "r:gz") as t:
    t.extractall(out, members=[x for x in t.getmembers() if x.name.startswith("usr/local/lib/python3.11/site-packages") and (x.isfile() or x.isdir())])
PY
fi
CDX=""
if python3 -c "import cyclonedx_py" 2>/dev/null; then
  # cyclonedx-py reads an environment: point a venv's site-packages at the planted packages.
  VENV="$W/venv"
  [ -d "$VENV" ] || { python3 -m venv "$VENV" && rm -rf "$VENV"/lib/python3*/site-packages && ln -s "$SITE/usr/local/lib/python3.11/site-packages" "$(echo "$VENV"/lib/python3*)/site-packages"; }
  CDX="-n cyclonedx-py"
  hyperfine --runs "$RUNS" --warmup 1 --export-json "$W/python.json" \
    -n tailguard "$TAILGUARD sbom -q -o cyclonedx-json dir:$SITE > /dev/null" \
    -n cyclonedx-py "python3 -m cyclonedx_py environment $VENV/bin/python > /dev/null" >&2
fi

python3 - "$W" <<'PY'
import json, os, sys
w = sys.argv[1]
print("| image | inventory (read floor) | sbom | sbom / floor | scan | scan / sbom |")
print("|---|---|---|---|---|---|")
for name in ("planted", "large"):
    r = {x["command"]: x["mean"] for x in json.load(open(f"{w}/{name}.json"))["results"]}
    print(f"| {name} | {r['inventory']:.3f} s | {r['sbom']:.3f} s | {r['sbom']/r['inventory']:.2f}x | {r['scan']:.3f} s | {r['scan']/r['sbom']:.2f}x |")
if os.path.exists(f"{w}/python.json"):
    r = {x["command"]: x["mean"] for x in json.load(open(f"{w}/python.json"))["results"]}
    print()
    print(f"| python site-packages | tailguard {r['tailguard']:.3f} s | cyclonedx-py {r['cyclonedx-py']:.3f} s | {r['cyclonedx-py']/r['tailguard']:.1f}x faster |")
PY
