#!/usr/bin/env bash
# Dashboard render time (issue 19): the overview (/) and the image table (/images, first page and
# a filtered page) on a SQLite server holding the 10,000 SBOMs seeded by bench/rematch.sh (made
# here when missing), with usage rows added so the fleet has a head and a tail (replicas
# Zipf-like, 1,000/rank; head = the 20 most used). Logs in through the form (CSRF field and
# cookie), then times REQUESTS sequential requests per page with curl on loopback (the time is
# the server's render, the socket costs microseconds) and one wrk run per page (CONNECTIONS
# concurrent). The overview serves a snapshot of its aggregates refreshed in the background every
# 15 s: its first request (printed) computes one; wrk's run includes background refreshes. Goal: <= 100 ms server-side per page at 10,000 images, pages <= 300 KB.
#
# usage: bench/dashboard.sh   (env: see bench/server-lib.sh; REQUESTS=30, CONNECTIONS=10,
#        DURATION=10)
set -euo pipefail
REQUESTS="${REQUESTS:-30}"
CONNECTIONS="${CONNECTIONS:-10}"
DURATION="${DURATION:-10}"
. "$(dirname "$0")/server-lib.sh"
trap serve_stop EXIT INT TERM

fixture
seed=$(seeded sqlite)
run="$WORK/dashboard"
rm -rf "$run"; mkdir -p "$run"
cp "$seed" "$run/server.db"
# Usage: image at line i runs max(1, 1000 / i) replicas; the 20 most used are the head.
python3 - "$FIX/images.tsv" "$run/server.db" <<'PY'
import sqlite3, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
db = sqlite3.connect(sys.argv[2])
db.execute("DELETE FROM image_usage")
for i, (digest, reference) in enumerate(rows, 1):
    db.execute("INSERT INTO image_usage (digest, reference, source, namespace, workload, kind, replicas,"
               " exposure, team, seen_at) VALUES (?, ?, 'bench', 'ns', ?, 'Deployment', ?, '', ?,"
               " '2026-12-01T00:00:00.000Z')",
               (digest, reference, f"w{i}", max(1, 1000 // i), f"team{i % 7}"))
    db.execute("UPDATE image SET segment = ? WHERE digest = ?", ("head" if i <= 20 else "tail", digest))
db.commit()
PY
serve_start "$run/server.db" "$FIX/adv-a.db" "$run"
read_token=$("$TAILGUARD" serve token create --role read --database "$run/server.db")

# Log in as a browser does: the form's CSRF cookie and field, then the session cookie.
jar="$run/cookies"
form=$(curl -sf -c "$jar" "http://127.0.0.1:$PORT/login")
csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
curl -sf -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" \
  --data-urlencode "token=$read_token" "http://127.0.0.1:$PORT/login"
session=$(awk '$6 == "tg_session" {print $7}' "$jar")
[ -n "$session" ] || { log "login failed"; exit 1; }

echo "== dashboard render, SQLite, $N images ($(nproc) cores, load $(load)); goal <= 100 ms, <= 300 KB"
for path in "/" "/images" "/images?severity=high&segment=tail" "/images?q=pyapp99"; do
  # The first request: for / it computes the overview's snapshot (later ones serve it).
  curl -sf -o /dev/null -w "$(printf '%-40s' "$path") first request %{time_total} s\n" \
    -H "Cookie: tg_session=$session" "http://127.0.0.1:$PORT$path"
  for _ in $(seq 1 "$REQUESTS"); do
    curl -sf -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' \
      -H "Cookie: tg_session=$session" "http://127.0.0.1:$PORT$path"
  done | python3 -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
t = sorted(float(r[0]) * 1000 for r in rows)
codes = sorted(set(r[2] for r in rows))
q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
print(f"{sys.argv[1]:40s} sequential n={len(t)} p50 {q(0.5):7.1f} ms  p90 {q(0.9):7.1f} ms  max {t[-1]:7.1f} ms  size {int(rows[0][1]) / 1024:6.1f} KiB  status {codes}")
' "$path"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: tg_session=$session" \
    "http://127.0.0.1:$PORT$path" | awk -v p="$path" '
      /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$5}
      END {printf "%-40s wrk -c'"$CONNECTIONS"' %s req/s  p50 %s  p99 %s%s\n", p, rps, p50, p99, bad ? "  NON-2XX " bad : ""}'
done
