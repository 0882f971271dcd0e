#!/usr/bin/env bash
# Installs a Ceph RADOS Gateway (S3) with its mon and OSD from Debian's packages, for
# `npm run test:s3` and `npm run s3:start`. Root only (apt-get). Idempotent: when every binary
# is already there it returns at once without touching apt. No service is started by the
# packages (the image's policy-rc.d refuses), and start.sh runs its own throwaway cluster.
# Exit codes: 0 installed/present, 3 not root, 4 apt could not install (packages unreachable).
set -euo pipefail

need=(radosgw radosgw-admin ceph-mon ceph-osd ceph ceph-authtool monmaptool)
missing() { for b in "${need[@]}"; do command -v "$b" >/dev/null 2>&1 || return 0; done; return 1; }

if ! missing; then
  echo "s3:install: radosgw, ceph-mon and ceph-osd already installed ($(radosgw --version 2>/dev/null | awk '{print $3}'))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "s3:install: needs root to apt-get install radosgw ceph-mon ceph-osd" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "s3:install: no apt-get on this machine (Debian/Ubuntu only)" >&2
  exit 4
fi
started=$SECONDS
export DEBIAN_FRONTEND=noninteractive
# Update the index only when the packages are unknown to it (a fresh image has an empty one).
if ! apt-cache show radosgw >/dev/null 2>&1; then
  apt-get update -qq || { echo "s3:install: apt-get update failed (packages unreachable?)" >&2; exit 4; }
fi
if ! apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null; then
  # A stale index can point at versions the mirror no longer has: refresh once and retry.
  apt-get update -qq && apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null \
    || { echo "s3:install: apt-get install radosgw ceph-mon ceph-osd failed (packages unreachable?)" >&2; exit 4; }
fi
if missing; then
  echo "s3:install: packages installed but a binary is still missing (${need[*]})" >&2
  exit 4
fi
echo "s3:install: installed $(radosgw --version 2>/dev/null | awk '{print $3}') in $((SECONDS - started)) s"
