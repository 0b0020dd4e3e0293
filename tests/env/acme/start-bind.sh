#!/usr/bin/env bash
# start-bind.sh — run BIND 9 (named) as the authoritative server of a test zone on
# 127.0.0.1:<port> (UDP+TCP), accepting RFC 2136 dynamic updates of TXT records
# signed with a TSIG key (DNS-01 challenges), and nothing else.
#
# Idempotent: a named started from the same --dir is stopped first. The zone is
# rewritten on every start (no leftover TXT records, journal removed); the TSIG
# key is generated once per --dir and kept (--new-key rotates it). Returns 0
# only once the zone's SOA is served.
#
# Usage: start-bind.sh [options]
#   --dir DIR          state directory (default: $ROTOR_ACME_LAB_DIR/bind;
#                      ROTOR_ACME_LAB_DIR defaults to /tmp/rotor-acme-lab)
#   --port N           UDP+TCP port on 127.0.0.1 (default 15353)
#   --zone NAME        zone served (default example.test)
#   --key-name NAME    TSIG key name (default rotor-acme-update)
#   --algorithm ALG    TSIG algorithm (default hmac-sha256)
#   --new-key          generate a new TSIG key even if one exists
#   --named-dir DIR    where named's own files (named.conf, zone, key copy, log)
#                      live. Default: DIR itself, or, when AppArmor enforces the
#                      usr.sbin.named profile (Debian: named may only use
#                      /etc/bind, /var/cache/bind, /var/lib/bind) and DIR is not
#                      under /var/cache/bind: /var/cache/bind/rotor-acme-lab-<id>.
#   --stop             stop the named started from --dir and exit
#   -h, --help
#
# The zone holds SOA, NS ns1, and A 127.0.0.1 for the apex, ns1 and the wildcard
# *.ZONE, so every name under ZONE resolves to 127.0.0.1 for HTTP-01/TLS-ALPN-01.
# The key may add/delete TXT records anywhere in the zone (update-policy
# "zonesub TXT"); unsigned updates and other types are REFUSED.
#
# Files in DIR: tsig.key (BIND syntax = `nsupdate -k` format), bind.env,
# certbot-rfc2136.ini (0600), named.pid, named.log (a symlink when --named-dir
# is elsewhere), named-dir (where named's files are).
set -euo pipefail
LAB_SCRIPT=start-bind
# shellcheck source=_common.sh
source "$(dirname "$(readlink -f "$0")")/_common.sh"

dir="$LAB_DIR/bind"
port=15353
zone=example.test
key_name=rotor-acme-update
algorithm=hmac-sha256
new_key=0
named_dir=""
action=start

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --zone) zone="${2%.}"; shift 2 ;;
    --key-name) key_name="$2"; shift 2 ;;
    --algorithm) algorithm="$2"; shift 2 ;;
    --new-key) new_key=1; shift ;;
    --named-dir) named_dir="$2"; shift 2 ;;
    --stop) action=stop; shift ;;
    -h|--help) usage_from_header "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

mkdir -p "$dir"
dir=$(readlink -f "$dir")
pidfile="$dir/named.pid"

# Stop the named started from this directory (its command line names its conf).
old_named_dir=$(cat "$dir/named-dir" 2>/dev/null || echo "$dir")
stop_pidfile "$pidfile" "$old_named_dir/named.conf"
if [[ "$action" == stop ]]; then
  rm -f "$dir/bind.env"
  exit 0
fi

need_port "$port" --port
[[ "$zone" =~ ^[A-Za-z0-9.-]+$ ]] || die "--zone: bad zone name '$zone'"
[[ "$key_name" =~ ^[A-Za-z0-9.-]+$ ]] || die "--key-name: bad key name '$key_name'"
need named named-checkconf named-checkzone tsig-keygen dig
wait_port_free "$port" 5 || die "127.0.0.1:$port is in use by another process"

# --- Where named's files go (AppArmor) --------------------------------------------
apparmor_enforced=0
if [[ -r /sys/kernel/security/apparmor/profiles ]] &&
   grep -qE '(^|/)(usr\.sbin\.)?named \(enforce\)|/usr/sbin/named \(enforce\)' /sys/kernel/security/apparmor/profiles 2>/dev/null; then
  apparmor_enforced=1
