// How a module file reaches the kernel: finit_module(2) on /dev/harness_data (the kernel reads the
// file itself, straight from the host file into its buffer), init_module(2) when asked, insmod -f
// (forced: taint F), and the sizes and kinds of file the host and the kernel refuse.
#include "module_support.h"

#include <lkmemu/module_abi.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

std::filesystem::path temp_path(const std::string& name)
{
    return std::filesystem::temp_directory_path() / ("lkmemu-module-file-" + std::to_string(::getpid()) + "-" + name);
}

// Module `name`.ko followed by zeros up to `size` bytes (sparse: no disk is used). Section offsets
// stay inside the file, so it is as valid a module as the original.
std::string padded_module(const std::string& name, uint64_t size, const std::string& out_name)
{
    auto path = temp_path(out_name + ".ko");
    std::filesystem::copy_file(module_path(name), path, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(path, size);
    return path.string();
}

std::string copy_with(const std::string& name, const std::string& from, const std::string& to, const std::string& out_name)
{
    REQUIRE(from.size() == to.size());
    std::string bytes = module_image(name); // unsigned: the patch would break the signature
    size_t at = bytes.find(from);
    REQUIRE(at != std::string::npos);
    bytes.replace(at, from.size(), to);
    auto path = temp_path(out_name + ".ko");
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path.string();
}

size_t count_of(const std::string& text, const std::string& what)
{
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        n++;
    return n;
}

std::string read_text(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("module file: insmod loads through finit_module, or init_module when asked, and memory returns")
{
    for (std::string cmdline : { "", "insmod_syscall=init_module" }) {
        INFO(cmdline);
        auto s = run_observed("insmod " + module_path("hello") + " who=file; cat /proc/modules; rmmod hello; insmod " +
                                  module_path("big") + "; rmmod big",
                              cmdline);
        REQUIRE(s.results.size() == 5);
        for (size_t i = 0; i < 5; i++)
            CHECK(s.result(i).ok);
        CHECK(contains(s.result(1).output, "hello 12288 0 - Live"));
        CHECK(contains(s.console(), "Hello, file!"));
        CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
    }

    // Which system call init made, from the syscall trace of init (ring 3).
    auto trace = temp_path("trace.txt");
    for (auto [cmdline, expected] : { std::pair { "", "syscall 313 finit_module(" },
                                      std::pair { "--append insmod_syscall=init_module", "syscall 175 init_module(" } }) {
        auto outcome = run_lkmemu("run " + std::string(cmdline) + " --trace " + trace.string() +
                                  " --trace-filter user -c 'insmod " + module_path("hello") + "'");
        CHECK(outcome.status == 0);
        std::string text = read_text(trace);
        CHECK(contains(text, expected));
        CHECK(count_of(text, "init_module(") == 1); // finit_module( contains it too: one call
    }
    std::filesystem::remove(trace);
}

TEST_CASE("module file: finit_module refuses a bad descriptor, unknown flags and a character device")
{
    struct Case {
        const char* test;
        int32_t status;
    };
    for (Case c : { Case { "finit_badfd", -LKM_EBADF }, Case { "finit_badflags", -LKM_EINVAL },
                    Case { "finit_chardev", -LKM_EINVAL } }) {
        INFO(c.test);
        auto s = run_observed("insmod " + module_path("hello") + "; cat /proc/modules", std::string("init_test=") + c.test);
        REQUIRE(s.results.size() == 2);
        CHECK(s.result(0).status == c.status);
        CHECK(s.result(1).output.empty());
        CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
    }
}

TEST_CASE("module file: insmod -f loads a module of another vermagic, forced: taint F, (F), said once")
{
    std::string path = copy_with("hello", "mcmodel=kernel mod_unload", "mcmodel=kernel mod_unlodd", "vermagic");
    auto s = run_observed("insmod " + path + "; insmod -f " + path + "; cat /proc/modules; rmmod hello; insmod --force " + path +
                          "; cat /proc/modules; rmmod hello; dmesg");
    REQUIRE(s.results.size() == 8);
    CHECK(s.result(0).status == -LKM_ENOEXEC); // without -f: refused, as before
    CHECK(s.result(1).ok);
    CHECK(contains(s.result(2).output, "hello 12288 0 - Live 0xffffffffa0000000 (FE)")); // E: unsigned copy
    CHECK(s.result(4).ok);
    CHECK(contains(s.result(5).output, "(FE)"));
    // Linux's try_to_force_load: the warning only while the kernel is not yet tainted F. With
    // modversions the first check forced is module_layout's CRC (-f ignores __versions too), so
    // that is the reason Linux names (docs/versions.md).
    CHECK(count_of(s.result(7).output, "hello: module_layout: kernel tainted.") == 1);
    CHECK(count_of(s.result(7).output, "kernel tainted.") == 1);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(1).meminfo);
    std::filesystem::remove(path);
}

TEST_CASE("module file: sizes up to the kernel's limit are delivered, above it the kernel says EFBIG")
{
    // One byte over: the kernel refuses it from the size alone, in its words, without reading it.
    std::string over = padded_module("hello", uint64_t(LKM_MAX_MODULE_IMAGE) + 1, "over");
    // Exactly at the limit: a valid module, read whole into the kernel.
    std::string at_limit = padded_module("hello", LKM_MAX_MODULE_IMAGE, "limit");
    auto s = run_observed("insmod " + over + "; insmod " + at_limit + " who=limit; cat /proc/modules; rmmod hello; cat /proc/modules");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).status == -LKM_EFBIG);
    CHECK(s.result(0).error == "insmod: ERROR: could not insert module " + over + ": File too large\n"
                               "insmod: kernel: module: file of 67108865 bytes is larger than the 67108864 bytes allowed");
    CHECK(s.result(1).ok);
    CHECK(contains(s.console(), "Hello, limit!"));
    CHECK(contains(s.result(2).output, "hello 12288 0 - Live"));
    CHECK(s.result(3).ok);
    CHECK(s.result(4).output.empty());
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);

    // init_module: the same limit, in init_module's words; a 5 MiB module (over init's old 4 MiB
    // request buffer) goes through init's memory.
    std::string five = padded_module("hello", 5ull << 20, "five");
    auto by_init = run_observed("insmod " + over + "; insmod " + five + "; rmmod hello", "insmod_syscall=init_module");
    REQUIRE(by_init.results.size() == 3);
    CHECK(by_init.result(0).status == -LKM_EFBIG);
    CHECK(contains(by_init.result(0).error, "module: image of 67108865 bytes is larger than the 67108864 bytes allowed"));
    CHECK(by_init.result(1).ok);
    CHECK(by_init.result(2).ok);
    for (const std::string& path : { over, at_limit, five })
        std::filesystem::remove(path);
}

