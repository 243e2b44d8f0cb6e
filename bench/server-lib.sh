# Shared by bench/rematch.sh and bench/server-load.sh (sourced, not run): the fixture (advisory
# dbs A and B, 10,000 generated SBOMs), the seeded server databases (SQLite file, PostgreSQL
# database `seed` in a loopback cluster kept under $WORK/pg), starting and stopping a server.
#
# env: TAILGUARD (default .build/release/tailguard), BENCH (default
#      .build/release/tailguard-bench), TAILGUARD_SHARED_DATA (default ../shared/data),
#      WORK (default /tmp/tailguard-serverbench; kept between runs and scripts), N (10000),
#      CHANGE (1000), PGPORT (54391).
cd "$(dirname "$0")/.."
TAILGUARD="${TAILGUARD:-.build/release/tailguard}"
BENCH="${BENCH:-.build/release/tailguard-bench}"
DATA="${TAILGUARD_SHARED_DATA:-../shared/data}"
WORK="${WORK:-/tmp/tailguard-serverbench}"
N="${N:-10000}"
CHANGE="${CHANGE:-1000}"
PGPORT="${PGPORT:-54391}"
FIX="$WORK/fixture-$N-$CHANGE"
TAILGUARD=$(realpath "$TAILGUARD")
BENCH=$(realpath "$BENCH")
DATA=$(realpath "$DATA")
mkdir -p "$WORK"
chmod 755 "$WORK"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# The generated SBOMs and advisory databases A (all PyPA records minus CHANGE) and B (all).
fixture() {
  if [ ! -s "$FIX/expected.json" ]; then
    log "generating $N SBOMs and the $CHANGE-record change into $FIX"
    rm -rf "$FIX"
    python3 bench/rematch-gen.py "$DATA" "$FIX" "$N" "$CHANGE" >&2
  fi
  if [ ! -s "$FIX/adv-b.db" ]; then
    log "importing advisory dbs A and B"
    rm -f "$FIX/adv-a.db" "$FIX/adv-b.db"
    "$TAILGUARD" db import -q --db "$FIX/adv-a.db" "$FIX/a/pypa-osv-json" >&2
    "$TAILGUARD" db import -q --db "$FIX/adv-b.db" "$DATA/advisories/pypa-osv-json" >&2
  fi
}

# PostgreSQL: a loopback cluster under $WORK/pg (fsync off: scripts/test-postgres.sh), kept.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
PGURL="postgres://postgres@127.0.0.1:$PGPORT"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
pg_up() {
  if [ -d "$WORK/pg/data" ]; then
    as_pg "'$PGBIN/pg_ctl' -D '$WORK/pg/data' -l '$WORK/pg/server.log' -w -t 60 -o \"-p $PGPORT -k '$WORK/pg' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start" >/dev/null
  else
    scripts/test-postgres.sh start "$WORK/pg" "$PGPORT" >/dev/null
  fi
}
pg_down() { as_pg "'$PGBIN/pg_ctl' -D '$WORK/pg/data' -m fast -w stop" >/dev/null 2>&1 || true; }
psql_do() { psql -X -q -t -A "$PGURL/${2:-postgres}?sslmode=disable" -c "$1"; }

# The seeded server database for KIND (sqlite|postgres), made once from db A; prints its location.
seeded() {
  case "$1" in
  sqlite)
    if [ ! -s "$FIX/seed.db" ]; then
      log "seeding $N SBOMs into $FIX/seed.db (load $(load))"
      rm -f "$FIX/seed.db"*
      /usr/bin/time -v "$BENCH" seed-server "$FIX/seed.db.tmp" "$FIX/adv-a.db" "$FIX/sboms.jsonl" \
        "$FIX/images.tsv" 2>"$FIX/seed-sqlite.time" >&2
      sqlite3 "$FIX/seed.db.tmp" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
      grep -E 'Elapsed|Maximum resident' "$FIX/seed-sqlite.time" >&2
      mv "$FIX/seed.db.tmp" "$FIX/seed.db"
      rm -f "$FIX/seed.db.tmp-wal" "$FIX/seed.db.tmp-shm"
    fi
    echo "$FIX/seed.db"
    ;;
  postgres)
    if [ "$(psql_do "SELECT 1 FROM pg_database WHERE datname = 'seed_${N}_${CHANGE}'")" != 1 ]; then
      log "seeding $N SBOMs into PostgreSQL database seed_tmp (load $(load))"
      psql_do "DROP DATABASE IF EXISTS seed_tmp" >/dev/null
      psql_do "CREATE DATABASE seed_tmp" >/dev/null
      /usr/bin/time -v "$BENCH" seed-server "$PGURL/seed_tmp?sslmode=disable" "$FIX/adv-a.db" \
        "$FIX/sboms.jsonl" "$FIX/images.tsv" 2>"$FIX/seed-postgres.time" >&2
      grep -E 'Elapsed|Maximum resident' "$FIX/seed-postgres.time" >&2
      psql_do "VACUUM ANALYZE" seed_tmp >/dev/null
      psql_do "ALTER DATABASE seed_tmp RENAME TO seed_${N}_${CHANGE}" >/dev/null
    fi
    echo "$PGURL/seed_${N}_${CHANGE}?sslmode=disable"
    ;;
  esac
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# serve_start DATABASE ADVISORY_DB LOGDIR: a server on a free loopback port, no index workers;
# sets PORT, TOKEN, SERVER_PID (the /usr/bin/time wrapper: its report lands in LOGDIR/time).
serve_start() {
  TOKEN=$("$TAILGUARD" serve token create --role admin --database "$1")
  PORT=$(free_port)
  /usr/bin/time -v -o "$3/time" "$TAILGUARD" serve --listen "127.0.0.1:$PORT" --database "$1" \
    --db "$2" --workers 0 --no-advisory-watch >"$3/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$3/server.log" >&2; return 1; }
    sleep 0.2
  done
  log "server did not become ready"; return 1
}
serve_stop() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    pkill -TERM -P "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
