#!/usr/bin/env bash
# Installs the Debian packages Rotor's tests need, only when missing. Non-interactive;
# runs `apt-get update` at most once. Needs root (CI runs as root); as another user it
# only reports what is missing, and the tests that need it skip locally (fail under CI=true).
set -euo pipefail

packages=(
  openssl ca-certificates procps time
  # the Native AOT publish of rotor (tests/Rotor.IntegrationTests/Aot/)
  clang zlib1g-dev
  # ACME test environment (tests/env/acme/): Pebble test CA, BIND 9 for DNS-01
  # (named, nsupdate, dig), curl, python3 (HTTP-01 webroot server)
  pebble bind9 bind9-dnsutils curl python3
  # reference ACME clients for the selftest and the benchmarks
  lego certbot python3-certbot-dns-rfc2136
  # a web server's built-in ACME client against Rotor's ACME server (tests/Rotor.IntegrationTests/AcmeServer/)
  caddy
  # SIP test environment (tests/env/sip/): Kamailio with TLS, sipp, stunnel as sipp's TLS shim
  kamailio kamailio-tls-modules sip-tester stunnel4 iproute2 util-linux
  # alert receivers and certificate-status servers (tests/env/alerts/): Alertmanager, an SMTP
  # sink (aiosmtpd), snmptrapd, gnutls-serv for weak-protocol endpoints; promtool for the rules
  prometheus-alertmanager python3-aiosmtpd snmptrapd snmp gnutls-bin prometheus
  # the dashboard's browser tests (tests/Rotor.IntegrationTests/Dashboard/): Debian's Chromium,
  # driven by Microsoft.Playwright's bundled driver (no browser download), and a font for its text
  chromium fonts-dejavu-core
  # the PostgreSQL store's tests (tests/env/postgres/): a throwaway server on 127.0.0.1
  postgresql
)

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
# Packages such as bind9 start a system daemon (named on port 53, all interfaces) from
# their postinst. The tests start their own loopback-only instances, so keep services
# from starting during the install when the machine has no policy-rc.d of its own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
# Under a lock, so two installs on one machine wait for each other; one retry, as a transient
# dpkg failure has been seen installing Chromium.
install() {
  flock /tmp/apt.lock apt-get update -qq &&
    flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
if ! install; then
  echo "tests/env: install failed once; trying again" >&2
  sleep 2
  install
fi
# /usr/bin/chromium is Debian's wrapper script; its version line proves the browser runs.
chromium --version >&2
