#!/bin/sh
# The heartbeat and a root Stop while an unprivileged client floods reads (issue 13), on vcan0
# in a guest kernel (whichever backend tests/guest chose; the figures name it). ystpcsd serves
# two pcs-sim modules as its systemd unit runs it (SCHED_FIFO 20); pcs-sim at SCHED_FIFO 10.
#   read_flood_bench.sh SECONDS STOPS
#   (a) SECONDS without load (module 1 running): heartbeat periods from candump's kernel
#       timestamps;
#   (b) SECONDS while uid nobody floods module 1 with ReadProtectionLimits as fast as D-Bus
#       allows (ystpcs-read-flood: 8 connections, 64 calls outstanding on each): the same;
#       (a) and (b) alternate in three rounds, so that the shared host's load weighs on both;
#   (c) the flood going on, STOPS times: root calls Stop on module 1 (started again after each,
#       the Start retried while Busy): from time.time() right before the call to the 0x0F stop
#       frame's kernel timestamp, both the guest's CLOCK_REALTIME; then STOPS/2 more from a
#       client at SCHED_FIFO 10, as a diagnosis of how much is the client's own wait for the CPU.
# read_flood_report.py prints the figures (from the capture; also on the host, from BENCH_KEEP):
# mean, p99 and max deviation of the heartbeat periods for (a), (b) and (c), the Stop
# latencies, the flood's answers/s, Busy/s and the read frames/s it put on the bus, and whether
# the targets hold: p99 deviation with the flood within 1 ms of without, every Stop (ordinary
# client) on the bus within 50 ms.
. "$GUEST_LIB"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_guest
require_cmd setpriv candump
SECONDS_RUN=${1:-30}
STOPS=${2:-20}
ROUNDS=3
FLOOD=$YSTPCS_BUILD_ROOT/tests/bench/ystpcs-read-flood
DIR=$(make_tmpdir)
chmod 0755 "$DIR"
start_bus "$DIR" system
# pcs-sim stands in for modules that are separate hardware: never starved by the load
# generators (the flood client and dbus-daemon saturate the guest's one CPU), never ahead of
# ystpcsd (SCHED_FIFO 20): SCHED_FIFO 10. At nice 10 (as heartbeat_bench.sh runs it) it went
# silent for more than a second under the flood, and its late answers timed out.
bg_start chrt -f 10 "$PCS_SIM" --interface vcan0 --address 1 --address 2 --seed 3 --log-level warn >"$DIR/sim.log" 2>&1
cat >"$DIR/ystpcsd.json" <<JSON
{"interfaces": ["vcan0"], "discovery": false, "state_directory": "$DIR/state",
 "modules": [{"interface": "vcan0", "address": 1}, {"interface": "vcan0", "address": 2}]}
JSON
YSTPCSD_WRAP="chrt -f 20"
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json" --log-level "${BENCH_LOG_LEVEL:-warn}"
standby() { "$PCSCTL" --bus-address "$BUS" -m vcan0/1 --json status 2>/dev/null | grep -q '"RunningState":13'; }
wait_for 20 standby || fail "module 1 not in standby: $(tail -5 "$DIR/daemon.log")"
# What the figures need: heartbeats (0x1A), start/stop (0x0F) and its answers (0x10), read
# requests (0x01), and pcs-sim's own 200 ms DC frames (0x11) as a reference sender: a
# SCHED_FIFO process in the same guest, on the same kind of absolute deadlines.
start_candump vcan0,181A0000:1FFF0000,180F0000:1FFF0000,1810B400:1FFFFF00,18010000:1FFF0000,1811B400:1FFFFF00 "$DIR/bus.log"
sleep 2

# Module 1 running throughout (the stops of (c) stop something).
expect_exit 0 pcsctl -m vcan0/1 set cc -20A --start
running() { "$PCSCTL" --bus-address "$BUS" -m vcan0/1 --json status 2>/dev/null | grep -q '"PowerStageActive":true'; }
wait_for 10 running || fail "module 1 not running"

