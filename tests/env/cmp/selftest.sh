#!/usr/bin/env bash
# selftest.sh — end-to-end check of start-mock-ca.sh with the reference CMP
# client "openssl cmp", and capture of reference ("golden") CMP messages.
#
# For every scenario it starts a mock CMP server, runs the openssl client
# against it, checks the outcome, and keeps the DER-encoded PKIMessages that
# went over the wire in DIR/golden/<case>/ (NN-<type>.der, requests and
# responses interleaved in order), plus the client log. These files are
# useful as decoder test vectors and to diff against what the product sends.
#
# Usage: selftest.sh [--dir DIR] [--base-port N] [--keep]
#   --dir DIR        working directory (default /tmp/rotor-cmp-mock-selftest; wiped
#                    if it was created by this script or is empty)
#   --base-port N    first port to use; cases use N..N+6 (default 18480)
#   --keep           leave the mock servers running at the end
# Exit status 0 if all cases pass.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
OPENSSL=${OPENSSL:-openssl}
dir=/tmp/rotor-cmp-mock-selftest base=18480 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --base-port) base=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# wipe only a directory this script created before (marker file) or an empty one
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -e "$dir/.cmp-mock-selftest" ]; then
  echo "refusing to wipe non-empty $dir (not created by selftest.sh)" >&2; exit 2
fi
rm -rf "$dir"; mkdir -p "$dir/golden"; touch "$dir/.cmp-mock-selftest"
export MOCK_CA_SECRET=iak-1234-5678
pki=$dir/pki
pass=0 fail=0
ok()  { echo "PASS  $1"; pass=$((pass+1)); }
bad() { echo "FAIL  $1"; fail=$((fail+1)); }
cleanup() { [ $keep -eq 1 ] || "$here/start-mock-ca.sh" --stop --dir "$pki" >/dev/null; }
trap cleanup EXIT

start() { # port scenario [-- extra]
  "$here/start-mock-ca.sh" --dir "$pki" --port "$1" --scenario "$2" "${@:3}" >/dev/null
}

# run_client CASE PORT EXPECTED-RC openssl-cmp-args...
#   Runs the client with -reqout/-rspout capture and checks the exit status.
run_client() {
  local name=$1 port=$2 want=$3; shift 3
  local g=$dir/golden/$name; mkdir -p "$g"
  local rq rs i
  rq=$(for i in 1 2 3 4 5; do printf '%s/req%d.der,' "$g" "$i"; done)
  rs=$(for i in 1 2 3 4 5; do printf '%s/rsp%d.der,' "$g" "$i"; done)
  set +e
  "$OPENSSL" cmp -config "" -server "127.0.0.1:$port" -path pkix/ \
    -reqout "${rq%,}" -rspout "${rs%,}" -verbosity 7 "$@" >"$g/client.log" 2>&1
  local rc=$?
  set -e
  # rename captures to NN-<bodytype>.der in wire order (req1 rsp1 req2 rsp2 ...)
  local n=0 f t
  for i in 1 2 3 4 5; do
    for f in "$g/req$i.der" "$g/rsp$i.der"; do
      [ -s "$f" ] || { rm -f "$f"; continue; }
      n=$((n+1))
      t=$(body_type "$f")
      mv "$f" "$(printf '%s/%02d-%s.der' "$g" "$n" "$t")"
    done
  done
  [ "$rc" = "$want" ] || { echo "      client exit $rc, expected $want; see $g/client.log"; return 1; }
}

# PKIBody CHOICE tag number -> name (RFC 4210 section 5.1.2)
body_type() {
  local tag
  tag=$("$OPENSSL" asn1parse -inform DER -in "$1" | awk '/d=1/ && /cont \[/ {gsub(/.*cont \[ */,""); gsub(/ *\].*/,""); print; exit}')
  case "$tag" in
    0) echo ir ;; 1) echo ip ;; 2) echo cr ;; 3) echo cp ;; 4) echo p10cr ;;
    7) echo kur ;; 8) echo kup ;; 11) echo rr ;; 12) echo rp ;; 19) echo pkiconf ;;
    21) echo genm ;; 22) echo genp ;; 23) echo error ;; 24) echo certconf ;;
    25) echo pollreq ;; 26) echo pollrep ;; *) echo "body$tag" ;;
  esac
}
sequence() { ls "$dir/golden/$1" | sed -n 's/^[0-9][0-9]-\(.*\)\.der$/\1/p' | paste -sd' '; }

