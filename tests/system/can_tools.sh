#!/bin/sh
# The DBC file and the Wireshark dissector in the real tools, against pcsctl decode: canmatrix
# (python3-canmatrix) decodes every signal of every frame within one LSB, and tshark with the
# Lua dissector gives every field the same value, reading the capture as a candump -L log and as
# a LINKTYPE_CAN_SOCKETCAN pcap. Two captures: one recorded from ystpcsd --simulate 2 while
# pcsctl drives it (heartbeats, periodic frames, commands and their answers of two PCS), and
# tests/data/all-frames.log (every frame of the table, and traffic that is not PCS's).
# Runs on the host (no CAN needed).
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon tshark
"$PY" -c "import canmatrix.formats" 2>/dev/null || skip "python3-canmatrix not installed"
"$PY" -c "import dbus" 2>/dev/null || skip "python3-dbus not installed"
CHECK=$YSTPCS_SOURCE_ROOT/tests/system/can_tools.py
DBC=$YSTPCS_SOURCE_ROOT/docs/ystech-pcs.dbc
LUA=$YSTPCS_SOURCE_ROOT/docs/ystech-pcs.lua

DIR=$(mktemp -d /tmp/ystpcs-can-tools-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT

# --- a capture of the daemon and its simulated modules -------------------------------------------
start_bus "$DIR" open
printf '{"simulate": 2, "simulation": {"seed": 3}, "state_directory": "%s/state"}\n' "$DIR" >"$DIR/ystpcsd.json"
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json"
start_frame_stream "$DIR/sim.log"
STREAM=$BG_PID
wait_for 10 sh -c "'$PCSCTL' --bus-address '$BUS' -m 2 status --json | grep -q '\"RunningState\":13'" ||
    fail "module 2 not in standby: $(tail -5 "$DIR/daemon.log")"
expect_exit 0 pcsctl -m 1 set cccv 700V -100A -5A --start
expect_exit 0 pcsctl -m 2 set mode pulse_current 20A -20A 2s 50%
expect_exit 0 pcsctl -m 2 setting get working_mode
expect_exit 0 pcsctl -m 2 limits --set max_charge_current_a=150A
expect_exit 0 pcsctl -m 2 setting set bus_voltage bus_voltage_v=720V,reactive_power_kvar=-5
for s in bus_voltage io split_phase inverter_phase reactive_control grid_switching module_parallel channel_parallel \
         bus_parallel versions; do
    expect_exit 0 pcsctl -m 2 setting get "$s"
done
expect_exit 0 pcsctl -m 2 setting set module_parallel mode=1,modules=2,hall_ratio=2000
expect_exit 0 pcsctl clock sync
expect_exit 0 pcsctl -m 1 estop
expect_exit 0 pcsctl -m 1 reset-faults
expect_exit 0 pcsctl -m 1 stop
# Everything sent so far is in the stream once a heartbeat stamped after the last command is.
t=$(wall_ts)
wait_frame_after 5 "$DIR/sim.log" 181A01B4 "$t" || fail "no heartbeat in the frame stream after the commands"
kill "$STREAM"
wait "$STREAM" 2>/dev/null
stop_ystpcsd
info "recorded $(wc -l <"$DIR/sim.log") frames of ystpcsd --simulate 2"

# --- both captures through pcsctl decode, canmatrix and tshark -------------------------------------
# all-frames.log without its junk line (tshark stops reading a log at the first line that is not one).
grep '^(' "$YSTPCS_SOURCE_ROOT/tests/data/all-frames.log" >"$DIR/all-frames.log"
"$PCSCTL" export dbc --address 1,2 -o "$DIR/sim.dbc" || fail "pcsctl export dbc"
for capture in sim all-frames; do
    log=$DIR/$capture.log
    "$PCSCTL" decode "$log" >"$DIR/$capture.jsonl" || fail "pcsctl decode $capture"
    if [ "$capture" = sim ]; then
        # What the commands above put on the bus, and what the modules answered and reported.
        out=$("$PY" "$CHECK" frames "$DIR/sim.jsonl" heartbeat dc_output capacity_energy state_fault grid_voltage \
              grid_current system_power load_voltage load_current load_power phase_a_power phase_b_power \
              phase_c_power precise_dc_output set_mode mode_params_12 mode_params_34 mode_result start_stop \
              start_stop_result read_protection protection_1 protection_2 protection_3 write_protection_1 \
              protection_write_result read_setting bus_voltage_reading io_inputs split_phase_reading \
              inverter_phase_reading reactive_control_reading grid_switching_reading module_parallel_reading \
              channel_parallel_reading bus_parallel_reading arm_version dsp_version mode_reading \
              mode_params_12_reading mode_params_34_reading set_bus_voltage set_module_parallel setting_result \
              set_clock set_clock_result) || fail "the recording: $out"
        info "sim: $out"
    fi
    dbc=$DBC
    [ "$capture" = sim ] && dbc=$DIR/sim.dbc
    out=$("$PY" "$CHECK" dbc "$dbc" "$log" "$DIR/$capture.jsonl") || fail "canmatrix on $capture"
    info "$capture: $out"
    "$PY" "$CHECK" pcap "$log" "$DIR/$capture.pcap" >/dev/null || fail "writing $capture.pcap"
    for file in "$log" "$DIR/$capture.pcap"; do
        tshark -n -X "lua_script:$LUA" -r "$file" -T json >"$DIR/tshark.json" 2>"$DIR/tshark.err" ||
            fail "tshark -r $file: $(cat "$DIR/tshark.err")"
        grep -qi "lua.*error\|error.*lua" "$DIR/tshark.err" && fail "the dissector failed: $(cat "$DIR/tshark.err")"
        out=$("$PY" "$CHECK" tshark "$DIR/tshark.json" "$DIR/$capture.jsonl") || fail "tshark on $file"
        info "$capture (${file##*.}): $out"
    done
done
# The pcap is what tshark says it is.
tshark -r "$DIR/sim.pcap" -T fields -e frame.encap_type -c 1 2>/dev/null | grep -qx 125 ||
    fail "sim.pcap is not SocketCAN: $(capinfos "$DIR/sim.pcap" 2>&1 | grep -i encapsulation)"
info "DBC (canmatrix) and dissector (tshark) agree with pcsctl decode"
