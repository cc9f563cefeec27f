#!/usr/bin/env bash
# Start-up time: median wall time of RUNS runs of the hello guest under qemu-system-s390x (TCG) and
# under each s390jit binary given, in one run so the machine's load is the same for all.
#
#   perf/startup.sh [RUNS] [S390JIT_BINARY...]     (default: 10 runs; the Release build output)
#   e.g. perf/startup.sh 10 src/S390Jit.Cli/bin/Release/net10.0/s390jit ~/.dotnet/tools/s390jit
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
shift || true
BINARIES=("$@")
[ ${#BINARIES[@]} -gt 0 ] || BINARIES=(src/S390Jit.Cli/bin/Release/net10.0/s390jit)
QEMU=${QEMU:-qemu-system-s390x}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 </dev/null || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
qemu_run() { "$QEMU" -nodefaults -nographic -machine s390-ccw-virtio,accel=tcg -chardev stdio,id=con0 \
                -device sclpconsole,chardev=con0 -kernel guests/hello.elf; }

declare -A times
for i in $(seq "$RUNS"); do   # interleaved, so drift in the machine's load hits every binary alike
    if command -v "$QEMU" >/dev/null; then times[qemu]+="$(wall qemu_run) "; fi
    for b in "${BINARIES[@]}"; do times[$b]+="$(wall "$b" run guests/hello.elf) "; done
done
for k in "${!times[@]}"; do
    printf "%-60s median of %s: %.3f s\n" "$k" "$RUNS" "$(tr ' ' '\n' <<<"${times[$k]}" | grep . | median)"
done | sort
