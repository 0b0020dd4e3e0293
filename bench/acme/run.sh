#!/usr/bin/env bash
# run.sh — ACME issuance benchmark: Rotor against lego and certbot on the project's Pebble/BIND lab
# (tests/env/acme/), 127.0.0.1 only. Every run: fresh Pebble, empty client state (account
# registration timed), ECDSA P-256 keys, every certificate checked (chains to Pebble's root through
# Pebble's intermediate, names the domain, P-256); a run counts only if all its certificates are valid.
#
# Usage: bench/acme/run.sh [--scenarios "fast-1 fast-seq fast-par dns-seq http-seq"] [--repeats N] [--fast1-repeats N]
#                          [--clients "rotor rotor-aot rotor-aot-1p rotor-aot-svc rotor-svc lego certbot"] [--no-build]
# Scenarios: fast-1 (1 cert, Pebble fast mode), fast-seq (20 certs one after another), fast-par (20
# certs; peers: one process per cert, xargs -P 4; rotor: ONE process, 20 certs, reconciler
# parallelism 4), dns-seq (10 certs, real DNS-01 via BIND RFC 2136/TSIG), http-seq (10 certs, real
# HTTP-01; peers: webroot served by start-http01.sh; rotor: its built-in responder on the same port).
# Clients: rotor = the `rotor` executable published ReadyToRun, one `rotor reconcile` process per
# certificate in the sequential scenarios (like the peers; one data dir, so one account).
# rotor-svc = Rotor as a running service (Rotor.Bench acme-service): one already-started, warmed
# process; timed from applying a manifest to every certificate of it active (seq: one manifest per
# certificate, applied one after another; fast-par: one manifest with all 20, parallelism 4).
# rotor-1p = one process for all N certificates, strictly sequential (Rotor.Bench acme-reconcile,
# parallelism 1; timed as a process); seq only. rotor-jit (opt-in) = rotor from the plain build.
# rotor-aot = the same `rotor reconcile` processes with rotor published Native AOT (fast-par: one
# process, parallelism 4); rotor-aot-1p = ONE Native AOT `rotor reconcile --parallelism 1` process
# for all N certificates; seq only. rotor-aot-svc = the Native AOT `rotor run` service, started and
# ready before the timing; timed per manifest: a `rotor apply` process plus the service's issuance
# until the certificates' files are deployed (seq: one manifest per certificate; fast-par: one).
# --fast1-repeats (default 3 x --repeats): fast-1 is one certificate, and lego's time for it is
# bimodal (about 0.17 s when its first order poll finds the certificate ready, else one 500 ms poll
# interval later, about 0.65 s; 13 of 38 earlier runs were quick), so its median needs more runs.
# Env: ROTOR_ARTIFACTS (default /tmp/acmebench-artifacts), BENCH_LAB_DIR (default /tmp/rotor-acme-bench),
# STEP_TIMEOUT (s per client process, default 180), ROTOR_SVC_TRACE=1 (rotor-svc logs every HTTP request,
# TCP connect and TLS handshake with ms timestamps: Rotor.Bench acme-service --trace-http). Results: bench/results/acme-<UTC>/.
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
LAB="$ROOT/tests/env/acme"
SELF="$HERE/run.sh"
export ROTOR_ACME_LAB_DIR="${BENCH_LAB_DIR:-/tmp/rotor-acme-bench}"
export ROTOR_ARTIFACTS="${ROTOR_ARTIFACTS:-/tmp/acmebench-artifacts}"
export ROTOR_EXE="$ROTOR_ARTIFACTS/publish/rotor-r2r/rotor" ROTOR_JIT_EXE="$ROTOR_ARTIFACTS/bin/Rotor/release/rotor"
export ROTOR_AOT_EXE="$ROTOR_ARTIFACTS/publish/rotor-aot/rotor"
export BENCH_EXE="$ROTOR_ARTIFACTS/bin/Rotor.Bench/release/Rotor.Bench"
export ACME_PORT=14200 MGMT_PORT=15200 DNS_PORT=15653 HTTP_PORT=5202 TLS_PORT=5201
export EMAIL=lab@example.test STEP_TIMEOUT="${STEP_TIMEOUT:-180}"
ZONE=example.test
# shellcheck source=clients.sh
source "$HERE/clients.sh"

