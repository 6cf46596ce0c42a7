#include "test_runner.h"

#include <harness/command.h>
#include <harness/command_runner.h>
#include <harness/guest_requests.h>
#include <machine/machine.h>
#include <machine/snapshot.h>

#include <loader/tools/commands.h>
#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>

namespace lkmemu::cli {

namespace {

// Serves a batch of commands, then holds the machine at the guest's next request: the driver is
// told to wait and the machine stops on request, in ring 0, where a snapshot is taken and where
// Machine::restore puts it back (as the system fuzzer's rounds, emulator/fuzz/live_kernel.cpp).
class BatchHost final : public HarnessHost {
public:
    explicit BatchHost(std::vector<Command> commands) : m_runner(std::move(commands)) {}

    std::vector<uint8_t> next_request(Machine& machine) override
    {
        if (auto request = try_next_request(machine))
            return std::move(*request);
        return encode_request(GuestRequest {LKMEMU_HARNESS_OP_POWEROFF, 0, {}, {}}).release_value();
    }
    std::optional<std::vector<uint8_t>> try_next_request(Machine& machine) override
    {
        if (m_runner.at_end_of_commands(machine)) {
            m_held = true;
            machine.request_stop();
            return std::nullopt;
        }
        return m_runner.try_next_request(machine);
    }
    std::unique_ptr<HarnessData> take_request_data() override { return m_runner.take_request_data(); }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        m_runner.on_response(machine, status, text);
    }
    void on_answer(Machine& machine, int32_t status, uint32_t flags, std::string_view text) override
    {
        m_runner.on_answer(machine, status, flags, text);
    }

