#!/bin/sh
# pcsctl for daily use (issue 18), on ystpcsd --simulate 2 --control-socket with a private
# bus: PCSCTL_BUS and the message when no bus answers; get; wait (a condition, a fault
# injected through the control socket, --timeout); -m all and repeated -m; status flagging a
# report that contradicts the mode (misreport through the control socket); guards in the
# user's words (power unit, cccv signs, start in standby, --stop-first, the software
# emergency stop); phase-power, forget, broadcast-stop; and across a restart of ystpcsd:
# log (the gap marked, not an exit) and monitor --json (daemon_lost, daemon_back, a fresh
# snapshot). Runs on the host (no CAN needed).
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon busctl
[ -x "$PY" ] || skip "no /usr/bin/python3"

DIR=$(mktemp -d /tmp/ystpcs-daily-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
start_bus "$DIR" open
daemon() { start_ystpcsd "$DIR/daemon.log" --simulate 2 --control-socket "$DIR/sim.sock" --state-directory "$DIR/state"; }
daemon
info "ystpcsd up (pid $YSTPCSD_PID)"

# --- the bus from the environment; no bus at all ------------------------------------------------
expect_exit 0 env PCSCTL_BUS="$BUS" "$PCSCTL" list
assert_contains "$OUT" "sim/2"
expect_exit 3 env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR PCSCTL_BUS=session "$PCSCTL" list
assert_contains "$OUT" "no session bus"
assert_contains "$OUT" "--bus-address"
expect_exit 2 env PCSCTL_BUS=nowhere "$PCSCTL" list
export PCSCTL_BUS="$BUS"
P=$PCSCTL

standby() { [ "$("$P" get "$1" state)" = standby ]; }
wait_for 10 standby 1 && wait_for 10 standby 2 || fail "the simulated modules did not reach standby"

# --- get ----------------------------------------------------------------------------------------
expect_exit 0 "$P" get 1 dc_voltage_v state fault_code mode
printf '%s\n' "$OUT" | sed -n 1p | grep -qE '^[0-9]+\.[0-9]$' || fail "get: dc_voltage_v at 0.1 V: $OUT"
[ "$(printf '%s\n' "$OUT" | sed -n 2,4p | tr '\n' ' ')" = "standby 0x0000 standby " ] || fail "get: $OUT"
expect_exit 0 "$P" --json get 2 running_state dc_current_a
[ "$(json_get "$OUT" "type(j['values']['running_state']).__name__, j['module']")" = "int sim/2" ] || fail "get --json: $OUT"
expect_exit 0 "$P" -m 1 --json status
[ "$(json_get "$OUT" "j['values']['state'], j['values']['fault_code'], j['fault_hex'], j['properties']['RunningStateName']")" = "standby 0 0x0000 standby" ] ||
    fail "status --json: values beside the properties: $OUT"
expect_exit 0 "$P" --json list
[ "$(json_get "$OUT" "[(m['module'], m['running_state'], m['fault_code'], m['fault_hex']) for m in j]")" = \
  "[('sim/1', 13, 0, '0x0000'), ('sim/2', 13, 0, '0x0000')]" ] || fail "list --json: $OUT"
expect_exit 2 "$P" get 1 volts
assert_contains "$OUT" "unknown value 'volts'"
expect_exit 2 "$P" --json get 1 volts
[ "$(json_get "$(printf '%s' "$OUT" | tail -1)" "j['exit_status']")" = 2 ] || fail "--json error: $OUT"

# --- guards in the user's words -----------------------------------------------------------------
expect_exit 2 "$P" -m 1 set cp 10
assert_contains "$OUT" "needs a unit: 10kW"
expect_exit 2 "$P" -m 1 set cccv 700V -100A 5A
assert_contains "$OUT" "opposite sign"
expect_exit 0 "$P" -m 1 start
assert_contains "$OUT" "standby mode: the start is accepted but no power flows"
expect_exit 0 "$P" -m 1 stop

# --- -m all, repeated -m ------------------------------------------------------------------------
expect_exit 2 "$P" set cc 10A
assert_contains "$OUT" "-m all"
expect_exit 0 "$P" -m all set cc 100A --start
assert_contains "$OUT" "sim/1: mode cc"
assert_contains "$OUT" "sim/2: mode cc"
expect_exit 7 "$P" -m 1 set cv 600V
assert_contains "$OUT" "use --stop-first"

# --- what the module reports against what was commanded (a misbehaving peer) ---------------------
cc_reported() { [ "$("$P" get "$1" state)" = "constant-current operation" ]; }
wait_for 10 cc_reported 1 || fail "module 1 does not run cc"
expect_exit 0 "$P" -m 1 status
assert_contains "$OUT" "State       12 constant-current operation"
case $OUT in *contradicts*) fail "status warns although the report matches cc: $OUT" ;; esac
expect_exit 0 "$P" -m 1 --json status
[ "$(json_get "$OUT" "j['values']['state'], j['warnings']")" = "constant-current operation []" ] || fail "status --json, matching: $OUT"
"$PCS_SIM" --control "$DIR/sim.sock" --command "misreport 1 11" >/dev/null || fail "misreport"
cv_reported() { [ "$("$P" get 1 state)" = "constant-voltage operation" ]; }
wait_for 10 cv_reported || fail "the injected constant-voltage report did not arrive"
expect_exit 0 "$P" -m 1 status
assert_contains "$OUT" "WARNING     the module reports constant-voltage operation at "
assert_contains "$OUT" " while the mode is cc"
assert_contains "$OUT" "its regulation contradicts the mode"
expect_exit 0 "$P" -m 1 --json status
[ "$(json_get "$OUT" "j['values']['mode'], [w for w in j['warnings'] if 'contradicts' in w and 'constant-voltage operation' in w] != []")" = "cc True" ] ||
    fail "status --json does not flag the contradiction: $OUT"
