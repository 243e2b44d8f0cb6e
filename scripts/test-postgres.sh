#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests: `start DIR PORT` initialises DIR
# (trust authentication, loopback only, fsync off: it holds test data only), starts the server and
# prints the URL the tests take from TAILGUARD_TEST_POSTGRES; `stop DIR` stops it and removes DIR;
# `pause DIR` stops the server keeping its data and `resume DIR PORT` starts it again.
# Installs Debian's postgresql when no server binaries are present. The server never holds this
# script's stdout or stderr open (a caller reading them to the end would wait forever).
set -euo pipefail
# A caller may hand down a blocked signal mask (a child of a Swift test process inherits the
# spawning thread's: SIGTERM, SIGUSR1, SIGALRM … blocked), and PostgreSQL's processes talk by
# signals; bash cannot unblock them, so the script starts over with an empty mask. It also closes
# every inherited descriptor above stderr: the server it starts outlives the script, and a
# descriptor it kept open would tell the caller the script is still running (Foundation's
# Process learns of a child's exit from a socket the child holds).
if [ -z "${TAILGUARD_SIGMASK_RESET:-}" ]; then
  export TAILGUARD_SIGMASK_RESET=1
  exec python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.closerange(3, os.sysconf("SC_OPEN_MAX"))
os.execv(sys.argv[1], sys.argv[1:])' "$0" "$@"
fi
cmd=${1:?usage: test-postgres.sh start DIR [PORT] | pause DIR | resume DIR [PORT] | stop DIR}
dir=${2:?data directory}
port=${3:-54329}

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_owner() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "$cmd" in
start)
  if ! bin=$(bindir); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
    bin=$(bindir)
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  as_owner "'$bin/initdb' -D '$dir/data' --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start >/dev/null 2>'$dir/pg_ctl.err'" ||
    { cat "$dir/pg_ctl.err" "$dir/server.log" >&2; exit 1; }
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
pause)
  # Stops the server, keeping its data (tests of a database that goes away).
  bin=$(bindir)
  as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null"
  ;;
resume)
  bin=$(bindir)
  as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start >/dev/null 2>'$dir/pg_ctl.err'" ||
    { cat "$dir/pg_ctl.err" "$dir/server.log" >&2; exit 1; }
  ;;
stop)
  if bin=$(bindir) && [ -d "$dir/data" ]; then
    as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null" || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: test-postgres.sh start DIR [PORT] | stop DIR" >&2
  exit 64
  ;;
esac
