#include "live_kernel.h"

#include <harness/command_runner.h>
#include <harness/guest_requests.h>

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <algorithm>

namespace lkmemu::fuzz {

namespace {

// Serves a round's commands one batch after another with nothing between them, as a script would
// run them: when a batch is done the `plan` is asked for the next one — at the guest's next request,
// where the machine is quiescent and can be inspected — and when it has none the machine is held
// there: the driver is told to wait and the machine stops on request, in ring 0, where a snapshot
// is taken and where restore() puts the machine back. Each command gets the command timeout of guest
// time from when it is handed to the guest.
class RoundHost final : public HarnessHost {
public:
    RoundHost(CommandPlan plan, uint64_t command_timeout_ns) : m_plan(std::move(plan)), m_command_timeout_ns(command_timeout_ns) {}

    // The device asks through try_next_request; asked here, a hold is answered with a power-off.
    std::vector<uint8_t> next_request(Machine& machine) override
    {
        if (auto request = try_next_request(machine))
            return std::move(*request);
        return encode_request(GuestRequest {LKMEMU_HARNESS_OP_POWEROFF, 0, {}, {}}).release_value();
    }
    std::optional<std::vector<uint8_t>> try_next_request(Machine& machine) override
    {
        if (m_runner && m_runner->running())
            m_lost_answer = m_runner->results()[m_runner->running()->result].command;
        while (!m_runner || m_runner->at_end_of_commands(machine)) {
            std::vector<Command> batch = m_plan(machine, results());
            if (batch.empty()) {
                m_held = true;
                machine.request_stop();
                return std::nullopt;
            }
            if (m_runner)
                append(m_done, m_runner->results());
            m_runner = std::make_unique<CommandRunner>(std::move(batch));
        }
        auto request = m_runner->try_next_request(machine);
        if (auto running = m_runner->running())
            machine.set_guest_time_limit(running->started_ns + m_command_timeout_ns);
        return request;
    }
    std::unique_ptr<HarnessData> take_request_data() override { return m_runner->take_request_data(); }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        m_runner->on_response(machine, status, text);
    }
    void on_answer(Machine& machine, int32_t status, uint32_t flags, std::string_view text) override
    {
        m_runner->on_answer(machine, status, flags, text);
    }

    bool held() const { return m_held; }
    // The command that was in flight when the guest asked for its next request instead of
    // answering (init's system call never returned to it), if any.
    const std::optional<std::string>& lost_answer() const { return m_lost_answer; }
    std::vector<CommandResult> results() const
    {
        std::vector<CommandResult> all = m_done;
        if (m_runner)
            append(all, m_runner->results());
        return all;
    }

private:
    static void append(std::vector<CommandResult>& to, std::vector<CommandResult> more)
    {
        to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }

    CommandPlan m_plan;
    uint64_t m_command_timeout_ns;
    std::unique_ptr<CommandRunner> m_runner;
    std::vector<CommandResult> m_done; // of the batches before m_runner's
    bool m_held = false;
    std::optional<std::string> m_lost_answer;
};

Command command(std::vector<std::string> words)
{
    std::string text;
    for (const std::string& word : words)
        text += (text.empty() ? "" : " ") + word;
    return Command {std::move(text), std::move(words), std::nullopt};
}

FindingKind kind_of(StopReason reason)
{
    switch (reason) {
    case StopReason::Panic: return FindingKind::Panic;
    case StopReason::TripleFault: return FindingKind::TripleFault;
    case StopReason::Dead: return FindingKind::Dead;
    case StopReason::PowerOff: return FindingKind::PowerOff;
    case StopReason::Stopped: return FindingKind::Hang; // the guest-time limit, not the hold
    default: return FindingKind::EmulatorError;
    }
}

size_t count(std::string_view text, std::string_view what)
{
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size()))
        ++n;
    return n;
}

// What the kernel said while it went wrong, to tell findings apart at a glance.
std::string console_signature(std::string_view console)
{
    std::string said;
    auto add = [&](size_t n, std::string_view what) {
        if (n)
            said += fmt::format("{}{} {}", said.empty() ? "" : ", ", n, what);
    };
    add(count(console, "Oops: "), "oops");
    add(count(console, "trap: double fault"), "double faults");
    add(count(console, "soft lockup"), "soft-lockup reports");
    add(count(console, "Kernel panic"), "panics");
    return said.empty() ? "" : " [the kernel printed: " + said + "]";
}

} // namespace

