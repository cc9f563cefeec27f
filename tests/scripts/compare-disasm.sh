#!/usr/bin/env bash
# Issue 3's acceptance check: `s390jit disasm` against `s390x-linux-gnu-objdump -d --no-show-raw-insn`
# on every executable section of Debian 12's busybox-static (s390x, fetched with apt into .downloads/)
# and of every ELF in guests/ and firmware/. Prints `N of N instructions agree` per file and in total.
# Needs binutils-s390x-linux-gnu. S390JIT="cmd" selects the binary (default: the Release build).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ -z "${S390JIT:-}" ]; then
    dotnet build src/S390Jit.Cli/S390Jit.Cli.csproj -c Release -v q -nologo >/dev/null
    S390JIT="dotnet $root/src/S390Jit.Cli/bin/Release/net10.0/s390jit.dll"
fi
busybox=$(tests/scripts/fetch-busybox.sh)
status=0
python3 tests/scripts/compare-disasm.py --s390jit "$S390JIT" "$busybox" || status=1
shopt -s nullglob
elfs=(guests/*.elf firmware/*.elf)
python3 tests/scripts/compare-disasm.py --s390jit "$S390JIT" "${elfs[@]}" || status=1
exit $status
