#!/usr/bin/env bash
# run.sh — CMP enrolment throughput: Rotor's CMP library against the "openssl cmp" client,
# both doing N sequential ir/ip/certConf/pkiConf transactions against the same OpenSSL
# mock CMP server (tests/env/cmp/start-mock-ca.sh) on 127.0.0.1 in the same run.
#
# Usage: bench/cmp/run.sh [--count N] [--port P] [--iterations I]
#   --count N        transactions per client (default 100)
#   --port P         mock server port (default 18470)
#   --iterations I   PBM iterationCount of Rotor's requests (default 500, what the openssl
#                    client uses; the server pays it once per request)
# Environment: ROTOR_ARTIFACTS (build output, default /tmp/rotor-bench-cmp-artifacts), OPENSSL.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
OPENSSL=${OPENSSL:-openssl}
count=100 port=18470 iterations=500
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

export ROTOR_ARTIFACTS=${ROTOR_ARTIFACTS:-/tmp/rotor-bench-cmp-artifacts}
export MOCK_CA_SECRET=${MOCK_CA_SECRET:-iak-1234-5678}
state=/tmp/rotor-bench-cmp-$port
trap '"$root/tests/env/cmp/start-mock-ca.sh" --stop --dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT

echo "building the runner (artifacts in $ROTOR_ARTIFACTS) ..." >&2
dotnet build "$here/Rotor.Bench.Cmp" -c Release -nologo -clp:ErrorsOnly -v q >&2
runner=$ROTOR_ARTIFACTS/bin/Rotor.Bench.Cmp/release/Rotor.Bench.Cmp.dll

# One mock, scenario ok, quiet log (verbosity 3: errors only) so logging does not dominate.
"$root/tests/env/cmp/start-mock-ca.sh" --dir "$state" --port "$port" --scenario ok --verbosity 3 >/dev/null
url=http://127.0.0.1:$port/pkix/

rotor_line=$(dotnet "$runner" "$url" "$state/ee1.key" "$count" "$iterations")
rotor_ms=${rotor_line#rotor_ms=}; rotor_ms=${rotor_ms%% *}

start=$(date +%s%N)
for _ in $(seq 1 "$count"); do
  "$OPENSSL" cmp -config "" -server "127.0.0.1:$port" -path pkix/ -cmd ir \
    -ref 3078 -secret env:MOCK_CA_SECRET -recipient "/CN=Mock Root CA" \
    -subject "/CN=sbc.example.com" -newkey "$state/ee1.key" -certout "$state/openssl.crt" \
    -verbosity 3 >/dev/null 2>&1 || { echo "openssl cmp ir failed" >&2; exit 1; }
done
openssl_ms=$(( ($(date +%s%N) - start) / 1000000 ))

echo "transactions:        $count sequential ir/ip/certConf/pkiConf each, one mock at $url"
echo "rotor (library):     ${rotor_ms} ms  (${rotor_line#* })"
echo "openssl cmp (loop):  ${openssl_ms} ms"
awk -v r="$rotor_ms" -v o="$openssl_ms" 'BEGIN { printf "ratio rotor/openssl: %.2f\n", r / o }'