# Internal entry point for xargs (fast-par peers): run.sh __issue CLIENT CHALLENGE STATE_BASE NAME
if [[ "${1:-}" == __issue ]]; then
  state="$4/slot${LAB_SLOT:-0}"; mkdir -p "$state"
  "issue_$2" "$state" "$3" "$5"; exit $?
fi

SCENARIOS="fast-1 fast-seq fast-par dns-seq http-seq"
CLIENTS="rotor rotor-aot rotor-aot-1p rotor-aot-svc rotor-svc lego certbot"
REPEATS=3 FAST1_REPEATS="" BUILD=1 N_SEQ=20 N_PAR=20 PAR=4 N_REAL=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    --fast1-repeats) FAST1_REPEATS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$REPEATS" "${FAST1_REPEATS:-1}"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "--repeats/--fast1-repeats: '$n' is not a whole number >= 1" >&2; exit 2; }; done
FAST1_REPEATS=${FAST1_REPEATS:-$((3 * REPEATS))}
for s in $SCENARIOS; do case "$s" in fast-1|fast-seq|fast-par|dns-seq|http-seq) ;; *) echo "unknown scenario $s" >&2; exit 2 ;; esac; done
for c in lego certbot openssl; do [[ " $CLIENTS " != *" $c "* && $c != openssl ]] || command -v "$c" >/dev/null || { echo "$c not installed" >&2; exit 2; }; done

OUT="$ROOT/bench/results/acme-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
CSV="$OUT/runs.csv" PERCERT="$OUT/percert.csv"
echo "client,scenario,rep,certs_expected,certs_ok,exit,seconds" > "$CSV"
echo "client,scenario,rep,index,exit,seconds" > "$PERCERT"
LOADS="$OUT/load.csv"  # 1-minute load average before and after each run: the machine is shared
echo "client,scenario,rep,load_before,load_after" > "$LOADS"

cleanup() { "$LAB/stop-all.sh" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "$BUILD" == 1 ]]; then
  echo "== build (Release, artifacts in $ROTOR_ARTIFACTS)"
  # The rotor executable as a user installs it: published framework-dependent, ReadyToRun (start-up).
  { (cd "$ROOT" && dotnet build bench/Rotor.Bench -c Release --nologo -v quiet -clp:ErrorsOnly) &&
    (cd "$ROOT" && dotnet publish src/Rotor -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
       -o "$ROTOR_ARTIFACTS/publish/rotor-r2r" --nologo -v quiet -clp:ErrorsOnly); } > "$OUT/build.txt" 2>&1 ||
    { cat "$OUT/build.txt" >&2; exit 1; }
  if [[ " $CLIENTS " == *" rotor-aot"* ]]; then
    # Native AOT (needs clang and zlib1g-dev: tests/env/install-deps.sh installs them).
    (cd "$ROOT" && dotnet publish src/Rotor -c Release -r linux-x64 -p:PublishAot=true \
       -o "$ROTOR_ARTIFACTS/publish/rotor-aot" --nologo -v quiet -clp:ErrorsOnly) >> "$OUT/build.txt" 2>&1 ||
      { cat "$OUT/build.txt" >&2; exit 1; }
  fi
fi
[[ " $CLIENTS " != *" rotor-aot"* ]] || [[ -x "$ROTOR_AOT_EXE" ]] || { echo "missing $ROTOR_AOT_EXE (build first)" >&2; exit 1; }
for exe in "$ROTOR_EXE" "$ROTOR_JIT_EXE" "$BENCH_EXE"; do [[ -x "$exe" ]] || { echo "missing $exe (build first)" >&2; exit 1; }; done

