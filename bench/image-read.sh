#!/bin/bash
# bench/image-read.sh — times a full read of every layer through `tailguard inventory` against
# the decompression floor (`pigz -dc LAYER > /dev/null`, summed over layers), and reads an image
# of 1,000,000 small files. Builds its images itself (no network: layers are made from this
# machine's /usr and /etc by bench/image-build.py).
#
# Usage: bench/image-read.sh [WORK_DIR]     (env: TAILGUARD=path/to/tailguard, MANY=1000000, RUNS=3)
# Needs: python3, pigz, hyperfine, /usr/bin/time (apt-get install pigz hyperfine time).
# Goals (issue 2): read ≤ 1.25× the floor, peak RSS ≤ 150 MiB, 1M files < 60 s and < 1 GiB.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
W=${1:-$(mktemp -d /tmp/tailguard-bench.XXXXXX)}
MANY=${MANY:-1000000}
RUNS=${RUNS:-3}
for t in python3 pigz hyperfine /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing $t (apt-get install pigz hyperfine time)" >&2; exit 2; }
done
if [ -z "${TAILGUARD:-}" ]; then
  (cd "$ROOT" && swift build -c release --product tailguard >&2)
  TAILGUARD="$ROOT/.build/release/tailguard"
fi
mkdir -p "$W"
[ -f "$W/large/index.json" ] || python3 "$HERE/image-build.py" large "$W/large" /usr /etc
[ -f "$W/many/index.json" ] || python3 "$HERE/image-build.py" many "$W/many" "$MANY"

layers() {  # blob paths of the layers of the layout's first manifest
  python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(d + "/index.json"))["manifests"][0]["digest"].replace(":", "/")
for l in json.load(open(d + "/blobs/" + m))["layers"]:
    print(d + "/blobs/" + l["digest"].replace(":", "/"))
PY
}
LAYERS=$(layers "$W/large" | tr '\n' ' ')
BYTES=$(du -cb $LAYERS | tail -1 | cut -f1)
echo "large image: $(echo $LAYERS | wc -w) layers, $BYTES compressed bytes" >&2
# Warm the page cache so both sides read from memory.
cat $LAYERS > /dev/null

hyperfine --runs "$RUNS" --warmup 1 --export-json "$W/hyperfine.json" \
  -n floor "for l in $LAYERS; do pigz -dc \$l > /dev/null; done" \
  -n tailguard "$TAILGUARD inventory -q -o json oci:$W/large:large > /dev/null" >&2

/usr/bin/time -v "$TAILGUARD" inventory -q -o json "oci:$W/large:large" > "$W/large.json" 2> "$W/large.time"
/usr/bin/time -v "$TAILGUARD" inventory -q -o json "oci:$W/many:many" > "$W/many.json" 2> "$W/many.time"

python3 - "$W" <<'PY'
import json, re, sys
w = sys.argv[1]
h = {r["command"]: r for r in json.load(open(w + "/hyperfine.json"))["results"]}
def rss(f):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f).read()).group(1)) / 1024
def wall(f):
    t = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", open(f).read()).group(1).split(":")
    return sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
floor, tg = h["floor"]["mean"], h["tailguard"]["mean"]
inv = json.load(open(w + "/many.json"))
print("| measure | value | goal |")
print("|---|---|---|")
print("| large image: decompression floor (pigz -dc, summed) | %.2f s | |" % floor)
print("| large image: tailguard inventory | %.2f s (%.2fx the floor) | <= 1.25x |" % (tg, tg / floor))
print("| large image: peak RSS | %.0f MiB | <= 150 MiB |" % rss(w + "/large.time"))
print("| %d-file image: wall time | %.1f s | < 60 s |" % (inv["totalFiles"], wall(w + "/many.time")))
print("| %d-file image: peak RSS | %.0f MiB | < 1024 MiB |" % (inv["totalFiles"], rss(w + "/many.time")))
PY