fi
if [[ -z "$named_dir" ]]; then
  if [[ "$apparmor_enforced" == 1 && "$dir" != /var/cache/bind/* ]]; then
    named_dir="/var/cache/bind/rotor-acme-lab-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)"
    log "AppArmor enforces named's profile: named's files go to $named_dir"
  else
    named_dir="$dir"
  fi
fi
mkdir -p "$named_dir"
named_dir=$(readlink -f "$named_dir")
echo "$named_dir" > "$dir/named-dir"

# --- TSIG key (kept across restarts unless --new-key or name/algorithm changed) --
if [[ "$new_key" == 1 || ! -s "$dir/tsig.key" ]] ||
   ! grep -q "^key \"$key_name\"" "$dir/tsig.key" ||
   ! grep -q "algorithm $algorithm;" "$dir/tsig.key"; then
  log "generating TSIG key $key_name ($algorithm)"
  tsig-keygen -a "$algorithm" "$key_name" > "$dir/tsig.key.tmp"
  chmod 600 "$dir/tsig.key.tmp"
  mv "$dir/tsig.key.tmp" "$dir/tsig.key"
fi
secret=$(awk -F'"' '/secret/ {print $2}' "$dir/tsig.key")
[[ -n "$secret" ]] || die "no secret in $dir/tsig.key"
if [[ "$named_dir" != "$dir" ]]; then
  install -m 600 "$dir/tsig.key" "$named_dir/tsig.key"
fi

# --- Zone file: rewritten on every start, journal dropped ---------------------------
rm -f "$named_dir/$zone.zone.jnl" "$dir/bind.env"
cat > "$named_dir/$zone.zone" <<EOF
\$TTL 60
@   IN SOA ns1.$zone. hostmaster.$zone. ( 1 60 60 3600 60 )
    IN NS  ns1.$zone.
@   IN A   127.0.0.1
ns1 IN A   127.0.0.1
*   IN A   127.0.0.1
EOF

# --- named.conf: loopback only, authoritative only, no outbound traffic -----------
cat > "$named_dir/named.conf" <<EOF
// Generated by tests/env/acme/start-bind.sh
options {
  directory "$named_dir";
  pid-file none;                  // the pid is tracked by start-bind.sh
  session-keyfile none;           // no local DDNS session key
  managed-keys-directory "$named_dir";
  listen-on port $port { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;                   // authoritative only
  dnssec-validation no;           // no trust anchors, no root key refresh
  notify no;
  allow-query { 127.0.0.1; };
  allow-transfer { none; };
};
controls { };                     // no rndc channel
include "$named_dir/tsig.key";
zone "$zone" {
  type primary;
  file "$named_dir/$zone.zone";
  update-policy { grant $key_name zonesub TXT; };
};
EOF

named-checkconf "$named_dir/named.conf" || die "named-checkconf failed"
named-checkzone -q "$zone" "$named_dir/$zone.zone" || die "named-checkzone failed"

logfile="$named_dir/named.log"
if [[ "$named_dir" != "$dir" ]]; then
  ln -sfn "$logfile" "$dir/named.log"
fi
register_instance start-bind.sh "$dir"
# -g: foreground, log to stderr (captured in named.log)
start_daemon "$pidfile" "$logfile" named -g -c "$named_dir/named.conf"

ok=0
for _ in $(seq 300); do
  pid_alive "$(cat "$pidfile")" || break
  if dig +time=1 +tries=1 @127.0.0.1 -p "$port" "$zone" SOA +short 2>/dev/null | grep -q "ns1.$zone."; then
    ok=1; break
  fi
  sleep 0.1
done
if [[ "$ok" != 1 ]]; then
  tail -n 20 "$logfile" >&2 || true
  stop_pidfile "$pidfile" "$named_dir/named.conf"
  [[ "$apparmor_enforced" == 1 ]] && log "AppArmor enforces named's profile: see 'dmesg | grep DENIED'"
  die "named did not come up (log: $logfile)"
fi

{
  echo "# Generated by tests/env/acme/start-bind.sh; source it or read KEY=VALUE lines."
  env_line ACME_LAB_DNS_SERVER "127.0.0.1:$port"
  env_line ACME_LAB_DNS_HOST 127.0.0.1
  env_line ACME_LAB_DNS_PORT "$port"
  env_line ACME_LAB_DNS_ZONE "$zone"
  env_line ACME_LAB_TSIG_KEY_NAME "$key_name"
  env_line ACME_LAB_TSIG_ALGORITHM "$algorithm"
  env_line ACME_LAB_TSIG_SECRET "$secret"
  env_line ACME_LAB_TSIG_KEY_FILE "$dir/tsig.key"
  env_line ACME_LAB_BIND_DIR "$dir"
  env_line ACME_LAB_BIND_PID "$(cat "$pidfile")"
  echo "# lego's rfc2136 provider (its algorithm names end with a dot):"
  env_line RFC2136_NAMESERVER "127.0.0.1:$port"
  env_line RFC2136_TSIG_KEY "$key_name"
  env_line RFC2136_TSIG_SECRET "$secret"
  env_line RFC2136_TSIG_ALGORITHM "$algorithm."
} > "$dir/bind.env.tmp"
mv "$dir/bind.env.tmp" "$dir/bind.env"

# certbot-dns-rfc2136 credentials (algorithm names are upper case there)
(
  umask 077
  cat > "$dir/certbot-rfc2136.ini" <<EOF
dns_rfc2136_server = 127.0.0.1
dns_rfc2136_port = $port
dns_rfc2136_name = $key_name
dns_rfc2136_secret = $secret
dns_rfc2136_algorithm = ${algorithm^^}
EOF
)

log "named running (pid $(cat "$pidfile"), zone $zone on 127.0.0.1:$port)"
cat <<EOF
DNS server : 127.0.0.1:$port (UDP+TCP), zone $zone (authoritative, wildcard A 127.0.0.1)
TSIG key   : name=$key_name algorithm=$algorithm file=$dir/tsig.key
env file   : $dir/bind.env
EOF
