// The initramfs (docs/userland.md): `--initrd FILE` through the boot protocol, the kernel's
// unpacking into its root file system, the default image the build makes, and hostile archives.
#include "initramfs_support.h"

#include <lkmemu/boot.h>
#include <lkmemu/module_abi.h>
#include <machine/machine.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const std::string release = LKM_UTS_RELEASE;

Session boot_with(const std::string& initrd, const std::string& commands)
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.initrd = initrd;
    options.commands = commands;
    return run_session(std::move(options));
}

// One member of a newc archive, as the kernel's reader takes it.
std::string newc_member(const std::string& name, unsigned mode, const std::string& data)
{
    char header[111];
    std::snprintf(header, sizeof header, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", 1u, mode, 0u, 0u,
                  1u, 0u, data.size(), 0u, 0u, 0u, 0u, name.size() + 1, 0u);
    std::string out = std::string(header, 110) + name + '\0';
    out.resize((out.size() + 3) & ~size_t(3), '\0');
    out += data;
    out.resize((out.size() + 3) & ~size_t(3), '\0');
    return out;
}

std::string write_temp(const std::string& name, const std::string& bytes)
{
    std::string path = (std::filesystem::temp_directory_path() / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}


std::string freed_line(uint64_t bytes) { return "Freeing initrd memory: " + std::to_string((bytes + 4095) / 4096 * 4) + "K"; }

} // namespace

TEST_CASE("the default initramfs is unpacked at boot and its memory freed")
{
    REQUIRE(std::filesystem::is_regular_file(default_image));
    auto s = boot_with(default_image, "lsmod");
    REQUIRE(s.results.size() == 1);
    CHECK(s.result(0).ok);
    CHECK(contains(s.console(), "Trying to unpack rootfs image as initramfs...\n"));
    CHECK(contains(s.console(), freed_line(std::filesystem::file_size(default_image)) + "\n"));
    CHECK(!contains(s.console(), "Initramfs unpacking failed"));
}

TEST_CASE("the default initramfs holds depmod's index of the sample modules")
{
    std::string const dep_path = "lib/modules/" + release + "/modules.dep";
    std::string const expected = member_of(read_bytes(default_image), dep_path);
    CHECK(contains(expected, "consumer.ko: provider.ko\n")); // depmod read consumer's depends=
    auto s = boot_with(default_image, "cat /" + dep_path);
    REQUIRE(s.results.size() == 1);
    REQUIRE(s.result(0).ok);
    CHECK(s.result(0).output == expected);
}

TEST_CASE("a hostile initrd is refused by name, the boot goes on and modules still load")
{
    std::string const archive = newc_member("etc", 0040755, "") + newc_member("etc/../../escape", 0100644, "x") +
                                newc_member("TRAILER!!!", 0, "");
    std::string const path = write_temp("lkmemu-hostile-initrd.cpio", archive);
    auto s = boot_with(path, "insmod " + module_path("hello") + "; lsmod");
    REQUIRE(s.results.size() == 2);
    CHECK(contains(s.console(), "Trying to unpack rootfs image as initramfs...\n"));
    CHECK(contains(s.console(), "Initramfs unpacking failed: entry 1 (etc/../../escape): name has a `..' component\n"));
    CHECK(contains(s.console(), freed_line(archive.size()) + "\n"));
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    CHECK(contains(s.result(1).output, "hello "));

    std::string const gzip = write_temp("lkmemu-gzip-initrd.cpio.gz", std::string("\x1f\x8b\x08\x00", 4) + std::string(60, 'z'));
    auto g = boot_with(gzip, "lsmod");
    CHECK(contains(g.console(), "Initramfs unpacking failed: gzip compressed (this kernel has no decompressor)\n"));
    CHECK(g.result(0).ok);
}

TEST_CASE("initrd: --initrd of a missing file is a command-line error naming it")
{
    auto outcome = run_lkmemu("run --initrd /nonexistent/initrd.cpio -c lsmod");
    CHECK(outcome.status == 2);
    CHECK(contains(outcome.output, "lkmemu: cannot read initrd /nonexistent/initrd.cpio: No such file or directory"));

    std::string const huge = (std::filesystem::temp_directory_path() / "lkmemu-huge-initrd").string();
    std::filesystem::resize_file(write_temp("lkmemu-huge-initrd", ""), 30ull << 20);
    auto too_large = run_lkmemu("run --memory 32 --initrd " + huge + " -c lsmod");
    CHECK(too_large.status == 2);
    CHECK(contains(too_large.output, "lkmemu: initrd " + huge + " is too large:"));
    std::filesystem::remove(huge);
}

