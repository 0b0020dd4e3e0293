# clients.sh — sourced by run.sh: one adapter per client, the Rotor manifests, the certificate check.
# Adapters: issue_<client> STATE CHALLENGE NAME...  (CHALLENGE: fast | dns | http); each prints its
# command line to stderr prefixed "+ ". cert_<client> STATE NAME prints the file holding leaf + chain.
# shellcheck shell=bash

show_cmd() { { printf '+'; printf ' %q' "$@"; printf '\n'; } >&2; }

issue_lego() {
  local state="$1" chal="$2"; shift 2
  local args=() n cmd=(env "LEGO_CA_CERTIFICATES=$ACME_LAB_TLS_CA")
  for n in "$@"; do args+=(-d "$n"); done
  case "$chal" in
    fast|http) args+=(--http --http.webroot "$WEBROOT") ;;
    dns) args+=(--dns rfc2136 --dns.resolvers "$ACME_LAB_DNS_SERVER" --dns.disable-cp)
         cmd+=("RFC2136_NAMESERVER=$ACME_LAB_DNS_SERVER" "RFC2136_TSIG_KEY=$ACME_LAB_TSIG_KEY_NAME"
               "RFC2136_TSIG_SECRET=$ACME_LAB_TSIG_SECRET" "RFC2136_TSIG_ALGORITHM=$ACME_LAB_TSIG_ALGORITHM.") ;;
  esac
  cmd+=(timeout "$STEP_TIMEOUT" lego --server "$ACME_LAB_DIRECTORY" --accept-tos --email "$EMAIL"
        --path "$state" --key-type ec256 "${args[@]}" run)
  show_cmd "${cmd[@]}"; "${cmd[@]}"
}
cert_lego() { find "$1" -path "*/certificates/$2.crt" 2>/dev/null | head -n 1; }

issue_certbot() {
  local state="$1" chal="$2"; shift 2
  local args=() n
  for n in "$@"; do args+=(-d "$n"); done
  case "$chal" in
    fast|http) args+=(--webroot -w "$WEBROOT") ;;
    dns) args+=(--dns-rfc2136 --dns-rfc2136-credentials "$ACME_LAB_BIND_DIR_STATE/certbot-rfc2136.ini"
                --dns-rfc2136-propagation-seconds 0) ;;
  esac
  local cmd=(env "REQUESTS_CA_BUNDLE=$ACME_LAB_TLS_CA" timeout "$STEP_TIMEOUT"
             certbot certonly --non-interactive --agree-tos -m "$EMAIL" --no-eff-email
             --server "$ACME_LAB_DIRECTORY"
             --config-dir "$state/config" --work-dir "$state/work" --logs-dir "$state/logs"
             --key-type ecdsa --elliptic-curve secp256r1 --cert-name "$1" "${args[@]}")
  show_cmd "${cmd[@]}"; "${cmd[@]}"
}
cert_certbot() { find "$1" -path "*/live/$2/fullchain.pem" 2>/dev/null | head -n 1; }

# --- Rotor: manifest = acme Issuer + file Target + one Certificate per name ---------------------
# rotor_manifest FILE SOLVER NAME...   SOLVER: http01 | dns01. Certificate c<name> deploys to
# <dir of FILE>/out/<name>/{cert,chain,fullchain,key}.pem.
rotor_manifest() {
  local file="$1" solver="$2"; shift 2
  local dir; dir=$(dirname "$file")
  cp -f "$ACME_LAB_ISSUER_ROOT" "$dir/issuer-root.pem"
  {
    printf 'apiVersion: rotor/v1\nkind: Issuer\nmetadata: {name: pebble}\nspec:\n  acme:\n'
    printf '    server: %s\n    email: %s\n    caBundle: %s\n    trustedRoots: %s\n    solvers:\n' \
      "$ACME_LAB_DIRECTORY" "$EMAIL" "$ACME_LAB_TLS_CA" "$dir/issuer-root.pem"
    if [[ "$solver" == http01 ]]; then
      printf '      - http01: {listen: 127.0.0.1:%s}\n' "$HTTP_PORT"
    else
      printf '%s' "$ACME_LAB_TSIG_SECRET" > "$dir/tsig.secret"
      printf '      - dns01:\n          rfc2136:\n            nameserver: 127.0.0.1:%s\n' "$DNS_PORT"
      printf '            tsigKeyName: %s\n            tsigAlgorithm: %s\n' "$ACME_LAB_TSIG_KEY_NAME" "$ACME_LAB_TSIG_ALGORITHM"
      printf '            tsigSecretSecretRef: {file: %s}\n' "$dir/tsig.secret"
      printf '          resolvers: [127.0.0.1:%s]\n          authoritativePort: %s\n' "$DNS_PORT" "$DNS_PORT"
    fi
    printf -- '---\napiVersion: rotor/v1\nkind: Target\nmetadata: {name: out}\nspec: {file: {path: out}}\n'
    local n
    for n in "$@"; do
      printf -- '---\napiVersion: rotor/v1\nkind: Certificate\nmetadata: {name: c%s}\nspec:\n' "${n%%.*}"
      printf '  dnsNames: [%s]\n  usages: [server auth]\n  privateKey: {algorithm: ECDSA, size: 256}\n' "$n"
      printf '  issuerRef: {name: pebble}\n  deploy: [{target: out, path: %s}]\n' "$dir/out/$n"
    done
  } > "$file"
}
rotor_solver() { case "$1" in dns) echo dns01 ;; *) echo http01 ;; esac; }

