#!/usr/bin/env bash
# Downloads Debian 12's busybox-static for s390x with apt (no root needed for the download itself)
# and unpacks it under .downloads/ (gitignored). Prints the path of the busybox binary.
# Usage: tests/scripts/fetch-busybox.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
D="$root/.downloads"
o=(-oAPT::Architecture=s390x -oAPT::Architectures=s390x -oDir::State::Lists="$D/lists" -oDir::Cache="$D"
   -oDir::State::Status=/var/lib/dpkg/status -oDebug::NoLocking=1)
mkdir -p "$D/lists/partial" "$D/archives/partial"
bin="$D/busybox-static/bin/busybox"
if [ ! -x "$bin" ]; then
    apt-get "${o[@]}" update >&2
    (cd "$D" && apt-get "${o[@]}" download busybox-static >&2)
    deb=$(ls -t "$D"/busybox-static_*_s390x.deb | head -1)
    rm -rf "$D/busybox-static"
    dpkg -x "$deb" "$D/busybox-static"
fi
echo "$bin"
