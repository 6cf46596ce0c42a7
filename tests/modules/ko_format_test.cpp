// What every .ko the SDK builds must look like (abi/lkmemu/module_abi.h): an ELF64 x86-64
// relocatable object with one struct lkm_this_module, .modinfo records, DWARF, no section both
// writable and executable, and no undefined symbol that nobody exports.
#include "test_support.h"

#include <lkmemu/module_abi.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <map>
#include <regex>
#include <fstream>
#include <sstream>

// The SDK's vermagic (a plain C header: its only include is module_abi.h).
#include "../../guest-modules/sdk/include/linux/vermagic.h"

using namespace lkmemu::test;

namespace {

// Modules without module_exit: the kernel can only remove them by force (or never loads them).
const std::set<std::string> kModulesWithoutExit = {"gplonly", "unresolved", "wx_rodata", "wx_text",
                                                   "wx_data"};

// Undefined symbols that are there on purpose.
const std::map<std::string, std::set<std::string>> kDeliberatelyUnresolved = {
    {"unresolved", {"lkmemu_no_such_symbol"}},
};

std::vector<std::string> modinfo_values(const ElfFile& ko, const std::string& key)
{
    std::vector<std::string> values;
    for (const auto& record : ko.modinfo())
        if (record.rfind(key + "=", 0) == 0)
            values.push_back(record.substr(key.size() + 1));
    return values;
}

std::set<std::string> undefined_symbols(const ElfFile& ko)
{
    std::set<std::string> names;
    for (const auto& sym : ko.symbols())
        if (!sym.defined() && !sym.name.empty())
            names.insert(sym.name);
    return names;
}

// Names exported by any sample module (__ksymtab / __ksymtab_gpl value relocations).
std::set<std::string> module_exports()
{
    std::set<std::string> names;
    for (const auto& module : kSampleModules) {
        auto ko = load_ko(module);
        for (const char* table : {"__ksymtab", "__ksymtab_gpl"})
            if (auto section = ko.section(table))
                for (const auto& rel : ko.relocations_for(*section))
                    if (rel.offset % sizeof(lkm_kernel_symbol) == offsetof(lkm_kernel_symbol, value))
                        names.insert(rel.symbol);
    }
    return names;
}

} // namespace

TEST_CASE("every sample is an ELF64 x86-64 relocatable object", "[ko]")
{
    for (const auto& module : kSampleModules) {
        DYNAMIC_SECTION(module)
        {
            auto ko = load_ko(module);
            CHECK(ko.header().e_type == ET_REL);
            CHECK(ko.header().e_machine == EM_X86_64);
            CHECK(ko.section(".symtab"));
        }
    }
}

TEST_CASE("every sample has a struct lkm_this_module naming it, with init and exit relocated", "[ko]")
{
    for (const auto& module : kSampleModules) {
        DYNAMIC_SECTION(module)
        {
            auto ko = load_ko(module);
            auto section = ko.section(".gnu.linkonce.this_module");
            REQUIRE(section);
            CHECK(section->header->sh_type == SHT_PROGBITS);
            CHECK(section->header->sh_flags == (SHF_ALLOC | SHF_WRITE));
            auto bytes = ko.contents(*section);
            REQUIRE(bytes.size() == sizeof(lkm_this_module));
            lkm_this_module this_module;
            std::memcpy(&this_module, bytes.data(), sizeof this_module);
            CHECK(this_module.abi_version == LKM_THIS_MODULE_ABI);
            CHECK(std::string(this_module.name) == module);
            CHECK(this_module.init == 0); // filled by the relocations below
            CHECK(this_module.exit == 0);

            std::map<uint64_t, std::string> relocated;
            for (const auto& rel : ko.relocations_for(*section)) {
                CHECK(rel.type == R_X86_64_64);
                CHECK(rel.addend == 0);
                relocated[rel.offset] = rel.symbol;
            }
            CHECK(relocated[offsetof(lkm_this_module, init)] == "init_module");
            if (kModulesWithoutExit.count(module))
                CHECK(relocated.count(offsetof(lkm_this_module, exit)) == 0);
            else
                CHECK(relocated[offsetof(lkm_this_module, exit)] == "cleanup_module");

            // init_module is a global function in the module (module_init's alias or wrapper).
            auto init = ko.symbol("init_module");
            REQUIRE(init);
            CHECK(init->defined());
            CHECK(init->global());
            CHECK(ELF64_ST_TYPE(init->sym->st_info) == STT_FUNC);
        }
    }
}

TEST_CASE("every sample's .modinfo has name, license, vermagic and depends", "[ko]")
{
    for (const auto& module : kSampleModules) {
        DYNAMIC_SECTION(module)
        {
            auto ko = load_ko(module);
            CHECK(modinfo_values(ko, "name") == std::vector<std::string>{module});
            CHECK(modinfo_values(ko, "vermagic") == std::vector<std::string>{VERMAGIC_STRING});
            CHECK(modinfo_values(ko, "license")
                  == std::vector<std::string>{module == "gplonly" ? "Proprietary" : "GPL"});
            auto depends = modinfo_values(ko, "depends");
            REQUIRE(depends.size() == 1);
            CHECK(depends[0] == (module == "consumer" || module == "gplonly" ? "provider"
                                 : module == "nsconsumer"                   ? "nsprovider"
                                                                            : ""));
            CHECK(modinfo_values(ko, "description").size() == 1);
        }
    }
}

