#!/usr/bin/env bash
# Installs the Mosquitto MQTT broker (2.0.x) from Debian's packages, for `npm run test:scale` and
# `npm run mqtt:start`. Root only (apt-get). Idempotent: when `mosquitto` is already on the PATH
# (or in /usr/sbin) it returns at once without touching apt. The package's service is not started
# (the image's policy-rc.d refuses; start.sh runs its own broker with a throwaway config).
# Exit codes: 0 installed/present, 3 not root, 4 apt could not install (packages unreachable).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

if command -v mosquitto >/dev/null 2>&1; then
  echo "mqtt:install: mosquitto already installed ($(mosquitto -h 2>/dev/null | head -n 1 | awk '{print $3}'))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "mqtt:install: needs root to apt-get install mosquitto" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "mqtt:install: no apt-get on this machine (Debian/Ubuntu only)" >&2
  exit 4
fi
started=$SECONDS
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a parallel set-up script) holds the dpkg lock for a while: wait for it.
apt=(apt-get -o DPkg::Lock::Timeout=300)
# Update the index only when the package is unknown to it (a fresh image has an empty one).
if ! apt-cache show mosquitto >/dev/null 2>&1; then
  "${apt[@]}" update -qq || { echo "mqtt:install: apt-get update failed (packages unreachable?)" >&2; exit 4; }
fi
if ! "${apt[@]}" install -y -qq --no-install-recommends mosquitto >/dev/null; then
  # A stale index can point at versions the mirror no longer has: refresh once and retry.
  "${apt[@]}" update -qq && "${apt[@]}" install -y -qq --no-install-recommends mosquitto >/dev/null \
    || { echo "mqtt:install: apt-get install mosquitto failed (packages unreachable?)" >&2; exit 4; }
fi
command -v mosquitto >/dev/null 2>&1 || { echo "mqtt:install: package installed but no mosquitto binary" >&2; exit 4; }
echo "mqtt:install: installed $(mosquitto -h 2>/dev/null | head -n 1 | awk '{print $3}') in $((SECONDS - started)) s"
