#!/bin/sh
# Close to the floor (issue 19): ystpcsd beside the floors the machine allows, in one guest
# boot (whichever backend tests/guest chose; the report names it).
#   floor_bench.sh IDLE_SECONDS LOAD_SECONDS [profile|timers]
# With `profile`, perf samples the whole guest (cpu-clock, 4 kHz) through every window, and
# the report shows for each late heartbeat round what the guest ran before it; CPU figures
# then include perf's own cost. With `timers`, perf records every hrtimer armed and fired in
# the guest (two tracepoints, no sampling), and the report shows how late timer handlers ran
# after their expiry, by how long the guest had seen no timer before, for all timers and for
# ystpcsd's heartbeat and the sender's.
# Running the whole time, at SCHED_FIFO 20 as the unit runs ystpcsd:
#   - the reading floor: `candump -L` with ystpcsd's own kernel filter, writing to /dev/null;
#   - the timing floor: ystpcs-deadline-sender, one frame every 200 ms at absolute deadlines.
# Subjects, one after the other, each serving two pcs-sim modules on vcan0:
#   dbus   ystpcsd on a private system bus (the product as installed)
#   nobus  ystpcsd --bus none
# each measured in two windows: idle (the modules' own ~130 frames/s) and load (plus ~2,000
# frames/s of the same modules' traffic played by canplayer: every frame passes the filter
# and is decoded). Then ystpcsd with 16 modules, idle, for its peak memory.
# Figures per window: CPU of each process (from /proc/PID/task/*/schedstat, in ns), frames
# offered (vcan0's count less ystpcsd's and the sender's own) and read (ystpcsd's counters,
# from its SIGUSR1 state dump), drops, heartbeat periods (candump's kernel timestamps of the
# 0x1A frames), spawn → first heartbeat, peak RSS. floor_report.py prints them and the goals.
. "$GUEST_LIB"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_guest
require_cmd candump canplayer cansend chrt
IDLE_S=${1:-90}
LOAD_S=${2:-60}
PROFILE=${3:-}
case $PROFILE in
    "") ;;
    profile | timers) require_cmd perf ;;
    *) fail "the third argument is profile or timers, not $PROFILE" ;;
esac
LOAD_RATE=2000
SENDER_ID=18EF55AA
SENDER=$YSTPCS_BUILD_ROOT/tests/bench/ystpcs-deadline-sender
REPORT=$YSTPCS_SOURCE_ROOT/tests/bench/floor_report.py
DIR=$(make_tmpdir)
chmod 0755 "$DIR"
RESULTS=$DIR/windows.txt
: >"$RESULTS"
start_bus "$DIR" system

# The modules are separate hardware: never starved by what is measured, never ahead of it.
bg_start chrt -f 10 "$PCS_SIM" --interface vcan0 --address 1 --address 2 --seed 3 --log-level warn >"$DIR/sim.log" 2>&1

# The load: two seconds of the modules' own frames, replayed at LOAD_RATE frames/s.
start_candump "vcan0,0000B400:0000FF00" "$DIR/sim-capture.log"
capture_pid=$BG_PID
wait_frames 20 "$DIR/sim-capture.log" '18[0-9A-F]{2}B40[12]' 200 || fail "pcs-sim sent no traffic"
kill "$capture_pid"
"$PY" - "$DIR/sim-capture.log" "$DIR/load.log" "$LOAD_RATE" <<'PYEOF'
import sys
src, dst, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
frames = [l.split()[1:] for l in open(src) if l.startswith("(") and len(l.split()) == 3]
with open(dst, "w") as out:
    for i in range(rate * 10):  # ten seconds; canplayer loops it
        iface, frame = frames[i % len(frames)]
        out.write(f"({i / rate:.6f}) {iface} {frame}\n")
PYEOF

# Floors, and the observer of everything ystpcsd and the sender put on the bus.
bg_start chrt -f 20 "$SENDER" vcan0 "$SENDER_ID" 200 >"$DIR/sender.log" 2>&1
SENDER_PID=$BG_PID
bg_start chrt -f 20 candump -L vcan0,0000B400:0000FF00,00000000:0000FF00 >/dev/null 2>"$DIR/floor.err"
FLOOR_PID=$BG_PID
start_candump "vcan0,000000B4:000000FF,$SENDER_ID:1FFFFFFF,18EF66AA:1FFFFFFF" "$DIR/obs.log"

