#!/usr/bin/env bash
# Local-CA issuance throughput against the machine's raw ECDSA P-256 signing speed.
# The ratio (not the absolute rate) is the target, so the figure means the same on any machine:
# rotor issuance (key generation + signing + store) / `openssl speed` sign/s, like for like: the
# ratio line compares all cores with all cores (`openssl speed -multi`); one thread against one
# core is printed above it.
# Env: ROTOR_ARTIFACTS (build output; default bench/results/artifacts), BENCH_SECONDS (default 5).
set -euo pipefail
export LC_ALL=C # decimal points in printf and awk
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
seconds="${BENCH_SECONDS:-5}"
target=0.20
results="$root/bench/results"
mkdir -p "$results"
log="$results/issuance-$(date -u +%Y%m%dT%H%M%SZ).txt"

echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
dotnet build bench/Rotor.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
bench="$ROTOR_ARTIFACTS/bin/Rotor.Bench/release/Rotor.Bench"

cpus=$(nproc)
openssl_sign_rate() { awk '/ecdsa \(nistp256\)/ { print $(NF-1) }' <<<"$1"; }
echo "== openssl speed -seconds $seconds ecdsap256 (one process, one core)"
# Progress goes to stderr; the table row is "256 bits ecdsa (nistp256) <sign s> <verify s> <sign/s> <verify/s>".
openssl_out=$(timeout 120 openssl speed -seconds "$seconds" ecdsap256 2>/dev/null)
openssl_sign=$(openssl_sign_rate "$openssl_out")
echo "== openssl speed -multi $cpus -seconds $seconds ecdsap256 (all cores)"
openssl_multi_out=$(timeout 120 openssl speed -multi "$cpus" -seconds "$seconds" ecdsap256 2>/dev/null)
openssl_multi=$(openssl_sign_rate "$openssl_multi_out")
if [[ -z "$openssl_sign" || -z "$openssl_multi" ]]; then
  echo "could not read sign/s from openssl speed output:" >&2
  echo "$openssl_out" "$openssl_multi_out" >&2
  exit 2
fi
echo "openssl $(openssl version | cut -d' ' -f2): $openssl_sign sign/s on 1 core, $openssl_multi sign/s on $cpus"

echo "== Rotor.Bench issuance --seconds $seconds"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rotor_out=$(timeout 300 "$bench" issuance --seconds "$seconds" --parallelism "$cpus")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$rotor_out"
figure() { sed -n "s/^$1=//p" <<<"$rotor_out"; }
issuance=$(figure issuance_p1_per_s)
best=$(figure issuance_best_per_s)
best_in_flight=$(figure issuance_best_in_flight)
signing=$(figure signing_p256_per_s)
# What no Rotor code sits in: .NET's key generation, one signature, one parse of the leaf.
floor_us=$(awk -v k="$(figure floor_keygen_us)" -v s="$(figure floor_sign_us)" -v l="$(figure floor_load_us)" 'BEGIN { printf "%.1f", k + s + l }')

ratio() { awk -v r="$1" -v o="$2" 'BEGIN { printf "%.3f", r / o }'; }
ratio1=$(ratio "$issuance" "$openssl_sign")
ratio_all=$(ratio "$best" "$openssl_multi")
sign_ratio=$(ratio "$signing" "$openssl_sign")
floor_rate=$(awk -v f="$floor_us" 'BEGIN { printf "%.0f", 1e6 / f }')
floor_ratio=$(ratio "$floor_rate" "$openssl_sign")
verdict=$(awk -v x="$ratio_all" -v t="$target" 'BEGIN { print (x >= t) ? "PASS" : "FAIL" }')
{
  echo "== summary ($cpus CPU(s), $(date -u +%FT%TZ), load average $load_before before, $load_after after)"
  echo "openssl sign/s (P-256, 1 core):                       $openssl_sign"
  echo "openssl sign/s (P-256, $cpus cores, -multi $cpus):           $openssl_multi"
  echo "rotor signing only (CaIssuer.IssueAsync, P-256):       $signing  (ratio $sign_ratio of 1 core)"
  echo "rotor issuance, 1 thread:                              $issuance"
  echo "rotor issuance, $cpus cores, $best_in_flight in flight:                 $best"
  echo "bound, 1 core: keygen + sign + leaf parse alone = $floor_us µs, at most $floor_rate/s (ratio $floor_ratio)"
  echo "ratio rotor_issuance_1thread/openssl_sign_1core = $ratio1"
  echo "ratio rotor_issuance/openssl_sign = $ratio_all ($cpus cores each: $best_in_flight issuances in flight / openssl -multi $cpus) (target >= $target) $verdict"
} | tee "$log.summary"
{ echo "$openssl_out"; echo "$openssl_multi_out"; echo "$rotor_out"; cat "$log.summary"; } >"$log"
rm -f "$log.summary"
echo "(log: $log)"
[[ "$verdict" == PASS ]]
