# ystpcs.sh: helpers for system tests of ystpcsd, pcsctl and pcs-sim (sh; source it after
# tests/guest/lib.sh). Works on the host and inside user-mode Linux.
#
#   start_bus DIR system|open   a private dbus-daemon; system: the system bus's rules plus
#                               dbus/org.ystpcs.pcs1.conf; open: everything allowed. Sets BUS.
#   start_ystpcsd LOG ARGS...   ystpcsd on $BUS, output appended to LOG; waits for
#                               org.ystpcs.pcs1; sets YSTPCSD_PID. $YSTPCSD_WRAP prefixes
#                               the command (e.g. "chrt -f 20").
#   stop_ystpcsd                SIGTERM and wait for its exit; sets YSTPCSD_STATUS
#   start_frame_stream FILE     the daemon's frame stream (OpenFrameStream, every frame, with
#                               python3-dbus) written to FILE line by line as it comes, in
#                               the background; sets BG_PID
#   pcsctl ARGS...              pcsctl on $BUS
#   as_nobody CMD...            CMD as uid nobody, no supplementary groups
#   expect_exit CODE CMD...     run CMD; fail unless it exits with CODE; its output in $OUT
#   json_get JSON PYEXPR        evaluate PYEXPR on the parsed JSON `j` (python3)
#   check_recording FILE PCS_HEX  a 2 s `pcsctl record` capture, judged from its own
#                               timestamps (not a count in pcsctl's 2 s): it spans at least
#                               1.4 s, and no tick of PCS PCS_HEX (e.g. 01) is missing: its
#                               0x11 and its heartbeat have no period above 300 ms

: "${YSTPCS_BUILD_ROOT:?}" "${YSTPCS_SOURCE_ROOT:?}"
PCSCTL=$YSTPCS_BUILD_ROOT/ctl/pcsctl/pcsctl
YSTPCSD=$YSTPCS_BUILD_ROOT/daemon/ystpcsd
PCS_SIM=$YSTPCS_BUILD_ROOT/ctl/pcs-sim/pcs-sim
PY=/usr/bin/python3

start_bus() {
    _sb_dir=$1
    _sb_sock=$_sb_dir/bus.socket
    case $2 in
        system) sed -e "s|@SOCKET@|$_sb_sock|" -e "s|@INCLUDE@|<include>$YSTPCS_SOURCE_ROOT/dbus/org.ystpcs.pcs1.conf</include>|" \
                    "$YSTPCS_SOURCE_ROOT/tests/system/system-bus.conf.in" >"$_sb_dir/bus.conf" ;;
        open) sed -e "s|@SOCKET@|$_sb_sock|" "$YSTPCS_SOURCE_ROOT/tests/system/open-bus.conf.in" >"$_sb_dir/bus.conf" ;;
        *) fail "start_bus: system or open" ;;
    esac
    bg_start dbus-daemon --config-file="$_sb_dir/bus.conf" --nofork --nopidfile
    BUS=unix:path=$_sb_sock
    wait_for 5 test -S "$_sb_sock" || fail "dbus-daemon did not start"
    # Let unprivileged callers reach the socket (the system bus's socket is world-accessible).
    chmod 0755 "$_sb_dir"
    chmod 0777 "$_sb_sock"
}

_name_owned() {
    [ "$(busctl --address="$BUS" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        NameHasOwner s org.ystpcs.pcs1 2>/dev/null)" = "b true" ]
}

# The guest tests' rack on vcan0: a system bus, candump into $DUMP, pcs-sim with modules 1 and
# 2 (no noise, SoC 0.6) controlled through $SIM; all under a fresh $DIR.
start_vcan_rack() {
    DIR=$(make_tmpdir)
    chmod 0755 "$DIR"
    DUMP=$DIR/dump.log
    SIM=$DIR/sim.sock
    start_bus "$DIR" system
    start_candump vcan0 "$DUMP"
    bg_start "$PCS_SIM" --interface vcan0 --address 1 --address 2 --no-noise --soc 0.6 --control "$SIM" --log-level warn \
        >"$DIR/sim.log" 2>&1
    wait_for 5 test -S "$SIM" || fail "pcs-sim did not start: $(cat "$DIR/sim.log")"
}

start_ystpcsd() {
    _sy_log=$1
    shift
    # shellcheck disable=SC2086 # YSTPCSD_WRAP: a command prefix such as "chrt -f 20"
    bg_start ${YSTPCSD_WRAP:-} "$YSTPCSD" --bus-address "$BUS" "$@" >>"$_sy_log" 2>&1
    YSTPCSD_PID=$BG_PID
    wait_for 10 _name_owned || fail "ystpcsd did not take org.ystpcs.pcs1: $(tail -5 "$_sy_log" 2>/dev/null)"
}

stop_ystpcsd() {
    kill -TERM "$YSTPCSD_PID" 2>/dev/null
    YSTPCSD_STATUS=0
    wait "$YSTPCSD_PID" || YSTPCSD_STATUS=$?
}

start_frame_stream() {
    bg_start "$PY" "$YSTPCS_SOURCE_ROOT/tests/system/frame_stream.py" "$BUS" "$1"
}

pcsctl() {
    "$PCSCTL" --bus-address "$BUS" "$@"
}

as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

expect_exit() {
    _ee_want=$1
    shift
    _ee_got=0
    OUT=$("$@" 2>&1) || _ee_got=$?
    [ "$_ee_got" = "$_ee_want" ] || fail "'$*' exited $_ee_got, expected $_ee_want: $OUT"
}

json_get() {
    printf '%s' "$1" | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($2)"
}

check_recording() {
    read -r _cr_n _cr_span _ _ _ <<EOF
$(periods "$1")
EOF
    info "recording: $_cr_n frames over $_cr_span µs"
    [ "$_cr_span" -ge 1400000 ] || fail "short recording: $_cr_n frames over $_cr_span µs"
    for _cr_id in "1811B4$2" "181A${2}B4"; do
        read -r _cr_n _ _ _ _cr_max <<EOF
$(periods "$1" "$_cr_id")
EOF
        [ "$_cr_n" -ge 2 ] && [ "$_cr_max" -lt 300000 ] ||
            fail "recording: $_cr_n frames $_cr_id, longest period $_cr_max µs"
    done
}
