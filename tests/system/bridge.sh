#!/bin/sh
# ystpcs-bridge with the real parts: ystpcsd --simulate 2 on a private bus with the system bus's
# rules, a Mosquitto broker on 127.0.0.1 (with users), mosquitto_sub/_pub as the lab's clients,
# curl and promtool for /metrics. Three bridges: "rack" (root, writes enabled for sim/1),
# "guest" (uid nobody, writes enabled: the bus policy refuses them) and "ro" (writes disabled).
# Checked: the dbus-flashmq layout, TLS (the test's own CA accepted, another refused), user and
# password, keep-alive and read requests, the metrics (promtool check
# metrics), writes that start a module and writes refused (disabled, not listed, mode change,
# out of range by the daemon's own validation, access denied, rate limit; a stop never held
# back), stale values (null / no sample), ystpcsd restarting, the broker restarting (reconnect
# with backoff, republish), the clean stop and the last will. Runs on the host.
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon busctl setpriv mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd curl openssl
[ "$(id -u)" = 0 ] || skip "needs root (to run a bridge as nobody)"
BRIDGE=$YSTPCS_BUILD_ROOT/ctl/bridge/ystpcs-bridge
PROMTOOL=$YSTPCS_BUILD_ROOT/promtool/promtool
[ -x "$PROMTOOL" ] || PROMTOOL=$(command -v promtool) ||
    fail "promtool not found: run tests/system/prepare-promtool $YSTPCS_BUILD_ROOT/promtool (.ci/setup does)"

