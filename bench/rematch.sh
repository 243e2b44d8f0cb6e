#!/usr/bin/env bash
# Server re-match after an advisory change (issue 17): 10,000 stored SBOMs (generated Python
# images: 20-60 PyPI packages at versions inside and outside affected ranges, plus the 88 Debian
# packages of a real bookworm minbase), a 1,000-record change in the PyPA OSV data. The server
# runs on advisory db A (all PyPA records minus 1,000, chosen evenly: bench/rematch-gen.py); db B
# (all records) is moved over A's file and POST /api/v1/advisories/update re-opens it and
# re-matches the stored SBOMs holding a changed (ecosystem, package) key. Times the call from the
# client (curl time_total) and reports the server's own summary; RUNS fresh copies of the seeded
# database (SQLite: a file copy; PostgreSQL: CREATE DATABASE … TEMPLATE), median.
# Goal: <= 60 s on SQLite, <= 30 s on PostgreSQL.
#
# usage: bench/rematch.sh [sqlite|postgres|both|seed]   (default both; env: see
#        bench/server-lib.sh, RUNS=3; `seed` only makes the fixture and both seeded databases, the
#        two at once). Build first:
#        swift build -c release --product tailguard --product tailguard-bench
set -euo pipefail
KINDS="${1:-both}"
[ "$KINDS" = both ] && KINDS="sqlite postgres"
RUNS="${RUNS:-3}"
. "$(dirname "$0")/server-lib.sh"

PG_STARTED=
cleanup() {
  serve_stop
  [ -n "$PG_STARTED" ] && pg_down
  return 0
}
trap cleanup EXIT INT TERM

fixture
if [ "$KINDS" = seed ]; then
  pg_up; PG_STARTED=1
  seeded sqlite >/dev/null & s1=$!
  seeded postgres >/dev/null & s2=$!
  wait $s1; wait $s2
  exit 0
fi
jq -c 'del(.touched)' "$FIX/expected.json" >&2
EXPECT_IMAGES=$(jq .imagesHoldingTouchedNames "$FIX/expected.json")
EXPECT_KEYS=$(jq .touchedNamesHeld "$FIX/expected.json")
log "advisory db A: $(sqlite3 "$FIX/adv-a.db" 'SELECT COUNT(*) FROM advisory' 2>/dev/null || echo ?) records, B: $(sqlite3 "$FIX/adv-b.db" 'SELECT COUNT(*) FROM advisory' 2>/dev/null || echo ?)"

count_open() { # KIND LOCATION
  local q="SELECT COUNT(*) FROM finding WHERE state = 'open'"
  if [ "$1" = sqlite ]; then sqlite3 "$2" "$q"; else psql -X -q -t -A "$2" -c "$q"; fi
}

RESULTS="$WORK/rematch-results.txt"
: >"$RESULTS"
for kind in $KINDS; do
  if [ "$kind" = postgres ]; then pg_up; PG_STARTED=1; fi
  seed=$(seeded "$kind")
  for r in $(seq 1 "$RUNS"); do
    run="$WORK/rematch-$kind-$r"
    rm -rf "$run"; mkdir -p "$run"
    if [ "$kind" = sqlite ]; then
      cp "$seed" "$run/server.db"
      db="$run/server.db"
    else
      psql_do "DROP DATABASE IF EXISTS rematch_run" >/dev/null
      psql_do "CREATE DATABASE rematch_run TEMPLATE seed_${N}_${CHANGE}" >/dev/null
      db="$PGURL/rematch_run?sslmode=disable"
    fi
    cp "$FIX/adv-a.db" "$run/adv.db"
    before=$(count_open "$kind" "$db")
    serve_start "$db" "$run/adv.db" "$run"
    # The advisory change: B's content moved over the file the server opened (atomic rename).
    cp "$FIX/adv-b.db" "$run/adv.db.new" && mv -f "$run/adv.db.new" "$run/adv.db"
    sleep 1
    loadavg=$(load)
    code_time=$(curl -s -o "$run/summary.json" -w '%{http_code} %{time_total}' -X POST \
      -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/advisories/update")
    serve_stop
    after=$(count_open "$kind" "$db")
    [ "${code_time%% *}" = 200 ] || { cat "$run/summary.json" "$run/server.log" >&2; exit 1; }
    rss=$(awk -F': ' '/Maximum resident/ {printf "%d", $2 / 1024}' "$run/time")
    jq -c --arg kind "$kind" --arg run "$r" --arg wall "${code_time#* }" --arg load "$loadavg" \
      --arg before "$before" --arg after "$after" --arg rss "$rss" \
      '{kind: $kind, run: ($run|tonumber), wall: ($wall|tonumber), seconds, imagesRematched,
        keysChanged, keysChecked, historyEvents, advisoryRecords,
        openBefore: ($before|tonumber), openAfter: ($after|tonumber), serverMaxRSSMiB: ($rss|tonumber),
        load: $load}' "$run/summary.json" | tee -a "$RESULTS"
    images=$(jq .imagesRematched "$run/summary.json")
    keys=$(jq .keysChanged "$run/summary.json")
    [ "$images" = "$EXPECT_IMAGES" ] || log "CHECK FAILED: $images images re-matched, expected $EXPECT_IMAGES"
    [ "$keys" = "$EXPECT_KEYS" ] || log "CHECK: $keys keys changed, the generator expects $EXPECT_KEYS"
    [ "$after" -gt "$before" ] || log "CHECK FAILED: open findings $before -> $after (no new findings)"
    [ "$kind" = postgres ] && psql_do "DROP DATABASE IF EXISTS rematch_run" >/dev/null
  done
  [ "$kind" = postgres ] && { pg_down; PG_STARTED=; }
done

echo "== median of $RUNS runs ($N SBOMs, $CHANGE-record change; goal: sqlite <= 60 s, postgres <= 30 s)"
python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for kind in ("sqlite", "postgres"):
    rs = [r for r in rows if r["kind"] == kind]
    if not rs:
        continue
    med = lambda k: statistics.median(r[k] for r in rs)
    print(f"{kind}: wall {med('wall'):.2f} s (runs {', '.join('%.2f' % r['wall'] for r in rs)}), "
          f"server {med('seconds'):.2f} s; {rs[0]['imagesRematched']} images re-matched for "
          f"{rs[0]['keysChanged']} changed of {rs[0]['keysChecked']} keys; open findings "
          f"{rs[0]['openBefore']} -> {rs[0]['openAfter']}; {rs[0]['historyEvents']} history events; "
          f"server max RSS {max(r['serverMaxRSSMiB'] for r in rs)} MiB; load {', '.join(r['load'] for r in rs)}")
PY
