#!/bin/sh
# ystpcsd restarted on real SocketCAN (vcan0 in a guest kernel) with two pcs-sim modules as a
# separate process, judged from candump's kernel timestamps (issue 13):
#  1. a module running, ystpcsd killed (SIGKILL) and kept down until pcs-sim faults with
#     0x800D (5 s without a controller frame), ystpcsd started again: ClearFaults sends 0x0F
#     with byte 1 = 0 (the module reports a stopped power stage; the start stored before the
#     restart is not repeated) and the module stays stopped;
#  2. an emergency stop, then a restart with the same state directory: the latch holds from
#     the first heartbeat the new ystpcsd sends (state 3), also through the orderly shutdown
#     before it; Start is refused (Interlock, nothing sent); ClearFaults ends it.
. "$GUEST_LIB"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_guest
require_cmd cansend candump dbus-daemon busctl

start_vcan_rack
status_json() { "$PCSCTL" --bus-address "$BUS" -m "vcan0/$1" --json status; }
prop() { json_get "$(status_json "$1")" "j['properties']['$2']"; }
state_is() { [ "$(prop "$1" RunningState)" = "$2" ]; }
listed() { pcsctl list 2>/dev/null | grep -q "$1"; }
# Frames of the capture stamped after TS whose id matches ID (ERE) and whose data starts with DATA.
after() {
    awk -v ts="$1" -v re="^[(][0-9.]+[)] [^ ]+ ($2)#${3:-}" '
        $0 ~ re { t = substr($1, 2, length($1) - 2); if (t + 0 > ts + 0) print }' "$DUMP"
}
has_after() { [ -n "$(after "$@")" ]; }
daemon() { start_ystpcsd "$DIR/daemon.log" --interface vcan0 --state-directory "$DIR/state" --log-level info; }
# busctl on the daemon's bus; "$OUT" holds its output.
call() { expect_exit "$1" busctl --address="$BUS" call org.ystpcs.pcs1 "/org/ystpcs/pcs1/vcan0/$2" org.ystpcs.pcs1.Module "$3"; }

daemon
wait_for 10 listed vcan0/2 || fail "modules not discovered: $(pcsctl list)"
wait_for 5 state_is 1 13 || fail "module 1 not in standby"
wait_for 5 state_is 2 13 || fail "module 2 not in standby"

# --- 1. SIGKILL while running, down until pcs-sim faults, restart, ClearFaults -------------------------
expect_exit 0 pcsctl -m vcan0/1 set cc -20A --start
wait_for 5 state_is 1 12 || fail "module 1 not in constant-current operation"
kill -KILL "$YSTPCSD_PID"
wait "$YSTPCSD_PID" 2>/dev/null
killed=$(wall_ts)
# pcs-sim faults 5 s after the last frame it heard from the controller: 0x13 with state 6 and
# 0x800D, stamped after the kill (the positive marker that the module stopped on its own).
wait_for 15 has_after "$killed" 1813B401 0600800D || fail "module 1 did not fault with 0x800D after ystpcsd was killed: $(tail -3 "$DUMP")"
f=$(after "$killed" 1813B401 0600800D | head -1)
info "module 1 faulted with 0x800D: $f"
last_hb=$(grep ' 181A01B4#' "$DUMP" | tail -1)
info "last heartbeat before the kill: $last_hb"
restarted=$(wall_ts)
daemon
wait_for 5 state_is 1 6 || fail "module 1 not reported in fault (6) after the restart: $(prop 1 RunningState)"
grep -q '"start": true' "$DIR/state/commanded.json" || fail "the state file does not hold the start before the kill: $(cat "$DIR/state/commanded.json")"
cleared=$(wall_ts)
expect_exit 0 pcsctl -m vcan0/1 reset-faults
# pcs-sim's answer (0x10) follows the 0x0F in the capture.
wait_for 3 has_after "$cleared" 1810B401 || fail "no answer to the clear in the capture"
clear=$(after "$cleared" 180F01B4)
info "ClearFaults after the restart: $clear"
[ "$(printf '%s\n' "$clear" | grep -c .)" = 1 ] || fail "one 0x0F expected for the clear, got: $clear"
case $clear in *"#0001000000000000") ;; *) fail "ClearFaults after the restart sent '$clear', expected stop, clear, self-start off (00 01 00)" ;; esac
after "$restarted" 180F01B4 | grep -v "#0001000000000000" && fail "another 0x0F to module 1 after the restart"
# Stays stopped: standby reported after the clear, and 0x13 stamped 1 s after the clear (every
# 200 ms) all say a stopped state: no soft start (0A) or operation (07, 0B, 0C, 0E).
wait_for 3 has_after "$cleared" 1813B401 0D || fail "module 1 did not report standby after the clear"
late=$(awk -v t="$cleared" 'BEGIN { printf "%.6f", t + 1.0 }')
wait_for 5 has_after "$late" 1813B401 || fail "no state report from module 1 a second after the clear"
after "$cleared" 1813B401 '(0A|07|0B|0C|0E)' | head -1 | grep . && fail "module 1 started after the clear"
state_is 1 13 || fail "module 1 not in standby after the clear: $(prop 1 RunningState)"
info "restart + ClearFaults: module 1 stays stopped"
# Module 2 (never started) faulted alike; cleared the same way.
cleared=$(wall_ts)
expect_exit 0 pcsctl -m vcan0/2 reset-faults
wait_for 3 has_after "$cleared" 1810B402 || fail "no answer to the clear of module 2"
case $(after "$cleared" 180F02B4) in *"#0001000000000000") ;; *) fail "ClearFaults of module 2: $(after "$cleared" 180F02B4)" ;; esac
wait_for 3 has_after "$cleared" 1813B402 0D000000 || fail "module 2 not in standby without a fault after the clear"

