#!/bin/sh
# Test profiles end to end (issue 15): ystpcsd --simulate 1 on a private bus with the system
# bus's rules, pcsctl profile, the BDF results read with Python's csv, a daemon killed mid-run
# coming back with the run interrupted and nothing energised. Scenarios: profile.py.
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon setpriv
[ "$(id -u)" = 0 ] || skip "needs root (to run clients as nobody)"
[ -x "$PY" ] && "$PY" -c "import dbus; from gi.repository import GLib" 2>/dev/null || skip "python3-dbus or python3-gi not installed"

DIR=$(mktemp -d /tmp/ystpcs-profile-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
start_bus "$DIR" system
"$PY" "$YSTPCS_SOURCE_ROOT/tests/system/profile.py" "$BUS" "$DIR" "$YSTPCSD" "$PCSCTL" || {
    echo "--- ystpcsd's log (last 40 lines)" >&2
    tail -n 40 "$DIR"/daemon*.log >&2
    fail "profile system test"
}
info "profile system test passed"
