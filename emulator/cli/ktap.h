// KTAP version 1 (Linux's Documentation/dev-tools/ktap.rst) as the kernel's KUnit runner prints
// it (guest-kernel/lib/kunit/test.cpp): read from a module's kernel log, and merged into one
// document over several modules for `lkmemu test` (docs/testing-modules.md).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu::cli {

enum class KtapStatus { Pass, Fail, Skip };
const char* ktap_status_name(KtapStatus); // "pass", "fail", "skip"

struct KtapResult {
    std::string name;
    KtapStatus status = KtapStatus::Pass;
    std::string skip_reason;
};

struct KtapCase {
    KtapResult result;
    std::vector<std::string> log;      // the suite's lines since the previous case, unindented once
    std::vector<KtapResult> params;    // a parameterised case's runs
};

struct KtapSuite {
    KtapResult result;
    std::string module;             // the .ko it came from
    std::vector<std::string> body;  // its lines as printed (indented), for the merged document
    std::vector<KtapCase> cases;
    std::vector<std::string> diagnostics; // what the runner added (a crash, a hang, a cut-off)
};

struct KtapTotals {
    size_t pass = 0, fail = 0, skip = 0;
    size_t total() const { return pass + fail + skip; }
};

// The suites in `log` (a kernel log: "[    1.234567] " prefixes are dropped, lines that are not
// KTAP are ignored). A suite whose result line never came (the module stopped mid-suite) is
// returned failed, with `complete` false.
struct KtapParse {
    std::vector<KtapSuite> suites;
    bool complete = true; // every planned suite reported its result
    size_t planned = 0;   // the module's top-level plan
};
KtapParse parse_ktap_log(std::string_view log, const std::string& module);

// A suite for a module that produced no (whole) KTAP, failed with a diagnostic: its init crashed,
// it hung, it could not be loaded.
KtapSuite failed_module_suite(const std::string& module, const std::string& name, std::vector<std::string> diagnostics);

// Per case, a parameterised case counting once; a suite that failed outside any case once.
KtapTotals count_totals(const std::vector<KtapSuite>& suites);

// One KTAP document: "KTAP version 1", "1..N" over every suite, each suite's lines, its result
// renumbered.
std::string merge_ktap(const std::vector<KtapSuite>& suites);
std::string totals_line(const KtapTotals& totals); // "# Totals: pass:X fail:Y skip:Z total:T"

nlohmann::json ktap_json(const std::vector<KtapSuite>& suites);

} // namespace lkmemu::cli
