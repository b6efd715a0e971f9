#!/bin/sh
# The guest harness's choice of backend, on the host, without booting anything real: a fake
# linux.uml that panics like Debian 12's UML on an AVX-512/AMX host, and no Debian kernel for
# QEMU. Then: a skip (77) that names every backend's reason, the verdict cached, a forced
# backend that cannot boot failing (125), a bad name refused (2), a disabled backend not
# probed at all, and a Debian kernel whose initramfs is older than its init script refused.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/var/tmp}/guest-harness-test.XXXXXX") || fail "mktemp"
trap 'rm -rf "$T"' EXIT

# A UML kernel that boots but whose first process dies, as on such hosts.
mkdir -p "$T/modules/6.1.0-fake/kernel"
for m in net/can/can.ko net/can/can-raw.ko drivers/net/can/dev/can-dev.ko drivers/net/can/vcan.ko fs/overlayfs/overlay.ko; do
    mkdir -p "$T/modules/6.1.0-fake/kernel/$(dirname "$m")"
    : >"$T/modules/6.1.0-fake/kernel/$m"
done
cat >"$T/linux.uml" <<EOF
#!/bin/sh
[ "\${1:-}" = --version ] && { echo 6.1.0-fake; exit 0; }
echo booted >>"$T/uml-boots"
echo "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b"
exit 1
EOF
chmod +x "$T/linux.uml"

export UML_LINUX="$T/linux.uml" UML_MODULES="$T/modules" YSTPCS_GUEST_KERNEL="$T/no-kernel"
export YSTPCS_GUEST_CACHE="$T/cache" GUEST_WORKDIR="$T"
unset YSTPCS_GUEST_BACKEND YSTPCS_GUEST_DISABLE
run() { rc=0; out=$("$@" 2>&1) || rc=$?; }
expect() {  # expect RC TEXT...: the last run exited RC and printed every TEXT
    [ "$rc" = "$1" ] || fail "exit status $rc, expected $1: $out"
    shift
    for t in "$@"; do
        case $out in *"$t"*) ;; *) fail "'$t' not in: $out" ;; esac
    done
}

run "$here/guest-run" -- true
expect 77 "SKIP: no guest backend can boot on this host" \
    "uml: probe did not reach user space (exit status 1" "Kernel panic - not syncing: Attempted to kill init!" \
    "tcg: no Debian kernel prepared in $T/no-kernel"
[ "$(wc -l <"$T/uml-boots")" = 1 ] || fail "the UML probe booted $(wc -l <"$T/uml-boots") times"

# The verdict is cached: no second boot.
run "$here/guest-systemd-run" -- true
expect 77 "uml: probe did not reach user space" "(cached in $T/cache/uml."
[ "$(wc -l <"$T/uml-boots")" = 1 ] || fail "the cached verdict was not used"

# A forced backend that cannot boot fails instead of skipping.
YSTPCS_GUEST_BACKEND=uml run "$here/guest-run" -- true
expect 125 "the forced backend uml cannot boot here" "kvm: not used (YSTPCS_GUEST_BACKEND=uml)"
YSTPCS_GUEST_BACKEND=vm run "$here/guest-run" -- true
expect 2 "want uml, kvm or tcg"

# A disabled backend is not even probed.
rm -rf "$T/cache" "$T/uml-boots"
YSTPCS_GUEST_DISABLE=uml,kvm run "$here/guest-run" -- true
expect 77 "uml: disabled by YSTPCS_GUEST_DISABLE" "kvm: disabled by YSTPCS_GUEST_DISABLE" "tcg: no Debian kernel"
[ ! -e "$T/uml-boots" ] || fail "a disabled backend was probed"

# A kernel prepared before tests/guest/initramfs-init last changed is not booted: its init
# would mount the root as the old one did.
mkdir -p "$T/old-kernel"
: >"$T/old-kernel/vmlinuz"
: >"$T/old-kernel/initrd.gz"
echo "linux-image-6.1.0-fake-amd64 1 6.1.0-fake-amd64" >"$T/old-kernel/version"
touch -d "2000-01-01" "$T/old-kernel/initrd.gz"
YSTPCS_GUEST_KERNEL="$T/old-kernel" YSTPCS_GUEST_DISABLE=uml,kvm run "$here/guest-run" -- true
expect 77 "tcg: the initramfs in $T/old-kernel is older than tests/guest/initramfs-init" \
    "tests/guest/prepare-kernel $T/old-kernel rebuilds it"
echo "PASS: guest backend selection"
