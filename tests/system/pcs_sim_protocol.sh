#!/bin/sh
# pcs-sim on real SocketCAN (vcan0 in user-mode Linux), driven with cansend and watched
# with candump: every command of the reference gets its reply, the periodic frames come
# every 200 ms, a mode change is refused while running, and the module faults with 0x800D
# 5 s after the last heartbeat (not before); an older ARM firmware (--arm-version 2.1.38)
# reports its version and refuses a zero heartbeat. Run by meson through tests/guest/guest-run.
. "$GUEST_LIB"
require_guest
require_cmd cansend candump
BUILD=${YSTPCS_BUILD_ROOT:?}
DUMP=$(make_tmpdir)/dump.log
SOCK=/run/pcs-sim.sock

start_candump vcan0 "$DUMP"
bg_start "$BUILD/ctl/pcs-sim/pcs-sim" --interface vcan0 --address 250 --no-noise --control "$SOCK" --log-level warn
wait_for 5 test -S "$SOCK" || fail "pcs-sim did not open its control socket"
wait_for 3 sh -c "grep -q ' 1813B4FA#0D' '$DUMP'" || fail "PCS 250 did not reach standby: $(tail -3 "$DUMP")"

# --- periodic frames: 0x11–0x19, 0x23–0x25, 0x39 every 200 ms -------------------------------
# Judged from candump's kernel timestamps, never by counting frames in a window timed by the
# guest's sleep: over eleven ticks after standby (a tick sends 0x11 first), each PF comes in
# every tick, none missing (no period above 300 ms), none doubled (none below 100 ms), at a
# mean period of 200 ± 10 ms. Only ±10 ms: over 13 periods one late last frame (24 ms on a
# loaded host) moves the mean by 2 ms. The precise mean (± 2 ms) is judged at the end over
# the whole capture, where such a frame weighs a hundredth.
PERIODIC=$(make_tmpdir)/periodic.log
mark=$(wc -l <"$DUMP")
n0=$(count_frames "$DUMP" 1811B4FA)
wait_frames 10 "$DUMP" 1811B4FA $((n0 + 12)) || fail "no 12 ticks of periodic frames: $(tail -3 "$DUMP")"
sed -n "$((mark + 1)),\$p" "$DUMP" >"$PERIODIC"
for pf in 11 12 13 14 15 16 17 18 19 23 24 25 39; do
    read -r n span mean min max <<EOF
$(periods "$PERIODIC" "18${pf}B4FA")
EOF
    info "PF 0x$pf: $n frames, period mean $mean µs, min $min µs, max $max µs"
    [ "$n" -ge 11 ] || fail "PF 0x$pf: $n frames in the 11 ticks after standby, expected one each"
    [ "$mean" -ge 190000 ] && [ "$mean" -le 210000 ] || fail "PF 0x$pf: mean period $mean µs, expected 200 ± 10 ms"
    [ "$max" -lt 300000 ] || fail "PF 0x$pf: a period of $max µs: a tick without it"
    [ "$min" -gt 100000 ] || fail "PF 0x$pf: a period of $min µs: sent twice in a tick"
