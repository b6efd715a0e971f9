# guest-host.sh: the host half of the guest harness, shared by guest-run and guest-systemd-run
# (sourced; POSIX sh). Expects $prog (for messages). A guest is a real Linux kernel that boots
# with the host's root file system as its own, so the build tree is at the same path inside.
#
# Backends, tried in this order unless one is forced:
#   uml  user-mode Linux (Debian's user-mode-linux): boots in 2-6 s, no virtualisation
#        needed. Its kernel cannot run user space on hosts with a large XSAVE area
#        (AVX-512 + AMX): the probe boots it and runs one process.
#   kvm  QEMU with KVM and Debian's own amd64 kernel (the kernel of a rack PC): near-native
#        speed, but /dev/kvm may exist and still hang a guest, so a probe must reach user
#        space within $GUEST_KVM_PROBE_S seconds.
#   tcg  QEMU in software emulation with the same kernel: works on every x86-64 host, the
#        slowest (processes start several times slower).
# UML comes first because it needs nothing but a package and boots fastest; KVM comes before
# TCG because it is the same kernel, faster. Each probe boots the backend exactly as a test
# would and runs a script on the host's root; its verdict is cached (per host CPU, kernel and
# backend binary) in $YSTPCS_GUEST_CACHE, so a test run probes each backend at most once.
#
# Host environment:
#   YSTPCS_GUEST_BACKEND   uml, kvm or tcg: use only that one (fail if it cannot boot)
#   YSTPCS_GUEST_DISABLE   backends never to use, e.g. "uml" or "uml,kvm"
#   YSTPCS_GUEST_KERNEL    directory with Debian's kernel for QEMU (tests/guest/prepare-kernel;
#                          meson sets BUILD/guest-kernel)
#   YSTPCS_GUEST_CACHE     where probe verdicts are kept (default /var/tmp/ystpcs-guest-$UID)
#   UML_LINUX, UML_MODULES the UML kernel and its module tree (default: linux.uml from PATH,
#                          /usr/lib/uml/modules)
#   GUEST_KVM_PROBE_S      seconds the KVM probe may take (default 10)
#
# Functions:
#   shquote WORD              WORD quoted for /bin/sh: 'it'\''s'
#   guest_choose_backend      sets GUEST_BACKEND (uml, kvm or tcg) and prints to stderr which
#                             one and why the others were not used; exits 77 (skip) when none
#                             can boot, 125 when a forced one cannot
#   guest_modules [EXTRA...]  the module files the guest's init must insmod itself, space
#                             separated (UML: the CAN modules and EXTRA from UML's tree;
#                             QEMU: none, its initramfs loaded them); EXTRA: overlay
#   guest_boot INIT TIMEOUT_S MEM LOG
#                             boot the chosen backend with INIT (a script on the host's
#                             root) as PID 1, console to LOG; returns the booting command's
#                             exit status (124 on timeout)
#   guest_describe            one line: backend, kernel
#   guest_host_tmp_dirs PATH...  the distinct top directories under /tmp of the PATHs (those
#                             a guest with a private /tmp must keep visible), space separated

_gh_here=$(cd "$(dirname "$0")" && pwd -P)

# Module paths under UML's module tree, in load order.
UML_CAN_MODULES="net/can/can.ko net/can/can-raw.ko drivers/net/can/dev/can-dev.ko drivers/net/can/vcan.ko"
UML_OPTIONAL_MODULES="net/can/can-bcm.ko"
UML_OVERLAY_MODULE="fs/overlayfs/overlay.ko"

shquote() {
    _q=$(printf '%sx' "$1" | sed "s/'/'\\\\''/g")
    printf "'%s'" "${_q%x}"
}

_gh_note() { echo "$prog: $*" >&2; }

# ---- What each backend needs on the host, without booting it. ------------------------------
# Each sets _gh_why on failure.

