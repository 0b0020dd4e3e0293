# shellcheck shell=bash
# Shared helpers for Rotor's SIP test environment (start-kamailio.sh, sipp-load.sh,
# reload.sh, stop.sh, gen-cert.sh, selftest.sh). Sourced, never executed.
#
# Conventions
#   * Everything binds to 127.0.0.1 only; no system service is used or changed.
#   * One instance = one state directory DIR (given to every script) and four
#     consecutive ports from its TLS port up: TLS, plain SIP, the test UAS, the
#     TLS shim in front of sipp. Several instances run side by side with
#     different DIRs and ports at least 4 apart.
#   * DIR/sip.env describes a running instance (source-able KEY=VALUE lines).
#   * Every process is recorded in a pid file under DIR/run and only those are
#     ever signalled.

SIP_ENV_HOME="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

log()  { printf '[%s] %s\n' "${SIP_SCRIPT:-sip-env}" "$*" >&2; }
die()  { log "ERROR: $*"; exit "${DIE_CODE:-1}"; }

ENV_PACKAGES="kamailio kamailio-tls-modules sip-tester stunnel4 openssl iproute2 util-linux"
# shellcheck source=../_process.sh
source "$SIP_ENV_HOME/../_process.sh"

# need_uint VALUE NAME : VALUE must be a non-negative integer.
need_uint() {
  [[ "$1" =~ ^[0-9]+$ ]] || die "$2 must be a non-negative integer, got '$1'"
}

# stop_pid PID PATTERN WHAT : TERM the process if it still matches PATTERN, KILL
# its process group after 10 s.
stop_pid() {
  local pid="$1" pattern="$2" what="$3" _i
  pid_matches "$pid" "$pattern" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _i in $(seq 100); do pid_alive "$pid" || break; sleep 0.1; done
  if pid_alive "$pid"; then
    log "$what (pid $pid) did not stop on TERM, sending KILL to its process group"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for _i in $(seq 20); do pid_alive "$pid" || break; sleep 0.1; done
  fi
  log "stopped $what (pid $pid)"
}

# stop_pidfile PIDFILE PATTERN WHAT : stop_pid on the pid recorded in PIDFILE, remove it.
stop_pidfile() {
  local pidfile="$1"
  [[ -f "$pidfile" ]] || return 0
  stop_pid "$(cat "$pidfile" 2>/dev/null || true)" "$2" "$3"
  rm -f "$pidfile"
}

# port_in_use PORT : something listens on 127.0.0.1:PORT (any address), TCP or UDP.
port_in_use() {
  [[ -n "$(ss -Htuln "sport = :$1" 2>/dev/null)" ]]
}

# wait_listen tcp|udp PORT SECONDS : wait until something listens on PORT.
wait_listen() {
  local flag=-Htln _i
  [[ "$1" == udp ]] && flag=-Huln
  for _i in $(seq $(($3 * 10))); do
    [[ -n "$(ss "$flag" "sport = :$2" 2>/dev/null)" ]] && return 0
    sleep 0.1
  done
  return 1
}

# env_line NAME VALUE : one line of a source-able env file.
env_line() {
  if [[ -z "$2" ]]; then printf '%s=\n' "$1"; else printf '%s=%q\n' "$1" "$2"; fi
}

# load_instance DIR : source DIR/sip.env (written by start-kamailio.sh).
load_instance() {
  [[ -f "$1/sip.env" ]] || die "$1/sip.env not found (start-kamailio.sh $1 first)"
  # shellcheck source=/dev/null
  source "$1/sip.env"
}

# utc_now : ISO time with milliseconds, for the marker lines in kamailio.log
# (Kamailio's own lines carry no time stamps).
utc_now() { date -u +%FT%T.%3NZ; }