# rotor: the rotor executable, `rotor reconcile --data STATE/data -f MANIFEST` (reconciler parallelism 4).
# ROTOR_SOLVER (http01 | dns01) overrides the solver of the challenge type, for manual runs.
issue_rotor() {
  local state="$1" chal="$2"; shift 2
  mkdir -p "$state"
  local m="$state/rotor-$(date +%s%N).yaml"
  rotor_manifest "$m" "${ROTOR_SOLVER:-$(rotor_solver "$chal")}" "$@"
  # shellcheck disable=SC2086 # ROTOR_EXTRA_ARGS is a list of words
  local cmd=(timeout "$STEP_TIMEOUT" "${ROTOR_CMD_EXE:-$ROTOR_EXE}" reconcile --data "$state/data" -f "$m" ${ROTOR_EXTRA_ARGS:-})
  show_cmd "${cmd[@]}"; (cd "$state" && "${cmd[@]}")
}
cert_rotor() { local f="$1/out/$2/fullchain.pem"; [[ -s "$f" ]] && echo "$f"; }
# rotor-jit: the same, with rotor from the plain build (no ReadyToRun), to show what the publish saves.
issue_rotor-jit() { ROTOR_CMD_EXE="$ROTOR_JIT_EXE" issue_rotor "$@"; }
cert_rotor-jit() { cert_rotor "$@"; }
# rotor-aot: the same, with rotor published as a Native AOT single executable (no .NET runtime needed).
issue_rotor-aot() { ROTOR_CMD_EXE="$ROTOR_AOT_EXE" issue_rotor "$@"; }
cert_rotor-aot() { cert_rotor "$@"; }
# rotor-aot-1p: ONE Native AOT `rotor reconcile --parallelism 1` process for all N certificates (seq only).
issue_rotor-aot-1p() { ROTOR_CMD_EXE="$ROTOR_AOT_EXE" ROTOR_EXTRA_ARGS="--parallelism 1" issue_rotor "$@"; }
cert_rotor-aot-1p() { cert_rotor "$@"; }
# rotor-1p: same reconcile, in-process through Rotor.Bench acme-reconcile with parallelism 1.
issue_rotor-1p() {
  local state="$1" chal="$2"; shift 2
  mkdir -p "$state"
  rotor_manifest "$state/rotor.yaml" "$(rotor_solver "$chal")" "$@"
  local cmd=(timeout "$STEP_TIMEOUT" "$BENCH_EXE" acme-reconcile --data "$state/data" --manifest "$state/rotor.yaml" --parallelism 1)
  show_cmd "${cmd[@]}"; (cd "$state" && "${cmd[@]}")
}
cert_rotor-1p() { cert_rotor "$@"; }
# svc_steps STATE SOLVER NAME...: the service clients' manifests in STATE/steps (ROTOR_SVC_STEPS=seq:
# one per name; otherwise one with every name); prints the parallelism to run them with (1 or 4).
svc_steps() {
  local state="$1" solver="$2" n k=0; shift 2
  mkdir -p "$state/steps"
  if [[ "${ROTOR_SVC_STEPS:-seq}" == seq ]]; then
    for n in "$@"; do k=$((k + 1)); rotor_manifest "$state/steps/$(printf '%04d' "$k").yaml" "$solver" "$n"; done
    echo 1
  else
    rotor_manifest "$state/steps/0001.yaml" "$solver" "$@"
    echo 4
  fi
}
# rotor-svc: Rotor.Bench acme-service — one running process; ROTOR_SVC_WARMUPS (default 30) warm-up
# issuances of ROTOR_SVC_WARMUP, each on its own data folder (own issuer, connection, account; untimed)
# and followed by ROTOR_SVC_WARMUP_PAUSE_MS (default 150) of idle time, then ROTOR_SVC_SETTLE_MS
# (default 1500) idle: the runtime compiles the issuance path to optimized code in these pauses, as
# in a service that has been up for a while (back to back, that compilation ran in the timed steps).
# Then the manifests of STATE/steps applied one after another (timed).
# ROTOR_SVC_STEPS=seq: one manifest per name (parallelism 1); otherwise one manifest with every name.
issue_rotor-svc() {
  local state="$1" chal="$2"; shift 2
  local solver; solver=$(rotor_solver "$chal")
  mkdir -p "$state/steps" "$state/warmup"
  rotor_manifest "$state/warmup/rotor.yaml" "$solver" "$ROTOR_SVC_WARMUP"
  local par; par=$(svc_steps "$state" "$solver" "$@")
  local cmd=(timeout "$STEP_TIMEOUT" "$BENCH_EXE" acme-service --data "$state/data" --manifests "$state/steps" --parallelism "$par"
             --warmup-data "$state/warmup/data" --warmup-manifest "$state/warmup/rotor.yaml" --warmup-count "${ROTOR_SVC_WARMUPS:-30}" --warmup-pause-ms "${ROTOR_SVC_WARMUP_PAUSE_MS:-150}"
             --settle-ms "${ROTOR_SVC_SETTLE_MS:-1500}" ${ROTOR_SVC_TRACE:+--trace-http})
  show_cmd "${cmd[@]}"; (cd "$state" && "${cmd[@]}")
}
cert_rotor-svc() { cert_rotor "$1/steps" "$2"; }
# rotor-aot-svc: the Native AOT `rotor run` as a user runs it (started, and ready on /readyz, before
# the timing), then per step, timed: a Native AOT `rotor apply -f STEP` process and the service's work
# until every certificate of the step is deployed (its fullchain.pem written; checked every 2 ms).
# No warm-up: nothing is compiled at run time. ROTOR_SVC_STEPS as for rotor-svc.
issue_rotor-aot-svc() {
  local state="$1" chal="$2"; shift 2
  local solver; solver=$(rotor_solver "$chal")
  mkdir -p "$state/steps"
  local k par names=("$@")
  par=$(svc_steps "$state" "$solver" "$@")
  local port="${ROTOR_AOT_SVC_PORT:-9481}" deadline=$((SECONDS + STEP_TIMEOUT))
  show_cmd "$ROTOR_AOT_EXE" run --data "$state/data" --listen "127.0.0.1:$port" --parallelism "$par"
  (cd "$state" && exec timeout "$STEP_TIMEOUT" "$ROTOR_AOT_EXE" run --data "$state/data" --listen "127.0.0.1:$port" \
     --parallelism "$par") > "$state/service.log" 2>&1 &
  local svc=$!
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )) || ! kill -0 "$svc" 2>/dev/null; then
      echo "rotor run did not become ready"; cat "$state/service.log"; kill "$svc" 2>/dev/null; return 1
    fi
    sleep 0.02
  done
  local fifo="$state/.tick" tick step t0 total=0 rc=0 i
  mkfifo "$fifo"; exec {tick}<>"$fifo"   # read -t on it waits 2 ms without starting a process
  k=0
  for step in "$state"/steps/*.yaml; do
    k=$((k + 1)); t0=$EPOCHREALTIME
    timeout "$STEP_TIMEOUT" "$ROTOR_AOT_EXE" apply --data "$state/data" -f "$step" >> "$state/apply.log" 2>&1 || { rc=1; break; }
    local want=("${names[@]}")
    [[ "$par" == 1 ]] && want=("${names[$((k - 1))]}")
    for i in "${want[@]}"; do
      until [[ -s "$state/steps/out/$i/fullchain.pem" ]]; do
        (( SECONDS < deadline )) || { rc=124; break 3; }
        read -r -t 0.002 -u "$tick" _ || true
      done
    done
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "acme_service_step_seconds=%.4f\n", b-a}'
    total=$(awk -v t="$total" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.4f", t+b-a}')
  done
  exec {tick}>&-; rm -f "$fifo"
  kill -TERM "$svc" 2>/dev/null; wait "$svc" 2>/dev/null || true
  cat "$state/apply.log" "$state/service.log"
  echo "acme_service_seconds=$total"
  return "$rc"
}
cert_rotor-aot-svc() { cert_rotor "$1/steps" "$2"; }

# check_cert FILE NAME: chains to Pebble's root (intermediate taken from FILE), names NAME, P-256 key.
check_cert() {
  local f="$1" n="$2" text
  [[ -n "$f" && -s "$f" ]] || return 1
  openssl verify -CAfile "$ACME_LAB_ISSUER_ROOT" -untrusted "$f" "$f" >/dev/null 2>&1 || return 1
  cmp -s <(openssl x509 -in "$ACME_LAB_ISSUER_INTERMEDIATE" -noout -fingerprint) \
         <(openssl crl2pkcs7 -nocrl -certfile "$f" | openssl pkcs7 -print_certs | awk 'n{print} /END CERT/{n=1}' |
           openssl x509 -noout -fingerprint 2>/dev/null) || return 1
  text=$(openssl x509 -in "$f" -noout -text 2>/dev/null) || return 1
  grep -q 'ASN1 OID: prime256v1' <<<"$text" && grep -qE "DNS:${n//./\\.}(,|\$)" <<<"$text"
}