_gh_uml_present() {
    uml=${UML_LINUX:-}
    [ -n "$uml" ] || uml=$(command -v linux.uml 2>/dev/null) || uml=
    if [ -z "$uml" ] || [ ! -x "$uml" ]; then
        _gh_why="linux.uml not found (apt-get install user-mode-linux)"; return 1
    fi
    uml_kver=$("$uml" --version 2>/dev/null </dev/null | head -n 1) || uml_kver=
    [ -n "$uml_kver" ] || { _gh_why="'$uml --version' printed no kernel version"; return 1; }
    uml_modroot=${UML_MODULES:-/usr/lib/uml/modules}
    uml_modroot=$(cd "$uml_modroot" 2>/dev/null && pwd -P) ||
        { _gh_why="no UML module directory ${UML_MODULES:-/usr/lib/uml/modules}"; return 1; }
    for _m in $UML_CAN_MODULES $UML_OVERLAY_MODULE; do
        [ -f "$uml_modroot/$uml_kver/kernel/$_m" ] ||
            { _gh_why="UML module $uml_modroot/$uml_kver/kernel/$_m missing"; return 1; }
    done
    _gh_stamp="$uml $(ls -lL "$uml" 2>/dev/null) $uml_kver"
}

_gh_qemu_present() {
    qemu=$(command -v qemu-system-x86_64 2>/dev/null) ||
        { _gh_why="qemu-system-x86_64 not found (apt-get install qemu-system-x86)"; return 1; }
    kdir=${YSTPCS_GUEST_KERNEL:-}
    if [ -z "$kdir" ] || [ ! -f "$kdir/vmlinuz" ] || [ ! -f "$kdir/initrd.gz" ]; then
        _gh_why="no Debian kernel prepared${kdir:+ in $kdir} (tests/guest/prepare-kernel ${kdir:-BUILD/guest-kernel}; .ci/setup does it)"
        return 1
    fi
    kdir=$(cd "$kdir" && pwd -P)
    # An initramfs built from an older init mounts the root as that init did: with 9p's
    # cache=none, every page a process maps is read from the host again (start-up several times
    # slower).
    if [ "$_gh_here/initramfs-init" -nt "$kdir/initrd.gz" ]; then
        _gh_why="the initramfs in $kdir is older than tests/guest/initramfs-init (tests/guest/prepare-kernel $kdir rebuilds it)"
        return 1
    fi
    qemu_krel=$(cut -d' ' -f3 "$kdir/version" 2>/dev/null) || qemu_krel=unknown
    _gh_stamp="$qemu $(ls -lL "$qemu") $(cat "$kdir/version" 2>/dev/null) $(ls -lL "$kdir/initrd.gz")"
}

_gh_kvm_present() {
    _gh_qemu_present || return 1
    [ -e /dev/kvm ] || { _gh_why="no /dev/kvm"; return 1; }
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || { _gh_why="/dev/kvm is not accessible to $(id -un)"; return 1; }
}

_gh_present() {
    case $1 in
        uml) _gh_uml_present ;;
        kvm) _gh_kvm_present ;;
        tcg) _gh_qemu_present ;;
    esac
}

# ---- Booting. ---------------------------------------------------------------------------

guest_modules() {
    case $GUEST_BACKEND in
        uml)
            _gm=
            for _m in $UML_CAN_MODULES; do _gm="$_gm $uml_modroot/$uml_kver/kernel/$_m"; done
            for _m in $UML_OPTIONAL_MODULES; do
                [ -f "$uml_modroot/$uml_kver/kernel/$_m" ] && _gm="$_gm $uml_modroot/$uml_kver/kernel/$_m"
            done
            for _x in "$@"; do
                case $_x in
                    overlay) _gm="$uml_modroot/$uml_kver/kernel/$UML_OVERLAY_MODULE $_gm" ;;
                esac
            done
            echo "$_gm"
            ;;
        *) echo "" ;;
    esac
}

