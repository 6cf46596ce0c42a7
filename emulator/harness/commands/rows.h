// The parsers command_table.cpp's rows name, one per command (defined next to its class).
#pragma once

#include "harness_command.h"

namespace lkmemu::commands {

using Words = std::vector<std::string>;

// The parser of a command that takes no arguments.
template<typename T>
std::unique_ptr<HarnessCommand> without_arguments(const CommandSpec& spec, const Words& words)
{
    if (words.size() != 1)
        return nullptr;
    return std::make_unique<T>(spec);
}

// module_commands.cpp: kmod's tools
std::unique_ptr<HarnessCommand> parse_insmod(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_rmmod(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_lsmod(const CommandSpec&, const Words&);
// guest_commands.cpp: the log and files
std::unique_ptr<HarnessCommand> parse_dmesg(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_cat(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_ls(const CommandSpec&, const Words&);
// program_commands.cpp: guest programs run as init's children
std::unique_ptr<HarnessCommand> parse_exec(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_sh(const CommandSpec&, const Words&);
// host_commands.cpp: inspection and the session's own
std::unique_ptr<HarnessCommand> parse_vmmap(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_meminfo(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_poweroff(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_sleep(const CommandSpec&, const Words&);
std::unique_ptr<HarnessCommand> parse_help(const CommandSpec&, const Words&);

} // namespace lkmemu::commands
