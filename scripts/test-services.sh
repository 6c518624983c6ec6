#!/usr/bin/env bash
# Install what the test suite runs besides Node: redis-server (the queue tests start their own
# instances on 127.0.0.1, on a free port with a throwaway directory, and stop them) and
# iproute2. Debian/Ubuntu (apt-get). Installs only what is missing and starts no service.
#
#   scripts/test-services.sh && npm test
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "test services: redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), ip: present"
  exit 0
fi
echo "test services: installing ${missing[*]}"
$SUDO apt-get update
# RUNLEVEL=1: the package's init script does not start a Redis service (the tests start their own).
$SUDO env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
# Where the package started its service anyway (no policy in place), stop it.
if command -v service >/dev/null 2>&1; then $SUDO service redis-server stop >/dev/null 2>&1 || true; fi
command -v redis-server >/dev/null
