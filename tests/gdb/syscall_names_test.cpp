// The tracer's system call names come from the contract's table of Linux's numbers
// (abi/lkmemu/linux_syscalls.h); every call the kernel implements (abi/lkmemu/syscalls.h) has its
// name there.
#include "trace/syscall_names.h"
#include "trace/tracer.h"

#include <lkmemu/syscalls.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace lkmemu::trace;

namespace {

struct ListedSyscall {
    uint64_t number;
    std::string_view name;
};

const std::vector<ListedSyscall>& listed_syscalls()
{
    static const std::vector<ListedSyscall> list = {
#define SYSCALL_LISTED(nr, name, parameters) {nr, #name},
        LKM_SYSCALL_LIST(SYSCALL_LISTED)
#undef SYSCALL_LISTED
    };
    return list;
}

} // namespace

TEST_CASE("every system call the kernel implements is named in trace lines", "[trace][abi]")
{
    REQUIRE(listed_syscalls().size() >= 14);
    auto disassembler = Disassembler::open();
    REQUIRE_FALSE(disassembler.is_error());
    std::vector<std::string> lines;
    Tracer tracer(disassembler.release_value(), {}, [](uint64_t) { return std::optional<SymbolLocation> {}; },
                  [&lines](std::string_view line) { lines.emplace_back(line); });
    const uint64_t arguments[] = {0x1};
    for (const auto& call : listed_syscalls()) {
        INFO(call.name);
        CHECK(linux_syscall_name(call.number) == call.name);
        lines.clear();
        tracer.syscall(call.number, linux_syscall_name(call.number), arguments, 0x401000);
        tracer.syscall_return(call.number, linux_syscall_name(call.number), 0);
        REQUIRE(lines.size() == 2);
        std::string head = "--- syscall " + std::to_string(call.number) + " " + std::string(call.name);
        CHECK(lines[0] == head + "(0x1) at 0000000000401000");
        CHECK(lines[1] == head + " returned 0");
    }
    // The two the module subsystem adds, at Linux's x86-64 numbers.
    CHECK(linux_syscall_name(175) == "init_module");
    CHECK(linux_syscall_name(176) == "delete_module");
}

TEST_CASE("the names are Linux's x86-64 table's, implemented or not", "[trace][abi]")
{
    CHECK(linux_syscall_name(0) == "read");
    CHECK(linux_syscall_name(59) == "execve");
    CHECK(linux_syscall_name(63) == "uname");
    CHECK(linux_syscall_name(157) == "prctl");
    CHECK(linux_syscall_name(231) == "exit_group");
    CHECK(linux_syscall_name(262) == "newfstatat");
    CHECK(linux_syscall_name(334) == "rseq");
    CHECK(linux_syscall_name(424) == "pidfd_send_signal");
    CHECK(linux_syscall_name(435) == "clone3");
    CHECK(linux_syscall_name(450) == "set_mempolicy_home_node");
    // Numbers Linux never assigned on x86-64, the x32 range and beyond have no name.
    CHECK(linux_syscall_name(335).empty());
    CHECK(linux_syscall_name(423).empty());
    CHECK(linux_syscall_name(451).empty());
    CHECK(linux_syscall_name(512).empty());
    CHECK(linux_syscall_name(~0ull).empty());
    size_t named = 0;
    for (uint64_t number = 0; number < 1024; number++) {
        if (!linux_syscall_name(number).empty())
            named++;
    }
    CHECK(named == 335 + 27); // 0..334 and 424..450
}
