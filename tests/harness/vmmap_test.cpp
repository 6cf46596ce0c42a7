// vmmap's naming of mapped ranges, and the observer contract it reads through: what the kernel
// publishes (abi/lkmemu/observer.h) is read only after lkm_observer_abi says the layout is the
// host's.
#include <catch2/catch.hpp>

#include <harness/command_runner.h>
#include <harness/kernel_symbols.h>
#include <harness/observer.h>
#include <harness/vmmap.h>
#include <machine/machine.h>

#include <fmt/format.h>

#include <cstring>

using namespace lkmemu;

namespace {

// kernel.elf, loaded and mapped by the boot page tables but not yet run: its .rodata (where
// lkm_observer_abi lives) reads through the observer's view, and a debugger's write patches it.
std::unique_ptr<Machine> loaded_kernel()
{
    auto machine = Machine::create(MachineConfig { LKMEMU_KERNEL_PATH, "", 32 });
    if (machine.is_error())
        FAIL(machine.error().message);
    return machine.release_value();
}

void patch_abi(Machine& machine, const KernelSymbols& symbols, const lkm_observer_abi& abi)
{
    auto const address = symbols.address_of("lkm_observer_abi");
    REQUIRE(address);
    REQUIRE_FALSE(machine.write_virtual(*address, { reinterpret_cast<const uint8_t*>(&abi), sizeof abi }).is_error());
}

std::string layout(uint32_t version, uint32_t meminfo, uint32_t module, uint32_t section)
{
    return fmt::format("version {} (meminfo {}, module {}, section {} bytes)", version, meminfo, module, section);
}

constexpr lkm_observer_abi host_abi { LKM_OBSERVER_VERSION, sizeof(lkm_meminfo), sizeof(lkm_observed_module),
                                      sizeof(lkm_observed_section) };

} // namespace

TEST_CASE("vmmap cuts mapped ranges at section boundaries and names each piece")
{
    std::vector<MappedRange> ranges = {
        {0x400000, 0x402000, false, true, true, 0x5000000},
        {0xffff888000000000, 0xffff888008000000, true, false, false, 0},
        {0xffffffff80000000, 0xffffffff80003000, false, true, false, 0x200000},
        {0xffffffff80003000, 0xffffffff80004000, false, false, false, 0x203000},
        {0xffffffff80004000, 0xffffffff80007000, true, false, false, 0x204000},
    };
    std::vector<NamedRegion> regions = {
        {0xffffffff80000000, 0xffffffff80002f10, "kernel .text"},
        {0xffffffff80003000, 0xffffffff80003800, "kernel .rodata"},
        {0xffffffff80004000, 0xffffffff80004100, "kernel .data"},
        {0xffffffff80005000, 0xffffffff80006800, "kernel .bss"},
    };
    auto lines = describe_address_space(ranges, regions);
    CHECK(format_vmmap(lines) ==
          "0000000000400000-0000000000402000 r-x user\n"
          "ffff888000000000-ffff888008000000 rw- direct map\n"
          "ffffffff80000000-ffffffff80003000 r-x kernel .text\n"
          "ffffffff80003000-ffffffff80004000 r-- kernel .rodata\n"
          "ffffffff80004000-ffffffff80005000 rw- kernel .data\n"
          "ffffffff80005000-ffffffff80007000 rw- kernel .bss\n");
}

