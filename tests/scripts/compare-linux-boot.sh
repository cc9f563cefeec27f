#!/usr/bin/env bash
# Boots Debian 12's kernel (linux-image-6.1.0-NN-s390x) with a busybox initramfs whose /init powers off at once,
# under QEMU TCG and under S390Jit, both with the same CPU model facilities (QEMU's "qemu" model and S390Jit's
# default reduced to what both offer), and diffs the kernel logs up to "Run /init". Masked: timestamps, BogoMIPS,
# the TOD-derived audit stamp, "deferred pages initialised in N ms" (host speed) and CPU-identification lines.
# Prints the remaining diff (unified); exit 0 when the logs match, 1 when they differ, 2 on a setup failure.
# Usage: tests/scripts/compare-linux-boot.sh [--keep DIR]   (ENGINE=interp for the interpreter; default jit)
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
keep=
[ "${1:-}" = "--keep" ] && keep="${2:?--keep DIR}"
mapfile -t paths < <("$root/tests/scripts/fetch-linux.sh") || { echo "compare-linux-boot: cannot fetch the Debian packages" >&2; exit 2; }
kernel="${paths[0]}"; busybox="${paths[1]}"
s390jit=(dotnet "$root/src/S390Jit.Cli/bin/Release/net10.0/s390jit.dll")
[ -f "${s390jit[1]}" ] || { echo "compare-linux-boot: build first: dotnet build src/S390Jit.Cli -c Release" >&2; exit 2; }
w="${keep:-$(mktemp -d)}"; mkdir -p "$w"
[ -n "$keep" ] || trap 'rm -rf "$w"' EXIT
printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' > "$w/init"; chmod +x "$w/init"
"${s390jit[@]}" mkinitramfs "$busybox:/bin/busybox" "$w/init:/init" -o "$w/initrd.gz" >/dev/null || exit 2

# the common CPU model: QEMU 7.2 TCG's "qemu" model without what S390Jit lacks; S390Jit without what QEMU lacks
qemu_cpu="qemu,srs=off,msa-base=off,etf2eh=off,etf3eh=off,ectg=off,sprogp=off,iacc2=off,msa5-base=off,prno-trng=off,zpci=off,aen=off,ais=off,msa3-base=off,msa4-base=off,vx=off,sea_esop2=off,vxeh=off,msa8-base=off,vxeh2=off"
s390jit_cpu="max,idter=off,edat=off,csske=off,ipter=off,nonqks=off,hfpm=off,hfpue=off,edat2=off"
args=(-kernel "$kernel" -initrd "$w/initrd.gz" -append "console=ttysclp0" -m 512 -nographic)
timeout 300 qemu-system-s390x -M s390-ccw-virtio -cpu "$qemu_cpu" "${args[@]}" </dev/null > "$w/qemu.log" 2> "$w/qemu.err" || { echo "compare-linux-boot: QEMU failed: $(tail -1 "$w/qemu.err")" >&2; exit 2; }
"${s390jit[@]}" --engine "${ENGINE:-jit}" -cpu "$s390jit_cpu" "${args[@]}" </dev/null > "$w/s390jit.log" 2> "$w/s390jit.err" || { echo "compare-linux-boot: S390Jit failed: $(tail -1 "$w/s390jit.err")" >&2; exit 2; }

mask() {
    tr -d '\r' < "$1" | sed -n '1,/Run \/init as init process/p' | sed -E \
        -e 's/^\[ *[0-9]+\.[0-9]+\] //' \
        -e 's/(BogoMIPS|bogomips)[^0-9]*[0-9.]+/\1 <masked>/' \
        -e 's/audit\([0-9]+\.[0-9]+:/audit(<time>:/' \
        -e 's/initialised in [0-9]+ms/initialised in <N>ms/' \
        -e '/^(cpu: |CPU[0-9]+: |processor [0-9]+: )/d'
}
mask "$w/qemu.log" > "$w/qemu.masked"
mask "$w/s390jit.log" > "$w/s390jit.masked"
echo "kernel $(basename "$kernel"): QEMU $(wc -l < "$w/qemu.masked") lines, S390Jit $(wc -l < "$w/s390jit.masked") lines up to /init"
if diff -u --label qemu-tcg --label s390jit "$w/qemu.masked" "$w/s390jit.masked"; then echo "identical (after masking)"; exit 0; fi
# lines printed by asynchronous work (kthreads, initcalls run in the background) may come in another order:
# the same lines in another order is reported as such (exit 0), any other difference fails (exit 1)
if cmp -s <(sort "$w/qemu.masked") <(sort "$w/s390jit.masked"); then
    echo "same lines (after masking); only the order above differs (asynchronous kernel work)"
    exit 0
fi
exit 1
