// Commands typed into lkmemu (`-c "insmod hello.ko; lsmod"`, a script file, or the console),
// split into words the way a shell would, without a shell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

struct Command {
    std::string text;               // as typed, trimmed: "insmod hello.ko who=world"
    std::vector<std::string> words; // {"insmod", "hello.ko", "who=world"}

    const std::string& name() const { return words.front(); }
};

struct CommandParseError {
    std::string message;
};

// Splits "cmd; cmd" or a script's lines into commands. ';' and newlines separate commands,
// '#' starts a comment outside quotes, '...' and "..." quote, '\' escapes one character.
// Empty commands are dropped. On unbalanced quotes returns false and fills `error`.
bool parse_commands(std::string_view text, std::vector<Command>& out, CommandParseError& error);

} // namespace lkmemu
