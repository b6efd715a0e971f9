#!/bin/sh
# pcsctl's bash completion, loaded the way bash-completion loads it: commands, modes and
# settings (taken from pcsctl's own help), option values, and module names asked of a running
# ystpcsd --simulate 2 on a private bus.
. "${GUEST_LIB:?}"
. "$YSTPCS_SOURCE_ROOT/tests/system/ystpcs.sh"
require_cmd bash dbus-daemon
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || skip "bash-completion not installed"
SCRIPT=$YSTPCS_SOURCE_ROOT/ctl/pcsctl/pcsctl.bash-completion

DIR=$(mktemp -d /tmp/ystpcs-completion-XXXXXX)
trap 'stop_bg; rm -rf "$DIR"' EXIT
start_bus "$DIR" open
printf '{"simulate": 2, "state_directory": "%s/state"}\n' "$DIR" >"$DIR/ystpcsd.json"
start_ystpcsd "$DIR/daemon.log" --config "$DIR/ystpcsd.json"

# complete LINE: the candidates bash would offer for LINE (the word being completed is its
# last one; a trailing space starts a new, empty word).
complete_line() {
    PATH=$(dirname "$PCSCTL"):$PATH bash -c '
        . "$1"; . "$2"
        line=$3
        read -r -a COMP_WORDS <<<"$line"
        [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=$line; COMP_POINT=${#line}
        _pcsctl pcsctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " "' _ "$BC" "$SCRIPT" "$1"
}
check() {
    got=$(complete_line "$1")
    [ "$got" = "$2" ] || fail "completing '$1': got '$got', want '$2'"
}

check "pcsctl se" "self-start set setting "
check "pcsctl st" "start status stop "
check "pcsctl dis" "disable "
check "pcsctl set " "cc cccv cp cr cv mode "
check "pcsctl set mode ramp_" "ramp_current ramp_power ramp_voltage "
check "pcsctl set mode " "$(PATH=$(dirname "$PCSCTL"):$PATH bash -c ". '$SCRIPT'; _pcsctl_modes" | tr ' ' '\n' | sed "/^$/d" | LC_ALL=C sort | tr '\n' ' ')"
check "pcsctl set cccv 700V -100A -5A --s" "--start --stop-first "
check "pcsctl self-start " "off on "
check "pcsctl ext" "external-data "
check "pcsctl external-data " "set source "
check "pcsctl external-data source " "client mirror zero "
check "pcsctl external-data source client --" "--fallback --max-age "
check "pcsctl -m 1 external-data source client --fallback " "mirror zero "
check "pcsctl setting get bus_" "bus_parallel bus_voltage "
check "pcsctl --bus " "session system "
check "pcsctl decode --format " "json table "
check "pcsctl record --format " "candump csv jsonl "
check "pcsctl export " "dbc wireshark "
check "pcsctl export dbc --" "--address "
check "pcsctl export dbc --address " "250 all "
# Modules come from the daemon, on the bus the command line names.
check "pcsctl --bus-address $BUS -m " "all sim/1 sim/2 "
check "pcsctl --bus-address $BUS get " "sim/1 sim/2 "
check "pcsctl phase-power " "active reactive "
check "pcsctl log -o x.csv --f" "--fields "
check "pcsctl --bus-address $BUS -m sim/2" "sim/2 "
# Every mode of the protocol table is offered (19, Appendix A).
n=$(complete_line "pcsctl set mode " | wc -w)
[ "$n" = 19 ] || fail "$n modes offered, the protocol has 19"
info "bash completion: commands, modes, settings, values and modules"
