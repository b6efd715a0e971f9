# uml-host.sh: what uml-run and uml-systemd-run both do on the host before booting a guest
# (sourced; sh). Expects $prog (for messages).
#
#   UML_CAN_MODULES          the CAN modules every guest loads, in load order (paths under
#                            the kernel's module directory)
#   shquote WORD             WORD quoted for /bin/sh: 'it'\''s' (trailing newlines survive)
#   uml_find_kernel [MOD...] find linux.uml ($UML_LINUX, else PATH) and its modules
#                            ($UML_MODULES, default /usr/lib/uml/modules); sets uml (the
#                            kernel), kver, modroot (resolved); exits 77 (skip) when any of
#                            them, the CAN modules or the extra MODs are missing

UML_CAN_MODULES="net/can/can.ko net/can/can-raw.ko drivers/net/can/dev/can-dev.ko drivers/net/can/vcan.ko"

shquote() {
    _q=$(printf '%sx' "$1" | sed "s/'/'\\\\''/g")
    printf "'%s'" "${_q%x}"
}

uml_find_kernel() {
    uml=${UML_LINUX:-}
    [ -n "$uml" ] || uml=$(command -v linux.uml 2>/dev/null) || uml=
    if [ -z "$uml" ] || [ ! -x "$uml" ]; then
        echo "$prog: SKIP: linux.uml not found (apt-get install user-mode-linux)" >&2
        exit 77
    fi
    kver=$("$uml" --version 2>/dev/null </dev/null | head -n 1) || kver=
    if [ -z "$kver" ]; then
        echo "$prog: SKIP: '$uml --version' printed no kernel version" >&2
        exit 77
    fi
    modroot=${UML_MODULES:-/usr/lib/uml/modules}
    if ! modroot=$(cd "$modroot" 2>/dev/null && pwd -P); then
        echo "$prog: SKIP: no UML module directory ${UML_MODULES:-/usr/lib/uml/modules}" >&2
        exit 77
    fi
    for _m in $UML_CAN_MODULES "$@"; do
        if [ ! -f "$modroot/$kver/kernel/$_m" ]; then
            echo "$prog: SKIP: module $modroot/$kver/kernel/$_m missing" >&2
            exit 77
        fi
    done
}