const char* finding_kind_name(FindingKind kind)
{
    switch (kind) {
    case FindingKind::None: return "none";
    case FindingKind::Panic: return "panic";
    case FindingKind::TripleFault: return "triple-fault";
    case FindingKind::Dead: return "dead";
    case FindingKind::EmulatorError: return "emulator-error";
    case FindingKind::PowerOff: return "power-off";
    case FindingKind::Hang: return "hang";
    case FindingKind::ModuleLeft: return "module-left";
    case FindingKind::RmmodFailed: return "rmmod-failed";
    case FindingKind::MemoryDrift: return "memory-drift";
    case FindingKind::LostAnswer: return "lost-answer";
    }
    return "?";
}

bool same_memory(const lkm_meminfo& a, const lkm_meminfo& b)
{
    return a.total_pages == b.total_pages && a.free_pages + a.user_pages == b.free_pages + b.user_pages &&
           a.kmalloc_bytes == b.kmalloc_bytes && a.kmalloc_objects == b.kmalloc_objects &&
           a.module_area_pages == b.module_area_pages;
}

std::string describe_memory(const lkm_meminfo& m)
{
    return fmt::format("free+user pages {}, kmalloc {} bytes in {} objects, module area {} pages",
                       m.free_pages + m.user_pages, m.kmalloc_bytes, m.kmalloc_objects, m.module_area_pages);
}

LiveKernel::LiveKernel(std::string kernel_path, uint64_t command_timeout_ns)
    : m_kernel_path(std::move(kernel_path)), m_command_timeout_ns(command_timeout_ns), m_symbols(KernelSymbols::read(m_kernel_path))
{
}

Result<std::unique_ptr<LiveKernel>> LiveKernel::boot(const std::string& kernel_path, uint64_t command_timeout_ns)
{
    std::unique_ptr<LiveKernel> kernel(new LiveKernel(kernel_path, command_timeout_ns));
    LKMEMU_TRY(kernel->start());
    return kernel;
}

Result<void> LiveKernel::start()
{
    m_snapshot.reset();
    m_machine = LKMEMU_TRY(Machine::create(MachineConfig {.kernel_path = m_kernel_path}));
    RoundOutcome boot;
    if (!run(CommandPlan([](Machine&, const std::vector<CommandResult>&) { return std::vector<Command> {}; }), boot))
        return make_error(fmt::format("the kernel did not reach init's first request: {}", boot.detail));
    m_snapshot = LKMEMU_TRY(m_machine->take_snapshot());
    m_console_at_snapshot = m_machine->console_text().size();
    m_baseline = LKMEMU_TRY(read_meminfo(*m_machine, m_symbols));
    m_baseline_modules.clear();
    for (const ObservedModule& module : LKMEMU_TRY(modules()))
        m_baseline_modules.push_back(module.name);
    return {};
}

Result<void> LiveKernel::reset()
{
    if (m_machine->restore(*m_snapshot).is_error()) {
        // Stopped where registers cannot put it back (ring 3): a new machine, as the first.
        ++m_reboots;
        return start();
    }
    return {};
}

Result<std::vector<ObservedModule>> LiveKernel::modules() const { return read_modules(*m_machine, m_symbols); }

bool LiveKernel::run(CommandPlan plan, RoundOutcome& outcome)
{
    RoundHost host(std::move(plan), m_command_timeout_ns);
    m_machine->set_harness_host(&host);
    m_machine->set_guest_time_limit(m_machine->guest_time_ns() + m_command_timeout_ns); // until the first command
    RunResult const stop = m_machine->run();
    m_machine->set_guest_time_limit(std::nullopt);
    m_machine->set_harness_host(nullptr);
    outcome.commands = host.results();
    if (stop.reason == StopReason::Stopped && host.held()) {
        if (host.lost_answer()) {
            outcome.kind = FindingKind::LostAnswer;
            outcome.detail = fmt::format("init asked for its next request while `{}` had no answer: its system call "
                                         "never returned",
                                         *host.lost_answer());
        }
        return true;
    }
    outcome.kind = kind_of(stop.reason);
    outcome.detail = outcome.kind == FindingKind::Hang
                         ? fmt::format("no answer after {} ms of guest time (RIP {:#x})", m_command_timeout_ns / 1'000'000,
                                       m_machine->registers().rip)
                         : fmt::format("the machine stopped: {}", stop.message);
    return false;
}

// What a user would do with the file: insmod it with the parameters and lsmod; then rmmod
// whatever is listed that was not at boot, newest first. A refusal Linux makes too is no
// finding: EBUSY from a module without an exit function (a mutated this_module) is retried with
// -f; an exit that faulted is an oops the kernel went on from, which leaves the module in memory
// as Linux does (so the round's memory is not compared then).
class LiveKernel::RoundPlan {
public:
    RoundPlan(LiveKernel& kernel, std::vector<std::string> insmod, RoundOutcome& outcome)
        : m_kernel(kernel), m_insmod(std::move(insmod)), m_outcome(outcome)
    {
    }

