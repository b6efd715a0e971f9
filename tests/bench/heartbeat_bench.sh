#!/bin/sh
# Heartbeat benchmark on vcan0 in a guest kernel (whichever backend tests/guest chose; the
# figures name it): ystpcsd serves two pcs-sim modules and its heartbeat periods are measured
# from candump's kernel timestamps.
#   heartbeat_bench.sh quiet|awake|foreign|dbus SECONDS
#   quiet    only the protocol traffic
#   awake    quiet, with a SCHED_IDLE spinner that keeps the guest's one vCPU from idling:
#            an idle guest (UML, or QEMU's vCPU thread) sleeps in the host and wakes with
#            the host's scheduling latency; this is the guest's idle=poll, as on a rack PC tuned for real time
#            (no deep C-states). The spinner yields to every other task at once.
#   foreign  plus ~1500 foreign frames/s (cangen: random extended ids, and frames from an
#            undiscovered PCS that pass the kernel filter)
#   dbus     plus 50 D-Bus clients calling GetAll at 10 Hz each
# Prints the period figures per module (mean, p99 and max deviation from 200 ms), the
# foreign frame rate, ystpcsd's CPU time and memory.
. "$GUEST_LIB"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_guest
MODE=${1:?quiet|awake|foreign|dbus}
SECONDS_RUN=${2:-60}
DIR=$(make_tmpdir)
chmod 0755 "$DIR"
start_bus "$DIR" system
# pcs-sim stands in for modules that are separate hardware: it must not take the guest's one
# CPU from the system under test.
bg_start nice -n 10 "$PCS_SIM" --interface vcan0 --address 1 --address 2 --seed 3 --log-level warn >"$DIR/sim.log" 2>&1
cat >"$DIR/ystpcsd.json" <<JSON
{"interfaces": ["vcan0"], "discovery": false, "state_directory": "$DIR/state",
 "modules": [{"interface": "vcan0", "address": 1}, {"interface": "vcan0", "address": 2}]}
JSON
# As the systemd unit runs it: SCHED_FIFO priority 20 (systemd/ystpcsd.service).
YSTPCSD_WRAP="chrt -f 20"
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json" --log-level warn
sleep 2
rx_packets() { cat /sys/class/net/vcan0/statistics/rx_packets; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$YSTPCSD_PID/stat"; }
case $MODE in
    foreign)
        bg_start cangen vcan0 -g 0.9 -e -L 8
        bg_start cangen vcan0 -g 1.8 -e -L 8 -I 1811B477
        ;;
    dbus)
        bg_start "$YSTPCS_BUILD_ROOT/tests/bench/ystpcs-dbus-load" "$BUS" /org/ystpcs/pcs1/vcan0/1 50 10 "$SECONDS_RUN" \
            >"$DIR/load.log" 2>&1
        ;;
    awake) bg_start chrt --idle 0 sh -c 'while :; do :; done' ;;
    quiet) ;;
    *) fail "mode: quiet, awake, foreign or dbus" ;;
esac
sleep 1
# The heartbeats, and pcs-sim's own 200 ms DC frames as a reference sender in the same run.
start_candump vcan0,181A0000:1FFF0000,1811B400:1FFFFF00 "$DIR/hb.log"
rx0=$(rx_packets)
cpu0=$(cpu_ticks)
sleep "$SECONDS_RUN"
rx1=$(rx_packets)
cpu1=$(cpu_ticks)
kill "$BG_PID"
own=$(busctl --address="$BUS" get-property org.ystpcs.pcs1 /org/ystpcs/pcs1 org.ystpcs.pcs1.Manager Heartbeat)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$YSTPCSD_PID/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$YSTPCSD_PID/status")
[ "$MODE" = dbus ] && { wait_for $((SECONDS_RUN + 10)) grep -q dbus-load "$DIR/load.log"; cat "$DIR/load.log"; }
info "ystpcsd's own figures (Manager.Heartbeat): $own"
"$PY" - "$DIR/hb.log" "$MODE" "$SECONDS_RUN" "$rx0" "$rx1" "$cpu0" "$cpu1" "$rss" "$hwm" "$(getconf CLK_TCK)" \
    "${GUEST_BACKEND:-unknown}" "$(uname -r)" <<'PYEOF'
import collections, sys
path, mode, secs, rx0, rx1, cpu0, cpu1, rss, hwm, hz, backend, kernel = sys.argv[1:]
print(f"guest backend {backend}, kernel {kernel}")
secs = float(secs)
times = collections.defaultdict(list)
for line in open(path):
    parts = line.split()
    if len(parts) != 3:
        continue
    ident = parts[2].split("#")[0]
    key = ident[2:4] + ident[4:6] if ident[2:4] == "1A" else ident[2:8]
    times[key].append(float(parts[0].strip("()")))
ok = True
def stats(t):
    d = [(b - a) * 1000 for a, b in zip(t, t[1:])]
    dev = sorted(abs(x - 200.0) for x in d)
    return len(d), sum(d) / len(d), dev[int(0.99 * (len(dev) - 1))], dev[-1]
for key in sorted(times):
    heartbeat = key.startswith("1A")
    if len(times[key]) < 10 or (not heartbeat and key[-2:] not in ("01", "02")):
        continue  # the undiscovered PCS 0x77 of the foreign load, a random foreign id
    n, mean, p99, mx = stats(times[key])
    what = f"heartbeat to PCS 0x{key[2:]}" if heartbeat else f"reference: pcs-sim 0x11 from PCS 0x{key[4:]}"
    print(f"{mode:8s} {what:36s} {n} periods over {secs:.0f} s; mean {mean:.4f} ms, p99 |deviation| {p99:.3f} ms, max {mx:.3f} ms")
    if heartbeat:
        ok = ok and abs(mean - 200) < 0.1 and p99 < 2.0
total_rate = (int(rx1) - int(rx0)) / secs
cpu = (int(cpu1) - int(cpu0)) / float(hz)
print(f"bus traffic {total_rate:.0f} frames/s (all of vcan0); ystpcsd CPU {cpu:.2f} s in {secs:.0f} s "
      f"({100 * cpu / secs:.1f} %), RSS {int(rss) / 1024:.1f} MiB (peak {int(hwm) / 1024:.1f} MiB)")
print("targets (mean within 0.1 ms of 200 ms, p99 deviation < 2 ms):", "met" if ok else "NOT MET")
sys.exit(0 if ok else 1)
PYEOF
