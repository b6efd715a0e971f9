#!/bin/sh
# Regression tests of the engine's safety rules (issue 13) through D-Bus, with the frames the
# daemon sent: ystpcsd --simulate 2 on a private bus with the system bus's rules, restarted
# with the same state directory; unprivileged callers as uid nobody. Runs on the host (no CAN
# needed); the scenarios are in safety.py.
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon busctl setpriv
[ "$(id -u)" = 0 ] || skip "needs root (to run clients as nobody)"
[ -x "$PY" ] && "$PY" -c "import dbus; from gi.repository import GLib" 2>/dev/null || skip "python3-dbus or python3-gi not installed"

DIR=$(mktemp -d /tmp/ystpcs-safety-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
start_bus "$DIR" system
"$PY" "$YSTPCS_SOURCE_ROOT/tests/system/safety.py" "$BUS" "$DIR" "$YSTPCSD" || {
    echo "--- ystpcsd's log (last 40 lines)" >&2
    tail -n 40 "$DIR"/daemon*.log >&2
    fail "safety regression tests"
}
info "safety regression tests passed"
