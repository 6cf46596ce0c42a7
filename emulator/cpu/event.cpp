#include "cpu/event.h"

#include "cpu/x86.h"

#include <fmt/format.h>

namespace lkmemu {

bool CpuEvent::has_error_code() const
{
    return kind == EventKind::Exception && x86::pushes_error_code(vector);
}

std::string CpuEvent::describe() const
{
    static constexpr const char* mnemonics[32] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                                   "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
                                                   "#MF", "#AC", "#MC", "#XM", "#VE", "#CP" };
    switch (kind) {
    case EventKind::Syscall:
        return "syscall";
    case EventKind::SoftwareInterrupt:
        return fmt::format("int {:#x}", vector);
    case EventKind::ExternalInterrupt:
        return fmt::format("interrupt vector {:#x}", vector);
    case EventKind::Exception:
        break;
    }
    std::string name = vector < 32 && mnemonics[vector] ? mnemonics[vector] : fmt::format("vector {}", vector);
    if (vector == x86::vector::page_fault)
        return fmt::format("{}(error {:#x}, address {:#x})", name, error_code, cr2);
    if (has_error_code())
        return fmt::format("{}({:#x})", name, error_code);
    return name;
}

} // namespace lkmemu
