#!/usr/bin/env bash
# Stops the broker started by start.sh, by the PID in its state folder: SIGTERM and 10 s (Mosquitto
# saves its persistence file on the way out), then SIGKILL. Only a process named mosquitto whose
# pid file is in the state folder is touched. With --purge the state folder is removed as well.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
D=${MQTT_STATE_DIR:-$root/.cache/mosquitto}
f="$D/mosquitto.pid"
if [ -f "$f" ]; then
  pid=$(cat "$f")
  # A stale pid file must not kill whatever reused the number.
  if grep -qx 'mosquitto' "/proc/$pid/comm" 2>/dev/null && kill "$pid" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; echo "mqtt:stop: mosquitto ($pid) needed SIGKILL"; fi
    echo "mqtt:stop: stopped mosquitto ($pid) from $D"
  else
    echo "mqtt:stop: nothing to stop (no mosquitto with pid $pid)"
  fi
  rm -f "$f"
else
  echo "mqtt:stop: nothing to stop (no $f)"
fi
if [ "${1:-}" = "--purge" ]; then rm -rf "$D"; echo "mqtt:stop: removed $D"; fi
