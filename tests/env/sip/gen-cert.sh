#!/usr/bin/env bash
# gen-cert.sh — issue a server certificate and a NEW private key from the test CA of
# Rotor's SIP test environment (for Kamailio to present, and for tests to rotate to).
#
# Usage: gen-cert.sh [options] OUT_CERT OUT_KEY
#   --ca-dir DIR        test CA folder (default: OUT_CERT's folder/../ca). Holds
#                       ca-cert.pem + ca-key.pem (root) and, with --intermediate,
#                       int-cert.pem + int-key.pem; created on first use and reused,
#                       so every certificate of one instance chains to one root.
#   --cn NAME           subject common name (default localhost)
#   --key-type ec|rsa   ECDSA P-256 (default) or RSA 2048
#   --key-format pkcs8|traditional
#                       "BEGIN PRIVATE KEY" (default) or "BEGIN EC/RSA PRIVATE KEY"
#   --days N            validity in days (default 30)
#   --intermediate      issue from an intermediate CA; OUT_CERT holds the leaf,
#                       then the intermediate (the order Kamailio requires)
#
# SANs: DNS:localhost, IP:127.0.0.1, and DNS:<cn> when --cn is not localhost.
# Both files are written to temporary files in their target folders and renamed
# into place, so a Kamailio reload never reads a half-written file; OUT_KEY is 0600.
#
# Last line of output:
#   serial=<HEX> sha256=<lower-case hex of the leaf's DER> cert=<OUT_CERT> key=<OUT_KEY>
set -euo pipefail
SIP_SCRIPT=gen-cert
# shellcheck source=_common.sh
source "$(dirname "$(readlink -f "$0")")/_common.sh"
DIE_CODE=2

ca_dir=""; cn=localhost; key_type=ec; key_format=pkcs8; days=30; intermediate=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ca-dir) ca_dir="$2"; shift 2 ;;
    --cn) cn="$2"; shift 2 ;;
    --key-type) key_type="$2"; shift 2 ;;
    --key-format) key_format="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --intermediate) intermediate=1; shift ;;
    -h|--help) usage_from_header "$0"; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[[ $# -eq 2 ]] || die "expected OUT_CERT OUT_KEY (see --help)"
[[ "$key_type" == ec || "$key_type" == rsa ]] || die "--key-type must be ec or rsa"
[[ "$key_format" == pkcs8 || "$key_format" == traditional ]] || die "--key-format must be pkcs8 or traditional"
need_uint "$days" --days
[[ "$cn" =~ ^[A-Za-z0-9.-]+$ ]] || die "--cn must be a host name"
need openssl flock

mkdir -p "$(dirname "$1")" "$(dirname "$2")"
out_cert="$(readlink -f "$(dirname "$1")")/$(basename "$1")"
out_key="$(readlink -f "$(dirname "$2")")/$(basename "$2")"
[[ -n "$ca_dir" ]] || ca_dir="$(dirname "$(dirname "$out_cert")")/ca"
mkdir -p "$ca_dir"
ca_dir=$(readlink -f "$ca_dir")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_key() { # new_key ec|rsa OUT
  if [[ "$1" == ec ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null
  fi
}

# The CA is created once; the lock keeps two parallel first calls from making two roots.
exec 9>"$ca_dir/.lock"
flock 9
if [[ ! -s "$ca_dir/ca-cert.pem" || ! -s "$ca_dir/ca-key.pem" ]]; then
  new_key ec "$work/ca-key.pem"
  openssl req -new -x509 -key "$work/ca-key.pem" -sha256 -days 3650 \
    -subj "/O=Rotor SIP test environment/CN=Rotor SIP Test Root CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$work/ca-cert.pem"
  install -m 0600 "$work/ca-key.pem" "$ca_dir/ca-key.pem"
  install -m 0644 "$work/ca-cert.pem" "$ca_dir/ca-cert.pem"
fi
if [[ "$intermediate" == 1 && ( ! -s "$ca_dir/int-cert.pem" || ! -s "$ca_dir/int-key.pem" ) ]]; then
  new_key ec "$work/int-key.pem"
  openssl req -new -key "$work/int-key.pem" -subj "/O=Rotor SIP test environment/CN=Rotor SIP Test Intermediate CA" \
    -out "$work/int.csr"
  printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" > "$work/int.ext"
  openssl x509 -req -in "$work/int.csr" -CA "$ca_dir/ca-cert.pem" -CAkey "$ca_dir/ca-key.pem" \
    -set_serial "0x$(openssl rand -hex 16)" -days 1825 -sha256 -extfile "$work/int.ext" \
    -out "$work/int-cert.pem" 2>/dev/null
  install -m 0600 "$work/int-key.pem" "$ca_dir/int-key.pem"
  install -m 0644 "$work/int-cert.pem" "$ca_dir/int-cert.pem"
fi
flock -u 9

issuer_cert="$ca_dir/ca-cert.pem"; issuer_key="$ca_dir/ca-key.pem"
if [[ "$intermediate" == 1 ]]; then issuer_cert="$ca_dir/int-cert.pem"; issuer_key="$ca_dir/int-key.pem"; fi

new_key "$key_type" "$work/leaf-key.pem"
if [[ "$key_format" == traditional ]]; then
  openssl pkey -in "$work/leaf-key.pem" -traditional -out "$work/leaf-key.trad.pem"
  mv "$work/leaf-key.trad.pem" "$work/leaf-key.pem"
fi
openssl req -new -key "$work/leaf-key.pem" -subj "/O=Rotor SIP test environment/CN=$cn" -out "$work/leaf.csr"
san="DNS:localhost,IP:127.0.0.1"
[[ "$cn" == localhost ]] || san="DNS:$cn,$san"
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
  "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" \
  "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" > "$work/leaf.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$issuer_cert" -CAkey "$issuer_key" \
  -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 -extfile "$work/leaf.ext" \
  -out "$work/leaf-cert.pem" 2>/dev/null
[[ "$intermediate" == 1 ]] && cat "$ca_dir/int-cert.pem" >> "$work/leaf-cert.pem"

# Key first, then certificate, each renamed into place: a reload between the two
# renames sees a mismatched pair and refuses it (harmless); never a torn file.
tmp_key=$(mktemp "$(dirname "$out_key")/.key.XXXXXX")
chmod 0600 "$tmp_key"; cat "$work/leaf-key.pem" > "$tmp_key"; mv -f "$tmp_key" "$out_key"
tmp_cert=$(mktemp "$(dirname "$out_cert")/.cert.XXXXXX")
chmod 0644 "$tmp_cert"; cat "$work/leaf-cert.pem" > "$tmp_cert"; mv -f "$tmp_cert" "$out_cert"

serial=$(openssl x509 -in "$out_cert" -noout -serial | cut -d= -f2)
sha256=$(openssl x509 -in "$out_cert" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
echo "serial=$serial sha256=$sha256 cert=$out_cert key=$out_key"
