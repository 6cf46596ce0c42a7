#!/usr/bin/env bash
# The demo: installs what is missing, builds only what it shows (lkmemu, the kernel with its init,
# the sample modules) behind one progress line, then shows a module's life in one session: insmod
# with a parameter, the module's greeting in the kernel log, lsmod, the module's sections in vmmap,
# rmmod and its goodbye; then two refusals, in kmod's words, that are meant to fail.
#   scripts/demo.sh              build (into build/, or $LKMEMU_BUILD_DIR), then the session
#   scripts/demo.sh --no-build   the session only, with what is built there already
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMEMU_BUILD_DIR:-$root/build}
case "${1:-}" in
  --no-build) build_first=false ;;
  "") build_first=true ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

# ninja's "[N/M] ..." lines, as one line that counts up.
show_progress() {
  local line
  while IFS= read -r line; do
    case "$line" in
      \[*/*\]*) printf '\r  %s' "${line%%]*}]" ;;
    esac
  done
}

# The build's output goes to a log; only its progress is shown.
quiet_build() {
  mkdir -p "$build"
  local log="$build/demo-build.log" status
  echo "building lkmemu, the kernel and the sample modules (output in $log)"
  set +e
  "$root/scripts/build.sh" lkmemu kernel modules 2>&1 | tee "$log" | show_progress
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" != 0 ]; then
    printf '\nthe build failed (status %s); the end of %s:\n' "$status" "$log" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
  printf '\r  built.%24s\n' ''
}

$build_first && quiet_build
lkmemu="$build/bin/lkmemu"
modules="$build/modules"
for file in "$lkmemu" "$build/bin/kernel.elf" "$modules/hello.ko"; do
  [ -e "$file" ] || { echo "demo: $file is missing: run scripts/demo.sh without --no-build" >&2; exit 2; }
done

# Prints a session's JSON summary as a transcript, "lkmemu> COMMAND" and what it printed; dmesg
# shows only the log lines that are new since the previous dmesg (the first: since init started),
# vmmap only the module's sections.
transcript() {
  python3 -c '
import json, sys
summary = json.load(sys.stdin)
seen = None
for command in summary["commands"]:
    text, output, words = command["command"], command["output"], command["command"].split()
    note = ""
    lines = output.splitlines()
    if words[-1] == "dmesg":
        start = 0
        if seen is None:
            start = next((i + 1 for i, l in enumerate(lines) if "Run /init as init process" in l), 0)
            note = "   (the log since init started)"
        else:
            start = seen
            note = "   (what is new in the log)"
        seen = len(lines)
        lines = lines[start:]
    elif words[-1] == "vmmap":
        lines = [l for l in lines if " " + sys.argv[1] + " " in l]
        note = "   (the module'"'"'s sections)"
    print("lkmemu> " + text + note)
    for line in lines:
        print("  " + line)
    if command["error"]:
        for line in command["error"].splitlines():
            print("  " + line)
    if command.get("expect") and command["ok"]:
        print("  (failed as expected: ok)")
print("exit status %d" % summary["exit_status"])
' "$1"
}

session() {
  local module=$1 commands=$2
  echo
  echo "\$ lkmemu run -c \"$commands\""
  "$lkmemu" run -c "$commands" --json - 2>/dev/null | transcript "$module"
}

cd "$root"
modules=${modules#"$root"/} # build/modules, as a user in the tree types it
# A module's life: init_module and delete_module made by the guest's init, the module's pages
# with their permissions as the guest's page tables have them.
session hello "insmod $modules/hello.ko who=demo; dmesg; lsmod; vmmap; rmmod hello; lsmod; dmesg"
# Meant to fail: loading hello twice, and a module whose import no one exports. `expect ERRNO`
# makes each refusal the expected outcome, so the session still succeeds.
session unresolved "insmod $modules/hello.ko; expect EEXIST insmod $modules/hello.ko; expect ENOENT insmod $modules/unresolved.ko"
