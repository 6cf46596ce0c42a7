// The kernel command line parser (guest-kernel/init/cmdline.cpp), compiled for the host. Each
// test case runs in its own process (catch_discover_tests), so the parser's state starts fresh.
#include "fake_kernel.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <kernel/init.h>

namespace {

std::vector<std::string> list(const char* const* strings)
{
    std::vector<std::string> out;
    for (; *strings; strings++)
        out.push_back(*strings);
    return out;
}

bool logged(const std::string& text)
{
    for (auto& line : fake_printk_log())
        if (line.find(text) != std::string::npos)
            return true;
    return false;
}

void parse(const char* line)
{
    parse_kernel_cmdline(line, CmdlinePass::Early);
    parse_kernel_cmdline(line, CmdlinePass::Full);
}

} // namespace

TEST_CASE("cmdline: the kernel's own parameters")
{
    parse("console=ttyS0,115200 loglevel=8 selftest=wx,faults");
    CHECK(kernel_cmdline.console_enabled);
    CHECK(kernel_cmdline.loglevel == 8);
    CHECK(kernel_cmdline.selftest_wx);
    CHECK(kernel_cmdline.selftest_faults);
    CHECK(list(kernel_cmdline.init_argv) == std::vector<std::string> { "/init" });
    CHECK(list(kernel_cmdline.init_envp) == std::vector<std::string> { "HOME=/", "TERM=linux" });
    CHECK_FALSE(logged("Unknown"));
}

TEST_CASE("cmdline: the early pass is silent and only sets up the console")
{
    parse_kernel_cmdline("console=none loglevel=x selftest=faults foo", CmdlinePass::Early);
    CHECK_FALSE(kernel_cmdline.console_enabled);
    CHECK(kernel_cmdline.loglevel == -1);
    CHECK_FALSE(kernel_cmdline.selftest_faults);
    CHECK(fake_printk_log().empty());
}

TEST_CASE("cmdline: bad values are reported, not guessed")
{
    parse("loglevel=9 loglevel=abc selftest=wx,nope console=hvc0");
    CHECK(kernel_cmdline.loglevel == -1);
    CHECK(kernel_cmdline.selftest_wx);
    CHECK(logged("loglevel: invalid value '9'"));
    CHECK(logged("loglevel: invalid value 'abc'"));
    CHECK(logged("selftest: unknown self-test 'nope'"));
    CHECK(logged("console: unknown console 'hvc0', keeping ttyS0"));
}

TEST_CASE("cmdline: unknown words go to init as Linux passes them")
{
    parse("  quiet  uid=1000 usbcore.autosuspend=1 a.b  x=y.z -- single --also b=c  ");
    CHECK(list(kernel_cmdline.init_argv) == std::vector<std::string> { "/init", "quiet", "single", "--also", "b=c" });
    CHECK(list(kernel_cmdline.init_envp) == std::vector<std::string> { "HOME=/", "TERM=linux", "uid=1000", "x=y.z" });
    CHECK(logged("Unknown kernel command line parameters \"quiet uid=1000 x=y.z\", will be passed to user space."));
}

TEST_CASE("cmdline: too many arguments for init are dropped with an error")
{
    std::string line;
    for (int i = 0; i < 40; i++)
        line += "arg" + std::to_string(i) + " ";
    parse(line.c_str());
    CHECK(list(kernel_cmdline.init_argv).size() == 1 + MAX_INIT_ARGS);
    CHECK(logged("Too many boot init arguments, dropping 'arg32'"));
}