TEST_CASE("no section of any sample is both writable and executable", "[ko]")
{
    for (const auto& module : kSampleModules) {
        DYNAMIC_SECTION(module)
        {
            auto ko = load_ko(module);
            for (const auto& section : ko.sections()) {
                INFO("section " << section.name);
                CHECK_FALSE(((section.header->sh_flags & SHF_WRITE)
                             && (section.header->sh_flags & SHF_EXECINSTR)));
            }
        }
    }
}

TEST_CASE("every sample keeps its DWARF debug information", "[ko]")
{
    for (const auto& module : kSampleModules) {
        DYNAMIC_SECTION(module)
        {
            auto ko = load_ko(module);
            auto info = ko.section(".debug_info");
            REQUIRE(info);
            CHECK(info->header->sh_size > 0);
            CHECK(ko.section(".debug_line"));
        }
    }
}

TEST_CASE("init and exit code is in .init.text and .exit.text", "[ko]")
{
    auto ko = load_ko("hello");
    for (const char* name : {".init.text", ".exit.text"}) {
        auto section = ko.section(name);
        REQUIRE(section);
        CHECK(section->header->sh_flags == (SHF_ALLOC | SHF_EXECINSTR));
    }
    auto init = ko.symbol("init_module");
    REQUIRE(init);
    CHECK(ko.sections().at(init->sym->st_shndx).name == ".init.text");
    auto exit = ko.symbol("cleanup_module");
    REQUIRE(exit);
    CHECK(ko.sections().at(exit->sym->st_shndx).name == ".exit.text");
    // module_init(hello_init) makes init_module an alias of hello_init, as in Linux.
    auto hello_init = ko.symbol("hello_init");
    REQUIRE(hello_init);
    CHECK(hello_init->sym->st_value == init->sym->st_value);
}

TEST_CASE("every undefined symbol is exported by the kernel or a sample, unless deliberate", "[ko]")
{
    auto known = kernel_exports();
    for (const auto& name : module_exports())
        known.insert(name);
    for (const auto& module : kSampleModules) {
        DYNAMIC_SECTION(module)
        {
            auto ko = load_ko(module);
            std::set<std::string> unknown;
            for (const auto& name : undefined_symbols(ko))
                if (!known.count(name))
                    unknown.insert(name);
            auto expected = kDeliberatelyUnresolved.count(module) ? kDeliberatelyUnresolved.at(module)
                                                                  : std::set<std::string>{};
            CHECK(unknown == expected);
        }
    }
}

TEST_CASE("unresolved and consumer have the expected undefined symbols", "[ko]")
{
    auto unresolved = undefined_symbols(load_ko("unresolved"));
    CHECK(unresolved == std::set<std::string>{"lkmemu_no_such_symbol", "printk"});

    auto consumer = undefined_symbols(load_ko("consumer"));
    CHECK(consumer == std::set<std::string>{"provider_add", "printk"});

    auto gplonly = undefined_symbols(load_ko("gplonly"));
    CHECK(gplonly == std::set<std::string>{"provider_gpl_multiply", "printk"});
}

TEST_CASE("provider exports provider_add and, GPL-only, provider_gpl_multiply", "[ko]")
{
    auto ko = load_ko("provider");
    auto strings = ko.section("__ksymtab_strings");
    REQUIRE(strings);
    auto string_bytes = ko.contents(*strings);

    for (auto [table, expected] : {std::pair{"__ksymtab", "provider_add"},
                                   std::pair{"__ksymtab_gpl", "provider_gpl_multiply"}}) {
        INFO(table);
        auto section = ko.section(table);
        REQUIRE(section);
        CHECK(section->header->sh_size == sizeof(lkm_kernel_symbol));
        CHECK((section->header->sh_flags & SHF_ALLOC));
        auto rels = ko.relocations_for(*section);
        REQUIRE(rels.size() == 2);
        std::map<uint64_t, ElfRelocation> by_offset;
        for (const auto& rel : rels) {
            CHECK(rel.type == R_X86_64_64);
            by_offset.emplace(rel.offset, rel);
        }
        CHECK(by_offset.at(offsetof(lkm_kernel_symbol, value)).symbol == expected);
        const auto& name = by_offset.at(offsetof(lkm_kernel_symbol, name));
        REQUIRE(name.symbol == "__ksymtab_strings");
        REQUIRE(size_t(name.addend) < string_bytes.size());
        CHECK(std::string(reinterpret_cast<const char*>(string_bytes.data()) + name.addend) == expected);
    }
}

TEST_CASE("the SDK's linux/errno.h names every errno of abi/lkmemu/errno.h", "[sdk]")
{
    auto read = [](const std::string& path) {
        std::ifstream in(path);
        REQUIRE(in);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    };
    std::string abi = read(LKMEMU_SOURCE_DIR "/abi/lkmemu/errno.h");
    std::string sdk = read(LKMEMU_SDK_DIR "/include/linux/errno.h");
    std::regex entry(R"(X\((E[A-Z0-9]+), )");
    int count = 0;
    for (auto it = std::sregex_iterator(abi.begin(), abi.end(), entry); it != std::sregex_iterator(); ++it) {
        std::string name = (*it)[1];
        INFO(name);
        CHECK(sdk.find("#define " + name + " LKM_" + name + "\n") != std::string::npos);
        count++;
    }
    CHECK(count > 20);
}

TEST_CASE("every kernel export is declared by an SDK header", "[sdk]")
{
    std::string headers;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(LKMEMU_SDK_DIR "/include")) {
        if (!entry.is_regular_file())
            continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        headers += text.str();
    }
    for (const auto& name : kernel_exports()) {
        INFO(name);
        // A function declaration "name(" or the variable "jiffies;".
        CHECK(std::regex_search(headers, std::regex("[ *]" + name + "(\\(|;)")));
    }
}
