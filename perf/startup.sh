#!/usr/bin/env bash
# Start-up time: median wall time of RUNS runs of the hello guest under qemu-system-s390x (TCG) and
# under each s390jit binary given, in one run so the machine's load is the same for all. Also the median
# CPU time (user+sys): on a shared, loaded machine it moves far less than wall time.
# Where an s390jit run's time goes: S390JIT_STARTUP_TRACE=1 s390jit run guests/hello.elf (see perf/startup.md).
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
TIMES=$(mktemp); trap 'rm -f "$TIMES"' EXIT
# "WALL CPU" of one run, seconds: wall from the nanosecond clock (time's %e has 10 ms steps, as long as QEMU's whole
# run), CPU (user + system) as time reports it (also 10 ms steps: a median of several runs)
wall() {
    local s e
    s=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$TIMES" "$@" >/dev/null 2>&1 </dev/null || true
    e=$(date +%s%N)
    awk -v w=$(( e - s )) 'END {printf "%.4f %.2f\n", w / 1e9, $1 + $2}' "$TIMES"
}
QEMU_RUN=("$QEMU" -nodefaults -nographic -machine s390-ccw-virtio,accel=tcg -chardev stdio,id=con0
          -device sclpconsole,chardev=con0 -kernel guests/hello.elf)

declare -A times cpu
add() { local w c; read -r w c <<<"$2"; times[$1]+="$w "; cpu[$1]+="$c "; }
for i in $(seq "$RUNS"); do   # interleaved, so drift in the machine's load hits every binary alike
    if command -v "$QEMU" >/dev/null; then add qemu "$(wall "${QEMU_RUN[@]}")"; fi
    for b in "${BINARIES[@]}"; do add "$b" "$(wall "$b" run guests/hello.elf)"; done
done
for k in "${!times[@]}"; do
    printf "%-60s median of %s: %.4f s wall, %.2f s cpu\n" "$k" "$RUNS" "$(tr ' ' '\n' <<<"${times[$k]}" | grep . | median)" \
        "$(tr ' ' '\n' <<<"${cpu[$k]}" | grep . | median)"
done | sort
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
