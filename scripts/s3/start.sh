#!/usr/bin/env bash
# Starts a throwaway single-node Ceph cluster (one mon, one bluestore-on-a-file OSD, no cephx)
# and its RADOS Gateway on 127.0.0.1, creates an S3 user and a bucket, and writes what a client
# needs as JSON to $S3_ENV_FILE (default <state>/s3-env.json):
#   {"endpoint","region","bucket","accessKeyId","secretAccessKey","forcePathStyle","stateDir","pids"}
# The last stdout line is that JSON too. State (config, keyring, mon/OSD data, a sparse 20 GiB
# block file, logs, pid files) lives under $S3_STATE_DIR (default <repo>/.cache/rgw) and is
# wiped on every start. Stop with scripts/s3/stop.sh (by PID, gateway first). Root only.
# Recipe and measurements: the shared reference s3-storage.md §3.
# Env: S3_STATE_DIR, S3_PORT (7480), S3_MON_PORT (6789), S3_BUCKET (sg-test), S3_ENV_FILE,
#      S3_ACCESS_KEY / S3_SECRET_KEY (fixed test keys by default: they open only this loopback gateway).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
D=${S3_STATE_DIR:-$root/.cache/rgw}
PORT=${S3_PORT:-7480}
MON_PORT=${S3_MON_PORT:-6789}
BUCKET=${S3_BUCKET:-sg-test}
AK=${S3_ACCESS_KEY:-AKIASGFLOWRGWTEST000}
SK=${S3_SECRET_KEY:-sgflow-rgw-test-secret-0000000000000000}
ENV_FILE=${S3_ENV_FILE:-$D/s3-env.json}
started=$SECONDS

say() { echo "s3:start: $*" >&2; }
die() { say "$*"; [ -d "$D/log" ] && tail -n 20 "$D"/log/*.log >&2 2>/dev/null || true; bash "$here/stop.sh" >/dev/null 2>&1 || true; exit 1; }

for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$b" >/dev/null 2>&1 || { say "$b not found: run npm run s3:install (root) first"; exit 3; }
done
[ "$(id -u)" = 0 ] || { say "needs root (ceph daemons, as in the recipe)"; exit 3; }

# A previous gateway from this state folder would hold the ports: stop it first.
bash "$here/stop.sh" >/dev/null 2>&1 || true
for p in "$PORT" "$MON_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then say "port $p on 127.0.0.1 is in use (another gateway? stop it or set S3_PORT/S3_MON_PORT)"; exit 1; fi
done

rm -rf "$D"; mkdir -p "$D"/{mon,osd,run,log,rgw}
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# Skips a mon command at OSD start that sometimes went out before the OSD had the monmap
# ("wrong fsid", seen on a loaded machine); a device class is of no use to one OSD.
osd class update on start = false
osd objectstore = bluestore
bluestore block path = $D/osd/\$id.block
bluestore block size = 21474836480
bluestore block create = true
bluestore cache size = 268435456
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
keyring = $D/keyring
mon data = $D/mon/\$id
osd data = $D/osd/\$id
[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $D/rgw
CONF
C=(-c "$D/ceph.conf")
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" || die "mon mkfs failed"
ceph-mon "${C[@]}" -i a || die "mon did not start"
OSDUUID=$(cat /proc/sys/kernel/random/uuid)
ID=$(timeout 60 ceph "${C[@]}" osd new "$OSDUUID") || die "osd new failed (mon not answering?)"
mkdir -p "$D/osd/$ID"
ceph-osd "${C[@]}" -i "$ID" --mkfs --osd-uuid "$OSDUUID" >/dev/null 2>&1 || die "osd mkfs failed"
# Retried: the OSD's first mon commands can race its monmap on a busy machine.
osd_started=
for _ in 1 2 3; do
  if ceph-osd "${C[@]}" -i "$ID" >/dev/null 2>&1; then osd_started=1; break; fi
  say "osd start failed, retrying"; sleep 1
done
[ -n "$osd_started" ] || die "osd did not start"
up=
for _ in $(seq 300); do
  if timeout 10 ceph "${C[@]}" osd stat 2>/dev/null | grep "1 up" >/dev/null; then up=1; break; fi
  sleep 0.2
done
[ -n "$up" ] || die "the OSD did not come up within 60 s"
radosgw "${C[@]}" -n client.rgw.gw || die "radosgw did not start"
probe() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>/dev/null || true; }
ready=
for _ in $(seq 1200); do [ "$(probe)" = 200 ] && { ready=1; break; }; sleep 0.1; done
[ -n "$ready" ] || die "radosgw did not answer on 127.0.0.1:$PORT within 120 s"
radosgw-admin "${C[@]}" user create --uid=sgtest --display-name=sgtest --access-key="$AK" --secret-key="$SK" >/dev/null \
  || die "radosgw-admin user create failed"

# The bucket is made with a header-signed request by the AWS SDK (a dev dependency) when it is
# installed, else with curl's own SigV4 (curl >= 7.75).
if [ -d "$root/node_modules/@aws-sdk/client-s3" ]; then
  (cd "$root" && NODE_NO_WARNINGS=1 S3_ENDPOINT="http://127.0.0.1:$PORT" AK="$AK" SK="$SK" BUCKET="$BUCKET" node -e '
    const { S3Client, CreateBucketCommand } = require("@aws-sdk/client-s3");
    const s3 = new S3Client({ endpoint: process.env.S3_ENDPOINT, region: "us-east-1", forcePathStyle: true,
      credentials: { accessKeyId: process.env.AK, secretAccessKey: process.env.SK } });
    s3.send(new CreateBucketCommand({ Bucket: process.env.BUCKET })).then(() => s3.destroy(), (e) => { console.error(e.name + ": " + e.message); process.exit(1); });
  ') || die "could not create bucket $BUCKET"
else
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" "http://127.0.0.1:$PORT/$BUCKET") || true
  [ "$code" = 200 ] || die "could not create bucket $BUCKET (HTTP $code)"
fi

pids=$(for n in mon.a "osd.$ID" client.rgw.gw; do f="$D/run/$n.pid"; [ -f "$f" ] && printf '"%s":%s,' "$n" "$(cat "$f")"; done)
json=$(printf '{"endpoint":"http://127.0.0.1:%s","region":"us-east-1","bucket":"%s","accessKeyId":"%s","secretAccessKey":"%s","forcePathStyle":true,"stateDir":"%s","pids":{%s}}' \
  "$PORT" "$BUCKET" "$AK" "$SK" "$D" "${pids%,}")
mkdir -p "$(dirname "$ENV_FILE")"
printf '%s\n' "$json" > "$ENV_FILE"
say "radosgw $(radosgw --version | awk '{print $3}') ready at http://127.0.0.1:$PORT (path-style, us-east-1), bucket $BUCKET, in $((SECONDS - started)) s; env: $ENV_FILE"
echo "$json"
