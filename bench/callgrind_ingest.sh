#!/bin/bash
# Instructions per reading of larderd's ingest path, counted by callgrind (reproducible,
# unlike wall-clock figures on a shared machine).
#
#   bench/callgrind_ingest.sh LARDERD [CONSUMABLES] [READINGS_PER_CONSUMABLE] [QOS]
#
# Starts mosquitto on a free loopback port and LARDERD (with CONSUMABLES gram consumables)
# under valgrind --tool=callgrind with instrumentation off; once READY, switches it on,
# publishes READINGS_PER_CONSUMABLE level readings per consumable with mosquitto_pub
# (QoS 1 by default: under valgrind the broker would drop QoS 0 it cannot deliver),
# waits until every reading is committed to the store, lets 2 s of ticks and flushes pass,
# switches instrumentation off and stops. Prints instructions per reading and the top
# functions (inclusive and exclusive). Needs mosquitto, mosquitto_pub, valgrind, sqlite3.
set -euo pipefail
LARDERD=$(readlink -f "$1")
CONSUMABLES=${2:-100}
PER=${3:-100}
QOS=${4:-1}
TOTAL=$((CONSUMABLES * PER))
WORK=$(mktemp -d /tmp/larder-callgrind-XXXXXX)
trap 'kill $LPID $BPID 2>/dev/null || true; wait 2>/dev/null || true' EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HTTP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
max_queued_messages 0
persistence false
EOF
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
BPID=$!
{
  printf 'mqtt:\n  url: tcp://127.0.0.1:%s\n  client_id: larder-bench\n' "$PORT"
  printf 'state_dir: %s/state\nhttp:\n  listen: 127.0.0.1:%s\n' "$WORK" "$HTTP"
  printf '  admin_token: bench-admin-token-0123456789\nlog_level: info\nconsumables:\n'
  for ((i = 0; i < CONSUMABLES; i++)); do
    printf '  c%d:\n    unit: g\n    capacity: 1000\n    pack: {sku: SKU-%d, size: 500}\n' "$i" "$i"
  done
} >"$WORK/larder.yaml"
sleep 0.5
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/callgrind.out" \
  "$LARDERD" --config "$WORK/larder.yaml" >"$WORK/larderd.log" 2>&1 &
LPID=$!
for ((t = 0; t < 600; t++)); do
  grep -q "ready in" "$WORK/larderd.log" && break
  sleep 0.5
done
grep -q "ready in" "$WORK/larderd.log" || { cat "$WORK/larderd.log"; exit 1; }
sleep 3  # the retained states of the start go out
callgrind_control -i on "$LPID" >/dev/null
T0=1764460800
for ((i = 0; i < CONSUMABLES; i++)); do
  # A slowly falling level, one reading a minute, each with its own ts.
  awk -v n="$PER" -v t0="$T0" 'BEGIN { for (k = 0; k < n; k++)
      printf "{\"value\":%.1f,\"unit\":\"g\",\"ts\":%d}\n", 900 - k * 0.5, t0 + 60 * k }' |
    mosquitto_pub -h 127.0.0.1 -p "$PORT" -q "$QOS" -t "larder/v1/consumable/c$i/level" -l
done
DB="$WORK/state/larder.db"
for ((t = 0; t < 1200; t++)); do
  N=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM readings" 2>/dev/null || echo 0)
  [ "$N" -ge "$TOTAL" ] && break
  sleep 1
done
sleep 2
callgrind_control -i off "$LPID" >/dev/null
kill -TERM "$LPID"
wait "$LPID" || true
echo "readings published: $TOTAL, stored: $N (consumables $CONSUMABLES, QoS $QOS)"
IR=$(callgrind_annotate "$WORK/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "instructions: $IR, per reading: $((IR / TOTAL))"
echo "--- top inclusive"
callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null | grep -E "^ *[0-9,]+ \(" |
  grep -E "larder::|sqlite3_step|MQTT|mqtt::" | head -25
echo "--- top exclusive"
callgrind_annotate "$WORK/callgrind.out" 2>/dev/null | grep -E "^ *[0-9,]+ \(" | head -15
echo "(data in $WORK)"