# --- 2. the emergency-stop latch across a restart ------------------------------------------------------------
t=$(wall_ts)
call 0 2 EmergencyStop
wait_for 3 has_after "$t" 181A02B4 0000271003 || fail "no heartbeat with state 3 to module 2 after EmergencyStop"
wait_for 5 has_after "$t" 1813B402 06008012 || fail "module 2 did not fault with 0x8012: $(grep " 1813B402#" "$DUMP" | tail -1)"
# The orderly shutdown: module 1 hears state 1, module 2 keeps hearing 3 to the end.
term=$(wall_ts)
stop_ystpcsd
[ "$YSTPCSD_STATUS" = 0 ] || fail "ystpcsd exited $YSTPCSD_STATUS"
down=$(wall_ts)
cansend vcan0 7FF#00   # after the exit: the capture holds everything ystpcsd sent before it
wait_for 3 grep -q ' 7FF#00$' "$DUMP" || fail "the marker frame is not in the capture"
states2=$(after "$term" 181A02B4 | sed 's/.*#00002710\(..\).*/\1/' | tr '\n' ' ')
states1=$(after "$term" 181A01B4 | sed 's/.*#00002710\(..\).*/\1/' | tr '\n' ' ')
info "shutdown: heartbeat states to module 1: $states1; to module 2: $states2"
case " $states2" in " "|*" 0"[!3]*) fail "module 2 heard '$states2' during the shutdown, expected only 03" ;; esac
case " $states1" in *" 01"*) ;; *) fail "module 1 did not hear state 1 during the shutdown: $states1" ;; esac
grep -q '"emergency_stop": true' "$DIR/state/commanded.json" || fail "the latch is not in the state file: $(cat "$DIR/state/commanded.json")"
restarted=$(wall_ts)
daemon
wait_for 3 has_after "$restarted" 181A02B4 || fail "no heartbeat to module 2 after the restart"
wait_for 3 has_after "$restarted" 181A01B4 || fail "no heartbeat to module 1 after the restart"
first2=$(after "$restarted" 181A02B4 | head -1)
first1=$(after "$restarted" 181A01B4 | head -1)
info "first heartbeats after the restart ($(awk -v a="$restarted" -v b="$down" 'BEGIN { printf "%.1f", a - b }') s down): $first2 | $first1"
case $first2 in *"#0000271003000000") ;; *) fail "the first heartbeat to module 2 after the restart: '$first2', expected state 3" ;; esac
case $first1 in *"#0000271002000000") ;; *) fail "the first heartbeat to module 1 after the restart: '$first1', expected state 2" ;; esac
wait_for 5 sh -c "'$PCSCTL' --bus-address '$BUS' -m vcan0/2 --json status | grep -q '\"Connected\":true'" || fail "module 2 not connected"
[ "$(prop 2 HeartbeatState)" = 3 ] || fail "HeartbeatState of module 2 after the restart: $(prop 2 HeartbeatState)"
t=$(wall_ts)
expect_exit 7 pcsctl -m vcan0/2 start
assert_contains "$OUT" "emergency stop"
wait_frame_after 3 "$DUMP" 181A02B4 "$(wall_ts)" || fail "no heartbeat after the refused start"
after "$restarted" 180F02B4 | grep . && fail "a 0x0F reached module 2 although Start was refused"
after "$t" 181A02B4 | grep -v '#0000271003000000' && fail "a heartbeat without state 3 before ClearFaults"
cleared=$(wall_ts)
expect_exit 0 pcsctl -m vcan0/2 reset-faults
wait_for 3 has_after "$cleared" 1810B402 || fail "no answer to the clear"
clear=$(after "$cleared" 180F02B4)
case $clear in *"#0001000000000000") ;; *) fail "ClearFaults of the latch sent '$clear', expected 00 01 00" ;; esac
wait_for 3 has_after "$cleared" 1813B402 0D000000 || fail "module 2 did not return to standby without a fault"
wait_frame_after 3 "$DUMP" 181A02B4 "$(wall_ts)" || fail "no heartbeat after the clear"
ts_clear=$(printf '%s' "$clear" | sed 's/^(\([0-9.]*\)).*/\1/')
after "$ts_clear" 181A02B4 | grep -v '#0000271002000000' && fail "a heartbeat to module 2 after the clear is not state 2"
[ "$(prop 2 HeartbeatState)" = 2 ] || fail "HeartbeatState after ClearFaults: $(prop 2 HeartbeatState)"
grep -q '"emergency_stop": true' "$DIR/state/commanded.json" && fail "the latch is still in the state file"
stop_ystpcsd
[ "$YSTPCSD_STATUS" = 0 ] || fail "ystpcsd exited $YSTPCSD_STATUS"
info "daemon restarts on SocketCAN: every scenario passed"
