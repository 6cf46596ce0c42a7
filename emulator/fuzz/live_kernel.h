// The live kernel the whole-system fuzzer feeds: booted once, held at a request point (init
// waiting for its next command, the CPU in ring 0), snapshotted there with its memory accounting
// as the baseline. Each round runs real harness commands against it — insmod of the input file
// with its parameters and lsmod, then rmmod of whatever loaded — checks how the machine and the
// kernel came out, and puts the machine back with Machine::restore.
#pragma once

#include <harness/command.h>
#include <harness/kernel_symbols.h>
#include <harness/observer.h>
#include <machine/machine.h>
#include <machine/snapshot.h>
#include <support/result.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lkmemu::fuzz {

// What went wrong in a round, if anything (the kinds a finding is filed under).
enum class FindingKind { None, Panic, TripleFault, Dead, EmulatorError, PowerOff, Hang, ModuleLeft, RmmodFailed, MemoryDrift,
                         LostAnswer };
const char* finding_kind_name(FindingKind);

struct RoundOutcome {
    FindingKind kind = FindingKind::None;
    std::string detail;               // what was seen, for the finding's description
    std::vector<CommandResult> commands; // what each command did, in order
    std::string console;              // what the guest printed during the round
    bool loaded = false;              // insmod succeeded
    std::vector<std::string> added;   // modules listed after insmod that were not at boot
    bool oopsed = false;              // the kernel printed an Oops (and went on)
    bool exit_oopsed = false;         // ... in the module's exit, which left it loaded
    bool insmod_answered = false;     // the insmod command completed (the guest answered or the host refused it)
    int insmod_status = 0;            // then: 0 or -errno
};

// The next batch of commands of a run, given the results so far; none: hold the machine there.
using CommandPlan = std::function<std::vector<Command>(Machine&, const std::vector<CommandResult>&)>;

class LiveKernel {
public:
    // Boots `kernel_path`, holds it after boot and takes the snapshot. `command_timeout_ns`: guest time
    // each command may go without an answer before it counts as a hang.
    static Result<std::unique_ptr<LiveKernel>> boot(const std::string& kernel_path, uint64_t command_timeout_ns);

    // One round with the module file at `path` and insmod's `params`; then the machine is put
    // back to the snapshot (or, when it cannot be, booted again).
    Result<RoundOutcome> round(const std::string& path, const std::vector<std::string>& params);

    const lkm_meminfo& baseline() const { return m_baseline; }
    uint64_t reboots() const { return m_reboots; }
    // One boot for every round: the machine is put back to the snapshot only after a round that
    // had a finding or left a module behind (an exit that faulted), so the kernel takes the images
    // one after another, as `lkmemu run` would, and each clean round must still end at the
    // baseline. restores() counts the rounds that were put back.
    void set_one_boot(bool one_boot) { m_one_boot = one_boot; }
    uint64_t restores() const { return m_restores; }

private:
    LiveKernel(std::string kernel_path, uint64_t command_timeout_ns);
    Result<void> start();  // boot, hold, snapshot, baseline
    Result<void> reset();  // restore, or boot again
    class RoundPlan; // which commands a round runs (live_kernel.cpp)
    // Runs the plan's commands and holds the machine at the request point after them. False (with
    // `outcome` filled) if the machine stopped any other way.
    bool run(CommandPlan, RoundOutcome& outcome);
    Result<std::vector<ObservedModule>> modules() const;

    std::string m_kernel_path;
    uint64_t m_command_timeout_ns;
    KernelSymbols m_symbols;
    std::unique_ptr<Machine> m_machine;
    std::unique_ptr<MachineSnapshot> m_snapshot;
    lkm_meminfo m_baseline {};
    std::vector<std::string> m_baseline_modules;
    size_t m_console_at_snapshot = 0;
    uint64_t m_reboots = 0;
    bool m_one_boot = false;
    uint64_t m_restores = 0;
};

// Memory the kernel holds, as a load and unload must give it back: pages init's own address space
// took meanwhile count as in use by init, not as missing (as tests/integration/module_support.h).
bool same_memory(const lkm_meminfo& a, const lkm_meminfo& b);
std::string describe_memory(const lkm_meminfo&);

} // namespace lkmemu::fuzz
