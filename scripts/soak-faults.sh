# The soak's secured broker, retailer faults and store faults (scripts/soak, docs/soak.md).
# Sourced by scripts/soak after it has set: work, build_dir, mqtt_port, http_port,
# sandbox_port, admin, pid[], log(), start_larderd(), sandbox(). Not run on its own.

# --- the secured broker: a test CA, a password file, the shipped ACL, TLS only ---
# soak_pki: a CA (EC P-256) and the broker's certificate for 127.0.0.1 and localhost, the
# users the load needs (larderd, admin for readings, zigbee2mqtt for presses, homeassistant
# which the ACL lets read only) and larderd's password file.
soak_pki() {
  local d=$work/pki
  mkdir -p "$d"
  (
    cd "$d" && umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 2 -nodes \
      -keyout ca.key -out ca.crt -subj "/CN=Larder soak CA" 2>/dev/null
    printf 'subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' >server.ext
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
      -out server.csr -subj "/CN=localhost" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -sha256 \
      -extfile server.ext -out server.crt 2>/dev/null
    openssl verify -CAfile ca.crt server.crt >/dev/null
  ) || { echo "scripts/soak: could not make the test CA" >&2; exit 1; }
  declare -gA mqtt_pass=()
  local first=-c u
  for u in larderd admin zigbee2mqtt homeassistant; do
    mqtt_pass[$u]="soak-$u-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
    mosquitto_passwd $first -b "$d/passwd" "$u" "${mqtt_pass[$u]}"
    first=""
  done
  echo "${mqtt_pass[larderd]}" >"$d/larderd.pass"
}

# broker_config: mosquitto.conf on stdout. With TLS: the shipped config/mosquitto/larder.conf
# settings (no anonymous clients, password_file, the shipped acl_file) on one TLS listener.
broker_config() {
  if [ "$tls" -eq 1 ]; then
    cat <<CONF
per_listener_settings false
set_tcp_nodelay true
allow_anonymous false
password_file $work/pki/passwd
acl_file $LARDER_ROOT/config/mosquitto/acl
listener $mqtt_port 127.0.0.1
certfile $work/pki/server.crt
keyfile $work/pki/server.key
CONF
  else
    printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$mqtt_port"
  fi
  cat <<CONF
persistence true
persistence_location $work/mosquitto/
max_queued_messages 100000
max_inflight_messages 100
log_dest stdout
log_type error
log_type warning
log_type notice
log_type all
connection_messages true
log_timestamp true
CONF
  [ "$(id -u)" -eq 0 ] && echo "user root"
  return 0
}

# larderd_mqtt_config: the mqtt: section of larder.yaml.
larderd_mqtt_config() {
  if [ "$tls" -eq 1 ]; then
    printf 'mqtt:\n  url: ssl://127.0.0.1:%s\n  client_id: larder-soak\n  username: larderd\n' "$mqtt_port"
    printf '  password_file: %s\n  tls:\n    ca: %s\n' "$work/pki/larderd.pass" "$work/pki/ca.crt"
  else
    printf 'mqtt:\n  url: tcp://127.0.0.1:%s\n  client_id: larder-soak\n' "$mqtt_port"
  fi
}

# mq USER: the mosquitto_pub/_sub arguments to reach the broker as USER ("" = anonymous).
mq() {
  local a=(-h 127.0.0.1 -p "$mqtt_port")
  if [ "$tls" -eq 1 ]; then
    a+=(--cafile "$work/pki/ca.crt")
    [ -n "$1" ] && a+=(-u "$1" -P "${mqtt_pass[$1]}")
  fi
  printf '%s\n' "${a[@]}"
}

# intruders: readings on the canonical input from an anonymous client (refused at connect)
# and from homeassistant (signed in, but the ACL gives it no write right there: mosquitto
# acknowledges and drops it). Each has a ts of its own, in readings.forbidden; none may be
# stored. The attempts and their exit statuses go to intruders.log.
intruders() {
  local ts who rc args
  for who in "" homeassistant; do
    ts=$(date +%s.%3N)
    mapfile -t args < <(mq "$who")
    rc=0
    mosquitto_pub "${args[@]}" -q 1 -t larder/v1/consumable/r0/level \
      -m "{\"value\":12345.6,\"unit\":\"g\",\"ts\":$ts}" >>"$work/intruders.log" 2>&1 || rc=$?
    echo "r0 $ts" >>"$work/readings.forbidden"
    echo "$(date -u +%H:%M:%S) ${who:-anonymous} publish ts=$ts exit=$rc" >>"$work/intruders.log"
  done
}

