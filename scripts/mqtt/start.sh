#!/usr/bin/env bash
# Starts a throwaway Mosquitto broker on 127.0.0.1 for `npm run test:scale` and `npm run mqtt:start`:
# MQTT v3.1.1 and v5 on one listener, shared subscriptions ($share/<group>/<filter>, built in),
# one user from a password file (no anonymous access), persistence on (sessions and QoS 1 messages
# of clients with clean start off survive in the state folder), generous queues so a worker that
# is down for a while loses nothing queued for it. Writes what a client needs as JSON to
# $MQTT_ENV_FILE (default <state>/mqtt-env.json) and as the last stdout line:
#   {"url","host","port","username","password","stateDir","pid"}
# State (config, password file, persistence, log, pid file) lives under $MQTT_STATE_DIR (default
# <repo>/.cache/mosquitto) and is wiped on every start. Stop with scripts/mqtt/stop.sh (by PID).
# Env: MQTT_STATE_DIR, MQTT_PORT (1883), MQTT_ENV_FILE, MQTT_USERNAME / MQTT_PASSWORD (fixed test
# credentials by default: they open only this loopback broker).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
D=${MQTT_STATE_DIR:-$root/.cache/mosquitto}
PORT=${MQTT_PORT:-1883}
USER_NAME=${MQTT_USERNAME:-sgflow-farm}
PASS=${MQTT_PASSWORD:-sgflow-mqtt-test-only}
ENV_FILE=${MQTT_ENV_FILE:-$D/mqtt-env.json}
started=$SECONDS

say() { echo "mqtt:start: $*" >&2; }
die() { say "$*"; for l in "$D/mosquitto.log" "$D/stdout.log"; do [ -s "$l" ] && tail -n 20 "$l" >&2; done; bash "$here/stop.sh" >/dev/null 2>&1 || true; exit 1; }

command -v mosquitto >/dev/null 2>&1 || { say "mosquitto not found: run npm run mqtt:install (root) first"; exit 3; }
command -v mosquitto_passwd >/dev/null 2>&1 || { say "mosquitto_passwd not found (package mosquitto)"; exit 3; }

# A previous broker from this state folder would hold the port: stop it first.
bash "$here/stop.sh" >/dev/null 2>&1 || true
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then say "port $PORT on 127.0.0.1 is in use (another broker? stop it or set MQTT_PORT)"; exit 1; fi

rm -rf "$D"; mkdir -p "$D/data"
touch "$D/passwd"; chmod 600 "$D/passwd"
mosquitto_passwd -b "$D/passwd" "$USER_NAME" "$PASS" >/dev/null 2>&1 || die "mosquitto_passwd failed"
cat > "$D/mosquitto.conf" <<CONF
# Throwaway broker for the scale test; rewritten by scripts/mqtt/start.sh on every start.
per_listener_settings false
listener $PORT 127.0.0.1
allow_anonymous false
password_file $D/passwd
# Sessions (clean start off) and their queued QoS 1 messages are kept; saved to disk every 10 s
# and at shutdown, so a broker restart keeps them too.
persistence true
persistence_location $D/data/
autosave_interval 10
# A worker that is down may have many jobs queued for it: keep them (default 1000, then drop).
max_queued_messages 100000
# Sessions of workers that never come back expire after a day (a v5 client asks for its own).
persistent_client_expiration 1d
log_dest file $D/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
CONF
# Started as root, Mosquitto drops to the 'mosquitto' user: that user must own its folder and be
# able to reach it (a private temp folder above it would stop it at start).
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown -R mosquitto "$D"
  if ! su -s /bin/sh mosquitto -c "test -w '$D'" 2>/dev/null; then
    die "user mosquitto cannot write to $D (a parent folder is private?): choose MQTT_STATE_DIR elsewhere"
  fi
fi

setsid mosquitto -c "$D/mosquitto.conf" >>"$D/stdout.log" 2>&1 < /dev/null &
echo $! > "$D/mosquitto.pid"
pid=$(cat "$D/mosquitto.pid")
ready=
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || die "mosquitto exited at start"
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then ready=1; break; fi
  sleep 0.1
done
[ -n "$ready" ] || die "mosquitto did not listen on 127.0.0.1:$PORT within 10 s"

json=$(printf '{"url":"mqtt://127.0.0.1:%s","host":"127.0.0.1","port":%s,"username":"%s","password":"%s","stateDir":"%s","pid":%s}' \
  "$PORT" "$PORT" "$USER_NAME" "$PASS" "$D" "$pid")
mkdir -p "$(dirname "$ENV_FILE")"
printf '%s\n' "$json" > "$ENV_FILE"
say "mosquitto $(mosquitto -h 2>/dev/null | head -n 1 | awk '{print $3}') ready at mqtt://127.0.0.1:$PORT (user $USER_NAME) in $((SECONDS - started)) s; env: $ENV_FILE"
echo "$json"