# Spawn: the time is taken right before exec, by the process that becomes ystpcsd.
cat >"$DIR/spawn" <<'EOF'
#!/bin/sh
out=$1
shift
date +%s.%6N >"$out"
exec "$@"
EOF

# CPU time in ns: schedstat where the kernel has it (exact), else utime + stime in clock ticks.
TICK_NS=$((1000000000 / $(getconf CLK_TCK)))
cpu_ns() {
    _cn=0
    for _t in /proc/"$1"/task/*; do
        if [ -r "$_t/schedstat" ]; then
            read -r _a _rest <"$_t/schedstat" || return 1
        else
            _a=$(awk -v t="$TICK_NS" '{print ($14 + $15) * t}' "$_t/stat")
        fi
        _cn=$((_cn + _a))
    done
    echo "$_cn"
}
if [ -r /proc/self/schedstat ]; then echo "cpuclock schedstat (ns)" >>"$RESULTS"; else echo "cpuclock /proc/PID/stat ($TICK_NS ns ticks)" >>"$RESULTS"; fi
rx_packets() { cat /sys/class/net/vcan0/statistics/rx_packets; }
dumps_in() { grep -c ' state: {' "$1"; }
# The subject's counters: SIGUSR1 makes it log its state as JSON; wait for that line.
dump_state() {
    _ds_n=$(dumps_in "$1")
    kill -USR1 "$2"
    wait_for 10 sh -c "[ \$(grep -c ' state: {' '$1') -gt $_ds_n ]" || fail "no state dump from ystpcsd"
    grep ' state: {' "$1" | tail -1 | sed 's/^.* state: //' >"$3"
}
# WINDOW SUBJECT PID LOG SECONDS: one measured window, a line in $RESULTS. The load window
# plays the load inside it, and the counters are dumped outside it while only the modules'
# own traffic flows: the dumps (their wait) then shift the counts by a handful of frames.
measure() {
    dump_state "$4" "$3" "$DIR/$2-$1-0.json"
    w0=$(wall_ts); rx0=$(rx_packets)
    s0=$(cpu_ns "$3"); f0=$(cpu_ns "$FLOOR_PID"); d0=$(cpu_ns "$SENDER_PID")
    if [ "$1" = load ]; then
        bg_start chrt -f 10 canplayer -I "$DIR/load.log" -l i
        player=$BG_PID
    fi
    if [ "$PROFILE" = profile ]; then
        perf record -q -a -k realtime -e cpu-clock -F 4000 -o "$DIR/$2-$1.perf" -- sleep "$5" >/dev/null 2>&1 ||
            fail "perf record failed"
    elif [ "$PROFILE" = timers ]; then
        perf record -q -a -e timer:hrtimer_start -e timer:hrtimer_expire_entry -o "$DIR/$2-$1.timers" \
            -- sleep "$5" >/dev/null 2>&1 || fail "perf record of the timer tracepoints failed"
    else
        sleep "$5"
    fi
    if [ "$1" = load ]; then
        _bg_kill TERM "$player"
        wait "$player" 2>/dev/null
    fi
    s1=$(cpu_ns "$3"); f1=$(cpu_ns "$FLOOR_PID"); d1=$(cpu_ns "$SENDER_PID")
    w1=$(wall_ts); rx1=$(rx_packets)
    dump_state "$4" "$3" "$DIR/$2-$1-1.json"
    echo "window $2 $1 $w0 $w1 $rx0 $rx1 $s0 $s1 $f0 $f1 $d0 $d1" >>"$RESULTS"
}
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# SUBJECT MODULES_JSON ARGS...: start ystpcsd, measure idle and load, stop it.
run_subject() {
    subject=$1
    shift
    log=$DIR/$subject.log
    : >"$log"
    cat >"$DIR/$subject.json" <<JSON
{"interfaces": ["vcan0"], "discovery": false, "state_directory": "$DIR/state-$subject",
 "modules": [{"interface": "vcan0", "address": 1}, {"interface": "vcan0", "address": 2}]}
JSON
    if [ "$subject" = dbus ]; then
        YSTPCSD_WRAP="chrt -f 20 sh $DIR/spawn $DIR/t0-$subject"
        start_ystpcsd "$log" --config "$DIR/$subject.json" "$@"
        pid=$YSTPCSD_PID
    else
        bg_start chrt -f 20 sh "$DIR/spawn" "$DIR/t0-$subject" "$YSTPCSD" --config "$DIR/$subject.json" "$@" >>"$log" 2>&1
        pid=$BG_PID
    fi
    wait_for 10 test -s "$DIR/t0-$subject" || fail "$subject: no spawn time"
    wait_frame_after 10 "$DIR/obs.log" '181A01B4' "$(cat "$DIR/t0-$subject")" ||
        fail "$subject: no heartbeat: $(tail -5 "$log")"
    echo "spawn $subject $(cat "$DIR/t0-$subject")" >>"$RESULTS"
    sleep 3  # the configured modules' first reads are done
    measure idle "$subject" "$pid" "$log" "$IDLE_S"
    measure load "$subject" "$pid" "$log" "$LOAD_S"
    echo "rss $subject 2 $(peak_rss_kib "$pid")" >>"$RESULTS"
    kill -TERM "$pid"
    wait_for 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "$subject did not exit"
}

# The floor for start-up: cansend (C, libc only) from exec to its frame on the bus, thrice.
for i in 1 2 3; do
    t0_floor=$(date +%s.%6N)
    cansend vcan0 18EF66AA#0$i
    echo "floor-spawn $t0_floor 18EF66AA" >>"$RESULTS"
done

run_subject dbus
run_subject nobus --bus none

# Sixteen modules: peak memory after a client has read each one's properties and history.
bg_start chrt -f 10 "$PCS_SIM" --interface vcan0 --seed 4 --log-level warn \
    $(for a in $(seq 3 16); do printf -- '--address %s ' "$a"; done) >"$DIR/sim16.log" 2>&1
modules=$(for a in $(seq 1 16); do printf '{"interface": "vcan0", "address": %s},' "$a"; done)
cat >"$DIR/sixteen.json" <<JSON
{"interfaces": ["vcan0"], "discovery": false, "state_directory": "$DIR/state-16",
 "modules": [${modules%,}]}
JSON
YSTPCSD_WRAP="chrt -f 20"
start_ystpcsd "$DIR/sixteen.log" --config "$DIR/sixteen.json"
sleep 3
pcsctl status >/dev/null || fail "pcsctl status with 16 modules"
s0=$(cpu_ns "$YSTPCSD_PID"); w0=$(wall_ts)
sleep "$((IDLE_S / 2))"
s1=$(cpu_ns "$YSTPCSD_PID"); w1=$(wall_ts)
for a in $(seq 1 16); do pcsctl -m "vcan0/$a" history >/dev/null || fail "pcsctl -m vcan0/$a history"; done
echo "sixteen $w0 $w1 $s0 $s1" >>"$RESULTS"
echo "rss sixteen 16 $(peak_rss_kib "$YSTPCSD_PID")" >>"$RESULTS"
# What that memory is, now: the process's own (anonymous) pages and each mapped file's pages.
awk '/^RssAnon:/ {a = $2} /^RssFile:/ {f = $2} /^RssShmem:/ {s = $2} END {print "rss-split sixteen", a, f + s}' \
    "/proc/$YSTPCSD_PID/status" >>"$RESULTS"
awk '/^[0-9a-f]+-[0-9a-f]+ / {name = (NF >= 6 ? $6 : "[anonymous]")} /^Rss:/ {kib[name] += $2}
     END {for (n in kib) if (n ~ /^\//) print "rss-file sixteen", kib[n], n}' "/proc/$YSTPCSD_PID/smaps" |
    sort -k3,3nr >>"$RESULTS"
stop_ystpcsd

_bg_kill TERM "$SENDER_PID"
wait_for 10 grep -q 'deadline-sender:' "$DIR/sender.log" || true
cat "$DIR/sender.log"
[ -s "$DIR/floor.err" ] && { info "floor candump:"; cat "$DIR/floor.err"; }
[ -n "${BENCH_KEEP:-}" ] && cp "$DIR"/*.txt "$DIR"/*.json "$DIR"/obs.log "$DIR"/t0-* "$BENCH_KEEP"/ 2>/dev/null
"$PY" "$REPORT" "$DIR" "${GUEST_BACKEND:-unknown}" "$(uname -r)" "$IDLE_S" "$LOAD_S"
