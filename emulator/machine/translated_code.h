// Throwing away the engine's translated code, and with it what the instruction counter cached
// about it: after a debugger's write to guest memory and after every change to the debugging
// and tracing hooks (Unicorn 2.1.4 decides which hooks run for an instruction when it translates
// the block: a hook added later is not called for code already translated, and a deleted one
// still is; docs/debugging.md).
#pragma once

#include "machine/instruction_counter.h"
#include "support/uc_check.h"

namespace lkmemu {

inline Result<void> flush_translated_code(uc_engine* uc, InstructionCounter& counter, const char* why)
{
    LKMEMU_TRY(uc_check(uc_ctl_flush_tb(uc), why));
    counter.invalidate();
    return {};
}

} // namespace lkmemu