IR_PBM=(-cmd ir -ref 3078 -secret env:MOCK_CA_SECRET -recipient "/CN=Mock Root CA"
        -subject "/CN=sbc.example.com")

# --- 1. ok: IR with PBM (shared secret) protection, explicit confirmation
p=$base; start "$p" ok
start "$p" ok >/dev/null   # PKI now exists; (re)start is idempotent
if run_client ir-pbm "$p" 0 "${IR_PBM[@]}" -newkey "$pki/ee1.key" \
     -certout "$dir/ir.crt" -cacertsout "$dir/capubs.pem" -extracertsout "$dir/extra.pem" \
   && cmp -s <("$OPENSSL" x509 -in "$dir/ir.crt" -outform DER) <("$OPENSSL" x509 -in "$pki/ee1.crt" -outform DER) \
   && [ "$(sequence ir-pbm)" = "ir ip certconf pkiconf" ] \
   && grep -q "successfully validated PBM-based" "$dir/golden/ir-pbm/client.log"; then
  ok "ir-pbm: IR/IP/certConf/pkiConf, PBM both ways, got ee1.crt + caPubs"
else bad "ir-pbm ($(sequence ir-pbm))"; fi

# --- 2. ok: same server, enrollment key differs from the fixed response cert
if run_client ir-wrong-key "$p" 1 "${IR_PBM[@]}" -newkey "$pki/ee2.key" -certout "$dir/x.crt" \
   && [ "$(sequence ir-wrong-key)" = "ir ip certconf pkiconf" ] \
   && grep -q "public key in new certificate does not match" "$dir/golden/ir-wrong-key/client.log"; then
  ok "ir-wrong-key: client rejects cert (certConf with status rejection), server still sends pkiConf"
else bad "ir-wrong-key ($(sequence ir-wrong-key))"; fi

# --- 3. ok: wrong shared secret -> protected error the client cannot verify
if run_client ir-wrong-secret "$p" 1 -cmd ir -ref 3078 -secret pass:wrong-secret \
     -recipient "/CN=Mock Root CA" -subject "/CN=sbc.example.com" -newkey "$pki/ee1.key" \
     -certout "$dir/x.crt" -unprotected_errors \
   && [ "$(sequence ir-wrong-secret)" = "ir error" ] \
   && grep -q "wrong pbm value" "$dir/golden/ir-wrong-secret/client.log"; then
  ok "ir-wrong-secret: error message (failInfo badRequest, 'wrong pbm value')"
else bad "ir-wrong-secret ($(sequence ir-wrong-secret))"; fi

# --- 4. ok: KUR signed with the enrolled cert/key (same key: response is ee1)
if run_client kur-samekey "$p" 0 -cmd kur -cert "$dir/ir.crt" -key "$pki/ee1.key" \
     -trusted "$pki/ca.crt" -newkey "$pki/ee1.key" -certout "$dir/kur1.crt" \
   && [ "$(sequence kur-samekey)" = "kur kup certconf pkiconf" ] \
   && grep -q "received KUP" "$dir/golden/kur-samekey/client.log"; then
  ok "kur-samekey: KUR signature-protected, KUP signed by server.crt, confirmed"
else bad "kur-samekey ($(sequence kur-samekey))"; fi

# --- 5. kur: key update to a NEW key (ee2), request signed with old cert ee1
p=$((base+1)); start "$p" kur
if run_client kur-newkey "$p" 0 -cmd kur -cert "$dir/ir.crt" -key "$pki/ee1.key" \
     -trusted "$pki/ca.crt" -newkey "$pki/ee2.key" -certout "$dir/kur2.crt" \
   && cmp -s <("$OPENSSL" x509 -in "$dir/kur2.crt" -outform DER) <("$OPENSSL" x509 -in "$pki/ee2.crt" -outform DER); then
  ok "kur-newkey: KUR signed with old key ee1, new key ee2, got ee2.crt"
else bad "kur-newkey ($(sequence kur-newkey))"; fi

