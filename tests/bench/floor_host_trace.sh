#!/bin/sh
# The floor benchmark in a user-mode Linux guest while perf records the host's scheduler
# (sched_switch and sched_wakeup on every host CPU). A UML kernel and each of its processes
# are host processes, and UML has neither perf events nor ftrace inside: what kept a late
# heartbeat round from running shows on the host instead. host_sched_report.py then says, for
# each round more than 0.5 ms late, whether the UML kernel's host process was woken and left
# waiting for a host CPU, and behind what.
#   floor_host_trace.sh GUEST_RUN BUILD_ROOT SOURCE_ROOT [IDLE_S LOAD_S]
# Needs root (system-wide tracepoints) and perf on the host. The trace covers the D-Bus
# subject's windows and the first idle window without D-Bus; it takes ~1 GB while it runs.
set -eu
guest_run=$1 build=$2 source=$3 idle_s=${4:-90} load_s=${5:-60}
command -v perf >/dev/null 2>&1 || { echo "SKIP: perf not found (apt-get install linux-perf)"; exit 77; }
keep=$(mktemp -d /var/tmp/floor-host-trace.XXXXXX)
trap 'rm -f "$keep/host.data" "$keep/host.txt"' EXIT
# perf stamps with CLOCK_MONOTONIC; the guest's frames carry CLOCK_REALTIME.
python3 -c 'import time; print(time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_MONOTONIC))' \
    >"$keep/realtime-offset"
perf record -q -a -k CLOCK_MONOTONIC -e sched:sched_switch -e sched:sched_wakeup -o "$keep/host.data" \
    -- sleep $((30 + 2 * idle_s + load_s)) >"$keep/perf.log" 2>&1 &
perf_pid=$!
rc=0
YSTPCS_GUEST_BACKEND=uml BENCH_KEEP=$keep "$guest_run" --timeout 890 --mem 768M \
    --env "YSTPCS_BUILD_ROOT=$build" --env "YSTPCS_SOURCE_ROOT=$source" --env "BENCH_KEEP=$keep" \
    -- sh "$source/tests/bench/floor_bench.sh" "$idle_s" "$load_s" 2>"$keep/guest.err" || rc=$?
cat "$keep/guest.err" >&2
wait "$perf_pid" || { echo "perf record failed: $(cat "$keep/perf.log")"; exit 1; }
if [ "$rc" = 125 ] && grep -q "cannot boot here" "$keep/guest.err"; then
    echo "SKIP: user-mode Linux cannot run here (see above); this benchmark is about its guests"
    exit 77
fi
[ "$rc" = 0 ] || exit "$rc"
perf script -i "$keep/host.data" -F tid,cpu,time,event,trace --ns >"$keep/host.txt" 2>/dev/null
python3 "$source/tests/bench/host_sched_report.py" "$keep"
echo "kept in $keep (the guest's frames, the benchmark's figures)"