# (a) and (b) alternate in ROUNDS windows of SECONDS/ROUNDS each, so that a change of the host's
# load (these machines are shared) weighs on both alike. The flood, as nobody, runs until
# SIGTERM; each run prints its figures.
flood_start() {
    bg_start setpriv --reuid=nobody --regid=nogroup --clear-groups "$FLOOD" "$BUS" /org/ystpcs/pcs1/vcan0/1 8 64 100000 \
        >>"$DIR/flood.log" 2>&1
    FLOOD_PID=$BG_PID
    sleep 1   # connections up, the flood under way, before the window opens
}
flood_stop() {
    _n=$(grep -c read-flood: "$DIR/flood.log")
    kill -TERM "$FLOOD_PID"
    wait_for 60 sh -c "[ \$(grep -c read-flood: '$DIR/flood.log') -gt $_n ]" || fail "the flood did not report: $(tail -3 "$DIR/flood.log")"
}
: >"$DIR/flood.log"
: >"$DIR/windows"
: >"$DIR/stops.jsonl"
window=$((SECONDS_RUN / ROUNDS))
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    t0=$(wall_ts); sleep "$window"; t1=$(wall_ts)
    echo "a $t0 $t1" >>"$DIR/windows"
    flood_start
    t0=$(wall_ts); sleep "$window"; t1=$(wall_ts)
    echo "b $t0 $t1" >>"$DIR/windows"
    flood_stop
    r=$((r + 1))
done

# (c) the stops, as root, while the flood goes on: STOPS from an ordinary process (as pcsctl
# or a script would call), then STOPS from one at SCHED_FIFO 10 (a diagnosis: what of the
# latency is the client's own wait for the CPU).
flood_start
c0=$(wall_ts)
for how in normal fifo; do
    wrap= n=$STOPS
    [ "$how" = fifo ] && wrap="chrt -f 10" n=$(((STOPS + 1) / 2))
    # shellcheck disable=SC2086 # wrap: a command prefix
    $wrap "$PY" - "$BUS" "$n" "$how" >>"$DIR/stops.jsonl" <<'PYEOF' || fail "the stop driver failed"
import json, random, sys, time
import dbus
bus = dbus.bus.BusConnection(sys.argv[1])
obj = bus.get_object("org.ystpcs.pcs1", "/org/ystpcs/pcs1/vcan0/1")
module = dbus.Interface(obj, "org.ystpcs.pcs1.Module")
props = dbus.Interface(obj, "org.freedesktop.DBus.Properties")
props.Get("org.ystpcs.pcs1.Module", "Address")  # introspected before the first timed call
random.seed(1)
for i in range(int(sys.argv[2])):
    time.sleep(random.uniform(0.2, 0.4))  # no fixed phase against the 200 ms heartbeat
    running = bool(props.Get("org.ystpcs.pcs1.Module", "PowerStageActive"))
    t0 = time.time()
    try:
        module.Stop()
        err = None
    except dbus.DBusException as e:
        err = e.get_dbus_name() + ": " + e.get_dbus_message()
    t1 = time.time()
    # Running again for the next stop: Start, retried while the flood keeps it Busy (3 s).
    start_tries, start_busy, start_err, started = 0, 0, None, False
    t_start = time.time()
    while time.time() < t_start + 3:
        start_tries += 1
        try:
            module.Start()
            started = True
            break
        except dbus.DBusException as e:
            start_err = e.get_dbus_name() + ": " + e.get_dbus_message()
            if not e.get_dbus_name().endswith(".Busy"):
                break
            start_busy += 1
            time.sleep(0.05)
    print(json.dumps({"client": sys.argv[3], "t0": t0, "answered": t1, "error": err, "was_running": running,
                      "start_tries": start_tries, "start_busy": start_busy, "started": started,
                      "start_s": time.time() - t_start, "start_error": None if started else start_err}), flush=True)
PYEOF
done
c1=$(wall_ts)
echo "c $c0 $c1" >>"$DIR/windows"
flood_stop
# ystpcsd has sent everything of (c): a heartbeat stamped now comes after it in the capture.
wait_frame_after 3 "$DIR/bus.log" 181A01B4 "$(wall_ts)" || fail "no heartbeat after the flood"
own=$(busctl --address="$BUS" get-property org.ystpcs.pcs1 /org/ystpcs/pcs1 org.ystpcs.pcs1.Manager Heartbeat)
# BENCH_KEEP=DIR (guest-run --env): the capture, the logs and the figures kept for a closer look.
[ -n "${BENCH_KEEP:-}" ] && mkdir -p "$BENCH_KEEP" && cp "$DIR"/*.log "$DIR"/*.jsonl "$DIR/windows" "$BENCH_KEEP/"
cat "$DIR/flood.log"
info "ystpcsd's own figures (Manager.Heartbeat): $own"
"$PY" "$YSTPCS_SOURCE_ROOT/tests/bench/read_flood_report.py" "$DIR" "${GUEST_BACKEND:-unknown}" "$(uname -r)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
