#!/usr/bin/env bash
# start-pebble.sh — run a Pebble (2.4.0, Debian package) ACME test CA on 127.0.0.1.
#
# Idempotent: a Pebble started from the same --dir is stopped first. The TLS
# certificate of Pebble's own HTTPS listeners is generated once per --dir and
# reused, so a client's trust setting stays valid across restarts. Pebble keeps
# no state: every start is a new CA (no accounts, orders or authorizations) with
# a NEW issuing root and intermediate. Returns 0 only once the ACME directory and
# the management interface answer.
#
# Usage: start-pebble.sh [options]
#   --dir DIR           state directory (default: $ROTOR_ACME_LAB_DIR/pebble;
#                       ROTOR_ACME_LAB_DIR defaults to /tmp/rotor-acme-lab)
#   --mode real|fast    real (default): challenges are really validated.
#                       fast: PEBBLE_VA_ALWAYS_VALID=1, every challenge the
#                       client answers is valid without Pebble contacting anything
#   --acme-port N       ACME listener (default 14000): https://127.0.0.1:N/dir
#   --mgmt-port N       management listener (default 15000)
#   --dns-server H:P    DNS server of Pebble's validator (default 127.0.0.1:15353,
#                       the start-bind.sh default). Always passed as -dnsserver,
#                       so Pebble never uses the system resolver; loopback only.
#   --http-port N       port Pebble connects to for HTTP-01 (default 5002)
#   --tls-port N        port Pebble connects to for TLS-ALPN-01 (default 5001)
#   --nonce-reject PCT  PEBBLE_WFE_NONCEREJECT, % of valid nonces rejected with
#                       badNonce (default: unset, Pebble's 5 %; 0 = never)
#   --authz-reuse PCT   PEBBLE_AUTHZREUSE, % chance a valid authorization is
#                       reused in a new order (default: unset, Pebble's 50 %)
#   --validity SECONDS  lifetime of issued certificates (default: Pebble's 5 years)
#   --eab KID[=KEY]     require External Account Binding and accept key id KID
#                       with HMAC key KEY (base64 or base64url, padding optional;
#                       written to the config as base64url without padding).
#                       Without =KEY a random 32-byte key is generated. Repeatable;
#                       the first pair is exported as ACME_LAB_EAB_KID/_HMAC_KEY.
#   --sleep             keep Pebble's random 0-4 s wait before each validation
#                       (default: off, PEBBLE_VA_NOSLEEP=1)
#   --strict            run Pebble with -strict
#   --regen-tls         regenerate the TLS CA and server certificate
#   --stop              stop the Pebble started from --dir and exit
#   -h, --help
#
# Passed through from the caller's environment: PEBBLE_ALTERNATE_ROOTS,
# PEBBLE_CHAIN_LENGTH, PEBBLE_WFE_ORDERS_PER_PAGE, PEBBLE_VA_SLEEPTIME.
# PEBBLE_VA_ALWAYS_VALID, PEBBLE_VA_NOSLEEP, PEBBLE_WFE_NONCEREJECT and
# PEBBLE_AUTHZREUSE are set only by the options above (inherited values are dropped).
#
# Files in DIR: tls/ca.pem (trust anchor for Pebble's HTTPS), tls/server.{pem,key},
# pebble-config.json, issuer-root.pem (/roots/0), issuer-intermediate.pem
# (/intermediates/0), issuer-root-N.pem for PEBBLE_ALTERNATE_ROOTS, pebble.env,
# pebble.log, pebble.pid.
set -euo pipefail
LAB_SCRIPT=start-pebble
# shellcheck source=_common.sh
source "$(dirname "$(readlink -f "$0")")/_common.sh"

dir="$LAB_DIR/pebble"
mode=real
dns_server=127.0.0.1:15353
acme_port=14000
mgmt_port=15000
http_port=5002
tls_port=5001
nonce_reject=""
authz_reuse=""
validity=0
nosleep=1
strict=false
regen_tls=0
eab=()
action=start

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --dns-server) dns_server="$2"; shift 2 ;;
    --acme-port) acme_port="$2"; shift 2 ;;
    --mgmt-port) mgmt_port="$2"; shift 2 ;;
    --http-port) http_port="$2"; shift 2 ;;
    --tls-port) tls_port="$2"; shift 2 ;;
    --nonce-reject) nonce_reject="$2"; shift 2 ;;
    --authz-reuse) authz_reuse="$2"; shift 2 ;;
    --validity) validity="$2"; shift 2 ;;
    --eab) eab+=("$2"); shift 2 ;;
    --sleep) nosleep=0; shift ;;
    --strict) strict=true; shift ;;
    --regen-tls) regen_tls=1; shift ;;
    --stop) action=stop; shift ;;
    -h|--help) usage_from_header "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

