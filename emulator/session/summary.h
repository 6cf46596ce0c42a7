// What a session leaves behind: how the machine stopped, what each command did, the console, the
// boot figures. The CLI prints it (`--json`, the crash report, the exit status); tests read it.
#pragma once

#include <harness/command_runner.h>
#include <machine/machine.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lkmemu::session {

// Exit statuses of `lkmemu run` (README, "Exit status").
enum ExitStatus : int {
    kExitOk = 0,
    kExitCommandFailed = 1,
    kExitUsageOrIo = 2,
    kExitGuestCrashed = 3,
    kExitTimedOut = 4, // a time limit (--command-timeout, --timeout) stopped the machine
    // 128 + N: signal N (SIGINT 130, SIGTERM 143) stopped the session; the summary so far and the
    // JSON were still written. (The shell's convention for a process killed by N.)
    kExitSignalBase = 128,
};

// "poweroff", "panic", "triple-fault" ...: the names the JSON and the crash report use.
const char* stop_reason_name(StopReason reason);

struct BootFigures {
    double wall_ms = 0;             // from creating the machine to its stop
    bool user_mode_reached = false; // CPL 3 was ever entered
    uint64_t guest_instructions = 0;
};

// Why the session, not the guest, ended the run (the machine's stop is then Stopped).
struct Cutoff {
    enum class Kind { CommandLimit, SessionLimit, Signal };
    Kind kind = Kind::Signal;
    int signal = 0;        // Signal: its number (SIGINT, SIGTERM)
    uint64_t limit_ns = 0; // CommandLimit, SessionLimit: the limit reached, in guest time
    uint64_t rip = 0;      // where the CPU was at the stop ...
    std::string where;     // ... symbolised: "spin_init+0x4/0x10 [spin]" (empty if unknown)

    // "insmod spin.ko: timed out: no answer after 60 s of guest time (--command-timeout)", or
    // "stopped by SIGTERM", with where the CPU was.
    std::string message(const std::string& command) const;
};

struct Summary {
    RunResult stop {StopReason::EmulatorError, 0, ""};
    std::vector<CommandResult> commands; // one per command given or typed, in order
    bool commands_succeeded = false;     // every command ran and succeeded
    std::string console;                 // everything the UART printed
    Registers registers {};              // at the stop, for the crash report
    BootFigures boot;
    // The command the guest was running when the machine stopped (index into `commands`): its
    // answer never came.
    std::optional<size_t> in_flight;
    std::optional<Cutoff> cut_off; // a time limit or a signal ended the run
    // Snapshots (docs/machine.md, "Snapshots"): the file the machine was resumed from, and the
    // one `lkmemu snapshot save` wrote, or why it could not; empty when none. JSON: snapshot
    // {resumed_from, saved_to, error} (each null when empty), present only when one is set.
    std::string resumed_from, saved_to, snapshot_error;
    // The --initrd file and its size in bytes; JSON: initrd {path, size}, null without one.
    std::string initrd;
    uint64_t initrd_size = 0;

    // Anything but a power-off with status 0 that the session did not cut off: a panic, a
    // triple fault, an emulator error, a guest that can go no further, or a run that gdb ended.
    bool guest_crashed() const;
    // kExit*; 128 + N after signal N.
    int exit_status() const;
    // The `--json` summary: exit_status, stop {reason, guest_status, message}, cut_off (null, or
    // {reason: "command-timeout" | "timeout" | "signal", signal, limit_s, message, rip, where}),
    // commands [{command, ran, ok, status, errno, outcome, output, error, wall_ms,
    // guest_instructions}], console, boot {wall_ms, user_mode_reached, guest_instructions}.
    // outcome: "completed", "not-run", or for the command in flight "guest-died", "timed-out",
    // "interrupted", "machine-stopped" — status and errno are null then.
    // Every string is valid UTF-8 (json_text.h: bytes that are not become U+FFFD, one per byte);
    // where the console or a command's output had such bytes, console_base64 / output_base64
    // hold the raw bytes.
    nlohmann::json to_json() const;
    // "lkmemu: guest crashed (REASON): MESSAGE" (or, for a cut-off run, "lkmemu: COMMAND: timed
    // out ..." / "lkmemu: stopped by SIGTERM ..."), the last 20 console lines and the registers;
    // empty unless guest_crashed() or cut off.
    std::string crash_report() const;
};

} // namespace lkmemu::session