    std::vector<Command> next(const std::vector<CommandResult>& results)
    {
        if (results.empty())
            return {command(m_insmod), command({"lsmod"})};
        if (!m_listed) {
            m_listed = true;
            m_outcome.insmod_answered = true;
            m_outcome.insmod_status = results.front().status;
            m_outcome.loaded = results.front().ok;
            auto listed = m_kernel.modules();
            if (listed.is_error())
                return {};
            for (const ObservedModule& module : listed.value())
                if (std::find(m_kernel.m_baseline_modules.begin(), m_kernel.m_baseline_modules.end(), module.name) ==
                    m_kernel.m_baseline_modules.end())
                    m_outcome.added.insert(m_outcome.added.begin(), module.name);
            if (!m_outcome.loaded && !m_outcome.added.empty())
                found(FindingKind::ModuleLeft, fmt::format("insmod failed ({}) but module \"{}\" is listed",
                                                           m_outcome.insmod_status, m_outcome.added.front()));
            return unload_next();
        }
        const CommandResult& rmmod = results.back();
        if (rmmod.status == -LKM_EBUSY && !m_forced) {
            m_forced = true;
            return {command({"rmmod", "-f", m_outcome.added[m_unloading - 1]})};
        }
        if (rmmod.status == -LKM_EFAULT && rmmod.error.find("exit faulted") != std::string::npos)
            m_outcome.exit_oopsed = true;
        else if (!rmmod.ok)
            found(FindingKind::RmmodFailed, fmt::format("{}: {}", rmmod.command, rmmod.error));
        return unload_next();
    }

private:
    std::vector<Command> unload_next()
    {
        m_forced = false;
        if (m_unloading >= m_outcome.added.size())
            return {};
        return {command({"rmmod", m_outcome.added[m_unloading++]})};
    }
    void found(FindingKind kind, std::string detail)
    {
        if (m_outcome.kind == FindingKind::None) {
            m_outcome.kind = kind;
            m_outcome.detail = std::move(detail);
        }
    }

    LiveKernel& m_kernel;
    std::vector<std::string> m_insmod;
    RoundOutcome& m_outcome;
    bool m_listed = false, m_forced = false;
    size_t m_unloading = 0;
};

Result<RoundOutcome> LiveKernel::round(const std::string& path, const std::vector<std::string>& params)
{
    RoundOutcome outcome;
    size_t const console_start = m_one_boot ? m_machine->console_text().size() : m_console_at_snapshot;
    std::vector<std::string> insmod {"insmod", path};
    insmod.insert(insmod.end(), params.begin(), params.end());
    RoundPlan plan(*this, std::move(insmod), outcome);
    RoundOutcome ran; // the commands and how the machine stopped
    bool const fine = run(CommandPlan([&](Machine&, const std::vector<CommandResult>& results) { return plan.next(results); }), ran);
    outcome.commands = std::move(ran.commands);
    if (ran.kind != FindingKind::None) { // the machine's fate comes before what the plan saw
        outcome.kind = ran.kind;
        outcome.detail = std::move(ran.detail);
    }
    if (fine && outcome.kind == FindingKind::None && !outcome.exit_oopsed) {
        std::vector<ObservedModule> const left = LKMEMU_TRY(modules());
        lkm_meminfo const after = LKMEMU_TRY(read_meminfo(*m_machine, m_symbols));
        if (left.size() != m_baseline_modules.size()) {
            outcome.kind = FindingKind::ModuleLeft;
            outcome.detail = fmt::format("{} module(s) listed after rmmod, {} at boot", left.size(), m_baseline_modules.size());
        } else if (!same_memory(after, m_baseline)) {
            outcome.kind = FindingKind::MemoryDrift;
            outcome.detail = fmt::format("meminfo after the round: {}; at boot: {}", describe_memory(after),
                                         describe_memory(m_baseline));
        }
    }
    const std::string& console = m_machine->console_text();
    outcome.console = console.substr(std::min(console_start, console.size()));
    outcome.oopsed = outcome.console.find("Oops") != std::string::npos;
    if (outcome.kind != FindingKind::None)
        outcome.detail += console_signature(outcome.console);
    if (!m_one_boot || outcome.kind != FindingKind::None || outcome.exit_oopsed) {
        m_restores += m_one_boot;
        LKMEMU_TRY(reset());
    }
    return outcome;
}

} // namespace lkmemu::fuzz
