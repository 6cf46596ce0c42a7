// Refusals no sample triggers on its own, made with byte-patched copies of the samples (same
// length, so the ELF stays valid): a wrong vermagic, a module exporting a symbol another module
// already exports, and a proprietary licence (taint P in lsmod).
#include "module_support.h"

#include <filesystem>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

// Copies module `name`.ko to a temporary file with the one occurrence of `from` replaced by `to`
// (same length); returns its path.
std::string patched_module(const std::string& name, const std::string& from, const std::string& to,
                           const std::string& out_name)
{
    REQUIRE(from.size() == to.size());
    std::string bytes = module_image(name); // unsigned: the patch would break the signature
    size_t at = bytes.find(from);
    REQUIRE(at != std::string::npos);
    REQUIRE(bytes.find(from, at + 1) == std::string::npos);
    bytes.replace(at, from.size(), to);
    auto path = std::filesystem::temp_directory_path() / ("lkmemu-module-test-" + out_name + ".ko");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path.string();
}

} // namespace

TEST_CASE("module: a vermagic other than the kernel's is refused with ENOEXEC and the reason")
{
    // Past the release: with __versions (modversions) only that part is compared, as Linux's
    // same_magic (the release is tested in module_versions_test.cpp).
    std::string path = patched_module("hello", "mcmodel=kernel mod_unload", "mcmodel=kernel mod_unlodd", "vermagic");
    auto s = run_observed("insmod " + path + "; cat /proc/modules");
    REQUIRE(s.results.size() == 2);
    CHECK(s.result(0).status == -LKM_ENOEXEC);
    CHECK(contains(s.result(0).error, "Invalid module format"));
    CHECK(contains(s.result(0).error, "hello: version magic mismatch: 'lkmemu-abi1 x86_64 mcmodel=kernel mod_unlodd"));
    CHECK(s.result(1).output.empty());
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: a module may not export a symbol another module exports (ENOEXEC)")
{
    std::string twin = patched_module("provider", "provider" + std::string(40, '\0'), "provideR" + std::string(40, '\0'),
                                      "provider-twin");
    auto s = run_observed("insmod " + module_path("provider") + "; insmod " + twin + "; cat /proc/modules; rmmod provider");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(1).status == -LKM_ENOEXEC);
    CHECK(contains(s.result(1).error, "provideR: exports duplicate symbol provider_add (owned by provider)"));
    CHECK(lines_of(s.result(2).output).size() == 1);
    CHECK(s.result(3).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: a proprietary module taints the kernel and shows (P) in /proc/modules")
{
    std::string path = patched_module("hello", "license=GPL", "license=BSD", "proprietary");
    auto s = run_observed("insmod " + path + "; cat /proc/modules; rmmod hello; insmod " + module_path("wx_text"));
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).output == "hello 12288 0 - Live 0xffffffffa0000000 (PE)\n"); // E: the copy is unsigned
    CHECK(s.result(2).ok);
    CHECK(contains(s.console(), "hello: module license 'BSD' taints kernel."));
    CHECK(contains(s.result(3).error, "CPU: 0 PID: 1 Comm: init Tainted: PE\n"));
}