TEST_CASE("observers read the kernel's memory only after its lkm_observer_abi matches the host's")
{
    auto machine = loaded_kernel();
    KernelSymbols const symbols = KernelSymbols::read(LKMEMU_KERNEL_PATH);
    std::string const host = layout(LKM_OBSERVER_VERSION, sizeof(lkm_meminfo), sizeof(lkm_observed_module),
                                    sizeof(lkm_observed_section));

    SECTION("the kernel publishes the host's layout: meminfo and the module list read")
    {
        CHECK_FALSE(read_meminfo(*machine, symbols).is_error());
        auto modules = read_modules(*machine, symbols);
        REQUIRE_FALSE(modules.is_error());
        CHECK(modules.value().empty()); // nothing loaded before the kernel runs
    }
    SECTION("another version is refused, naming both")
    {
        lkm_observer_abi newer = host_abi;
        newer.version = LKM_OBSERVER_VERSION + 1;
        patch_abi(*machine, symbols, newer);
        std::string const expected = "kernel observer ABI mismatch: this host reads " + host + ", the kernel publishes " +
                                     layout(newer.version, newer.meminfo_size, newer.module_size, newer.section_size);
        auto meminfo = read_meminfo(*machine, symbols);
        REQUIRE(meminfo.is_error());
        CHECK(meminfo.error().message == expected);
        auto modules = read_modules(*machine, symbols);
        REQUIRE(modules.is_error());
        CHECK(modules.error().message == expected);
    }
    SECTION("another struct size is refused, naming both")
    {
        lkm_observer_abi wider = host_abi;
        wider.module_size += 8;
        patch_abi(*machine, symbols, wider);
        auto modules = read_modules(*machine, symbols);
        REQUIRE(modules.is_error());
        CHECK(modules.error().message == "kernel observer ABI mismatch: this host reads " + host + ", the kernel publishes " +
                                             layout(wider.version, wider.meminfo_size, wider.module_size, wider.section_size));
    }
    SECTION("a kernel that does not publish it")
    {
        KernelSymbols const none = KernelSymbols::read("/nonexistent/kernel.elf");
        auto meminfo = read_meminfo(*machine, none);
        REQUIRE(meminfo.is_error());
        CHECK(meminfo.error().message == "kernel does not publish lkm_observer_abi");
        auto attached = KernelObserver::attach(*machine, none);
        REQUIRE(attached.is_error());
        CHECK(attached.error().message == "kernel does not publish lkm_observer_abi");
    }
}

TEST_CASE("vmmap and meminfo say so when the kernel's observer layout is not the host's")
{
    auto machine = loaded_kernel();
    KernelSymbols const symbols = KernelSymbols::read(LKMEMU_KERNEL_PATH);
    lkm_observer_abi older = host_abi;
    older.version = 0;
    patch_abi(*machine, symbols, older);

    std::vector<Command> commands;
    CommandParseError error;
    REQUIRE(parse_commands("vmmap; meminfo; lsmod", commands, error));
    CommandRunner runner(std::move(commands));
    runner.set_kernel_path(LKMEMU_KERNEL_PATH);
    machine->set_harness_host(&runner);
    auto const stop = machine->run();
    CHECK(stop.reason == StopReason::PowerOff);
    auto const results = runner.results();
    REQUIRE(results.size() == 3);
    std::string const reason = "kernel observer ABI mismatch: this host reads " +
                               layout(LKM_OBSERVER_VERSION, sizeof(lkm_meminfo), sizeof(lkm_observed_module),
                                      sizeof(lkm_observed_section)) +
                               ", the kernel publishes " +
                               layout(0, older.meminfo_size, older.module_size, older.section_size);
    CHECK_FALSE(results[0].ok);
    CHECK(results[0].error == "vmmap: " + reason);
    CHECK_FALSE(results[1].ok);
    CHECK(results[1].error == "meminfo: " + reason);
    CHECK(results[2].ok); // the guest's own commands do not depend on the observer contract
}

TEST_CASE("a module's regions are named after the module, and section_name gives the section back")
{
    ObservedModule module;
    module.name = "hello";
    module.sections = { { 0xffffffffa0000000, 0xffffffffa0000100, "hello .text" },
                        { 0xffffffffa0001000, 0xffffffffa0001010, "hello .data..ro_after_init" } };
    CHECK(module.section_name(module.sections[0]) == ".text");
    CHECK(module.section_name(module.sections[1]) == ".data..ro_after_init");
}
