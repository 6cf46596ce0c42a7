#include "rows.h"

#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <unordered_map>

namespace lkmemu {

namespace {

using namespace commands;

// One row per command; help lists them in this order.
constexpr CommandSpec kCommands[] = {
    { "insmod", "insmod [-f|--force-modversion|--force-vermagic] FILE [PARAM=VALUE ...]",
      "load a module (finit_module, in a child of init); FILE: a host file, else a guest path (guest:/PATH: the guest's)",
      CommandSide::guest, parse_insmod },
    { "rmmod", "rmmod [-f] [-w] NAME", "unload a module (delete_module); -f forces, -w waits", CommandSide::guest,
      parse_rmmod },
    { "lsmod", "lsmod", "the loaded modules, as kmod's table (raw: cat /proc/modules)", CommandSide::guest, parse_lsmod },
    { "dmesg", "dmesg", "the kernel log (syslog)", CommandSide::guest, parse_dmesg },
    { "cat", "cat PATH", "a file read by init (open/read), e.g. /proc/modules, /dev/...", CommandSide::guest,
      parse_cat },
    { "ls", "ls [-l] PATH", "a guest directory listed by init (getdents64; -l: newfstatat)", CommandSide::guest,
      parse_ls },
    { "exec", "exec PATH [ARG ...]", "run a guest program as init's child (fork, execve, wait4): its output and exit",
      CommandSide::guest, parse_exec },
    { "sh", "sh \"COMMAND LINE\"", "run /bin/sh -c \"COMMAND LINE\" in the guest, as exec does", CommandSide::guest,
      parse_sh },
    { "vmmap", "vmmap", "virtual memory map from the guest's page tables", CommandSide::host, parse_vmmap },
    { "meminfo", "meminfo", "free pages, kmalloc and module-area use", CommandSide::host, parse_meminfo },
    { "sleep", "sleep DURATION", "let guest time pass, the machine idle (500ms, 3s, 5m; plain: seconds)",
      CommandSide::host, parse_sleep },
    { "poweroff", "poweroff", "power the machine off now", CommandSide::host, parse_poweroff },
    { "help", "help", "this list", CommandSide::host, parse_help },
};

} // namespace

std::span<const CommandSpec> command_table() { return kCommands; }

const CommandSpec* find_command(std::string_view name)
{
    static const auto by_name = [] {
        std::unordered_map<std::string_view, const CommandSpec*> map;
        for (const CommandSpec& spec : kCommands)
            map.emplace(spec.name, &spec);
        return map;
    }();
    auto found = by_name.find(name);
    return found == by_name.end() ? nullptr : found->second;
}

Result<std::unique_ptr<HarnessCommand>> parse_command(const Command& command)
{
    const CommandSpec* spec = find_command(command.name());
    if (!spec)
        return make_error(fmt::format("lkmemu: unknown command '{}' (try 'help')", command.name()));
    std::unique_ptr<HarnessCommand> parsed = spec->parse(*spec, command.words);
    if (!parsed)
        return make_error(fmt::format("{}: usage: {}", spec->name, spec->usage));
    return Result<std::unique_ptr<HarnessCommand>>(std::move(parsed));
}

std::string help_text()
{
    std::string text;
    auto list = [&](CommandSide side, std::string_view heading) {
        text += heading;
        for (const CommandSpec& spec : kCommands) {
            if (spec.side == side)
                text += fmt::format("  {:<30} {}\n", spec.usage, spec.summary);
        }
    };
    list(CommandSide::guest, "Commands (guest commands run as system calls made by the guest's init process):\n");
    list(CommandSide::host, "Inspection commands (answered by the emulator from guest memory):\n");
    text += "Any command may start with `expect ERRNO` or `expect fail`: it is ok only if it fails that way\n"
            "  (e.g. expect EEXIST insmod hello.ko)\n";
    return text;
}

void HarnessCommand::finish(int32_t status, uint32_t flags, std::string_view text, CommandResult& result) const
{
    result.status = status;
    if (status > 0) {
        // A child's end: a program's output is still its output, whatever its status.
        if (LKMEMU_WAIT_SIGNALED(status))
            result.signal = LKMEMU_WAIT_TERM_SIGNAL(status);
        else
            result.exit_code = LKMEMU_WAIT_EXIT_CODE(status);
        if (reports_exit_status())
            result.output = format_output(text);
        result.error = explain_child_end(status, reports_exit_status() ? std::string_view() : text);
        return;
    }
    result.ok = status == 0;
    if (result.ok) {
        if (reports_exit_status())
            result.exit_code = 0;
        result.output = format_output(text);
    } else if (flags & LKMEMU_HARNESS_RESPONSE_NOT_OPENED)
        result.error = explain_open_failure(-status);
    else
        result.error = explain_failure(-status, text);
}

std::string HarnessCommand::explain_child_end(int wait_status, std::string_view reason) const
{
    std::string error = fmt::format("{}: {}", m_name, child_end_text(wait_status));
    if (!reason.empty())
        error += fmt::format(": {}", reason);
    return error;
}

std::string HarnessCommand::explain_failure(int errno_value, std::string_view reason) const
{
    std::string error = fmt::format("{}: {} ({})", m_name, errno_text(errno_value), errno_name(errno_value));
    if (!reason.empty())
        error += fmt::format(": {}", reason);
    return error;
}

std::optional<GuestRequest> GuestCommand::start(HostContext&, CommandResult& result)
{
    Result<GuestRequest> built = request();
    if (built.is_error()) {
        result.error = built.error().message;
        return std::nullopt;
    }
    return built.release_value();
}

} // namespace lkmemu
