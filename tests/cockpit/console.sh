#!/bin/sh
# The Cockpit page in a real browser (issue 14): the installed package served by cockpit-ws,
# a real PAM login of two throwaway users (an operator in group ystpcs, a viewer), a private
# system bus carrying the project's bus policy, ystpcsd --simulate 3, and headless Chromium
# driven over the DevTools protocol (console.py). Everything the test changes — the system
# bus socket, the users, the Cockpit package folder, the PATH's /usr/local/bin — is replaced
# in a private mount namespace only; the host is left as it was.
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd dbus-daemon unshare openssl chromium /usr/lib/cockpit/cockpit-ws
[ "$(id -u)" = 0 ] || skip "needs root (mount namespace, PAM users)"
"$PY" -c "import websocket, dbus" 2>/dev/null || skip "python3-websocket or python3-dbus not installed"

if [ -z "${YSTPCS_IN_NAMESPACE:-}" ]; then
    # /run/dbus must exist to be a mount point; an empty folder changes nothing on the host.
    mkdir -p /run/dbus
    YSTPCS_IN_NAMESPACE=1 exec unshare --mount --propagation private sh "$0" "$@"
fi

DIR=$(mktemp -d /tmp/ystpcs-cockpit-XXXXXX)
SHOTS=$YSTPCS_BUILD_ROOT/tests/cockpit-screenshots
mkdir -p "$SHOTS"
trap 'stop_bg; rm -rf "$DIR"' EXIT
. "$YSTPCS_SOURCE_ROOT/tests/cockpit/console_env.sh"
console_env_start "$DIR" console-test 0
info "ystpcsd up (pid $YSTPCSD_PID), private system bus, users pcs-op (group ystpcs) and pcs-viewer, cockpit-ws on port $PORT"

# --- the browser tests ---------------------------------------------------------------------------
"$PY" "$YSTPCS_SOURCE_ROOT/tests/cockpit/console.py" --url "http://127.0.0.1:$PORT" --bus "$BUS" \
    --password console-test --shots "$SHOTS" --profile "$DIR/chromium" ||
    fail "browser tests (screenshots in $SHOTS; daemon log: $(tail -3 "$DIR/daemon.log"); cockpit-ws: $(tail -3 "$DIR/cockpit-ws.log"))"
info "the console in Chromium: list, live values, history, CC charge, limits, read-only refusal, emergency stop"