"$LAB/start-bind.sh" --port "$DNS_PORT" > "$OUT/start-bind.txt" 2>&1 || { cat "$OUT/start-bind.txt" >&2; exit 1; }
set -a; source "$ROTOR_ACME_LAB_DIR/bind/bind.env"; set +a
export ACME_LAB_BIND_DIR_STATE="$ROTOR_ACME_LAB_DIR/bind"
HTTP01_UP=0
http01() {  # http01 on|off: the webroot server on HTTP_PORT (the peers' HTTP-01 in real mode)
  if [[ "$1" == on && "$HTTP01_UP" == 0 ]]; then
    "$LAB/start-http01.sh" --port "$HTTP_PORT" > "$OUT/start-http01.txt" 2>&1 || { cat "$OUT/start-http01.txt" >&2; exit 1; }
    HTTP01_UP=1
  elif [[ "$1" == off && "$HTTP01_UP" == 1 ]]; then
    "$LAB/start-http01.sh" --stop >/dev/null 2>&1; HTTP01_UP=0
  fi
}
{ echo "date_utc=$(date -u +%FT%TZ) host=$(uname -srm) cpus=$(nproc)"
  for p in pebble lego certbot python3-certbot-dns-rfc2136 bind9; do echo "pkg $p=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo n/a)"; done
  echo "rotor=$ROTOR_EXE ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet -- src 2>/dev/null || echo ' +local src changes'))"
  echo "scenarios=$SCENARIOS clients=$CLIENTS repeats=$REPEATS fast1_repeats=$FAST1_REPEATS n_seq=$N_SEQ n_par=$N_PAR par=$PAR n_real=$N_REAL"
  echo "pebble: --nonce-reject 0, PEBBLE_VA_NOSLEEP=1, authz reuse default 50%; ports acme=$ACME_PORT mgmt=$MGMT_PORT dns=$DNS_PORT http01=$HTTP_PORT"
} > "$OUT/env.txt"

now_s() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b-a}'; }

run_one() {  # client scenario rep
  local client="$1" sc="$2" rep="$3" mode=fast chal=fast kind count
  case "$sc" in dns-*) mode=real chal=dns ;; http-*) mode=real chal=http ;; esac
  case "$sc" in fast-1) count=1 kind=seq ;; fast-seq) count=$N_SEQ kind=seq ;; fast-par) count=$N_PAR kind=par ;;
                *) count=$N_REAL kind=seq ;; esac
  # rotor-svc: one manifest per certificate (seq) or one for all (par), applied to one running process.
  [[ "$client" == rotor-svc || "$client" == rotor-aot-svc ]] && { export ROTOR_SVC_STEPS=$kind; kind=svc; }
  [[ "$client" == rotor-1p || "$client" == rotor-aot-1p || ( "$client" == rotor* && "$kind" == par ) ]] && kind=batch
  export ROTOR_SVC_WARMUP="warm-$client-$sc-r$rep.$ZONE"
  local rundir="$OUT/state/$client/$sc/r$rep" logdir="$OUT/logs/$client/$sc"
  mkdir -p "$rundir" "$logdir"
  local logf="$logdir/r$rep.log"
  # Rotor listens on HTTP_PORT itself; the peers need the webroot server there in real mode.
  if [[ "$client" == rotor* ]]; then http01 off; elif [[ "$chal" == http ]]; then http01 on; fi
  "$LAB/start-pebble.sh" --mode "$mode" --nonce-reject 0 --acme-port "$ACME_PORT" --mgmt-port "$MGMT_PORT" \
     --dns-server "127.0.0.1:$DNS_PORT" --http-port "$HTTP_PORT" --tls-port "$TLS_PORT" > "$logdir/r$rep.pebble.txt" 2>&1 ||
     { cat "$logdir/r$rep.pebble.txt" >&2; exit 1; }
  set -a; source "$ROTOR_ACME_LAB_DIR/pebble/pebble.env"; set +a
  if [[ "$chal" == http ]]; then WEBROOT="$ROTOR_ACME_LAB_DIR/http01/webroot"; else WEBROOT="$OUT/webroot"; fi
  mkdir -p "$WEBROOT/.well-known/acme-challenge"; export WEBROOT

  local names=() i k=0 rc=0 c0 crc t0 t1 load0 load1
  load0=$(cut -d' ' -f1 /proc/loadavg)
  for i in $(seq "$count"); do names+=("$client-$sc-r$rep-$i.$ZONE"); done
  t0=$(now_s)
  case "$kind" in
    seq) for i in "${names[@]}"; do
           k=$((k + 1)); c0=$(now_s); crc=0
           "issue_$client" "$rundir" "$chal" "$i" >>"$logf" 2>&1 || crc=$?
           echo "$client,$sc,$rep,$k,$crc,$(elapsed "$c0" "$(now_s)")" >> "$PERCERT"
           [[ "$crc" == 0 ]] || { rc=$crc; break; }
         done ;;
    par) printf '%s\n' "${names[@]}" | xargs -P "$PAR" -n 1 --process-slot-var=LAB_SLOT \
           "$SELF" __issue "$client" "$chal" "$rundir" >>"$logf" 2>&1 || rc=$? ;;
    batch) "issue_$client" "$rundir" "$chal" "${names[@]}" >>"$logf" 2>&1 || rc=$? ;;
    svc) "issue_$client" "$rundir" "$chal" "${names[@]}" >"$logf.svc" 2>&1 || rc=$? ;;
  esac
  t1=$(now_s)
  local ok=0 secs; secs=$(elapsed "$t0" "$t1")
  if [[ "$kind" == svc ]]; then
    # The service's own figure (apply to active, summed over its steps); the process wall time,
    # with start-up and warm-up, goes to the log only.
    cat "$logf.svc" >> "$logf"; rm -f "$logf.svc"
    echo "process_wall_seconds=$secs" >> "$logf"
    secs=$(awk -F= '$1=="acme_service_seconds" {v=$2} END {print (v=="" ? "0" : v)}' "$logf")
    [[ "$ROTOR_SVC_STEPS" == seq ]] && awk -F= -v p="$client,$sc,$rep" -v rc="$rc" \
      '$1=="acme_service_step_seconds" {k++; printf "%s,%d,%s,%s\n", p, k, rc, $2}' "$logf" >> "$PERCERT"
  fi
  for i in "${names[@]}"; do
    if [[ "$kind" == par ]]; then
      check_cert "$(for s in "$rundir"/slot*; do "cert_$client" "$s" "$i"; done | head -n 1)" "$i" && ok=$((ok + 1))
    else
      check_cert "$("cert_$client" "$rundir" "$i")" "$i" && ok=$((ok + 1))
    fi
  done
  load1=$(cut -d' ' -f1 /proc/loadavg)
  echo "$client,$sc,$rep,$count,$ok,$rc,$secs" >> "$CSV"
  echo "$client,$sc,$rep,$load0,$load1" >> "$LOADS"
  printf '  %-9s %-9s r%s %8.3f s  exit=%s certs_ok=%s/%s  load %s..%s\n' "$client" "$sc" "$rep" "$secs" "$rc" "$ok" "$count" "$load0" "$load1"
}

