#!/bin/sh
# Installs the real software the end-to-end suite drives (test/e2e): nginx, Apache 2 and logrotate.
# Idempotent and quiet; safe to run as root on a bare Debian/Ubuntu. Does nothing when all are present.
# The packages' own services are never started by us: Debian may start them (policy-rc.d allowing),
# but the suite runs its own instances from temp dirs on free loopback ports, so that does not matter.
# systemd is deliberately not installed: `systemd-analyze verify` of deploy/lookout.service runs when
# the machine already has it, and is skipped with a reason otherwise.
set -eu

need=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx"
command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ] || need="$need apache2"
command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || need="$need logrotate"

if [ -z "$need" ]; then
  echo "install-e2e-deps: nginx, apache2 and logrotate already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -n "$0" "$@"
  fi
  echo "install-e2e-deps: need root to install:$need" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-e2e-deps: installing$need"
apt-get update -qq >/dev/null
# shellcheck disable=SC2086 # word splitting of $need is intended
apt-get install -y -qq --no-install-recommends $need >/dev/null
echo "install-e2e-deps: done"
