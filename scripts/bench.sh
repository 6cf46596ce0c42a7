#!/usr/bin/env bash
# Benchmarks, recorded in docs/benchmarks.md (each between its own markers, so re-running one
# replaces its table and leaves the others alone).
#   scripts/bench.sh [RUNS]   default 5 runs per measurement; the table shows the median
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMEMU_BUILD_DIR:-$root/build}
runs=${1:-5}
"$root/scripts/build.sh" >/dev/null
lkmemu="$build/bin/lkmemu"
kernel="$build/bin/kernel.elf"
doc="$root/docs/benchmarks.md"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_ms() { date +%s%N | awk '{printf "%.1f", $1/1e6}'; }

# Replaces the text between <!-- bench:NAME --> and <!-- /bench:NAME --> in docs/benchmarks.md.
record() {
  local name=$1 body=$2
  python3 - "$doc" "$name" "$body" <<'PY'
import re, sys
path, name, body = sys.argv[1:4]
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmarks\n\nMeasured by `scripts/bench.sh` (and the loader's micro-benchmark) on the project's 2-core machine.\n"
begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
block = f"{begin}\n{body}\n{end}"
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
}

echo "bench: boot to power-off, $runs runs each" >&2
lk_ms=(); lk_instr=0
for _ in $(seq "$runs"); do
  "$lkmemu" run --json /tmp/lkmemu-bench.json >/dev/null
  lk_ms+=("$(python3 -c 'import json;print(json.load(open("/tmp/lkmemu-bench.json"))["boot"]["wall_ms"])')")
  lk_instr=$(python3 -c 'import json;print(json.load(open("/tmp/lkmemu-bench.json"))["boot"]["guest_instructions"])')
done
lk_median=$(printf '%s\n' "${lk_ms[@]}" | median)

qemu_median="n/a"
if command -v qemu-system-x86_64 >/dev/null; then
  q_ms=()
  for _ in $(seq "$runs"); do
    start=$(now_ms)
    timeout 120 qemu-system-x86_64 -kernel "$kernel" -m 128 -display none -no-reboot -serial null \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 >/dev/null 2>&1 || true
    end=$(now_ms)
    q_ms+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')")
  done
  qemu_median=$(printf '%s\n' "${q_ms[@]}" | median)
fi
ratio=$(awk -v a="$lk_median" -v b="$qemu_median" 'BEGIN { if (b+0 > 0) printf "%.2f", a / b; else print "n/a" }')

record boot "## Boot to power-off

Kernel boots, runs init, init finds no commands and powers off. Median of $runs runs, $(date -u +%Y-%m-%d), $(nproc) cores.
Aim: lkmemu at most a quarter of QEMU's wall time (lkmemu has no firmware to run).

| | wall time (ms) | guest instructions |
|---|---|---|
| lkmemu | $lk_median | $lk_instr |
| QEMU (TCG, \`-kernel\` PVH) | $qemu_median | — |
| lkmemu / QEMU | $ratio | |"
echo "bench: lkmemu ${lk_median} ms, QEMU ${qemu_median} ms (ratio $ratio)" >&2
