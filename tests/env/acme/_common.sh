# shellcheck shell=bash
# Shared helpers for Rotor's ACME test environment (start-pebble.sh, start-bind.sh,
# start-http01.sh, stop-all.sh, selftest.sh). Sourced, never executed.
#
# Conventions
#   * Every service binds to 127.0.0.1 only and talks to nothing but 127.0.0.1.
#   * State lives under $ROTOR_ACME_LAB_DIR (default /tmp/rotor-acme-lab), one
#     directory per service instance, each holding
#       <name>.pid   pid of the running daemon
#       <name>.log   its stdout/stderr
#       <name>.env   KEY=VALUE lines describing how to reach it (source-able;
#                    values are shell-quoted only if they need it)
#   * Every instance started is recorded in $LAB_DIR/instances so that
#     stop-all.sh also finds instances started with --dir elsewhere.
#   * Starting an instance that already runs from the same directory restarts
#     it, so every start script is idempotent.

LAB_DIR="${ROTOR_ACME_LAB_DIR:-/tmp/rotor-acme-lab}"

log()  { printf '[%s] %s\n' "${LAB_SCRIPT:-acme-lab}" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

ENV_PACKAGES="pebble bind9 bind9-dnsutils curl python3 lego certbot python3-certbot-dns-rfc2136"
# shellcheck source=../_process.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_process.sh"

# need_port VALUE NAME : VALUE must be a TCP/UDP port number.
need_port() {
  if ! [[ "$1" =~ ^[0-9]+$ ]] || (( $1 < 1 || $1 > 65535 )); then
    die "$2 must be a port number, got '$1'"
  fi
}

# stop_pidfile PIDFILE PATTERN : stop the daemon recorded in PIDFILE (TERM, then
# KILL after 5 s) if it still matches PATTERN; remove the pid file.
stop_pidfile() {
  local pidfile="$1" pattern="$2" pid _i
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if pid_matches "$pid" "$pattern"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _i in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then
      log "pid $pid did not stop on TERM, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _i in $(seq 20); do pid_alive "$pid" || break; sleep 0.1; done
    fi
    log "stopped pid $pid"
  fi
  rm -f "$pidfile"
}

# port_busy PORT : something accepts TCP connections on 127.0.0.1:PORT.
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_port_free PORT SECONDS : wait until nothing listens on 127.0.0.1:PORT.
wait_port_free() {
  local port="$1" secs="${2:-5}" _i
  for _i in $(seq $((secs * 10))); do port_busy "$port" || return 0; sleep 0.1; done
  return 1
}

# start_daemon PIDFILE LOGFILE CMD... : start CMD detached (own session, stdin
# from /dev/null, stdout/stderr to LOGFILE, so a caller reading our output through
# a pipe is never held open by the daemon) and record its pid.
start_daemon() {
  local pidfile="$1" logfile="$2"; shift 2
  setsid "$@" </dev/null >"$logfile" 2>&1 &
  echo $! > "$pidfile"
}

# register_instance SCRIPT DIR : remember that SCRIPT started an instance from
# DIR, for stop-all.sh.
register_instance() {
  local line="$1 $2"
  mkdir -p "$LAB_DIR"
  grep -qxF -- "$line" "$LAB_DIR/instances" 2>/dev/null || echo "$line" >> "$LAB_DIR/instances"
}

# env_line NAME VALUE : one line of a source-able env file: NAME=VALUE, with
# VALUE shell-quoted only when it needs it (never for the lab's own values unless
# the state directory has spaces or quotes); an empty value is written as NAME=.
env_line() {
  if [[ -z "$2" ]]; then printf '%s=\n' "$1"; else printf '%s=%q\n' "$1" "$2"; fi
}

# is_loopback HOST : 127.0.0.0/8 or ::1.
is_loopback() { [[ "$1" =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ || "$1" == "::1" || "$1" == "[::1]" ]]; }
