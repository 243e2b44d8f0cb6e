#!/usr/bin/env bash
# Fuzzes `tailguard serve` against its own OpenAPI document with schemathesis (PyPI; installed by
# scripts/install-test-deps.sh). Builds nothing: give it the tailguard binary.
#
#   scripts/schemathesis.sh .build/debug/tailguard [SCHEMATHESIS_ARGS…]
#
# In a temporary directory: an advisory database from the shared data's Jinja2 advisories, a
# server database with an admin token, and a server on a free loopback port. schemathesis reads
# the document the server serves (GET /api/v1/openapi.json) and runs every operation with the
# token, checking that no response is a 5xx and that status codes, content types, headers and
# bodies are the documented ones. Three operations are left out: `POST /api/v1/images` and
# `POST /api/v1/fleet` resolve the references they are given against those references'
# registries, and `POST /api/v1/webhooks` would have the server deliver real events to the
# destinations the fuzzer makes up — all of which would send traffic off the machine; the Swift
# API suites cover the three.
# Exits non-zero on any failure or when the server logged an internal error; the server is
# stopped on exit.
#
# Environment: TAILGUARD_SHARED_DATA (default ../shared/data), SCHEMATHESIS_MAX_EXAMPLES
# (default 50 per operation), SCHEMATHESIS_SEED (default 1, reproducible).
set -euo pipefail

usage() { echo "usage: $0 TAILGUARD_BINARY [SCHEMATHESIS_ARGS…]" >&2; exit 2; }
[ $# -ge 1 ] || usage
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
extra=("$@")
[ -x "$bin" ] || { echo "schemathesis.sh: $bin is not an executable" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
data=${TAILGUARD_SHARED_DATA:-$root/../shared/data}
advisories=$data/advisories/pypa-osv-json/jinja2
[ -d "$advisories" ] || { echo "schemathesis.sh: no advisories at $advisories" >&2; exit 2; }
command -v schemathesis >/dev/null || {
  echo "schemathesis.sh: schemathesis is not installed (scripts/install-test-deps.sh)" >&2
  exit 2
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tailguard-schemathesis.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The server's caches and defaults stay in the temporary directory.
export XDG_CACHE_HOME=$tmp/cache XDG_DATA_HOME=$tmp/data

"$bin" db import -q --db "$tmp/adv.db" "$advisories"
token=$("$bin" serve token create -q --role admin --database "$tmp/server.db" -o json \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

"$bin" serve --listen 127.0.0.1:0 --database "$tmp/server.db" --db "$tmp/adv.db" \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
port=
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/serve.err" | head -1)
  [ -n "$port" ] && [ "$port" != 0 ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "server exited:" >&2; tail -20 "$tmp/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start listening" >&2; tail -20 "$tmp/serve.err" >&2; exit 1; }
echo "== tailguard serve on 127.0.0.1:$port (pid $server_pid)"

# Two passes over every operation (but those two). The first generates any Unicode and checks
# that nothing is a 5xx and every answer is as documented. The second generates ASCII only, so
# that a string within the document's maxLength is also within the server's limits, which count
# UTF-8 bytes, and also checks that schema-valid requests are accepted. Neither checks
# negative_data_rejection (the server is deliberately lenient where the document is exact:
# severities in any case, an empty severity list, URLs as Foundation parses them) nor
# unsupported_method (Hummingbird answers 404, not 405, to another method on a known path).
conformance=not_a_server_error,status_code_conformance,content_type_conformance
conformance+=,response_headers_conformance,response_schema_conformance
conformance+=,missing_required_header,ignored_auth,use_after_free,ensure_resource_availability
status=0
run_pass() {
  local name=$1
  shift
  echo "== schemathesis pass: $name"
  (
    cd "$tmp"  # schemathesis writes its report directory here, not in the repository
    schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
      --header "Authorization: Bearer $token" \
      --exclude-operation-id submitImage --exclude-operation-id uploadFleet \
      --exclude-operation-id createWebhook \
      --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
      --seed "${SCHEMATHESIS_SEED:-1}" \
      --generation-database none \
      --request-timeout 30 \
      --workers 1 \
      --no-color \
      "$@"
  ) || status=$?
}
run_pass "any Unicode: no 5xx, answers as documented" --checks "$conformance" "${extra[@]}"
run_pass "ASCII: schema-valid requests are accepted" \
  --checks "$conformance,positive_data_acceptance" --generation-codec ascii "${extra[@]}"

if grep -a "internal error" "$tmp/serve.err" >/dev/null; then
  echo "== the server logged internal errors (5xx):" >&2
  grep -a "internal error" "$tmp/serve.err" | head -20 >&2
  [ "$status" -ne 0 ] || status=1
fi
if [ "$status" -eq 0 ]; then
  echo "== schemathesis: every check passed; no 5xx, no internal error in the server log"
else
  echo "== schemathesis: FAILED (exit $status)" >&2
fi
exit "$status"
