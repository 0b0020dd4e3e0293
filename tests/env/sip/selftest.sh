#!/usr/bin/env bash
# selftest.sh — prove that the SIP test environment works on this machine, end to end,
# from an empty state folder: start Kamailio (twice: idempotent), check the presented
# certificate and a SIP OPTIONS answer over TLS, run calls over the TLS shim in both
# modes, reload with a new pair, refuse a mismatched pair (the previous certificate
# stays in service), reload while calls are up on one trunk connection and on
# per-call connections, serve a chain with an intermediate, run a second instance
# beside the first (an HA pair), then stop everything and check nothing is left.
#
# Reloads here happen while TLS connections are established and carry calls, never
# while new handshakes are in progress: Kamailio 5.6 with OpenSSL 3 (Debian 12) can
# corrupt memory when `tls.reload` runs concurrently with new handshakes (see
# README.md), and a self-test must be deterministic.
#
# Loopback only; every client run is bounded by `timeout`; about 30 s in all.
#
# Usage: selftest.sh [--port PORT] [--keep]
#   --port PORT   first instance's TLS port (default 15261); uses PORT..PORT+7
#   --keep        keep the state folder even when every check passed
# Exit code 0 when every check passed; the last line is "N passed, N failed".
set -euo pipefail
SIP_SCRIPT=selftest
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=_common.sh
source "$HERE/_common.sh"

port=15261; keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage_from_header "$0"; exit 0 ;;
    *) DIE_CODE=2 die "unknown option $1 (see --help)" ;;
  esac
done
need_uint "$port" --port
need kamailio kamcmd sipp stunnel openssl ss timeout
port2=$((port + 4))
state=$(mktemp -d /tmp/rotor-sip-selftest.XXXXXX)
A="$state/a"; B="$state/b"
LOG="$state/selftest.log"
passed=0; failed=0

