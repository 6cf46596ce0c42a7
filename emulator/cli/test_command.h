// `lkmemu test FILE.ko [PARAM=VALUE ...] ... [--filter SUITE[.CASE]] [--json FILE]`: run test
// modules' KUnit suites, each module in a freshly booted machine (a restored snapshot), and print
// one KTAP document on standard output and "# Totals: ..." on standard error; exit 0 only when no
// case failed (docs/testing-modules.md, docs/cli.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace lkmemu::cli {

struct TestOptions {
    std::vector<std::string> words; // FILE.ko, each followed by its insmod parameters
    std::optional<std::string> filter;
    std::optional<std::string> json;
    std::string kernel_path;        // default: kernel.elf next to lkmemu
    uint64_t memory_mib = 128;
    std::string timeout = "60s";    // guest time per module
    bool no_snapshot = false;
};

// Adds `test` to `app`; returns it, to ask whether it was parsed.
CLI::App* add_test_command(CLI::App& app, TestOptions& options);
int run_test_command(const TestOptions& options);

} // namespace lkmemu::cli
