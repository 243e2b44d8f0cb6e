#!/bin/sh
# Matching benchmark (issue 4): 10,000 packages against >= 100,000 affected ranges made from the
# real records of ../shared/data/advisories by renaming; times the match stage (best of 5).
# Import rate and database size: bench/db-import.sh.
# usage: bench/match-bench.sh     (env: SCRATCH=.build-release to use another build directory)
set -eu
cd "$(dirname "$0")/.."
DATA="${TAILGUARD_SHARED_DATA:-../shared/data}"
SCRATCH="${SCRATCH:-.build}"
swift build -c release --product tailguard-bench --scratch-path "$SCRATCH" >&2
"$SCRATCH/release/tailguard-bench" match "$DATA"
