// lkmemu_system_fuzz: the whole-system fuzzer (issue #16, item 8; docs/loader.md, "Whole-system
// fuzzing"). One boot; then, round after round, a mutated sample module goes to the live kernel
// through the real path (insmod -> init's finit_module -> the kernel's module loader), followed
// by lsmod and rmmod of whatever loaded; the round must leave no panic, no hang, no emulator
// error, no module behind and the memory accounting as it was after boot. Between rounds the
// machine is put back to its post-boot snapshot. scripts/fuzz.sh --system runs it.
//
// Round I of seed S is always the same input (image_mutator.h), and every round starts from the
// same snapshot, so a finding replays with `--seed S --only I` or with the script it writes.
#include "findings.h"
#include "image_mutator.h"
#include "live_kernel.h"

#include <support/file_contents.h>
#include <support/module_signature.h>

#include <lkmemu/errno.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <unistd.h>
#include <sys/prctl.h>

using namespace lkmemu;
using namespace lkmemu::fuzz;

namespace {

struct Options {
    std::string kernel;
    std::string modules_dir;
    std::vector<std::string> modules {"hello", "params", "provider"};
    uint64_t seed = 1;
    std::optional<uint64_t> iterations, seconds, only;
    std::string findings = "fuzz-findings";
    uint64_t command_timeout_ms = 30'000; // past the kernel's 20 s soft-lockup report
    bool one_boot = false;
};

std::filesystem::path binary_dir()
{
    std::error_code ec;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : self.parent_path();
}

// Round `iteration` of `seed`'s generator: independent of the rounds before it.
uint64_t round_seed(uint64_t seed, uint64_t iteration)
{
    Rng mix(seed ^ (iteration * 0x9e3779b97f4a7c15ull));
    return mix.next();
}

Result<std::vector<SeedModule>> read_seeds(const Options& options)
{
    std::vector<SeedModule> seeds;
    for (const std::string& name : options.modules) {
        std::string const path = options.modules_dir + "/" + name + ".ko";
        auto contents = read_file_contents(path);
        if (contents.is_error())
            return make_error(fmt::format("cannot read seed module {}: {}", path, contents.error().message));
        // Unsigned: a mutation would break the signature, and the kernel would refuse every input
        // before the loader saw it (EKEYREJECTED). So each seed is the image without its trailer.
        std::vector<uint8_t> image = contents.release_value();
        image.resize(module_image_size(image));
        seeds.push_back(make_seed(name, std::move(image)));
    }
    return seeds;
}

Result<void> write_input(const std::string& path, const std::vector<uint8_t>& image)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(image.data()), std::streamsize(image.size()));
    out.close();
    if (!out)
        return make_error(fmt::format("cannot write the input file {}", path));
    return {};
}

struct Stats {
    uint64_t executions = 0, loaded = 0, refused = 0, oopses = 0, exit_oopses = 0, findings = 0;
    uint64_t clean_run = 0, longest_clean_run = 0;
    std::map<int, uint64_t> errnos; // insmod's refusals by errno (0: refused on the host, never sent)
    std::optional<uint64_t> first_host_refusal;
};

