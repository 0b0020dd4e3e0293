#!/usr/bin/env bash
# The dashboard's HTML pages over 10,000 certificates (each with an active version): the inventory
# `/` (first page, a deep page, a status filter, a name filter) and one certificate page, 200
# requests each from one logged-in client over loopback after a warm-up; p50/p95/p99/max.
# Target: p99 <= 100 ms per page. Exit 1 on a miss.
# Env: ROTOR_ARTIFACTS (default bench/results/artifacts), COUNT (default 10000), REQUESTS (default 200).
# The data folder goes to $TMPDIR and is removed.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
results="$root/bench/results"
mkdir -p "$results"
log="$results/dashboard-$(date -u +%Y%m%dT%H%M%SZ).txt"

echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
dotnet build bench/Rotor.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
bench="$ROTOR_ARTIFACTS/bin/Rotor.Bench/release/Rotor.Bench"

echo "== Rotor.Bench dashboard --count ${COUNT:-10000} --requests ${REQUESTS:-200}"
rc=0
timeout 600 "$bench" dashboard --count "${COUNT:-10000}" --requests "${REQUESTS:-200}" | tee "$log" || rc=$?
echo "target: p99 <= 100 ms per HTML page; $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
case $rc in 0) echo "PASS" ;; 1) echo "FAIL: a page missed the target" ;; *) echo "ERROR (exit $rc)" ;; esac | tee -a "$log"
echo "(log: $log)"
exit "$rc"
