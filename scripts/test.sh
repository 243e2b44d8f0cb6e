#!/usr/bin/env bash
# The README's test command: builds tailguard and runs every test (Swift Testing).
# Tests that need an oracle tool (dpkg, rpm, python packaging, node semver, skopeo,
# docker-registry, sigstore-python, CycloneDX/SPDX validators, regorus) skip with a message when
# it is missing; `../shared/data/install-oracles.sh` installs them all (CI runs it first). With
# TAILGUARD_REQUIRE_ORACLES=1 (as .ci/run sets) nothing skips: a missing tool fails its tests.
# The server's store suites also run on a throwaway PostgreSQL cluster started here.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f ../shared/data/MANIFEST.md ] && [ -z "${TAILGUARD_SHARED_DATA:-}" ]; then
  echo "test.sh: ../shared/data is missing (set TAILGUARD_SHARED_DATA to its path)" >&2
  exit 2
fi
swift build --build-tests
# The store suites run on SQLite and on PostgreSQL: unless TAILGUARD_TEST_POSTGRES names a
# server, a throwaway cluster is started on loopback (scripts/test-postgres.sh, which installs
# Debian's postgresql when missing) and stopped when the tests end.
if [ -z "${TAILGUARD_TEST_POSTGRES:-}" ]; then
  pgdir=$(mktemp -d /tmp/tailguard-test-pg.XXXXXX)
  trap 'scripts/test-postgres.sh stop "$pgdir"' EXIT
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  TAILGUARD_TEST_POSTGRES=$(scripts/test-postgres.sh start "$pgdir" "$port")
  export TAILGUARD_TEST_POSTGRES
  echo "test.sh: PostgreSQL for the tests at $TAILGUARD_TEST_POSTGRES"
fi
# A hang must fail the run with evidence, not run into the CI's own limit: the watchdog ends
# the tests after TAILGUARD_TEST_TIMEOUT seconds (default 45 min), listing the tests still
# running and every thread's backtrace; it also lists the slowest tests.
python3 scripts/test-watchdog.py "${TAILGUARD_TEST_TIMEOUT:-2700}" \
  swift test --skip-build --disable-xctest "$@"
