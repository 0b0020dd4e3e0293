#!/usr/bin/env bash
# Installs the Debian packages Rotor's tests need, only when missing. Non-interactive;
# runs `apt-get update` at most once. Needs root (CI runs as root); as another user it
# only reports what is missing, and the tests that need it skip locally (fail under CI=true).
set -euo pipefail

packages=(openssl ca-certificates procps)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/env: missing packages (run as root to install): ${missing[*]}" >&2
  exit 0
fi
echo "tests/env: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
