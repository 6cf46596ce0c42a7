// insmod / lsmod / rmmod through the real system-call path: the hello sample, parameters,
// dependencies, every refusal of init_module and delete_module, and memory back to its baseline.
#include "module_support.h"

using namespace lkmemu;
using namespace lkmemu::testing;

TEST_CASE("module: hello loads with RO/NX, shows in lsmod, unloads, and memory returns to baseline")
{
    auto s = run_observed("insmod " + module_path("hello") + " who=world; lsmod; rmmod hello; lsmod; dmesg");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).ok);
    CHECK(s.result(0).status == 0);
    REQUIRE(s.result(1).ok);
    // kmod's table (tools/lsmod.c); the raw /proc/modules lines are the other tests'.
    CHECK(s.result(1).output == "Module                  Size  Used by\n"
                                "hello                  12288  0\n");
    CHECK(s.result(2).ok);
    CHECK(s.result(3).ok);
    CHECK(s.result(3).output == "Module                  Size  Used by\n");
    CHECK(contains(s.result(4).output, "Hello, world!"));
    CHECK(contains(s.result(4).output, "Goodbye, world!"));
    CHECK(s.stop.reason == StopReason::PowerOff);

    // Before insmod: nothing in the module area.
    CHECK(s.before(0).modules.empty());
    CHECK(s.before(0).module_area.empty());
    CHECK(s.before(0).meminfo.module_area_pages == 0);

    // While loaded (before lsmod): every section has its class's permissions, init is gone.
    const Snapshot& loaded = s.before(1);
    REQUIRE(loaded.modules.size() == 1);
    const testing::ObservedModule& hello = loaded.modules[0];
    CHECK(hello.name == "hello");
    CHECK(hello.state == LKM_MODULE_STATE_LIVE);
    CHECK(hello.core_base == 0xffffffffa0000000ull);
    CHECK(hello.init_base == 0);
    CHECK(hello.init_size == 0);
    CHECK(loaded.meminfo.module_area_pages == hello.core_size / 4096);
    for (const ObservedSection& section : hello.sections) {
        INFO(section.name);
        CHECK(section.name.rfind(".init", 0) != 0); // init sections are gone from the list
        if (section.name.rfind(".text", 0) == 0 || section.name == ".exit.text")
            CHECK(section.perms == "r-x");
        else if (section.name.rfind(".rodata", 0) == 0 || section.name == "__param" || section.name == ".data..ro_after_init")
            CHECK(section.perms == "r--");
        else if (section.name == ".data" || section.name == ".bss" || section.name == ".gnu.linkonce.this_module")
            CHECK(section.perms == "rw-");
    }
    REQUIRE(hello.section(".text"));
    REQUIRE(hello.section(".data"));
    CHECK_FALSE(loaded.wx_anywhere);
    // The init region (right after the core and its guard page) is no longer mapped.
    CHECK(perms_at(loaded.module_area, hello.core_base + hello.core_size + 4096) == "---");
    // The guard page after the core is unmapped.
    CHECK(perms_at(loaded.module_area, hello.core_base + hello.core_size) == "---");

    // After rmmod: nothing mapped, nothing observed, every counter back.
    CHECK(s.before(3).modules.empty());
    CHECK(s.before(3).module_area.empty());
    CHECK_MEMINFO_EQUAL(s.before(3).meminfo, s.before(0).meminfo);
}

