#!/usr/bin/env bash
# selftest.sh — prove that the ACME test environment works on this machine, end to
# end, from an empty state directory: start BIND, Pebble and the HTTP-01 server
# (each twice: idempotent restart), fetch the ACME directory over HTTPS trusting
# only the lab's TLS CA, add/delete a TXT record with TSIG-signed nsupdate (and
# check that unsigned and non-TXT updates are refused), issue certificates with
# lego in fast mode (Pebble's default 5 % badNonce on) and by real DNS-01 through
# BIND, with certbot by real HTTP-01 through the webroot server, run a second,
# EAB-requiring Pebble on other ports, then stop everything and check that no
# process and no listener is left.
#
# Loopback only; every client run is bounded by `timeout`; about 20-40 s in all.
#
# Usage: selftest.sh [--dir DIR] [--keep]
#   --dir DIR   state directory (default: a new directory /tmp/rotor-acme-selftest.*);
#               must be empty or absent
#   --keep      keep the state directory even when every check passed
# Needs the lab's default ports free: 14000 15000 15353 5002, and 14001 15001.
# Exit code 0 when every check passed; the last line is "N passed, N failed".
set -euo pipefail
LAB_SCRIPT=selftest
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=_common.sh
source "$HERE/_common.sh"

state=""; keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) state="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage_from_header "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
if [[ -z "$state" ]]; then
  state=$(mktemp -d /tmp/rotor-acme-selftest.XXXXXX)
else
  [[ ! -e "$state" || -z "$(ls -A "$state" 2>/dev/null)" ]] || die "--dir $state is not empty"
  mkdir -p "$state"
fi
state=$(readlink -f "$state")
export ROTOR_ACME_LAB_DIR="$state"
LAB_DIR="$state"
need pebble named nsupdate dig curl openssl lego certbot timeout

started=$SECONDS
passed=0; failed=0
LOG="$state/selftest.log"
check() {  # check DESCRIPTION CMD...
  local what="$1" t0=$SECONDS; shift
  echo "=== $what" >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then
    passed=$((passed + 1)); printf 'ok   %-58s %3ss\n' "$what" $((SECONDS - t0))
  else
    failed=$((failed + 1)); printf 'FAIL %-58s %3ss (see %s)\n' "$what" $((SECONDS - t0)) "$LOG"
  fi
}
cleanup() { "$HERE/stop-all.sh" >/dev/null 2>&1 || true; }
trap cleanup EXIT

