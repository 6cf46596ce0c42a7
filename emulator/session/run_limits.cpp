#include "run_limits.h"

#include <fmt/format.h>

namespace lkmemu::session {

std::optional<Cutoff> limit_reached(const RunLimits& limits, uint64_t now_ns,
                                    const std::optional<CommandRunner::Running>& running)
{
    if (limits.command_ns && running && now_ns - running->started_ns >= limits.command_ns)
        return Cutoff { .kind = Cutoff::Kind::CommandLimit, .limit_ns = limits.command_ns };
    if (limits.session_ns && now_ns >= limits.session_ns)
        return Cutoff { .kind = Cutoff::Kind::SessionLimit, .limit_ns = limits.session_ns };
    return std::nullopt;
}

void locate_cpu(Machine& machine, trace::MachineSymbolizer& symbols, Cutoff& cut_off)
{
    Registers const registers = machine.registers();
    cut_off.rip = registers.rip;
    if ((registers.cs & 3) != 0) {
        cut_off.where = "(user space)";
        return;
    }
    if (auto location = symbols.symbolize(registers.rip)) {
        cut_off.where = fmt::format("{}+{:#x}", location->symbol, location->offset);
        if (!location->module.empty())
            cut_off.where += fmt::format(" [{}]", location->module);
    }
}

} // namespace lkmemu::session
