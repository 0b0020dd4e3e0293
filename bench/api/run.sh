#!/usr/bin/env bash
# The operator API over a large fleet, on 127.0.0.1:
#  1. 100,000 certificates (COUNT) seeded into a SQLite data folder (Rotor.Bench api-seed: the
#     store's own API, nothing due), then `rotor run` (Release build) serving it:
#     GET /api/v1/certificates?limit=100 (REQUESTS=1000 sequential requests, p50/p99), one
#     certificate GET, and the dashboard pages / and /certificates/{name} when served ("not
#     served" on 404, before the dashboard exists).
#  2. The idle RSS of the Native AOT `rotor run` (AOT=0 skips it) with 10,000 certificates
#     (IDLE_COUNT), read from /proc after IDLE_SECONDS (default 20) of idling and a few API calls.
# Targets: p99 <= 20 ms per API page, <= 100 ms per HTML page, idle RSS <= 64 MiB. Exits 1 on a miss.
# Env: ROTOR_ARTIFACTS (build output; default bench/results/artifacts), COUNT, REQUESTS, IDLE_COUNT, IDLE_SECONDS, AOT,
#      AOT_ROTOR (a Native AOT rotor already published from this tree; else the script publishes one).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-$root/bench/results/artifacts}"
count="${COUNT:-100000}"
requests="${REQUESTS:-1000}"
idle_count="${IDLE_COUNT:-10000}"
idle_seconds="${IDLE_SECONDS:-20}"
results="$root/bench/results"
mkdir -p "$results"
log="$results/api-$(date -u +%Y%m%dT%H%M%SZ).txt"
state=$(mktemp -d /tmp/rotor-bench-api-XXXXXX)
run_pid=""
cleanup() {
  [[ -n "$run_pid" ]] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT

echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
dotnet build bench/Rotor.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
bench="$ROTOR_ARTIFACTS/bin/Rotor.Bench/release/Rotor.Bench"
rotor=(dotnet "$ROTOR_ARTIFACTS/bin/Rotor/release/rotor.dll")

# Starts rotor run on a free loopback port; sets run_pid and url.
start_run() { # $1 = data folder, rest = the rotor command
  local data=$1; shift
  "$@" run --data "$data" --listen 127.0.0.1:0 >"$state/run.out" 2>"$state/run.err" &
  run_pid=$!
  for _ in $(seq 1 300); do
    url=$(sed -n 's/.*on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$state/run.err" | head -1)
    [[ -n "$url" ]] && curl -fsS "$url/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$run_pid" 2>/dev/null || { cat "$state/run.err"; return 1; }
    sleep 0.2
  done
  echo "rotor run did not get ready"; cat "$state/run.err"; return 1
}
stop_run() { kill "$run_pid"; wait "$run_pid" 2>/dev/null || true; run_pid=""; }
figure() { local v; v=$(sed -n "s/^$1=//p" "$log" | tail -1); echo "${v:-nan}"; }

echo "== seed $count certificates" | tee -a "$log"
"$bench" api-seed --data "$state/big" --count "$count" | tee -a "$log"
"${rotor[@]}" token create bench --role viewer --data "$state/big" 2>/dev/null | tail -1 >"$state/token"
start_run "$state/big" "${rotor[@]}"
echo "== rotor run (Release, JIT) on $url with $count certificates" | tee -a "$log"
measure() { "$bench" api-measure --url "$url" --token-file "$state/token" "$@" | tee -a "$log"; }
measure --label api_page --path "/api/v1/certificates?limit=100" --requests "$requests"
measure --label api_page_deep --path "/api/v1/certificates?limit=100&cursor=$(printf 'v1:sip-050000' | base64 | tr '+/' '-_' | tr -d '=')" --requests "$requests"
measure --label api_one --path "/api/v1/certificates/sip-050000" --requests "$requests"
measure --label html_inventory --path "/" --requests 200 --login
measure --label html_certificate --path "/certificates/sip-050000" --requests 200 --login
stop_run

status=0
check() { # label, figure, limit
  local v; v=$(figure "$2")
  if [[ "$v" == nan ]]; then printf '%-34s not served\n' "$1"; return; fi
  if awk -v v="$v" -v l="$3" 'BEGIN { exit !(v <= l) }'; then printf '%-34s %8.2f ms <= %s ms  PASS\n' "$1" "$v" "$3"
  else printf '%-34s %8.2f ms >  %s ms  FAIL\n' "$1" "$v" "$3"; status=1; fi
}

rss="skipped"
if [[ "${AOT:-1}" == 1 ]]; then
  aot_rotor="${AOT_ROTOR:-}"
  if [[ -z "$aot_rotor" ]]; then
    echo "== Native AOT publish" | tee -a "$log"
    dotnet publish src/Rotor -c Release -r linux-x64 -p:PublishAot=true --nologo -v quiet -clp:ErrorsOnly -o "$state/aot"
    aot_rotor="$state/aot/rotor"
  fi
  "$bench" api-seed --data "$state/small" --count "$idle_count" | tee -a "$log"
  "$aot_rotor" token create bench --role viewer --data "$state/small" 2>/dev/null | tail -1 >"$state/token"
  start_run "$state/small" "$aot_rotor"
  measure --label aot_api_page --path "/api/v1/certificates?limit=100" --requests 100 >/dev/null
  sleep "$idle_seconds"
  rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$run_pid/status")
  hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$run_pid/status")
  echo "aot_idle_rss_mib=$rss" | tee -a "$log"
  echo "aot_peak_rss_mib=$hwm" | tee -a "$log"
  stop_run
fi

echo "== summary ($count certificates; log $log)"
check "API list page p99"                api_page_p99_ms 20
check "API list page p99 (mid-fleet)"    api_page_deep_p99_ms 20
check "API one certificate p99"          api_one_p99_ms 20
check "HTML inventory / p99"             html_inventory_p99_ms 100
check "HTML certificate page p99"        html_certificate_p99_ms 100
if [[ "$rss" != skipped ]]; then
  if awk -v v="$rss" 'BEGIN { exit !(v <= 64) }'; then printf '%-34s %8.1f MiB <= 64 MiB PASS (peak %s MiB)\n' "AOT rotor run idle RSS ($idle_count)" "$rss" "$hwm"
  else printf '%-34s %8.1f MiB >  64 MiB FAIL (peak %s MiB)\n' "AOT rotor run idle RSS ($idle_count)" "$rss" "$hwm"; status=1; fi
fi
exit $status
