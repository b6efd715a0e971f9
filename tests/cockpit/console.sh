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
chmod 0755 "$DIR"
SHOTS=$YSTPCS_BUILD_ROOT/tests/cockpit-screenshots
mkdir -p "$SHOTS"
trap 'stop_bg; rm -rf "$DIR"' EXIT

# --- the installed build: the Cockpit package, pcsctl (the raw CAN panel runs it), ystpcsd --------
DESTDIR=$DIR/root meson install -C "$YSTPCS_BUILD_ROOT" --quiet --no-rebuild >"$DIR/install.log" 2>&1 ||
    fail "meson install: $(tail -5 "$DIR/install.log")"
[ -f "$DIR/root/usr/share/cockpit/ystpcs/manifest.json" ] || fail "the Cockpit package is not installed"
mkdir -p "$DIR/cockpit"
cp -a /usr/share/cockpit/. "$DIR/cockpit/"
cp -a "$DIR/root/usr/share/cockpit/ystpcs" "$DIR/cockpit/"
mount --bind "$DIR/cockpit" /usr/share/cockpit
mount --bind "$DIR/root/usr/bin" /usr/local/bin

# --- two users with passwords, group ystpcs ------------------------------------------------------
mkdir -p "$DIR/etc" "$DIR/home/pcs-op" "$DIR/home/pcs-viewer"
for f in passwd group shadow; do cp /etc/$f "$DIR/etc/$f"; done
HASH=$(openssl passwd -6 console-test)
echo "pcs-op:x:64101:64101::$DIR/home/pcs-op:/bin/sh" >>"$DIR/etc/passwd"
echo "pcs-viewer:x:64102:64102::$DIR/home/pcs-viewer:/bin/sh" >>"$DIR/etc/passwd"
echo "pcs-op:$HASH:20000:0:99999:7:::" >>"$DIR/etc/shadow"
echo "pcs-viewer:$HASH:20000:0:99999:7:::" >>"$DIR/etc/shadow"
echo "pcs-op:x:64101:" >>"$DIR/etc/group"
echo "pcs-viewer:x:64102:" >>"$DIR/etc/group"
if grep -q '^ystpcs:' "$DIR/etc/group"; then
    sed -i '/^ystpcs:/ { s/$/,pcs-op/; s/:,pcs-op$/:pcs-op/ }' "$DIR/etc/group"
else
    echo "ystpcs:x:64100:pcs-op" >>"$DIR/etc/group"
fi
chown 64101:64101 "$DIR/home/pcs-op"
chown 64102:64102 "$DIR/home/pcs-viewer"
for f in passwd group shadow; do mount --bind "$DIR/etc/$f" /etc/$f; done
id pcs-op | grep -q '(ystpcs)' || fail "pcs-op is not in group ystpcs: $(id pcs-op)"

# --- the system bus, ystpcsd ---------------------------------------------------------------------
mkdir -p "$DIR/run-dbus"
start_bus "$DIR/run-dbus" system
mv "$DIR/run-dbus/bus.socket" "$DIR/run-dbus/system_bus_socket" 2>/dev/null || true
mount --bind "$DIR/run-dbus" /run/dbus
BUS=unix:path=/run/dbus/system_bus_socket
busctl --address="$BUS" status >/dev/null 2>&1 || fail "the private system bus does not answer at /run/dbus"
start_ystpcsd "$DIR/daemon.log" --simulate 3 --state-directory "$DIR/state"
info "ystpcsd up (pid $YSTPCSD_PID), private system bus, users pcs-op (group ystpcs) and pcs-viewer"

# --- cockpit-ws ----------------------------------------------------------------------------------
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bg_start /usr/lib/cockpit/cockpit-ws --no-tls --address 127.0.0.1 --port "$PORT" >"$DIR/cockpit-ws.log" 2>&1
wait_for 10 "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=1)" 2>/dev/null ||
    fail "cockpit-ws does not answer: $(tail -5 "$DIR/cockpit-ws.log")"

# --- the browser tests ---------------------------------------------------------------------------
"$PY" "$YSTPCS_SOURCE_ROOT/tests/cockpit/console.py" --url "http://127.0.0.1:$PORT" --bus "$BUS" \
    --password console-test --shots "$SHOTS" --profile "$DIR/chromium" ||
    fail "browser tests (screenshots in $SHOTS; daemon log: $(tail -3 "$DIR/daemon.log"); cockpit-ws: $(tail -3 "$DIR/cockpit-ws.log"))"
info "the console in Chromium: list, live values, history, CC charge, limits, read-only refusal, emergency stop"
