// scripts/gdb/lkmemu.py checks the kernel's lkm_observer_abi before it reads the module list, as
// the host does (tests/harness/vmmap_test.cpp): Debian's gdb on the real kernel through the stub.
#include "process.h"

#include <catch2/catch.hpp>

#include <string>

using lkmemu::testing::contains;
using lkmemu::testing::run_lkmemu_with_gdb;

TEST_CASE("lkm-lsmod reads the module list only while lkm_observer_abi matches the script's", "[gdb][cli]")
{
    // Stopped before the kernel's first instruction: kernel.elf is loaded, nothing is listed yet.
    auto run = run_lkmemu_with_gdb({ "run", "--gdb", "127.0.0.1:0", "--gdb-wait", "-c", "vmmap" },
                                   {
                                       "set width 0",
                                       "source " LKMEMU_SOURCE_DIR "/scripts/gdb/lkmemu.py",
                                       "target remote 127.0.0.1:PORT",
                                       "lkm-lsmod",
                                       "set {unsigned int}&lkm_observer_abi = 7", // the version field
                                       "lkm-lsmod",
                                       "detach",
                                   });
    INFO("gdb:\n" << run.gdb.output << "\nlkmemu:\n" << run.lkmemu.output);
    CHECK(contains(run.gdb.output, "Module               State      Core"));
    CHECK(contains(run.gdb.output, "lkm: kernel observer ABI mismatch: this script reads version 1 (meminfo 48, module "));
    CHECK(contains(run.gdb.output, "the kernel publishes version 7 (meminfo 48, module "));
    // The host refuses the patched kernel the same way.
    CHECK(contains(run.lkmemu.output, "vmmap: kernel observer ABI mismatch: this host reads version 1 (meminfo 48, module "));
    CHECK(run.lkmemu.status == 1);
}
