#!/usr/bin/env bash
# Benchmarks, recorded in docs/benchmarks.md (each between its own markers, so re-running one
# replaces its table and leaves the others alone).
#   scripts/bench.sh [RUNS] [SECTION...]   default 5 runs per measurement (the table shows the
#   median) and every section: boot, snapshot, modules, programs, imports, compute. LKMEMU_BASE_BUILD=DIR (a build of
#   an older commit, e.g. from `git worktree add`) adds its numbers to the imports table for
#   comparison. LKMEMU_COMPUTE_REPS=N (default 250000) sets the compute loop's repetitions.
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

# Resuming from a snapshot (docs/machine.md, "Snapshots") against a boot, both to power-off,
# alternating run by run; and the first insmod of hello in each.
if want snapshot; then
  echo "bench: boot vs resume from a snapshot, $runs runs each" >&2
  snap=/tmp/lkmemu-bench.snap
  "$lkmemu" snapshot save "$snap" 2>/dev/null
  boot_ms=(); resume_ms=(); boot_insmod=(); resume_insmod=()
  for _ in $(seq "$runs"); do
    start=$EPOCHREALTIME; "$lkmemu" run -c "" >/dev/null; end=$EPOCHREALTIME
    boot_ms+=("$(elapsed_ms "$start" "$end")")
    start=$EPOCHREALTIME; "$lkmemu" run --snapshot "$snap" -c "" >/dev/null; end=$EPOCHREALTIME
    resume_ms+=("$(elapsed_ms "$start" "$end")")
    boot_insmod+=("$("$lkmemu" run -c "insmod $build/modules/hello.ko" --json - 2>/dev/null |
      python3 -c 'import json,sys;print(round(json.load(sys.stdin)["commands"][0]["wall_ms"], 2))')")
    resume_insmod+=("$("$lkmemu" run --snapshot "$snap" -c "insmod $build/modules/hello.ko" --json - 2>/dev/null |
      python3 -c 'import json,sys;print(round(json.load(sys.stdin)["commands"][0]["wall_ms"], 2))')")
  done
  # CPU time (user + system) per run, less disturbed than wall time on a shared machine.
  read -r boot_cpu resume_cpu < <(python3 - "$lkmemu" "$snap" "$runs" <<'PY'
import resource, subprocess, sys
lkmemu, snap, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def cpu(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / runs * 1000
print(f"{cpu([lkmemu, 'run', '-c', '']):.1f} {cpu([lkmemu, 'run', '--snapshot', snap, '-c', '']):.1f}")
PY
)
  boot_median=$(printf '%s\n' "${boot_ms[@]}" | median)
  resume_median=$(printf '%s\n' "${resume_ms[@]}" | median)
  snap_ratio=$(awk -v a="$resume_median" -v b="$boot_median" 'BEGIN { printf "%.2f", a / b }')
  snap_bytes=$(du -B1 "$snap" | cut -f1)
  record snapshot "## Resuming from a snapshot

\`lkmemu run --snapshot FILE -c \"\"\` (RAM mapped copy-on-write from FILE) against a boot, both process start
to power-off. Median of $runs runs, alternating, $(date -u +%Y-%m-%d), $(nproc) cores. The snapshot, taken
right after boot, holds $(( $(stat -c %s "$snap") >> 20 )) MiB of RAM in $(( snap_bytes >> 10 )) KiB on disk (zero pages are holes).

| | wall time (ms) | CPU time (ms, user + system, mean) |
|---|---|---|
| boot to power-off | $boot_median | $boot_cpu |
| resume to power-off | $resume_median | $resume_cpu |
| resume / boot | $snap_ratio | |
| first \`insmod hello.ko\` after a boot | $(printf '%s\n' "${boot_insmod[@]}" | median) | |
| first \`insmod hello.ko\` after a resume | $(printf '%s\n' "${resume_insmod[@]}" | median) | |

Measured with the machine shared by other jobs (load average $(cut -d' ' -f1 /proc/loadavg)): wall times are inflated; the CPU times are steadier."
  rm -f "$snap"
  echo "bench: boot ${boot_median} ms, resume ${resume_median} ms (ratio $snap_ratio)" >&2
fi

# insmod + rmmod latency: each command's wall time and guest instructions, from --json.
modules="$build/modules"
if want modules && [ -f "$modules/hello.ko" ] && [ -f "$modules/big.ko" ]; then
  echo "bench: insmod/rmmod of hello and big, $runs runs each" >&2
  commands="insmod $modules/hello.ko; rmmod hello; insmod $modules/hello.ko; rmmod hello; insmod $modules/big.ko; rmmod big"
  for _ in $(seq "$runs"); do
    "$lkmemu" run -c "$commands" --json - 2>/dev/null
  done | python3 -c '
import json, statistics, sys
decoder, text, runs = json.JSONDecoder(), sys.stdin.read(), []
while text.strip():
    run, end = decoder.raw_decode(text.lstrip()); runs.append(run); text = text.lstrip()[end:]
rows = []
for i, label in enumerate(["insmod hello.ko", "rmmod hello", "insmod hello.ko (again)", "rmmod hello", "insmod big.ko", "rmmod big"]):
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

# Guest programs through the harness's exec (docs/userland.md): `exec /bin/busybox true`'s round
# trip (fork, execve, exit, wait4), a busybox insmod/rmmod cycle against the harness's own, and
# 1,000 exec of true in one boot. Needs busybox in the default initramfs.
if want programs && [ -f "$build/initramfs.cpio" ] && grep -qa "bin/busybox" "$build/initramfs.cpio"; then
  echo "bench: exec /bin/busybox true and busybox insmod/rmmod, $runs runs each" >&2
  ko=/lib/modules/lkmemu-abi1/hello.ko
  commands="exec /bin/busybox true; exec /bin/busybox true; exec /bin/busybox insmod $ko; exec /bin/busybox rmmod hello; insmod $ko; rmmod hello"
  for _ in $(seq "$runs"); do
    "$lkmemu" run --initrd "$build/initramfs.cpio" -c "$commands" --json - 2>/dev/null
  done | python3 -c '
import json, statistics, sys
decoder, text, runs = json.JSONDecoder(), sys.stdin.read(), []
while text.strip():
    run, end = decoder.raw_decode(text.lstrip()); runs.append(run); text = text.lstrip()[end:]
rows = []
for i, label in enumerate(["exec /bin/busybox true (first)", "exec /bin/busybox true", "exec /bin/busybox insmod hello.ko",
                           "exec /bin/busybox rmmod hello", "insmod hello.ko (in a child of init)", "rmmod hello (in a child of init)"]):
    ms = statistics.median(r["commands"][i]["wall_ms"] for r in runs)
    instr = statistics.median(r["commands"][i]["guest_instructions"] for r in runs)
    rows.append(f"| `{label}` | {ms:.2f} | {int(instr)} |")
print("\n".join(rows))' > /tmp/lkmemu-bench-programs.txt

  echo "bench: 1,000 exec of busybox true in one boot" >&2
  script=/tmp/lkmemu-bench-exec.txt
  : > "$script"
  for _ in $(seq 1000); do echo "exec /bin/busybox true" >> "$script"; done
  start=$EPOCHREALTIME
  "$lkmemu" run --initrd "$build/initramfs.cpio" --script "$script" --json /tmp/lkmemu-bench-exec.json >/dev/null
  end=$EPOCHREALTIME
  exec_ms=$(elapsed_ms "$start" "$end" | awk '{printf "%.0f", $1}')
  exec_instr=$(python3 -c 'import json;print(json.load(open("/tmp/lkmemu-bench-exec.json"))["boot"]["guest_instructions"])')

  record programs "## Guest programs: exec

Each command's wall time and guest instructions from \`lkmemu run --json\` on the default initramfs
(Debian's busybox-static). Median of $runs runs, $(date -u +%Y-%m-%d).

| command | wall time (ms) | guest instructions |
|---|---|---|
$(cat /tmp/lkmemu-bench-programs.txt)

1,000 \`exec /bin/busybox true\` (fork + execve + exit + wait4 each) in one boot: **$exec_ms ms** wall time for the
whole run, $exec_instr guest instructions."
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

# <compute>
# The compute benchmark (benchmarks/compute): the same loop bytes natively, in raw Unicorn, in a
# PVH kernel under QEMU TCG and in a module under lkmemu. Each runner runs N and 2N reps; the
# difference is N reps of loop with start-up, boot, module load and translation cancelled out.
# Runners alternate within each run, so the shared machine's load shifts affect all alike.
if want compute; then
  reps=${LKMEMU_COMPUTE_REPS:-250000}
  echo "bench: compute loops, $reps and $((2 * reps)) reps, $runs runs each" >&2
  have_qemu=$(command -v qemu-system-x86_64 >/dev/null && echo yes || echo no)
  [ "$have_qemu" = yes ] || echo "bench: qemu-system-x86_64 not found: the QEMU column is skipped" >&2
  samples=/tmp/lkmemu-bench-compute.txt
  : > "$samples"
  # One line per measurement: runner loop reps instructions ns. The time is the process's CPU time
  # (user + system, bash's `time`), not its wall time: on this shared machine a process waits for
  # a core as long as it runs, and the difference of two wall times is mostly that noise.
  sample() { echo "$*" >> "$samples"; }
  cpu_ns() { # CMD... : runs it (its output to /tmp/lkmemu-bench-compute.out), prints its CPU ns
    local TIMEFORMAT='%3U %3S' t
    t=$( { time "$@" > /tmp/lkmemu-bench-compute.out 2>/dev/null; } 2>&1 ) || return 1
    awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.0f", (a[1] + a[2]) * 1e9 }'
  }
  qemu_compute() { # LOOP REPS: exits 1 through isa-debug-exit when the loop ran to its end
    local status=0
    timeout 600 qemu-system-x86_64 -accel tcg -kernel "$build/bin/compute_pvh.elf" -append "loop=$1 reps=$2" \
      -m 64 -display none -no-reboot -serial null -device isa-debug-exit,iobase=0xf4,iosize=0x04 || status=$?
    [ "$status" -eq 1 ]
  }
  for _ in $(seq "$runs"); do
    for loop in store load; do
      for n in "$reps" "$((2 * reps))"; do
        for runner in native unicorn unicorn_hook; do
          case $runner in
            native) ns=$(cpu_ns "$build/bin/lkmemu_compute_native" --loop "$loop" --reps "$n") ;;
            unicorn) ns=$(cpu_ns "$build/bin/lkmemu_compute_unicorn" --loop "$loop" --reps "$n") ;;
            unicorn_hook) ns=$(cpu_ns "$build/bin/lkmemu_compute_unicorn" --loop "$loop" --reps "$n" --block-hook) ;;
          esac
          sample "$runner" "$loop $n" "$(cut -d' ' -f1 /tmp/lkmemu-bench-compute.out)" "$ns"
        done
        if [ "$have_qemu" = yes ]; then
          ns=$(cpu_ns qemu_compute "$loop" "$n") || { echo "bench: QEMU's compute kernel did not finish its loop" >&2; exit 1; }
          sample qemu "$loop $n" 0 "$ns"
        fi
        ns=$(cpu_ns "$lkmemu" run --command-timeout 0 -c "insmod $modules/compute.ko loop=$loop reps=$n" \
               --json /tmp/lkmemu-bench-compute.json)
        sample lkmemu "$loop $n" "$(python3 -c '
import json; c = json.load(open("/tmp/lkmemu-bench-compute.json"))["commands"][0]
assert c["ok"], c
print(c["guest_instructions"])')" "$ns"
      done
    done
  done
  # The store loop with its data pages writable and executable (raw Unicorn only, 1/10 of the
  # reps: it is that much slower): Unicorn 2.1.4's slow path for stores to such pages.
  for n in "$((reps / 10))" "$((reps / 5))"; do
    ns=$(cpu_ns "$build/bin/lkmemu_compute_unicorn" --loop store --reps "$n" --wx)
    sample unicorn_wx "store $n" "$(cut -d' ' -f1 /tmp/lkmemu-bench-compute.out)" "$ns"
  done
  python3 - "$samples" "$reps" "$runs" "$(date -u +%Y-%m-%d)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" > /tmp/lkmemu-bench-compute.md <<'PY'
import collections, statistics, sys
path, reps, runs, day, cores, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
PER_REP = 708 # compute_loops.h: instructions per rep of either loop
samples = collections.defaultdict(list) # (runner, loop, reps) -> [(instructions, ns)]
for line in open(path):
    runner, loop, n, instr, ns = line.split()
    samples[runner, loop, int(n)].append((int(instr), int(ns)))
def mips(runner, loop, n=reps):
    """Median over runs of N reps' instructions / (time(2N) - time(N)), in MIPS; None if absent."""
    small, large = samples.get((runner, loop, n)), samples.get((runner, loop, 2 * n))
    if not small or not large:
        return None
    return statistics.median(n * PER_REP / max(b[1] - a[1], 1) * 1e3 for a, b in zip(small, large))
def extra(runner, loop):
    """Guest instructions counted beyond the loop's own in N reps (lkmemu: timer interrupts)."""
    small, large = samples[runner, loop, reps], samples[runner, loop, 2 * reps]
    return statistics.median(b[0] - a[0] for a, b in zip(small, large)) - reps * PER_REP
def cell(v, digits=0):
    return "n/a" if v is None else f"{v:,.{digits}f}"
def ratio(a, b):
    return "n/a" if a is None or b is None else f"{a / b:.2f}"
rows = []
for loop in ("store", "load"):
    lk, uc, hook, q, nat = (mips(r, loop) for r in ("lkmemu", "unicorn", "unicorn_hook", "qemu", "native"))
    rows.append(f"| {loop} | {cell(nat)} | {cell(q)} | {cell(uc)} | {cell(hook)} | **{cell(lk)}** | "
                f"{ratio(lk, uc)} | {ratio(lk, q)} | {extra('lkmemu', loop):,.0f} |")
wx = mips("unicorn_wx", "store", reps // 10)
uc_store = mips("unicorn", "store")
print(f"""## Guest compute

The same 111 bytes of loop code (`benchmarks/compute/compute_loops.S`: a store loop of 8 stores
and a load loop of 8 loads + adds per 11-instruction block, each sweeping a 4 KiB data page) run
natively (`lkmemu_compute_native`), on a bare Unicorn 2.1.4 engine configured as lkmemu's (virtual
TLB, code r-x, data rw- NX; `lkmemu_compute_unicorn`), in a PVH kernel under `qemu-system-x86_64
-accel tcg` (`compute_pvh.elf`) and in a module's init under lkmemu (`insmod compute.ko loop=L
reps=N`). Each runs {reps:,} and {2 * reps:,} reps; MIPS = {reps * PER_REP:,} loop instructions /
the difference of the two runs' CPU times (process start, boot, module load and translation
cancel out; CPU rather than wall time because the machine is shared), median of {runs} runs,
{day}, {cores} cores, load average {load}.

| loop | native | QEMU TCG | raw Unicorn | raw Unicorn + empty block hook | lkmemu | lkmemu / raw Unicorn | lkmemu / QEMU | lkmemu's extra guest instructions per {reps:,} reps |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Raw Unicorn with the store loop's data page mapped rwx instead of rw- NX: **{cell(wx)} MIPS** against
{cell(uc_store)} (Unicorn 2.1.4 takes the slow store path, `notdirty_write`, for every store to a
page whose TLB entry is executable: the reason every guest mapping is W^X).""")
PY
  record compute "$(cat /tmp/lkmemu-bench-compute.md)"
  echo "bench: compute recorded" >&2
fi
# </compute>
