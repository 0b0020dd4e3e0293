#!/usr/bin/env bash
# stop-all.sh — stop every ACME test-environment service of the lab in
# $ROTOR_ACME_LAB_DIR (default /tmp/rotor-acme-lab): the default pebble/, bind/
# and http01/ instances and every instance started with another --dir while
# that lab directory was in effect (recorded in $ROTOR_ACME_LAB_DIR/instances).
# Only the processes recorded in the lab's own pid files are signalled (TERM,
# KILL after 5 s). Safe to run when nothing runs. Exit code 0 when every
# recorded process is gone.
#
# Usage: stop-all.sh
set -euo pipefail
LAB_SCRIPT=stop-all
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=_common.sh
source "$here/_common.sh"

[[ "${1:-}" == -h || "${1:-}" == --help ]] && { usage_from_header "$0"; exit 0; }

declare -A seen=()
instances=("start-pebble.sh $LAB_DIR/pebble" "start-bind.sh $LAB_DIR/bind" "start-http01.sh $LAB_DIR/http01")
if [[ -f "$LAB_DIR/instances" ]]; then
  while IFS= read -r line; do [[ -n "$line" ]] && instances+=("$line"); done < "$LAB_DIR/instances"
fi

status=0
for line in "${instances[@]}"; do
  [[ -n "${seen[$line]:-}" ]] && continue
  seen[$line]=1
  script=${line%% *}; idir=${line#* }
  case "$script" in start-pebble.sh|start-bind.sh|start-http01.sh) ;; *) continue ;; esac
  [[ -d "$idir" ]] || continue
  "$here/$script" --dir "$idir" --stop || status=1
done
[[ "$status" == 0 ]] && rm -f "$LAB_DIR/instances"
exit "$status"
