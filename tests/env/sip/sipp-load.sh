#!/usr/bin/env bash
# sipp-load.sh — complete SIP calls (INVITE/ACK/BYE) over TLS through the Kamailio of
# a SIP test-environment folder, bounded in count and time; reports how many
# calls succeeded and failed.
#
# Usage: sipp-load.sh DIR [options]
#   --rate CPS            new calls per second (default 10)
#   --duration SEC        seconds of call generation: calls = rate x duration (default 10)
#   --calls N             total calls (overrides --duration)
#   --hold MS             time between ACK and BYE (default 0)
#   --conn per-call       every call opens its own TLS connection: one handshake per
#                         call (default)
#   --conn trunk          all calls share ONE TLS connection opened at the start, as a
#                         SIP trunk does (an established connection across reloads)
#   --ca FILE             trust anchor the shim verifies Kamailio against
#                         (default SIP_LAB_CA of DIR/sip.env; the IP SAN 127.0.0.1
#                         is checked too)
#   --no-verify           do not verify Kamailio's certificate
#   --timeout SEC         hard limit for the run (default calls/rate + hold + 30)
#   --out DIR2            folder for the logs (default DIR/load/<UTC time>-<pid>)
#
# Debian's sipp has no TLS, so sipp speaks TCP to a local stunnel (127.0.0.1:PORT+3)
# which carries each TCP connection over TLS to Kamailio (127.0.0.1:PORT). A sipp UAS
# answers on 127.0.0.1:PORT+2 (UDP); Kamailio record-routes, so ACK and BYE cross the
# TLS leg too. Session resumption is off: every TLS connection is a full handshake.
# One run per DIR at a time. SIGTERM/SIGINT end the run early (counts still printed).
#
# Logs in the --out folder: uac-stats.csv (sipp's statistics; the last line is the
# final count), uac-errors.log, uac.out, uas.out, stunnel.log, stunnel.conf.
# Last line: one JSON object, e.g.
#   {"result":"pass","planned":100,"attempted":100,"successful":100,"failed":0,
#    "failed_tcp_connect":0,"failed_tcp_closed":0,"failed_timeout":0,
#    "failed_unexpected_msg":0,"failed_cannot_send":0,"unfinished":0,"retransmissions":0,
#    "tls_connections":100,"tls_handshakes_ok":100,"tls_handshakes_failed":0,
#    "sipp_exit":0,"rate":10,"hold_ms":0,"conn":"per-call","elapsed_s":11,"out_dir":"..."}
# "failed" = planned - successful, so calls never attempted count as failed.
# Exit code: 0 when every planned call succeeded and no handshake failed, 1 otherwise,
# 2 on usage or environment errors.
set -uo pipefail
SIP_SCRIPT=sipp-load
# shellcheck source=_common.sh
source "$(dirname "$(readlink -f "$0")")/_common.sh"
DIE_CODE=2

[[ $# -ge 1 ]] || { usage_from_header "$0"; exit 2; }
case "$1" in -h|--help) usage_from_header "$0"; exit 0 ;; esac
[[ -d "$1" ]] || die "no such folder: $1"
dir=$(readlink -f "$1"); shift

rate=10; duration=10; calls=""; hold=0; conn=per-call; verify=1; ca=""; limit=""; out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --calls) calls="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --conn) conn="$2"; shift 2 ;;
    --ca) ca="$2"; shift 2 ;;
    --no-verify) verify=0; shift ;;
    --timeout) limit="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage_from_header "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
need_uint "$rate" --rate; need_uint "$duration" --duration; need_uint "$hold" --hold
(( rate > 0 )) || die "--rate must be > 0"
[[ -n "$calls" ]] || calls=$((rate * duration))
[[ "$calls" =~ ^[1-9][0-9]*$ ]] || die "--calls must be a positive integer"
case "$conn" in
  per-call) transport=tn ;;
  trunk) transport=t1 ;;
  *) die "--conn must be per-call or trunk" ;;
esac
[[ -n "$limit" ]] || limit=$(( (calls + rate - 1) / rate + hold / 1000 + 30 ))
need_uint "$limit" --timeout