"$PCS_SIM" --control "$DIR/sim.sock" --command "misreport 1 off" >/dev/null || fail "misreport off"
wait_for 10 cc_reported 1 || fail "module 1 does not report cc again"
expect_exit 0 "$P" -m 1 status
assert_contains "$OUT" "State       12 constant-current operation"
case $OUT in *contradicts*) fail "status still warns after the report matches again: $OUT" ;; esac

# --- wait: a condition, a timeout ---------------------------------------------------------------
discharging() { [ "$("$P" get "$1" power_stage_active)" = 1 ] && [ "$("$P" get "$1" state)" = "constant-current operation" ]; }
wait_for 10 discharging 2 || fail "module 2 does not discharge"
v=$("$P" get 2 dc_voltage_v)
target=$("$PY" -c "print(round($v - 0.2, 1))")
expect_exit 0 "$P" -m 2 wait "dc_voltage_v<${target}V" --timeout 60
assert_contains "$OUT" "sim/2: dc_voltage_v<${target}V (dc_voltage_v="
expect_exit 9 "$P" -m 2 wait "dc_voltage_v>900" --timeout 0.5
assert_contains "$OUT" "0.5 s passed without the condition"
expect_exit 2 "$P" -m 2 wait "dc_voltage_v~3"

# --- wait: a fault injected through --control-socket ends a wait for something else -------------
"$P" -m 2 wait "dc_voltage_v>900" >"$DIR/wait.out" 2>&1 &
WAITER=$!
"$P" -m 2 --json wait fault >"$DIR/fault.json" 2>&1 &
FAULTWAIT=$!
"$P" -m 2 --json wait "dc_voltage_v>900" >"$DIR/wait.json" 2>&1 &
JSONWAITER=$!
"$PCS_SIM" --control "$DIR/sim.sock" --command "fault 2 0x800E" >/dev/null || fail "fault injection"
rc=0; wait "$WAITER" || rc=$?
[ "$rc" = 10 ] || fail "wait ended $rc, not 10 (faulted): $(cat "$DIR/wait.out")"
assert_contains "$(cat "$DIR/wait.out")" "fault 0x800E CAN2 communication fault"
rc=0; wait "$JSONWAITER" || rc=$?
[ "$rc" = 10 ] || fail "wait --json ended $rc, not 10 (faulted): $(cat "$DIR/wait.json")"
[ "$(json_get "$(cat "$DIR/wait.json")" "j['fault_code'], j['fault_hex'], j['fault_text']")" = "32782 0x800E CAN2 communication fault" ] ||
    fail "wait --json, faulted: $(cat "$DIR/wait.json")"