_gh_boot_as() {
    _gb_backend=$1 _gb_init=$2 _gb_timeout=$3 _gb_mem=$4 _gb_log=$5
    _gb_dir=$(dirname "$_gb_init")
    case $_gb_backend in
        uml)
            mkdir -p "$_gb_dir/uml-tmp"
            # UML keeps its memory in a file under TMPDIR; umid/uml_dir keep instances apart.
            TMPDIR=$_gb_dir/uml-tmp timeout --kill-after=10 "$_gb_timeout" \
                "$uml" "mem=$_gb_mem" root=/dev/root rootfstype=hostfs rootflags=/ rw \
                "init=$_gb_init" "uml_dir=$_gb_dir/uml-tmp" "umid=$(basename "$_gb_dir")" \
                con=null con0=null,fd:2 $GUEST_KERNEL_ARGS \
                </dev/null >"$_gb_log" 2>&1
            ;;
        kvm|tcg)
            if [ "$_gb_backend" = kvm ]; then _gb_accel="kvm -cpu host"; else _gb_accel="tcg -cpu max"; fi
            # Root may keep the guest's owners and modes on the host; others cannot.
            if [ "$(id -u)" = 0 ]; then _gb_sm=passthrough; else _gb_sm=none; fi
            # shellcheck disable=SC2086 # _gb_accel: two words on purpose
            timeout --kill-after=10 "$_gb_timeout" \
                "$qemu" -machine q35 -accel $_gb_accel -m "$_gb_mem" -smp 1 \
                -nodefaults -display none -no-reboot -nic none -serial stdio \
                -kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.gz" \
                -append "console=ttyS0 quiet panic=-1 ystpcs_init=$_gb_init $GUEST_KERNEL_ARGS" \
                -virtfs "local,path=/,mount_tag=hostroot,security_model=$_gb_sm,id=hostroot,multidevs=remap" \
                </dev/null >"$_gb_log" 2>&1
            ;;
    esac
}

guest_boot() {
    _gh_boot_as "$GUEST_BACKEND" "$@"
}

guest_describe() {
    case $GUEST_BACKEND in
        uml) echo "uml (user-mode Linux $uml_kver, $uml)" ;;
        kvm) echo "kvm (QEMU with KVM, Debian kernel $qemu_krel)" ;;
        tcg) echo "tcg (QEMU software emulation, Debian kernel $qemu_krel)" ;;
    esac
}

guest_host_tmp_dirs() {
    _ht=
    for _p in "$@"; do
        case $_p in
            /tmp/?*)
                _top=${_p#/tmp/}; _top=${_top%%/*}
                case $_top in
                    *[!A-Za-z0-9._+-]*) echo "unusable directory name under /tmp: $_top"; return 1 ;;
                esac
                case " $_ht " in *" $_top "*) ;; *) _ht="$_ht $_top" ;; esac
                ;;
        esac
    done
    echo "$_ht"
}

# ---- Probing, with the verdict cached. -----------------------------------------------------

_gh_probe_timeout() {
    case $1 in
        uml) echo 30 ;;
        kvm) echo "${GUEST_KVM_PROBE_S:-10}" ;;
        tcg) echo 90 ;;
    esac
}