    bool held() const { return m_held; }
    std::vector<CommandResult> results() const { return m_runner.results(); }

private:
    CommandRunner m_runner;
    bool m_held = false;
};

Command command(std::vector<std::string> words)
{
    std::string text;
    for (const std::string& word : words)
        text += (text.empty() ? "" : " ") + word;
    return Command {std::move(text), std::move(words), std::nullopt};
}

struct BatchOutcome {
    bool held = false;
    RunResult stop;
    std::vector<CommandResult> results;
};

BatchOutcome run_batch(Machine& machine, std::vector<Command> commands, uint64_t timeout_ns)
{
    BatchHost host(std::move(commands));
    machine.set_harness_host(&host);
    machine.set_guest_time_limit(machine.guest_time_ns() + timeout_ns);
    BatchOutcome outcome;
    outcome.stop = machine.run();
    machine.set_guest_time_limit(std::nullopt);
    machine.set_harness_host(nullptr);
    outcome.held = outcome.stop.reason == StopReason::Stopped && host.held();
    outcome.results = host.results();
    return outcome;
}

// The module's name as the kernel has it: the file's, '-' as '_' (kmod's rule).
std::string module_name(const std::string& path)
{
    std::string name = std::filesystem::path(path).stem().string();
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

// What the kernel said when a load went wrong: the lines of an oops or a BUG, a lockup, a panic.
std::vector<std::string> kernel_complaints(std::string_view console)
{
    static constexpr std::string_view kMarks[] = {"BUG:", "Oops", "RIP:", "init faulted", "soft lockup", "Kernel panic",
                                                  "general protection"};
    std::vector<std::string> lines;
    while (!console.empty() && lines.size() < 8) {
        size_t const end = console.find('\n');
        std::string_view line = console.substr(0, end);
        if (line.starts_with("[")) // printk's timestamp
            if (size_t const close = line.find("] "); close != std::string_view::npos && close < 20)
                line.remove_prefix(close + 2);
        for (std::string_view mark : kMarks) {
            if (line.find(mark) != std::string_view::npos) {
                lines.push_back(fmt::format("kernel: {}", line));
                break;
            }
        }
        if (end == std::string_view::npos)
            break;
        console.remove_prefix(end + 1);
    }
    return lines;
}

std::string describe_stop(const RunResult& stop, const Machine& machine, uint64_t timeout_ns)
{
    switch (stop.reason) {
    case StopReason::Stopped:
        return fmt::format("timed out: no answer after {} ms of guest time (RIP {:#x})", timeout_ns / 1'000'000,
                           machine.registers().rip);
    case StopReason::Panic: return "the kernel panicked";
    case StopReason::TripleFault: return "the machine triple-faulted";
    case StopReason::Dead: return "the machine stopped for good (hlt with interrupts off)";
    case StopReason::PowerOff: return "the machine powered off";
    default: return fmt::format("emulator error: {}", stop.message);
    }
}

// One machine and its snapshot: booted once, put back before each module.
class TestMachine {
public:
    explicit TestMachine(const TestRunOptions& options) : m_options(options) {}

    Result<void> boot()
    {
        std::string cmdline;
        if (m_options.filter)
            cmdline = "kunit.filter_glob=" + *m_options.filter;
        m_machine = LKMEMU_TRY(Machine::create(MachineConfig {.kernel_path = m_options.kernel_path, .cmdline = cmdline,
                                                             .memory_mib = m_options.memory_mib}));
        BatchOutcome const booted = run_batch(*m_machine, {}, m_options.module_timeout_ns);
        if (!booted.held)
            return make_error(fmt::format("the kernel did not reach init's first request: {}",
                                          describe_stop(booted.stop, *m_machine, m_options.module_timeout_ns)));
        if (m_options.from_snapshot)
            m_snapshot = LKMEMU_TRY(m_machine->take_snapshot());
        m_console_at_boot = m_machine->console_text().size();
        return {};
    }

    // The machine as just booted: restored (or, where registers cannot put it back, booted again).
    Result<void> reset()
    {
        if (!m_options.from_snapshot || m_machine->restore(*m_snapshot).is_error())
            return boot();
        return {};
    }

    Machine& machine() { return *m_machine; }
    size_t console_at_boot() const { return m_console_at_boot; }

private:
    const TestRunOptions& m_options;
    std::unique_ptr<Machine> m_machine;
    std::unique_ptr<MachineSnapshot> m_snapshot;
    size_t m_console_at_boot = 0;
};

ModuleRun run_module(TestMachine& test_machine, const TestRunOptions& options, const TestModule& module)
{
    ModuleRun run;
    run.module = module;
    std::string const name = module_name(module.path);
    auto failed = [&](std::vector<std::string> diagnostics) {
        run.suites.push_back(failed_module_suite(module.path, name, std::move(diagnostics)));
    };

    auto dependencies = module_dependencies(module.path);
    if (dependencies.is_error()) {
        failed({fmt::format("{}: {}", name, dependencies.error().message)});
        return run;
    }
    std::vector<Command> commands;
    for (const std::string& dependency : dependencies.value())
        commands.push_back(command({"insmod", dependency}));
    std::vector<std::string> insmod {"insmod", module.path};
    insmod.insert(insmod.end(), module.params.begin(), module.params.end());
    commands.push_back(command(std::move(insmod)));

    Machine& machine = test_machine.machine();
    BatchOutcome const outcome = run_batch(machine, std::move(commands), options.module_timeout_ns);
    const std::string& console = machine.console_text();
    run.console = console.substr(std::min(test_machine.console_at_boot(), console.size()));

    KtapParse parse = parse_ktap_log(run.console, module.path);
    run.suites = std::move(parse.suites);
    std::vector<std::string> diagnostics;
    for (const CommandResult& result : outcome.results) {
        if (result.ran && !result.ok) // its first line: the kernel's words follow below
            diagnostics.push_back(fmt::format("{}: `{}` failed: {}", name, result.command,
                                              result.error.substr(0, result.error.find('\n'))));
    }
    if (!outcome.held)
        diagnostics.push_back(fmt::format("{}: {}", name, describe_stop(outcome.stop, machine, options.module_timeout_ns)));
    if (!diagnostics.empty() || !parse.complete) {
        for (std::string& line : kernel_complaints(run.console))
            diagnostics.push_back(std::move(line));
        if (run.suites.empty() || parse.complete)
            failed(std::move(diagnostics));
        else
            for (std::string& line : diagnostics)
                run.suites.back().diagnostics.push_back(std::move(line));
    } else if (run.suites.empty() && parse.planned == 0 && !options.filter) {
        failed({fmt::format("{}: loaded, but no KUnit suite ran (no .kunit_test_suites: kunit_test_suite())", name)});
    }
    return run;
}

} // namespace

Result<std::vector<std::string>> module_dependencies(const std::string& path)
{
    std::vector<std::string> order;
    std::vector<std::string> visiting;
    std::function<Result<void>(const std::string&)> visit = [&](const std::string& file) -> Result<void> {
        std::ostringstream out, err;
        if (lkm::tools::modinfo_command({"-F", "depends", file}, out, err) != 0)
            return make_error(fmt::format("cannot read {}: {}", file, err.str()));
        std::string depends = out.str();
        std::filesystem::path const folder = std::filesystem::path(file).parent_path();
        std::stringstream names(depends);
        std::string dependency;
        while (std::getline(names, dependency, ',')) {
            dependency.erase(std::remove_if(dependency.begin(), dependency.end(), ::isspace), dependency.end());
            if (dependency.empty())
                continue;
            std::string found;
            for (std::string candidate : {dependency, [&] {
                     std::string dashed = dependency;
                     std::replace(dashed.begin(), dashed.end(), '_', '-');
                     return dashed;
                 }()}) {
                std::error_code ec;
                if (std::filesystem::is_regular_file(folder / (candidate + ".ko"), ec)) {
                    found = (folder / (candidate + ".ko")).string();
                    break;
                }
            }
            if (found.empty())
                return make_error(fmt::format("it depends on {}, and there is no {}.ko next to it", dependency,
                                              (folder / dependency).string()));
            if (std::find(order.begin(), order.end(), found) != order.end())
                continue;
            if (std::find(visiting.begin(), visiting.end(), found) != visiting.end())
                return make_error(fmt::format("{} depends on itself through {}", dependency, file));
            visiting.push_back(found);
            LKMEMU_TRY(visit(found));
            visiting.pop_back();
            order.push_back(found);
        }
        return {};
    };
    LKMEMU_TRY(visit(path));
    return order;
}

Result<std::vector<ModuleRun>> run_test_modules(const TestRunOptions& options, const std::vector<TestModule>& modules,
                                                const std::function<void(const ModuleRun&)>& on_module)
{
    TestMachine machine(options);
    LKMEMU_TRY(machine.boot());
    std::vector<ModuleRun> runs;
    for (size_t i = 0; i < modules.size(); ++i) {
        auto const started = std::chrono::steady_clock::now();
        if (i > 0)
            LKMEMU_TRY(machine.reset());
        ModuleRun run = run_module(machine, options, modules[i]);
        run.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        if (on_module)
            on_module(run);
        runs.push_back(std::move(run));
    }
    return runs;
}

} // namespace lkmemu::cli
