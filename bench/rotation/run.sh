#!/usr/bin/env bash
# One rotation end to end on a real Kamailio: `rotor rotate` -> issue -> stage -> kamcmd
# tls.reload checked by reply and handshake -> health gate (3 s window, 5 probes/s, TLS + SIP
# OPTIONS) -> promoted, timed from the rotate command to the new version being active.
# Repeats ROUNDS times (default 5) and prints each time, the median, and the gate's share.
# Everything runs on 127.0.0.1 (tests/env/sip); the Kamailio is stopped at the end.
# Env: ROTOR_ARTIFACTS (build output; default bench/results/artifacts), ROUNDS, PORT (default 15161).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
rounds="${ROUNDS:-5}"
port="${PORT:-15161}"
env_dir="$root/tests/env/sip"
state=$(mktemp -d /tmp/rotor-bench-rotation-XXXXXX)
run_pid=""
cleanup() {
  [[ -n "$run_pid" ]] && kill "$run_pid" 2>/dev/null || true
  "$env_dir/stop.sh" "$state/kamailio" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT

echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
dotnet build src/Rotor -c Release --nologo -v quiet -clp:ErrorsOnly
rotor=(dotnet "$ROTOR_ARTIFACTS/bin/Rotor/release/rotor.dll")

echo "== Kamailio on 127.0.0.1:$port"
"$env_dir/start-kamailio.sh" "$state/kamailio" "$port" >/dev/null
k="$state/kamailio"
cat >"$state/rotor.yaml" <<YAML
apiVersion: rotor/v1
kind: Issuer
metadata: {name: local}
spec: {ca: {}}
---
apiVersion: rotor/v1
kind: Target
metadata: {name: kam}
spec:
  kamailio: {ctlSocket: $k/run/kamailio_ctl, certificatePath: $k/certs/cert.pem, privateKeyPath: $k/certs/key.pem, tlsEndpoint: "127.0.0.1:$port", minReloadInterval: 1s}
---
apiVersion: rotor/v1
kind: Endpoint
metadata: {name: kam-tls}
spec: {host: 127.0.0.1, port: $port, sni: localhost, sip: true}
---
apiVersion: rotor/v1
kind: Certificate
metadata: {name: edge}
spec:
  dnsNames: [localhost]
  ipAddresses: [127.0.0.1]
  issuerRef: {name: local}
  deploy: [{target: kam, endpoints: [kam-tls]}]
  rotation: {overlap: 1h, healthGate: {window: 3s, probesPerSecond: 5}}
YAML
data="$state/data"
"${rotor[@]}" apply -f "$state/rotor.yaml" --data "$data" >/dev/null
"${rotor[@]}" run --data "$data" --listen 127.0.0.1:0 >"$state/run.log" 2>&1 &
run_pid=$!

active_id() {
  "${rotor[@]}" describe certificate edge --data "$data" -o json 2>/dev/null |
    python3 -c 'import json,sys; v=[x["id"] for x in json.load(sys.stdin)["versions"] if x["state"]=="Active"]; print(v[-1] if v else 0)'
}
wait_newer() { # $1 = id that must be exceeded; prints the new id
  local deadline=$((SECONDS + 60)) id
  while ((SECONDS < deadline)); do
    id=$(active_id)
    if ((id > $1)); then echo "$id"; return 0; fi
    sleep 0.05
  done
  echo "timed out waiting for a rotation; rotor run log:" >&2
  tail -20 "$state/run.log" >&2
  return 1
}
current=$(wait_newer 0) # the first version replaces the certificate Kamailio started with

times=()
for ((i = 1; i <= rounds; i++)); do
  start=$(date +%s.%N)
  "${rotor[@]}" rotate edge --data "$data" >/dev/null
  current=$(wait_newer "$current")
  end=$(date +%s.%N)
  t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  times+=("$t")
  echo "rotation $i: ${t} s (version $current)"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "== summary ($(nproc) CPU(s), $(date -u +%FT%TZ))"
echo "one rotation end to end (rotor rotate -> active; includes a ~0.4 s CLI start and a 3 s gate): median ${median} s over $rounds"
echo "time outside the gate: $(awk -v m="$median" 'BEGIN { printf "%.2f", m - 3 }') s"
