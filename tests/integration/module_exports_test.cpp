// The kernel exports exactly what the SDK promises (guest-modules/sdk/kernel-exports.txt): the
// __ksymtab / __ksymtab_gpl tables in kernel.elf, read as load_module reads them.
#include "module_support.h"

#include <filesystem>
#include <map>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

struct Section {
    std::string name;
    uint64_t addr, offset, size;
};

// name -> GPL-only, from the kernel's export tables.
std::map<std::string, bool> kernel_exports()
{
    std::ifstream in(LKMEMU_KERNEL_PATH, std::ios::binary);
    std::vector<uint8_t> elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto read = [&](uint64_t offset, auto& out) {
        REQUIRE(offset + sizeof(out) <= elf.size());
        std::memcpy(&out, elf.data() + offset, sizeof(out));
    };
    uint64_t shoff;
    uint16_t shentsize, shnum, shstrndx;
    read(0x28, shoff);
    read(0x3a, shentsize);
    read(0x3c, shnum);
    read(0x3e, shstrndx);
    uint64_t shstr_offset;
    read(shoff + uint64_t(shstrndx) * shentsize + 0x18, shstr_offset);
    std::vector<Section> sections;
    for (uint16_t i = 0; i < shnum; i++) {
        uint64_t sh = shoff + uint64_t(i) * shentsize;
        uint32_t name;
        Section s;
        read(sh, name);
        read(sh + 0x10, s.addr);
        read(sh + 0x18, s.offset);
        read(sh + 0x20, s.size);
        s.name = reinterpret_cast<const char*>(elf.data() + shstr_offset + name);
        sections.push_back(s);
    }
    auto string_at = [&](uint64_t va) -> std::string {
        for (const Section& s : sections) {
            if (s.addr && va >= s.addr && va < s.addr + s.size)
                return reinterpret_cast<const char*>(elf.data() + s.offset + (va - s.addr));
        }
        return "";
    };
    // The tables are inside .rodata, between the linker-script symbols.
    std::map<std::string, bool> exports;
    for (bool gpl : { false, true }) {
        uint64_t start = kernel_symbol(gpl ? "__start___ksymtab_gpl" : "__start___ksymtab");
        uint64_t stop = kernel_symbol(gpl ? "__stop___ksymtab_gpl" : "__stop___ksymtab");
        REQUIRE(start);
        for (uint64_t va = start; va < stop; va += sizeof(lkm_kernel_symbol)) {
            const Section* home = nullptr;
            for (const Section& s : sections)
                if (s.addr && va >= s.addr && va + sizeof(lkm_kernel_symbol) <= s.addr + s.size)
                    home = &s;
            REQUIRE(home);
            lkm_kernel_symbol sym;
            read(home->offset + (va - home->addr), sym);
            std::string name = string_at(sym.name);
            CHECK(sym.value == kernel_symbol(name)); // the exported address is the C symbol
            exports[name] = gpl;
        }
    }
    return exports;
}

std::map<std::string, bool> sdk_exports()
{
    std::ifstream in(std::filesystem::path(LKMEMU_SOURCE_DIR) / "guest-modules/sdk/kernel-exports.txt");
    REQUIRE(in);
    std::map<std::string, bool> exports;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string name, licence;
        if (!(words >> name) || name[0] == '#')
            continue;
        words >> licence;
        exports[name] = licence == "GPL";
    }
    return exports;
}

} // namespace

TEST_CASE("module: the kernel's export table is exactly the SDK's kernel-exports.txt")
{
    std::map<std::string, bool> kernel = kernel_exports();
    std::map<std::string, bool> sdk = sdk_exports();
    CHECK(sdk.size() >= 20);
    CHECK(kernel == sdk);
}
