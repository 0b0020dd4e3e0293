# shellcheck shell=bash
# Process and usage helpers shared by tests/env/acme/_common.sh and tests/env/sip/_common.sh.
# Sourced, never executed.

# need CMD... : fail early with an install hint when a tool is missing; the sourcing
# _common.sh names its Debian packages in ENV_PACKAGES.
need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 ||
      die "'$c' not found; run tests/env/install-deps.sh as root (Debian: ${ENV_PACKAGES:-see tests/env/install-deps.sh})"
  done
}

# usage_from_header SCRIPT : print the comment block at the top of SCRIPT.
usage_from_header() { sed -n '2,/^set -[eu]/p' "$1" | sed '$d; s/^# \{0,1\}//'; }

# pid_alive PID : true when PID exists and is not a zombie.
pid_alive() {
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/status" ]] || return 1
  state=$(awk '/^State:/{print $2}' "/proc/$pid/status" 2>/dev/null)
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# pid_matches PID PATTERN : PID is alive and its command line contains PATTERN
# (never signal an unrelated process that reused a pid from a stale pid file).
pid_matches() {
  local pid="$1" pattern="$2"
  pid_alive "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}
