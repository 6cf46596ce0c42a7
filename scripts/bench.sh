#!/usr/bin/env bash
# Benchmarks, recorded in docs/benchmarks.md (each between its own markers, so re-running one
# replaces its table and leaves the others alone).
#   scripts/bench.sh [RUNS] [SECTION...]   default 5 runs per measurement (the table shows the
#   median) and every section: boot, modules, imports. LKMEMU_BASE_BUILD=DIR (a build of an older
#   commit, e.g. from `git worktree add`) adds its numbers to the imports table for comparison.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMEMU_BUILD_DIR:-$root/build}
runs=${1:-5}
sections=" ${*:2} "
want() { [ "$sections" = "  " ] || [[ "$sections" == *" $1 "* ]]; }
"$root/scripts/build.sh" >/dev/null
lkmemu="$build/bin/lkmemu"
kernel="$build/bin/kernel.elf"
doc="$root/docs/benchmarks.md"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Timing reads bash's own clock ($EPOCHREALTIME) right before and after the command: `date` in a
# command substitution would add its start-up (a few ms) to every measurement, a large share of
# a 20 ms boot.
elapsed_ms() { awk -v a="${1/,/.}" -v b="${2/,/.}" 'BEGIN {printf "%.1f", (b - a) * 1000}'; }

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

if want boot; then
  echo "bench: boot to power-off, $runs runs each" >&2
  # The two alternate, run by run, so that a change in the shared machine's load over the minute
  # this takes affects both alike.
  have_qemu=$(command -v qemu-system-x86_64 >/dev/null && echo yes || echo no)
  lk_ms=(); lk_inside=(); q_ms=(); lk_instr=0
  for _ in $(seq "$runs"); do
    # Process start to exit; wall_ms from --json is the machine's own part (creation to power-off),
    # without loading the program.
    start=$EPOCHREALTIME
    timeout 120 "$lkmemu" run --json /tmp/lkmemu-bench.json >/dev/null # the same wrapper as QEMU's
    end=$EPOCHREALTIME
    lk_ms+=("$(elapsed_ms "$start" "$end")")
    lk_inside+=("$(python3 -c 'import json;print(round(json.load(open("/tmp/lkmemu-bench.json"))["boot"]["wall_ms"], 1))')")
    lk_instr=$(python3 -c 'import json;print(json.load(open("/tmp/lkmemu-bench.json"))["boot"]["guest_instructions"])')
    if [ "$have_qemu" = yes ]; then
      start=$EPOCHREALTIME
      timeout 120 qemu-system-x86_64 -kernel "$kernel" -m 128 -display none -no-reboot -serial null \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 >/dev/null 2>&1 || true
      end=$EPOCHREALTIME
      q_ms+=("$(elapsed_ms "$start" "$end")")
    fi
  done
  lk_inside_median=$(printf '%s\n' "${lk_inside[@]}" | median)
  lk_median=$(printf '%s\n' "${lk_ms[@]}" | median)
  qemu_median="n/a"
  if [ "$have_qemu" = yes ]; then
    qemu_median=$(printf '%s\n' "${q_ms[@]}" | median)
  fi
  ratio=$(awk -v a="$lk_median" -v b="$qemu_median" 'BEGIN { if (b+0 > 0) printf "%.2f", a / b; else print "n/a" }')

  record boot "## Boot to power-off

Kernel boots, runs init, init finds no commands and powers off. Median of $runs runs, $(date -u +%Y-%m-%d), $(nproc) cores.
Aim: lkmemu at most a quarter of QEMU's wall time (lkmemu has no firmware to run).

