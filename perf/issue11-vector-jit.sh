#!/usr/bin/env bash
# Before/after of the vector simple bodies (perf/issue11-vector-jit.md): two s390jit builds run back to
# back on the -z15 workloads with perf/side-by-side.sh's counts; prints --stats' rate, wall and user CPU.
#   BEFORE=path/to/old/s390jit AFTER=path/to/new/s390jit perf/issue11-vector-jit.sh
cd "$(dirname "$0")/.."
for w in "strings n=2500" "crc32 n=10000" "sha256 n=5000"; do
  set -- $w
  for r in 1 2; do
    for B in "before:$BEFORE" "after:$AFTER"; do
      L=${B%%:*}; BIN=${B#*:}
      out=$( { /usr/bin/time -f "time %e %U" "$BIN" run "guests/$1-z15.elf" --append "$2" --engine jit --stats >/dev/null; } 2>&1 )
      rate=$(echo "$out" | sed -n 's/.*(\([0-9.]*\) M guest instructions\/s).*/\1/p')
      echo "$L $1-z15 run$r rate=$rate $(echo "$out" | grep '^time') load=$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
