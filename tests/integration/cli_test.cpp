// What only the command line decides: exit statuses, messages for bad input, where --json goes,
// the interactive console. What a session does and sums up is tested in-process
// (session_test.cpp).
#include "session.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <elf.h>
#include <cstdio>
#include <fstream>

using namespace lkmemu::testing;

namespace {

std::string temp_file(const std::string& name, const std::string& content)
{
    std::string path = "/tmp/lkmemu-cli-test-" + std::to_string(getpid()) + "-" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("lkmemu run exits 0 after a clean session and writes a JSON summary")
{
    std::string json = "/tmp/lkmemu-cli-test-" + std::to_string(getpid()) + ".json";
    CliOutcome outcome = run_lkmemu("run -c dmesg --json " + json);
    INFO(outcome.output);
    CHECK(outcome.status == 0);
    // What dmesg printed went to standard output; the summary to the file.
    CHECK(contains(outcome.output, "Run /init as init process"));
    auto summary = nlohmann::json::parse(read_text(json), nullptr, false);
    REQUIRE_FALSE(summary.is_discarded());
    CHECK(summary["exit_status"] == 0);
    CHECK(summary["commands"][0]["command"] == "dmesg");
    std::remove(json.c_str());
}

TEST_CASE("with --json - the summary alone is standard output")
{
    CliOutcome outcome = run_lkmemu("run -c dmesg --json -", /*merge_stderr=*/false);
    CHECK(outcome.status == 0);
    // dmesg's own output went to standard error, so standard output parses as one JSON value.
    auto summary = nlohmann::json::parse(outcome.output, nullptr, false);
    REQUIRE_FALSE(summary.is_discarded());
    CHECK(summary["exit_status"] == 0);
    CHECK(contains(summary["commands"][0]["output"].get<std::string>(), "Run /init as init process"));
}

TEST_CASE("a failed command makes lkmemu run exit 1")
{
    CliOutcome outcome = run_lkmemu("run -c 'insmod /nonexistent/hello.ko'");
    CHECK(outcome.status == 1);
    CHECK(contains(outcome.output, "insmod: ERROR: could not load module /nonexistent/hello.ko: No such file or directory"));
}

TEST_CASE("bad kernel files exit 2 and say which file and why")
{
    SECTION("missing")
    {
        CliOutcome outcome = run_lkmemu("run --kernel /nonexistent/kernel.elf");
        CHECK(outcome.status == 2);
        CHECK(contains(outcome.output, "/nonexistent/kernel.elf"));
    }
    SECTION("not an ELF file")
    {
        std::string path = temp_file("text.elf", "this is not an ELF file\n");
        CliOutcome outcome = run_lkmemu("run --kernel " + path);
        CHECK(outcome.status == 2);
        CHECK(contains(outcome.output, path));
        std::remove(path.c_str());
    }
    SECTION("truncated")
    {
        // Cut inside the last loadable segment: what a partial copy of kernel.elf looks like.
        std::ifstream kernel(LKMEMU_KERNEL_PATH, std::ios::binary);
        std::string image((std::istreambuf_iterator<char>(kernel)), std::istreambuf_iterator<char>());
        Elf64_Ehdr header;
        std::memcpy(&header, image.data(), sizeof header);
        uint64_t cut = 0;
        for (unsigned i = 0; i < header.e_phnum; ++i) {
            Elf64_Phdr segment;
            std::memcpy(&segment, image.data() + header.e_phoff + i * sizeof segment, sizeof segment);
            if (segment.p_type == PT_LOAD && segment.p_filesz > 0)
                cut = std::max<uint64_t>(cut, segment.p_offset + segment.p_filesz / 2);
        }
        REQUIRE(cut > 0);
        std::string path = temp_file("truncated.elf", image.substr(0, cut));
        CliOutcome outcome = run_lkmemu("run --kernel " + path);
        CHECK(outcome.status == 2);
        CHECK(contains(outcome.output, path));
        std::remove(path.c_str());
    }
    SECTION("wrong machine")
    {
        std::ifstream kernel(LKMEMU_KERNEL_PATH, std::ios::binary);
        std::string image((std::istreambuf_iterator<char>(kernel)), std::istreambuf_iterator<char>());
        image[18] = 0x28; // e_machine = EM_ARM
        image[19] = 0;
        std::string path = temp_file("arm.elf", image);
        CliOutcome outcome = run_lkmemu("run --kernel " + path);
        CHECK(outcome.status == 2);
        CHECK(contains(outcome.output, path));
        std::remove(path.c_str());
    }
}

TEST_CASE("usage errors exit 2")
{
    CHECK(run_lkmemu("run --no-such-option").status == 2);
    CHECK(run_lkmemu("run -c dmesg --script /tmp/x").status == 2);
    CHECK(run_lkmemu("run --script /nonexistent/script.txt").status == 2);
}

TEST_CASE("a guest panic makes lkmemu run exit 3 with the last console lines and registers")
{
    CliOutcome outcome = run_lkmemu("run --append selftest=faults");
    INFO(outcome.output);
    CHECK(outcome.status == 3);
    CHECK(contains(outcome.output, "guest crashed (panic)"));
    CHECK(contains(outcome.output, "--- last console lines ---"));
    CHECK(contains(outcome.output, "RIP:"));
}

TEST_CASE("with no commands and a terminal on stdin, lkmemu run is an interactive console")
{
    // script(1) gives lkmemu a pseudo-terminal and types our lines into it; end of input powers off.
    std::string command = std::string("printf 'insmod ") + LKMEMU_MODULES_DIR
        + "/hello.ko who=tty\\nlsmod\\n' | script -qec '" + LKMEMU_BINARY_PATH + " run' /dev/null 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 4096> buffer;
    size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        output.append(buffer.data(), n);
    int status = pclose(pipe);
    INFO(output);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(contains(output, "lkmemu> "));
    CHECK(contains(output, "Hello, tty!"));
    CHECK(contains(output, "hello                  12288  0"));
    CHECK(contains(output, "reboot: Power down"));
}
