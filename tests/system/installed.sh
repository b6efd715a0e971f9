# installed.sh: helpers for tests of the INSTALLED ystpcs under real systemd (run by
# tests/guest/guest-systemd-run); source it after tests/guest/lib.sh.
#
#   fail MSG              as lib.sh's, with the tail of ystpcsd's journal first
#   prop MODULE NAME      a Module property as `pcsctl --json status` prints it (Python's str())
#   state_is MODULE N     the module's RunningState is N

PY=/usr/bin/python3

fail() {
    echo "FAIL: $*" >&2
    journalctl -u ystpcsd --no-pager -n 30 >&2 2>/dev/null
    stop_bg
    exit 1
}

prop() {
    /usr/bin/pcsctl -m "$1" --json status | "$PY" -c "import json,sys; print(json.load(sys.stdin)['properties']['$2'])"
}

state_is() { [ "$(prop "$1" RunningState 2>/dev/null)" = "$2" ]; }
