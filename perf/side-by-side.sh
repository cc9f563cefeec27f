#!/usr/bin/env bash
# Side-by-side speed of the CPU-bound guests: qemu-system-s390x (TCG) versus s390jit (JIT), plus
# the JIT versus s390jit's own interpreter. Prints, per workload, the median wall time of several
# runs and the ratio QEMU / s390jit, then the geometric mean; start-up (the hello guest) is
# reported separately. The interpreter is far slower, so it runs a scaled-down count and is
# compared by guest instructions per second (from --stats).
#
#   perf/side-by-side.sh [RUNS]          (default 3 runs each)
#   S390JIT=path/to/s390jit QEMU=qemu-system-s390x perf/side-by-side.sh
#   ONLY="nbody" perf/side-by-side.sh    (only these workloads)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
QEMU=${QEMU:-qemu-system-s390x}
if [ -z "${S390JIT:-}" ]; then
    dotnet build src/S390Jit.Cli -c Release -o .downloads/s390jit-bin >/dev/null
    S390JIT=.downloads/s390jit-bin/s390jit
fi
command -v "$QEMU" >/dev/null || { echo "side-by-side: $QEMU not found (apt-get install qemu-system-misc)" >&2; exit 2; }

# workload and count: several seconds under QEMU TCG (see guests/README.md)
# (nbody: the hard-float workload, BFP arithmetic)
WORKLOADS=("sieve n=3000" "crc32 n=10000" "fib n=2500" "sha256 n=5000" "qsort n=1200" "strings n=2500" "bytecode n=600"
           "nbody steps=150000")
INTERP_SCALE=20   # the interpreter runs n/INTERP_SCALE

qemu_run() { "$QEMU" -nodefaults -nographic -machine s390-ccw-virtio,accel=tcg -chardev stdio,id=con0 \
                -device sclpconsole,chardev=con0 -kernel "guests/$1.elf" ${2:+-append "$2"} >/dev/null; }
jit_run() { "$S390JIT" run "guests/$1.elf" ${2:+--append "$2"} --engine "$3" --stats 2>&1 >/dev/null; }
# start-up is a plain run, as perf/startup.sh times it (--stats adds its teardown, leak check and report)
plain_run() { "$S390JIT" run "guests/$1.elf" >/dev/null 2>&1; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $("$QEMU" --version | head -1)"
echo
q_hello=$(for i in $(seq "$RUNS"); do wall qemu_run hello ""; done | median)
j_hello=$(for i in $(seq "$RUNS"); do wall plain_run hello; done | median)
printf "start-up (hello guest): qemu %.3f s, s390jit %.3f s\n\n" "$q_hello" "$j_hello"

printf "%-10s %10s %10s %8s   %12s %12s %8s\n" workload "qemu s" "jit s" "qemu/jit" "jit M ins/s" "interp M/s" "jit/int"
logsum=0; logsum_int=0; n=0
for w in "${WORKLOADS[@]}"; do
    set -- $w
    name=$1; arg=$2
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then continue; fi
    q=$(for i in $(seq "$RUNS"); do wall qemu_run "$name" "$arg"; done | median)
    j=$(for i in $(seq "$RUNS"); do wall jit_run "$name" "$arg" jit; done | median)
    jrate=$(jit_run "$name" "$arg" jit | sed -n 's/.*(\([0-9.]*\) M guest instructions\/s).*/\1/p')
    count=${arg#*=}; small="${arg%%=*}=$(( count / INTERP_SCALE ))"
    irate=$(jit_run "$name" "$small" interp | sed -n 's/.*(\([0-9.]*\) M guest instructions\/s).*/\1/p')
    ratio=$(echo "$q / $j" | bc -l)
    speed=$(echo "$jrate / $irate" | bc -l)
    logsum=$(echo "$logsum + l($ratio)" | bc -l); logsum_int=$(echo "$logsum_int + l($speed)" | bc -l); n=$((n + 1))
    printf "%-10s %10.3f %10.3f %8.2f   %12.1f %12.1f %8.1f\n" "$name" "$q" "$j" "$ratio" "$jrate" "$irate" "$speed"
done
printf "\ngeometric mean: qemu/jit %.2f, jit/interpreter %.1f (wall times include start-up)\n" \
    "$(echo "e($logsum / $n)" | bc -l)" "$(echo "e($logsum_int / $n)" | bc -l)"
