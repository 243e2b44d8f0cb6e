#!/usr/bin/env bash
# Installs what the tests need on a fresh machine of this kind: the oracle tools
# (../shared/data/install-oracles.sh), the browser for the HTML report tests (Debian
# chromium and chromium-driver, PyPI selenium; Debian graphviz for the DOT output), the server API's OpenAPI checkers (PyPI
# schemathesis, openapi-spec-validator), kubernetes-validate (PyPI) for the deploy/kubernetes
# manifests, and PostgreSQL (Debian) for the store suites. Idempotent; the README's test
# command and .ci/run both call it.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing oracle tools (../shared/data/install-oracles.sh)"
bash ../shared/data/install-oracles.sh

echo "== installing the browser for HTML report tests (Debian chromium, chromium-driver; PyPI selenium) and Graphviz (Debian graphviz: checks graph -o dot)"
browser_pkgs=()
for p in chromium chromium-driver graphviz; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || browser_pkgs+=("$p")
done
if [ ${#browser_pkgs[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${browser_pkgs[@]}" >/dev/null
fi
python3 -c 'import selenium, schemathesis, openapi_spec_validator' 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    --break-system-packages selenium==4.51.0 schemathesis==4.32.5 openapi-spec-validator==0.9.0
python3 -c 'import selenium' && test -x /usr/bin/chromium && test -x /usr/bin/chromedriver && command -v dot >/dev/null
command -v schemathesis >/dev/null && command -v openapi-spec-validator >/dev/null

echo "== installing kubernetes-validate (PyPI) for scripts/validate-deploy.sh"
command -v kubernetes-validate >/dev/null 2>&1 \
  || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    --break-system-packages kubernetes-validate==1.37.0
command -v kubernetes-validate >/dev/null

echo "== installing PostgreSQL (Debian) for the store suites (scripts/test-postgres.sh)"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
