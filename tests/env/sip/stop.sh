#!/usr/bin/env bash
# stop.sh — stop the Kamailio of a SIP test-environment folder, and any load helpers
# (stunnel, sipp) that sipp-load.sh left running for it.
#
# Usage: stop.sh DIR
#
# TERM to the processes recorded in DIR/run/*.pid (only if their command line still
# names DIR), KILL of the process group after 10 s. Certificates, logs and
# configuration stay. Idempotent: stopping a stopped instance succeeds.
# Exit code 0 when nothing of DIR is left running.
set -euo pipefail
SIP_SCRIPT=stop
# shellcheck source=_common.sh
source "$(dirname "$(readlink -f "$0")")/_common.sh"

if [[ $# -ne 1 || "$1" == -h || "$1" == --help ]]; then
  usage_from_header "$0"; exit 2
fi
if [[ ! -d "$1" ]]; then
  log "$1 does not exist; nothing to stop"
  exit 0
fi
dir=$(readlink -f "$1")
run="$dir/run"

# Load helpers first: normally sipp-load.sh has stopped them itself.
for f in "$run"/load-*.pid; do
  [[ -e "$f" ]] || continue
  stop_pidfile "$f" "$dir/" "$(basename "$f" .pid)"
done

stop_pidfile "$run/kamailio.pid" "-f $dir/kamailio.cfg " kamailio

# Kamailio children normally end with their main process; make sure none is left.
leftover=$(pgrep -f -- "kamailio -f $dir/kamailio.cfg " || true)
for pid in $leftover; do
  kill -KILL "$pid" 2>/dev/null || true
done
[[ -z "$leftover" ]] || log "killed leftover Kamailio processes: $leftover"

rm -f "$run/kamailio_ctl"
log "Kamailio of $dir is stopped"
