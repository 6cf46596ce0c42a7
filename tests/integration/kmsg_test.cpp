// /dev/kmsg: the kernel log as numbered records (Linux's format), and what init reads from it —
// the records a failing insmod produced, and only those, become the command's error text.
#include "session.h"

#include <abi/lkmemu/errno.h>

using namespace lkmemu;
using namespace lkmemu::testing;

TEST_CASE("/dev/kmsg gives the log as numbered records, oldest first, the same lines as dmesg")
{
    auto s = run_session("cat /dev/kmsg; dmesg");
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    REQUIRE(s.result(1).ok);
    auto records = lines_of(s.result(0).output);
    auto log = lines_of(s.result(1).output);
    REQUIRE(records.size() >= 5);
    // dmesg ran after cat: it may hold more lines, never fewer.
    REQUIRE(log.size() >= records.size());
    CHECK(records[0].rfind("5,0,0,-;lkmemu kernel version", 0) == 0); // pr_notice: level 5
    for (size_t i = 0; i < records.size(); i++) {
        INFO(records[i]);
        const std::string& record = records[i];
        size_t level_end = record.find(',');
        size_t seq_end = record.find(',', level_end + 1);
        size_t text_start = record.find(";");
        REQUIRE(text_start != std::string::npos);
        CHECK(record.substr(level_end + 1, seq_end - level_end - 1) == std::to_string(i));
        // "[    0.004000] text" in dmesg; "...,4000,-;text" here.
        std::string text = record.substr(text_start + 1);
        CHECK(log[i].substr(log[i].find("] ") + 2) == text);
    }
    CHECK(contains(records.back(), "Run /init as init process"));
}

TEST_CASE("a failing insmod reports exactly the records its init_module call logged")
{
    auto s = run_session("insmod " + std::string(LKMEMU_MODULES_DIR) + "/initfail.ko; insmod " +
                         std::string(LKMEMU_MODULES_DIR) + "/initfail.ko");
    REQUIRE(s.results.size() == 2);
    for (const CommandResult& result : s.results) {
        CHECK_FALSE(result.ok);
        CHECK(result.status == -LKM_ENODEV);
        // The module's two lines, from this call only: not the boot log, not the first call's.
        CHECK(contains(result.error, "initfail: probing for a device that is not there\n"
                                     "initfail: no device found, failing init with -ENODEV"));
        CHECK_FALSE(contains(result.error, "Run /init"));
        size_t first = result.error.find("initfail: probing");
        CHECK(result.error.find("initfail: probing", first + 1) == std::string::npos);
    }
}
