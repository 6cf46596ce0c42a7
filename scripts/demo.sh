#!/usr/bin/env bash
# Installs what is missing, builds, boots the kernel, and shows a short session.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMEMU_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
cd "$root"
lkmemu="$build/bin/lkmemu"
run() { echo; echo "\$ $*"; "$@"; }

run "$lkmemu" run -c "dmesg; vmmap"
if ls "$build"/modules/*.ko >/dev/null 2>&1 && "$lkmemu" run --help | grep -q insmod; then
  run "$lkmemu" run -c "insmod $build/modules/hello.ko who=demo; lsmod; rmmod hello; lsmod; dmesg"
fi
