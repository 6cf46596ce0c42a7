// The same kernel.elf boots under QEMU (PVH) and must print the same transcript up to and
// including "Run /init as init process": the kernel may not lean on anything our emulator does
// that hardware would not.
#include "session.h"

#include <array>
#include <cstdio>
#include <sys/wait.h>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

constexpr const char* kInitLine = "Run /init as init process";

struct Captured {
    std::string output;
    int exit_code = -1;
};

Captured run_captured(const std::string& command)
{
    Captured captured;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer;
    size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        captured.output.append(buffer.data(), n);
    int status = pclose(pipe);
    captured.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return captured;
}

// From the line holding `first` up to and including the line holding kInitLine; "" if absent.
std::string transcript(const std::string& text, const std::string& first)
{
    size_t begin = text.find(first);
    size_t init = text.find(kInitLine);
    if (begin == std::string::npos || init == std::string::npos || init < begin)
        return {};
    size_t end = text.find('\n', init);
    std::string cut = text.substr(begin, end == std::string::npos ? std::string::npos : end + 1 - begin);
    std::string out;
    for (char c : cut)
        if (c != '\r')
            out += c;
    return out;
}

} // namespace

TEST_CASE("kernel.elf prints the same transcript under QEMU as under lkmemu")
{
    // scripts/deps.sh installs QEMU; without it this comparison cannot be made, which is a failure.
    REQUIRE(system("command -v qemu-system-x86_64 >/dev/null 2>&1") == 0);

    Session ours = run_session("");
    REQUIRE(ours.stop.reason == StopReason::PowerOff);
    std::string console = mask_timestamps(ours.console());
    std::string first_line = console.substr(0, console.find('\n'));
    REQUIRE_FALSE(first_line.empty());

    Captured qemu = run_captured(std::string("timeout 120 qemu-system-x86_64 -kernel ") + LKMEMU_KERNEL_PATH
        + " -m 128 -display none -no-reboot -serial stdio"
          " -device isa-debug-exit,iobase=0xf4,iosize=0x04 2>&1");
    INFO("QEMU printed:\n" << qemu.output);
    // isa-debug-exit: status 0 written by the guest exits QEMU with (0 << 1) | 1.
    CHECK(qemu.exit_code == 1);

    std::string ours_cut = transcript(console, first_line);
    std::string qemu_cut = transcript(mask_timestamps(qemu.output), first_line);
    REQUIRE_FALSE(ours_cut.empty());
    REQUIRE_FALSE(qemu_cut.empty());
    CHECK(qemu_cut == ours_cut);
}
