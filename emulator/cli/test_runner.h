// `lkmemu test`'s engine: each test module loaded into a fresh machine, its KTAP collected from
// the kernel log. The kernel is booted once and held at init's first request, where a snapshot
// is taken (machine/snapshot.h); before each module the machine is put back to it with
// Machine::restore, so every module meets the same freshly booted kernel at the cost of the pages
// the last one wrote (docs/testing-modules.md). A module whose load crashes or hangs (the
// per-module time limit, in guest time) becomes a failed suite named after it, and the next
// module still runs.
#pragma once

#include "ktap.h"

#include <support/result.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lkmemu::cli {

struct TestModule {
    std::string path;                // FILE.ko on the host
    std::vector<std::string> params; // insmod's parameters for it
};

struct TestRunOptions {
    std::string kernel_path;
    uint64_t memory_mib = 128;
    // kunit.filter_glob=SUITE[.CASE] on the kernel command line (globs).
    std::optional<std::string> filter;
    // Guest time a module's insmod (its dependencies', its init and its suites) may take.
    uint64_t module_timeout_ns = 60'000'000'000;
    // From a snapshot (default), or a boot for every module (to compare: scripts/bench.sh).
    bool from_snapshot = true;
};

struct ModuleRun {
    TestModule module;
    std::vector<KtapSuite> suites; // what it reported, or one failed suite named after it
    std::string console;           // what the kernel printed while it loaded
    double wall_ms = 0;
};

// Boots, then runs each module; `on_module` hears each as it ends. An error only if the kernel
// cannot be booted at all.
Result<std::vector<ModuleRun>> run_test_modules(const TestRunOptions& options, const std::vector<TestModule>& modules,
                                                const std::function<void(const ModuleRun&)>& on_module = {});

// The modules FILE.ko depends on (its .modinfo depends=), found next to it, deepest first (as
// modprobe loads them); an error names the one that is missing.
Result<std::vector<std::string>> module_dependencies(const std::string& path);

} // namespace lkmemu::cli
