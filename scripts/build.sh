#!/usr/bin/env bash
# Configures and builds everything. Used by demo.sh, bench.sh and test.sh.
#   scripts/build.sh              the normal build, into build/ (or $LKMEMU_BUILD_DIR)
#   scripts/build.sh --sanitize   host code under AddressSanitizer and UndefinedBehaviorSanitizer,
#                                 into build-sanitize/ (or $LKMEMU_BUILD_DIR); the kernel, init and
#                                 modules are built as always (guest code never takes host flags)
#   scripts/build.sh TARGET...    only these (e.g. lkmemu kernel modules, as demo.sh builds)
# A folder is configured once; pass other CMake options by configuring it yourself first.
# ccache, when installed, caches compilations (docs/dependencies.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sanitize=false
targets=()
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=true ;;
    -*) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
if $sanitize; then
  build=${LKMEMU_BUILD_DIR:-$root/build-sanitize}
else
  build=${LKMEMU_BUILD_DIR:-$root/build}
fi
unicorn_root=$("$root/scripts/deps.sh")

if [ ! -f "$build/CMakeCache.txt" ]; then
  args=(-DUNICORN_ROOT="$unicorn_root")
  command -v ninja >/dev/null && args+=(-G Ninja)
  if command -v ccache >/dev/null && [ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]; then
    args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  if $sanitize; then
    # -fno-sanitize-recover: undefined behaviour fails the test instead of printing and going on.
    flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    args+=(-DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags"
           -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined")
  fi
  cmake -S "$root" -B "$build" "${args[@]}" >/dev/null
fi
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"
else
  cmake --build "$build" --parallel "$(nproc)"
fi
