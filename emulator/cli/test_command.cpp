#include "test_command.h"

#include "run_command.h"
#include "test_runner.h"

#include <harness/commands/harness_command.h>
#include <session/summary.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace lkmemu::cli {

namespace {

bool is_module_file(const std::string& word) { return word.size() > 3 && word.ends_with(".ko"); }

// FILE.ko words, each taking the words after it that are not modules as its insmod parameters.
Result<std::vector<TestModule>> test_modules(const std::vector<std::string>& words)
{
    std::vector<TestModule> modules;
    for (const std::string& word : words) {
        if (is_module_file(word))
            modules.push_back(TestModule {word, {}});
        else if (modules.empty())
            return make_error(fmt::format("'{}': a parameter before any FILE.ko", word));
        else
            modules.back().params.push_back(word);
    }
    if (modules.empty())
        return make_error("no test module given (FILE.ko ...)");
    return modules;
}

} // namespace

CLI::App* add_test_command(CLI::App& app, TestOptions& options)
{
    CLI::App* test = app.add_subcommand(
        "test", "Run test modules' KUnit suites, each module in a fresh machine; KTAP on standard output");
    test->add_option("FILE", options.words,
                     "Test modules (FILE.ko), each optionally followed by its insmod parameters (NAME=VALUE)")
        ->required();
    test->add_option("--filter", options.filter,
                     "Run only the suites (and cases) matching SUITE[.CASE] (globs: * and ?), as kunit.filter_glob=");
    test->add_option("--json", options.json, "Write the results per suite and case as JSON to FILE ('-': standard output)");
    test->add_option("--kernel", options.kernel_path, "Kernel ELF to boot (default: kernel.elf next to lkmemu)");
    test->add_option("--memory", options.memory_mib, "Guest RAM in MiB")->check(CLI::Range(16, 4096));
    test->add_option("--timeout", options.timeout,
                     "Guest time each module may take to load and run its suites (e.g. 30s, 500ms; default 60s)");
    test->add_flag("--no-snapshot", options.no_snapshot,
                   "Boot the kernel for every module instead of restoring a snapshot of one boot");
    return test;
}

int run_test_command(const TestOptions& options)
{
    auto modules = test_modules(options.words);
    if (modules.is_error()) {
        std::cerr << "lkmemu test: " << modules.error().message << "\n";
        return session::kExitUsageOrIo;
    }
    for (const TestModule& module : modules.value()) {
        std::ifstream probe(module.path, std::ios::binary);
        if (!probe) {
            std::cerr << fmt::format("lkmemu test: cannot read {}: {}\n", module.path, std::strerror(errno));
            return session::kExitUsageOrIo;
        }
    }
    auto timeout = commands::parse_duration(options.timeout);
    if (!timeout || *timeout == 0) {
        std::cerr << fmt::format("lkmemu test: --timeout: invalid duration '{}' (e.g. 30s, 500ms)\n", options.timeout);
        return session::kExitUsageOrIo;
    }
    std::ofstream json_file;
    bool const json_to_stdout = options.json && *options.json == "-";
    if (options.json && !json_to_stdout) {
        json_file.open(*options.json, std::ios::out | std::ios::trunc | std::ios::binary);
        if (!json_file) {
            std::cerr << fmt::format("lkmemu test: cannot write {}: {}\n", *options.json, std::strerror(errno));
            return session::kExitUsageOrIo;
        }
    }

    TestRunOptions run_options;
    run_options.kernel_path = options.kernel_path.empty() ? default_kernel_path() : options.kernel_path;
    run_options.memory_mib = options.memory_mib;
    run_options.filter = options.filter;
    run_options.module_timeout_ns = *timeout;
    run_options.from_snapshot = !options.no_snapshot;
    auto runs = run_test_modules(run_options, modules.value());
    if (runs.is_error()) {
        std::cerr << "lkmemu test: " << runs.error().message << "\n";
        return session::kExitUsageOrIo;
    }

    std::vector<KtapSuite> suites;
    for (ModuleRun& run : runs.value())
        for (KtapSuite& suite : run.suites)
            suites.push_back(std::move(suite));
    KtapTotals const totals = count_totals(suites);
    // With the JSON on standard output, the KTAP goes to standard error.
    (json_to_stdout ? std::cerr : std::cout) << merge_ktap(suites) << std::flush;
    std::cerr << totals_line(totals) << "\n";

    if (options.json) {
        nlohmann::json json = ktap_json(suites);
        nlohmann::json& files = json["modules"] = nlohmann::json::array();
        for (const ModuleRun& run : runs.value())
            files.push_back({{"file", run.module.path}, {"params", run.module.params}, {"wall_ms", run.wall_ms}});
        std::string const text = json.dump(2) + "\n";
        if (json_to_stdout) {
            std::cout << text << std::flush;
        } else if (!(json_file << text << std::flush)) {
            std::cerr << fmt::format("lkmemu test: cannot write {}\n", *options.json);
            return session::kExitUsageOrIo;
        }
    }
    return totals.fail ? session::kExitCommandFailed : session::kExitOk;
}

} // namespace lkmemu::cli
