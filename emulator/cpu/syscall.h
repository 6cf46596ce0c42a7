// SYSCALL, emulated exactly: the engine only reports it (UC_HOOK_INSN, RIP then already past the
// instruction). RCX = return RIP, R11 = RFLAGS, RFLAGS &= ~FMASK, CS = STAR[47:32],
// SS = STAR[47:32] + 8, RIP = LSTAR, RSP unchanged; #UD when EFER.SCE is clear. From ring 3 the
// CPL change goes through the PrivilegeGate (which needs a mapped TSS.RSP0 stack).
#pragma once

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "cpu/privilege_gate.h"
#include "support/result.h"

#include <optional>

namespace lkmemu {

// Nothing when done; the exception to deliver instead (#UD) otherwise.
Result<std::optional<CpuEvent>> emulate_syscall(uc_engine*, Cpu&, PrivilegeGate&, EventLatch&);

} // namespace lkmemu
