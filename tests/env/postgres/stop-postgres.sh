#!/usr/bin/env bash
# stop-postgres.sh DIR [--remove] - stops the server start-postgres.sh runs from DIR.
#
# Fast shutdown (sessions disconnected, open transactions rolled back), then immediate,
# then SIGKILL for anything of the cluster that is left (the children of a killed
# postmaster). --remove also deletes DIR. Idempotent: a stopped server or a missing DIR
# is success. Exit status 0 when nothing of DIR's cluster runs.
set -euo pipefail
ME=stop-postgres.sh
# shellcheck source=tests/env/postgres/_common.sh
. "$(dirname "$0")/_common.sh"

REMOVE=0
if [ $# -eq 2 ] && [ "$2" = --remove ]; then
  REMOVE=1
elif [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
[ -d "$1" ] || { log "$1 does not exist; nothing to stop"; exit 0; }
DIR="$(cd "$1" && pwd -P)"
DATA="$DIR/data"
LOCK="$DIR/.start-postgres.lock"
[ -e "$LOCK" ] || die "$DIR was not made by start-postgres.sh; not touching it"
exec 9>>"$LOCK"
flock -w 120 9 || die "another start or stop of $DIR holds $LOCK after 120 s"

if [ -s "$DATA/PG_VERSION" ]; then
  BINDIR="/usr/lib/postgresql/$(cat "$DATA/PG_VERSION")/bin"
  [ -z "${TESTPG_BINDIR:-}" ] || BINDIR="$TESTPG_BINDIR"
  [ -x "$BINDIR/pg_ctl" ] || die "pg_ctl of PostgreSQL $(cat "$DATA/PG_VERSION") not found"
  EXE="$(readlink -f "$BINDIR/postgres")"
  OWNER="$(stat -c %U "$DATA")"
  if postmaster_alive "$DATA" "$EXE"; then
    as_server_user "$OWNER" "$BINDIR/pg_ctl" -D "$DATA" stop -m fast -w -t 30 -s >&2 ||
      as_server_user "$OWNER" "$BINDIR/pg_ctl" -D "$DATA" stop -m immediate -w -t 30 -s >&2 || true
    log "stopped the server of $DIR"
  fi
  kill_leftovers "$DATA" "$EXE"
  rm -f "$DATA/postmaster.pid" "$DIR"/.s.PGSQL.* "$DIR/.applied.conf"
fi
if [ "$REMOVE" = 1 ]; then
  exec 9>&-
  rm -rf "$DIR"
  log "removed $DIR"
fi
