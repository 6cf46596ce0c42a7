# gdb commands for lkmemu's stub (`lkmemu run --gdb PORT`). Load with
#   gdb -x scripts/gdb/lkmemu.gdb build/bin/kernel.elf
# and scripts/gdb/lkmemu.py (lkm-symbols, lkm-lsmod, lkm-vmmap), or use scripts/gdb/lkmemu-gdb.sh,
# which loads both and connects. See docs/debugging.md.

set pagination off
set disassembly-flavor intel

define lkmemu-connect
  if $argc == 0
    target remote 127.0.0.1:1234
  end
  if $argc == 1
    target remote 127.0.0.1:$arg0
  end
  if $argc == 2
    target remote $arg0:$arg1
  end
end
document lkmemu-connect
Connect to lkmemu's gdb stub: lkmemu-connect [[HOST] PORT] (default 127.0.0.1 1234).
end

define lkmemu-system-registers
  info registers cr0 cr2 cr3 cr4 cr8 efer fs_base gs_base k_gs_base
end
document lkmemu-system-registers
Show the control registers, EFER and the segment bases the stub exposes.
end