# --- 6. implicit: implicitConfirm requested and granted -> no certConf
p=$((base+2)); start "$p" implicit
if run_client ir-implicit "$p" 0 "${IR_PBM[@]}" -newkey "$pki/ee1.key" -implicit_confirm \
     -certout "$dir/x.crt" \
   && [ "$(sequence ir-implicit)" = "ir ip" ]; then
  ok "ir-implicit: implicitConfirm granted, transaction ends after IP"
else bad "ir-implicit ($(sequence ir-implicit))"; fi

# --- 7. ok server, client asks implicitConfirm but it is not granted
if run_client ir-implicit-denied "$base" 0 "${IR_PBM[@]}" -newkey "$pki/ee1.key" -implicit_confirm \
     -certout "$dir/x.crt" \
   && [ "$(sequence ir-implicit-denied)" = "ir ip certconf pkiconf" ]; then
  ok "ir-implicit-denied: not granted -> client must still send certConf"
else bad "ir-implicit-denied ($(sequence ir-implicit-denied))"; fi

# --- 8. poll: waiting -> pollReq/pollRep(checkAfter) -> IP -> certConf
p=$((base+3)); start "$p" poll
t0=$(date +%s)
if run_client ir-poll "$p" 0 "${IR_PBM[@]}" -newkey "$pki/ee1.key" -certout "$dir/x.crt" \
   && [ "$(sequence ir-poll)" = "ir ip pollreq pollrep pollreq ip certconf pkiconf" ] \
   && grep -q "checkAfter = 1 seconds" "$dir/golden/ir-poll/client.log" \
   && [ $(( $(date +%s) - t0 )) -ge 1 ]; then
  ok "ir-poll: ip(waiting) pollReq pollRep(checkAfter=1) pollReq ip certConf pkiConf"
else bad "ir-poll ($(sequence ir-poll))"; fi

# --- 9. reject: ip with PKIStatus rejection / notAuthorized
p=$((base+4)); start "$p" reject
if run_client ir-reject "$p" 1 "${IR_PBM[@]}" -newkey "$pki/ee1.key" -certout "$dir/x.crt" \
   && [ "$(sequence ir-reject)" = "ir ip" ] \
   && grep -q "PKIFailureInfo: notAuthorized" "$dir/golden/ir-reject/client.log"; then
  ok "ir-reject: ip with rejection/notAuthorized, no certConf"
else bad "ir-reject ($(sequence ir-reject))"; fi

# --- 10. error: error message instead of ip
p=$((base+5)); start "$p" error
if run_client ir-error "$p" 1 "${IR_PBM[@]}" -newkey "$pki/ee1.key" -certout "$dir/x.crt" \
   && [ "$(sequence ir-error)" = "ir error" ] \
   && grep -q "PKIStatus: rejection; PKIFailureInfo: badRequest" "$dir/golden/ir-error/client.log"; then
  ok "ir-error: error message (rejection/badRequest, errorCode/errorDetails)"
else bad "ir-error ($(sequence ir-error))"; fi

# --- 11. granted: grantedWithMods is still a success
p=$((base+6)); start "$p" granted
if run_client ir-granted "$p" 0 "${IR_PBM[@]}" -newkey "$pki/ee1.key" -certout "$dir/x.crt" \
   && [ "$(sequence ir-granted)" = "ir ip certconf pkiconf" ]; then
  ok "ir-granted: grantedWithMods + certificate, confirmed"
else bad "ir-granted ($(sequence ir-granted))"; fi

# --- 12. HTTP level: path and method handling (curl, if available)
if command -v curl >/dev/null; then
  req=$(ls "$dir"/golden/ir-pbm/01-ir.der)
  c1=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: close' -H 'Content-Type: application/pkixcmp' --data-binary @"$req" "http://127.0.0.1:$base/.well-known/cmp")
  c2=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' -H 'Connection: close' -H 'Content-Type: application/pkixcmp' --data-binary @"$req" "http://127.0.0.1:$base/")
  if [ "$c1" = 404 ] && [ "$c2" = "200 application/pkixcmp" ]; then
    ok "http: /.well-known/cmp -> 404, / -> 200 application/pkixcmp"
  else bad "http ($c1 / $c2)"; fi
fi

echo "golden messages: $dir/golden/<case>/NN-<type>.der   (openssl asn1parse -inform DER -i -in FILE)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
