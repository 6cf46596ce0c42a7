// The commands the host answers itself: inspection from guest memory (vmmap, meminfo) while the
// guest waits, and the session's own (sleep, poweroff, help).
#include "rows.h"

#include "harness/kernel_symbols.h"
#include "harness/observer.h"
#include "harness/vmmap.h"

#include <machine/machine.h>

#include <charconv>
#include <cmath>

namespace lkmemu::commands {

namespace {

class Vmmap final : public HostCommand {
public:
    explicit Vmmap(const CommandSpec& spec) : HostCommand(spec.name) {}

private:
    void run(HostContext& context, CommandResult& result) override
    {
        const KernelSymbols& symbols = context.kernel_symbols();
        std::vector<NamedRegion> regions = symbols.sections();
        regions.insert(regions.end(), symbols.user_sections().begin(), symbols.user_sections().end());
        auto modules = read_modules(context.machine(), symbols);
        if (modules.is_error()) {
            result.error = "vmmap: " + modules.error().message;
            return;
        }
        for (const ObservedModule& module : modules.value())
            regions.insert(regions.end(), module.sections.begin(), module.sections.end());
        result.output = format_vmmap(describe_address_space(context.machine().mapped_ranges(), regions));
        result.ok = true;
    }
};

class Meminfo final : public HostCommand {
public:
    explicit Meminfo(const CommandSpec& spec) : HostCommand(spec.name) {}

private:
    void run(HostContext& context, CommandResult& result) override
    {
        auto info = read_meminfo(context.machine(), context.kernel_symbols());
        if (info.is_error()) {
            result.error = "meminfo: " + info.error().message;
            return;
        }
        result.output = format_meminfo(info.value());
        result.ok = true;
    }
};

class Poweroff final : public HostCommand {
public:
    explicit Poweroff(const CommandSpec& spec) : HostCommand(spec.name) {}

private:
    void run(HostContext& context, CommandResult& result) override
    {
        context.power_off();
        result.ok = true;
    }
};

class Sleep final : public HostCommand {
public:
    Sleep(const CommandSpec& spec, uint64_t ns) : HostCommand(spec.name), m_ns(ns) {}

private:
    void run(HostContext& context, CommandResult& result) override
    {
        context.let_guest_time_pass(m_ns);
        result.ok = true;
    }

    uint64_t m_ns;
};

} // namespace

std::optional<uint64_t> parse_duration(std::string_view text)
{
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end == text.data() || !(value >= 0))
        return std::nullopt;
    std::string_view const unit(end, text.data() + text.size() - end);
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1e9;
    else if (unit == "ms")
        scale = 1e6;
    else if (unit == "m")
        scale = 60e9;
    else
        return std::nullopt;
    double const ns = std::round(value * scale);
    if (ns > 1e18) // some 31 years: beyond any timer the guest can arm
        return std::nullopt;
    return static_cast<uint64_t>(ns);
}

namespace {

class Help final : public HostCommand {
public:
    explicit Help(const CommandSpec& spec) : HostCommand(spec.name) {}

private:
    void run(HostContext&, CommandResult& result) override
    {
        result.output = help_text();
        result.ok = true;
    }
};

} // namespace

std::unique_ptr<HarnessCommand> parse_vmmap(const CommandSpec& spec, const Words& words)
{
    return without_arguments<Vmmap>(spec, words);
}

std::unique_ptr<HarnessCommand> parse_meminfo(const CommandSpec& spec, const Words& words)
{
    return without_arguments<Meminfo>(spec, words);
}

std::unique_ptr<HarnessCommand> parse_poweroff(const CommandSpec& spec, const Words& words)
{
    return without_arguments<Poweroff>(spec, words);
}

std::unique_ptr<HarnessCommand> parse_sleep(const CommandSpec& spec, const Words& words)
{
    if (words.size() != 2)
        return nullptr;
    auto ns = parse_duration(words[1]);
    if (!ns)
        return nullptr;
    return std::make_unique<Sleep>(spec, *ns);
}

// help ignores what follows it.
std::unique_ptr<HarnessCommand> parse_help(const CommandSpec& spec, const Words&)
{
    return std::make_unique<Help>(spec);
}

} // namespace lkmemu::commands