# --- the retailer's faults, one at a time: 5xx, down (SIGSTOP), slow ---
retailer_kinds=()
retailer_fault=""   # the fault in force, "" for none
retailer_start() {
  retailer_fault=$1
  retailer_counts[$1]=$((${retailer_counts[$1]:-0} + 1))
  case "$1" in
    5xx)
      sandbox -X POST -H 'Content-Type: application/json' -d '{"faults":[],"fail_rate":1}' \
        "http://127.0.0.1:$sandbox_port/sandbox/faults" >/dev/null
      log "sandbox: every /v1 request fails with 5xx" ;;
    down)
      kill -STOP "${pid[sandbox]}"
      log "sandbox: stopped (SIGSTOP): connections hang, nothing is answered" ;;
    slow)
      # Placements only: the sandbox answers one request at a time and a slow answer holds
      # all the others (docs/sandbox.md), so slowing the hub's status polls as well (one
      # every 10 s per order in flight) would pile up more than it can ever answer.
      sandbox -X POST -H 'Content-Type: application/json' \
        -d '{"faults":[{"kind":"slow","route":"orders","delay_ms":2000,"count":100000}]}' \
        "http://127.0.0.1:$sandbox_port/sandbox/faults" >/dev/null
      log "sandbox: every placement (POST /v1/orders) answered 2 s late" ;;
  esac
}
retailer_end() {
  case "$retailer_fault" in
    down) kill -CONT "${pid[sandbox]}" ;;
    5xx | slow)
      local tries=0
      until sandbox -m 60 -X DELETE "http://127.0.0.1:$sandbox_port/sandbox/faults" >/dev/null; do
        tries=$((tries + 1))
        [ $tries -lt 3 ] || { echo "scripts/soak: the sandbox does not answer" >&2; exit 1; }
      done ;;
  esac
  if [ -n "$retailer_fault" ]; then log "sandbox: answering again (after $retailer_fault)"; fi
  retailer_fault=""
}

# --- the store's faults: the disk full, the database read-only ---
# The state directory is a tmpfs of its own (64 MiB), so the disk can really fill up.
store_mounted=0
mount_state() {
  if mount -t tmpfs -o size=64m,mode=0700 larder-soak "$work/state" 2>/dev/null; then
    store_mounted=1
  else
    echo "scripts/soak: cannot mount a tmpfs on $work/state (not root?): no disk-full or" \
      "read-only faults" >&2
    store_kinds=()
  fi
}
unmount_state() {
  [ "$store_mounted" -eq 1 ] || return 0
  rm -f "$work/state/filler"
  mkdir -p "$work/state.saved"
  cp -a "$work/state/." "$work/state.saved/" 2>/dev/null || true
  umount "$work/state" && rmdir "$work/state" && mv "$work/state.saved" "$work/state"
  store_mounted=0
}

metric() {
  curl -fsS -m 5 -H "Authorization: Bearer $admin" "http://127.0.0.1:$http_port/metrics" \
    2>/dev/null | awk -v m="$1" '$1 == m {print $2; exit}'
}
log_lines() { wc -l <"$work/larderd.log" | tr -d ' '; }

# The fault in force and what was seen during it (checked by store_watch, every 0.5 s).
store_kinds=()
store_fault=""
store_since=0; store_pid=""; store_log_from=0; store_seen_failing=0; store_health_fail=0
store_checks=()   # one line per fault: what was checked, and "ok" or "FAIL"
store_failed=0    # the number of store checks that failed
readonly_windows=()  # "from to" (epoch s): what larderd acknowledged then it cannot keep

store_start() {
  store_fault=$1
  store_counts[$1]=$((${store_counts[$1]:-0} + 1))
  store_since=$SECONDS; store_seen_failing=0; store_health_fail=0
  case "$1" in
    disk-full)
      store_pid=${pid[larderd]}; store_log_from=$(log_lines)
      # What SQLite already holds is reused (the write-ahead log restarts at its start):
      # checkpoint and truncate it first, so the very next commits need new room.
      sqlite3 "$work/state/larder.db" ".timeout 5000" "PRAGMA wal_checkpoint(TRUNCATE);" \
        >/dev/null 2>&1 || true
      dd if=/dev/zero of="$work/state/filler" bs=64k status=none 2>/dev/null || true
      log "disk full: $work/state filled by a $(du -h "$work/state/filler" | cut -f1) filler ($(df --output=avail -h "$work/state" | tail -1 | tr -d ' ') left)"
      ;;
    read-only)
      # A mounted file system cannot become read-only under a process writing to it
      # (EBUSY, docs/faults.md): larderd is stopped (SIGTERM, nothing lost) and started
      # again in a mount namespace of its own where the state directory is a read-only
      # bind mount.
      local from
      from=$(date +%s.%3N)
      kill -TERM "${pid[larderd]}" 2>/dev/null || true
      wait "${pid[larderd]}" 2>/dev/null || true
      store_log_from=$(log_lines)
      readonly_from=$from
      start_larderd read-only
      store_pid=${pid[larderd]}
      # Its /healthz is probed from the moment it answers (a start takes a fraction of a s).
      for _ in $(seq 1 100); do
        curl -fsS -m 2 "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
      done
      log "read-only: larderd restarted with $work/state a read-only bind mount"
      ;;
  esac
}

