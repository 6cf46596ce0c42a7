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
# A module loaded and unloaded through init_module/delete_module, with its pages' permissions.
run "$lkmemu" run -c "insmod $build/modules/hello.ko who=demo; lsmod; vmmap; rmmod hello; lsmod; dmesg"
