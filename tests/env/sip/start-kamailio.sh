#!/usr/bin/env bash
# start-kamailio.sh — run a private Kamailio (SIP proxy) with TLS on 127.0.0.1, whose
# certificate and key files Rotor replaces and whose `tls.reload` Rotor triggers.
#
# Usage: start-kamailio.sh DIR [PORT]
#   DIR    state folder of this instance (created if missing); nothing outside it
#          is written
#   PORT   TLS port (default 15061); the instance uses four consecutive ports:
#            PORT     SIP over TLS (the certificate under test)
#            PORT+1   plain SIP, UDP and TCP
#            PORT+2   test UAS (sipp, UDP; started by sipp-load.sh)
#            PORT+3   TLS shim in front of sipp (stunnel; started by sipp-load.sh)
#
# Environment (optional):
#   SIP_LAB_CERT, SIP_LAB_KEY   certificate chain / key files Kamailio loads
#                               (default DIR/certs/cert.pem, DIR/certs/key.pem)
#   SIP_LAB_TCP_CHILDREN        TLS worker processes (default 1: Kamailio 5.6.3 with OpenSSL 3
#                               double-frees and crashes when handshakes run at once in several
#                               workers, reload or not; see README.md)
#   SIP_LAB_UDP_CHILDREN        UDP worker processes (default 2)
#   SIP_LAB_SHM_MB              shared memory (default 128)
#   SIP_LAB_TLS_METHOD          the tls module's `method` of the server profile (default
#                               TLSv1.2+; TLSv1+ makes a legacy endpoint for scanner tests)
#   SIP_LAB_TLS_CIPHERS         the server profile's `cipher_list` (default: none, OpenSSL's
#                               default). TLS 1.0/1.1 with OpenSSL 3 need security level 0:
#                               e.g. DEFAULT:@SECLEVEL=0
#
# When the certificate or key file is missing, gen-cert.sh issues a first pair from a
# new test CA in DIR/ca (DIR/ca/ca-cert.pem is the trust anchor for clients).
#
# Files in DIR: kamailio.cfg, tls.cfg (rendered from templates/ at every start),
# certs/, ca/, run/kamailio.pid, run/kamailio_ctl (binrpc control socket),
# kamailio.log (Kamailio's stderr plus "=== <UTC time> ..." marker lines written by
# these scripts), sip.env (source-able description of the instance).
#
# Idempotent: if the Kamailio of DIR runs, its details are printed and nothing
# changes (stop.sh DIR first to restart it). Returns 0 only once the TLS port and
# the control socket answer. Last line:
#   SIP_LAB_PID=<pid> SIP_LAB_CTL_SOCKET=<path> SIP_LAB_TLS_PORT=<port> SIP_LAB_ENV=<DIR/sip.env>
set -euo pipefail
SIP_SCRIPT=start-kamailio
# shellcheck source=_common.sh
source "$(dirname "$(readlink -f "$0")")/_common.sh"

