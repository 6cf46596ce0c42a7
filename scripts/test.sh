#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (ctest). Exits non-zero on any failure.
#   scripts/test.sh            all tests
#   scripts/test.sh -R loader  only tests whose name matches (any ctest arguments pass through)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMEMU_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@"
