#!/bin/sh
# The Debian packages: build them with dpkg-buildpackage (packaging/build-deb), run lintian
# (no errors allowed), check what they contain, then install them under real systemd in
# user-mode Linux (deb_install.sh): user created, service enabled and started, working on
# the shipped default configuration, removed and purged cleanly; the bridge installed
# disabled, then enabled with metrics on and scraped.
set -eu
src=$YSTPCS_SOURCE_ROOT
out=$YSTPCS_BUILD_ROOT/dist
for tool in dpkg-buildpackage dh lintian fakeroot; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (apt-get install dpkg-dev debhelper lintian fakeroot)"; exit 77; }
done
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
# As many compile jobs as CPUs: debhelper runs ninja -j1 unless DEB_BUILD_OPTIONS says
# parallel=N (dpkg-buildpackage -J did not get through to it).
DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=$(nproc)} \
    "$src/packaging/build-deb" "$out" >"$out/build.log" 2>&1 || { tail -60 "$out/build.log"; fail "dpkg-buildpackage"; }
echo "# dpkg-buildpackage: $(($(date +%s) - start)) s ($(grep -m1 -o 'ninja -j[0-9]*' "$out/build.log"))"
main_deb=$(ls "$out"/ystpcs_*.deb) && sim_deb=$(ls "$out"/ystpcs-sim_*.deb) && bridge_deb=$(ls "$out"/ystpcs-bridge_*.deb) ||
    fail "packages missing: $(ls "$out")"

# lintian: errors fail the test; everything else is shown.
lintian --fail-on error "$out"/*.changes >"$out/lintian.log" 2>&1 || {
    cat "$out/lintian.log"; fail "lintian found errors"; }
echo "# lintian: $(grep -c '^E:' "$out/lintian.log") errors, $(grep -c '^W:' "$out/lintian.log") warnings"
sed 's/^/#   /' "$out/lintian.log"

# The contents land where the system looks for them.
dpkg-deb -c "$main_deb" >"$out/contents"
for f in ./usr/sbin/ystpcsd ./usr/bin/pcsctl ./lib/systemd/system/ystpcsd.service ./usr/lib/sysusers.d/ystpcs.conf \
    ./usr/share/dbus-1/system.d/org.ystpcs.pcs1.conf ./etc/ystpcsd/ystpcsd.json ./usr/share/man/man8/ystpcsd.8.gz \
    ./usr/share/man/man1/pcsctl.1.gz ./usr/share/man/man5/ystpcsd.json.5.gz ./usr/share/bash-completion/completions/pcsctl \
    ./usr/share/ystpcs/ystech-pcs.dbc ./usr/share/ystpcs/ystech-pcs.lua; do
    grep -q " $f\$" "$out/contents" || fail "$f not in $(basename "$main_deb")"
done
dpkg-deb -c "$sim_deb" | grep ' ./usr/bin/pcs-sim$' >/dev/null || fail "pcs-sim not in $(basename "$sim_deb")"
dpkg-deb -c "$bridge_deb" >"$out/bridge-contents"
for f in ./usr/sbin/ystpcs-bridge ./lib/systemd/system/ystpcs-bridge.service ./usr/lib/sysusers.d/ystpcs-bridge.conf \
    ./etc/ystpcs-bridge/ystpcs-bridge.json ./usr/share/man/man8/ystpcs-bridge.8.gz ./usr/share/man/man5/ystpcs-bridge.json.5.gz \
    ./usr/share/doc/ystpcs-bridge/fleet.md.gz; do
    grep -q " $f\$" "$out/bridge-contents" || fail "$f not in $(basename "$bridge_deb")"
done
grep -q 'ystpcs-bridge$' "$out/contents" && fail "the bridge is in $(basename "$main_deb")"
cockpit_deb=$(ls "$out"/ystpcs-cockpit_*.deb) || fail "ystpcs-cockpit package missing: $(ls "$out")"
for f in manifest.json index.html console.js vendor/uplot/uPlot.iife.min.js vendor/uplot/LICENSE; do
    dpkg-deb -c "$cockpit_deb" | grep " ./usr/share/cockpit/ystpcs/$f\$" >/dev/null || fail "$f not in $(basename "$cockpit_deb")"
done
dpkg-deb -I "$main_deb" conffiles | grep -x >/dev/null /etc/ystpcsd/ystpcsd.json || fail "the default configuration is not a conffile"
dpkg-deb -I "$bridge_deb" conffiles | grep -x >/dev/null /etc/ystpcs-bridge/ystpcs-bridge.json ||
    fail "the bridge's configuration is not a conffile"
# Installed disabled: the postinst enables the bridge only where an administrator had (an
# upgrade keeps it), and deb-systemd-invoke starts only an enabled unit; deb_install.sh checks
# that a fresh installation leaves it disabled and inactive.
dpkg-deb -I "$bridge_deb" postinst >"$out/bridge-postinst"
grep -q 'systemd-sysusers' "$out/bridge-postinst" || fail "the bridge's postinst does not create its user"
grep -q "if deb-systemd-helper debian-installed 'ystpcs-bridge.service'" "$out/bridge-postinst" ||
    fail "the bridge's postinst enables it on a fresh installation: $(cat "$out/bridge-postinst")"
dpkg-deb -I "$main_deb" postinst >"$out/postinst"
# The user, then the bus policy reloaded, then the start: sysusers' snippet, then ReloadConfig,
# then the start of debian/ystpcs.postinst.
awk '/systemd-sysusers/ && !u { u = NR } /ReloadConfig/ && !r { r = NR } /deb-systemd-invoke start/ && !s { s = NR }
     END { exit !(u && r && s && u < r && r < s) }' "$out/postinst" ||
    fail "postinst does not create the user, reload the bus policy and start the service in this order"

# Installed on a machine with systemd as PID 1.
exec "$GUEST_SYSTEMD_RUN" --timeout 200 --env "GUEST_LIB=$GUEST_LIB" --env "DEB_DIR=$out" -- sh "$src/tests/packaging/deb_install.sh"
