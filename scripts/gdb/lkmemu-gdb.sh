#!/usr/bin/env bash
# Starts gdb on kernel.elf with scripts/gdb/lkmemu.gdb and connects to a running
# `lkmemu run --gdb [HOST:]PORT`.
#   usage: scripts/gdb/lkmemu-gdb.sh [HOST:]PORT [extra gdb arguments...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
address=${1:-1234}
shift || true
host=127.0.0.1
port=$address
if [[ $address == *:* ]]; then
  host=${address%:*}
  port=${address##*:}
fi
kernel=${LKMEMU_KERNEL:-$root/build/bin/kernel.elf}
symbols=()
if [[ -f $kernel ]]; then
  symbols=("$kernel")
else
  echo "lkmemu-gdb: no $kernel (set LKMEMU_KERNEL); connecting without kernel symbols" >&2
fi
exec gdb -q -x "$here/lkmemu.gdb" -x "$here/lkmemu.py" -ex "lkmemu-connect $host $port" "$@" "${symbols[@]}"
