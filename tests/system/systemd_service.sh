#!/bin/sh
# ystpcsd as the installed systemd service, under real systemd (PID 1 in user-mode Linux,
# run by tests/guest/guest-systemd-run with the build installed): readiness, pcsctl as root
# driving pcs-sim on vcan0, an unprivileged user denied with nothing on CAN and a member of
# group ystpcs allowed, SIGSEGV and SIGSTOP (watchdog) restarts before pcs-sim's 5 s timeout,
# reload, the stop sequence, the journal, the sandbox and the exposure figure.
. "$GUEST_LIB"
. "$(dirname "$GUEST_LIB")/../system/installed.sh"
[ "${GUEST_SYSTEMD:-}" = 1 ] || skip "must run under guest-systemd-run"
PCSCTL=/usr/bin/pcsctl

ip link add dev vcan0 type vcan && ip link set vcan0 up || fail "vcan0"
DIR=$(mktemp -d /run/ystpcs-test.XXXXXX)
chmod 0755 "$DIR"
DUMP=$DIR/dump.log
start_candump vcan0 "$DUMP"
systemd-run --quiet --unit=pcs-sim /usr/bin/pcs-sim --interface vcan0 --address 1 --address 2 --no-noise \
    --control /run/pcs-sim.sock --log-level warn || fail "pcs-sim unit"
