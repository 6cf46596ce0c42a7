#!/usr/bin/env bash
# Fuzz the module loader (loader/fuzz, libFuzzer + ASan + UBSan), or the whole system (--system).
#
#   scripts/fuzz.sh SECONDS [--build DIR]   fuzz for SECONDS; the corpus grows in DIR/loader-fuzz/corpus
#   scripts/fuzz.sh --runs N [--build DIR]  exactly N executions from the seeds in a fresh corpus (the
#                                           ctest smoke: fixed work, no timing)
#   scripts/fuzz.sh --system [SECONDS] [--seed N] [--iterations N] [--build DIR]
#                                           mutated sample modules into a live kernel (default 60 s)
#   scripts/fuzz.sh --der SECONDS|--runs N [--build DIR]
#                                           the kernel's DER/X.509/PKCS#7 readers (tests/signing)
#
# DIR is the CMake build folder (default: build, or $LKMEMU_BUILD). Seeds are the loader's test
# objects (DIR/tests/loader/objects), real modules from clang and gcc, and hello.clang.o broken in
# each way the loader refuses (loader/fuzz/make_seeds.py); loader/fuzz/loader.dict gives libFuzzer
# the section names and values those checks look at. Crashes are written to
# DIR/loader-fuzz/artifacts/ and make the script exit non-zero. The last lines of libFuzzer's
# output give execs per second (exec/s) for docs/benchmarks.md.
#
# --system runs DIR/bin/lkmemu_system_fuzz (emulator/fuzz): one boot, then per round a mutated
# hello/params/provider.ko (and parameters) through insmod, lsmod, rmmod, the post-boot snapshot
# restored between rounds. A panic, hang, emulator error, lost answer, module left behind or meminfo
# drift is a finding, written replayable to DIR/fuzz-findings/ (exit status 1). Round I of seed N
# (default 1) is the same input every time. It ends with execs/s and the longest clean run.
#
# --der runs DIR/bin/lkmemu_der_fuzz (libFuzzer + ASan + UBSan) over the module signature's
# parsers; seeds are the build's certificate (DIR/certs/signing_key.x509) and the PKCS#7 message
# of each signed module in DIR/modules. Corpus in DIR/der-fuzz/corpus, crashes in DIR/der-fuzz/artifacts.
set -euo pipefail

usage() { sed -n '2,28p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMEMU_BUILD:-$repo/build}
seconds="" runs="" fuzzer="" system=false der=false seed=1 iterations=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?}; shift 2 ;;
    --system) system=true; shift ;;
    --der) der=true; shift ;;
    --seed) seed=${2:?}; shift 2 ;;
    --iterations) iterations=${2:?}; shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    --fuzzer) fuzzer=${2:?}; shift 2 ;; # the binary, when not in DIR/bin
    -h|--help) usage ;;
    *) [[ "$1" =~ ^[0-9]+$ ]] && [ -z "$seconds" ] || usage; seconds=$1; shift ;;
  esac
done
if $system; then
  [ -z "$runs" ] || usage
else
  [ -z "$iterations" ] || usage
  [ -n "$seconds" ] || [ -n "$runs" ] || usage
fi

if [ ! -d "$build" ]; then
  echo "fuzz.sh: no build folder $build (configure with cmake first, or pass --build DIR)" >&2
  exit 1
fi
build=$(cd "$build" && pwd)

if $system; then
  fuzzer=${fuzzer:-$build/bin/lkmemu_system_fuzz}
  if [ ! -x "$fuzzer" ]; then
    echo "fuzz.sh: no system fuzzer at $fuzzer (build lkmemu_system_fuzz, kernel and modules)" >&2
    exit 1
  fi
  if [ -n "$iterations" ]; then
    amount=(--iterations "$iterations")
  else
    amount=(--seconds "${seconds:-60}")
  fi
  exec "$fuzzer" --kernel "$build/bin/kernel.elf" --modules-dir "$build/modules" --seed "$seed" "${amount[@]}" \
    --findings "$build/fuzz-findings"
fi

if $der; then
  fuzzer=${fuzzer:-$build/bin/lkmemu_der_fuzz}
  if [ ! -x "$fuzzer" ]; then
    echo "fuzz.sh: no fuzzer at $fuzzer (configure with -DLKMEMU_FUZZ=ON and build lkmemu_der_fuzz)" >&2
    exit 1
  fi
  work=$build/der-fuzz
  mkdir -p "$work/artifacts"
  add_der_seeds() { # DEST: the certificate and each module's PKCS#7 message (Linux's trailer layout)
    cp "$build/certs/signing_key.x509" "$1/" 2>/dev/null || true
    python3 - "$1" "$build"/modules/*.ko <<'PY'
import struct, sys
marker = b"~Module signature appended~\n"
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    if not data.endswith(marker):
        continue
    info = data[-len(marker) - 12:-len(marker)]
    length = struct.unpack(">I", info[8:12])[0]
    message = data[-len(marker) - 12 - length:-len(marker) - 12]
    open(f"{sys.argv[1]}/{path.rsplit('/', 1)[-1]}.p7s", "wb").write(message)
PY
  }
  common=(-artifact_prefix="$work/artifacts/" -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1)
  if [ -n "$runs" ]; then
    corpus=$(mktemp -d "$work/smoke.XXXXXX")
    trap 'rm -rf "$corpus"' EXIT
    add_der_seeds "$corpus"
    exec_status=0
    "$fuzzer" "${common[@]}" -seed=1 -runs="$runs" "$corpus" || exec_status=$?
    exit $exec_status
  fi
  mkdir -p "$work/corpus"
  add_der_seeds "$work/corpus"
  exec "$fuzzer" "${common[@]}" -max_total_time="$seconds" "$work/corpus"
fi

fuzzer=${fuzzer:-$build/bin/lkmemu_loader_fuzz}
seeds=$build/tests/loader/objects
if [ ! -x "$fuzzer" ]; then
  echo "fuzz.sh: no fuzzer at $fuzzer (configure with -DLKMEMU_FUZZ=ON and build lkmemu_loader_fuzz)" >&2
  exit 1
fi
if ! ls "$seeds"/*.o >/dev/null 2>&1; then
  echo "fuzz.sh: no seed objects in $seeds (build lkmemu_loader_test_objects)" >&2
  exit 1
fi

work=$build/loader-fuzz
mkdir -p "$work/artifacts"
common=(-artifact_prefix="$work/artifacts/" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1
        -dict="$repo/loader/fuzz/loader.dict")
add_seeds() { # DEST: the test objects and the refused variants
  cp -n "$seeds"/*.o "$seeds"/*.ko "$1"/ 2>/dev/null || true
  python3 "$repo/loader/fuzz/make_seeds.py" "$seeds/hello.clang.o" "$1"
}

if [ -n "$runs" ]; then
  corpus=$(mktemp -d "$work/smoke.XXXXXX")
  trap 'rm -rf "$corpus"' EXIT
  add_seeds "$corpus"
  exec_status=0
  "$fuzzer" "${common[@]}" -seed=1 -runs="$runs" "$corpus" || exec_status=$?
  exit $exec_status
fi

mkdir -p "$work/corpus"
add_seeds "$work/corpus"
exec "$fuzzer" "${common[@]}" -max_total_time="$seconds" "$work/corpus"
