# bench/registry-lib.sh — sourced by the registry benchmarks: a temp dir $W removed at exit, a
# docker-registry on a free 127.0.0.1 port ($REGISTRY_PORT) and, with start_proxy, the harness's
# counting proxy in front of it ($PROXY). Both are stopped by PID at exit. Loopback only.
# Usage: W_PREFIX=name; source bench/registry-lib.sh; start_registry SECONDS; start_proxy SECONDS
W=$(mktemp -d "/tmp/${W_PREFIX:-tg-bench}.XXXXXX"); RPID=; PPID_=
cleanup() {
  [ -n "$PPID_" ] && kill "$PPID_" 2>/dev/null || true
  [ -n "$RPID" ] && kill "$RPID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf --one-file-system "$W"
}
trap cleanup EXIT
freeport() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
waitport() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

start_registry() {  # SECONDS: the registry stops by itself after this long
  REGISTRY_PORT=$(freeport); [ "$REGISTRY_PORT" = 5000 ] && REGISTRY_PORT=$(freeport)
  mkdir -p "$W/storage"
  cat > "$W/config.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $W/storage
http:
  addr: 127.0.0.1:$REGISTRY_PORT
YML
  timeout "$1" docker-registry serve "$W/config.yml" >"$W/registry.log" 2>&1 & RPID=$!
  waitport "$REGISTRY_PORT" || { cat "$W/registry.log" >&2; exit 2; }
}

start_proxy() {  # SECONDS
  timeout "$1" python3 "$HERE/Tests/RegistryHarness/fault_proxy.py" --upstream "http://127.0.0.1:$REGISTRY_PORT" \
    --port-file "$W/proxy.port" --timeout $(($1 - 10)) >"$W/proxy.log" 2>&1 & PPID_=$!
  for _ in $(seq 100); do [ -s "$W/proxy.port" ] && break; sleep 0.1; done
  PROXY=127.0.0.1:$(cat "$W/proxy.port"); waitport "${PROXY#*:}"
}
