// modversions at build time (docs/versions.md): the CRCs genksyms computes, Module.symvers and
// vmlinux.symvers, every module's __versions (Linux's struct modversion_info, module_layout
// first), __kcrctab beside __ksymtab, and modpost's refusal of a namespaced export used without
// MODULE_IMPORT_NS.
#include "test_support.h"

#include <lkmemu/module_abi.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace lkmemu::test;

namespace {

// CRC-32 as its definition gives it (IEEE 802.3: reflected polynomial 0xEDB88320, initial value
// and final XOR 0xFFFFFFFF), bit by bit: independent of the zlib.crc32 genksyms.py uses.
uint32_t crc32_of(const std::string& text)
{
    uint32_t crc = 0xffffffffu;
    for (unsigned char c : text) {
        crc ^= c;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Module.symvers / vmlinux.symvers: name -> (CRC, the rest of the line).
std::map<std::string, std::pair<uint32_t, std::string>> read_symvers(const std::string& path)
{
    std::map<std::string, std::pair<uint32_t, std::string>> rows;
    for (const auto& line : lines_of(read_text(path))) {
        std::vector<std::string> fields;
        std::stringstream in(line);
        for (std::string field; std::getline(in, field, '\t');)
            fields.push_back(field);
        if (line.back() == '\t')
            fields.push_back("");
        REQUIRE(fields.size() == 5);
        rows[fields[1]] = { static_cast<uint32_t>(std::stoul(fields[0], nullptr, 16)),
                            fields[2] + "\t" + fields[3] + "\t" + fields[4] };
    }
    return rows;
}

std::vector<std::pair<std::string, uint64_t>> versions_of(const ElfFile& ko)
{
    auto section = ko.section("__versions");
    REQUIRE(section);
    auto bytes = ko.contents(*section);
    REQUIRE(bytes.size() % sizeof(lkm_modversion_info) == 0);
    std::vector<std::pair<std::string, uint64_t>> entries;
    for (size_t off = 0; off < bytes.size(); off += sizeof(lkm_modversion_info)) {
        lkm_modversion_info entry;
        std::memcpy(&entry, bytes.data() + off, sizeof entry);
        REQUIRE(std::memchr(entry.name, 0, sizeof entry.name));
        entries.push_back({ entry.name, entry.crc });
    }
    return entries;
}

} // namespace

TEST_CASE("modversions: a module export's CRC is CRC-32 of its declaration with every type expanded",
          "[modversions]")
{
    auto symvers = read_symvers(LKMEMU_MODULE_OBJECTS_DIR "/Module.symvers");
    // int provider_add(int a, int b): parameter names are not part of the interface.
    CHECK(symvers.at("provider_add").first == crc32_of("provider_add int ( int , int )"));
    CHECK(symvers.at("provider_add").second == "provider\tEXPORT_SYMBOL\t");
    CHECK(symvers.at("provider_gpl_multiply").first == crc32_of("provider_gpl_multiply int ( int , int )"));
    CHECK(symvers.at("provider_gpl_multiply").second == "provider\tEXPORT_SYMBOL_GPL\t");
    // The namespace column.
    CHECK(symvers.at("nsprovider_triple").first == crc32_of("nsprovider_triple int ( int )"));
    CHECK(symvers.at("nsprovider_triple").second == "nsprovider\tEXPORT_SYMBOL\tLKMEMU_SAMPLES");
}

TEST_CASE("modversions: the kernel's exports have CRCs of the SDK's declarations", "[modversions]")
{
    auto vmlinux = read_symvers(LKMEMU_KERNEL_SYMVERS);
    CHECK(vmlinux.size() == kernel_exports().size());
    for (const auto& name : kernel_exports())
        CHECK(vmlinux.count(name));
    // Typedefs are expanded (size_t, gfp_t), variadic tails are "...".
    CHECK(vmlinux.at("printk").first == crc32_of("printk int ( const char * , ... )"));
    CHECK(vmlinux.at("kmalloc").first
          == crc32_of("kmalloc void * ( typedef size_t = unsigned long , typedef gfp_t = unsigned int )"));
    CHECK(vmlinux.at("jiffies").first == crc32_of("jiffies volatile unsigned long"));
    CHECK(vmlinux.at("printk").second == "vmlinux\tEXPORT_SYMBOL\t");
    // Structures are expanded member by member (each named one once): module_layout's CRC covers
    // the module format's structures (abi/lkmemu/module_abi.h).
    CHECK(vmlinux.at("module_layout").first
          == crc32_of("module_layout void ( struct lkm_this_module { typedef uint32_t = unsigned int abi_version @0 ; "
                      "typedef uint32_t reserved @4 ; char [56] name @8 ; typedef uint64_t = unsigned long init @64 ; "
                      "typedef uint64_t exit @72 } * , struct lkm_modversion_info { typedef uint64_t crc @0 ; "
                      "char [56] name @8 } * , struct lkm_kernel_param { typedef uint64_t name @0 ; typedef uint64_t "
                      "arg @8 ; typedef uint32_t type @16 ; typedef uint32_t max_elems @20 ; typedef uint64_t num @24 ; "
                      "typedef uint32_t perm @32 ; typedef uint32_t reserved @36 } * , struct lkm_kernel_symbol { "
                      "typedef uint64_t value @0 ; typedef uint64_t name @8 ; typedef uint64_t ns @16 } * , "
                      "typedef lkm_kcrc = typedef uint32_t * )"));
    // The kernel's __kcrctab is generated with the same CRCs.
    auto ksymtab = read_text(LKMEMU_KERNEL_KSYMTAB);
    char expected[32];
    std::snprintf(expected, sizeof expected, ".long 0x%08x  # printk", vmlinux.at("printk").first);
    CHECK(ksymtab.find(expected) != std::string::npos);
}

TEST_CASE("modversions: every module's __versions lists module_layout first, then each import's CRC",
          "[modversions]")
{
    auto vmlinux = read_symvers(LKMEMU_KERNEL_SYMVERS);
    auto modules = read_symvers(LKMEMU_MODULE_OBJECTS_DIR "/Module.symvers");
    for (const auto& module : kSampleModules) {
        INFO(module);
        auto versions = versions_of(load_ko(module));
        REQUIRE_FALSE(versions.empty());
        CHECK(versions.front().first == "module_layout");
        CHECK(versions.front().second == vmlinux.at("module_layout").first);
        for (const auto& [name, crc] : versions) {
            INFO(name);
            uint32_t expected = vmlinux.count(name) ? vmlinux.at(name).first : modules.at(name).first;
            CHECK(crc == expected);
        }
    }
    auto consumer = versions_of(load_ko("consumer"));
    CHECK(consumer == std::vector<std::pair<std::string, uint64_t>>{
                          { "module_layout", vmlinux.at("module_layout").first },
                          { "printk", vmlinux.at("printk").first },
                          { "provider_add", modules.at("provider_add").first },
                      });
}

TEST_CASE("modversions: a module's own exports have their CRCs in __kcrctab, entry for entry", "[modversions]")
{
    auto modules = read_symvers(LKMEMU_MODULE_OBJECTS_DIR "/Module.symvers");
    ElfFile provider = load_ko("provider");
    for (auto [crcs, name] : { std::pair{ "__kcrctab", "provider_add" }, std::pair{ "__kcrctab_gpl", "provider_gpl_multiply" } }) {
        auto section = provider.section(crcs);
        REQUIRE(section);
        auto bytes = provider.contents(*section);
        REQUIRE(bytes.size() == sizeof(lkm_kcrc));
        lkm_kcrc crc;
        std::memcpy(&crc, bytes.data(), sizeof crc);
        CHECK(crc == modules.at(name).first);
    }
    CHECK_FALSE(load_ko("hello").section("__kcrctab"));
}

TEST_CASE("modversions: the vermagic says modversions", "[modversions]")
{
    CHECK(std::string(LKM_VERMAGIC).find(" modversions") != std::string::npos);
    auto modinfo = load_ko("hello").modinfo();
    CHECK(std::find(modinfo.begin(), modinfo.end(), "vermagic=" LKM_VERMAGIC) != modinfo.end());
}

TEST_CASE("namespaces: modpost refuses a namespaced export used without MODULE_IMPORT_NS", "[modversions]")
{
    // nsconsumer.o with its import_ns= record renamed (same length): it no longer imports.
    auto dir = std::filesystem::temp_directory_path() / "modversions_test";
    std::filesystem::create_directories(dir);
    auto stripped = dir / "nsconsumer.o";
    std::ifstream in(object_path("nsconsumer"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t at = bytes.find("import_ns=LKMEMU_SAMPLES");
    REQUIRE(at != std::string::npos);
    bytes.replace(at, 9, "imported_");
    std::ofstream(stripped, std::ios::binary) << bytes;

    auto modpost = [&](const std::string& consumer) {
        return run_command(std::string(LKMEMU_PYTHON) + " " LKMEMU_SDK_DIR "/scripts/modpost.py"
                           " --kernel-symvers " LKMEMU_KERNEL_SYMVERS " --llvm-nm " LKMEMU_LLVM_NM
                           " --llvm-readobj " LKMEMU_LLVM_READOBJ " --llvm-readelf " LKMEMU_LLVM_READELF
                           " --llvm-dwarfdump " LKMEMU_LLVM_DWARFDUMP " --outdir " + dir.string() + " "
                           + object_path("nsprovider") + " " + consumer);
    };
    auto refused = modpost(stripped.string());
    CHECK(refused.exit_status == 1);
    CHECK(lines_of(refused.output)
          == std::vector<std::string>{ "ERROR: modpost: module nsconsumer uses symbol nsprovider_triple from "
                                       "namespace LKMEMU_SAMPLES, but does not import it." });
    auto accepted = modpost(object_path("nsconsumer"));
    CHECK(accepted.exit_status == 0);
    CHECK(accepted.output.empty());
    std::filesystem::remove_all(dir);
}