rc=0; wait "$FAULTWAIT" || rc=$?
[ "$rc" = 0 ] || fail "wait fault ended $rc: $(cat "$DIR/fault.json")"
[ "$(json_get "$(cat "$DIR/fault.json")" "j['result'], j['value']")" = "met 32782" ] || fail "wait fault: $(cat "$DIR/fault.json")"
# Why it stopped: the fault, in the API and in pcsctl's words.
expect_exit 0 "$P" get 2 stop_reason stop_reason_text
[ "$OUT" = "fault
fault 0x800E: CAN2 communication fault" ] || fail "stop reason of the fault: $OUT"

# --- emergency stop of all, cleared with -m all ---------------------------------------------------
expect_exit 0 "$P" estop
assert_contains "$OUT" "pcsctl -m all reset-faults"
estopped() { [ "$("$P" get "$1" fault_code)" = 0x8012 ]; }
wait_for 10 estopped 1 || fail "module 1 shows no 0x8012 after estop"
expect_exit 0 "$P" -m 1 status
assert_contains "$OUT" "0x8012 emergency stop by software"
assert_contains "$OUT" "Stopped     emergency stop (heartbeat state 3) (emergency_stop)"
expect_exit 0 "$P" -m all reset-faults
clear() { [ "$("$P" get "$1" fault_code)" = 0x0000 ]; }
wait_for 10 clear 1 && wait_for 10 clear 2 || fail "faults not cleared on every module"
# An operator's stop names the caller; a start forgets the reason.
expect_exit 0 "$P" -m 1 start
running() { [ "$("$P" get "$1" power_stage_active)" = 1 ]; }
wait_for 10 running 1 || fail "module 1 did not start again"
[ -z "$("$P" get 1 stop_reason)" ] || fail "a stop reason while running: $("$P" get 1 stop_reason)"
expect_exit 0 "$P" -m 1 stop
stopped_by_operator() { [ "$("$P" get 1 stop_reason)" = operator_stop ]; }
wait_for 10 stopped_by_operator || fail "stop reason after pcsctl stop: $("$P" get 1 stop_reason stop_reason_text)"
[ "$("$P" get 1 stop_reason_text)" = "stop by uid $(id -u)" ] || fail "who stopped: $("$P" get 1 stop_reason_text)"

# --- phase-power, broadcast-stop, forget ----------------------------------------------------------
expect_exit 2 "$P" -m 1 phase-power active 10 10 10
assert_contains "$OUT" "needs a unit"
expect_exit 0 "$P" -m 1 phase-power active 1kW 1kW 500W
assert_contains "$OUT" "1.0 / 1.0 / 0.5 kW"
expect_exit 0 "$P" -m 2 set cc 20A --start
wait_for 10 running 2 || fail "module 2 did not start"
expect_exit 0 "$P" broadcast-stop sim
by_broadcast() { [ "$("$P" get 2 stop_reason_text)" = "stop by uid $(id -u) (broadcast stop on sim)" ]; }
wait_for 10 by_broadcast || fail "stop reason after broadcast-stop: $("$P" get 2 stop_reason stop_reason_text)"
expect_exit 2 "$P" forget sim/9
"$P" forget 1 >"$DIR/forget.out" 2>&1 || true  # a configured module: the daemon says what it does
info "forget 1: $(cat "$DIR/forget.out")"

# --- docs/dbus-api.md's Python examples, exactly as printed, on this simulated rack ----------------
doc_example() {
    awk -v marker="<!-- example: $1 -->" '$0 == marker { on = 1; next }
        on && $0 == "```python" { inside = 1; next } inside && $0 == "```" { exit } inside { print }' \
        "$YSTPCS_SOURCE_ROOT/docs/dbus-api.md"
}
doc_example values >"$DIR/values.py"
[ -s "$DIR/values.py" ] || fail "no values example in docs/dbus-api.md"
expect_exit 0 "$PY" "$DIR/values.py"
printf '%s\n' "$OUT" | sed -n 1p | grep -qE '^[0-9]+\.[0-9]+ V$' || fail "values example, DcVoltage: $OUT"
printf '%s\n' "$OUT" | sed -n 2p | grep -qE '^[a-z -]+ [0-9]+$' || fail "values example, GetValues' text and integer: $OUT"
assert_contains "$OUT" "org.ystpcs.pcs1.Error.Interlock"
doc_example signals >"$DIR/signals.py"
expect_exit 0 "$PY" "$DIR/signals.py"
assert_contains "$OUT" "state 12 constant-current operation"
assert_contains "$OUT" "stopped: stop by uid $(id -u)"
info "docs/dbus-api.md examples: $(printf '%s' "$OUT" | tr '\n' ';')"

# --- a start whose confirmation is lost: sent, and it may have taken effect ------------------------
"$PCS_SIM" --control "$DIR/sim.sock" --command "drop-replies 2 10" >/dev/null || fail "drop-replies"
expect_exit 6 "$P" -m 2 start
assert_contains "$OUT" "the command was sent and may have taken effect: check with pcsctl -m sim/2 get state"
"$PCS_SIM" --control "$DIR/sim.sock" --command "drop-replies 2 0" >/dev/null || fail "drop-replies 0"
expect_exit 0 "$P" -m 2 stop

# --- log and monitor --json across a restart of ystpcsd ---------------------------------------------
"$P" -m 1 -m 2 log -i 0.2 -o "$DIR/log-%m.csv" 2>"$DIR/log.err" &
LOGGER=$!
"$P" -m all --json monitor >"$DIR/monitor.json" 2>&1 &
MONITOR=$!
rows() { [ "$(grep -c "$2" "$DIR/log-sim-$1.csv")" -ge "$3" ]; }
wait_for 10 rows 1 ',standby,\|,stop,' 3 || fail "no log rows: $(cat "$DIR/log-sim-1.csv" "$DIR/log.err")"
stop_ystpcsd
wait_for 5 rows 1 daemon_lost 1 || fail "the gap is not marked: $(tail -3 "$DIR/log-sim-1.csv")"
wait_for 5 grep -q daemon_lost "$DIR/monitor.json" || fail "monitor --json: no daemon_lost"
wait_for 5 rows 1 ',sim/1,,' 2 || fail "no empty rows during the gap"
kill -0 "$LOGGER" || fail "pcsctl log exited when ystpcsd stopped: $(cat "$DIR/log.err")"
daemon
wait_for 10 rows 1 daemon_back 1 || fail "the log did not come back: $(tail -3 "$DIR/log-sim-1.csv") $(cat "$DIR/log.err")"
wait_for 10 rows 2 'daemon_back' 1 || fail "module 2's log did not come back"
back_rows() { [ "$(sed -n '/daemon_back/,$p' "$DIR/log-sim-1.csv" | grep -c ',sim/1,[a-z]')" -ge 3 ]; }
wait_for 10 back_rows || fail "no values after the restart: $(tail -3 "$DIR/log-sim-1.csv")"
snap_after_back() { sed -n '/daemon_back/,$p' "$DIR/monitor.json" | grep -q '"event":"snapshot"'; }
wait_for 10 snap_after_back || fail "monitor --json: no snapshot after daemon_back: $(tail -3 "$DIR/monitor.json")"
kill -INT "$LOGGER" "$MONITOR"
wait "$LOGGER" || fail "log exited $?"
wait "$MONITOR" || true
"$PY" - "$DIR/log-sim-1.csv" <<'PYEOF' || fail "log file: $(head -3 "$DIR/log-sim-1.csv")"
import csv, datetime, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0].keys()) == ["time", "elapsed_s", "module", "state", "stop_reason", "mode", "fault_code", "dc_voltage_v", "dc_current_a",
                                "dc_power_kw", "capacity_ah", "energy_wh", "inlet_temperature_c", "outlet_temperature_c", "event"], rows[0].keys()
stamps = [datetime.datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ") for r in rows]
assert all(r["time"][-5] == "." for r in rows), "milliseconds"
assert len(set(stamps)) == len(stamps), "duplicate time stamps"
elapsed = [float(r["elapsed_s"]) for r in rows]
assert all(b > a for a, b in zip(elapsed, elapsed[1:])), "elapsed_s not increasing"
lost = next(i for i, r in enumerate(rows) if r["event"] == "daemon_lost")
back = next(i for i, r in enumerate(rows) if r["event"] == "daemon_back")
assert back > lost + 1, (lost, back)
assert all(r["dc_voltage_v"] == "" and r["state"] == "" and r["stop_reason"] == "" for r in rows[lost:back]), "values in the gap"
for r in rows:
    if r["dc_voltage_v"]:
        assert len(r["dc_voltage_v"].split(".")[1]) == 1, r  # 0.1 V resolution, no float noise
print("log: %d rows, gap of %d rows from %s" % (len(rows), back - lost, rows[lost]["time"]), file=sys.stderr)
PYEOF
events=$(grep -o '"event":"[a-z_]*"' "$DIR/monitor.json" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
info "monitor --json events: $events"
stop_ystpcsd
info "pcsctl daily use passed"
