#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (ctest). Exits non-zero on any failure.
#   scripts/test.sh                 all tests, in build/
#   scripts/test.sh -R loader       only tests whose name matches (any ctest arguments pass through)
#   scripts/test.sh --sanitize ...  all tests with the host under ASan and UBSan, in build-sanitize/
#                                   (scripts/build.sh --sanitize); any sanitizer report fails the run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" != "--sanitize" ]; then
  build=${LKMEMU_BUILD_DIR:-$root/build}
  "$root/scripts/build.sh"
  cd "$build"
  exec ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@"
fi

shift
build=${LKMEMU_BUILD_DIR:-$root/build-sanitize}
# Every process writes its reports to a file, so that a report from a child whose exit status a
# test does not check (the lkmemu binary, gdb's inferior) still fails the run.
reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:log_path=$reports/asan
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:log_path=$reports/ubsan
status=0
"$root/scripts/build.sh" --sanitize
(cd "$build" && ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@") || status=$?
if [ -n "$(ls -A "$reports")" ]; then
  for report in "$reports"/*; do
    echo "=== $report" >&2
    cat "$report" >&2
  done
  echo "test.sh: sanitizer reports above" >&2
  status=1
fi
exit $status
