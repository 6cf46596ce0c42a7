// Differential test against a real linker: ld.lld links the same object with every loaded section
// at the address the loader chose (a linker script) and every import at the resolver's address
// (--defsym); the bytes of each section must then be identical to the loader's.
#include "support.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace lkm;
using namespace lkm::test;
using namespace lkm::elf;

namespace {

std::string hex(uint64_t v)
{
    char buffer[24];
    snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(v));
    return buffer;
}

// Section name -> bytes, from an executable ld.lld wrote (trusted input).
std::map<std::string, std::pair<uint64_t, std::vector<uint8_t>>> read_sections(const std::string& path)
{
    std::vector<uint8_t> file = read_file(path);
    REQUIRE(file.size() >= sizeof(Elf64_Ehdr));
    Elf64_Ehdr eh;
    std::memcpy(&eh, file.data(), sizeof eh);
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    std::memcpy(sh.data(), file.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
    const char* names = reinterpret_cast<const char*>(file.data() + sh[eh.e_shstrndx].sh_offset);
    std::map<std::string, std::pair<uint64_t, std::vector<uint8_t>>> out;
    for (const auto& s : sh) {
        if (!(s.sh_flags & SHF_ALLOC))
            continue;
        std::vector<uint8_t> bytes(s.sh_size, 0);
        if (s.sh_type != SHT_NOBITS)
            bytes.assign(file.begin() + s.sh_offset, file.begin() + s.sh_offset + s.sh_size);
        out[names + s.sh_name] = { s.sh_addr, bytes };
    }
    return out;
}

void compare_with_lld(const std::string& path, TableResolver resolver)
{
    std::string object = std::filesystem::path(path).filename().string();
    INFO(path);
    auto linked = link(Image(read_file(path)), resolver);
    REQUIRE(linked->error_text() == "");
    const load_info& info = *linked->info;

    std::filesystem::path dir = std::filesystem::path(LKMEMU_TEST_SCRATCH_DIR) / "lld";
    std::filesystem::create_directories(dir);
    std::string script_path = (dir / (object + ".ld")).string();
    std::string output_path = (dir / (object + ".elf")).string();
    std::string log_path = (dir / (object + ".log")).string();

    std::ostringstream script;
    script << "SECTIONS {\n";
    // In address order: lld assigns file offsets in script order and needs them to grow.
    std::map<uint64_t, std::string> by_address;
    std::set<std::string> names;
    for (unsigned i = 1; i < info.shnum; ++i) {
        if (info.placement[i].region == Region::none || info.sechdrs[i].sh_size == 0)
            continue;
        std::string name = info.section_name(i);
        REQUIRE(names.insert(name).second); // one input section per output section
        by_address[info.section_address(i)] = name;
    }
    for (const auto& [address, name] : by_address)
        script << "  " << name << " " << hex(address) << " : { *(" << name << ") }\n";
    script << "  /DISCARD/ : { *(.modinfo) }\n}\n";
    std::ofstream(script_path) << script.str();

    // -O0: lld would otherwise merge and reorder SHF_MERGE strings (.rodata.str1.1), which the
    // loader, like Linux's, copies as they are.
    std::string command = std::string(LKMEMU_LD_LLD) + " -O0 -static -e 0 -o " + output_path + " -T " + script_path + " "
        + path;
    for (const auto& [name, symbol] : resolver.table)
        command += " --defsym=" + name + "=" + hex(symbol.value);
    command += " > " + log_path + " 2>&1";
    INFO(command);
    int status = std::system(command.c_str());
    INFO("ld.lld output: " << std::string(std::istreambuf_iterator<char>(*std::make_unique<std::ifstream>(log_path)), {}));
    REQUIRE(status == 0);

    auto lld_sections = read_sections(output_path);
    size_t compared = 0;
    for (unsigned i = 1; i < info.shnum; ++i) {
        if (info.placement[i].region == Region::none)
            continue;
        std::string name = info.section_name(i);
        INFO("section " << name);
        auto it = lld_sections.find(name);
        if (info.sechdrs[i].sh_size == 0)
            continue; // lld drops empty output sections
        REQUIRE(it != lld_sections.end());
        CHECK(it->second.first == info.section_address(i));
        const uint8_t* ours = info.section_memory(i);
        std::vector<uint8_t> loader_bytes(ours, ours + info.sechdrs[i].sh_size);
        CHECK(loader_bytes == it->second.second);
        ++compared;
    }
    CHECK(compared >= 3); // .text, .data, this_module at least
}

} // namespace

TEST_CASE("loader output is byte-identical to ld.lld's at the same addresses", "[lld]")
{
    for (const auto& producer : producers())
        for (const char* name : { "hello", "relocs", "ctors" }) {
            compare_with_lld(object_path(std::string(name) + "." + producer + ".o"), kernel_symbols());
            if (std::string(name) == "hello")
                compare_with_lld(object_path("hello." + producer + ".ko"), kernel_symbols());
        }
}

TEST_CASE("the SDK's modules too", "[lld][sdk]")
{
    std::string dir = LKMEMU_SDK_MODULES_DIR;
    REQUIRE(std::filesystem::is_directory(dir)); // the build always builds them
    size_t compared = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".ko")
            continue;
        // Every import at its own address in the kernel image (the values do not matter, only
        // that both linkers use the same ones).
        Image image(read_file(entry.path().string()));
        HostAllocator allocator;
        load_info info(image.data(), image.size(), allocator);
        REQUIRE(!elf_validity_check(info).is_error());
        TableResolver resolver;
        for (unsigned i = 1; i < info.num_syms; ++i)
            if (info.symtab[i].st_shndx == SHN_UNDEF && info.symbol_name(i)[0])
                resolver.add(info.symbol_name(i), kernel_base + 0x1000 + 16 * i);
        std::set<std::string> names;
        bool unique = true;
        for (unsigned i = 1; i < info.shnum; ++i)
            if (info.sechdrs[i].sh_flags & SHF_ALLOC)
                unique = names.insert(info.section_name(i)).second && unique;
        if (!unique) {
            WARN(entry.path() << ": two loaded sections share a name (COMDAT): a linker script cannot place them apart");
            continue;
        }
        compare_with_lld(entry.path().string(), resolver);
        ++compared;
    }
    CHECK(compared > 0);
}
