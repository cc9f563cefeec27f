#!/usr/bin/env bash
# Downloads Debian 12's newest linux-image-6.1.0-NN-s390x and busybox-static for s390x with apt under another
# architecture (as tests/S390Jit.Tests/DebianPackages.cs does, sharing its cache .downloads/debian-s390x, git-ignored)
# and prints two lines: the vmlinuz path and the busybox path.
# Usage: tests/scripts/fetch-linux.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
D="${S390JIT_DEB_CACHE:-$root/.downloads/debian-s390x}"
o=(-oAPT::Architecture=s390x -oAPT::Architectures=s390x -oDir::State::Lists="$D/lists" -oDir::Cache="$D" -oDebug::NoLocking=1 -q)
mkdir -p "$D/lists/partial" "$D/archives/partial"
updated=
update() { [ -n "$updated" ] || { apt-get "${o[@]}" update >&2; updated=1; }; }
fetch() { (cd "$D" && apt-get "${o[@]}" download "$1" >&2); dpkg -x "$(ls -t "$D/$1"_*.deb | head -1)" "$D/root"; }
kernel=$(ls "$D"/root/boot/vmlinuz-6.1.0-*-s390x 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$kernel" ]; then
    update
    pkg=$(apt-cache "${o[@]}" search '^linux-image-6\.1\.0-[0-9]+-s390x$' | cut -d' ' -f1 | sort -V | tail -1)
    [ -n "$pkg" ] || { echo "fetch-linux: no linux-image-6.1.0-NN-s390x in the s390x package lists" >&2; exit 1; }
    fetch "$pkg"
    kernel=$(ls "$D"/root/boot/vmlinuz-6.1.0-*-s390x | sort -V | tail -1)
fi
busybox="$D/root/bin/busybox"
if [ ! -x "$busybox" ]; then update; fetch busybox-static; fi
echo "$kernel"
echo "$busybox"
