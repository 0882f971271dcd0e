#!/usr/bin/env bash
# Stops the gateway started by start.sh, by the PIDs in its state folder: gateway first, then the
# OSD, the mon last (a gateway that outlives its mon hangs on shutdown). Each gets SIGTERM and
# 10 s, then SIGKILL. Only processes whose pid file is in the state folder are touched.
# With --purge the state folder (20 GiB sparse block file, logs) is removed as well.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
D=${S3_STATE_DIR:-$root/.cache/rgw}
stopped=0
[ -d "$D/run" ] || { echo "s3:stop: nothing to stop (no $D/run)"; exit 0; }
names=(client.rgw.gw)
for f in "$D"/run/osd.*.pid; do [ -e "$f" ] && names+=("$(basename "$f" .pid)"); done
names+=(mon.a)
for n in "${names[@]}"; do
  f="$D/run/$n.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  # Only a ceph daemon: a stale pid file must not kill whatever reused the number.
  if ! grep -qE '^(radosgw|ceph-osd|ceph-mon)' "/proc/$pid/comm" 2>/dev/null; then rm -f "$f"; continue; fi
  kill "$pid" 2>/dev/null || { rm -f "$f"; continue; }
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; echo "s3:stop: $n ($pid) needed SIGKILL"; fi
  rm -f "$f"
  stopped=$((stopped + 1))
done
echo "s3:stop: stopped $stopped daemon(s) from $D"
if [ "${1:-}" = "--purge" ]; then rm -rf "$D"; echo "s3:stop: removed $D"; fi
