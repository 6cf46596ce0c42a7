// /dev/kmsg: the kernel log as numbered records (Linux's format), and what init reads from it —
// the records a failing insmod produced, and only those, become the command's error text.
#include "session.h"

#include <lkmemu/errno.h>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

// Each record against the dmesg line at the same place: consecutive sequence numbers from
// first_seq, the same text.
void check_records_match_log(const std::vector<std::string>& records, const std::vector<std::string>& log,
                             uint64_t first_seq)
{
    // dmesg ran after cat: it may hold more lines at the end, never fewer.
    REQUIRE(log.size() >= records.size());
    for (size_t i = 0; i < records.size(); i++) {
        const std::string& record = records[i];
        size_t level_end = record.find(',');
        size_t seq_end = record.find(',', level_end + 1);
        size_t text_start = record.find(';');
        INFO(record);
        REQUIRE(text_start != std::string::npos);
        REQUIRE(record.substr(level_end + 1, seq_end - level_end - 1) == std::to_string(first_seq + i));
        // "[    0.004000] text" in dmesg; "...,4000,-;text" here.
        REQUIRE(log[i].substr(log[i].find("] ") + 2) == record.substr(text_start + 1));
    }
}

} // namespace

TEST_CASE("/dev/kmsg gives the log as numbered records, oldest first, the same lines as dmesg")
{
    auto s = run_session("cat /dev/kmsg; dmesg");
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    REQUIRE(s.result(1).ok);
    auto records = lines_of(s.result(0).output);
    REQUIRE(records.size() >= 5);
    CHECK(records[0].rfind("5,0,0,-;lkmemu kernel version", 0) == 0); // pr_notice: level 5
    check_records_match_log(records, lines_of(s.result(1).output), 0);
    CHECK(contains(records.back(), "Run /init as init process"));
}

TEST_CASE("once the log has wrapped, /dev/kmsg starts at the oldest record left, numbering on")
{
    // wx_text faults in its init: each insmod logs an oops of ~1.5 KiB, so 100 of them are more
    // than the 128 KiB ring holds.
    std::string commands;
    for (int i = 0; i < 100; i++)
        commands += "insmod " + std::string(LKMEMU_MODULES_DIR) + "/wx_text.ko; ";
    commands += "cat /dev/kmsg; dmesg";
    auto s = run_session(commands, "loglevel=1");
    REQUIRE(s.results.size() == 102);
    const CommandResult& cat = s.result(100);
    REQUIRE(cat.ok);
    auto records = lines_of(cat.output);
    REQUIRE_FALSE(records.empty());
    uint64_t const first_seq = std::stoull(records[0].substr(records[0].find(',') + 1));
    CHECK(first_seq > 0); // the boot's lines are gone
    CHECK_FALSE(contains(cat.output, "Run /init"));
    check_records_match_log(records, lines_of(s.result(101).output), first_seq);
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
        CHECK(contains(result.error, "insmod: kernel: initfail: probing for a device that is not there\n"
                                     "insmod: kernel: initfail: no device found, failing init with -ENODEV"));
        CHECK_FALSE(contains(result.error, "Run /init"));
        size_t first = result.error.find("initfail: probing");
        CHECK(result.error.find("initfail: probing", first + 1) == std::string::npos);
    }
}
