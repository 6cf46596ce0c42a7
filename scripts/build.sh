#!/usr/bin/env bash
# Configures and builds everything into build/ (or $LKMEMU_BUILD_DIR). Used by demo.sh and test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMEMU_BUILD_DIR:-$root/build}
unicorn_root=$("$root/scripts/deps.sh")

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${generator[@]}" -DUNICORN_ROOT="$unicorn_root" >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)"
