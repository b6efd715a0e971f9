# lib.sh: helpers for test scripts that run INSIDE the guest
# started by guest-run (POSIX sh; source it, do not execute it):
#
#     . "${GUEST_LIB:-$(dirname "$0")/lib.sh}"     # guest-run exports GUEST_LIB
#
# Results and messages go to stderr; a test passes by exiting 0, fails with 1,
# and is skipped with 77 (meson's convention). fail/skip exit the shell they run
# in: inside $(...) they only end that subshell.
#
#   info MSG...                 print "# MSG" to stderr
#   fail MSG...                 print "FAIL: MSG", stop background jobs, exit 1
#   skip MSG...                 print "SKIP: MSG", stop background jobs, exit 77
#   require_guest               skip unless running inside guest-run's guest
#   require_cmd CMD...          skip unless every CMD is on PATH
#   assert_eq EXPECTED ACTUAL [MSG]    fail unless the two strings are equal
#                                      (multi-line strings are shown in full)
#   assert_ne UNEXPECTED ACTUAL [MSG]  fail if they are equal
#   assert_contains HAYSTACK NEEDLE [MSG]  fail unless NEEDLE is a substring
#   wait_for TIMEOUT_S CMD...   run CMD every 0.1 s until it succeeds; return 1
#                               (not fail) after TIMEOUT_S seconds (tenths allowed):
#                               wait_for 5 test -s "$f" || fail "no output"
#   bg_start CMD...             start CMD in the background under setsid (its own
#                               process group), remember its PID ($BG_PID)
#   stop_bg                     SIGTERM (then SIGKILL after 2 s) the process group
#                               of every job started by bg_start/start_candump, and
#                               wait for them; also run on exit (this file installs
#                               'trap stop_bg EXIT'; a script setting its own EXIT
#                               trap must call stop_bg itself)
#   start_candump IFACE[,FILTER...] FILE
#                               run 'candump -L' on IFACE in the background, output
#                               to FILE; returns once candump's CAN socket receives
#                               (no frame sent afterwards can be missed); $BG_PID.
#                               Note: candump exits when its interface goes down.
#   frames FILE [ID_REGEX]      print "ID#DATA" of each candump -L line in FILE whose
#                               whole ID matches ID_REGEX (ERE, upper-case hex;
#                               default: any), in order
#   count_frames FILE [ID_REGEX]  number of such lines
#   wait_frames TIMEOUT_S FILE ID_REGEX N   wait until count_frames >= N; return 1
#                               on timeout
#   periods FILE [ID_REGEX [DATA_REGEX]]
#                               timing of the frames of FILE ("-": standard input) whose
#                               whole ID matches ID_REGEX and whose data starts with
#                               DATA_REGEX (ERE; default: any), from candump's kernel
#                               timestamps, in integer microseconds: prints
#                               "N SPAN MEAN MIN MAX": N frames, first to last, and the
#                               mean, shortest and longest period between consecutive
#                               ones (SPAN..MAX are 0 when N < 2). Judge rates with it,
#                               never by counting frames in a window timed by sleep:
#                               read -r n span mean min max <<EOF
#                               $(periods "$DUMP" 1811B4FA)
#                               EOF
#   wall_ts                     the wall-clock time as candump -L stamps frames
#                               ("1700000000.123456", CLOCK_REALTIME)
#   wait_frame_after TIMEOUT_S FILE ID_REGEX TS [DATA_REGEX]
#                               wait until FILE holds such a frame stamped later than
#                               TS (from wall_ts); return 1 on timeout. A frame sent
#                               after TS proves the capture holds everything sent
#                               before it (a marker for checks that something did NOT
#                               happen): t=$(wall_ts); wait_frame_after 3 "$DUMP" 181A01B4 "$t"
#   iface_exists IFACE, iface_is_up IFACE (IFF_UP flag set)
#   make_tmpdir                 print a new directory under the guest's /tmp
#                               (a tmpfs; lost at power-off)
#
# candump -L lines look like "(1700000000.123456) vcan0 181AFAB4#0000271002000000":
# IDs are upper-case hex, 3 digits for standard and 8 for extended frames;
# an RTR frame prints as "7FF#R", a CAN FD frame as "123##<flags><data>".
#
# Every process start costs ~0.1 s in a guest: the helpers use shell built-ins and
# single processes where they can.