need sipp stunnel ss flock timeout
load_instance "$dir"
pid_matches "$SIP_LAB_PID" "-f $dir/kamailio.cfg " || die "the Kamailio of $dir is not running (start-kamailio.sh $dir)"
[[ -n "$ca" ]] || ca="$SIP_LAB_CA"
if [[ "$verify" == 1 && ! -f "$ca" ]]; then
  die "no trust anchor to verify Kamailio with (--ca FILE or --no-verify)"
fi

run="$dir/run"
exec 7>"$run/load.lock"
flock -n 7 || die "another sipp-load.sh run is active for $dir"
for p in "$SIP_LAB_UAS_PORT" "$SIP_LAB_SHIM_PORT"; do
  port_in_use "$p" && die "port $p is in use (needed by the load helpers)"
done

[[ -n "$out" ]] || out="$dir/load/$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$out"
out=$(readlink -f "$out")

stunnel_pid=""; uas_pid=""; uac_pid=""
cleanup() {
  local p _i
  for p in $uac_pid $uas_pid $stunnel_pid; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $uac_pid $uas_pid $stunnel_pid; do
    for _i in $(seq 50); do pid_alive "$p" || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -f "$run/load-stunnel.pid" "$run/load-sipp-uas.pid" "$run/load-sipp-uac.pid"
  uac_pid=""; uas_pid=""; stunnel_pid=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- TLS shim ------------------------------------------------------------------------
if [[ "$verify" == 1 ]]; then
  verify_block="verifyChain = yes
CAfile = $ca
checkIP = 127.0.0.1"
else
  verify_block="verifyChain = no
verifyPeer = no"
fi
tpl=$(cat "$SIP_ENV_HOME/templates/stunnel-client.conf.in")
tpl=${tpl//@@SHIM_PORT@@/$SIP_LAB_SHIM_PORT}
tpl=${tpl//@@TLS_PORT@@/$SIP_LAB_TLS_PORT}
tpl=${tpl//@@VERIFY@@/$verify_block}
printf '%s\n' "$tpl" > "$out/stunnel.conf"
stunnel "$out/stunnel.conf" > "$out/stunnel.log" 2>&1 7>&- &
stunnel_pid=$!
echo "$stunnel_pid" > "$run/load-stunnel.pid"
wait_listen tcp "$SIP_LAB_SHIM_PORT" 5 || { cat "$out/stunnel.log" >&2; die "stunnel did not start"; }

# --- callee (UAS) ----------------------------------------------------------------------
# -ci: sipp's control socket on loopback (its default is 0.0.0.0:8888); -max_socket:
# sipp's default (50 000) exceeds the usual open-file limit and aborts the run.
sipp -sf "$SIP_ENV_HOME/scenarios/uas.xml" -i 127.0.0.1 -mi 127.0.0.1 -ci 127.0.0.1 \
  -p "$SIP_LAB_UAS_PORT" -t u1 -nostdin -max_socket 1024 -trace_err -error_file "$out/uas-errors.log" \
  > "$out/uas.out" 2>&1 7>&- &
uas_pid=$!
echo "$uas_pid" > "$run/load-sipp-uas.pid"
wait_listen udp "$SIP_LAB_UAS_PORT" 5 || { cat "$out/uas.out" >&2; die "the sipp UAS did not start"; }

# --- caller (UAC): the measured side ------------------------------------------------------
log "$calls calls at $rate cps, hold $hold ms, TLS connection: $conn, verify: $([[ $verify == 1 ]] && echo "yes ($ca)" || echo no) -> 127.0.0.1:$SIP_LAB_TLS_PORT; logs in $out"
started=$SECONDS
echo "=== $(utc_now) sipp-load.sh: load started ($calls calls, $rate cps, $conn) ===" >> "$SIP_LAB_LOG"
timeout --signal=INT --kill-after=10 "$limit" \
  sipp -sf "$SIP_ENV_HOME/scenarios/uac.xml" -set proxy_host 127.0.0.1 -set proxy_port "$SIP_LAB_TLS_PORT" \
  -s rotor -i 127.0.0.1 -mi 127.0.0.1 -ci 127.0.0.1 "127.0.0.1:$SIP_LAB_SHIM_PORT" -t "$transport" \
  -r "$rate" -m "$calls" -d "$hold" -max_socket 4096 -max_reconnect 100 -reconnect_sleep 100 \
  -recv_timeout 10000 -nostdin \
  -trace_stat -stf "$out/uac-stats.csv" -fd 1 \
  -trace_err -error_file "$out/uac-errors.log" \
  > "$out/uac.out" 2>&1 7>&- &
uac_pid=$!
echo "$uac_pid" > "$run/load-sipp-uac.pid"
wait "$uac_pid"
sipp_rc=$?
uac_pid=""
elapsed=$((SECONDS - started))
echo "=== $(utc_now) sipp-load.sh: load finished (sipp exit $sipp_rc) ===" >> "$SIP_LAB_LOG"
cleanup

# --- results: sipp's final statistics line and stunnel's handshake lines ---------------------
col() { # col NAME : column NAME of the last line of the statistics file
  awk -F';' -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
    { last = $0 } END { if (c && last != "") { split(last, f, ";"); print f[c] + 0 } else print 0 }' \
    "$out/uac-stats.csv" 2>/dev/null || echo 0
}
attempted=$(col "TotalCallCreated")
successful=$(col "SuccessfulCall(C)")
sipp_failed=$(col "FailedCall(C)")
f_connect=$(col "FailedTcpConnect(C)")
f_closed=$(col "FailedTcpClosed(C)")
f_timeout=$(col "FailedTimeoutOnRecv(C)")
f_unexpected=$(col "FailedUnexpectedMessage(C)")
f_send=$(col "FailedCannotSendMessage(C)")
retrans=$(col "Retransmissions(C)")
unfinished=$((attempted - successful - sipp_failed)); (( unfinished >= 0 )) || unfinished=0
failed=$((calls - successful)); (( failed >= 0 )) || failed=0
tls_conns=$(grep -c "accepted connection from" "$out/stunnel.log" 2>/dev/null); tls_conns=${tls_conns:-0}
tls_ok=$(grep -c "TLS connected:" "$out/stunnel.log" 2>/dev/null); tls_ok=${tls_ok:-0}
tls_failed=$((tls_conns - tls_ok)); (( tls_failed >= 0 )) || tls_failed=0

result=fail
(( successful == calls && sipp_failed == 0 && tls_failed == 0 )) && result=pass

echo "calls: planned=$calls attempted=$attempted successful=$successful failed=$failed (sipp failed=$sipp_failed unfinished=$unfinished)"
echo "tls:   connections=$tls_conns handshakes_ok=$tls_ok handshakes_failed=$tls_failed"
echo "sipp exit $sipp_rc, ${elapsed}s"
if [[ "$result" != pass ]]; then
  echo "----- first errors (see $out) -----"
  grep -E "LOG[0-4]\[" "$out/stunnel.log" 2>/dev/null | grep -v "TIMEOUTclose exceeded" | head -n 5
  grep -v '^$' "$out/uac-errors.log" 2>/dev/null | head -n 10
fi
printf '{"result":"%s","planned":%d,"attempted":%d,"successful":%d,"failed":%d,' \
  "$result" "$calls" "$attempted" "$successful" "$failed"
printf '"failed_tcp_connect":%d,"failed_tcp_closed":%d,"failed_timeout":%d,' "$f_connect" "$f_closed" "$f_timeout"
printf '"failed_unexpected_msg":%d,"failed_cannot_send":%d,"unfinished":%d,"retransmissions":%d,' \
  "$f_unexpected" "$f_send" "$unfinished" "$retrans"
printf '"tls_connections":%d,"tls_handshakes_ok":%d,"tls_handshakes_failed":%d,' "$tls_conns" "$tls_ok" "$tls_failed"
printf '"sipp_exit":%d,"rate":%d,"hold_ms":%d,"conn":"%s","elapsed_s":%d,"out_dir":"%s"}\n' \
  "$sipp_rc" "$rate" "$hold" "$conn" "$elapsed" "$out"
[[ "$result" == pass ]]
