# shellcheck shell=bash
# Shared by start-postgres.sh and stop-postgres.sh. Sourced, never executed.

log() { echo "$ME: $*" >&2; }
die() { log "$*"; exit 1; }
now_ms() { date +%s%3N; }

# The newest installed server (a plain glob would sort 10 before 9), or $TESTPG_BINDIR.
find_bindir() {
  if [ -n "${TESTPG_BINDIR:-}" ]; then echo "$TESTPG_BINDIR"; return; fi
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; fi
  done | sort -t/ -k5,5n | tail -n 1
}

# close_inherited_fds: a server that inherited a descriptor (our flock, a test runner's
# output pipe) would hold it for as long as it runs; the caller would never see EOF.
close_inherited_fds() {
  local fd
  for fd in /proc/self/fd/*; do
    fd="${fd##*/}"
    if [ "$fd" -gt 2 ]; then exec {fd}>&-; fi
  done
}

# as_server_user USER CMD...: PostgreSQL refuses to run as root, so as root it runs as
# USER (postgres), from / (root's working directory may be unreadable for it).
as_server_user() {
  local user="$1"; shift
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && close_inherited_fds && exec runuser -u "$user" -- "$@")
  else
    (cd / && close_inherited_fds && exec "$@")
  fi
}

# server_pids DATA EXE: processes of the cluster in DATA (cwd DATA, executable EXE). Not
# `kill -0` or pg_ctl status: where PID 1 reaps late, a dead postmaster stays a zombie that
# both take for a live server; a zombie has no exe link, so it does not count here.
server_pids() {
  local data="$1" exe="$2" p
  { find /proc -mindepth 2 -maxdepth 2 -name cwd -printf '%h\t%l\n' 2>/dev/null || true; } |
    awk -F '\t' -v d="$data" '$2 == d { sub("^/proc/", "", $1); print $1 }' |
    while read -r p; do
      if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$exe" ]; then echo "$p"; fi
    done
}

postmaster_alive() { # DATA EXE: the postmaster named in DATA/postmaster.pid is a live server process
  local pid
  pid="$(head -n 1 "$1/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$1" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$2" ]
}

# kill_leftovers DATA EXE: children of a killed postmaster keep its shared memory; a new
# postmaster refuses to start beside them. Waits up to 5 s, then SIGKILLs what is left.
kill_leftovers() {
  local left
  for _ in $(seq 1 50); do
    [ -z "$(server_pids "$1" "$2")" ] && return 0
    sleep 0.1
  done
  left="$(server_pids "$1" "$2" | tr '\n' ' ')"
  log "killing leftover server processes of $1: $left"
  # shellcheck disable=SC2086  # a list of pids
  kill -KILL $left 2>/dev/null || true
  sleep 0.5
  [ -z "$(server_pids "$1" "$2")" ] || die "server processes of $1 survive SIGKILL"
}