TEST_CASE("module: params sets int, bool, charp and array parameters, bad values fail with EINVAL")
{
    auto s = run_observed("insmod " + module_path("params") +
                          " count=7 verbose=1 name=lkmemu offset=-5 values=4,5,6 nosuch=1; dmesg; rmmod params; "
                          "insmod " + module_path("params") + " count=zz; insmod " + module_path("params") +
                          " values=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33; cat /proc/modules");
    REQUIRE(s.results.size() == 6);
    CHECK(s.result(0).ok);
    INFO(s.result(1).output);
    CHECK(contains(s.result(1).output, "params: unknown parameter 'nosuch' ignored"));
    CHECK(contains(s.result(1).output, "params: count=7 level=0 offset=-5 verbose=1 name=lkmemu"));
    CHECK(contains(s.result(1).output, "params: values (3): 4 5 6"));
    CHECK(s.result(2).ok);
    CHECK(s.result(3).status == -LKM_EINVAL);
    CHECK(contains(s.result(3).error, ": Invalid parameters\n")); // kmod's insmod words EINVAL so
    CHECK(contains(s.result(3).error, "params: `zz' invalid for parameter `count'"));
    CHECK(s.result(4).status == -LKM_EINVAL);
    CHECK(s.result(5).output.empty());
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: consumer needs provider, provider cannot go while consumer uses it")
{
    auto s = run_observed("insmod " + module_path("consumer") + "; insmod " + module_path("provider") + "; insmod " +
                          module_path("consumer") + "; cat /proc/modules; rmmod provider; rmmod consumer; cat /proc/modules; rmmod provider; "
                          "cat /proc/modules; dmesg");
    REQUIRE(s.results.size() == 10);
    CHECK(s.result(0).status == -LKM_ENOENT);
    CHECK(contains(s.result(0).error, "insmod: ERROR: could not insert module"));
    CHECK(contains(s.result(0).error, "Unknown symbol in module"));
    CHECK(contains(s.result(0).error, "insmod: kernel: consumer: Unknown symbol provider_add (err -2)"));
    CHECK(s.result(1).ok);
    CHECK(s.result(2).ok);
    auto lines = lines_of(s.result(3).output);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].rfind("consumer 12288 0 - Live 0xffffffffa", 0) == 0);
    CHECK(lines[1] == "provider 12288 1 consumer, Live 0xffffffffa0000000");
    CHECK(s.result(4).status == -LKM_EWOULDBLOCK);
    CHECK(s.result(4).error == "rmmod: ERROR: Module provider is in use by: consumer"); // kmod's one line
    CHECK(s.result(5).ok);
    CHECK(lines_of(s.result(6).output) == std::vector<std::string> { "provider 12288 0 - Live 0xffffffffa0000000" });
    CHECK(s.result(7).ok);
    CHECK(s.result(8).output.empty());
    CHECK(contains(s.result(9).output, "consumer: 2 + 3 = 5"));
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: a non-GPL module cannot use a GPL-only export, and taints the kernel")
{
    auto s = run_observed("insmod " + module_path("provider") + "; insmod " + module_path("gplonly") +
                          "; cat /proc/modules; rmmod provider");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(1).status == -LKM_ENOENT);
    CHECK(contains(s.result(1).error, "gplonly: module license 'Proprietary' taints kernel."));
    CHECK(contains(s.result(1).error, "provider_gpl_multiply"));
    CHECK(contains(s.result(1).error, "GPL-only symbol"));
    CHECK(lines_of(s.result(2).output).size() == 1); // provider only, no link to gplonly left
    CHECK(contains(s.result(2).output, "provider 12288 0 -"));
    CHECK(s.result(3).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: initfail and unresolved fail cleanly and leave nothing behind")
{
    auto s = run_observed("insmod " + module_path("initfail") + "; insmod " + module_path("unresolved") + "; cat /proc/modules");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).status == -LKM_ENODEV);
    CHECK(contains(s.result(0).error, "initfail: no device found, failing init with -ENODEV"));
    CHECK(s.result(1).status == -LKM_ENOENT);
    CHECK(contains(s.result(1).error, "unresolved: Unknown symbol lkmemu_no_such_symbol (err -2)"));
    CHECK(s.result(2).output.empty());
    CHECK(s.before(1).modules.empty());
    CHECK(s.before(1).module_area.empty());
    CHECK_MEMINFO_EQUAL(s.before(1).meminfo, s.before(0).meminfo);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: duplicate names, unknown modules, and modules still in use are refused")
{
    auto s = run_observed("insmod " + module_path("hello") + "; insmod " + module_path("hello") +
                          "; rmmod nosuch; rmmod hello; rmmod hello");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).status == -LKM_EEXIST);
    CHECK(contains(s.result(1).error, "hello: a module of this name is already loaded"));
    CHECK(s.result(2).status == -LKM_ENOENT);
    CHECK(contains(s.result(2).error, "rmmod: ERROR: Module nosuch is not currently loaded"));
    CHECK(s.result(3).ok);
    CHECK(s.result(4).status == -LKM_ENOENT);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: a COMING notifier may veto a load, which unwinds it with the notifier's errno")
{
    auto s = run_observed("insmod " + module_path("hello") + "; cat /proc/modules; insmod " + module_path("params"), "module_veto=hello");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).status == -LKM_EACCES);
    CHECK(contains(s.result(0).error, "module_veto: refusing module hello (test listener)"));
    CHECK(s.result(1).output.empty());
    CHECK(s.result(2).ok);
    CHECK_MEMINFO_EQUAL(s.before(1).meminfo, s.before(0).meminfo);
}