TEST_CASE("lkmemu run boots the build's initramfs unless --initrd none, the JSON records it")
{
    std::string const json = (std::filesystem::temp_directory_path() / "lkmemu-initrd-summary.json").string();
    auto with = run_lkmemu("run -c lsmod --json " + json);
    REQUIRE(with.status == 0);
    CHECK(contains(with.output, "")); // commands print their output; the console is in the JSON
    auto summary = nlohmann::json::parse(read_bytes(json));
    CHECK(summary["initrd"]["path"] == std::filesystem::canonical(default_image).string());
    CHECK(summary["initrd"]["size"] == std::filesystem::file_size(default_image));
    CHECK(contains(summary["console"].get<std::string>(), "Trying to unpack rootfs image as initramfs..."));

    auto without = run_lkmemu("run --initrd none -c lsmod --json " + json);
    REQUIRE(without.status == 0);
    summary = nlohmann::json::parse(read_bytes(json));
    CHECK(summary["initrd"].is_null());
    CHECK(!contains(summary["console"].get<std::string>(), "initramfs"));
    std::filesystem::remove(json);
}

TEST_CASE("a snapshot booted with one initrd does not resume with another")
{
    std::string const snapshot = (std::filesystem::temp_directory_path() / "lkmemu-initrd.snapshot").string();
    session::SessionOptions save;
    save.kernel_path = LKMEMU_KERNEL_PATH;
    save.initrd = default_image;
    save.commands = "lsmod";
    save.save_snapshot = snapshot;
    run_session(std::move(save));
    REQUIRE(std::filesystem::is_regular_file(snapshot));

    MachineConfig config { .kernel_path = LKMEMU_KERNEL_PATH };
    config.initrd_path = write_temp("lkmemu-other-initrd.cpio", newc_member("TRAILER!!!", 0, ""));
    auto other = Machine::resume(config, snapshot);
    REQUIRE(other.is_error());
    CHECK(contains(other.error().message, "was booted with another initrd"));
    config.initrd_path = default_image;
    CHECK(!Machine::resume(config, snapshot).is_error());
    config.initrd_path.clear(); // no --initrd: the snapshot's own
    CHECK(!Machine::resume(config, snapshot).is_error());
    std::filesystem::remove(snapshot);
}

TEST_CASE("the boot info says where the initrd is, the memory map keeps its pages apart")
{
    std::string const bytes = newc_member("etc", 0040755, "") + newc_member("TRAILER!!!", 0, "");
    MachineConfig config { .kernel_path = LKMEMU_KERNEL_PATH };
    config.initrd_path = write_temp("lkmemu-boot-info-initrd.cpio", bytes);
    auto created = Machine::create(config);
    REQUIRE(!created.is_error());
    auto machine = created.release_value();

    lkmemu_boot_info info;
    REQUIRE(!machine->read_physical(LKMEMU_BOOT_INFO_PADDR, { reinterpret_cast<uint8_t*>(&info), sizeof info }).is_error());
    CHECK(info.version == 2);
    CHECK(info.initrd_size == bytes.size());
    CHECK(info.initrd_paddr == ((info.kernel_paddr_end + 4095) & ~4095ull)); // page-aligned above the kernel
    std::string placed(bytes.size(), '\0');
    REQUIRE(!machine->read_physical(info.initrd_paddr, { reinterpret_cast<uint8_t*>(placed.data()), placed.size() }).is_error());
    CHECK(placed == bytes);

    std::vector<lkmemu_memory_region> regions(info.memory_region_count);
    REQUIRE(!machine->read_physical(info.memory_regions_paddr,
                                    { reinterpret_cast<uint8_t*>(regions.data()), regions.size() * sizeof regions[0] })
                 .is_error());
    REQUIRE(regions.size() >= 2);
    auto const& initrd = regions[regions.size() - 2];
    CHECK(initrd.type == LKMEMU_MEMORY_INITRD);
    CHECK(initrd.base == info.initrd_paddr);
    CHECK(initrd.length == 4096);
    CHECK(regions.back().type == LKMEMU_MEMORY_USABLE);
    CHECK(regions.back().base == info.initrd_paddr + 4096);
}
