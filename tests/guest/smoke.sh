#!/bin/sh
# smoke.sh: proves that real SocketCAN works inside guest-run's guest: vcan0 exists
# and is up, frames sent with cansend reach candump unchanged, an interface can be
# taken down and up again, and (with --vcan 2) vcan0 and vcan1 are separate buses.
#
#     tests/guest/guest-run --vcan 2 -- sh tests/guest/smoke.sh
set -u
# shellcheck source=SCRIPTDIR/lib.sh
. "${GUEST_LIB:-$(dirname "$0")/lib.sh}"

require_guest
require_cmd candump cansend ip

T=$(make_tmpdir)

# ---- The interfaces guest-run announced exist, are CAN (ARPHRD_CAN = 280) and up.
assert_eq 0 "$(id -u)" "the guest command does not run as root"
for v in ${GUEST_VCAN:-vcan0}; do
    iface_exists "$v" || fail "$v does not exist"
    assert_eq 280 "$(cat "/sys/class/net/$v/type")" "$v is not a CAN interface"
    iface_is_up "$v" || fail "$v is not up"
done
iface_exists vcan0 || fail "vcan0 does not exist"
assert_contains "$(ip -details link show dev vcan0)" "vcan" "ip -details shows no vcan link"
info "interfaces: ${GUEST_VCAN:-vcan0} exist and are up"

# ---- Frames go through unchanged: EFF with data, SFF, RTR, empty EFF, 8-byte EFF.
FRAMES='181AFAB4#0000271002000000
123#DEADBEEF
7FF#R
00000001#
1FFFFFFF#0102030405060708'

start_candump vcan0 "$T/dump1"
for f in $FRAMES; do
    cansend vcan0 "$f" || fail "cansend vcan0 $f failed"
done
wait_frames 5 "$T/dump1" '.*' 5 || fail "candump saw $(count_frames "$T/dump1" '.*') of 5 frames: $(cat "$T/dump1")"
stop_bg
assert_eq "$FRAMES" "$(frames "$T/dump1")" "candump -L did not see exactly the frames sent"
assert_eq "vcan0 181AFAB4#0000271002000000" "$(awk 'NR == 1 { print $2, $3 }' "$T/dump1")" \
    "first candump -L line"
assert_eq 1 "$(count_frames "$T/dump1" 181AFAB4)" "frames with id 181AFAB4"
assert_eq 3 "$(count_frames "$T/dump1" '[0-9A-F]{8}')" "extended frames"
assert_eq 2 "$(count_frames "$T/dump1" '[0-9A-F]{3}')" "standard frames"
info "cansend -> candump: 5 frames seen unchanged"

# ---- A filtered candump sees only its id (and start_candump waits for it too).
start_candump vcan0,123:7FF "$T/dump_f"
cansend vcan0 124#01 || fail "cansend 124#01 failed"
cansend vcan0 123#02 || fail "cansend 123#02 failed"
wait_frames 5 "$T/dump_f" 123 1 || fail "filtered candump saw nothing"
stop_bg
assert_eq "123#02" "$(frames "$T/dump_f")" "filtered candump output"
info "candump filter 123:7FF works"

# ---- Down and up again.
ip link set vcan0 down || fail "ip link set vcan0 down failed"
iface_is_up vcan0 && fail "vcan0 is still up after 'ip link set vcan0 down'"
if cansend vcan0 123#01 2>/dev/null; then
    fail "cansend succeeded on a down interface"
fi
ip link set vcan0 up || fail "ip link set vcan0 up failed"
iface_is_up vcan0 || fail "vcan0 is not up after 'ip link set vcan0 up'"
start_candump vcan0 "$T/dump2"
cansend vcan0 181AFAB4#0000271002000000 || fail "cansend after up failed"
wait_frames 5 "$T/dump2" 181AFAB4 1 || fail "no frame seen after down/up"
stop_bg
assert_eq "181AFAB4#0000271002000000" "$(frames "$T/dump2")" "frames after down/up"
info "vcan0 down/up works"

# ---- Two buses are separate (only with guest-run --vcan 2 or more).
if iface_exists vcan1; then
    start_candump vcan0 "$T/bus0"
    start_candump vcan1 "$T/bus1"
    cansend vcan0 456#BB || fail "cansend vcan0 failed"
    cansend vcan1 321#AA || fail "cansend vcan1 failed"
    wait_frames 5 "$T/bus0" 456 1 || fail "vcan0 frame not seen"
    wait_frames 5 "$T/bus1" 321 1 || fail "vcan1 frame not seen"
    stop_bg
    assert_eq "456#BB" "$(frames "$T/bus0")" "vcan0 saw a frame of vcan1"
    assert_eq "321#AA" "$(frames "$T/bus1")" "vcan1 saw a frame of vcan0"
    info "vcan0 and vcan1 are separate buses"
fi

echo "PASS: SocketCAN smoke test"
