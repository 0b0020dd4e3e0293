#!/usr/bin/env bash
# start-postgres.sh DIR [PORT] - a throwaway PostgreSQL for Rotor's PostgreSQL store tests.
#
#   DIR   state folder (created; empty or made by this script): DIR/data is the cluster
#         (initdb runs once), DIR/.s.PGSQL.PORT the superuser's socket (trust, DIR is 0700),
#         DIR/postgres.log the server log. Keep it short and under /tmp: the socket path
#         must fit in 107 bytes, and as root the OS user postgres must enter every parent.
#   PORT  TCP port on 127.0.0.1 only (default 55432).
#
# Prints one line on stdout, the Npgsql connection string of the test role:
#   Host=127.0.0.1;Port=PORT;Username=rotor;Password=PASSWORD;Database=rotor_test
# The role has LOGIN CREATEDB (not superuser) and logs in over TCP with scram-sha-256.
# Progress goes to stderr.
#
# Environment: TESTPG_USER (rotor), TESTPG_PASSWORD (rotor), TESTPG_DATABASE (rotor_test),
# TESTPG_BINDIR (newest /usr/lib/postgresql/*/bin), TESTPG_DURABLE=1 keeps fsync on.
#
# fsync, synchronous_commit and full_page_writes are off: a crash of PostgreSQL loses
# nothing, an OS crash may lose the cluster, which is what a test server may do.
# Idempotent: a running server of DIR on PORT with the same settings is reused; one with
# other settings is restarted; a stopped or killed one starts on its data. Calls for one
# DIR wait for each other. PostgreSQL itself comes from tests/env/install-deps.sh.
set -euo pipefail
ME=start-postgres.sh
# shellcheck source=tests/env/postgres/_common.sh
. "$(dirname "$0")/_common.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
PORT="${2:-55432}"
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 65535 ] || die "PORT must be a number within 1024..65535"
PG_USER="${TESTPG_USER:-rotor}"
PG_PASSWORD="${TESTPG_PASSWORD:-rotor}"
PG_DATABASE="${TESTPG_DATABASE:-rotor_test}"
# Plain values need no quoting in SQL, in the connection string or in the env file.
[[ "$PG_USER" =~ ^[a-z_][a-z0-9_]{0,62}$ && "$PG_USER" != postgres ]] || die "TESTPG_USER must match [a-z_][a-z0-9_]* and not be postgres"
[[ "$PG_DATABASE" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "TESTPG_DATABASE must match [a-z_][a-z0-9_]*"
[[ "$PG_PASSWORD" =~ ^[A-Za-z0-9_.+-]{1,100}$ ]] || die "TESTPG_PASSWORD must match [A-Za-z0-9_.+-]+"
# The caller's libpq variables must not redirect the psql calls below.
unset PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGHOSTADDR PGDATA PGTARGETSESSIONATTRS

BINDIR="$(find_bindir)"
[ -n "$BINDIR" ] && [ -x "$BINDIR/initdb" ] ||
  die "PostgreSQL server binaries not found; run tests/env/install-deps.sh as root (Debian: postgresql)"
EXE="$(readlink -f "$BINDIR/postgres")"
if [ "$(id -u)" -eq 0 ]; then
  RUN_AS=postgres
  id -u "$RUN_AS" >/dev/null 2>&1 || die "OS user postgres is missing (the postgresql package creates it)"
else
  RUN_AS="$(id -un)"
fi

mkdir -p "$1"
DIR="$(cd "$1" && pwd -P)"
[ "$DIR" != / ] || die "DIR must not be /"
case "$DIR" in *[\',\\\ ]* | *$'\n'*) die "DIR must not contain quotes, backslashes, spaces or newlines: $DIR" ;; esac
SOCKET="$DIR/.s.PGSQL.$PORT"
[ "${#SOCKET}" -lt 108 ] || die "the socket path $SOCKET is ${#SOCKET} bytes (limit 107): choose a shorter DIR"
LOCK="$DIR/.start-postgres.lock"   # also marks DIR as made by this script
if [ ! -e "$LOCK" ] && [ -n "$(ls -A "$DIR")" ]; then die "$DIR is not empty and was not made by $ME"; fi
: >>"$LOCK"
[ "$(id -u)" -ne 0 ] || chown "$RUN_AS:" "$DIR"
chmod 0700 "$DIR"
as_server_user "$RUN_AS" test -w "$DIR" -a -x "$DIR" ||
  die "OS user $RUN_AS cannot enter $DIR: choose a DIR directly under /tmp"
exec 9>>"$LOCK"
flock -w 120 9 || die "another start or stop of $DIR holds $LOCK after 120 s"

DATA="$DIR/data"
CONF="$DATA/rotor-test.conf"
APPLIED="$DIR/.applied.conf"
LOG_FILE="$DIR/postgres.log"
t_start="$(now_ms)"

if [ ! -s "$DATA/PG_VERSION" ] || [ -e "$DIR/.initdb-incomplete" ]; then
  # What a killed initdb left behind is removed: initdb needs an empty folder.
  rm -rf "$DATA"
  touch "$DIR/.initdb-incomplete"
  locale=C
  if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
  as_server_user "$RUN_AS" "$BINDIR/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale="$locale" --no-sync --no-instructions >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  cat >"$DATA/pg_hba.conf" <<'HBA'
# Written by Rotor's start-postgres.sh: the superuser over the socket in the 0700 DIR only,
# everyone else over loopback TCP with a password.
local   all  all                trust
host    all  all  127.0.0.1/32  scram-sha-256
HBA
  printf "\ninclude 'rotor-test.conf'\n" >>"$DATA/postgresql.conf"
  [ "$(id -u)" -ne 0 ] || chown "$RUN_AS:" "$DATA/pg_hba.conf"
  rm -f "$DIR/.initdb-incomplete" "$APPLIED"
  log "initdb done in $(($(now_ms) - t_start)) ms"
fi

# Dynamic shared memory in files unless /dev/shm is usable and large: containers often give
# /dev/shm 64 MiB (queries fail) or none (the server does not start).
dsm=mmap
shm_kb="$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $2 }')"
if [ -n "$shm_kb" ] && [ "$shm_kb" -ge 262144 ] && as_server_user "$RUN_AS" test -w /dev/shm; then dsm=posix; fi
durability=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off'
[ "${TESTPG_DURABLE:-0}" != 1 ] || durability="# TESTPG_DURABLE=1: flushes stay on"
cat >"$CONF.tmp" <<CONF
# Written by Rotor's start-postgres.sh on every call.
max_connections = 200
$durability
dynamic_shared_memory_type = $dsm
huge_pages = off
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_lock_waits = on
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
CONF
[ "$(id -u)" -ne 0 ] || chown "$RUN_AS:" "$CONF.tmp"
mv -f "$CONF.tmp" "$CONF"

if postmaster_alive "$DATA" "$EXE" && [ "$(sed -n 4p "$DATA/postmaster.pid")" = "$PORT" ] && cmp -s "$CONF" "$APPLIED"; then
  log "reusing the running server of $DIR on port $PORT"
else
  if postmaster_alive "$DATA" "$EXE"; then
    log "the server of $DIR runs with other settings: restarting it"
    as_server_user "$RUN_AS" "$BINDIR/pg_ctl" -D "$DATA" stop -m fast -w -t 60 -s >&2 ||
      as_server_user "$RUN_AS" "$BINDIR/pg_ctl" -D "$DATA" stop -m immediate -w -t 30 -s >&2 || true
  fi
  kill_leftovers "$DATA" "$EXE"
  # Nothing of the cluster is alive: its lock files are stale (PostgreSQL would take a
  # zombie postmaster's pid for a live one and refuse to start).
  rm -f "$DATA/postmaster.pid" "$DIR"/.s.PGSQL.* "$APPLIED"
  echo "=== $(date -u +%FT%TZ) $ME: starting on 127.0.0.1:$PORT ===" >>"$LOG_FILE"
  [ "$(id -u)" -ne 0 ] || chown "$RUN_AS:" "$LOG_FILE"
  t0="$(now_ms)"
  # pg_ctl puts the server in its own session with its output in the log file.
  if ! as_server_user "$RUN_AS" "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG_FILE" -w -t 60 -s start >&2; then
    tail -n 30 "$LOG_FILE" >&2
    die "the server did not start"
  fi
  cp "$CONF" "$APPLIED"
  log "server started on 127.0.0.1:$PORT in $(($(now_ms) - t0)) ms"
fi

# The test role and its database, as the superuser over the socket (values quoted by format()).
"$BINDIR/psql" -X -q -w -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres \
  -v role="$PG_USER" -v pw="$PG_PASSWORD" -v db="$PG_DATABASE" >"$DIR/setup.log" 2>&1 <<'SQL' || { cat "$DIR/setup.log" >&2; die "could not create the test role and database"; }
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
rm -f "$DIR/setup.log"
PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=10 "$BINDIR/psql" -X -w -At -h 127.0.0.1 -p "$PORT" -U "$PG_USER" -d "$PG_DATABASE" \
  -c 'SELECT 1' >/dev/null || die "the test role cannot log in over 127.0.0.1:$PORT"

log "ready in $(($(now_ms) - t_start)) ms"
echo "Host=127.0.0.1;Port=$PORT;Username=$PG_USER;Password=$PG_PASSWORD;Database=$PG_DATABASE"
