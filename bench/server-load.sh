#!/usr/bin/env bash
# Server read API under load (issue 17): wrk, 100 connections, against a server holding the
# 10,000 SBOMs seeded by bench/rematch.sh (made here when missing). For each endpoint alone, then
# for the mix of all five, DURATION seconds (after a 5 s warm-up): p50/p90/p99 and requests/s.
# Digest paths rotate over every seeded digest in a shuffled (seeded) order. Loopback only; the
# server is stopped at the end. Goal: p99 <= 50 ms at 100 concurrent.
#
# usage: bench/server-load.sh [sqlite|postgres]   (default sqlite; env: see bench/server-lib.sh,
#        DURATION=20, CONNECTIONS=100, THREADS=2)
set -euo pipefail
KIND="${1:-sqlite}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-100}"
THREADS="${THREADS:-2}"
. "$(dirname "$0")/server-lib.sh"

PG_STARTED=
cleanup() {
  serve_stop
  [ -n "$PG_STARTED" ] && { psql_do "DROP DATABASE IF EXISTS load_run" >/dev/null 2>&1; pg_down; }
  return 0
}
trap cleanup EXIT INT TERM

fixture
[ "$KIND" = postgres ] && { pg_up; PG_STARTED=1; }
seed=$(seeded "$KIND")
run="$WORK/load-$KIND"
rm -rf "$run"; mkdir -p "$run"
if [ "$KIND" = sqlite ]; then
  cp "$seed" "$run/server.db"
  db="$run/server.db"
else
  psql_do "DROP DATABASE IF EXISTS load_run" >/dev/null
  psql_do "CREATE DATABASE load_run TEMPLATE seed_${N}_${CHANGE}" >/dev/null
  db="$PGURL/load_run?sslmode=disable"
fi
serve_start "$db" "$FIX/adv-a.db" "$run"
export TOKEN

# Path lists: every seeded digest once, shuffled with a fixed seed.
python3 - "$FIX/images.tsv" "$run" <<'PY'
import random, sys
digests = [l.split("\t")[0] for l in open(sys.argv[1]) if l.strip()]
random.Random(17).shuffle(digests)
out = sys.argv[2]
lists = {
    "images-list": ["/api/v1/images?limit=50"],
    "image": [f"/api/v1/images/{d}" for d in digests],
    "image-findings": [f"/api/v1/images/{d}/findings" for d in digests],
    "findings-high": ["/api/v1/findings?severity=high&limit=50"],
    "healthz": ["/healthz"],
}
for name, paths in lists.items():
    open(f"{out}/{name}.paths", "w").write("\n".join(paths) + "\n")
with open(f"{out}/mix.paths", "w") as f:
    for i, d in enumerate(digests):
        f.write(f"/api/v1/images?limit=50\n/api/v1/images/{d}\n"
                f"/api/v1/images/{digests[-1 - i]}/findings\n"
                "/api/v1/findings?severity=high&limit=50\n/healthz\n")
PY
# One request of each, checked (status 200, non-empty answers).
for p in "/api/v1/images?limit=50" "$(sed -n 1p "$run/image.paths")" \
  "$(sed -n 1p "$run/image-findings.paths")" "/api/v1/findings?severity=high&limit=50" /healthz; do
  printf '%s ' "$p" >&2
  curl -sf -o "$run/sample.json" -w '%{http_code} %{size_download} B %{time_total} s' \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$p" >&2
  echo " $(jq '.items | length' "$run/sample.json" 2>/dev/null || true) items" >&2
done

wrk_run() { # NAME
  PATHS="$run/$1.paths" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2:-$DURATION}s" --timeout 10s \
    -s bench/server-load.lua "http://127.0.0.1:$PORT" | grep '^RESULT' | sed "s/^RESULT/$1/"
  # Requests wrk left behind still run on the server: wait until it answers again.
  for _ in $(seq 1 120); do curl -sf -m 5 "http://127.0.0.1:$PORT/healthz" >/dev/null && break; done
  sleep 1
}
log "warm-up (5 s of the mix), load $(load)"
wrk_run mix 5 >/dev/null
echo "== $KIND: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $N images (goal: p99 <= 50 ms)"
for name in images-list image image-findings findings-high healthz mix; do
  echo "$(wrk_run "$name") load=$(load | tr ' ' /)"
done | tee "$run/results.txt"
curl -s "http://127.0.0.1:$PORT/metrics" >"$run/metrics.txt"
serve_stop
grep -E 'Maximum resident|Percent of CPU' "$run/time" | sed 's/^\s*/server: /'