TEST_CASE("module file: devices, FIFOs and unreadable files are refused on the host, in their own words")
{
    auto fifo = temp_path("fifo.ko");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0); // no writer: opening it must not block
    auto s = run_observed("insmod /dev/zero; insmod " + fifo.string() + "; insmod " + module_path("hello") + "; rmmod hello");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(0).error == "insmod: ERROR: could not load module /dev/zero: Invalid argument\n"
                               "insmod: lkmemu: not a regular file");
    CHECK(s.result(1).error == "insmod: ERROR: could not load module " + fifo.string() + ": Invalid argument\n"
                               "insmod: lkmemu: not a regular file");
    CHECK(s.result(2).ok); // the session goes on
    CHECK(s.result(3).ok);
    std::filesystem::remove(fifo);

    // Unreadable: as an unprivileged user (root reads any file), the real errno.
    auto locked = temp_path("locked.ko");
    std::filesystem::copy_file(module_path("hello"), locked, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(locked, std::filesystem::perms::none);
    std::string as_nobody = ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
    std::string command = as_nobody + LKMEMU_BINARY_PATH + " run -c 'insmod " + locked.string() + "' 2>&1 </dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe);
    std::string output;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        output.append(buffer, n);
    pclose(pipe);
    CHECK(contains(output, "insmod: ERROR: could not load module " + locked.string() + ": Permission denied"));
    std::filesystem::remove(locked);
}