# store_watch: while a fault is in force, larderd must keep running (same process) and
# answering /healthz; its /metrics say larder_store_failing 1.
store_watch() {
  [ -n "$store_fault" ] || return 0
  curl -fsS -m 2 "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 ||
    store_health_fail=$((store_health_fail + 1))
  [ "$(metric larder_store_failing)" = "1" ] && store_seen_failing=1
  return 0
}

store_check() {  # store_check WHAT TRUE|FALSE
  if [ "$2" = true ]; then store_checks+=("ok   $store_fault: $1"); else
    store_checks+=("FAIL $store_fault: $1"); store_failed=$((store_failed + 1)); fi
}

store_end() {
  local alive=false new
  kill -0 "$store_pid" 2>/dev/null && [ "${pid[larderd]}" = "$store_pid" ] && alive=true
  new=$(tail -n +"$((store_log_from + 1))" "$work/larderd.log")
  case "$store_fault" in
    disk-full)
      store_check "larderd kept running (pid $store_pid, not restarted)" $alive
      store_check "/healthz answered throughout ($store_health_fail failed probes)" \
        "$([ "$store_health_fail" -eq 0 ] && echo true || echo false)"
      store_check "larder_store_failing was 1" "$([ $store_seen_failing -eq 1 ] && echo true || echo false)"
      store_check "its log said 'store commit failed'" \
        "$(grep -q 'store commit failed' <<<"$new" && echo true || echo false)"
      rm -f "$work/state/filler"
      log "disk full: filler removed ($(df --output=avail -h "$work/state" | tail -1 | tr -d ' ') free)"
      local ok=false
      for _ in $(seq 1 40); do
        [ "$(metric larder_store_failing)" = "0" ] && { ok=true; break; }
        sleep 0.5
      done
      store_check "larder_store_failing back to 0 once there was room" $ok
      ;;
    read-only)
      store_check "larderd kept running on the read-only store (pid $store_pid)" $alive
      store_check "/healthz answered throughout ($store_health_fail failed probes)" \
        "$([ "$store_health_fail" -eq 0 ] && echo true || echo false)"
      store_check "larder_store_failing was 1" "$([ $store_seen_failing -eq 1 ] && echo true || echo false)"
      store_check "its log said 'read-only file system'" \
        "$(grep -q 'read-only file system' <<<"$new" && echo true || echo false)"
      # It does not reopen the database by itself (docs/faults.md): stopped, and started
      # normally, which imports the store's journal.
      local to rc=0
      to=$(date +%s.%3N)
      kill -TERM "${pid[larderd]}" 2>/dev/null || true
      wait "${pid[larderd]}" 2>/dev/null || rc=$?
      readonly_windows+=("$readonly_from $to")
      new=$(tail -n +"$((store_log_from + 1))" "$work/larderd.log")
      store_check "stopped with status 0, what waited in the journal (status $rc)" \
        "$([ $rc -eq 0 ] && grep -q 'wait in the journal' <<<"$new" && echo true || echo false)"
      start_larderd
      log "read-only: larderd restarted on the writable state directory"
      local imported=false
      for _ in $(seq 1 50); do
        grep -q 'from the journal' <(tail -n +"$((store_log_from + 1))" "$work/larderd.log") &&
          { imported=true; break; }
        sleep 0.1
      done
      store_check "the restart imported the journal" $imported
      ;;
  esac
  store_fault=""
}

# store_events: the store_error and store_recovered events larderd published (watch.log,
# written by a mosquitto_sub on <root>/event for the whole run).
store_events() {
  local e r
  e=$(grep -c '"kind":"store_error"' "$work/watch.log" 2>/dev/null || true)
  r=$(grep -c '"kind":"store_recovered"' "$work/watch.log" 2>/dev/null || true)
  echo "${e:-0} ${r:-0}"
}
