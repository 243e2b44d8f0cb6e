#!/bin/sh
# Matching and database benchmarks (issue 4): import rate for all of ../shared/data/advisories,
# database size vs the source JSON, and matching 10,000 packages against >=100,000 affected ranges.
# Prints "BENCH ..." lines. Run from the package root (or set PACKAGE_DIR).
set -eu
cd "${PACKAGE_DIR:-$(dirname "$0")/..}"
TAILGUARD_BENCH=1 swift test -c release --filter MatchingBenchmark 2>&1 | grep -E '^BENCH|passed|failed'
