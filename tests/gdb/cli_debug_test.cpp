// `lkmemu run --gdb` driven by Debian's gdb in batch mode, and `lkmemu run --trace`: the real
// binary, the real kernel, the real hello.ko, as a user would run them (docs/debugging.md). What
// a traced session writes is tested in-process too (tests/integration/session_test.cpp).
#include "process.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using lkmemu::testing::contains;
using lkmemu::testing::ProcessResult;
using lkmemu::testing::run_lkmemu_with_gdb;

namespace {

const std::string kModules = LKMEMU_MODULES_DIR;
const std::string kHello = kModules + "/hello.ko";

std::string read_file(const std::string& path)
{
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

} // namespace

// gdb's inferior call returns to a breakpoint it places on the stack (the dummy frame); the stack
// is NX, and the machine reports the fetch there as that breakpoint instead of delivering a fault.
TEST_CASE("gdb `call provider_add(2, 40)` in a stopped module init returns 42 and the guest runs on", "[gdb][cli]")
{
    auto run = run_lkmemu_with_gdb(
        {"run", "--gdb", "127.0.0.1:0", "--gdb-wait", "-c", "insmod " + kModules + "/provider.ko; lsmod"},
        {
            "set breakpoint pending on",
            "source " LKMEMU_SOURCE_DIR "/scripts/gdb/lkmemu.py",
            "target remote 127.0.0.1:PORT",
            "lkm-symbols " + kModules,
            "break provider_init",
            "continue",
            "call provider_add(2, 40)",
            "call provider_add(-1, 1)",
            "bt 1",
            "detach",
        });
    INFO("gdb:\n" << run.gdb.output << "\nlkmemu:\n" << run.lkmemu.output);
    CHECK(contains(run.gdb.output, "Breakpoint 1, provider_init () at"));
    CHECK(contains(run.gdb.output, "$1 = 42"));
    CHECK(contains(run.gdb.output, "$2 = 0"));
    CHECK(contains(run.gdb.output, "#0  provider_init () at")); // back where the call was made
    CHECK(run.lkmemu.status == 0);
    CHECK_FALSE(contains(run.lkmemu.output, "Oops"));
    CHECK(contains(run.lkmemu.output, "provider"));
}

TEST_CASE("gdb follows insmod hello.ko from sys_finit_module into hello_init and out", "[gdb][cli]")
{
    // --gdb-wait: gdb sets its breakpoints before the kernel's first instruction.
    auto run = run_lkmemu_with_gdb(
        {"run", "--gdb", "127.0.0.1:0", "--gdb-wait", "-c", "insmod " + kHello + "; rmmod hello"},
        {
            "set breakpoint pending on",
            "set width 0",
            "source " LKMEMU_SOURCE_DIR "/scripts/gdb/lkmemu.py",
            "target remote 127.0.0.1:PORT",
            "lkm-symbols " + kModules,
            "break load_module",
            "break hello_init",
            "continue",
            "bt",
            "delete 1", // load_module's breakpoint (all its locations): hello_init's is next
            "continue",
            "info registers rip",
            "rwatch who",
            "continue",
            "delete 3",
            "finish",
            "lkm-lsmod",
            "x/4xb 0x10",
            "detach",
        });
    INFO("gdb:\n" << run.gdb.output << "\nlkmemu:\n" << run.lkmemu.output);
    // The load path: the system call, then the kernel's load_module.
    // One location, or several when the compiler split load_module (a lambda, an inlined copy).
    CHECK((contains(run.gdb.output, "Breakpoint 1, ") || contains(run.gdb.output, "Breakpoint 1.1, ")));
    CHECK(contains(run.gdb.output, "load_module (image="));
    CHECK(contains(run.gdb.output, "in sys_finit_module")); // insmod hands the kernel the file
    // The module's symbols were added as it was laid out, before its init ran; the pending
    // breakpoint resolved and stops with its source line.
    CHECK(contains(run.gdb.output, "lkm-symbols: add-symbol-file " + kHello));
    CHECK(contains(run.gdb.output, "Breakpoint 2, hello_init () at"));
    CHECK(contains(run.gdb.output, "hello.c:14"));
    CHECK(contains(run.gdb.output, "rip            0xffffffff"));
    CHECK(contains(run.gdb.output, "<hello_init+"));
    CHECK(contains(run.gdb.output, "Hardware read watchpoint 3: who"));
    CHECK(contains(run.gdb.output, "Value = "));
    CHECK(contains(run.gdb.output, "module_call () at")); // finish: back in the kernel's caller
    CHECK(contains(run.gdb.output, "Value returned is $1 = 0"));
    CHECK(contains(run.gdb.output, "hello                Loading"));
    CHECK(contains(run.gdb.output, "Cannot access memory at address 0x10"));
    CHECK(contains(run.gdb.output, "[Inferior 1 (Remote target) detached]"));
    // Detached, the machine runs both commands to the end.
    CHECK(run.lkmemu.status == 0);
    CHECK(contains(run.lkmemu.output, "gdb: listening on 127.0.0.1:"));
}

TEST_CASE("a trace filtered to module:hello keeps only hello's instructions", "[trace][cli]")
{
    std::string trace = LKMEMU_TEST_OUTPUT_DIR "/cli_trace_module.txt";
    auto run = lkmemu::testing::run_process(
        {LKMEMU_BINARY_PATH, "run", "--trace", trace, "--trace-filter", "module:hello", "-c", "insmod " + kHello});
    INFO("lkmemu:\n" << run.output);
    REQUIRE(run.status == 0);
    std::string text = read_file(trace);
    std::remove(trace.c_str());
    CHECK(contains(text, " hello_init+0x0 [hello] "));
    CHECK_FALSE(contains(text, " load_module+0x"));
}

TEST_CASE("bad --gdb and --trace-filter arguments are usage errors", "[gdb][trace][cli]")
{
    auto bad_port = lkmemu::testing::run_process({LKMEMU_BINARY_PATH, "run", "--gdb", "127.0.0.1:99999", "-c", "lsmod"});
    CHECK(bad_port.status == 2);
    CHECK(contains(bad_port.output, "lkmemu: port must be a number from 0 to 65535: 127.0.0.1:99999"));
    auto bad_filter = lkmemu::testing::run_process(
        {LKMEMU_BINARY_PATH, "run", "--trace", "/dev/null", "--trace-filter", "sideways", "-c", "lsmod"});
    CHECK(bad_filter.status == 2);
    CHECK(contains(bad_filter.output, "lkmemu: expected kernel, user, module:NAME or BEGIN-END: sideways"));
}