done
# --- every command gets its reply -------------------------------------------------------------
# expect COMMAND REPLY_ID DATA_PREFIX: sends COMMAND, waits for REPLY_ID whose data starts
# with DATA_PREFIX.
expect() {
    before=$(wc -l <"$DUMP")
    cansend vcan0 "$1" || fail "cansend $1"
    wait_for 2 sh -c "sed -n '$((before + 1)),\$p' '$DUMP' | grep -q ' $2#$3'" ||
        fail "command $1: no reply $2#$3...; got: $(sed -n "$((before + 1)),\$p" "$DUMP" | grep -v ' 18[1-3][0-9]B4FA#' | head -5)"
}
# Heartbeats keep the communication alive while we talk (state 2 = running, 0 V, 0 A = raw 10000).
HB=181AFAB4#0000271002000000
cansend vcan0 $HB
# 3.1 protection: read sets 1..3; write set 1 = 747.5 V (1D33), 487.5 V (130B), 150.0 A (05DC) x2.
expect 1801FAB4#0100000000000000 1802B4FA ""
expect 1801FAB4#0200000000000000 1803B4FA ""
expect 1801FAB4#0300000000000000 1804B4FA ""
expect 1805FAB4#1D33130B05DC05DC 1808B4FA 0101
expect 1801FAB4#0100000000000000 1802B4FA 1D33130B05DC05DC
# set 2 = 100.0 kW (03E8) x2, 260.0 V (0A28), 180.0 V (0708); set 3 = 55.0 Hz (0226), 45.0 Hz (01C2), 55 (37), 45 (2D)
expect 1806FAB4#03E803E80A280708 1808B4FA 0201
expect 1807FAB4#022601C2372D0000 1808B4FA 0301
# Inconsistent set 1 (min 500.0 V above max 400.0 V) is refused: result byte 00.
expect 1805FAB4#0FA0138805DC05DC 1808B4FA 0100
# 3.2 clock 2026-11-25 12:30:00 → 07EA 0B 19 0C 1E 00.
expect 1809FAB4#07EA0B190C1E0000 180AB4FA 01
# mode CC (0x21), p1 = -20.000 A = -20000 = FFFFB1E0, p2 = 0; parameters 3-4 zero.
expect 180BFAB4#2100000000000000 180EB4FA 01
expect 180CFAB4#FFFFB1E000000000 180EB4FA 01
expect 180DFAB4#0000000000000000 180EB4FA 01
# p1 = -200.000 A (FFFCF2C0) is beyond the 150 A charge limit: refused.
expect 180CFAB4#FFFCF2C000000000 180EB4FA 00
# per-phase active power 1.0 kW (000A) each; reactive 0.
expect 1821FAB4#000A000A000A0000 180EB4FA 01
expect 1822FAB4#0000000000000000 180EB4FA 01
# 3.5 special settings → 0x1C type, 01.
expect 181BFAB4#1D4C000000000000 181CB4FA 0101   # bus 750.0 V, 0 kvar
expect 181FFAB4#0100010000000000 181CB4FA 0201   # IO1 and IO3 on
expect 1826FAB4#0100000000000000 181CB4FA 0301
expect 1828FAB4#0900000000000000 181CB4FA 0401   # C-phase host
expect 182AFAB4#01FC4A0000000000 181CB4FA 0501   # power factor mode, -0.950 = FC4A
expect 182CFAB4#0100000000000000 181CB4FA 0601
expect 182EFAB4#010307D000000000 181CB4FA 0701   # host, 3 modules, Hall ratio 2000
expect 1830FAB4#0101020000000000 181CB4FA 0801
expect 1832FAB4#0100000000000000 181CB4FA 0901
expect 1828FAB4#0600000000000000 181CB4FA 0400   # 6 is no inverter phase: refused
# 3.6 reads: every type gets its reply frame(s).
expect 181DFAB4#0100000000000000 181EB4FA 1D4C0000
expect 181DFAB4#0200000000000000 1820B4FA ""
expect 181DFAB4#0300000000000000 1827B4FA 01
expect 181DFAB4#0400000000000000 1829B4FA 09
expect 181DFAB4#0500000000000000 182BB4FA 01FC4A
expect 181DFAB4#0600000000000000 182DB4FA 01
expect 181DFAB4#0700000000000000 182FB4FA 010307D0
expect 181DFAB4#0800000000000000 1831B4FA 010102
expect 181DFAB4#0900000000000000 1833B4FA 01
expect 181DFAB4#0A00000000000000 1834B4FA ""
expect 181DFAB4#0A00000000000000 1835B4FA ""
expect 181DFAB4#0B00000000000000 1836B4FA 21
expect 181DFAB4#0B00000000000000 1837B4FA FFFFB1E0
expect 181DFAB4#0B00000000000000 1838B4FA ""

# --- start, mode change refused while running, stop, mode accepted ---------------------------
cansend vcan0 $HB
expect 180FFAB4#0100000000000000 1810B4FA 01
wait_for 3 sh -c "tail -40 '$DUMP' | grep -q ' 1813B4FA#0C'" || fail "not in constant-current operation after start"
cansend vcan0 $HB
expect 180BFAB4#0200000000000000 180EB4FA 00     # refused: the power stage is active
expect 180FFAB4#0000000000000000 1810B4FA 01     # stop
wait_for 2 sh -c "tail -30 '$DUMP' | grep -q ' 1813B4FA#05'" || fail "not stopped"
expect 180BFAB4#0200000000000000 180EB4FA 01     # accepted while stopped
# A frame for another PCS is not answered by 250. pcs-sim handles frames in order and answers
# at once: once the reply to the clock command sent after it is in, a 0x0E for PCS 7's 0x0B
# would be in too.
foreign=$(wc -l <"$DUMP")
cansend vcan0 180B07B4#2100000000000000
expect 1809FAB4#07EA0B190C1E0000 180AB4FA 01
sed -n "$((foreign + 1)),\$p" "$DUMP" | grep -q ' 180EB4FA#' && fail "PCS 250 answered a frame for PCS 7"

