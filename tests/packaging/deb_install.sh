#!/bin/sh
# Guest half of deb.sh, under real systemd (guest-systemd-run): dpkg -i the packages as an
# administrator would, then check the user, the enabled and started service, the shipped
# default configuration (interface can0, here a vcan named can0 that appears after the
# service started: ystpcsd retries), a pcs-sim module driven through pcsctl, the bridge
# (installed disabled, then enabled with metrics on and scraped), then removal (the services
# stop) and purge (configuration and state gone).
. "$GUEST_LIB"
. "$(dirname "$GUEST_LIB")/../system/installed.sh"
[ "${GUEST_SYSTEMD:-}" = 1 ] || skip "must run under guest-systemd-run"
connected() { [ "$(prop "$1" Connected 2>/dev/null)" = True ]; }
# Power stage active: states 7, 10, 11, 12, 14 (Appendix B).
running() { case $(prop "$1" RunningState) in 7 | 10 | 11 | 12 | 14) return 0 ;; *) return 1 ;; esac; }
# The host's container policy forbids starting services; a rack PC has none.
rm -f /usr/sbin/policy-rc.d
# Under user-mode Linux, hostfs keeps one host file descriptor per cached inode, and the UML
# process may have only `ulimit -n` of them (20000 here): man-db's trigger walks 25000 manual
# pages and exhausts them. The manual index is not what this test checks; dropping the caches after each dpkg
# run gives the descriptors back.
rm -f /var/lib/man-db/auto-update
drop_caches() { sync; echo 2 >/proc/sys/vm/drop_caches; }

dpkg -i "$DEB_DIR"/ystpcs_*.deb "$DEB_DIR"/ystpcs-sim_*.deb "$DEB_DIR"/ystpcs-bridge_*.deb >/run/dpkg.log 2>&1 ||
    { cat /run/dpkg.log >&2; fail "dpkg -i"; }
drop_caches
getent passwd ystpcs >/dev/null || fail "user ystpcs not created"
getent group ystpcs >/dev/null || fail "group ystpcs not created"
[ "$(systemctl is-enabled ystpcsd)" = enabled ] || fail "ystpcsd not enabled: $(systemctl is-enabled ystpcsd)"
wait_for 10 sh -c '[ "$(systemctl is-active ystpcsd)" = active ]' || fail "ystpcsd not started: $(systemctl is-active ystpcsd)"
# Started once: the first start after dpkg -i succeeded (the bus had read the new policy).
[ "$(systemctl show -p NRestarts --value ystpcsd)" = 0 ] ||
    fail "ystpcsd was restarted $(systemctl show -p NRestarts --value ystpcsd) time(s) after installation"
journalctl -b --no-pager -o cat -u ystpcsd >/run/journal.txt
[ "$(grep -c '^Starting ystpcsd.service' /run/journal.txt)" = 1 ] || fail "ystpcsd started more than once: $(cat /run/journal.txt)"
grep -E 'Failed to request bus name|Failed with result|Main process exited' /run/journal.txt &&
    fail "a failed start in the journal"
# systemd accepted every line of the unit.
journalctl -b --no-pager -o cat | grep -E 'ystpcsd\.service:[0-9]+: ' && fail "systemd warns about the unit"
systemd-analyze verify /lib/systemd/system/ystpcsd.service >/run/verify.txt 2>&1 || fail "systemd-analyze verify: $(cat /run/verify.txt)"
grep -q . /run/verify.txt && fail "systemd-analyze verify: $(cat /run/verify.txt)"
info "installed: user, group, service enabled and active, started once"

# The shipped configuration serves can0; it appears later and is picked up without restart.
ip link add dev can0 type vcan && ip link set can0 up || fail "can0"
systemd-run --quiet --unit=pcs-sim /usr/bin/pcs-sim --interface can0 --address 7 --no-noise --log-level warn ||
    fail "pcs-sim unit"
wait_for 20 connected can0/7 ||
    fail "module can0/7 not communicating: $(pcsctl list 2>&1)"
