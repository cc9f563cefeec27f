#!/usr/bin/env bash
# Time to /init of Debian 12's kernel (linux-image-6.1.0-NN-s390x, fetched with apt) with a busybox initramfs whose
# /init powers off at once, -m 512, console=ttysclp0: qemu-system-s390x (TCG) and s390jit side by side in one run,
# median of RUNS runs each (wall and user CPU seconds; the run's end is /init's poweroff -f, a few thousand
# instructions after "Run /init"). s390jit's guest instruction count is from --stats.
#
#   perf/linux-boot.sh [RUNS]                  (default 3)
#   ENGINES="jit interp" perf/linux-boot.sh    (s390jit engines to time; default jit)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
QEMU=${QEMU:-qemu-system-s390x}
ENGINES=${ENGINES:-jit}
command -v "$QEMU" >/dev/null || { echo "linux-boot: $QEMU not found (apt-get install qemu-system-misc)" >&2; exit 2; }
if [ -z "${S390JIT:-}" ]; then
    dotnet build src/S390Jit.Cli -c Release -o .downloads/s390jit-bin >/dev/null
    S390JIT=.downloads/s390jit-bin/s390jit
fi
mapfile -t paths < <(tests/scripts/fetch-linux.sh)
kernel="${paths[0]}"; busybox="${paths[1]}"
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' > "$w/init"; chmod +x "$w/init"
"$S390JIT" mkinitramfs "$busybox:/bin/busybox" "$w/init:/init" -o "$w/initrd.gz" >/dev/null
args=(-kernel "$kernel" -initrd "$w/initrd.gz" -append console=ttysclp0 -m 512 -nographic)

# prints "WALL USER" seconds of one run; the run must reach /init and exit 0
timed() {
    local t
    TIMEFORMAT='%R %U'
    t=$( { time "$@" </dev/null > "$w/out" 2> "$w/err"; } 2>&1 ) || { echo "linux-boot: $1 failed: $(tail -1 "$w/err")" >&2; exit 1; }
    grep -q "Run /init as init process" "$w/out" || { echo "linux-boot: $1 did not reach /init" >&2; exit 1; }
    echo "$t"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
report() {
    local name=$1; shift
    local runs=() i
    for i in $(seq "$RUNS"); do runs+=("$(timed "$@")"); done
    printf "%-14s %8.2f %8.2f   %s\n" "$name" "$(printf '%s\n' "${runs[@]}" | cut -d' ' -f1 | median)" \
        "$(printf '%s\n' "${runs[@]}" | cut -d' ' -f2 | median)" "$(sed -n 's/^stats: guest instructions *//p' "$w/err")"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg); $("$QEMU" --version | head -1)"
echo "kernel: $(basename "$kernel"), busybox-static /init: poweroff -f; median of $RUNS"
printf "%-14s %8s %8s   %s\n" "" "wall s" "user s" "guest instructions to poweroff"
report "qemu tcg" "$QEMU" -M s390-ccw-virtio "${args[@]}"
for e in $ENGINES; do report "s390jit $e" "$S390JIT" --engine "$e" --stats "${args[@]}"; done