check() {  # check DESCRIPTION CMD...
  local what="$1" t0=$SECONDS; shift
  echo "=== $what" >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then
    passed=$((passed + 1)); printf 'ok   %-66s %3ss\n' "$what" $((SECONDS - t0))
  else
    failed=$((failed + 1)); printf 'FAIL %-66s %3ss (see %s)\n' "$what" $((SECONDS - t0)) "$LOG"
  fi
}
cleanup() { "$HERE/stop.sh" "$A" >/dev/null 2>&1 || true; "$HERE/stop.sh" "$B" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# file_sha256 PEM : fingerprint of the first certificate in PEM.
file_sha256() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
# presented_sha256 PORT : fingerprint of the leaf a fresh handshake presents.
presented_sha256() {
  timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null |
    openssl x509 -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1
}
presents() { [[ "$(presented_sha256 "$1")" == "$(file_sha256 "$2")" ]]; }
# options_status PORT : status line of Kamailio's answer to an OPTIONS over TLS.
options_status() {
  { printf 'OPTIONS sip:localhost:%s;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:selftest@localhost>;tag=%s\r\nTo: <sip:localhost:%s>\r\nCall-ID: %s@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContact: <sip:selftest@127.0.0.1:5999;transport=tls>\r\nContent-Length: 0\r\n\r\n' \
      "$1" "$RANDOM$RANDOM" "$RANDOM" "$1" "$RANDOM$RANDOM"
    sleep 1; } |
    timeout 5 openssl s_client -quiet -no_ign_eof -connect "127.0.0.1:$1" -verify_return_error -CAfile "$A/ca/ca-cert.pem" 2>/dev/null |
    head -n 1 | tr -d '\r'
}
options_ok() { [[ "$(options_status "$1")" == "SIP/2.0 200 OK" ]]; }
both_present() { # both_present PORT1 DIR1 PORT2 DIR2
  presents "$1" "$2/certs/cert.pem" && presents "$3" "$4/certs/cert.pem" &&
    [[ "$(file_sha256 "$2/certs/cert.pem")" != "$(file_sha256 "$4/certs/cert.pem")" ]]
}
# stopped PID PORT : the process is gone (a zombie counts as gone) and nothing listens on PORT.
stopped() { ! pid_alive "$1" && [[ -z "$(ss -Htln "sport = :$2")" ]] && [[ -z "$(pgrep -f -- "kamailio -f $A/kamailio.cfg " || true)" ]]; }
load_passes() { # load_passes DIR ARGS... : sipp-load.sh must report "result":"pass"
  local dir="$1"; shift
  "$HERE/sipp-load.sh" "$dir" "$@" | tee -a "$LOG" | tail -n 1 | grep -q '"result":"pass"'
}

# --- start ------------------------------------------------------------------------------
check "start-kamailio.sh starts Kamailio on 127.0.0.1:$port" "$HERE/start-kamailio.sh" "$A" "$port"
pid1=$(cat "$A/run/kamailio.pid" 2>/dev/null || echo none)
check "start-kamailio.sh again changes nothing (same pid)" \
  bash -c '"$1/start-kamailio.sh" "$2" "$3" 2>/dev/null | tail -n 1 | grep -q "SIP_LAB_PID=$4 "' _ "$HERE" "$A" "$port" "$pid1"
check "listens on 127.0.0.1 only" bash -c '! ss -Htln | grep -E ":$1\\b" | grep -vq "127.0.0.1:$1"' _ "$port"
check "a handshake presents certs/cert.pem" presents "$port" "$A/certs/cert.pem"
check "the chain verifies against ca/ca-cert.pem with IP 127.0.0.1" bash -c \
  'timeout 10 openssl s_client -connect 127.0.0.1:$1 -CAfile "$2" -verify_ip 127.0.0.1 -verify_return_error </dev/null 2>&1 | grep -q "Verify return code: 0 (ok)"' \
  _ "$port" "$A/ca/ca-cert.pem"
check "OPTIONS over TLS is answered 200" options_ok "$port"

# --- calls ---------------------------------------------------------------------------------
check "per-call connections: 20 calls at 10 cps pass" load_passes "$A" --rate 10 --calls 20
check "trunk connection: 20 calls at 10 cps pass, one handshake" bash -c \
  '"$1/sipp-load.sh" "$2" --rate 10 --calls 20 --conn trunk | tail -n 1 | grep -q "\"successful\":20,\"failed\":0,.*\"tls_connections\":1,"' _ "$HERE" "$A"

# --- reloads ---------------------------------------------------------------------------------
check "reload.sh with unchanged files: ok" "$HERE/reload.sh" "$A"
"$HERE/gen-cert.sh" --ca-dir "$A/ca" "$state/new1-cert.pem" "$state/new1-key.pem" >>"$LOG"
cp "$state/new1-key.pem" "$A/certs/key.pem"; cp "$state/new1-cert.pem" "$A/certs/cert.pem"
check "new pair + reload.sh: ok" "$HERE/reload.sh" "$A"
check "new handshakes present the new certificate" presents "$port" "$state/new1-cert.pem"
"$HERE/gen-cert.sh" --ca-dir "$A/ca" "$state/new2-cert.pem" "$state/new2-key.pem" >>"$LOG"
cp "$state/new2-cert.pem" "$A/certs/cert.pem"          # certificate replaced, key not
check "mismatched key: reload.sh exits 1, RELOAD_RESULT=refused" bash -c \
  'out=$("$1/reload.sh" "$2"); rc=$?; echo "$out"; [[ $rc == 1 && "$out" == *RELOAD_RESULT=refused ]]' _ "$HERE" "$A"
check "after the refused reload the previous certificate is presented" presents "$port" "$state/new1-cert.pem"
cp "$state/new2-key.pem" "$A/certs/key.pem"
check "matching key installed: reload.sh ok" "$HERE/reload.sh" "$A"
check "new handshakes present the second new certificate" presents "$port" "$state/new2-cert.pem"

# --- reloads while calls are up ----------------------------------------------------------------
"$HERE/gen-cert.sh" --ca-dir "$A/ca" "$state/new3-cert.pem" "$state/new3-key.pem" >>"$LOG"
"$HERE/sipp-load.sh" "$A" --rate 10 --duration 6 --conn trunk > "$state/trunk.out" 2>&1 &
load=$!
sleep 3    # the trunk connection is up and carrying calls; no new handshakes
cp "$state/new3-key.pem" "$A/certs/key.pem"; cp "$state/new3-cert.pem" "$A/certs/cert.pem"
check "reload while a trunk connection carries calls: ok" "$HERE/reload.sh" "$A"
wait "$load" || true
check "all 60 trunk calls completed across the reload" \
  bash -c 'tail -n 1 "$1" | grep -q "\"result\":\"pass\",\"planned\":60,\"attempted\":60,\"successful\":60,\"failed\":0"' _ "$state/trunk.out"
"$HERE/gen-cert.sh" --ca-dir "$A/ca" "$state/new4-cert.pem" "$state/new4-key.pem" >>"$LOG"
"$HERE/sipp-load.sh" "$A" --rate 2 --calls 4 --hold 5000 > "$state/held.out" 2>&1 &
load=$!
sleep 3    # 4 calls, each on its own TLS connection, all answered, none hung up yet
cp "$state/new4-key.pem" "$A/certs/key.pem"; cp "$state/new4-cert.pem" "$A/certs/cert.pem"
check "reload while 4 per-call connections hold calls: ok" "$HERE/reload.sh" "$A"
wait "$load" || true
check "the 4 calls set up before the reload hung up after it" \
  bash -c 'tail -n 1 "$1" | grep -q "\"result\":\"pass\",\"planned\":4,\"attempted\":4,\"successful\":4,\"failed\":0"' _ "$state/held.out"
check "new handshakes present the fourth new certificate" presents "$port" "$state/new4-cert.pem"

# --- a chain with an intermediate ----------------------------------------------------------------
"$HERE/gen-cert.sh" --ca-dir "$A/ca" --intermediate "$state/int-cert.pem" "$state/int-key.pem" >>"$LOG"
cp "$state/int-key.pem" "$A/certs/key.pem"; cp "$state/int-cert.pem" "$A/certs/cert.pem"
check "leaf + intermediate: reload.sh ok" "$HERE/reload.sh" "$A"
check "the intermediate is sent, and the chain verifies against the root only" bash -c \
  'out=$(timeout 10 openssl s_client -connect 127.0.0.1:$1 -CAfile "$2" -verify_return_error -showcerts </dev/null 2>&1); echo "$out";
   [[ $(grep -c "BEGIN CERTIFICATE" <<<"$out") == 2 ]] && grep -q "Verify return code: 0 (ok)" <<<"$out"' _ "$port" "$A/ca/ca-cert.pem"

# --- a second instance beside the first (HA pair) ----------------------------------------------------
check "a second instance starts on 127.0.0.1:$port2" "$HERE/start-kamailio.sh" "$B" "$port2"
check "each instance presents its own certificate" both_present "$port" "$A" "$port2" "$B"
check "stop.sh stops the second instance" "$HERE/stop.sh" "$B"

# --- stop, stop again, restart ------------------------------------------------------------------------
cp "$A/run/kamailio.pid" "$state/pid-a"
check "stop.sh stops Kamailio" "$HERE/stop.sh" "$A"
check "no process left, TLS port closed" stopped "$(cat "$state/pid-a")" "$port"
check "stop.sh again is a no-op" "$HERE/stop.sh" "$A"
check "start-kamailio.sh after stop serves the current certificate" bash -c \
  '"$1/start-kamailio.sh" "$2" "$3" >/dev/null 2>&1' _ "$HERE" "$A" "$port"
check "  ... which is the last one installed" presents "$port" "$state/int-cert.pem"
check "final stop.sh" "$HERE/stop.sh" "$A"

if [[ "$failed" == 0 && "$keep" == 0 ]]; then
  rm -rf "$state"
else
  echo "state folder kept: $state"
fi
echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