TEST_CASE("module: only root may load and unload modules, modules_disabled refuses everyone")
{
    auto user = run_observed("insmod " + module_path("hello") + "; rmmod hello; cat /proc/modules", "uid=1000");
    REQUIRE(user.results.size() == 3);
    CHECK(user.result(0).status == -LKM_EPERM);
    CHECK(user.result(1).status == -LKM_EPERM);
    CHECK(user.result(2).ok);

    auto disabled = run_observed("insmod " + module_path("hello") + "; rmmod hello", "modules_disabled=1");
    REQUIRE(disabled.results.size() == 2);
    CHECK(disabled.result(0).status == -LKM_EPERM);
    CHECK(disabled.result(1).status == -LKM_EPERM);
}

TEST_CASE("module: a bad user pointer to init_module is EFAULT, not an oops")
{
    auto s = run_observed("insmod " + module_path("hello") + "; cat /proc/modules; dmesg", "init_test=insmod_badptr");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).status == -LKM_EFAULT);
    CHECK(s.result(1).ok);
    CHECK(s.result(1).output.empty());
    CHECK_FALSE(contains(s.result(2).output, "Oops"));
    CHECK(s.stop.reason == StopReason::PowerOff);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: 1000 insmod/rmmod cycles of hello leave memory exactly at its baseline")
{
    std::string commands;
    for (int i = 0; i < 1000; i++)
        commands += "insmod " + module_path("hello") + "; rmmod hello; ";
    commands += "cat /proc/modules";
    auto s = run_observed(commands, "loglevel=1");
    REQUIRE(s.results.size() == 2001);
    bool all_ok = true;
    for (size_t i = 0; i < 2000; i++)
        all_ok = all_ok && s.result(i).ok;
    CHECK(all_ok);
    CHECK(s.result(2000).output.empty());
    CHECK_MEMINFO_EQUAL(s.before(2000).meminfo, s.before(0).meminfo);
    CHECK_MEMINFO_EQUAL(s.before(2).meminfo, s.before(0).meminfo);
}

// The order is Linux v6's: delete_module calls mod->exit() and then notifies MODULE_STATE_GOING
// (kernel/module/main.c), so listeners hear GOING after the module's exit has run.
TEST_CASE("module: listeners hear COMING before init, LIVE after it, and GOING after exit")
{
    auto s = run_observed("insmod " + module_path("hello") + "; rmmod hello; dmesg", "module_veto=nothing");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    const std::string& log = s.result(2).output;
    size_t coming = log.find("module_veto: COMING hello");
    size_t hello = log.find("Hello, world!");
    size_t live = log.find("module_veto: LIVE hello");
    size_t going = log.find("module_veto: GOING hello");
    size_t goodbye = log.find("Goodbye, world!");
    REQUIRE(coming != std::string::npos);
    REQUIRE(live != std::string::npos);
    REQUIRE(going != std::string::npos);
    CHECK(coming < hello);
    CHECK(hello < live);
    CHECK(live < goodbye);
    CHECK(goodbye < going);
}
