#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, the demo and the benchmarks:
# a fresh cluster in a temp dir, bound to 127.0.0.1 on a free port, with a
# random superuser password. Debian's `postgresql` package provides the
# binaries (scripts/setup.sh installs it). PostgreSQL refuses to run as root,
# so as root the server runs as the `postgres` system user (created when
# missing).
#
#   scripts/postgres.sh start     start (or reuse) the server; prints host and port
#   scripts/postgres.sh stop      stop it, keep the cluster (start runs it again, same port)
#   scripts/postgres.sh restart   stop, then start on the same port (connections are cut)
#   scripts/postgres.sh destroy   stop it and delete the cluster and the state
#   scripts/postgres.sh status    exit 0 when it accepts connections
#
# State (port, password, data dir) is in $DBT_CONDUCTOR_PG_STATE, by default
# .cache/postgres/state.env in the repository, mode 600. The password is never
# printed: programs read it from the state file.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${DBT_CONDUCTOR_PG_STATE:-$PWD/.cache/postgres/state.env}
PG_USER_NAME=conductor

die() { echo "postgres.sh: $*" >&2; exit 1; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: run scripts/setup.sh (installs Debian's postgresql)"
}
BIN=$(pg_bin)

# Runs a server binary as the account that owns the cluster (never root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi
}

ensure_owner() {
  if [ "$(id -u)" != 0 ]; then OWNER=$(id -un); return; fi
  OWNER=postgres
  id -u "$OWNER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

load_state() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  . "$STATE"
  [ -d "${PG_DATA:-}" ]
}

running() {
  load_state && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2
}

server_start() {
  # fsync off and a small footprint: a throwaway test server on a shared 2-core machine.
  # client_connection_check_interval: a statement whose client died (a killed worker)
  # ends within a second instead of running on (PostgreSQL 14+; off by default).
  as_owner "$BIN/pg_ctl" -D "$PG_DATA" -l "$PG_ROOT/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=32MB -c log_connections=on -c log_disconnections=on -c log_line_prefix=%m\ [%p]\ db=%d,app=%a\  -c client_connection_check_interval=1s" \
    >/dev/null
}

init_cluster() {
  ensure_owner
  PG_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/dbt-conductor-pg.XXXXXX")
  PG_DATA=$PG_ROOT/data
  PG_PORT=$(free_port)
  PG_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
  chmod 755 "$PG_ROOT"
  local pwfile=$PG_ROOT/pw
  (umask 077; printf '%s\n' "$PG_PASSWORD" > "$pwfile")
  [ "$(id -u)" = 0 ] && chown -R "$OWNER" "$PG_ROOT"
  as_owner "$BIN/initdb" -D "$PG_DATA" -U "$PG_USER_NAME" --pwfile="$pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --no-locale --no-sync >"$PG_ROOT/initdb.log" 2>&1 || { cat "$PG_ROOT/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
  mkdir -p "$(dirname "$STATE")"
  (umask 077; printf 'PG_ROOT=%q\nPG_DATA=%q\nPG_PORT=%q\nPG_USER=%q\nPG_PASSWORD=%q\nOWNER=%q\n' \
    "$PG_ROOT" "$PG_DATA" "$PG_PORT" "$PG_USER_NAME" "$PG_PASSWORD" "$OWNER" > "$STATE")
}

cmd_start() {
  if running; then echo "postgres: running on 127.0.0.1:$PG_PORT (state $STATE)"; return; fi
  if ! load_state; then init_cluster; fi
  if ! server_start; then
    tail -n 20 "$PG_ROOT/server.log" >&2 || true
    die "the server did not start (log: $PG_ROOT/server.log)"
  fi
  echo "postgres: running on 127.0.0.1:$PG_PORT (state $STATE)"
}

cmd_stop() {
  load_state || return 0
  as_owner "$BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

cmd_destroy() {
  load_state || { rm -f "$STATE"; return 0; }
  cmd_stop
  rm -rf "$PG_ROOT"
  rm -f "$STATE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop; cmd_start ;;
  destroy) cmd_destroy ;;
  status) running ;;
  *) die "usage: $0 start|stop|restart|destroy|status" ;;
esac