mkdir -p "$dir"
dir=$(readlink -f "$dir")
pidfile="$dir/pebble.pid"

# Always stop a previous instance from this directory first.
stop_pidfile "$pidfile" "$dir/pebble-config.json"
if [[ "$action" == stop ]]; then
  rm -f "$dir/pebble.env"
  exit 0
fi

[[ "$mode" == real || "$mode" == fast ]] || die "--mode must be real or fast"
[[ "$validity" =~ ^[0-9]+$ ]] || die "--validity must be a number of seconds"
for v in "$nonce_reject" "$authz_reuse"; do
  [[ -z "$v" || ( "$v" =~ ^[0-9]+$ && "$v" -le 100 ) ]] || die "percentages must be 0-100, got '$v'"
done
need_port "$acme_port" --acme-port; need_port "$mgmt_port" --mgmt-port
need_port "$http_port" --http-port; need_port "$tls_port" --tls-port
[[ "$acme_port" != "$mgmt_port" ]] || die "--acme-port and --mgmt-port must differ"
dns_host=${dns_server%:*}; dns_port=${dns_server##*:}
is_loopback "$dns_host" || die "--dns-server must be a loopback address (127.x.x.x:PORT), got '$dns_server'"
need_port "$dns_port" --dns-server

need pebble openssl curl

# --- EAB keys ------------------------------------------------------------------
eab_json=""
eab_kid=""; eab_key=""
for pair in "${eab[@]}"; do
  kid=${pair%%=*}
  if [[ "$pair" == *=* ]]; then key=${pair#*=}; else key=$(openssl rand -base64 32); fi
  [[ "$kid" =~ ^[A-Za-z0-9._-]+$ ]] || die "--eab: key id must match [A-Za-z0-9._-]+, got '$kid'"
  key=$(printf '%s' "$key" | tr '+/' '-_' | tr -d '=')
  [[ "$key" =~ ^[A-Za-z0-9_-]+$ ]] || die "--eab: HMAC key of '$kid' is not base64"
  (( ${#key} >= 22 )) || die "--eab: HMAC key of '$kid' is shorter than 16 bytes"
  [[ -n "$eab_json" ]] && eab_json+=","
  eab_json+=$'\n'"      \"$kid\": \"$key\""
  if [[ -z "$eab_kid" ]]; then eab_kid=$kid; eab_key=$key; fi
done
eab_required=false
[[ ${#eab[@]} -gt 0 ]] && eab_required=true

for p in "$acme_port" "$mgmt_port"; do
  wait_port_free "$p" 5 || die "127.0.0.1:$p is in use by another process"
done

# --- TLS certificate for Pebble's own HTTPS listeners (generated once per dir) --
tls="$dir/tls"
if [[ "$regen_tls" == 1 || ! -s "$tls/ca.pem" || ! -s "$tls/server.pem" || ! -s "$tls/server.key" ]]; then
  log "generating TLS CA and server certificate in $tls"
  rm -rf "$tls"; mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 3650 \
    -subj "/CN=Rotor ACME test lab TLS CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=localhost" 2>/dev/null
  cat > "$tls/server.ext" <<'EOF'
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 825 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
  chmod 600 "$tls/ca.key" "$tls/server.key"
fi

# --- Pebble configuration --------------------------------------------------------
umask 077
{
  cat <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$acme_port",
    "managementListenAddress": "127.0.0.1:$mgmt_port",
    "certificate": "$tls/server.pem",
    "privateKey": "$tls/server.key",
    "httpPort": $http_port,
    "tlsPort": $tls_port,
    "ocspResponderURL": "",
    "certificateValidityPeriod": $validity,
    "externalAccountBindingRequired": $eab_required,
    "externalAccountMACKeys": {$eab_json
    }
  }
}
EOF
} > "$dir/pebble-config.json"
umask 022

# --- Environment: only what this script controls is overridden ----------------------
envargs=(-u PEBBLE_VA_ALWAYS_VALID -u PEBBLE_VA_NOSLEEP -u PEBBLE_WFE_NONCEREJECT -u PEBBLE_AUTHZREUSE)
[[ "$mode" == fast ]] && envargs+=(PEBBLE_VA_ALWAYS_VALID=1)
[[ "$nosleep" == 1 ]] && envargs+=(PEBBLE_VA_NOSLEEP=1)
[[ -n "$nonce_reject" ]] && envargs+=("PEBBLE_WFE_NONCEREJECT=$nonce_reject")
[[ -n "$authz_reuse" ]] && envargs+=("PEBBLE_AUTHZREUSE=$authz_reuse")

rm -f "$dir/pebble.env" "$dir"/issuer-root*.pem "$dir/issuer-intermediate.pem"
register_instance start-pebble.sh "$dir"
start_daemon "$pidfile" "$dir/pebble.log" \
  env "${envargs[@]}" pebble -config "$dir/pebble-config.json" \
  -dnsserver "$dns_server" -strict="$strict"

# --- Wait until both listeners answer ----------------------------------------------
ca=(--cacert "$tls/ca.pem" --noproxy '*' -sf --max-time 2)
ok=0
for _ in $(seq 300); do
  pid_alive "$(cat "$pidfile")" || break
  if curl "${ca[@]}" -o /dev/null "https://127.0.0.1:$acme_port/dir" 2>/dev/null &&
     curl "${ca[@]}" -o "$dir/issuer-root.pem" "https://127.0.0.1:$mgmt_port/roots/0" 2>/dev/null; then
    ok=1; break
  fi
  sleep 0.1
done
if [[ "$ok" != 1 ]]; then
  tail -n 20 "$dir/pebble.log" >&2 || true
  stop_pidfile "$pidfile" "$dir/pebble-config.json"
  die "pebble did not come up (log: $dir/pebble.log)"
fi
curl "${ca[@]}" -o "$dir/issuer-intermediate.pem" "https://127.0.0.1:$mgmt_port/intermediates/0" ||
  die "cannot fetch /intermediates/0"
alt_roots=${PEBBLE_ALTERNATE_ROOTS:-0}
if [[ "$alt_roots" =~ ^[0-9]+$ ]]; then
  for ((i = 1; i <= alt_roots; i++)); do
    curl "${ca[@]}" -o "$dir/issuer-root-$i.pem" "https://127.0.0.1:$mgmt_port/roots/$i" ||
      log "WARNING: cannot fetch /roots/$i"
  done
fi

{
  echo "# Generated by tests/env/acme/start-pebble.sh; source it or read KEY=VALUE lines."
  env_line ACME_LAB_DIRECTORY "https://127.0.0.1:$acme_port/dir"
  env_line ACME_LAB_MGMT_URL "https://127.0.0.1:$mgmt_port"
  env_line ACME_LAB_TLS_CA "$tls/ca.pem"
  env_line ACME_LAB_ISSUER_ROOT "$dir/issuer-root.pem"
  env_line ACME_LAB_ISSUER_INTERMEDIATE "$dir/issuer-intermediate.pem"
  env_line ACME_LAB_PEBBLE_DIR "$dir"
  env_line ACME_LAB_PEBBLE_PID "$(cat "$pidfile")"
  env_line ACME_LAB_PEBBLE_MODE "$mode"
  env_line ACME_LAB_PEBBLE_NONCE_REJECT "${nonce_reject:-5}"
  env_line ACME_LAB_PEBBLE_AUTHZ_REUSE "${authz_reuse:-50}"
  env_line ACME_LAB_PEBBLE_VALIDITY "$validity"
  env_line ACME_LAB_PEBBLE_DNS_SERVER "$dns_server"
  env_line ACME_LAB_HTTP01_PORT "$http_port"
  env_line ACME_LAB_TLSALPN01_PORT "$tls_port"
  env_line ACME_LAB_EAB_REQUIRED "$eab_required"
  env_line ACME_LAB_EAB_KID "$eab_kid"
  env_line ACME_LAB_EAB_HMAC_KEY "$eab_key"
  echo "# Trust settings for the reference clients (lego, certbot):"
  env_line LEGO_CA_CERTIFICATES "$tls/ca.pem"
  env_line REQUESTS_CA_BUNDLE "$tls/ca.pem"
} > "$dir/pebble.env.tmp"
mv "$dir/pebble.env.tmp" "$dir/pebble.env"

log "pebble running (pid $(cat "$pidfile"), mode=$mode, nonce-reject=${nonce_reject:-default 5}, authz-reuse=${authz_reuse:-default 50}, eab=$eab_required)"
cat <<EOF
ACME directory : https://127.0.0.1:$acme_port/dir
management     : https://127.0.0.1:$mgmt_port
trust for HTTPS: $tls/ca.pem
issuer root    : $dir/issuer-root.pem   (new on every start)
env file       : $dir/pebble.env
EOF
