// The harness end to end: each command keeps what it was asked (rmmod's module, wherever its
// options are), /dev/harness belongs to init alone, and a request is as large as the module it
// carries, not as init's old 4 MiB buffer.
#include "module_support.h"

#include <lkmemu/harness.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

// A directory of its own for the files one test makes, removed with it.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& tag)
        : m_path(std::filesystem::temp_directory_path() / ("lkmemu-harness-" + tag + "-" + std::to_string(::getpid())))
    {
        std::filesystem::create_directories(m_path);
    }
    ~ScratchDir() { std::filesystem::remove_all(m_path); }
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

} // namespace

TEST_CASE("harness: rmmod hello -f names hello, loaded or not")
{
    auto s = run_observed("rmmod hello -f; insmod " + module_path("hello") + "; rmmod hello -f; lsmod; rmmod hello -w -f");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).status == -LKM_ENOENT);
    // -f skips kmod's "not currently loaded" check: delete_module's ENOENT in libkmod's and rmmod's words.
    std::string const not_loaded = "rmmod: ERROR: could not remove 'hello': No such file or directory\n"
                                   "rmmod: ERROR: could not remove module hello: No such file or directory";
    CHECK(s.result(0).error == not_loaded);
    CHECK(s.result(1).ok);
    CHECK(s.result(2).ok);
    CHECK(s.before(3).modules.empty());
    CHECK(s.result(3).output == "Module                  Size  Used by\n");
    CHECK(s.result(4).error == not_loaded);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("harness: /dev/harness is init's: cat is refused with EBUSY and the session goes on")
{
    auto s = run_observed("cat /dev/harness; lsmod; insmod " + module_path("hello") +
                          "; cat /dev/harness; lsmod; rmmod hello; cat /dev/harness; dmesg");
    REQUIRE(s.results.size() == 8);
    for (size_t i : { 0, 3, 6 }) {
        INFO(i);
        CHECK(s.result(i).status == -LKM_EBUSY);
        CHECK(s.result(i).error == "cat: can't open '/dev/harness': Device or resource busy");
    }
    CHECK(s.result(1).ok);
    CHECK(s.result(1).output == "Module                  Size  Used by\n");
    CHECK(s.result(2).ok);
    CHECK(s.result(4).output == "Module                  Size  Used by\nhello                  12288  0\n");
    CHECK(s.result(5).ok);
    CHECK(contains(s.result(7).output, "Goodbye, world!"));
    CHECK(s.stop.reason == StopReason::PowerOff);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("harness: a module image past 4 MiB is one request, loads and unloads")
{
    // hello with 6 MiB of non-loaded data, as a module with debug information has.
    ScratchDir dir("large");
    std::string const padding = dir.file("padding.bin");
    {
        std::ofstream out(padding, std::ios::binary);
        for (uint32_t i = 0; i < (6u << 20) / 4; i++)
            out.write(reinterpret_cast<const char*>(&i), 4);
    }
    std::string const large = dir.file("hello.ko");
    std::string const objcopy = std::string(LKMEMU_LLVM_OBJCOPY) + " --add-section .debug_lkmemu_padding=" + padding + " " +
        module_path("hello") + " " + large;
    REQUIRE(std::system(objcopy.c_str()) == 0);
    REQUIRE(std::filesystem::file_size(large) > (6u << 20));

    auto s = run_observed("insmod " + large + " who=large; lsmod; rmmod hello; lsmod; dmesg");
    REQUIRE(s.results.size() == 5);
    INFO(s.result(0).error);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).output == "Module                  Size  Used by\nhello                  12288  0\n");
    CHECK(s.result(2).ok);
    CHECK(s.result(3).output == "Module                  Size  Used by\n");
    CHECK(contains(s.result(4).output, "Hello, large!"));
    // The image went from the host file into the kernel (finit_module): none of it through
    // init's memory, whose demand-zero buffer gained no page for it.
    CHECK(s.before(1).meminfo.user_pages - s.before(0).meminfo.user_pages < (1u << 20) / 4096);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("harness: a module file larger than the kernel takes is refused by the kernel, unread, and the session goes on")
{
    ScratchDir dir("huge");
    std::string const huge = dir.file("huge.ko");
    std::ofstream(huge, std::ios::binary).put('x');
    std::filesystem::resize_file(huge, LKMEMU_HARNESS_MAX_MESSAGE); // sparse: nothing on disk

    auto s = run_observed("insmod " + huge + "; insmod " + module_path("hello") + "; lsmod");
    REQUIRE(s.results.size() == 3);
    CHECK_FALSE(s.result(0).ok);
    CHECK(s.result(0).status == -LKM_EFBIG); // from the file's size: nothing of it was read
    CHECK(contains(s.result(0).error, "insmod: ERROR: could not insert module " + huge + ": File too large"));
    CHECK(s.result(1).ok);
    CHECK(s.result(2).output == "Module                  Size  Used by\nhello                  12288  0\n");
}