wait_for 5 test -S /run/pcs-sim.sock || fail "pcs-sim did not start"
sim_fault() { /usr/bin/pcs-sim --control /run/pcs-sim.sock --command "state $1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["module"]["fault_code"])'; }
main_pid() { systemctl show -p MainPID --value ystpcsd; }
restarts() { systemctl show -p NRestarts --value ystpcsd; }
in_file() { grep -q "$2" "$1"; }
restarted() { [ "$(restarts)" = "$1" ] && [ "$(systemctl is-active ystpcsd)" = active ]; }
# The longest gap between heartbeats to PCS 1 in the capture, in seconds.
max_gap() {
    grep ' 181A01B4#' "$DUMP" | sed 's/^(\([0-9.]*\)).*/\1/' |
        awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { printf "%.3f", m }'
}

# After a restart (LABEL): module 1 runs again, the longest heartbeat gap so far is under
# LIMIT seconds, and pcs-sim did not fault.
survived() {
    wait_for 5 state_is vcan0/1 12 || fail "module 1 not running after the $1"
    # A heartbeat stamped after that: the capture holds the whole gap of the restart, and a
    # fault pcs-sim raised 5 s after the last heartbeat before it would be in too.
    t=$(wall_ts)
    wait_frame_after 3 "$DUMP" 181A01B4 "$t" || fail "no heartbeat to PCS 1 after the $1"
    gap=$(max_gap)
    info "$1: longest heartbeat gap ${gap} s"
    awk -v g="$gap" -v limit="$2" 'BEGIN { exit !(g < limit) }' || fail "heartbeat gap ${gap} s after the $1"
    [ "$(sim_fault 1)" = 0 ] || fail "pcs-sim faulted ($(sim_fault 1)) during the $1"
}

# --- the sandbox: exposure figure ------------------------------------------------------------
exposure=$(systemd-analyze security ystpcsd.service 2>/dev/null | sed -n 's/.*Overall exposure level for ystpcsd.service: \([0-9.]*\).*/\1/p')
info "systemd-analyze security ystpcsd.service: exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' || fail "exposure '$exposure' above 2.0"

# --- start: active only once ready ------------------------------------------------------------
sed -i 's/"interfaces": \["can0"\]/"interfaces": ["vcan0"]/' /etc/ystpcsd/ystpcsd.json
systemctl start ystpcsd || fail "systemctl start ystpcsd"
[ "$(systemctl is-active ystpcsd)" = active ] || fail "not active"
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.ystpcs.pcs1 |
    grep -q true || fail "active but org.ystpcs.pcs1 not owned (READY too early)"
pid=$(main_pid)
[ "$(ps -o user= -p "$pid")" = ystpcs ] || fail "not running as user ystpcs: $(ps -o user= -p "$pid")"
chrt -p "$pid" | grep -q "SCHED_FIFO" || fail "not SCHED_FIFO: $(chrt -p "$pid")"
chrt -p "$pid" | grep -q "priority: 20" || fail "not priority 20: $(chrt -p "$pid")"
wait_for 5 sh -c 'systemctl show -p StatusText --value ystpcsd | grep -q "2 modules communicating, 0 lost; vcan0 up"' ||
    fail "STATUS=: $(systemctl show -p StatusText --value ystpcsd)"
[ -d /var/lib/ystpcsd ] && [ "$(stat -c %U /var/lib/ystpcsd)" = ystpcs ] || fail "StateDirectory"

# --- pcsctl as root drives pcs-sim ---------------------------------------------------------------
"$PCSCTL" -m vcan0/1 set cccv 700V -100A -5A --start >/dev/null || fail "pcsctl set --start"
wait_for 5 state_is vcan0/1 12 || fail "module 1 not running"
[ -s /var/lib/ystpcsd/commanded.json ] || fail "commanded bytes not persisted"

# --- an unprivileged user reads but cannot control; nothing reaches CAN -------------------------------
runuser -u nobody -- "$PCSCTL" -m vcan0/2 status >/dev/null || fail "nobody cannot read"
mark=$(wc -l <"$DUMP")
rc=0
runuser -u nobody -- "$PCSCTL" -m vcan0/2 start 2>"$DIR/denied" || rc=$?
[ "$rc" = 4 ] || fail "nobody's start exited $rc: $(cat "$DIR/denied")"
# ystpcsd writes a command's frames before it answers the call (one the bus refuses never
# reaches it): its next heartbeat to PCS 2, stamped after the answer, comes after any of them.
t=$(wall_ts)
wait_frame_after 3 "$DUMP" 181A02B4 "$t" || fail "no heartbeat to PCS 2 after the denied start"
sed -n "$((mark + 1)),\$p" "$DUMP" | grep -q ' 180F02B4#' && fail "a 0x0F reached CAN although access was denied"
# A member of group ystpcs may (bus policy and ystpcsd's own check agree).
useradd --no-create-home --groups ystpcs tester || fail "useradd"
runuser -u tester -- "$PCSCTL" -m vcan0/2 self-start off >/dev/null || fail "a member of ystpcs was refused"

# --- SIGSEGV: restarted, heartbeats back before pcs-sim's 5 s timeout ------------------------------------
kill -SEGV "$(main_pid)"
wait_for 10 restarted 1 || fail "not restarted after SIGSEGV (NRestarts $(restarts))"
survived "SIGSEGV restart" 4.5

# --- SIGSTOP: the watchdog kills and restarts it ----------------------------------------------------------
kill -STOP "$(main_pid)"
wait_for 12 restarted 2 || fail "the watchdog did not restart a stopped ystpcsd (NRestarts $(restarts))"
journalctl -u ystpcsd --no-pager | grep -qi "watchdog timeout" || fail "no watchdog timeout in the journal"
survived "SIGSTOP + watchdog restart" 5.0
grep -E ' 1813B40[12]#0600800D' "$DUMP" && fail "a module faulted with 0x800D"

# --- reload applies a configuration change -----------------------------------------------------------------
sed -i 's/"modules": \[\]/"modules": [{"interface": "vcan0", "address": 3}]/' /etc/ystpcsd/ystpcsd.json
systemctl reload ystpcsd || fail "systemctl reload"
wait_for 3 in_file "$DUMP" ' 181A03B4#' || fail "the reloaded configuration's module 3 gets no heartbeat"
journalctl -u ystpcsd --no-pager | grep -q "configuration reloaded" || fail "no reload in the journal"
[ "$(restarts)" = 2 ] || fail "reload restarted the service"

# --- the journal is readable, with priorities ----------------------------------------------------------------
journalctl -u ystpcsd --no-pager -o cat | grep -q "vcan0: serving PCS 1" || fail "journal: no 'serving PCS 1'"
journalctl -u ystpcsd --no-pager -o cat | grep -q "^<" && fail "journal: raw priority prefixes left in the text"
journalctl -u ystpcsd --no-pager -p warning -o cat | grep -q "vcan0: serving PCS" && fail "journal: info lines at warning priority"
journalctl -u ystpcsd --no-pager -p warning -o cat | grep -qi "watchdog\|communication lost\|main process" ||
    info "(no warning-priority line from ystpcsd itself)"

# --- systemctl stop: the stop sequence on the bus -----------------------------------------------------------------
mark=$(wc -l <"$DUMP")
systemctl stop ystpcsd || fail "systemctl stop"
# ystpcsd has exited (systemctl stop waited for it): a frame sent now, which nothing answers,
# comes after everything it sent in the capture.
cansend vcan0 7FF#00
wait_for 3 in_file "$DUMP" ' 7FF#00$' || fail "the frame sent after the stop is not in the capture"
sed -n "$((mark + 1)),\$p" "$DUMP" >"$DIR/stop.log"
grep -q ' 180F01B4#00' "$DIR/stop.log" || fail "no 0x0F stop to module 1 at stop"
# State 1 for at least 0.6 s (4 heartbeats) from the heartbeats' own timestamps, none skipped
# (no period above 300 ms).
read -r n span mean min max <<EOF
$(periods "$DIR/stop.log" 181A01B4 0000271001)
EOF
info "stop: $n heartbeats with state 1 over $span µs, periods $min to $max µs"
[ "$span" -ge 600000 ] || fail "heartbeats with state 1 over $span µs at stop ($n)"
[ "$max" -lt 300000 ] || fail "a gap of $max µs between the heartbeats with state 1 at stop"
[ "$(systemctl show -p Result --value ystpcsd)" = success ] || fail "stop result $(systemctl show -p Result --value ystpcsd)"
wait_for 3 sh -c "tail -30 '$DUMP' | grep -q ' 1813B401#05'" || fail "module 1 not stopped"
info "systemd service test passed"
