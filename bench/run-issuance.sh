#!/usr/bin/env bash
# Local-CA issuance throughput against the machine's raw ECDSA P-256 signing speed.
# The ratio (not the absolute rate) is the target, so the figure means the same on any machine:
# rotor issuance (key generation + signing + store, one thread) / `openssl speed` sign/s (one core).
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

echo "== openssl speed -seconds $seconds ecdsap256 (one process, one core)"
# Progress goes to stderr; the table row is "256 bits ecdsa (nistp256) <sign s> <verify s> <sign/s> <verify/s>".
openssl_out=$(timeout 120 openssl speed -seconds "$seconds" ecdsap256 2>/dev/null)
openssl_sign=$(awk '/ecdsa \(nistp256\)/ { print $(NF-1) }' <<<"$openssl_out")
if [[ -z "$openssl_sign" ]]; then
  echo "could not read sign/s from openssl speed output:" >&2
  echo "$openssl_out" >&2
  exit 2
fi
echo "openssl $(openssl version | cut -d' ' -f2): $openssl_sign sign/s"

echo "== Rotor.Bench issuance --seconds $seconds"
rotor_out=$(timeout 180 "$bench" issuance --seconds "$seconds" --parallelism 2)
echo "$rotor_out"
figure() { sed -n "s/^$1=//p" <<<"$rotor_out"; }
issuance=$(figure issuance_p1_per_s)
issuance2=$(figure issuance_p2_per_s)
signing=$(figure signing_p256_per_s)

ratio=$(awk -v r="$issuance" -v o="$openssl_sign" 'BEGIN { printf "%.3f", r / o }')
sign_ratio=$(awk -v r="$signing" -v o="$openssl_sign" 'BEGIN { printf "%.3f", r / o }')
verdict=$(awk -v x="$ratio" -v t="$target" 'BEGIN { print (x >= t) ? "PASS" : "FAIL" }')
{
  echo "== summary ($(nproc) CPU(s), $(date -u +%FT%TZ))"
  echo "openssl sign/s (P-256, 1 core):                 $openssl_sign"
  echo "rotor signing only (CaIssuer.IssueAsync, P-256): $signing  (ratio $sign_ratio)"
  echo "rotor issuance, 1 thread:                        $issuance"
  echo "rotor issuance, 2 threads:                       $issuance2"
  echo "ratio rotor_issuance/openssl_sign = $ratio (target >= $target) $verdict"
} | tee "$log.summary"
{ echo "$openssl_out"; echo "$rotor_out"; cat "$log.summary"; } >"$log"
rm -f "$log.summary"
echo "(log: $log)"
[[ "$verdict" == PASS ]]
