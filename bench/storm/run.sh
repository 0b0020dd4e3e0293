#!/usr/bin/env bash
# Renewal storm: COUNT certificates (default 10,000) due at once, local CA (intermediate, P-256),
# one file target with a reload command, worked by 1 and then 3 `rotor run` processes on one data
# folder (SQLite; leases keep them apart). Measures the time from start until every certificate
# has an active version deployed, and issuances per certificate (versions in the store, which
# must be exactly 1 each). Targets: <= 20 s with one instance on a 2-core machine, 3 instances no
# slower than one (within 10%), exactly 1 issuance per certificate. Exits 1 on a miss.
# Env: ROTOR_ARTIFACTS (build output; default bench/results/artifacts), COUNT, INSTANCES ("1 3"),
#      RELOAD (the target's reload command; default `true`), RELOAD_BATCH (default 1: the target's
#      `reload: {batch: true}`, certificates deploying at once share a reload; 0: one per certificate),
#      BENCH_NO_BUILD=1, TIMEOUT (s, default 600),
#      PARALLELISM (passed as --parallelism to each rotor run; default: rotor's own), KEEP=1 (keep the
#      state folder), BENCH_JIT=1 (run `dotnet rotor.dll` instead of the Native AOT executable users install).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
count="${COUNT:-10000}"
instances="${INSTANCES:-1 3}"
reload="${RELOAD:-true}"
batch=$([[ "${RELOAD_BATCH:-1}" == 1 ]] && echo true || echo false)
timeout_s="${TIMEOUT:-600}"
results="$root/bench/results"
mkdir -p "$results"
log="$results/storm-$(date -u +%Y%m%dT%H%M%SZ).txt"
state=$(mktemp -d /tmp/rotor-bench-storm-XXXXXX)
pids=()
# Each pid is GNU time's: the signal goes to its child (rotor), so time lives to write its figures.
stop_all() {
  local p c
  for p in "${pids[@]}"; do
    for c in $(pgrep -P "$p" 2>/dev/null); do kill -TERM "$c" 2>/dev/null || true; done
  done
}
cleanup() {
  stop_all
  wait 2>/dev/null || true
  [[ "${KEEP:-0}" == 1 ]] && echo "kept $state" || rm -rf "$state"
}
trap cleanup EXIT

aot="$ROTOR_ARTIFACTS/publish/rotor-aot"
if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
  if [[ "${BENCH_JIT:-0}" == 1 ]]; then
    echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
    dotnet build src/Rotor -c Release --nologo -v quiet -clp:ErrorsOnly
  else
    echo "== Native AOT publish of rotor ($aot), the executable users install"
    dotnet publish src/Rotor -c Release -r linux-x64 -p:PublishAot=true -o "$aot" --nologo -v quiet -clp:ErrorsOnly
  fi
fi
if [[ "${BENCH_JIT:-0}" == 1 ]]; then rotor=(dotnet "$ROTOR_ARTIFACTS/bin/Rotor/release/rotor.dll"); else rotor=("$aot/rotor"); fi
command -v sqlite3 >/dev/null || { echo "needs sqlite3 (Debian package sqlite3)"; exit 2; }

# The manifests a user would write: one issuer, one target, COUNT certificates in files of 1,000.
make_manifests() { # $1 = folder
  local dir=$1 i f
  mkdir -p "$dir"
  cat >"$dir/00-base.yaml" <<YAML
apiVersion: rotor/v1
kind: Issuer
metadata: {name: storm-ca}
spec:
  ca: {intermediate: true}
---
apiVersion: rotor/v1
kind: Target
metadata: {name: files}
spec:
  file:
    reload: {command: '$reload', batch: $batch}
YAML
  for ((f = 0; f < count; f += 1000)); do
    {
      for ((i = f; i < f + 1000 && i < count; i++)); do
        printf -- '---\napiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: sip-%06d}\nspec:\n  dnsNames: [sip-%06d.storm.example]\n  issuerRef: {name: storm-ca}\n  deploy: [{target: files, path: out/sip-%06d}]\n' "$i" "$i" "$i"
      done
    } >"$dir/cert-$(printf %06d "$f").yaml"
  done
}

ms() { date +%s%3N; }
deployed() { sqlite3 -readonly "$1/rotor.db" "SELECT COUNT(*) FROM certificate_status WHERE ready = 1 AND current_version_id IS NOT NULL" 2>/dev/null || echo 0; }

