#!/usr/bin/env bash
# The README's test command: builds tailguard and runs every test (Swift Testing).
# Tests that need an oracle tool (dpkg, rpm, python packaging, node semver, skopeo,
# docker-registry, sigstore-python, CycloneDX/SPDX validators, regorus) skip with a message when
# it is missing; `../shared/data/install-oracles.sh` installs them all (CI runs it first). With
# TAILGUARD_REQUIRE_ORACLES=1 (as .ci/run sets) nothing skips: a missing tool fails its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f ../shared/data/MANIFEST.md ] && [ -z "${TAILGUARD_SHARED_DATA:-}" ]; then
  echo "test.sh: ../shared/data is missing (set TAILGUARD_SHARED_DATA to its path)" >&2
  exit 2
fi
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
