#!/usr/bin/env bash
# Rotor's whole test suite: installs what the tests need, builds, runs every test project,
# and prints the total as its last line: "N passed, N failed, N skipped".
# Exits non-zero if anything failed. CI runs exactly this (see .ci/run).
set -uo pipefail
cd "$(dirname "$0")"

bash tests/env/install-deps.sh || { echo "installing test dependencies failed" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! dotnet build Rotor.slnx -c Debug -nologo -clp:ErrorsOnly; then
  echo "build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# The Native AOT executable, as users can install it; AotExecutableTests run it against the labs.
aot_out="artifacts/publish/rotor-aot"
echo "== Native AOT publish of rotor ($aot_out)"
if ! dotnet publish src/Rotor -c Release -r linux-x64 -p:PublishAot=true -o "$aot_out" -nologo -clp:ErrorsOnly -v quiet; then
  echo "Native AOT publish failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
export ROTOR_AOT_EXE="$PWD/$aot_out/rotor"

results=$(mktemp -d)
status=0
# Property/fuzz tests (tests/Rotor.Tests/Fuzz) append "fuzz TARGET: N inputs, 0 failures" here.
export ROTOR_FUZZ_REPORT="$results/fuzz.txt"
for project in tests/Rotor.Tests tests/Rotor.IntegrationTests; do
  name=$(basename "$project")
  echo "== $name"
  dotnet test "$project" -c Debug --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" || status=1
done

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ -s "$ROTOR_FUZZ_REPORT" ]; then
  echo "== fuzz runs (ROTOR_FUZZ_SCALE=${ROTOR_FUZZ_SCALE:-1})"
  sort "$ROTOR_FUZZ_REPORT"
  awk '{n += $3} END {print "fuzz total: " n " inputs"}' "$ROTOR_FUZZ_REPORT"
fi
rm -rf "$results"
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  status=1
fi
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
