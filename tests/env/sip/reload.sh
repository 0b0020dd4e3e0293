#!/usr/bin/env bash
# reload.sh — ask the Kamailio of a SIP test-environment folder to reload its TLS
# configuration: tls.cfg and the certificate and key files it names.
#
# Usage: reload.sh DIR
#
# Same as: kamcmd -s unix:DIR/run/kamailio_ctl tls.reload
# kamcmd exits 0 even when the RPC fails, so success is recognised by the reply
# text alone: "Ok. TLS configuration reloaded." A refused reload answers
# "error: 500 - Error while fixing TLS configuration (consult server log)"; the
# reason is only in kamailio.log, and its ERROR lines are printed here.
#
# Output: the reply, then as the last line one of
#   RELOAD_RESULT=ok
#   RELOAD_RESULT=refused      Kamailio kept its previous certificate
#   RELOAD_RESULT=unreachable  no answer on the control socket
# Exit code: 0 ok, 1 refused, 2 unreachable or usage error.
set -uo pipefail
SIP_SCRIPT=reload
# shellcheck source=_common.sh
source "$(dirname "$(readlink -f "$0")")/_common.sh"
DIE_CODE=2

if [[ $# -ne 1 || "$1" == -h || "$1" == --help ]]; then
  usage_from_header "$0"; exit 2
fi
[[ -d "$1" ]] || { echo "RELOAD_RESULT=unreachable"; die "no such folder: $1"; }
dir=$(readlink -f "$1")
[[ -f "$dir/sip.env" ]] || { echo "RELOAD_RESULT=unreachable"; die "$dir/sip.env not found (start-kamailio.sh $dir first)"; }
load_instance "$dir"
need kamcmd timeout

echo "=== $(utc_now) reload.sh: tls.reload requested ===" >> "$SIP_LAB_LOG"
offset=$(stat -c %s "$SIP_LAB_LOG" 2>/dev/null || echo 0)
reply=$(timeout 15 kamcmd -s "unix:$SIP_LAB_CTL_SOCKET" tls.reload 2>&1)
rc=$?
echo "$reply"

if [[ "$reply" == *"Ok. TLS configuration reloaded."* ]]; then
  echo "=== $(utc_now) reload.sh: result ok ===" >> "$SIP_LAB_LOG"
  echo "RELOAD_RESULT=ok"
  exit 0
fi
if [[ "$reply" != *"error: 500"* ]]; then
  # kamcmd's own failures (no socket, refused, timeout) exit non-zero or say nothing.
  log "no answer from Kamailio on $SIP_LAB_CTL_SOCKET (kamcmd exit $rc)"
  echo "RELOAD_RESULT=unreachable"
  exit 2
fi
echo "----- kamailio.log lines written during the reload -----"
tail -c +"$((offset + 1))" "$SIP_LAB_LOG" 2>/dev/null | grep -E "ERROR|CRITICAL" | head -n 20
echo "=== $(utc_now) reload.sh: result refused ===" >> "$SIP_LAB_LOG"
echo "RELOAD_RESULT=refused"
exit 1
