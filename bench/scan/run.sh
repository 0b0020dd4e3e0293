#!/usr/bin/env bash
# Discovery scan throughput: `rotor scan` over 1,000 TLS endpoints on 127.0.0.1, beside
# `openssl s_time` against one of them in the same run (full handshakes, one at a time) as the
# physical reference. One ScanBench process serves every endpoint (ECDSA P-256, TLS 1.2/1.3) and
# stops by itself. Each endpoint costs the scanner one full handshake plus two hand-made hellos
# (TLS 1.1 and older, weak suites), which this server refuses; the certificate has no OCSP URL.
# Prints endpoints (= full handshakes) per second, CPU, and
#   ratio rotor_scan/openssl_s_time = R   (target >= 1.5)
# Needs GNU time at /usr/bin/time (Debian package `time`).
# Env: ROTOR_ARTIFACTS (build output; default bench/results/artifacts), BENCH_COUNT (default 1000),
#      BENCH_BASE_PORT (default 25000), BENCH_SECONDS (s_time, default 10), BENCH_CONCURRENCY (default 64),
#      BENCH_NO_BUILD=1 (reuse the last build), BENCH_JIT=1 (run `dotnet rotor.dll` instead of the
#      Native AOT executable).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
count="${BENCH_COUNT:-1000}"
base="${BENCH_BASE_PORT:-25000}"
seconds="${BENCH_SECONDS:-10}"
concurrency="${BENCH_CONCURRENCY:-64}"
results="$root/bench/results"
mkdir -p "$results"
log="$results/scan-$(date -u +%Y%m%dT%H%M%SZ).txt"

aot="$ROTOR_ARTIFACTS/publish/rotor-aot"
if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
  echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
  dotnet build bench/scan/ScanBench -c Release --nologo -v quiet -clp:ErrorsOnly
  if [[ "${BENCH_JIT:-0}" == 1 ]]; then
    dotnet build src/Rotor -c Release --nologo -v quiet -clp:ErrorsOnly
  else
    echo "== Native AOT publish of rotor ($aot), the executable users install"
    dotnet publish src/Rotor -c Release -r linux-x64 -p:PublishAot=true -o "$aot" --nologo -v quiet -clp:ErrorsOnly
  fi
fi
if [[ "${BENCH_JIT:-0}" == 1 ]]; then rotor=(dotnet "$ROTOR_ARTIFACTS/bin/Rotor/release/rotor.dll"); else rotor=("$aot/rotor"); fi
server="$ROTOR_ARTIFACTS/bin/ScanBench/release/ScanBench"

# The server lives long enough for both measurements and stops by itself.
"$server" serve "$base" "$count" $((seconds + 240)) > "$log.server" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^serving' "$log.server" 2>/dev/null && break; sleep 0.1; done
grep -q '^serving' "$log.server" || { echo "the endpoint server did not start:" >&2; cat "$log.server" >&2; exit 2; }
echo "== $(head -1 "$log.server")"

echo "== openssl s_time -new -time $seconds against 127.0.0.1:$base"
t0=$(date +%s.%N)
s_time_out=$(timeout $((seconds + 30)) openssl s_time -connect "127.0.0.1:$base" -new -time "$seconds" 2>&1)
t1=$(date +%s.%N)
connections=$(awk '/connections in .*s;/ { print $1; exit }' <<<"$s_time_out")
if [[ -z "$connections" ]]; then echo "could not read openssl s_time output:" >&2; echo "$s_time_out" >&2; exit 2; fi
openssl_rate=$(awk -v n="$connections" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
echo "openssl $(openssl version | cut -d' ' -f2): $connections handshakes in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $openssl_rate /s"

echo "== rotor scan 127.0.0.1:$base-$((base + count - 1)) --concurrency $concurrency"
/usr/bin/time -f '%e %U %S %M' -o "$log.time" "${rotor[@]}" scan "127.0.0.1:$base-$((base + count - 1))" --sni localhost \
  --concurrency "$concurrency" --timeout 10s -o json > "$log.json" 2>"$log.err" || true
read -r wall user sys rss < <(tail -1 "$log.time")
answering=$(grep -c '"reachable": true' "$log.json" || true)
with_cert=$(grep -c '"sha256"' "$log.json" || true)
scan_rate=$(awk -v n="$answering" -v w="$wall" 'BEGIN { printf "%.1f", n / w }')
scan_ms=$(grep -o '"elapsedMs": [0-9.]*' "$log.json" | awk '{ print $2 }')
phase_rate=$(awk -v n="$answering" -v ms="$scan_ms" 'BEGIN { printf "%.1f", n / (ms / 1000) }')
cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
cores=$(awk -v c="$cpu" -v w="$wall" 'BEGIN { printf "%.2f", c / w }')
echo "rotor scan: $answering/$count endpoints answered ($with_cert certificates read) in $wall s: $scan_rate endpoints (full handshakes)/s, about $((answering * 3)) connections (a handshake and two refused hellos each)"
echo "rotor scan, the scanning alone (without process start-up and output): $(awk -v ms="$scan_ms" 'BEGIN { printf "%.2f", ms / 1000 }') s, $phase_rate endpoints/s"
echo "rotor scan CPU: ${cpu} s (user $user, sys $sys) = $cores cores busy on average (the endpoint server shares the machine); peak RSS $((rss / 1024)) MB"
ratio=$(awk -v a="$scan_rate" -v b="$openssl_rate" 'BEGIN { printf "%.2f", a / b }')
phase_ratio=$(awk -v a="$phase_rate" -v b="$openssl_rate" 'BEGIN { printf "%.2f", a / b }')
echo "ratio rotor_scan/openssl_s_time = $ratio (whole process; target >= 1.5)"
echo "ratio rotor_scan_phase/openssl_s_time = $phase_ratio (the scanning alone)"
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
tail -1 "$log.server"
{ echo "count=$count concurrency=$concurrency openssl=$openssl_rate scan=$scan_rate wall=$wall cpu=$cpu ratio=$ratio phase_ratio=$phase_ratio load=$(cut -d' ' -f1-3 /proc/loadavg)"; } >> "$log"
awk -v r="$ratio" 'BEGIN { exit !(r >= 1.5) }' && echo PASS || { echo FAIL; exit 1; }
