// What a session leaves behind: how the machine stopped, what each command did, the console, the
// boot figures. The CLI prints it (`--json`, the crash report, the exit status); tests read it.
#pragma once

#include <harness/command_runner.h>
#include <machine/machine.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu::session {

// Exit statuses of `lkmemu run` (README, "Exit status").
enum ExitStatus : int {
    kExitOk = 0,
    kExitCommandFailed = 1,
    kExitUsageOrIo = 2,
    kExitGuestCrashed = 3,
};

// "poweroff", "panic", "triple-fault" ...: the names the JSON and the crash report use.
const char* stop_reason_name(StopReason reason);

struct BootFigures {
    double wall_ms = 0;             // from creating the machine to its stop
    bool user_mode_reached = false; // CPL 3 was ever entered
    uint64_t guest_instructions = 0;
};

struct Summary {
    RunResult stop {StopReason::EmulatorError, 0, ""};
    std::vector<CommandResult> commands; // one per command given or typed, in order
    bool commands_succeeded = false;     // every command ran and succeeded
    std::string console;                 // everything the UART printed
    Registers registers {};              // at the stop, for the crash report
    BootFigures boot;

    // Anything but a power-off with status 0: a panic, a triple fault, an emulator error, a
    // guest that can go no further, or a run that gdb ended.
    bool guest_crashed() const;
    ExitStatus exit_status() const;
    // The `--json` summary: exit_status, stop {reason, guest_status, message}, commands
    // [{command, ran, ok, status, errno, output, error, wall_ms, guest_instructions}], console,
    // boot {wall_ms, user_mode_reached, guest_instructions}.
    nlohmann::json to_json() const;
    // "lkmemu: guest crashed (REASON): MESSAGE", the last 20 console lines and the registers;
    // empty unless guest_crashed().
    std::string crash_report() const;
};

} // namespace lkmemu::session
