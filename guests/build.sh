#!/usr/bin/env bash
# Rebuild every guest ELF reproducibly.
#
#   guests/build.sh            rebuild guests/<name>.elf from guests/<name>/ + runtime/
#   guests/build.sh --check    rebuild into guests/build/check/ and compare with the
#                              committed ELFs; exit 1 on any difference
#   guests/build.sh NAME...    rebuild only the named guests
#
# Besides the bare-metal guests, LINUX_GUESTS are static Linux programs (glibc,
# run inside a Linux guest's initramfs): guests/linux/<name>.elf from
# guests/linux/<name>/*.c (a directory of their own: the guests/*.elf globs of
# compare.sh, record-goldens.sh and the tests mean bare-metal guests).
#
# Needs Debian's s390x-linux-gnu-gcc (package gcc-s390x-linux-gnu).  The
# output does not depend on the checkout path, the time or the locale.
set -euo pipefail

cd "$(dirname "$0")"
GUESTS_DIR=$(pwd)

export LC_ALL=C
export SOURCE_DATE_EPOCH=0
export TZ=UTC

CC=${CROSS_COMPILE:-s390x-linux-gnu-}gcc

# Every guest; the architecture level each one is compiled for.
ALL_GUESTS="ap aqic bytecode clock crc32 dat datx fib fpdiff fpex hello insns nbody per qsort sha256 sieve skey strings sys vector"
# The CPU workloads again, built for z13 and z15 (vector registers, vector code from gcc):
# guests/NAME-z13.elf and NAME-z15.elf from the sources of guests/NAME.
WORKLOADS="bytecode crc32 fib qsort sha256 sieve strings"
for w in $WORKLOADS; do ALL_GUESTS="$ALL_GUESTS $w-z13 $w-z15"; done
# Static Linux user programs (Debian's glibc for s390x, libc6-dev-s390x-cross), built for z10 as
# Debian's userland is: zcrypt-test opens /dev/z90crypt in a Linux guest with AP queues.
LINUX_GUESTS="zcrypt-test"
ALL_GUESTS="$ALL_GUESTS $LINUX_GUESTS"
is_linux_guest() { case " $LINUX_GUESTS " in *" $1 "*) return 0 ;; esac; return 1; }
LINUX_CFLAGS=(
    -std=gnu11 -O2 -march=z10 -static -s
    -fno-ident -g0
    -Wall -Wextra -Werror
    "-ffile-prefix-map=$GUESTS_DIR=."
    -Wl,--build-id=none
    -Wl,--hash-style=gnu
)
march_for() {
    case "$1" in
        insns)          echo zEC12 ;;
        vector | *-z15) echo z15 ;;
        *-z13)          echo z13 ;;
        *)              echo z196 ;;
    esac
}
# Every guest is built with hard float (gcc keeps values in FPRs and, from
# z13 on, uses the vector registers); the runtime's start-up turns on the
# AFP-register and vector enablement controls and its interrupt entry saves
# the FPC and the FP/vector registers.
float_for() {
    :
}
# The source directory of a guest (the -z13/-z15 variants share their workload's).
src_for() {
    case "$1" in
        *-z13 | *-z15) echo "${1%-z1[35]}" ;;
        *)             if is_linux_guest "$1"; then echo "linux/$1"; else echo "$1"; fi ;;
    esac
}

CFLAGS=(
    -std=gnu11 -O2 -m64 -mzarch
    -ffreestanding -nostdlib -fno-builtin
    -fno-pic -fno-pie -fno-stack-protector -fno-common
    -mno-backchain
    -fno-tree-loop-distribute-patterns
    -fno-delete-null-pointer-checks
    -fno-asynchronous-unwind-tables -fno-unwind-tables
    -fno-ident -g0
    -Wall -Wextra -Wno-unused-parameter -Werror
    "-ffile-prefix-map=$GUESTS_DIR=."
    -Iruntime
)
LDFLAGS=(
    -static -nostdlib -no-pie
    -Wl,-T,runtime/link.ld
    -Wl,--build-id=none
    -Wl,--no-warn-rwx-segments
    -Wl,--hash-style=gnu
)

# The committed ELFs were built with this toolchain (Debian 12 packages
# gcc-s390x-linux-gnu and binutils-s390x-linux-gnu).  Byte-identical output
# is only expected from the same versions.
EXPECTED_GCC="12.2.0"
EXPECTED_LD="2.40"

check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build.sh: $CC not found (apt-get install gcc-s390x-linux-gnu)" >&2
    exit 2
fi
gcc_version=$("$CC" -dumpfullversion)
ld_version=$("${CC%gcc}ld" --version | head -n 1 | sed 's/.* //')
if [ "$gcc_version" != "$EXPECTED_GCC" ] || [ "$ld_version" != "$EXPECTED_LD" ]; then
    echo "build.sh: toolchain is gcc $gcc_version / ld $ld_version, the committed ELFs" \
         "come from gcc $EXPECTED_GCC / ld $EXPECTED_LD" >&2
    if [ $check = 1 ]; then
        echo "build.sh --check: skipped, a different toolchain cannot reproduce the bytes" >&2
        exit 0
    fi
fi
guests=${*:-$ALL_GUESTS}

if [ $check = 1 ]; then
    out_dir=build/check
else
    out_dir=.
fi
obj_root=build/obj
mkdir -p "$out_dir" "$obj_root"

# Runtime sources (sorted, so link order is stable).
sources_in() {
    find "$1" -maxdepth 1 -type f \( -name '*.c' -o -name '*.S' \) | sort
}
runtime_sources=$(sources_in runtime)

compile() {   # compile SRC OBJ MARCH FLOAT
    "$CC" "${CFLAGS[@]}" "-march=$3" $4 -c "$1" -o "$2"
}

failed=0
for g in $guests; do
    src_dir=$(src_for "$g")
    if [ ! -d "$src_dir" ]; then
        echo "build.sh: no such guest: $g" >&2
        exit 2
    fi
    if is_linux_guest "$g"; then
        mkdir -p "$out_dir/linux"
        "$CC" "${LINUX_CFLAGS[@]}" -o "$out_dir/$src_dir.elf" $(sources_in "$src_dir")
    else
        march=$(march_for "$g")
        float=$(float_for "$g")
        obj_dir=$obj_root/$g
        rm -rf "$obj_dir"
        mkdir -p "$obj_dir"
        objs=()
        guest_sources=$(sources_in "$src_dir")
        for src in $runtime_sources $guest_sources; do
            obj=$obj_dir/$(echo "$src" | tr '/' '_').o
            compile "$src" "$obj" "$march" "$float"
            objs+=("$obj")
        done
        "$CC" "${CFLAGS[@]}" "-march=$march" $float "${LDFLAGS[@]}" -o "$out_dir/$g.elf" "${objs[@]}" -lgcc
    fi

    if [ $check = 1 ]; then
        elf=$g.elf
        is_linux_guest "$g" && elf=linux/$g.elf
        if cmp -s "$out_dir/$elf" "$elf"; then
            echo "ok       $elf"
        else
            echo "DIFFERS  $elf"
            failed=1
        fi
    else
        if is_linux_guest "$g"; then echo "built    linux/$g.elf"; else echo "built    $g.elf"; fi
    fi
done

if [ $check = 1 ] && [ $failed = 1 ]; then
    echo "build.sh --check: committed guest ELFs differ from a fresh build" >&2
    exit 1
fi
