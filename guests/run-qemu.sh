#!/usr/bin/env bash
# Run one guest under QEMU (the reference machine) and print its console
# output on stdout, byte for byte.
#
#   guests/run-qemu.sh GUEST.elf [APPEND TEXT...]
#
# Environment:
#   QEMU          qemu-system-s390x binary (default: qemu-system-s390x)
#   QEMU_CPU      -cpu model (default: QEMU's; guests built for z15 need max)
#   QEMU_TIMEOUT  seconds before the run is killed (default: 60)
#
# Exit status: QEMU's: 0 after the guest stopped its CPU, 1 if the guest
# ended in a disabled wait (see -action below), 124 on timeout.  The
# guest's own status is the "EXIT: STATUS=<n>" line it prints (n = 1 means
# success).
#
# QEMU writes nothing of its own to stdout with these flags: the output is
# exactly the bytes the guest sent to the SCLP console.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 GUEST.elf [append text...]" >&2
    exit 2
fi
elf=$1
shift

args=(
    -nodefaults -nographic
    -machine s390-ccw-virtio,accel=tcg
    -chardev stdio,id=con0
    -device sclpconsole,chardev=con0
    -kernel "$elf"
    # A disabled wait counts as a guest panic; by default QEMU then shuts
    # down with status 0, which would look like success.
    -action panic=exit-failure
)
if [ -n "${QEMU_CPU:-}" ]; then
    args+=(-cpu "$QEMU_CPU")
fi
if [ $# -gt 0 ]; then
    args+=(-append "$*")
fi

# stdin is /dev/null so QEMU never puts a terminal into raw mode and never
# reads console input meant for the calling shell.
exec timeout --kill-after=5 "${QEMU_TIMEOUT:-60}" \
    "${QEMU:-qemu-system-s390x}" "${args[@]}" </dev/null
