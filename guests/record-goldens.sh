#!/usr/bin/env bash
# Regenerate guests/golden/<name>.out: QEMU's exact console output for every
# committed guest ELF, run without -append, plus hello.append.out for hello
# run with -append "hello world".
#
#   guests/record-goldens.sh           all guests
#   guests/record-goldens.sh NAME...   only these
#
# Fails if a guest does not end with "EXIT: STATUS=1" (success).
set -euo pipefail

cd "$(dirname "$0")"
mkdir -p golden

if [ $# -gt 0 ]; then
    names=("$@")
else
    names=()
    for elf in *.elf; do
        # ap and aqic need AP crypto queues, which QEMU cannot offer under TCG: no
        # goldens (tests/S390Jit.Tests/Host/ApGuestTests.cs and AqicGuestTests.cs
        # check their PASS lines instead)
        [ "$elf" = ap.elf ] && continue
        [ "$elf" = aqic.elf ] && continue
        # datx, per and skey check what QEMU 7.2 does not implement as the PoO says
        # (EDAT, keys, PER, ...): they print PASS lines that the tests check
        [ "$elf" = datx.elf ] && continue
        [ "$elf" = per.elf ] && continue
        [ "$elf" = skey.elf ] && continue
        names+=("${elf%.elf}")
    done
fi

status=0
record() {   # record NAME OUTFILE [APPEND...]
    local name=$1 out=$2
    shift 2
    local tmp cpu=
    # guests built for z13 and later use the vector facilities of z15: QEMU's max model
    case "$name" in vector | *-z13 | *-z15) cpu=max ;; esac
    tmp=$(mktemp)
    if ! QEMU_CPU=$cpu ./run-qemu.sh "$name.elf" "$@" >"$tmp"; then
        echo "FAILED   $name: qemu exited with an error" >&2
        status=1
    fi
    if [ "$(tail -n 1 "$tmp")" != "EXIT: STATUS=1" ]; then
        echo "FAILED   $name: no 'EXIT: STATUS=1' at the end" >&2
        status=1
    fi
    cat "$tmp" >"$out"
    rm -f "$tmp"
    echo "recorded $out"
}

for name in "${names[@]}"; do
    record "$name" "golden/$name.out"
    if [ "$name" = hello ]; then
        record hello golden/hello.append.out hello world
    fi
done
exit $status
