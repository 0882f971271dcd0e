#!/usr/bin/env bash
# Installs the peers bench P10 measures against, from Debian's packages: rclone, the AWS CLI
# (awscli, /usr/bin/aws) and GNU time (/usr/bin/time, for each client's CPU and peak RSS).
# Idempotent: returns at once when all are there. Exit codes: 0 present/installed, 3 not root,
# 4 apt could not install them. radosgw itself comes from scripts/s3/install.sh.
set -euo pipefail
missing=()
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
[ -x /usr/bin/aws ] || missing+=(awscli)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -eq 0 ]; then
  echo "bench peers: rclone $(rclone version 2>/dev/null | awk 'NR==1{print $2}'), $(/usr/bin/aws --version 2>&1 | awk '{print $1}'), GNU time present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "bench peers: needs root to apt-get install ${missing[*]}" >&2; exit 3; fi
command -v apt-get >/dev/null 2>&1 || { echo "bench peers: no apt-get (Debian/Ubuntu only)" >&2; exit 4; }
export DEBIAN_FRONTEND=noninteractive
apt-cache show rclone >/dev/null 2>&1 || apt-get update -qq || { echo "bench peers: apt-get update failed" >&2; exit 4; }
apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null \
  || { echo "bench peers: apt-get install ${missing[*]} failed" >&2; exit 4; }
echo "bench peers: installed ${missing[*]}"
