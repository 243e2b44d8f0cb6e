#!/bin/sh
# Times `tailguard db import` of all advisory samples + KEV into a fresh database and prints
# advisories/s and the database size against the size of the JSON/YAML it holds.
# usage: bench/db-import.sh [TAILGUARD_BINARY]   (default: .build/release/tailguard)
set -eu
cd "$(dirname "$0")/.."
BIN="${1:-.build/release/tailguard}"
DATA="${TAILGUARD_SHARED_DATA:-../shared/data}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
start=$(date +%s.%N)
"$BIN" db import -q --db "$TMP/t.db" "$DATA/advisories/go-vulndb/osv" "$DATA/advisories/rustsec-osv/crates" \
  "$DATA/advisories/pypa-osv-json" "$DATA/advisories/alpine-secdb" "$DATA/kev/known_exploited_vulnerabilities.json"
end=$(date +%s.%N)
n=$("$BIN" db status --db "$TMP/t.db" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["advisories"])')
db=$(stat -c %s "$TMP/t.db")
src=$(find "$DATA/advisories/go-vulndb/osv" "$DATA/advisories/rustsec-osv/crates" "$DATA/advisories/pypa-osv-json" \
  "$DATA/advisories/alpine-secdb" "$DATA/kev/known_exploited_vulnerabilities.json" -type f \( -name '*.json' -o -name '*.yaml' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
python3 -c "import sys; n,t,db,src=int(sys.argv[1]),float(sys.argv[3])-float(sys.argv[2]),int(sys.argv[4]),int(sys.argv[5]); print(f'BENCH db import: {n} advisories in {t:.2f} s = {n/t:.0f} advisories/s; database {db/1048576:.1f} MiB vs {src/1048576:.1f} MiB source ({db/src:.2f}x)')" "$n" "$start" "$end" "$db" "$src"