# A module that has just powered up runs its self-check (state 9) and refuses to start; ready
# is standby (13).
wait_for 20 state_is can0/7 13 || fail "module can0/7 not ready: state $(prop can0/7 RunningState)"
pcsctl -m can0/7 set cv 700V --start >/dev/null || fail "pcsctl set cv --start"
wait_for 5 running can0/7 || fail "module not running: state $(prop can0/7 RunningState)"
info "the installed service drives pcs-sim on can0 with the default configuration"

# The bridge: installed disabled, its user created; enabled with metrics on, it serves can0/7.
getent passwd ystpcs-bridge >/dev/null || fail "user ystpcs-bridge not created"
[ "$(systemctl is-enabled ystpcs-bridge)" = disabled ] || fail "ystpcs-bridge not disabled: $(systemctl is-enabled ystpcs-bridge)"
[ "$(systemctl is-active ystpcs-bridge)" = inactive ] || fail "ystpcs-bridge not inactive: $(systemctl is-active ystpcs-bridge)"
systemd-analyze verify /lib/systemd/system/ystpcs-bridge.service >/run/verify.txt 2>&1 ||
    fail "systemd-analyze verify ystpcs-bridge: $(cat /run/verify.txt)"
grep -q . /run/verify.txt && fail "systemd-analyze verify ystpcs-bridge: $(cat /run/verify.txt)"
grep -q '"enabled": false, "address": "127.0.0.1", "port": 9477' /etc/ystpcs-bridge/ystpcs-bridge.json ||
    fail "the shipped bridge configuration does not have metrics off on 127.0.0.1:9477"
sed -i 's/"metrics": {"enabled": false/"metrics": {"enabled": true/' /etc/ystpcs-bridge/ystpcs-bridge.json
systemctl enable --now ystpcs-bridge 2>/run/enable.log || fail "systemctl enable --now ystpcs-bridge: $(cat /run/enable.log)"
scrape() { curl -sf http://127.0.0.1:9477/metrics; }
wait_for 20 sh -c 'curl -sf http://127.0.0.1:9477/metrics | grep -qxF "ystpcs_module_link_up{interface=\"can0\",address=\"7\"} 1"' ||
    fail "the bridge does not serve can0/7: $(systemctl status --no-pager ystpcs-bridge 2>&1 | tail -5) $(scrape | head -5)"
scrape | grep -q '^ystpcs_module_dc_voltage_volts{interface="can0",address="7"} ' || fail "no DC voltage of can0/7"
[ "$(systemctl show -p User --value ystpcs-bridge)" = ystpcs-bridge ] || fail "the bridge does not run as ystpcs-bridge"
journalctl -b --no-pager -o cat | grep -E 'ystpcs-bridge\.service:[0-9]+: ' && fail "systemd warns about the bridge's unit"
info "the bridge: installed disabled, enabled with metrics on, serves can0/7 as user ystpcs-bridge"

dpkg -r ystpcs-bridge ystpcs >/run/dpkg.log 2>&1 || { cat /run/dpkg.log >&2; fail "dpkg -r"; }
drop_caches
[ "$(systemctl is-active ystpcsd)" != active ] || fail "ystpcsd still active after removal"
[ "$(systemctl is-active ystpcs-bridge)" != active ] || fail "ystpcs-bridge still active after removal"
[ ! -e /lib/systemd/system/ystpcsd.service ] || fail "unit left after removal"
[ -e /etc/ystpcsd/ystpcsd.json ] || fail "configuration removed by remove (only purge may)"
dpkg --purge ystpcs ystpcs-sim ystpcs-bridge >/run/dpkg.log 2>&1 || { cat /run/dpkg.log >&2; fail "dpkg --purge"; }
[ ! -e /etc/ystpcsd/ystpcsd.json ] || fail "configuration left after purge"
[ ! -e /etc/ystpcs-bridge/ystpcs-bridge.json ] || fail "the bridge's configuration left after purge"
[ ! -e /var/lib/ystpcsd ] || fail "state directory left after purge"
info "removed and purged cleanly"