# Boots backend $1 with an init that runs one user-space command on the host's root.
# Sets _gh_why on failure.
_gh_probe() {
    _gp_dir=$(mktemp -d "$_gh_workbase/guest-probe.XXXXXXXX") || { _gh_why="cannot create a probe directory"; return 1; }
    cat >"$_gp_dir/init" <<EOF
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
echo "user space runs" >$_gp_dir/ok
sync
poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
EOF
    chmod 0755 "$_gp_dir/init"
    _gp_t0=$(date +%s.%N)
    GUEST_KERNEL_ARGS= _gh_boot_as "$1" "$_gp_dir/init" "$(_gh_probe_timeout "$1")" 256M "$_gp_dir/console.log"
    _gp_rc=$?
    _gp_t=$(awk -v a="$_gp_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if [ -f "$_gp_dir/ok" ]; then
        _gh_why="probe ran user space in $_gp_t s"
        rm -rf "$_gp_dir"
        return 0
    fi
    if [ "$_gp_rc" = 124 ] || [ "$_gp_rc" = 137 ]; then
        _gh_why="probe did not reach user space within $(_gh_probe_timeout "$1") s"
    else
        _gh_why="probe did not reach user space (exit status $_gp_rc after $_gp_t s)"
    fi
    # The console's last meaningful line says why (a panic, an assertion, an error).
    _gp_last=$(tr -d '\r' <"$_gp_dir/console.log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' |
        grep -v '^[[:space:]]*$' | grep -iE 'panic|error|fail|assert|segfault|killed|not syncing' | tail -n 1 | cut -c1-160)
    [ -n "$_gp_last" ] && _gh_why="$_gh_why: $_gp_last"
    rm -rf "$_gp_dir"
    return 1
}

_gh_cache_key() {
    { grep -m1 '^flags' /proc/cpuinfo; uname -r; echo "$_gh_stamp"; } | cksum | cut -d' ' -f1
}

# Is backend $1 usable? Cached probe; sets _gh_why either way.
_gh_usable() {
    _gh_present "$1" || return 1
    _gu_file=$_gh_cache/$1.$(_gh_cache_key)
    if [ ! -f "$_gu_file" ]; then
        if _gh_probe "$1"; then
            echo "ok $_gh_why" >"$_gu_file.new"
        else
            echo "no $_gh_why" >"$_gu_file.new"
        fi
        mv -f "$_gu_file.new" "$_gu_file"
    fi
    read -r _gu_verdict _gh_why <"$_gu_file"
    _gh_why="$_gh_why (cached in $_gu_file)"
    [ "$_gu_verdict" = ok ]
}

_gh_disabled() {
    case ",$(printf '%s' "${YSTPCS_GUEST_DISABLE:-}" | tr ' ' ','),"  in
        *",$1,"*) return 0 ;;
    esac
    return 1
}

guest_choose_backend() {
    _gh_workbase=${GUEST_WORKDIR:-/var/tmp}
    _gh_cache=${YSTPCS_GUEST_CACHE:-/var/tmp/ystpcs-guest-$(id -u)}
    mkdir -p "$_gh_cache" || { _gh_note "cannot create $_gh_cache"; exit 125; }
    _gh_cache=$(cd "$_gh_cache" && pwd -P)
    forced=${YSTPCS_GUEST_BACKEND:-}
    case $forced in
        ''|auto) forced= ;;
        uml|kvm|tcg) ;;
        *) _gh_note "YSTPCS_GUEST_BACKEND=$forced: want uml, kvm or tcg"; exit 2 ;;
    esac
    GUEST_BACKEND=
    _gh_log=
    # One prober at a time: tests started together wait for the first one's verdict.
    exec 9>"$_gh_cache/lock"
    flock 9 || { _gh_note "cannot lock $_gh_cache/lock"; exit 125; }
    for _b in uml kvm tcg; do
        if [ -n "$GUEST_BACKEND" ]; then
            _gh_log="$_gh_log; $_b: not needed"
        elif [ -n "$forced" ] && [ "$_b" != "$forced" ]; then
            _gh_log="$_gh_log; $_b: not used (YSTPCS_GUEST_BACKEND=$forced)"
        elif [ -z "$forced" ] && _gh_disabled "$_b"; then
            _gh_log="$_gh_log; $_b: disabled by YSTPCS_GUEST_DISABLE"
        elif _gh_usable "$_b"; then
            GUEST_BACKEND=$_b
            _gh_chosen_why=$_gh_why
        else
            _gh_log="$_gh_log; $_b: $_gh_why"
        fi
    done
    exec 9>&-
    if [ -z "$GUEST_BACKEND" ]; then
        if [ -n "$forced" ]; then
            _gh_note "the forced backend $forced cannot boot here: ${_gh_log#; }"
            exit 125
        fi
        _gh_note "SKIP: no guest backend can boot on this host: ${_gh_log#; }"
        exit 77
    fi
    # Sets the variables guest_boot needs (uml, qemu, kdir, ...).
    _gh_present "$GUEST_BACKEND"
    _gh_note "backend $(guest_describe): $_gh_chosen_why${_gh_log}"
}