PORTS=(14000 15000 15353 5002 14001 15001)
ports_free() {
  local p rc=0
  for p in "${PORTS[@]}"; do
    if port_busy "$p"; then echo "127.0.0.1:$p is in use"; rc=1; fi
  done
  return $rc
}
load_env() {  # load_env FILE... : source env files into the environment
  local f
  set -a
  for f in "$@"; do
    # shellcheck disable=SC1090
    source "$f"
  done
  set +a
}
directory_ok() {  # the directory answers, and only when trusting ACME_LAB_TLS_CA
  local dir
  dir=$(curl -sf --noproxy '*' --max-time 5 --cacert "$ACME_LAB_TLS_CA" "$ACME_LAB_DIRECTORY") || return 1
  echo "$dir"
  grep -q '"newOrder"' <<<"$dir" &&
  ! curl -sf --noproxy '*' --max-time 5 "$ACME_LAB_DIRECTORY" >/dev/null
}
eab_directory() {
  curl -sf --noproxy '*' --max-time 5 --cacert "$ACME_LAB_TLS_CA" "$ACME_LAB_DIRECTORY" |
    tr -d ' \n' | grep -q '"externalAccountRequired":true'
}
nsupdate_txt() {  # nsupdate_txt add|delete NAME [VALUE]   (signed with the lab key)
  local op="$1" name="$2" value="${3:-}" rr="$2. TXT"
  [[ "$op" == add ]] && rr="$name. 60 IN TXT \"$value\""
  printf 'server %s %s\nzone %s\nupdate %s %s\nsend\n' \
    "$ACME_LAB_DNS_HOST" "$ACME_LAB_DNS_PORT" "$ACME_LAB_DNS_ZONE" "$op" "$rr" |
    timeout 20 nsupdate -t 5 -k "$ACME_LAB_TSIG_KEY_FILE"
}
unsigned_refused() {
  ! printf 'server %s %s\nzone %s\nupdate add _acme-challenge.x.%s. 60 IN TXT "v"\nsend\n' \
    "$ACME_LAB_DNS_HOST" "$ACME_LAB_DNS_PORT" "$ACME_LAB_DNS_ZONE" "$ACME_LAB_DNS_ZONE" |
    timeout 20 nsupdate -t 5
}
a_record_refused() {
  ! printf 'server %s %s\nzone %s\nupdate add evil.%s. 60 IN A 192.0.2.1\nsend\n' \
    "$ACME_LAB_DNS_HOST" "$ACME_LAB_DNS_PORT" "$ACME_LAB_DNS_ZONE" "$ACME_LAB_DNS_ZONE" |
    timeout 20 nsupdate -t 5 -k "$ACME_LAB_TSIG_KEY_FILE"
}
txt_is() {  # txt_is NAME EXPECTED ("" = no record)
  local got
  got=$(dig +short +time=2 +tries=2 @"$ACME_LAB_DNS_HOST" -p "$ACME_LAB_DNS_PORT" "$1" TXT)
  echo "TXT $1: [$got]"
  [[ "$got" == "$2" ]]
}
verify_chain() {  # verify_chain PEM-WITH-LEAF-AND-CHAIN NAME [MAX-LIFETIME-SECONDS]
  local pem="$1" name="$2" max="${3:-}" end now
  openssl verify -CAfile "$ACME_LAB_ISSUER_ROOT" -untrusted "$pem" "$pem" || return 1
  openssl x509 -in "$pem" -noout -ext subjectAltName | grep -qF "DNS:$name" || return 1
  if [[ -n "$max" ]]; then
    end=$(date -d "$(openssl x509 -in "$pem" -noout -enddate | cut -d= -f2)" +%s); now=$(date +%s)
    echo "certificate lifetime left: $((end - now)) s (max $max)"
    (( end > now && end - now <= max + 60 )) || return 1
  fi
}
lego_run() {  # lego_run DIR NAME SOLVER [extra lego options...]
  local path="$1" name="$2" solver="$3" args=(); shift 3
  case "$solver" in
    dns) args=(--dns rfc2136 --dns.resolvers "$ACME_LAB_DNS_SERVER" --dns.disable-cp) ;;
    http) args=(--http --http.webroot "$ACME_LAB_WEBROOT") ;;
  esac
  env LEGO_CA_CERTIFICATES="$ACME_LAB_TLS_CA" RFC2136_POLLING_INTERVAL=1 \
    timeout 60 lego --server "$ACME_LAB_DIRECTORY" --accept-tos --email selftest@example.test \
      --path "$path" --key-type ec256 -d "$name" "${args[@]}" "$@" run
}
lego_refused() { ! lego_run "$@"; }
certbot_http01() {  # certbot_http01 DIR NAME
  local d="$1" name="$2"
  REQUESTS_CA_BUNDLE="$ACME_LAB_TLS_CA" timeout 90 certbot certonly --non-interactive \
    --agree-tos -m selftest@example.test --no-eff-email --server "$ACME_LAB_DIRECTORY" \
    --config-dir "$d/config" --work-dir "$d/work" --logs-dir "$d/logs" \
    --key-type ecdsa --elliptic-curve secp256r1 \
    --webroot -w "$ACME_LAB_WEBROOT" -d "$name"
}
webroot_was_used() {  # Pebble fetched an HTTP-01 token from the webroot server
  grep -E 'GET /\.well-known/acme-challenge/[A-Za-z0-9_-]{20,} HTTP/1\.1" 200' "$state/http01/http01.log"
}
differs() { ! cmp -s "$1" "$2"; }
same() { cmp -s "$1" "$2"; }
all_stopped() {  # every pid the lab recorded is gone, no lab process, no listener
  local pid rc=0
  for pid in "${PIDS[@]}"; do
    if pid_alive "$pid"; then echo "pid $pid still alive"; rc=1; fi
  done
  if ps -eo pid=,args= | grep -F -- "$state" | grep -v -e grep -e selftest.sh; then
    echo "processes still refer to $state"; rc=1
  fi
  ports_free || rc=1
  return $rc
}

echo "state: $state"
PIDS=()
check "lab ports free before start" ports_free
for attempt in 1 2; do
  check "start-bind.sh (start $attempt)"   "$HERE/start-bind.sh"
  check "start-pebble.sh --mode fast (start $attempt)" "$HERE/start-pebble.sh" --mode fast --validity 7200
  check "start-http01.sh (start $attempt)" "$HERE/start-http01.sh"
done
load_env "$state/bind/bind.env" "$state/pebble/pebble.env" "$state/http01/http01.env"
PIDS+=("$ACME_LAB_BIND_PID" "$ACME_LAB_PEBBLE_PID" "$ACME_LAB_HTTP01_PID")
cp "$ACME_LAB_ISSUER_ROOT" "$state/issuer-root-first.pem"
cp "$ACME_LAB_TLS_CA" "$state/tls-ca-first.pem"

