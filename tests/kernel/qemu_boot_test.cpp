// The real kernel.elf under QEMU (PVH boot): it must reach init, and init, finding no harness,
// powers the machine off; selftest=faults must fix up 1000 + 1000 faults and then oops on #GP.
// Skipped (exit code 77, see CMakeLists.txt) when qemu-system-x86_64 is not installed.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <sys/wait.h>

namespace {

struct QemuRun {
    std::string output;
    int exit_code = -1;
};

void skip_without_qemu()
{
    if (std::system("command -v qemu-system-x86_64 >/dev/null 2>&1") != 0) {
        std::cout << "SKIPPED: qemu-system-x86_64 is not installed" << std::endl;
        std::exit(77);
    }
}

QemuRun boot(const std::string& append, const std::string& initrd = "")
{
    std::string command = std::string("timeout 60 qemu-system-x86_64 -kernel ") + LKMEMU_KERNEL_PATH +
                          " -serial stdio -display none -no-reboot -m 128"
                          " -device isa-debug-exit,iobase=0xf4,iosize=0x04";
    if (!append.empty())
        command += " -append '" + append + "'";
    if (!initrd.empty())
        command += " -initrd '" + initrd + "'";
    command += " 2>&1";
    QemuRun run;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer;
    size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        run.output.append(buffer.data(), n);
    int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

} // namespace

TEST_CASE("boots under QEMU, runs init, and init powers off")
{
    skip_without_qemu();
    QemuRun run = boot("");
    INFO("QEMU printed:\n" << run.output);
    CHECK(has(run.output, "] Run /init as init process\n"));
    CHECK(has(run.output, "] Memory: 128M RAM\n"));
    CHECK(has(run.output, "] reboot: Power down\n"));
    CHECK_FALSE(has(run.output, "Kernel panic"));
    // isa-debug-exit: the guest wrote status 0, QEMU exits with (0 << 1) | 1.
    CHECK(run.exit_code == 1);
}

TEST_CASE("loglevel=8 also shows KERN_DEBUG lines on the console")
{
    skip_without_qemu();
    QemuRun run = boot("loglevel=8 quiet uid=1000 usbcore.autosuspend=1");
    INFO("QEMU printed:\n" << run.output);
    CHECK(has(run.output, "] Command line: loglevel=8 quiet uid=1000 usbcore.autosuspend=1\n"));
    // As Linux: unknown words go to init, module parameters (with a '.') do not.
    CHECK(has(run.output, "] Unknown kernel command line parameters \"quiet uid=1000\", will be passed to user space.\n"));
    CHECK(has(run.output, "] boot: entered through PVH\n"));
    CHECK(has(run.output, "] harness: none (ID register reads 0xffffffff)\n"));
    CHECK(has(run.output, "] Memory: 128M RAM\n"));
    CHECK(has(run.output, "] Run /init as init process\n"));
    CHECK(run.exit_code == 1); // init powered off before it would have dropped to uid 1000
}

TEST_CASE("selftest=faults: 1000 #PF and 1000 #GP fixed up, then an oops with vector 13")
{
    skip_without_qemu();
    QemuRun run = boot("selftest=faults");
    INFO("QEMU printed:\n" << run.output);
    CHECK(has(run.output, "] selftest: faults: 1000 page faults fixed up\n"));
    CHECK(has(run.output, "] selftest: faults: 1000 general protection faults fixed up\n"));
    CHECK(has(run.output, "] general protection fault: 0000 [#1]\n"));
    CHECK(has(run.output, "] trap: general protection fault (#GP), vector 13, error_code 0x0\n"));
    CHECK(has(run.output, "] RIP: 0008:selftest_unfixed_gp+0x"));
    CHECK(has(run.output, "] Call Trace:\n"));
    CHECK(has(run.output, "]  selftest_faults+0x"));
    CHECK(has(run.output, "]  start_kernel+0x"));
    CHECK(has(run.output, "] Kernel panic - not syncing: Fatal exception\n"));
    CHECK_FALSE(has(run.output, "Run /init as init process"));
    // Panic writes LKMEMU_EXIT_PANIC (0x7f): QEMU exits with (0x7f << 1) | 1.
    CHECK(run.exit_code == 255);
}

TEST_CASE("selftest=wx: the CPU refuses writes to text, rodata and the text alias, and NX data")
{
    skip_without_qemu();
    QemuRun run = boot("selftest=wx");
    INFO("QEMU printed:\n" << run.output);
    CHECK(has(run.output, "] selftest: W^X: write to kernel text refused (#PF)\n"));
    CHECK(has(run.output, "] selftest: W^X: write to kernel rodata refused (#PF)\n"));
    CHECK(has(run.output, "] selftest: W^X: write to the direct-map alias of kernel text refused (#PF)\n"));
    CHECK(has(run.output, "] selftest: W^X: call into kernel data refused (#PF, NX)\n"));
    // The self-test returns and the boot goes on as usual.
    CHECK(has(run.output, "] Run /init as init process\n"));
    CHECK(run.exit_code == 1);
}

TEST_CASE("PVH: QEMU's -initrd hands the kernel the initramfs as its first module")
{
    skip_without_qemu();
    QemuRun run = boot("", LKMEMU_INITRAMFS_PATH);
    INFO("QEMU printed:\n" << run.output);
    CHECK(has(run.output, "] Trying to unpack rootfs image as initramfs...\n"));
    CHECK(has(run.output, "] Freeing initrd memory: "));
    CHECK_FALSE(has(run.output, "Initramfs unpacking failed"));
    CHECK(has(run.output, "] Run /init as init process\n"));
    CHECK(run.exit_code == 1);
}
