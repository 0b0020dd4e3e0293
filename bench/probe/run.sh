#!/usr/bin/env bash
# Probe handshakes per second against a real Kamailio (tests/env/sip), Rotor next to openssl.
# In one run, against the same Kamailio on 127.0.0.1:
#   1. openssl s_time -connect 127.0.0.1:PORT -new -time SECONDS   (full handshakes, one at a time)
#   2. rotor probe 127.0.0.1:PORT --count COUNT --interval 0s -o json (the CLI, sequential)
#   3. ProbeBench: TlsProbe in-process for SECONDS, 1 and 4 probes in flight, then 1 with SIP OPTIONS
# and prints `ratio rotor_probe_c1/openssl_s_time = R`. No target: the figure is recorded.
# Env: ROTOR_ARTIFACTS (build output; default bench/results/artifacts), BENCH_SECONDS (default 10),
#      BENCH_COUNT (rotor probe --count, default 1000), BENCH_SIP_PORT (default 15461; uses 4 ports),
#      BENCH_KEY_TYPE (ec|rsa, default ec), BENCH_NO_BUILD=1 (reuse the last build),
#      BENCH_TCP_CHILDREN (Kamailio TLS workers, default 1: with more, concurrent handshakes crash
#      Kamailio 5.6.3 + OpenSSL 3; see bench/probe/README.md).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
seconds="${BENCH_SECONDS:-10}"
count="${BENCH_COUNT:-1000}"
port="${BENCH_SIP_PORT:-15461}"
key_type="${BENCH_KEY_TYPE:-ec}"
tcp_children="${BENCH_TCP_CHILDREN:-1}"
results="$root/bench/results"
mkdir -p "$results"
log="$results/probe-$(date -u +%Y%m%dT%H%M%SZ).txt"
env_dir="$root/tests/env/sip"

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
  echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
  dotnet build bench/probe/ProbeBench -c Release --nologo -v quiet -clp:ErrorsOnly
fi
rotor=(dotnet "$ROTOR_ARTIFACTS/bin/Rotor/release/rotor.dll")
bench="$ROTOR_ARTIFACTS/bin/ProbeBench/release/ProbeBench"

state=$(mktemp -d /tmp/rotor-probe-bench.XXXXXX)
trap '"$env_dir/stop.sh" "$state/kamailio" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
"$env_dir/gen-cert.sh" --key-type "$key_type" --ca-dir "$state/kamailio/ca" \
  "$state/kamailio/certs/cert.pem" "$state/kamailio/certs/key.pem" >/dev/null
echo "== Kamailio on 127.0.0.1:$port ($key_type certificate, $tcp_children TLS worker(s))"
SIP_LAB_TCP_CHILDREN="$tcp_children" "$env_dir/start-kamailio.sh" "$state/kamailio" "$port" 2>/dev/null
ca="$state/kamailio/ca/ca-cert.pem"

echo "== openssl s_time -new -time $seconds"
t0=$(date +%s.%N)
s_time_out=$(timeout $((seconds + 30)) openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" 2>&1)
t1=$(date +%s.%N)
# "N connections in X.XXs; Y connections/user sec, ...": X is CPU time, so divide by wall time.
connections=$(awk '/connections in .*s;/ { print $1; exit }' <<<"$s_time_out")
if [[ -z "$connections" ]]; then echo "could not read openssl s_time output:" >&2; echo "$s_time_out" >&2; exit 2; fi
openssl_rate=$(awk -v n="$connections" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
echo "openssl $(openssl version | cut -d' ' -f2): $connections handshakes, $openssl_rate /s"

echo "== rotor probe --count $count --interval 0s (verifies the chain and the name)"
cli_json=$(timeout 300 "${rotor[@]}" probe "127.0.0.1:$port" --sni localhost --trust "$ca" --count "$count" --interval 0s -o json)
cli_rate=$(grep -o '"probesPerSecond": [0-9.]*' <<<"$cli_json" | awk '{ print $2 }')
cli_ok=$(grep -o '"successes": [0-9]*' <<<"$cli_json" | awk '{ print $2 }')
cli_p50=$(grep -A1 '"handshakeMs": {' <<<"$cli_json" | grep -o '"p50": [0-9.]*' | awk '{ print $2 }')
echo "rotor probe: $cli_ok/$count ok, $cli_rate /s, handshake p50 $cli_p50 ms"

echo "== TlsProbe in-process, $seconds s per level"
bench_out=$(timeout $((seconds * 4 + 120)) "$bench" --port "$port" --trust "$ca" --seconds "$seconds" --concurrency 1,4)
bench_sip=$(timeout $((seconds * 2 + 120)) "$bench" --port "$port" --trust "$ca" --seconds "$seconds" --concurrency 1 --sip)
echo "$bench_out"; echo "$bench_sip"
figure() { grep -o "$1=[^ ]*" <<<"$bench_out$bench_sip" | head -n 1 | cut -d= -f2; }
c1=$(figure probe_c1_per_s); c4=$(figure probe_c4_per_s); c1sip=$(figure probe_c1_sip_per_s)

ratio=$(awk -v r="$c1" -v o="$openssl_rate" 'BEGIN { printf "%.2f", r / o }')
cli_ratio=$(awk -v r="$cli_rate" -v o="$openssl_rate" 'BEGIN { printf "%.2f", r / o }')
faults=$(grep -cE "freeing already freed pointer|exited by a signal|protocol level error" "$state/kamailio/kamailio.log" || true)
{
  echo "== summary ($(nproc) CPU(s), $(date -u +%FT%TZ), $key_type certificate, Kamailio $(kamailio -v | awk 'NR == 1 { print $3 }'), $tcp_children TLS worker(s))"
  echo "openssl s_time -new, handshakes/s:             $openssl_rate"
  echo "rotor probe (CLI, sequential), probes/s:       $cli_rate  (ratio $cli_ratio)"
  echo "TlsProbe in-process, 1 in flight, probes/s:    $c1"
  echo "TlsProbe in-process, 4 in flight, probes/s:    $c4"
  echo "TlsProbe + SIP OPTIONS, 1 in flight, probes/s: $c1sip"
  echo "Kamailio faults in its log:                    $faults"
  echo "ratio rotor_probe_c1/openssl_s_time = $ratio"
} | tee "$log.summary"
{ echo "$s_time_out"; echo "$bench_out"; echo "$bench_sip"; cat "$log.summary"; } >"$log"
rm -f "$log.summary"
echo "(log: $log)"
