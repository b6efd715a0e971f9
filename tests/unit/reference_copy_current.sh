#!/bin/sh
# docs/reference/ystech-pcs-can.md is the project's copy of the protocol reference, which the
# protocol tests parse. It must equal the upstream document where that is present next to the
# checkout (../shared/protocol/ystech-pcs-can.md); a clone without it skips (77), visibly.
#   reference_copy_current.sh COPY UPSTREAM
copy=$1 upstream=$2
[ -s "$copy" ] || { echo "FAIL: $copy is missing or empty"; exit 1; }
if [ ! -e "$upstream" ]; then
    echo "SKIP: no upstream reference at $upstream to compare $copy with"
    exit 77
fi
if ! cmp -s "$copy" "$upstream"; then
    echo "FAIL: $copy differs from $upstream:"
    diff -u "$upstream" "$copy" | head -40
    exit 1
fi
echo "$copy equals $upstream"
