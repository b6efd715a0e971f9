#!/bin/sh
# ystpcsd --simulate 2 on a private bus with the system bus's rules and ystpcs's policy:
# every pcsctl command, every D-Bus method and typed error (dbus_methods.py), a python3-dbus
# client, access denied for an unprivileged caller (bus policy and daemon check) with nothing
# on the bus, and the PropertiesChanged rate. Runs on the host (no CAN needed).
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon busctl setpriv
[ "$(id -u)" = 0 ] || skip "needs root (to run clients as nobody)"
[ -x "$PY" ] && "$PY" -c "import dbus" 2>/dev/null || skip "python3-dbus not installed"

DIR=$(mktemp -d /tmp/ystpcs-dbus-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
start_bus "$DIR" system
cat >"$DIR/ystpcsd.json" <<EOF
{
  "simulate": 2,
  "simulation": {"seed": 7, "control_socket": "$DIR/sim.sock"},
  "state_directory": "$DIR/state",
  "control_group": "users"
}
EOF
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json"
info "ystpcsd up (pid $YSTPCSD_PID)"
wait_for 5 sh -c "'$PCSCTL' --bus-address '$BUS' -m 1 status --json | grep -q '\"RunningState\":13'" ||
    fail "module 1 not in standby: $(tail -5 "$DIR/daemon.log")"

# --- reading, as root and as nobody -----------------------------------------------------------
expect_exit 0 pcsctl list
assert_contains "$OUT" "sim/1"
assert_contains "$OUT" "sim/2"
expect_exit 0 pcsctl status
assert_contains "$OUT" "sim/2  connected"
assert_contains "$OUT" "Limits      output 487.5 V … 747.5 V"
expect_exit 0 pcsctl -m sim/1 status --json
[ "$(json_get "$OUT" "j['properties']['MaxChargeCurrent']")" = 176.0 ] || fail "status --json: $OUT"
expect_exit 0 as_nobody "$PCSCTL" --bus-address "$BUS" -m 1 status
assert_contains "$OUT" "State       13 standby"
expect_exit 0 pcsctl faults
assert_contains "$OUT" "wave-by-wave current limiting"
expect_exit 0 pcsctl faults 0x800D
assert_contains "$OUT" "CAN1 communication fault"
expect_exit 0 pcsctl --json faults 17
[ "$(json_get "$OUT" "j['meaning']")" = "power above the boundary" ] || fail "faults --json: $OUT"
expect_exit 0 pcsctl list-interfaces
expect_exit 0 pcsctl version
assert_contains "$OUT" "software 2.1.39"
expect_exit 0 pcsctl --json version
[ "$(json_get "$OUT" "[m['module'] + ' ' + m['arm_software'] for m in j['modules']], bool(j['pcsctl']), j['ystpcsd'] == j['pcsctl']")" = \
  "['sim/1 2.1.39', 'sim/2 2.1.39'] True True" ] || fail "version --json: $OUT"
expect_exit 2 pcsctl bogus
expect_exit 2 pcsctl set cc 10A                 # two modules: which one?
assert_contains "$OUT" "choose one with -m"
expect_exit 2 pcsctl -m 9 status
expect_exit 0 pcsctl --help
assert_contains "$OUT" "Exit status"
for c in status list monitor start stop reset-faults estop set self-start limits setting version clock record log \
         list-interfaces decode export faults; do
    expect_exit 0 pcsctl "$c" --help
    assert_contains "$OUT" "usage: pcsctl"
done

# --- access denied: nothing reaches the bus -------------------------------------------------------
# The daemon's frame stream written out line by line as it comes (pcsctl record writes its file
# at the end), so that the test can wait for a frame in it.
start_frame_stream "$DIR/denied.log"
REC=$BG_PID
wait_for 5 grep -q ' 181A01B4#' "$DIR/denied.log" || fail "no heartbeat in the frame stream"
expect_exit 4 as_nobody "$PCSCTL" --bus-address "$BUS" -m 1 start
assert_contains "$OUT" "access denied"
expect_exit 4 as_nobody "$PCSCTL" --bus-address "$BUS" -m 1 set cc -10A
expect_exit 4 as_nobody "$PCSCTL" --bus-address "$BUS" estop
expect_exit 1 as_nobody busctl --address="$BUS" call org.ystpcs.pcs1 /org/ystpcs/pcs1/sim/1 org.ystpcs.pcs1.Module Stop
assert_contains "$OUT" "Access denied"
expect_exit 1 as_nobody busctl --address="$BUS" call org.ystpcs.pcs1 /org/ystpcs/pcs1/sim/1 org.ystpcs.pcs1.Module ClearFaults
assert_contains "$OUT" "Access denied"
# ystpcsd writes a command's frames before it answers the call: its next heartbeat, stamped
# after the last answer, comes after any of them in the stream.
t=$(wall_ts)
wait_frame_after 3 "$DIR/denied.log" 181A01B4 "$t" || fail "no heartbeat in the frame stream after the denied calls"
kill -0 "$REC" 2>/dev/null || fail "the frame stream ended during the denied calls"
kill "$REC"
wait "$REC" 2>/dev/null
grep -qE ' 18(0[9BCDF]|21|22|1[BF]|2[68ACE]|3[02])0[12]B4#' "$DIR/denied.log" &&
    fail "a command reached the bus while access was denied: $(grep -E ' 180F0[12]B4#' "$DIR/denied.log" | head -2)"
# Heartbeats all through the denied calls, every 200 ms by their own timestamps.
read -r n span mean min max <<EOF
$(periods "$DIR/denied.log" 181A01B4)
EOF
info "frame stream around the denied calls: $n heartbeats over $span µs, longest period $max µs"
[ "$n" -ge 2 ] && [ "$max" -lt 300000 ] || fail "the stream holds $n heartbeats, longest period $max µs"

# --- driving the modules --------------------------------------------------------------------
expect_exit 0 pcsctl -m 1 set cccv 700V -100A -5A
expect_exit 0 pcsctl -m 1 enable
wait_for 5 sh -c "'$PCSCTL' --bus-address '$BUS' -m 1 status | grep -q 'State       12'" || fail "module 1 not running"
expect_exit 7 pcsctl -m 1 set cc -30A
assert_contains "$OUT" "use --stop-first"
expect_exit 0 pcsctl -m 1 set cc -30A --stop-first --start
wait_for 5 sh -c "'$PCSCTL' --bus-address '$BUS' -m 1 status --json | grep -q '\"DcCurrent\":-30'" ||
    fail "not running at -30 A: $("$PCSCTL" --bus-address "$BUS" -m 1 status | head -6)"
expect_exit 0 pcsctl -m 1 set cc -40000mA          # a new set-point for the running mode: no stop
expect_exit 2 pcsctl -m 1 set cc -500A
assert_contains "$OUT" "protection limits"
expect_exit 2 pcsctl -m 1 set cc 10V
assert_contains "$OUT" "not A"
expect_exit 2 pcsctl -m 1 set cccv 700V -10A
expect_exit 0 pcsctl -m 2 set cp -10kW
expect_exit 0 pcsctl -m 2 set cr 50ohm
expect_exit 0 pcsctl -m 2 set cv 660V
expect_exit 0 pcsctl -m 2 set mode pulse_current 20A -20A 2s 50%
# The mode parameters in engineering values with units, as the mode read back says.
expect_exit 0 pcsctl -m 2 setting get working_mode
assert_contains "$OUT" "mode_reading.mode                    40 (DC pulse current)"
assert_contains "$OUT" "mode_params_12_reading.current_2_a   -20.000 A"
assert_contains "$OUT" "mode_params_34_reading.cycle_time_s  2.00 s"
assert_contains "$OUT" "mode_params_34_reading.duty_pct      50.00 %"
expect_exit 0 pcsctl -m 2 --json setting get working_mode
[ "$(json_get "$OUT" "j['setting'], j['values']['mode_reading.mode'], j['values']['mode_reading.mode_name'], j['values']['mode_params_12_reading.current_2_a'], j['values']['mode_params_34_reading.duty_pct']")" = \
  "working_mode 40 DC pulse current -20.0 50.0" ] || fail "setting get --json: $OUT"
expect_exit 0 pcsctl -m 2 set mode standby
expect_exit 0 pcsctl -m 1 self-start on
expect_exit 0 pcsctl -m 1 --json status
[ "$(json_get "$OUT" "j['properties']['SelfStart']")" = True ] || fail "self-start on"
expect_exit 0 pcsctl -m 1 self-start off
expect_exit 0 pcsctl -m 2 limits
assert_contains "$OUT" "max_charge_current_a           176.0 A"
expect_exit 0 pcsctl -m 2 limits --set max_charge_current_a=150A --set ac_voltage_lower_v=180
assert_contains "$OUT" "max_charge_current_a           150.0 A"
assert_contains "$OUT" "ac_voltage_lower_v             180.0 V"
expect_exit 0 pcsctl -m 2 --json limits
[ "$(json_get "$OUT" "j['module'], list(j['limits'])[0], j['limits']['max_charge_current_a'], j['limits']['ac_voltage_lower_v'], all(len(repr(v).partition('.')[2]) <= 2 for v in j['limits'].values())")" = \
  "sim/2 max_output_voltage_v 150.0 180.0 True" ] || fail "limits --json: $OUT"
expect_exit 2 pcsctl -m 2 limits --set max_charge_current_a=2000
expect_exit 0 pcsctl -m 2 setting set bus_voltage bus_voltage_v=720V,reactive_power_kvar=0
expect_exit 0 pcsctl -m 2 --json setting get bus_voltage
[ "$(json_get "$OUT" "j['values']['bus_voltage_v'], j['values']['reactive_power_kvar']")" = "720.0 0.0" ] || fail "setting get: $OUT"
expect_exit 0 pcsctl -m 2 setting set split_phase on
expect_exit 0 pcsctl -m 2 setting get bus_voltage
assert_contains "$OUT" "bus_voltage_v                        720.0 V"
expect_exit 2 pcsctl -m 2 setting set versions 1
expect_exit 0 pcsctl clock sync
# Not a count in a window: monitor runs until it has shown three changes (or 20 s pass).
pcsctl -m 1 monitor -d 20 --json >"$DIR/monitor.json" 2>&1 &
MON=$!
three_changes() { [ "$(grep -c '"changed"' "$DIR/monitor.json")" -ge 3 ]; }
wait_for 20 three_changes || fail "monitor --json shows no changes: $(cat "$DIR/monitor.json")"
kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null
assert_contains "$(cat "$DIR/monitor.json")" '"snapshot"'
expect_exit 0 pcsctl monitor -d 1.5
assert_contains "$OUT" "sim/2"

# --- the history ystpcsd keeps --------------------------------------------------------------------
expect_exit 0 pcsctl -m 1 history -s DcCurrent,DcVoltage --last 5
assert_contains "$OUT" "time,unix_time,DcCurrent_A,DcVoltage_V"
rows=$(printf '%s\n' "$OUT" | grep -c '^20')
[ "$rows" -ge 10 ] || fail "history --last 5: $rows rows"
# Within 0.5 A: the simulated module's measured current has noise of a step or two.
printf '%s\n' "$OUT" | tail -1 | awk -F, '{ exit !($3 >= -40.5 && $3 <= -39.5) }' || fail "history: the last row is not the -40 A run: $(printf '%s\n' "$OUT" | tail -1)"
expect_exit 0 pcsctl -m 1 --json history --last 2
[ "$(json_get "$OUT" "len(j['times_us']) == len(j['columns']['DcCurrent']) > 3 and j['units']['DcCurrent'] == 'A'")" = True ] ||
    fail "history --json: $OUT"
expect_exit 0 as_nobody "$PCSCTL" --bus-address "$BUS" -m 1 history -s InletTemperature --last 1
assert_contains "$OUT" "InletTemperature_C"
expect_exit 2 pcsctl -m 1 history -s Volts
assert_contains "$OUT" "kept: DcVoltage"
expect_exit 2 pcsctl -m 1 history --last 1 --from 1

# --- recording and logging ---------------------------------------------------------------------
expect_exit 0 pcsctl -m 1 record -d 2 -o "$DIR/rec.log"
check_recording "$DIR/rec.log" 01
expect_exit 0 pcsctl decode "$DIR/rec.log"
assert_contains "$OUT" '"frame":"dc_output"'
printf '%s\n' "$OUT" | grep -q '"error"' && fail "recorded frames that do not decode: $(printf '%s\n' "$OUT" | grep error | head -2)"
grep -qvE '^\([0-9]{10}\.[0-9]{6}\) sim [0-9A-F]{8}#[0-9A-F]{16}$' "$DIR/rec.log" && fail "not candump -L: $(head -2 "$DIR/rec.log")"
expect_exit 0 pcsctl -m 1 record -d 1 -o "$DIR/rec.csv" --format csv
head -1 "$DIR/rec.csv" | grep -q '^t,iface,id,dir,src,dst,frame,field,value$' || fail "csv header"
grep -q ',dc_output,voltage_v,' "$DIR/rec.csv" || fail "csv rows"
expect_exit 0 pcsctl record -d 1 -o "$DIR/rec.jsonl" --format jsonl
grep -q '"src":2' "$DIR/rec.jsonl" || fail "jsonl of all modules"
expect_exit 0 pcsctl -m 1 log -i 0.5 -d 2.2 -o "$DIR/log.csv"
head -1 "$DIR/log.csv" | grep -q '^time,elapsed_s,module,state,stop_reason,mode,fault_code,dc_voltage_v,.*,event$' ||
    fail "log header: $(head -1 "$DIR/log.csv")"
# Rows every 0.5 s by their own elapsed_s (not a count in pcsctl's 2.2 s): at least 1 s of them
# (3 rows), none closer than 0.25 s or further apart than 0.75 s.
awk -F, 'NR > 1 { if (n++ == 0) first = $2; else if ($2 - prev < 0.25 || $2 - prev > 0.75) bad = 1; prev = $2 }
         END { exit !(n >= 2 && prev - first >= 1.0 && !bad) }' "$DIR/log.csv" || fail "log rows: $(cat "$DIR/log.csv")"

# --- emergency stop ------------------------------------------------------------------------------
expect_exit 0 pcsctl estop
expect_exit 0 pcsctl -m 2 --json status
[ "$(json_get "$OUT" "j['properties']['HeartbeatState']")" = 3 ] || fail "estop: heartbeat state"
expect_exit 7 pcsctl -m 1 start
expect_exit 0 pcsctl -m 1 reset-faults
expect_exit 0 pcsctl -m 2 reset-faults
expect_exit 0 pcsctl -m 1 disable

# --- PropertiesChanged: at most one per 200 ms per module, only what changed ---------------------
# Judged from the signals' arrival times, not counted in a window: ten signals per module span at
# least nine periods (less 0.1 s for the client's own scheduling).
"$PY" - "$BUS" <<'PYEOF' || fail "PropertiesChanged rate"
import sys, time, dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib
DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
arrivals, sizes = {}, []
loop = GLib.MainLoop()
def changed(iface, props, invalidated, path=None):
    arrivals.setdefault(path, []).append(time.monotonic())
    sizes.append(len(props))
    if len(arrivals) >= 2 and all(len(t) >= 10 for t in arrivals.values()):
        loop.quit()
bus.add_signal_receiver(changed, "PropertiesChanged", "org.freedesktop.DBus.Properties", "org.ystpcs.pcs1", path_keyword="path")
GLib.timeout_add(30000, loop.quit)
loop.run()
spans = {p: (len(t), round(t[-1] - t[0], 3)) for p, t in arrivals.items()}
print("PropertiesChanged (count, span s):", spans, "largest:", max(sizes) if sizes else 0, file=sys.stderr)
assert len(arrivals) >= 2 and all(len(t) >= 10 for t in arrivals.values()), "fewer than 10 PropertiesChanged per module in 30 s"
assert all(t[-1] - t[0] >= (len(t) - 1) * 0.2 - 0.1 for t in arrivals.values()), spans
assert max(sizes) < 60, "every property in one signal: not 'only what changed'"
PYEOF

# --- a python3-dbus client reads a property and calls Start ---------------------------------------
"$PY" - "$BUS" <<'PYEOF' || fail "python client"
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
pcs = bus.get_object("org.ystpcs.pcs1", "/org/ystpcs/pcs1/sim/2")
module = dbus.Interface(pcs, "org.ystpcs.pcs1.Module")
props = dbus.Interface(pcs, "org.freedesktop.DBus.Properties")
assert abs(props.Get("org.ystpcs.pcs1.Module", "DcVoltage") - 650) < 10
module.SetMode("cc", {"current_a": -15.0}, {})
module.Start()
print("python client: started, DcVoltage", props.Get("org.ystpcs.pcs1.Module", "DcVoltage"), file=sys.stderr)
PYEOF

# --- every method and typed error ---------------------------------------------------------------------
"$PY" "$YSTPCS_SOURCE_ROOT/tests/system/dbus_methods.py" "$BUS" "$DIR/sim.sock" "$YSTPCSD_PID" || fail "D-Bus methods"
stop_ystpcsd
[ "$YSTPCSD_STATUS" = 0 ] || fail "ystpcsd exited $YSTPCSD_STATUS: $(tail -5 "$DIR/daemon.log")"

# --- the daemon's own check: a bus that allows everything ------------------------------------------
stop_bg
mkdir -p "$DIR/open"
start_bus "$DIR/open" open
start_ystpcsd "$DIR/daemon2.log" --config "$DIR/ystpcsd.json"
wait_for 5 sh -c "'$PCSCTL' --bus-address '$BUS' -m 1 status --json | grep -q '\"Connected\":true'" || fail "second daemon"
expect_exit 4 as_nobody "$PCSCTL" --bus-address "$BUS" -m 1 start
assert_contains "$OUT" "needs root or membership in group 'users'"
grep -q "denied Start on sim/1 to uid 65534" "$DIR/daemon2.log" || fail "the denial is not in the log"
# A member of the control group (here: users) may.
expect_exit 0 setpriv --reuid=nobody --regid=nogroup --groups users "$PCSCTL" --bus-address "$BUS" -m 1 stop
stop_ystpcsd
info "D-Bus API test passed"