check "directory over HTTPS, trusted only with ACME_LAB_TLS_CA" directory_ok
check "pebble keeps its default 5% badNonce" grep -q 'reject 5% of good nonces' "$state/pebble/pebble.log"
probe="_acme-challenge.probe.$ACME_LAB_DNS_ZONE"
check "nsupdate: TXT add with TSIG"          nsupdate_txt add "$probe" probe-value
check "dig: TXT visible"                     txt_is "$probe" '"probe-value"'
check "nsupdate: TXT delete with TSIG"       nsupdate_txt delete "$probe"
check "dig: TXT gone"                        txt_is "$probe" ""
check "nsupdate: unsigned update refused"    unsigned_refused
check "nsupdate: A record update refused"    a_record_refused

check "lego: fast mode, default 5% badNonce" lego_run "$state/lego-fast" "fast.$ACME_LAB_DNS_ZONE" http
check "lego cert chains to issuer root, 2 h lifetime" \
  verify_chain "$state/lego-fast/certificates/fast.$ACME_LAB_DNS_ZONE.crt" "fast.$ACME_LAB_DNS_ZONE" 7200

check "start-pebble.sh --mode real (restart)" "$HERE/start-pebble.sh" --mode real --nonce-reject 0
load_env "$state/pebble/pebble.env"
PIDS+=("$ACME_LAB_PEBBLE_PID")
check "restart: new issuing root"            differs "$state/issuer-root-first.pem" "$ACME_LAB_ISSUER_ROOT"
check "restart: same TLS CA"                 same "$state/tls-ca-first.pem" "$ACME_LAB_TLS_CA"
check "certbot: real HTTP-01 via webroot"    certbot_http01 "$state/certbot" "www.$ACME_LAB_DNS_ZONE"
check "pebble fetched the token from the webroot server" webroot_was_used
check "certbot cert chains to the new issuer root" \
  verify_chain "$state/certbot/config/live/www.$ACME_LAB_DNS_ZONE/fullchain.pem" "www.$ACME_LAB_DNS_ZONE"
check "lego: real DNS-01 via BIND (TSIG)"    lego_run "$state/lego-dns" "dns.$ACME_LAB_DNS_ZONE" dns
check "lego DNS-01 cert chains to issuer root" \
  verify_chain "$state/lego-dns/certificates/dns.$ACME_LAB_DNS_ZONE.crt" "dns.$ACME_LAB_DNS_ZONE"

# A second, EAB-requiring Pebble on other ports, next to the first one.
# Second key given in standard base64 with padding: the config gets base64url.
std_key='++++////++++////++++////++++////++++////+w=='
url_key='----____----____----____----____----____-w'
check "second pebble: --eab on 14001/15001" "$HERE/start-pebble.sh" --dir "$state/pebble-eab" \
  --acme-port 14001 --mgmt-port 15001 --mode fast --eab selftest-kid --eab "std-kid=$std_key"
load_env "$state/pebble-eab/pebble.env"
PIDS+=("$ACME_LAB_PEBBLE_PID")
check "second pebble: directory says externalAccountRequired" eab_directory
check "lego without EAB is refused"          lego_refused "$state/lego-noeab" "eab.$ACME_LAB_DNS_ZONE" http
check "lego with EAB (kid + base64url HMAC) is accepted" \
  lego_run "$state/lego-eab" "eab.$ACME_LAB_DNS_ZONE" http \
    --eab --kid "$ACME_LAB_EAB_KID" --hmac "$ACME_LAB_EAB_HMAC_KEY"
check "lego with a wrong HMAC is refused"    lego_refused "$state/lego-badeab" "eab.$ACME_LAB_DNS_ZONE" http \
    --eab --kid "$ACME_LAB_EAB_KID" --hmac "$url_key"
check "lego with EAB key given as standard base64" \
  lego_run "$state/lego-eab2" "eab2.$ACME_LAB_DNS_ZONE" http --eab --kid std-kid --hmac "$url_key"
load_env "$state/pebble/pebble.env"
check "first pebble still answers"           directory_ok

check "stop-all.sh"                          "$HERE/stop-all.sh"
check "no lab process or listener left"      all_stopped
check "stop-all.sh again (no-op)"            "$HERE/stop-all.sh"
trap - EXIT

echo "selftest took $((SECONDS - started)) s; log: $LOG"
if [[ "$failed" == 0 && "$keep" == 0 ]]; then
  rm -rf "$state"
fi
echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