if [[ $# -lt 1 || $# -gt 2 || "$1" == -h || "$1" == --help ]]; then
  usage_from_header "$0"; exit 2
fi
mkdir -p "$1"
dir=$(readlink -f "$1")
tls_port="${2:-15061}"
DIE_CODE=2
need_uint "$tls_port" PORT
(( tls_port >= 1024 && tls_port <= 65532 )) || die "PORT must be within 1024..65532"
DIE_CODE=1
sip_port=$((tls_port + 1)); uas_port=$((tls_port + 2)); shim_port=$((tls_port + 3))

cert="${SIP_LAB_CERT:-$dir/certs/cert.pem}"
key="${SIP_LAB_KEY:-$dir/certs/key.pem}"
tcp_children="${SIP_LAB_TCP_CHILDREN:-1}"
udp_children="${SIP_LAB_UDP_CHILDREN:-2}"
shm_mb="${SIP_LAB_SHM_MB:-128}"
tls_method="${SIP_LAB_TLS_METHOD:-TLSv1.2+}"
[[ "$tls_method" =~ ^(TLSv1(\.[123])?\+?|SSLv23)$ ]] || die "SIP_LAB_TLS_METHOD must be a tls module method such as TLSv1.2+ or TLSv1+ (got '$tls_method')"
tls_ciphers="${SIP_LAB_TLS_CIPHERS:-}"
[[ "$tls_ciphers" =~ ^[A-Za-z0-9:@=+!._-]*$ ]] || die "SIP_LAB_TLS_CIPHERS holds characters an OpenSSL cipher list never has"
run="$dir/run"
cfg="$dir/kamailio.cfg"
tls_cfg="$dir/tls.cfg"
ctl="$run/kamailio_ctl"
pid_file="$run/kamailio.pid"
log_file="$dir/kamailio.log"
env_file="$dir/sip.env"
ca="$dir/ca/ca-cert.pem"

need kamailio kamcmd openssl ss flock setsid
module_dir=""
for d in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/aarch64-linux-gnu/kamailio/modules \
  /usr/lib/*/kamailio/modules /usr/lib/kamailio/modules /usr/local/lib64/kamailio/modules /usr/local/lib/kamailio/modules; do
  if [[ -f "$d/tls.so" ]]; then module_dir="$d"; break; fi
done
[[ -n "$module_dir" ]] || die "Kamailio's tls.so not found (apt-get install kamailio-tls-modules)"

print_info() {
  cat >&2 <<INFO
Kamailio is running (state folder $dir)
  pid:          $1
  TLS:          127.0.0.1:$tls_port
  certificate:  $cert
  private key:  $key
  trust anchor: $ca
  plain SIP:    127.0.0.1:$sip_port (udp, tcp); calls go on to 127.0.0.1:$uas_port (udp)
  ctl socket:   $ctl
  log:          $log_file
  reload:       kamcmd -s unix:$ctl tls.reload   (or: reload.sh $dir)
  stop:         stop.sh $dir
INFO
  echo "SIP_LAB_PID=$1 SIP_LAB_CTL_SOCKET=$ctl SIP_LAB_TLS_PORT=$tls_port SIP_LAB_ENV=$env_file"
}

mkdir -p "$run"
exec 8>"$run/.start.lock"
flock 8

if [[ -s "$pid_file" ]] && pid_matches "$(cat "$pid_file")" "-f $cfg "; then
  requested="$tls_port"
  load_instance "$dir"   # describe the instance as it was started
  tls_port="$SIP_LAB_TLS_PORT"
  [[ "$requested" == "$tls_port" ]] || log "WARNING: already running on TLS port $tls_port, not $requested"
  print_info "$(cat "$pid_file")"
  exit 0
fi
rm -f "$pid_file" "$ctl"

for p in "$tls_port" "$sip_port"; do
  port_in_use "$p" && die "port $p is already in use on this machine (choose another PORT)"
done

if [[ ! -s "$cert" || ! -s "$key" ]]; then
  "$SIP_ENV_HOME/gen-cert.sh" --ca-dir "$dir/ca" "$cert" "$key" >/dev/null
fi
[[ -f "$ca" ]] || ca=""

render() { # render TEMPLATE OUTPUT
  local t
  t=$(cat "$1")
  t=${t//@@TLS_PORT@@/$tls_port}
  t=${t//@@SIP_PORT@@/$sip_port}
  t=${t//@@UAS_ADDR@@/127.0.0.1:$uas_port}
  t=${t//@@TCP_CHILDREN@@/$tcp_children}
  t=${t//@@UDP_CHILDREN@@/$udp_children}
  t=${t//@@MODULE_DIR@@/$module_dir/}
  t=${t//@@TLS_CFG@@/$tls_cfg}
  t=${t//@@CTL_SOCKET@@/$ctl}
  t=${t//@@CERT_FILE@@/$cert}
  t=${t//@@KEY_FILE@@/$key}
  t=${t//@@TLS_METHOD@@/$tls_method}
  if [[ -n "$tls_ciphers" ]]; then t=${t//@@CIPHER_LIST@@/cipher_list = $tls_ciphers}; else t=${t//@@CIPHER_LIST@@/}; fi
  printf '%s\n' "$t" > "$2.tmp"
  mv -f "$2.tmp" "$2"
}
render "$SIP_ENV_HOME/templates/kamailio.cfg.in" "$cfg"
render "$SIP_ENV_HOME/templates/tls.cfg.in" "$tls_cfg"

if ! kamailio -c -f "$cfg" -L "$module_dir" -Y "$run" > "$run/config-check.log" 2>&1; then
  cat "$run/config-check.log" >&2
  die "Kamailio refused its configuration"
fi

# -DD: stay in the foreground (no daemon), so -E logs to stderr = kamailio.log;
# setsid: own session and process group, so a test runner's signals do not reach it
# and stop.sh can end the whole group. stdin from /dev/null: Kamailio never prompts
# (an encrypted key is refused at reload instead of blocking it).
echo "=== $(utc_now) start-kamailio.sh: starting (TLS 127.0.0.1:$tls_port) ===" >> "$log_file"
cd "$dir"
setsid kamailio -f "$cfg" -DD -E -L "$module_dir" -Y "$run" -P "$pid_file" -m "$shm_mb" -M 8 -w "$dir" \
  </dev/null >>"$log_file" 2>&1 8>&- &
launched=$!

ready=0
for _ in $(seq 100); do
  pid_alive "$launched" || break
  if [[ -S "$ctl" ]] && [[ -n "$(ss -Htln "sport = :$tls_port")" ]] &&
    kamcmd -s "unix:$ctl" core.uptime >/dev/null 2>&1; then
    ready=1; break
  fi
  sleep 0.1
done
if [[ "$ready" != 1 ]]; then
  echo "----- last lines of $log_file -----" >&2
  tail -n 40 "$log_file" >&2
  kill -TERM "$launched" 2>/dev/null || true
  die "Kamailio did not become ready within 10 s"
fi
pid=$(cat "$pid_file" 2>/dev/null || echo "$launched")

{
  echo "# Written by start-kamailio.sh; read by reload.sh, sipp-load.sh, stop.sh and tests."
  env_line SIP_LAB_DIR "$dir"
  env_line SIP_LAB_TLS_PORT "$tls_port"
  env_line SIP_LAB_SIP_PORT "$sip_port"
  env_line SIP_LAB_UAS_PORT "$uas_port"
  env_line SIP_LAB_SHIM_PORT "$shim_port"
  env_line SIP_LAB_CERT "$cert"
  env_line SIP_LAB_KEY "$key"
  env_line SIP_LAB_CA "$ca"
  env_line SIP_LAB_TLS_CFG "$tls_cfg"
  env_line SIP_LAB_CTL_SOCKET "$ctl"
  env_line SIP_LAB_PID_FILE "$pid_file"
  env_line SIP_LAB_LOG "$log_file"
  env_line SIP_LAB_PID "$pid"
} > "$env_file.tmp"
mv -f "$env_file.tmp" "$env_file"

print_info "$pid"
