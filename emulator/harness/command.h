// Commands typed into lkmemu (`-c "insmod hello.ko; lsmod"`, a script file, or the console),
// split into words the way a shell would, without a shell; and what each one did.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

// `expect ERRNO COMMAND` / `expect fail COMMAND`: the command is ok only if it fails that way (for
// CI scripts that check a refusal).
struct Expectation {
    int errno_value = 0; // the guest's call returned -errno_value; 0: any failure (`fail`)
};

struct Command {
    std::string text;               // as typed, trimmed: "insmod hello.ko who=world"
    std::vector<std::string> words; // {"insmod", "hello.ko", "who=world"}, without `expect E`
    std::optional<Expectation> expect;

    const std::string& name() const { return words.front(); }
};

// What one command did, as the user sees it.
struct CommandResult {
    std::string command;  // as typed
    bool ran = false;     // false: the machine stopped before reaching it
    bool ok = false;
    int status = 0;       // what the guest returned (0 or -errno; > 0: a child's wait status); 0 for host-side commands
    // A child process's end, for a command init ran in one (exec, sh; insmod and rmmod when the
    // child was killed): its exit code, or the signal that killed it.
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::string output;   // what the command printed
    std::string error;    // why it failed, as printed to the user
    double wall_ms = 0;            // from handing the request to the guest to its answer
    uint64_t guest_instructions = 0; // executed by the guest meanwhile
    // The command's `expect`, once it started (a misspelt or misused command never meets one);
    // ok then says whether it was met.
    std::optional<Expectation> expect;
};

struct CommandParseError {
    std::string message;
};

// Splits "cmd; cmd" or a script's lines into commands. ';' and newlines separate commands,
// '#' starts a comment outside quotes, '...' and "..." quote, '\' escapes one character.
// Empty commands are dropped. A command that starts `expect ERRNO` or `expect fail` gets its
// Expectation. On unbalanced quotes, or an `expect` without an errno name and a command, returns
// false and fills `error`.
bool parse_commands(std::string_view text, std::vector<Command>& out, CommandParseError& error);

// A finished command measured against its `expect`: met, it is ok (its error still says what
// failed); not met, it failed, and the error says what was expected. Without one, unchanged.
void apply_expectation(CommandResult& result);

// "EEXIST", or "fail" for any failure: as written after `expect`.
std::string expectation_text(const Expectation&);

} // namespace lkmemu