# --- heartbeat timeout: fault 0x800D 5 s after the last controller frame, not at 4.8 s --------
n0=$(count_frames "$DUMP" 181AFAB4)
i=0
while [ $i -lt 10 ]; do cansend vcan0 $HB; sleep 0.2; i=$((i + 1)); done
wait_frames 3 "$DUMP" 181AFAB4 $((n0 + 10)) || fail "the heartbeats sent are not all in the capture"
last=$(grep -E " 18[0-3][0-9A-F]FAB4#" "$DUMP" | tail -1 | sed 's/^(\([0-9.]*\)).*/\1/')
wait_for 7 grep -q " 1813B4FA#0600800D" "$DUMP" ||
    fail "no fault 0x800D within 7 s of the last heartbeat: $(grep ' 1813B4FA#' "$DUMP" | tail -2)"
fault=$(grep " 1813B4FA#0600800D" "$DUMP" | head -1 | sed 's/^(\([0-9.]*\)).*/\1/')
delay=$(awk -v a="$last" -v b="$fault" 'BEGIN{printf "%.3f", b - a}')
info "fault 0x800D ${delay} s after the last controller frame"
awk -v d="$delay" 'BEGIN{exit !(d >= 4.8 && d <= 5.3)}' || fail "fault after ${delay} s, expected 5 s"
# Clear faults (stop byte): back to standby.
expect 180FFAB4#0001000000000000 1810B4FA 01
wait_for 2 sh -c "tail -30 '$DUMP' | grep -q ' 1813B4FA#0D0000'" || fail "not back to standby after clear faults"

# --- heartbeat state 3: external-device fault ---------------------------------------------------
cansend vcan0 181AFAB4#0000271003000000
wait_for 2 sh -c "tail -30 '$DUMP' | grep -q ' 1813B4FA#06008012'" || fail "heartbeat state 3 did not fault the PCS"

# --- older ARM firmware: a heartbeat with zero DC values counts as missing ---------------------------
SOCK_OLD=/run/pcs-sim-old.sock
bg_start "$BUILD/ctl/pcs-sim/pcs-sim" --interface vcan0 --address 251 --no-noise --arm-version 2.1.38 \
    --control "$SOCK_OLD" --log-level warn
wait_for 5 test -S "$SOCK_OLD" || fail "pcs-sim --arm-version 2.1.38 did not open its control socket"
# 0x34 says what it plays: hardware 1.0.0, software 2.1.38 (0x26).
expect 181DFBB4#0A00000000000000 1834B4FB 010000020126
cansend vcan0 181AFBB4#0000271002000000     # 0 V, 0 A: refused
cansend vcan0 181AFBB4#0001271002000000     # 0.1 V: a heartbeat
# pcs-sim handles frames in order: once the reply to a command sent after them is in, both were.
expect 1809FBB4#07EA0B190C1E0000 180AB4FB 01
reply=$("$BUILD/ctl/pcs-sim/pcs-sim" --control "$SOCK_OLD" --command "state")
assert_contains "$reply" '"arm_software":"2.1.38","accepts_zero_heartbeat":false,"heartbeats_refused":1,'
assert_contains "$reply" '"heartbeat_dc":{"voltage_v":0.1,"current_a":0.0}'

# --- control channel ------------------------------------------------------------------------------
reply=$("$BUILD/ctl/pcs-sim/pcs-sim" --control "$SOCK" --command "state")
assert_contains "$reply" '"address":250' "control channel state"
"$BUILD/ctl/pcs-sim/pcs-sim" --control "$SOCK" --command "fault 0x800E" >/dev/null || fail "fault injection"
wait_for 2 sh -c "tail -30 '$DUMP' | grep -q ' 1813B4FA#0600800E'" || fail "injected fault 0x800E not reported"
kill -0 "$BG_PID" 2>/dev/null || fail "pcs-sim died"
# Mean period of 0x11 over the whole capture, from candump's kernel timestamps: judged at the
# end, over ~100 periods, so that the first frame's start-up lateness (~15 ms in QEMU) weighs
# little.
mean=$(grep " 1811B4FA#" "$DUMP" | sed 's/^(\([0-9.]*\)).*/\1/' |
       awk 'NR==1{first=$1} {last=$1; n++} END{printf "%.1f", (last-first)/(n-1)*1000}')
info "0x11 mean period ${mean} ms"
awk -v m="$mean" 'BEGIN{exit !(m >= 198 && m <= 202)}' || fail "0x11 period ${mean} ms, expected 200 ± 2 ms"
info "pcs-sim protocol test passed"
