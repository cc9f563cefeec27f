#!/usr/bin/env bash
# usage: measure.sh BIN LABEL
cd /work/wt/vecjit
BIN=$1; L=$2
for w in "strings n=2500" "crc32 n=10000" "sha256 n=5000" "qsort n=1200"; do
  set -- $w
  for r in 1 2; do
    out=$( { /usr/bin/time -f "time %e %U" $BIN run guests/$1-z15.elf --append "$2" --engine jit --stats >/dev/null; } 2>&1 )
    rate=$(echo "$out" | sed -n 's/.*(\([0-9.]*\) M guest instructions\/s).*/\1/p')
    t=$(echo "$out" | grep '^time')
    echo "$L $1-z15 run$r rate=$rate $t load=$(cut -d' ' -f1 /proc/loadavg)"
  done
done
