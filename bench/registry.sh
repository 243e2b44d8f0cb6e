#!/bin/bash
# bench/registry.sh — reading an image from a loopback registry vs the same OCI layout on disk,
# and a second pull of a fleet sharing a base (shared layers must not be fetched again).
#
# Usage: bench/registry.sh [TAILGUARD_BINARY]   (default: .build/release/tailguard)
# Needs: docker-registry, skopeo, python3 (Debian packages / the harness in Tests/RegistryHarness).
# Starts a docker-registry and the harness's fault proxy (no faults armed; it counts requests) on
# free 127.0.0.1 ports, with storage and caches in a temp dir; stops both (by PID) and deletes the
# temp dir at exit. No network beyond loopback.
#
# What is timed (hyperfine when installed, else the best of 5 runs):
#   registry: `tailguard inventory registry:REF` when the inventory command exists, else
#             `tailguard cache fill REF` into an empty cache (fetch + verify every blob);
#   disk:     `tailguard inventory oci:LAYOUT:planted`, else `sha256sum` of the same blobs
#             (read + verify from the page cache, the floor an OCI-layout source competes with).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
TG=${1:-$HERE/.build/release/tailguard}
LAYOUT=${TAILGUARD_SHARED_DATA:-$HERE/../shared/data}/images/built/oci-layout
[ -x "$TG" ] || { echo "no tailguard binary at $TG (swift build -c release)" >&2; exit 2; }
for t in docker-registry skopeo python3; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 2; }; done
W_PREFIX=tg-bench-registry; source "$HERE/bench/registry-lib.sh"
start_registry 900
R=127.0.0.1:$REGISTRY_PORT
skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:planted" "docker://$R/fixtures/planted:latest"
skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:bookworm-minbase" "docker://$R/fixtures/base:latest"
start_proxy 900

if "$TG" --help 2>/dev/null | grep -qE "^ +inventory"; then
  REG_CMD="XDG_CACHE_HOME=$W/cache-\$RANDOM $TG inventory --insecure-registry $R registry:$R/fixtures/planted:latest >/dev/null"
  DISK_CMD="$TG inventory oci:$LAYOUT:planted >/dev/null"
  WHAT="inventory"
else
  REG_CMD="$TG cache fill -q --cache-dir $W/cache-\$RANDOM\$RANDOM --insecure-registry $R $R/fixtures/planted:latest"
  BLOBS=$(python3 -c "
import json,sys
L=sys.argv[1]; idx=json.load(open(L+'/index.json'))
m=[d for d in idx['manifests'] if d.get('annotations',{}).get('org.opencontainers.image.ref.name')=='planted'][0]['digest']
man=json.load(open(L+'/blobs/sha256/'+m.split(':')[1]))
print(' '.join(L+'/blobs/sha256/'+d['digest'].split(':')[1] for d in [{'digest':m},man['config']]+man['layers']))" "$LAYOUT")
  DISK_CMD="sha256sum $BLOBS >/dev/null"
  WHAT="fetch+verify every blob (cache fill) vs sha256sum of the layout blobs"
fi
echo "== registry vs disk: $WHAT"
best() {  # best wall time of 5 runs, seconds
  local b=999; for _ in 1 2 3 4 5; do
    local s=$(date +%s.%N); bash -c "$1"; local e=$(date +%s.%N)
    b=$(python3 -c "print(min($b, $e-$s))"); done; echo "$b"; }
bash -c "$DISK_CMD"  # warm the page cache
REG_T=$(best "$REG_CMD"); DISK_T=$(best "$DISK_CMD")
python3 -c "r=$REG_T; d=$DISK_T; print(f'registry {r:.3f} s   disk {d:.3f} s   ratio {r/d:.2f}x (goal <= 1.2x)')"
if [ "$WHAT" = inventory ]; then
  echo "== registry vs disk: sbom (read + catalogue), empty cache each run"
  REG_T=$(best "XDG_CACHE_HOME=$W/cache-\$RANDOM $TG sbom -q -o json --insecure-registry $R registry:$R/fixtures/planted:latest >/dev/null")
  DISK_T=$(best "$TG sbom -q -o json oci:$LAYOUT:planted >/dev/null")
  python3 -c "r=$REG_T; d=$DISK_T; print(f'registry {r:.3f} s   disk {d:.3f} s   ratio {r/d:.2f}x (goal <= 1.2x)')"
fi

echo "== fleet (base + planted share the base layer), through the counting proxy"
CACHE=$W/fleet-cache
curl -s -X POST "http://$PROXY/__reset" >/dev/null
"$TG" cache fill --cache-dir "$CACHE" --insecure-registry "$PROXY" "$PROXY/fixtures/base:latest" "$PROXY/fixtures/planted:latest"
count() { curl -s "http://$PROXY/__stats" | python3 -c "
import json,sys; r=json.load(sys.stdin)['requests']
b=[x for x in r if x['method']=='GET' and '/blobs/' in x['path']]
print(f'{len(r)} requests, {len(b)} blob GETs, {len([x for x in b if \"96643d90\" in x[\"path\"]])} of the shared base layer')"; }
echo "first pull:  $(count)"
curl -s -X POST "http://$PROXY/__reset" >/dev/null
"$TG" cache fill --cache-dir "$CACHE" --insecure-registry "$PROXY" "$PROXY/fixtures/base:latest" "$PROXY/fixtures/planted:latest"
echo "second pull: $(count)"
"$TG" cache status --cache-dir "$CACHE"
