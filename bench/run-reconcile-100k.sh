#!/usr/bin/env bash
# 100,000 certificates, none due: what `rotor reconcile` costs in a fresh process.
# Two fleets: as specified (resources + statuses only), and steady state (each certificate also
# has an active version and a key file, so the stray-key sweep sees a real keys folder).
# Env: ROTOR_ARTIFACTS (default bench/results/artifacts), COUNT (default 100000),
#      STEADY_STATE=0 to skip the steady-state fleet. Data folders go to $TMPDIR and are removed.
set -euo pipefail
export LC_ALL=C # decimal points in printf and awk
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
count="${COUNT:-100000}"
results="$root/bench/results"
mkdir -p "$results"
log="$results/reconcile-100k-$(date -u +%Y%m%dT%H%M%SZ).txt"

echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
dotnet build bench/Rotor.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
bench="$ROTOR_ARTIFACTS/bin/Rotor.Bench/release/Rotor.Bench"
rotor="$ROTOR_ARTIFACTS/bin/Rotor/release/rotor"

status=0
summary=""
run() { # $1 = label, rest = extra arguments
  local label=$1; shift
  echo "== $label: Rotor.Bench reconcile-100k --count $count $*"
  local out rc=0
  out=$(timeout 240 "$bench" reconcile-100k --count "$count" --runs 3 --rotor "$rotor" "$@") || rc=$?
  echo "$out" | tee -a "$log"
  (( rc == 0 )) || status=1
  figure() { local v; v=$(sed -n "s/^$1=//p" <<<"$out"); echo "${v:-nan}"; }
  summary+=$(printf '%-13s rotor reconcile %5.0f ms, peak RSS %3.0f MiB | open %3.0f ms, key sweep %4.0f ms, pass %4.1f ms (max %4.1f) | %s\n' \
    "$label" "$(figure reconcile_wall_ms)" "$(figure rotor_reconcile_peak_rss_mib)" "$(figure open_ms)" \
    "$(figure sweep_ms)" "$(figure pass_ms)" "$(figure pass_max_ms)" \
    "$(case $rc in 0) echo 'targets met' ;; 1) echo 'TARGET MISSED' ;; *) echo "ERROR (exit $rc)" ;; esac)")
  summary+=$'\n'
  [[ -n "$wall" ]] || wall=$(figure reconcile_wall_ms)
}
wall=""

run "as specified"
if [[ "${STEADY_STATE:-1}" != 0 ]]; then
  run "steady state" --steady-state
fi

{
  echo "== summary ($count certificates, none due; $(nproc) CPU(s); medians of 3 fresh processes)"
  printf '%s' "$summary"
  echo "targets: one reconcile pass <= 500 ms, peak RSS <= 300 MiB"
  certbot=$((count * 60 / 1000))
  echo "for scale: certbot takes ~60 s per 1000 certificates when none is due, i.e. ~$certbot s for $count,"
  awk -v w="$wall" -v c="$certbot" 'BEGIN { printf "           against %.2f s for rotor reconcile (as specified), ~%.0fx less.\n", w / 1000, c * 1000 / w }'
  echo "           The certbot figure is quoted, not measured: certbot is not run here."
} | tee -a "$log"
echo "(log: $log)"
exit "$status"