applies() {  # client scenario: does this client run this scenario?
  case "$1" in rotor-1p|rotor-aot-1p) [[ "$2" == *-seq ]] ;; *) true ;; esac
}
echo "== runs (results in $OUT)"
for sc in $SCENARIOS; do
  for client in $CLIENTS; do
    applies "$client" "$sc" || continue
    reps=$REPEATS; [[ "$sc" == fast-1 ]] && reps=$FAST1_REPEATS
    for rep in $(seq "$reps"); do run_one "$client" "$sc" "$rep"; done
  done
done

ok_seconds() {  # client scenario -> seconds of its OK runs, ascending
  awk -F, -v c="$1" -v s="$2" '$1==c && $2==s && $6==0 && $5==$4 {print $7}' "$CSV" | sort -g
}
median() {  # client scenario -> median seconds of OK runs, or "-"
  ok_seconds "$1" "$2" | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
fastest() {  # client scenario -> seconds of its fastest OK run, or "-"
  ok_seconds "$1" "$2" | awk 'NR==1 {print; f=1} END {if (!f) print "-"}'
}
best_peer() {  # median|fastest scenario -> the lowest such figure among the peers that ran, or empty
  for c in lego certbot; do [[ " $CLIENTS " != *" $c "* ]] || "$1" "$c" "$2"; done | { grep -v -- - || true; } | sort -g | head -n 1
}
ratio_line() {  # scenario label client client_seconds peer_label peer_seconds -> "...: ratio ... PASS|FAIL"
  awk -v s="$1" -v l="$2" -v c="$3" -v r="$4" -v pl="$5" -v b="$6" 'BEGIN{x=r/b; printf "%s: %s = %.3f (target <= 0.20) %s   [%s %.3f s, %s %.3f s]\n", s, l, x, (x<=0.20?"PASS":"FAIL"), c, r, pl, b}'
}
okruns() { awk -F, -v c="$1" -v s="$2" '$1==c && $2==s {n++; if ($6==0 && $5==$4) k++} END {printf "%d/%d", k, n}' "$CSV"; }
{
  printf '%-9s' scenario; for c in $CLIENTS; do printf ' %16s' "$c"; done; printf '   (median s, ok/runs)\n'
  for sc in $SCENARIOS; do
    printf '%-9s' "$sc"
    for c in $CLIENTS; do
      if applies "$c" "$sc"; then printf ' %10s %5s' "$(median "$c" "$sc")" "$(okruns "$c" "$sc")"; else printf ' %16s' n/a; fi
    done; printf '\n'
  done
  echo
  echo "1-minute load average during the runs of each scenario (min..max, all clients; 2 cores):"
  for sc in $SCENARIOS; do
    awk -F, -v s="$sc" '$2==s {for (i=4; i<=5; i++) {if (min=="" || $i<min) min=$i; if ($i>max) max=$i}} END {if (min!="") printf "  %-9s %s..%s\n", s, min, max}' "$LOADS"
  done
  echo
  for sc in $SCENARIOS; do
    best=$(best_peer median "$sc")
    for c in rotor rotor-aot rotor-aot-1p rotor-aot-svc rotor-jit rotor-svc rotor-1p; do
      [[ " $CLIENTS " == *" $c "* ]] && applies "$c" "$sc" || continue
      r=$(median "$c" "$sc")
      if [[ -z "$best" || "$r" == - ]]; then echo "$sc: ratio $c/best_peer = n/a (no valid runs) FAIL"; continue; fi
      ratio_line "$sc" "ratio $c/best_peer" "$c" "$r" "best peer" "$best"
    done
  done
  echo
  # Two more readings for Rotor's own mode, the service. Fastest against fastest: each side's best
  # single run (like for like). Strict: the service's median against the fastest single run of any
  # peer (lego's fast-1 is bimodal, so its median can be its slow mode; this is the harshest reading).
  if [[ " $CLIENTS " == *" rotor-svc "* ]]; then
    pass_fast=0 pass_strict=0 total=0
    for sc in $SCENARIOS; do
      fast=$(best_peer fastest "$sc")
      r=$(median rotor-svc "$sc") f=$(fastest rotor-svc "$sc"); total=$((total + 1))
      if [[ -z "$fast" || "$r" == - ]]; then echo "$sc: rotor-svc against the fastest peer run = n/a FAIL"; continue; fi
      v=$(ratio_line "$sc" "fastest rotor-svc run/fastest_peer_run" rotor-svc "$f" "fastest peer run" "$fast")
      echo "$v"; [[ "$v" != *FAIL* ]] && pass_fast=$((pass_fast + 1))
      v=$(ratio_line "$sc" "strict rotor-svc/fastest_peer_run" rotor-svc "$r" "fastest peer run" "$fast")
      echo "$v"; [[ "$v" != *FAIL* ]] && pass_strict=$((pass_strict + 1))
    done
    echo "rotor-svc (Rotor as a running service) meets the target in $pass_fast of $total scenarios fastest against fastest, $pass_strict of $total strictly"
  fi
  echo
  echo "per client process (sequential scenarios, all repeats): median / max seconds"
  tail -n +2 "$PERCERT" | awk -F, '$5==0 {k=$1" "$2; v[k]=v[k]" "$6} END {for (k in v) print k, v[k]}' | sort |
    while read -r c s vals; do
      tr ' ' '\n' <<<"$vals" | sort -g | awk -v c="$c" -v s="$s" '{v[NR]=$1} END {printf "  %-9s %-9s n=%-3d median %.3f  max %.3f\n", c, s, NR, (NR%2?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2), v[NR]}'
    done
} | tee "$OUT/summary.txt"
echo "results: $OUT (runs.csv, percert.csv, load.csv, summary.txt, env.txt, logs/)"