run_storm() { # $1 = instances
  local n=$1 data="$state/data-$1" manifests="$state/manifests"
  [[ -d "$manifests" ]] || make_manifests "$manifests"
  "${rotor[@]}" init --data "$data" >/dev/null
  "${rotor[@]}" apply --data "$data" -f "$manifests" >/dev/null
  echo "== $n instance(s): $count certificates due at once" | tee -a "$log"
  local start; start=$(ms)
  pids=()
  for ((k = 0; k < n; k++)); do
    /usr/bin/time -f "%e %U %S %M" -o "$state/time-$n-$k" "${rotor[@]}" run --data "$data" --listen 127.0.0.1:0 ${PARALLELISM:+--parallelism "$PARALLELISM"} \
      >"$state/run-$n-$k.out" 2>"$state/run-$n-$k.err" &
    pids+=($!)
  done
  local done_count=0 last=-1 elapsed
  while :; do
    done_count=$(deployed "$data")
    elapsed=$(( $(ms) - start ))
    if (( done_count != last )); then printf '  %6.1f s: %d deployed\n' "$(echo "$elapsed/1000" | bc -l)" "$done_count"; last=$done_count; fi
    (( done_count >= count )) && break
    (( elapsed > timeout_s * 1000 )) && { echo "  timed out after ${timeout_s} s"; break; }
    sleep 0.5
  done
  local seconds; seconds=$(echo "scale=2; $elapsed/1000" | bc -l)
  stop_all
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
  local versions max_per min_per reloads
  versions=$(sqlite3 -readonly "$data/rotor.db" "SELECT COUNT(*) FROM certificate_versions")
  max_per=$(sqlite3 -readonly "$data/rotor.db" "SELECT COALESCE(MAX(c), 0) FROM (SELECT COUNT(*) c FROM certificate_versions GROUP BY certificate)")
  min_per=$(sqlite3 -readonly "$data/rotor.db" "SELECT COALESCE(MIN(c), 0) FROM (SELECT COUNT(*) c FROM certificate_versions GROUP BY certificate)")
  local cpu=0 rss=0
  for ((k = 0; k < n; k++)); do
    read -r _ u s m < <(tail -1 "$state/time-$n-$k") || true
    cpu=$(echo "$cpu + ${u:-0} + ${s:-0}" | bc -l); (( ${m:-0} > rss )) && rss=${m:-0}
  done
  {
    echo "storm_${n}_deployed=$done_count"
    echo "storm_${n}_seconds=$seconds"
    echo "storm_${n}_per_second=$(echo "scale=1; $done_count/$seconds" | bc -l)"
    echo "storm_${n}_versions=$versions"
    echo "storm_${n}_issuances_per_certificate_min=$min_per"
    echo "storm_${n}_issuances_per_certificate_max=$max_per"
    echo "storm_${n}_cpu_seconds=$cpu"
    echo "storm_${n}_peak_rss_kib=$rss"
  } | tee -a "$log"
}

for n in $instances; do run_storm "$n"; done

fail=0
figure() { sed -n "s/^$1=//p" "$log" | tail -1; }
verdict() { if [[ $2 == 1 ]]; then echo "PASS $1"; else echo "FAIL $1"; fail=1; fi; }
for n in $instances; do
  d=$(figure "storm_${n}_deployed"); lo=$(figure "storm_${n}_issuances_per_certificate_min"); hi=$(figure "storm_${n}_issuances_per_certificate_max")
  verdict "$n instance(s): all $count deployed ($d)" "$([[ $d -ge $count ]] && echo 1 || echo 0)"
  verdict "$n instance(s): exactly 1 issuance per certificate (min $lo, max $hi)" "$([[ $lo == 1 && $hi == 1 ]] && echo 1 || echo 0)"
done
one=$(figure storm_1_seconds)
if [[ -n "$one" ]]; then
  verdict "1 instance: $one s (target <= 20 s)" "$(echo "$one <= 20" | bc -l)"
  three=$(figure storm_3_seconds)
  [[ -n "$three" ]] && verdict "3 instances: $three s, no slower than one ($one s, 10% slack)" "$(echo "$three <= $one * 1.1" | bc -l)"
fi
echo "log: $log"
exit $fail
