#!/usr/bin/env bash
# Differential test: run every guest under the reference (QEMU) and under
# the S390Jit emulator and compare their console output byte for byte.
#
#   guests/compare.sh            all guests
#   guests/compare.sh NAME...    only these
#
# Environment:
#   S390JIT         emulator command, run from the repository root as
#                   "$S390JIT run GUEST.elf [--append TEXT]"
#                   (default: dotnet run -c Release --project src/S390Jit.Cli --,
#                   after one "dotnet build", so build output never mixes
#                   with guest output)
#   REFERENCE       qemu   - run qemu-system-s390x (default when installed)
#                   golden - use the recorded guests/golden/*.out instead
#   COMPARE_TIMEOUT seconds per emulator run (default 300)
#
# Prints one line per run and "N of M guests identical" at the end; exits
# non-zero if any output differs.
set -uo pipefail

guests_dir=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$guests_dir/.." && pwd)
cd "$repo_root"

if [ -n "${S390JIT:-}" ]; then
    read -r -a jit_cmd <<<"$S390JIT"
else
    echo "compare.sh: building src/S390Jit.Cli (Release)..." >&2
    if ! dotnet build -c Release src/S390Jit.Cli >&2; then
        echo "compare.sh: build failed" >&2
        exit 2
    fi
    jit_cmd=(dotnet run --no-build -c Release --project src/S390Jit.Cli --)
fi

reference=${REFERENCE:-}
if [ -z "$reference" ]; then
    if command -v "${QEMU:-qemu-system-s390x}" >/dev/null 2>&1; then
        reference=qemu
    else
        reference=golden
    fi
fi
echo "compare.sh: reference is $reference, emulator is: ${jit_cmd[*]}" >&2

if [ $# -gt 0 ]; then
    names=("$@")
else
    names=()
    for elf in "$guests_dir"/*.elf; do
        name=$(basename "$elf" .elf)
        # ap and aqic need AP crypto queues, which QEMU cannot offer under TCG: no
        # goldens; tests/S390Jit.Tests/Host/ApGuestTests.cs and AqicGuestTests.cs
        # check their PASS lines
        [ "$name" = ap ] && continue
        [ "$name" = aqic ] && continue
        [ "$name" = datx ] && continue
        [ "$name" = per ] && continue
        [ "$name" = skey ] && continue
        names+=("$name")
    done
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

total=0
same=0

# compare_one LABEL NAME GOLDEN [APPEND TEXT]
compare_one() {
    local label=$1 name=$2 golden=$3
    shift 3
    local elf=$guests_dir/$name.elf
    local ref=$work/$label.ref out=$work/$label.out
    local jit_args=(run "$elf")

    if [ $# -gt 0 ]; then
        jit_args+=(--append "$*")
    fi
    total=$((total + 1))

    if [ "$reference" = qemu ]; then
        "$guests_dir/run-qemu.sh" "$elf" "$@" >"$ref" 2>"$work/$label.ref.err"
    else
        cp "$golden" "$ref"
    fi
    timeout --kill-after=5 "${COMPARE_TIMEOUT:-300}" \
        "${jit_cmd[@]}" "${jit_args[@]}" >"$out" 2>"$work/$label.err" </dev/null
    local rc=$?

    if cmp -s "$ref" "$out"; then
        same=$((same + 1))
        echo "same     $label"
    else
        echo "DIFFERS  $label (emulator exit status $rc)"
        diff -u --label "$reference" --label s390jit "$ref" "$out" | head -n 40 | sed 's/^/    /'
        if [ -s "$work/$label.err" ]; then
            echo "    emulator stderr:"
            head -n 20 "$work/$label.err" | sed 's/^/    | /'
        fi
    fi
}

for name in "${names[@]}"; do
    compare_one "$name" "$name" "$guests_dir/golden/$name.out"
    if [ "$name" = hello ]; then
        compare_one hello.append hello "$guests_dir/golden/hello.append.out" hello world
    fi
done

echo "$same of $total guests identical"
[ "$same" -eq "$total" ]