DIR=$(mktemp -d /tmp/ystpcs-bridge-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
chmod 0755 "$DIR"

# --- docs/fleet.md: its alert rules pass promtool, its dashboard uses documented metrics --------
doc_block() {  # the fenced block between <!-- BEGIN $1 ... --> and <!-- END $1 -->
    awk -v name="$1" 'index($0, "<!-- BEGIN " name) == 1 { on = 1; next } index($0, "<!-- END " name) == 1 { on = 0 }
                      on && !/^```/' "$YSTPCS_SOURCE_ROOT/docs/fleet.md"
}
doc_block "alert rules" >"$DIR/rules.yml"
[ -s "$DIR/rules.yml" ] || fail "no alert rules in docs/fleet.md"
"$PROMTOOL" check rules "$DIR/rules.yml" >"$DIR/rules.log" 2>&1 || fail "promtool check rules (docs/fleet.md): $(cat "$DIR/rules.log")"
doc_block "grafana dashboard" >"$DIR/dashboard.json"
"$PY" - "$DIR/dashboard.json" "$YSTPCS_SOURCE_ROOT/docs/fleet.md" <<'PYEOF' || fail "the dashboard in docs/fleet.md"
import json, re, sys
dashboard = json.load(open(sys.argv[1]))
documented = set(re.findall(r"^\| `(ystpcs_[a-z_]+)` \|", open(sys.argv[2]).read(), re.M))
used = {m for p in dashboard["panels"] for t in p.get("targets", []) for m in re.findall(r"ystpcs_[a-z_]+", t["expr"])}
unknown = used - documented
assert used and not unknown, "metrics not in the table: %s" % sorted(unknown)
PYEOF
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MQTT_PORT=$(free_port)
METRICS_PORT=$(free_port)

# --- the broker: users "bridge" (the bridges) and "watcher" (the test's clients); a plain and a
# TLS listener, the latter with a certificate for 127.0.0.1 from a CA of the test's own --------
mosquitto_passwd -b -c "$DIR/users" watcher watch >/dev/null
mosquitto_passwd -b "$DIR/users" bridge bridge-secret >/dev/null
grep watcher "$DIR/users" >"$DIR/users.watcher-only"
printf 'bridge-secret\n' >"$DIR/bridge.password"
make_ca() {  # NAME: NAME.pem, NAME.key
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=ystpcs test $1" \
        -keyout "$DIR/$1.key" -out "$DIR/$1.pem" 2>/dev/null || fail "openssl: CA $1"
}
make_ca lab-ca
make_ca other-ca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
    -keyout "$DIR/broker.key" -out "$DIR/broker.csr" 2>/dev/null || fail "openssl: broker key"
printf 'subjectAltName=IP:127.0.0.1\n' >"$DIR/broker.ext"
openssl x509 -req -in "$DIR/broker.csr" -CA "$DIR/lab-ca.pem" -CAkey "$DIR/lab-ca.key" -CAcreateserial -days 2 \
    -extfile "$DIR/broker.ext" -out "$DIR/broker.pem" 2>/dev/null || fail "openssl: broker certificate"
TLS_PORT=$(free_port)
cat >"$DIR/mosquitto.conf" <<EOF
allow_anonymous false
password_file $DIR/users
listener $MQTT_PORT 127.0.0.1
listener $TLS_PORT 127.0.0.1
cafile $DIR/lab-ca.pem
certfile $DIR/broker.pem
keyfile $DIR/broker.key
EOF
# The broker drops root for its own user: everything it reads must be readable to it.
chmod 0644 "$DIR"/*
start_broker() {
    bg_start mosquitto -c "$DIR/mosquitto.conf" >>"$DIR/mosquitto.log" 2>&1
    BROKER_PID=$BG_PID
    wait_for 5 mosquitto_pub -p "$MQTT_PORT" -u watcher -P watch -t test/ping -m . 2>/dev/null ||
        fail "the broker did not start: $(tail -3 "$DIR/mosquitto.log")"
}
start_broker
pub() { mosquitto_pub -p "$MQTT_PORT" -u watcher -P watch "$@"; }
# A subscriber writing "TOPIC PAYLOAD" lines to FILE; returns once it is subscribed (a retained
# marker came through the same subscription).
subscribe() {
    _s_file=$1
    shift
    pub -r -t test/ready -m ready
    bg_start mosquitto_sub -p "$MQTT_PORT" -u watcher -P watch -v -t test/ready "$@" >"$_s_file" 2>&1
    wait_for 5 grep -q '^test/ready ready$' "$_s_file" || fail "mosquitto_sub did not subscribe: $(cat "$_s_file")"
}
seen() { grep -qxF "$2" "$1"; }
wait_seen() { wait_for "$1" seen "$2" "$3" || fail "never seen on MQTT: $3 (in $(basename "$2"): $(grep -F "${3%% *}" "$2" | tail -3))"; }
# The same for what arrives in all.log after `mark`: values that were published before.
mark() { MARK=$(wc -l <"$DIR/all.log"); }
seen_new() { tail -n +"$((MARK + 1))" "$DIR/all.log" | grep -qxF "$1"; }
wait_new() { wait_for "$1" seen_new "$2" || fail "never seen on MQTT since the mark: $2 ($(tail -n +"$((MARK + 1))" "$DIR/all.log" | grep -F "${2%% *}" | tail -3))"; }
# The result of the write with "id": ID on site SITE, as JSON.
result_of() { grep "^N/$1/bridge/0/WriteResult " "$2" | grep -F "\"id\":\"$3\"" | head -1 | cut -d' ' -f2-; }
wait_result() {
    wait_for 15 sh -c "grep '^N/$1/bridge/0/WriteResult ' '$2' | grep -qF '\"id\":\"$3\"'" || fail "no result for write $3 on $1"
    RESULT=$(result_of "$1" "$2" "$3")
}
result_field() { json_get "$RESULT" "j['value'].get('$1', '')"; }
metrics() { curl -sf "http://127.0.0.1:$METRICS_PORT/metrics"; }
metric_is() { metrics | grep -qxF "$1"; }
prop_of() { busctl --address="$BUS" get-property org.ystpcs.pcs1 "/org/ystpcs/pcs1/sim/$1" org.ystpcs.pcs1.Module "$2" | cut -d' ' -f2-; }

# --- ystpcsd and the bridges ---------------------------------------------------------------------
start_bus "$DIR" system
cat >"$DIR/ystpcsd.json" <<EOF
{"simulate": 2, "simulation": {"seed": 7, "control_socket": "$DIR/sim.sock"}, "state_directory": "$DIR/state"}
EOF
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json"
wait_for 10 sh -c "[ \"\$(busctl --address='$BUS' get-property org.ystpcs.pcs1 /org/ystpcs/pcs1/sim/1 org.ystpcs.pcs1.Module RunningState)\" = 'y 13' ]" ||
    fail "module 1 not in standby"

bridge_config() {  # NAME SITE METRICS WRITES [PORT CA]: with CA, TLS trusting CA.pem
    _tls=false
    [ -z "${6:-}" ] || _tls=true
    cat >"$DIR/$1.json" <<EOF
{
  // $1: the test's bridge
  "site": "$2", "poll_interval_s": 1, "log_level": "debug",
  "metrics": {"enabled": $3, "address": "127.0.0.1", "port": $METRICS_PORT},
  "mqtt": {"enabled": true, "port": ${5:-$MQTT_PORT}, "username": "bridge", "password_file": "$DIR/bridge.password",
           "keepalive_s": 5, "publish_interval_s": 0.5, "reconnect_min_s": 0.5, "reconnect_max_s": 2,
           "tls": {"enabled": $_tls, "ca_file": "$DIR/${6:-lab-ca}.pem"},
           "writes": {"enabled": $4, "modules": ["sim/1"], "per_minute": 6, "burst": 3}}
}
EOF
}
bridge_config rack rack true true
bridge_config guest guest false true
bridge_config ro ro false false
bridge_config tls tls false false "$TLS_PORT" lab-ca
bridge_config badca badca false false "$TLS_PORT" other-ca
expect_exit 0 "$BRIDGE" --config "$DIR/rack.json" --check-config
assert_contains "$OUT" "writes enabled for sim/1"
expect_exit 78 "$BRIDGE" --config "$DIR/users"
expect_exit 2 "$BRIDGE"

subscribe "$DIR/all.log" -t 'N/#'
bg_start "$BRIDGE" --config "$DIR/rack.json" --bus-address "$BUS" >>"$DIR/rack.log" 2>&1
RACK_PID=$BG_PID
bg_start setpriv --reuid=nobody --regid=nogroup --clear-groups "$BRIDGE" --config "$DIR/guest.json" --bus-address "$BUS" >>"$DIR/guest.log" 2>&1
bg_start "$BRIDGE" --config "$DIR/ro.json" --bus-address "$BUS" >>"$DIR/ro.log" 2>&1
RO_PID=$BG_PID
bg_start "$BRIDGE" --config "$DIR/tls.json" --bus-address "$BUS" >>"$DIR/tls.log" 2>&1
TLS_PID=$BG_PID
bg_start "$BRIDGE" --config "$DIR/badca.json" --bus-address "$BUS" >>"$DIR/badca.log" 2>&1
BADCA_PID=$BG_PID

# --- publishing ------------------------------------------------------------------------------------
wait_seen 10 "$DIR/all.log" 'N/rack/bridge/0/Status {"value":"online"}'
wait_seen 10 "$DIR/all.log" 'N/rack/ystpcsd/0/Connected {"value":true}'
wait_seen 10 "$DIR/all.log" 'N/rack/pcs/sim_1/RunningState {"value":13}'
wait_seen 10 "$DIR/all.log" 'N/rack/pcs/sim_1/RunningStateName {"value":"standby"}'
wait_seen 10 "$DIR/all.log" 'N/rack/pcs/sim_2/Connected {"value":true}'
wait_seen 10 "$DIR/all.log" 'N/rack/can/sim/State {"value":"up"}'
wait_seen 10 "$DIR/all.log" 'N/rack/ystpcsd/0/Modules {"value":["sim/1","sim/2"]}'
wait_seen 10 "$DIR/all.log" 'N/guest/pcs/sim_1/Address {"value":1}'
wait_seen 10 "$DIR/all.log" 'N/ro/pcs/sim_2/Address {"value":2}'
# TLS: the bridge that trusts the lab's CA gets in; the one that trusts another CA never does
# (its log says why: the positive marker before the negative check).
wait_seen 10 "$DIR/all.log" 'N/tls/pcs/sim_1/Address {"value":1}'
wait_for 10 grep -q "cannot connect to 127.0.0.1:$TLS_PORT" "$DIR/badca.log" || fail "the bridge with another CA: $(tail -3 "$DIR/badca.log")"
grep -q '^N/badca/' "$DIR/all.log" && fail "a bridge that does not trust the broker's CA connected"
info "TLS: connected with the lab's CA, refused with another ($(grep -m1 'cannot connect' "$DIR/badca.log" | sed 's/.*(\(.*\)).*/\1/'))"
kill "$TLS_PID" "$BADCA_PID"
grep -q '^N/rack/pcs/sim_1/DcVoltage {"value":6[0-9][0-9]' "$DIR/all.log" || fail "no DC voltage: $(grep DcVoltage "$DIR/all.log" | head -2)"
info "published in the dbus-flashmq layout: $(grep -c '^N/rack/' "$DIR/all.log") messages of site rack so far"

# Keep-alive republishes everything (a value that never changes comes again); a read, one topic.
subscribe "$DIR/keepalive.log" -t 'N/rack/#'
pub -t R/rack/keepalive -m ''
wait_for 10 grep -q '^N/rack/full_publish_completed {"value":' "$DIR/keepalive.log" || fail "no full_publish_completed"
seen "$DIR/keepalive.log" 'N/rack/pcs/sim_2/Address {"value":2}' || fail "keep-alive did not republish sim_2/Address"
subscribe "$DIR/read.log" -t 'N/rack/pcs/sim_2/Configured'
pub -t R/rack/pcs/sim_2/Configured -m ''
wait_seen 5 "$DIR/read.log" 'N/rack/pcs/sim_2/Configured {"value":true}'
info "keep-alive and read requests answered"

# --- metrics ---------------------------------------------------------------------------------------
wait_for 10 metric_is 'ystpcs_module_link_up{interface="sim",address="1"} 1' || fail "no link metric: $(metrics | head -40)"
metrics >"$DIR/metrics.txt" || fail "curl /metrics"
"$PROMTOOL" check metrics <"$DIR/metrics.txt" >"$DIR/promtool.log" 2>&1 || fail "promtool check metrics: $(cat "$DIR/promtool.log")"
for line in 'ystpcs_daemon_up 1' 'ystpcs_bridge_mqtt_connected 1' \
    'ystpcs_module_running_state{interface="sim",address="1",state="standby",code="13"} 1' \
    'ystpcs_module_running_state{interface="sim",address="1",state="constant-current operation",code="12"} 0' \
    'ystpcs_module_fault_code{interface="sim",address="2"} 0' \
    'ystpcs_can_interface_state{interface="sim",state="up"} 1' \
    'ystpcs_module_limit_max_charge_current_amperes{interface="sim",address="1"} 176'; do
    grep -qxF "$line" "$DIR/metrics.txt" || fail "not in /metrics: $line"
done
for name in ystpcs_module_dc_voltage_volts ystpcs_module_temperature_celsius ystpcs_module_frames_received_total \
    ystpcs_can_frames_received_total ystpcs_heartbeat_rounds_total ystpcs_heartbeat_lateness_seconds; do
    grep -q "^$name[{ ]" "$DIR/metrics.txt" || fail "no $name in /metrics"
done
grep -q '^ystpcs_module_dc_voltage_volts{interface="sim",address="1"} 6[0-9][0-9]' "$DIR/metrics.txt" || fail "DC voltage not in volts"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/nothing")" = 404 ] || fail "not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$METRICS_PORT/metrics")" = 405 ] || fail "POST not 405"
curl -sfI "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q 'text/plain; version=0.0.4' || fail "HEAD /metrics"
info "/metrics: $(grep -vc '^#' "$DIR/metrics.txt") samples, promtool check metrics passes"

# --- writes ----------------------------------------------------------------------------------------
# A set-point for the module's own working mode: the mode first, with pcsctl (MQTT never changes it).
expect_exit 0 pcsctl -m 1 set cc -10A
wait_seen 10 "$DIR/all.log" 'N/rack/pcs/sim_1/WorkingMode {"value":"cc"}'
pub -t W/rack/pcs/sim_1/SetPoint -m '{"value": {"mode": "cc", "current_a": -20}, "id": "sp1"}'
wait_result rack "$DIR/all.log" sp1
[ "$(result_field result)" = ok ] || fail "SetPoint: $RESULT"
[ "$(prop_of 1 WorkingModeParameters)" = '1 "current_a" -20' ] || fail "set-point not -20 A: $(prop_of 1 WorkingModeParameters)"
pub -t W/rack/pcs/sim_1/Start -m '{"value": 1, "id": "start1"}'
wait_result rack "$DIR/all.log" start1
[ "$(result_field result)" = ok ] || fail "Start: $RESULT"
wait_seen 10 "$DIR/all.log" 'N/rack/pcs/sim_1/RunningState {"value":12}'
wait_seen 10 "$DIR/all.log" 'N/rack/pcs/sim_1/PowerStageActive {"value":true}'
[ "$(prop_of 1 RunningState)" = 12 ] || fail "sim/1 not in constant-current operation: $(prop_of 1 RunningState)"
grep -q 'MQTT write W/rack/pcs/sim_1/Start (sim/1): ok' "$DIR/rack.log" || fail "the write is not in the log"
info "MQTT wrote a set-point and started sim/1"

# Refused by the bridge: another mode, a module not listed, a malformed value.
pub -t W/rack/pcs/sim_1/SetPoint -m '{"value": {"mode": "cv", "voltage_v": 700}, "id": "cv"}'
wait_result rack "$DIR/all.log" cv
[ "$(result_field error)" = mode-change ] || fail "mode change: $RESULT"
pub -t W/rack/pcs/sim_2/Start -m '{"value": 1, "id": "s2"}'
wait_result rack "$DIR/all.log" s2
[ "$(result_field result)" = refused ] && [ "$(result_field error)" = module-not-listed ] || fail "unlisted module: $RESULT"
pub -t W/rack/pcs/sim_1/Start -m 'start please'
pub -t W/rack/pcs/sim_1/ClearFaults -m '{"value": 1, "id": "cf"}'
wait_result rack "$DIR/all.log" cf
[ "$(result_field error)" = invalid ] || fail "ClearFaults: $RESULT"
grep -q 'the payload must be JSON' "$DIR/all.log" || fail "a malformed payload got no result"
# Refused by the daemon's own validation, as for any D-Bus client.
pub -t W/rack/pcs/sim_1/SetPoint -m '{"value": {"mode": "cc", "current_a": -5000}, "id": "big"}'
wait_result rack "$DIR/all.log" big
[ "$(result_field error)" = org.ystpcs.pcs1.Error.OutOfRange ] || fail "out of range: $RESULT"
# Writes disabled ("ro"), and a bridge whose user the bus policy does not let change modules ("guest").
pub -t W/ro/pcs/sim_1/Stop -m '{"value": 1, "id": "ro-stop"}'
wait_result ro "$DIR/all.log" ro-stop
[ "$(result_field error)" = writes-disabled ] || fail "writes disabled: $RESULT"
pub -t W/guest/pcs/sim_1/Stop -m '{"value": 1, "id": "guest-stop"}'
wait_result guest "$DIR/all.log" guest-stop
[ "$(result_field error)" = org.freedesktop.DBus.Error.AccessDenied ] || fail "access denied: $RESULT"
grep -q 'neither root nor in the group' "$DIR/guest.log" || fail "the bridge running as nobody did not warn that writes will be refused"
# The answers above came after the refusals: nothing was started or stopped by them.
[ "$(prop_of 2 RunningState)" = 13 ] || fail "sim/2 left standby: $(prop_of 2 RunningState)"
[ "$(prop_of 1 RunningState)" = 12 ] || fail "sim/1 stopped by a refused write: $(prop_of 1 RunningState)"
info "refused: mode change, unlisted module, malformed, out of range (ystpcsd), writes disabled, access denied (bus policy)"

# The rate limit (3 at once, 6 a minute) holds set-points back, never a stop.
for i in 1 2 3 4; do pub -t W/rack/pcs/sim_1/SetPoint -m "{\"value\": {\"mode\": \"cc\", \"current_a\": -20}, \"id\": \"r$i\"}"; done
wait_result rack "$DIR/all.log" r4
[ "$(result_field error)" = rate-limited ] || fail "the fourth set-point within the burst: $RESULT"
mark
pub -t W/rack/pcs/sim_1/Stop -m '{"value": true, "id": "stop1"}'
wait_result rack "$DIR/all.log" stop1
[ "$(result_field result)" = ok ] || fail "Stop held back: $RESULT"
wait_new 10 'N/rack/pcs/sim_1/PowerStageActive {"value":false}'
info "rate limit: set-points held back, the stop went through"

# --- stale values: null on MQTT, no sample in /metrics ---------------------------------------------
mark
"$PCS_SIM" --control "$DIR/sim.sock" --command "silent 2 6" >/dev/null || fail "pcs-sim control"
wait_new 10 'N/rack/pcs/sim_2/Connected {"value":false}'
wait_new 5 'N/rack/pcs/sim_2/DcVoltage {"value":null}'
wait_for 5 metric_is 'ystpcs_module_link_up{interface="sim",address="2"} 0' || fail "link_up of sim/2 not 0"
metrics >"$DIR/stale.txt"
grep -q 'address="2"' "$DIR/stale.txt" || fail "sim/2 gone from /metrics"
grep -E '^ystpcs_module_(dc_voltage_volts|running_state|fault_code)\{interface="sim",address="2"' "$DIR/stale.txt" &&
    fail "stale values of sim/2 exposed"
grep -q '^ystpcs_module_frames_received_total{interface="sim",address="2"}' "$DIR/stale.txt" || fail "counters of sim/2 gone"
wait_new 15 'N/rack/pcs/sim_2/Connected {"value":true}'
wait_for 5 metric_is 'ystpcs_module_running_state{interface="sim",address="2",state="standby",code="13"} 1' ||
    fail "sim/2's state not back in /metrics: $(metrics | grep 'address="2"' | grep -E 'link_up|running_state')"
info "stale values: null on MQTT, left out of /metrics, back with the link"

# --- ystpcsd restarts: the bridges follow it -----------------------------------------------------
mark
stop_ystpcsd
wait_new 10 'N/rack/ystpcsd/0/Connected {"value":false}'
wait_new 5 'N/rack/pcs/sim_1/DcVoltage {"value":null}'
mark
wait_for 5 metric_is 'ystpcs_daemon_up 0' || fail "daemon_up not 0"
metrics | grep -q '^ystpcs_module_' && fail "modules in /metrics without ystpcsd"
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json"
wait_for 10 metric_is 'ystpcs_daemon_up 1' || fail "daemon_up not 1 again"
wait_for 10 metric_is 'ystpcs_module_link_up{interface="sim",address="1"} 1' || fail "sim/1 not back in /metrics"
wait_new 10 'N/rack/ystpcsd/0/Connected {"value":true}'
wait_new 10 'N/rack/pcs/sim_1/Connected {"value":true}'
info "ystpcsd restarted: seen going and coming back"

# --- the broker restarts: reconnect with backoff, everything republished ---------------------------
# It comes back refusing the bridges' user at first, so that the test's subscriber is in place
# before the bridges get in (after their next attempt: at most reconnect_max_s later).
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
wait_for 10 metric_is 'ystpcs_bridge_mqtt_connected 0' || fail "the bridge did not notice the broker going"
cp "$DIR/users.watcher-only" "$DIR/users"
start_broker
subscribe "$DIR/after.log" -t 'N/#'
wait_for 10 grep -q 'refused the connection' "$DIR/rack.log" || fail "the bridge was not refused: $(tail -3 "$DIR/rack.log")"
mosquitto_passwd -b "$DIR/users" bridge bridge-secret >/dev/null
kill -HUP "$BROKER_PID"
wait_seen 15 "$DIR/after.log" 'N/rack/bridge/0/Status {"value":"online"}'
wait_seen 10 "$DIR/after.log" 'N/rack/pcs/sim_1/Address {"value":1}'
wait_seen 10 "$DIR/after.log" 'N/rack/pcs/sim_2/Interface {"value":"sim"}'
metric_is 'ystpcs_bridge_mqtt_connected 1' || fail "mqtt_connected not 1 after the reconnection"
grep -E 'retrying in|reconnecting in' "$DIR/rack.log" | tail -3 | sed 's/^/#   /' >&2
info "broker restarted: the bridge reconnected and republished"

# --- the end of a bridge: clean ("offline" published) or not (the last will) ----------------------
kill -TERM "$RACK_PID"
wait_seen 10 "$DIR/after.log" 'N/rack/bridge/0/Status {"value":"offline"}'
status=0
wait "$RACK_PID" || status=$?
[ "$status" = 0 ] || fail "the bridge exited $status on SIGTERM"
wait_seen 15 "$DIR/after.log" 'N/ro/bridge/0/Status {"value":"online"}'
kill -KILL "$RO_PID"
wait_seen 20 "$DIR/after.log" 'N/ro/bridge/0/Status {"value":"offline"}'
info "clean stop published offline; a killed bridge's last will did"
grep -E '^[0-9-]+ [0-9:.]+ (error|critical)' "$DIR/rack.log" | grep -v 'refused the connection' && fail "errors in the bridge's log"
exit 0