int run_fuzzer(const Options& options)
{
    auto seeds = read_seeds(options);
    if (seeds.is_error()) {
        fmt::print(stderr, "lkmemu_system_fuzz: {}\n", seeds.error().message);
        return 2;
    }
    auto const started = std::chrono::steady_clock::now();
    auto booted = LiveKernel::boot(options.kernel, options.command_timeout_ms * 1'000'000);
    if (booted.is_error()) {
        fmt::print(stderr, "lkmemu_system_fuzz: cannot boot {}: {}\n", options.kernel, booted.error().message);
        return 2;
    }
    std::unique_ptr<LiveKernel> kernel = booted.release_value();
    kernel->set_one_boot(options.one_boot);
    auto const fuzzing = std::chrono::steady_clock::now();
    fmt::print("lkmemu_system_fuzz: booted in {:.1f} ms; baseline {}; seed {}; modules {}\n",
               std::chrono::duration<double, std::milli>(fuzzing - started).count(), describe_memory(kernel->baseline()),
               options.seed, fmt::join(options.modules, ", "));

    std::string const input_path =
        (std::filesystem::temp_directory_path() / fmt::format("lkmemu-sysfuzz-{}.ko", getpid())).string();
    Stats stats;
    uint64_t const first = options.only.value_or(0);
    uint64_t const last = options.only ? *options.only + 1 : options.iterations.value_or(UINT64_MAX);
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - fuzzing).count(); };
    double next_report = 10;
    int status = 0;
    for (uint64_t iteration = first; iteration < last; ++iteration) {
        if (!options.only && options.seconds && elapsed() >= double(*options.seconds))
            break;
        Rng rng(round_seed(options.seed, iteration));
        const SeedModule& seed = seeds.value()[rng.below(seeds.value().size())];
        MutatedInput const input = mutate(seed, rng);
        if (auto written = write_input(input_path, input.image); written.is_error()) {
            fmt::print(stderr, "lkmemu_system_fuzz: {}\n", written.error().message);
            status = 2;
            break;
        }
        auto round = kernel->round(input_path, input.params);
        if (round.is_error()) {
            fmt::print(stderr, "lkmemu_system_fuzz: round {}: {}\n", iteration, round.error().message);
            status = 2;
            break;
        }
        const RoundOutcome& outcome = round.value();
        ++stats.executions;
        stats.oopses += outcome.oopsed;
        stats.exit_oopses += outcome.exit_oopsed;
        if (outcome.loaded) {
            ++stats.loaded;
        } else if (outcome.insmod_answered) {
            ++stats.refused;
            ++stats.errnos[-outcome.insmod_status];
            if (outcome.insmod_status == 0 && !stats.first_host_refusal)
                stats.first_host_refusal = iteration;
        }
        if (options.only) {
            fmt::print("input: {} bytes from {}.ko: {}\n", input.image.size(), seed.name, fmt::join(input.steps, "; "));
            for (const CommandResult& result : outcome.commands)
                fmt::print("{} -> {}{}\n{}", result.command, result.ok ? "ok" : "failed",
                           result.error.empty() ? "" : ": " + result.error, result.output);
            fmt::print("console during the round:\n{}", outcome.console);
        }
        if (outcome.kind == FindingKind::None) {
            stats.longest_clean_run = std::max(stats.longest_clean_run, ++stats.clean_run);
        } else {
            stats.clean_run = 0;
            ++stats.findings;
            status = 1;
            auto written = write_finding(options.findings, Finding {options.seed, iteration, seed.name, options.modules, &input, &outcome});
            fmt::print("finding at round {}: {}: {} ({})\n", iteration, finding_kind_name(outcome.kind), outcome.detail,
                       written.is_error() ? written.error().message : written.value());
        }
        if (elapsed() >= next_report) {
            fmt::print("  {} rounds, {:.0f}/s, {} findings\n", stats.executions, double(stats.executions) / elapsed(), stats.findings);
            std::fflush(stdout);
            next_report += 10;
        }
    }
    std::filesystem::remove(input_path);

    double const seconds = elapsed();
    std::string refusals;
    for (auto [error, count] : stats.errnos)
        refusals += fmt::format("{}{} {}", refusals.empty() ? "" : ", ", count,
                                error ? lkm_errno_name(error) ? lkm_errno_name(error) : fmt::format("errno {}", error)
                                      : fmt::format("on the host (first: round {})", *stats.first_host_refusal));
    fmt::print("lkmemu_system_fuzz: {} executions in {:.1f} s: {:.1f} execs/s\n", stats.executions, seconds,
               seconds > 0 ? double(stats.executions) / seconds : 0.0);
    fmt::print("  loaded {}, refused {} ({}); rounds with a recovered oops {} (in exit, module kept: {}); reboots {}\n",
               stats.loaded, stats.refused, refusals, stats.oopses, stats.exit_oopses, kernel->reboots());
    fmt::print("  longest clean run: {} executions; findings: {}\n", stats.longest_clean_run, stats.findings);
    if (options.one_boot)
        fmt::print("  one boot: {} rounds put back to the snapshot (a finding, or a module left by a faulted exit)\n",
                   kernel->restores());
    return status;
}

} // namespace

int main(int argc, char** argv)
{
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0); // as lkmemu does (emulator/cli/main.cpp says why)

    Options options;
    options.kernel = (binary_dir() / "kernel.elf").string();
    options.modules_dir = (binary_dir().parent_path() / "modules").string();
    CLI::App app {"lkmemu_system_fuzz: mutated modules into a live kernel, a post-boot snapshot restored between rounds"};
    app.add_option("--kernel", options.kernel, "Kernel ELF to boot (default: kernel.elf next to this program)");
    app.add_option("--modules-dir", options.modules_dir, "Where the seed modules are (default: ../modules)");
    app.add_option("--module", options.modules, "Seed module names (default: hello params provider)");
    app.add_option("--seed", options.seed, "Seed of the mutations (default 1)");
    auto* iterations = app.add_option("--iterations", options.iterations, "Rounds to run");
    auto* seconds = app.add_option("--seconds", options.seconds, "Fuzz for this many seconds");
    app.add_option("--only", options.only, "Run round I alone and print what it did (replays a finding)")
        ->excludes(iterations)
        ->excludes(seconds);
    app.add_option("--findings", options.findings, "Where findings are written (default: fuzz-findings)");
    app.add_option("--command-timeout-ms", options.command_timeout_ms, "Guest time a command may go without an answer before it is a hang (default 30000)")
        ->check(CLI::PositiveNumber);
    app.add_flag("--one-boot", options.one_boot,
                 "Feed every round to the same boot: restore the snapshot only after a finding or a module left behind");
    CLI11_PARSE(app, argc, argv);
    if (!options.iterations && !options.seconds && !options.only)
        options.iterations = 1000;
    return run_fuzzer(options);
}