| | wall time (ms) | guest instructions |
|---|---|---|
| lkmemu, process start to exit | $lk_median | $lk_instr |
| lkmemu, machine creation to power-off (\`wall_ms\`) | $lk_inside_median | |
| QEMU (TCG, \`-kernel\` PVH) | $qemu_median | — |
| lkmemu / QEMU (process to process) | $ratio | |"
  echo "bench: lkmemu ${lk_median} ms, QEMU ${qemu_median} ms (ratio $ratio)" >&2
fi

# insmod + rmmod latency: each command's wall time and guest instructions, from --json.
modules="$build/modules"
if want modules && [ -f "$modules/hello.ko" ] && [ -f "$modules/big.ko" ]; then
  echo "bench: insmod/rmmod of hello and big, $runs runs each" >&2
  commands="insmod $modules/hello.ko; rmmod hello; insmod $modules/big.ko; rmmod big"
  for _ in $(seq "$runs"); do
    "$lkmemu" run -c "$commands" --json - 2>/dev/null
  done | python3 -c '
import json, statistics, sys
decoder, text, runs = json.JSONDecoder(), sys.stdin.read(), []
while text.strip():
    run, end = decoder.raw_decode(text.lstrip()); runs.append(run); text = text.lstrip()[end:]
rows = []
for i, label in enumerate(["insmod hello.ko", "rmmod hello", "insmod big.ko", "rmmod big"]):
    ms = statistics.median(r["commands"][i]["wall_ms"] for r in runs)
    instr = statistics.median(r["commands"][i]["guest_instructions"] for r in runs)
    rows.append(f"| `{label}` | {ms:.2f} | {int(instr)} |")
print("\n".join(rows))' > /tmp/lkmemu-bench-modules.txt

  echo "bench: 1,000 insmod/rmmod cycles of hello" >&2
  script=/tmp/lkmemu-bench-cycles.txt
  : > "$script"
  for _ in $(seq 1000); do printf 'insmod %s\nrmmod hello\n' "$modules/hello.ko" >> "$script"; done
  echo meminfo >> "$script"
  start=$EPOCHREALTIME
  "$lkmemu" run --script "$script" --json /tmp/lkmemu-bench-cycles.json >/dev/null
  end=$EPOCHREALTIME
  cycles_ms=$(elapsed_ms "$start" "$end" | awk '{printf "%.0f", $1}')
  cycles_instr=$(python3 -c 'import json;print(json.load(open("/tmp/lkmemu-bench-cycles.json"))["boot"]["guest_instructions"])')

  record modules "## Module load and unload

Each command's wall time (from the host handing the request to init until init's answer) and the
guest instructions executed meanwhile, from \`lkmemu run --json\`. Median of $runs runs, $(date -u +%Y-%m-%d).

| command | wall time (ms) | guest instructions |
|---|---|---|
$(cat /tmp/lkmemu-bench-modules.txt)

1,000 \`insmod hello.ko; rmmod hello\` cycles in one boot (a 2,001-line script, with \`meminfo\` at the end): **$cycles_ms ms** wall time
for the whole run, $cycles_instr guest instructions."
fi

# insmod of a module importing 1,000 symbols while 100 modules are loaded (the modules come from
# scripts/gen_bench_imports.py, built out of tree with the SDK): the cost of symbol resolution and
# of the checks that look at every loaded module. With LKMEMU_BASE_BUILD, the same modules on an
# older build too.
if want imports; then
  echo "bench: insmod of a module importing 1,000 symbols with 100 modules loaded, $runs runs each" >&2
  gen="$build/bench-imports"
  python3 "$root/scripts/gen_bench_imports.py" "$gen"
  [ -f "$gen/build/build.ninja" ] || cmake -S "$gen" -B "$gen/build" -G Ninja >/dev/null
  cmake --build "$gen/build" >/dev/null
  bench_modules="$gen/build/modules"
  commands=""
  for i in $(seq -f "%03g" 0 99); do commands+="insmod $bench_modules/bexp$i.ko; "; done
  commands+="insmod $bench_modules/bimport.ko; rmmod bimport"
  # Prints "wall_ms guest_instructions" of insmod bexp099 and of insmod bimport (medians).
  measure_imports() {
    for _ in $(seq "$runs"); do
      "$1" run -c "$commands" --json - 2>/dev/null
    done | python3 -c '
import json, statistics, sys
decoder, text, runs = json.JSONDecoder(), sys.stdin.read(), []
while text.strip():
    run, end = decoder.raw_decode(text.lstrip()); runs.append(run); text = text.lstrip()[end:]
for i in (99, 100):
    assert all(r["commands"][i]["ok"] for r in runs), "insmod failed"
    ms = statistics.median(r["commands"][i]["wall_ms"] for r in runs)
    instr = statistics.median(r["commands"][i]["guest_instructions"] for r in runs)
    print(f"{ms:.1f} {int(instr)}")'
  }
  rows=""
  add_rows() { # label, lkmemu binary
    local m; m=($(measure_imports "$2"))
    rows+="| $1 | \`insmod bexp099.ko\` (10 exports; 99 modules loaded) | ${m[0]} | ${m[1]} |
| $1 | \`insmod bimport.ko\` (1,000 imports; 100 modules loaded) | ${m[2]} | ${m[3]} |
"
  }
  if [ -n "${LKMEMU_BASE_BUILD:-}" ]; then
    base_src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$LKMEMU_BASE_BUILD/CMakeCache.txt")
    add_rows "base $(git -C "$base_src" rev-parse --short HEAD)" "$LKMEMU_BASE_BUILD/bin/lkmemu"
  fi
  add_rows "this tree ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo ' + changes'))" "$lkmemu"
  record imports "## Symbol resolution with many modules loaded

100 modules \`bexp000\`…\`bexp099\` of 10 exports each are loaded, then \`bimport\`, which imports all
1,000 (\`scripts/gen_bench_imports.py\`). Each command's wall time and guest instructions from
\`lkmemu run --json\`, median of $runs runs, $(date -u +%Y-%m-%d).

| build | command | wall time (ms) | guest instructions |
|---|---|---|---|
${rows%$'\n'}"
  echo "bench: imports recorded" >&2
fi
