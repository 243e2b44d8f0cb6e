#!/bin/sh
# Dependency graph (issue 19): build, SVG and HTML of one image with 2,000 packages (goal:
# <= 300 ms), folded and expanded, median of 21 rounds in a release build; then the CLI end to
# end on the real planted image (`graph -o html`, hyperfine), which includes its scan.
# usage: bench/graph.sh [PACKAGES]   (env: SCRATCH=.build-release to use another build directory)
set -eu
cd "$(dirname "$0")/.."
DATA="${TAILGUARD_SHARED_DATA:-../shared/data}"
SCRATCH="${SCRATCH:-.build}"
swift build -c release --product tailguard-bench --scratch-path "$SCRATCH" >&2
swift build -c release --product tailguard --scratch-path "$SCRATCH" >&2
"$SCRATCH/release/tailguard-bench" graph "${1:-2000}" 21
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$SCRATCH/release/tailguard" db import --db "$work/a.db" -q "$DATA/advisories/pypa-osv-json" \
  "$DATA/advisories/go-vulndb/osv" "$DATA/kev/known_exploited_vulnerabilities.json"
hyperfine --warmup 1 --runs 10 \
  "$SCRATCH/release/tailguard graph oci:$DATA/images/built/oci-layout:planted --db $work/a.db -q -o html --output $work/g.html" \
  "$SCRATCH/release/tailguard scan oci:$DATA/images/built/oci-layout:planted --db $work/a.db -q -o json --output $work/s.json"
