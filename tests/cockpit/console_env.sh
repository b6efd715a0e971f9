# The console's world, shared by the browser test (console.sh) and `.ci/demo --console`: to be
# sourced inside a private mount namespace (unshare --mount --propagation private), after
# tests/guest/lib.sh and tests/system/ystpcs.sh. console_env_start DIR PASSWORD PORT installs
# the build into DIR/root and binds its Cockpit package over /usr/share/cockpit and its
# bin/ over /usr/local/bin (the raw CAN panel runs pcsctl), adds users pcs-op (group ystpcs)
# and pcs-viewer with PASSWORD to bound copies of /etc/passwd, group and shadow, starts a
# private system bus with the project's policy at /run/dbus/system_bus_socket, ystpcsd
# --simulate 3 on it, and cockpit-ws on 127.0.0.1:PORT (0: any free port). Sets BUS, PORT,
# YSTPCSD_PID. Nothing outside the namespace changes.

console_env_start() {
    DIR=$1
    _ce_password=$2
    PORT=$3
    chmod 0755 "$DIR"

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
    HASH=$(openssl passwd -6 "$_ce_password")
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

    # --- cockpit-ws ----------------------------------------------------------------------------------
    [ "$PORT" != 0 ] || PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    bg_start /usr/lib/cockpit/cockpit-ws --no-tls --address 127.0.0.1 --port "$PORT" >"$DIR/cockpit-ws.log" 2>&1
    wait_for 10 "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=1)" 2>/dev/null ||
        fail "cockpit-ws does not answer: $(tail -5 "$DIR/cockpit-ws.log")"

}