_GUEST_BG_PIDS=

info() { echo "# $*" >&2; }

fail() {
    echo "FAIL: $*" >&2
    stop_bg
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    stop_bg
    exit 77
}

require_guest() {
    [ "${GUEST:-}" = 1 ] || skip "must run inside a guest kernel: guest-run -- $0"
}

require_cmd() {
    for _c in "$@"; do
        command -v "$_c" >/dev/null 2>&1 || skip "$_c not found"
    done
}

assert_eq() {
    [ "$1" = "$2" ] && return 0
    {
        echo "FAIL: ${3:-values differ}"
        echo "--- expected:"; printf '%s\n' "$1"
        echo "--- actual:"; printf '%s\n' "$2"
        echo "---"
    } >&2
    stop_bg
    exit 1
}

assert_ne() {
    [ "$1" != "$2" ] || fail "${3:-unexpected value}: $2"
}

assert_contains() {
    case $1 in
        *"$2"*) return 0 ;;
    esac
    {
        echo "FAIL: ${3:-missing text}: '$2' not found in:"
        printf '%s\n' "$1"
    } >&2
    stop_bg
    exit 1
}

# Centiseconds since boot into $_NOW_CS, without a process (/proc/uptime); tenths of
# a second counted by the caller instead when /proc is not mounted.
_now_cs() {
    _NOW_CS=
    read -r _nc_up _nc_rest 2>/dev/null </proc/uptime || return 1
    _nc_f=${_nc_up#*.}
    _nc_f=${_nc_f#0}
    _NOW_CS=$(( ${_nc_up%.*} * 100 + ${_nc_f:-0} ))
}

wait_for() {
    # TIMEOUT_S in centiseconds, in shell arithmetic (no awk process).
    case $1 in
        *.*) _wf_i=${1%%.*}; _wf_f=${1#*.}00; _wf_f=${_wf_f%"${_wf_f#??}"}; _wf_f=${_wf_f#0} ;;
        *) _wf_i=$1; _wf_f=0 ;;
    esac
    _wf_cs=$(( ${_wf_i:-0} * 100 + ${_wf_f:-0} ))
    shift
    # A deadline, not a count: 'sleep 0.1' takes ~0.15 s in a guest.
    if _now_cs; then _wf_end=$((_NOW_CS + _wf_cs)); else _wf_end=; _wf_n=$((_wf_cs / 10)); fi
    while :; do
        "$@" && return 0
        if [ -n "$_wf_end" ]; then
            _now_cs
            [ "$_NOW_CS" -lt "$_wf_end" ] || return 1
        else
            _wf_n=$((_wf_n - 1))
            [ "$_wf_n" -gt 0 ] || return 1
        fi
        sleep 0.1
    done
}

bg_start() {
    setsid "$@" &
    BG_PID=$!
    _GUEST_BG_PIDS="$_GUEST_BG_PIDS $BG_PID"
}

_bg_kill() {
    # dash's kill takes no "--": -SIG -PGID addresses the process group.
    kill "-$1" "-$2" 2>/dev/null || kill "-$1" "$2" 2>/dev/null
}

stop_bg() {
    [ -n "$_GUEST_BG_PIDS" ] || return 0
    _sb_pids=$_GUEST_BG_PIDS
    _GUEST_BG_PIDS=
    for _p in $_sb_pids; do _bg_kill TERM "$_p"; done
    _sb_n=20
    while [ "$_sb_n" -gt 0 ]; do
        _sb_alive=
        for _p in $_sb_pids; do
            kill -0 "$_p" 2>/dev/null && _sb_alive=1
        done
        [ -n "$_sb_alive" ] || break
        sleep 0.1
        _sb_n=$((_sb_n - 1))
    done
    for _p in $_sb_pids; do _bg_kill KILL "$_p"; done
    for _p in $_sb_pids; do wait "$_p" 2>/dev/null; done
    return 0
}
trap stop_bg EXIT

# Number of CAN receivers (sockets, filters) registered on IFACE.
_can_receivers() {
    awk -v dev="$1" '$1 == dev { n++ } END { print n + 0 }' /proc/net/can/rcvlist_*
}

_candump_ready() {
    kill -0 "$BG_PID" 2>/dev/null || fail "candump on $1 exited: $(cat "$3" 2>/dev/null)"
    [ "$(_can_receivers "$1")" -gt "$2" ]
}

start_candump() {
    [ $# -eq 2 ] || fail "usage: start_candump IFACE[,FILTER...] FILE"
    _sc_if=${1%%,*}
    iface_exists "$_sc_if" || fail "start_candump: no interface $_sc_if"
    : >"$2" || fail "start_candump: cannot write $2"
    if [ -r /proc/net/can/rcvlist_all ]; then
        _sc_before=$(_can_receivers "$_sc_if")
        bg_start candump -L "$1" >"$2" 2>&1
        wait_for 5 _candump_ready "$_sc_if" "$_sc_before" "$2" ||
            fail "candump on $1 did not start listening: $(cat "$2")"
    else
        bg_start candump -L "$1" >"$2" 2>&1
        sleep 0.5
    fi
}

# One process each; grep/sed -E, not awk: mawk (Debian's awk) lacks {n}.
frames() {
    sed -nE "s/^\([0-9.]+\) [^ ]+ ((${2:-[0-9A-F]+})#[^ ]*)\$/\\1/p" "$1"
}

count_frames() {
    grep -cE "^\([0-9.]+\) [^ ]+ (${2:-[0-9A-F]+})#" "$1"
}

_frames_at_least() {
    [ "$(count_frames "$1" "$2")" -ge "$3" ]
}

wait_frames() {
    wait_for "$1" _frames_at_least "$2" "$3" "$4"
}

# Stamps as integer microseconds since the first frame, from seconds and fraction apart (a
# whole stamp read as one of awk's doubles loses its last digit). mawk has no {n}.
periods() {
    awk -v re="^[(][0-9.]+[)] [^ ]+ (${2:-[0-9A-F]+})#${3:-}" '
        $0 ~ re {
            t = substr($1, 2, length($1) - 2); s = t; f = ""
            if (index(t, ".")) { s = substr(t, 1, index(t, ".") - 1); f = substr(t, index(t, ".") + 1) }
            f = substr(f "000000", 1, 6)
            us = (s - first_s) * 1000000 + f
            if (n == 0) { first_s = s; us = f + 0; first = us }
            else { d = us - prev; if (n == 1 || d < min) min = d; if (d > max) max = d }
            prev = us; n++
        }
        END {
            if (n < 2) { print n + 0, 0, 0, 0, 0; exit }
            printf "%d %d %d %d %d\n", n, prev - first, (prev - first) / (n - 1) + 0.5, min, max
        }' "$1"
}

wall_ts() {
    date +%s.%6N
}

_frame_after() {
    awk -v re="^[(][0-9.]+[)] [^ ]+ (${2})#${4:-}" -v ts="$3" '
        $0 ~ re { t = substr($1, 2, length($1) - 2); if (t + 0 > ts + 0) { found = 1; exit } }
        END { exit !found }' "$1"
}

wait_frame_after() {
    wait_for "$1" _frame_after "$2" "$3" "$4" "${5:-}"
}

iface_exists() {
    [ -e "/sys/class/net/$1" ]
}

iface_is_up() {
    read -r _iu_flags 2>/dev/null <"/sys/class/net/$1/flags" || return 1
    [ $((_iu_flags & 1)) -ne 0 ]
}

make_tmpdir() {
    mktemp -d /tmp/test.XXXXXX || fail "mktemp failed"
}
