// The common entry/exit work (kernel/entry/common.cpp).
#pragma once

#include <asm/ptrace.h>

// Called on the way back to user mode (regs->cs is the user's), with interrupts off.
void exit_to_user_mode_prepare(pt_regs* regs);
