#!/usr/bin/env bash
# Installs Debian's Chromium (and a font, so page text never renders as empty boxes) for the
# dashboard's browser tests (tests/Rotor.IntegrationTests/Dashboard/), only when missing.
# Non-interactive and idempotent; apt runs under flock /tmp/apt.lock so two installs on one
# machine never meet; the install is retried once (a transient dpkg "cannot access archive"
# failure was seen on a first install). As a user other than root it only reports what is
# missing: the browser tests then skip locally and fail under CI=true.
#
# The tests drive this Chromium through Microsoft.Playwright's bundled driver with
# ExecutablePath /usr/bin/chromium: no browser download, no network, no PLAYWRIGHT_* variables.
set -euo pipefail

packages=(chromium fonts-dejavu-core)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/env/browser: missing packages (run as root to install): ${missing[*]}" >&2
  exit 0
fi
echo "tests/env/browser: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive

install() {
  flock /tmp/apt.lock apt-get update -qq &&
    flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
if ! install; then
  echo "tests/env/browser: install failed once; trying again" >&2
  sleep 2
  install
fi
# /usr/bin/chromium is Debian's wrapper script; its version line proves the browser runs.
chromium --version >&2
