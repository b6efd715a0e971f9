#!/bin/sh
# The heartbeat's external-device data end to end, on ystpcsd --simulate 6 with a private bus
# that has the system bus's rules: modules 1-3 play ARM software 2.1.38 (refuses zero
# heartbeats), 4-6 the default 2.1.39, and each generation gets each choice — zero (1, 4),
# mirror (2, 5), client values from a BMS bridge calling SetExternalData (3, 6). Judged from
# the frames on the bus (OpenFrameStream), the modules' faults (0x800D only where zeros meet
# the older firmware), the warning in the log, in pcsctl status and on D-Bus. Then, at run
# time: module 1 switched to mirror (its fault cleared, none after), the bridge stopped (its
# values go stale: zeros, reported; module 3 faults). Runs on the host (no CAN needed).
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon busctl setpriv
[ "$(id -u)" = 0 ] || skip "needs root (to run a client as nobody)"
[ -x "$PY" ] && "$PY" -c "import dbus" 2>/dev/null || skip "python3-dbus not installed"
CHECK=$YSTPCS_SOURCE_ROOT/tests/system/external_data.py

DIR=$(mktemp -d /tmp/ystpcs-extdata-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
start_bus "$DIR" system
cat >"$DIR/ystpcsd.json" <<EOF
{
  "simulate": 6,
  "simulation": {"seed": 5, "control_socket": "$DIR/sim.sock",
                 "arm_version_by_address": {"1": "2.1.38", "2": "2.1.38", "3": "2.1.38"}},
  "external_data": {"source": "zero", "max_age_s": 2},
  "modules": [
    {"interface": "sim", "address": 2, "external_data": {"source": "mirror"}},
    {"interface": "sim", "address": 3, "external_data": {"source": "client"}},
    {"interface": "sim", "address": 5, "external_data": {"source": "mirror"}},
    {"interface": "sim", "address": 6, "external_data": {"source": "client"}}
  ],
  "state_directory": "$DIR/state",
  "control_group": "users"
}
EOF
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json"
start_frame_stream "$DIR/frames.log"
bg_start "$PY" "$CHECK" bridge "$BUS" 3 6 >"$DIR/bridge.log"
BRIDGE=$BG_PID
wait_for 5 grep -q sent "$DIR/bridge.log" || fail "the BMS bridge could not set values: $(cat "$DIR/bridge.log")"
info "ystpcsd up (pid $YSTPCSD_PID), frame stream and BMS bridge running"

fault_of() { "$PCSCTL" --bus-address "$BUS" -m "$1" status --json | sed -n 's/.*"FaultCode":\([0-9]*\).*/\1/p'; }
is_fault() { [ "$(fault_of "$1")" = "$2" ]; }
# spans ID US [DATA]: the heartbeats ID (in $STREAM, default the whole stream) span US µs.
spans() {
    read -r _n _span _ _ _ <<EOF
$(periods "${STREAM:-$DIR/frames.log}" "$1" "${3:-}")
EOF
    [ "$_span" -ge "$2" ]
}

# spans_after TS ID US: the heartbeats ID stamped after TS span US µs.
spans_after() {
    awk -v t="$1" '{ if (substr($1, 2, length($1) - 2) + 0 > t + 0) print }' "$DIR/frames.log" >"$DIR/after.log"
    STREAM=$DIR/after.log spans "$2" "$3"
}

# --- both generations, each choice ---------------------------------------------------------
# The positive marker: module 1 (older firmware, zeros) faults 5 s after the last frame it
# accepted. Then every module's heartbeats in the stream span more than that, by their own
# timestamps, before anything is said about the absence of faults.
wait_for 10 is_fault 1 32781 || fail "module 1 (2.1.38, zeros) did not fault 0x800D: $(tail -5 "$DIR/daemon.log")"
for a in 1 2 3 4 5 6; do
    wait_for 3 spans "181A0${a}B4" 5500000 || fail "the stream does not hold 5.5 s of heartbeats to module $a"
done
"$PCSCTL" decode "$DIR/frames.log" >"$DIR/frames.jsonl"
"$PY" "$CHECK" check "$BUS" "$DIR/frames.jsonl" rack || fail "D-Bus and the bus: both generations, each choice"
read -r n _ _ _ _ <<EOF
$(periods "$DIR/frames.log" 181A01B4 00002710)
EOF
info "module 1: $n zero heartbeats in the stream, fault 0x800D; modules 2-6: no fault"

# The PCS's side: what it refused and what it heard last.
"$PCS_SIM" --control "$DIR/sim.sock" --command "state 1" >"$DIR/state1.json" || fail "sim state 1"
[ "$(json_get "$(cat "$DIR/state1.json")" "j['module']['heartbeats_refused'] > 20 and not j['module']['accepts_zero_heartbeat']")" = True ] ||
    fail "module 1 did not refuse the zero heartbeats: $(cat "$DIR/state1.json")"
"$PCS_SIM" --control "$DIR/sim.sock" --command "state 6" >"$DIR/state6.json" || fail "sim state 6"
[ "$(json_get "$(cat "$DIR/state6.json")" "j['module']['heartbeat_dc']")" = "{'voltage_v': 652.0, 'current_a': -10.0}" ] ||
    fail "module 6 did not hear the bridge's values: $(cat "$DIR/state6.json")"

# The warning: in the log once, in pcsctl status, on D-Bus (checked above); not for newer firmware.
[ "$(grep -c 'sim/1: ARM firmware 2.1.38 is not newer than 2.1.38' "$DIR/daemon.log")" = 1 ] ||
    fail "the firmware warning is not in the log once: $(grep 'ARM firmware' "$DIR/daemon.log")"
grep -q 'sim/[2-6]: ARM firmware' "$DIR/daemon.log" && fail "a firmware warning for another module: $(grep 'ARM firmware' "$DIR/daemon.log")"
expect_exit 0 pcsctl -m 1 status
assert_contains "$OUT" "WARNING     ARM firmware 2.1.38 is not newer than 2.1.38"
assert_contains "$OUT" "Ext. data   0.0 V  0.0 A (zero; source zero, fallback zero, max age 2.0 s)"
assert_contains "$OUT" "external_data.source"
expect_exit 0 pcsctl -m 1 --json status
[ "$(json_get "$OUT" "[w.startswith('ARM firmware 2.1.38 is not newer than 2.1.38') for w in j['warnings']]")" = "[True]" ] || fail "status --json warnings: $OUT"
expect_exit 0 pcsctl -m 4 status
printf '%s\n' "$OUT" | grep -q WARNING && fail "a warning for module 4 (2.1.39): $OUT"
expect_exit 0 pcsctl -m 3 external-data
assert_contains "$OUT" "heartbeat carries 652.0 V  -10.0 A (client)"
expect_exit 0 pcsctl -m 3 --json external-data
[ "$(json_get "$OUT" "j['sent']['voltage_v'], j['sent']['current_a'], j['sent']['origin'], j['warnings']")" = "652.0 -10.0 client []" ] ||
    fail "external-data --json: $OUT"
expect_exit 0 as_nobody "$PCSCTL" --bus-address "$BUS" -m 1 --json external-data
[ "$(json_get "$OUT" "j['source'] + ' ' + str(len(j['warnings']))")" = "zero 1" ] || fail "external-data --json: $OUT"

# --- refusals: nothing changes --------------------------------------------------------------
expect_exit 2 pcsctl -m 3 external-data set 1200V 0A
assert_contains "$OUT" "heartbeat.dc_voltage_v = 1200 V is outside the allowed range 0.0 … 1000.0 V"
expect_exit 7 pcsctl -m 1 external-data set 650V 0A       # source zero: the values would never be sent
assert_contains "$OUT" "only with source \"client\""
expect_exit 2 pcsctl -m 1 external-data source bms
expect_exit 2 pcsctl -m 1 external-data source client --fallback client
expect_exit 2 pcsctl -m 1 external-data source client --max-age 0.1s
assert_contains "$OUT" "max_age_s = 0.1 s is outside the allowed range 0.5 s … 60 s"
expect_exit 4 as_nobody "$PCSCTL" --bus-address "$BUS" -m 6 external-data set 650V 0A
expect_exit 4 as_nobody "$PCSCTL" --bus-address "$BUS" -m 1 external-data source mirror
expect_exit 0 pcsctl -m 1 --json status
[ "$(json_get "$OUT" "j['properties']['ExternalDataSource']")" = zero ] || fail "a refused call changed the source"

# --- at run time: module 1 to mirror, the bridge stops -------------------------------------
expect_exit 0 pcsctl -m 1 external-data source mirror
# After the reply, not before the call: the daemon switched before answering, and heartbeats
# sent while a loaded host was still starting pcsctl rightly carry zeros.
t_switch=$(wall_ts)
expect_exit 0 pcsctl -m 1 reset-faults
kill "$BRIDGE"
wait "$BRIDGE" 2>/dev/null
t_stale=$(awk -v t="$(wall_ts)" 'BEGIN { printf "%.6f", t + 2.3 }')  # max_age_s 2, plus a round
# Positive markers: module 3 faults (its values stale: zeros, refused); module 1's heartbeats
# since the switch span more than 5.5 s.
wait_for 12 is_fault 3 32781 || fail "module 3 did not fault after its values went stale: $(tail -5 "$DIR/daemon.log")"
wait_for 3 spans_after "$t_switch" 181A01B4 5500000 || fail "the stream does not hold 5.5 s of heartbeats to module 1 since the switch"
"$PCSCTL" decode "$DIR/frames.log" >"$DIR/frames.jsonl"
"$PY" "$CHECK" check "$BUS" "$DIR/frames.jsonl" after "$t_switch" "$t_stale" || fail "after the switch and the stale values"
grep -q "sim/3: external-device data: the client's values are older than max_age_s (2 s): sending zeros" "$DIR/daemon.log" ||
    fail "the stale values are not reported in the log"
expect_exit 0 pcsctl -m 3 status
assert_contains "$OUT" "WARNING     the client's values are older than max_age_s (2 s)"
assert_contains "$OUT" "WARNING     ARM firmware 2.1.38"

stop_ystpcsd
[ "$YSTPCSD_STATUS" = 0 ] || fail "ystpcsd exited $YSTPCSD_STATUS: $(tail -5 "$DIR/daemon.log")"
info "external-device data: both firmware generations, each choice, warnings and run-time changes"
