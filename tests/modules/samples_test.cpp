// Sample-specific build checks: each sample carries what its runtime test will need (parameters,
// size and relocations, constructors, the symbols an oops must name, the kernel API it uses).
#include "test_support.h"

#include <lkmemu/module_abi.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <map>

using namespace lkmemu::test;

namespace {

std::set<std::string> undefined_symbols(const ElfFile& ko)
{
    std::set<std::string> names;
    for (const auto& sym : ko.symbols())
        if (!sym.defined() && !sym.name.empty())
            names.insert(sym.name);
    return names;
}

std::string section_of(const ElfFile& ko, const std::string& symbol)
{
    auto sym = ko.symbol(symbol);
    REQUIRE(sym);
    REQUIRE(sym->defined());
    return ko.sections().at(sym->sym->st_shndx).name;
}

uint64_t flags_of(const ElfFile& ko, const std::string& symbol)
{
    auto sym = ko.symbol(symbol);
    REQUIRE(sym);
    return ko.sections().at(sym->sym->st_shndx).header->sh_flags;
}

// A NUL-terminated string at section+addend, as a relocation points at it.
std::string string_in(const ElfFile& ko, const std::string& section, int64_t addend)
{
    auto s = ko.section(section);
    REQUIRE(s);
    auto bytes = ko.contents(*s);
    REQUIRE(size_t(addend) < bytes.size());
    return std::string(reinterpret_cast<const char*>(bytes.data()) + addend);
}

} // namespace

TEST_CASE("hello has a charp parameter `who`", "[samples]")
{
    auto ko = load_ko("hello");
    auto records = ko.modinfo();
    CHECK(std::count(records.begin(), records.end(), "parmtype=who:charp") == 1);
    CHECK(std::count(records.begin(), records.end(), "parm=who:whom to greet") == 1);
    auto param = ko.section("__param");
    REQUIRE(param);
    CHECK(param->header->sh_size == sizeof(lkm_kernel_param));
    lkm_kernel_param p;
    std::memcpy(&p, ko.contents(*param).data(), sizeof p);
    CHECK(p.type == LKM_PARAM_CHARP);
    CHECK(p.max_elems == 0);
    CHECK(p.perm == 0444);
}

TEST_CASE("params describes int, uint, long, bool, charp and array parameters", "[samples]")
{
    auto ko = load_ko("params");
    auto records = ko.modinfo();
    for (const char* expected : {"parmtype=count:int", "parmtype=level:uint", "parmtype=offset:long",
                                 "parmtype=verbose:bool", "parmtype=name:charp",
                                 "parmtype=values:array of int", "parm=count:an int",
                                 "parm=values:up to 8 comma-separated ints"}) {
        INFO(expected);
        CHECK(std::count(records.begin(), records.end(), expected) == 1);
    }

    auto section = ko.section("__param");
    REQUIRE(section);
    CHECK((section->header->sh_flags & SHF_ALLOC));
    CHECK(section->header->sh_addralign == 8);
    auto bytes = ko.contents(*section);
    REQUIRE(bytes.size() == 6 * sizeof(lkm_kernel_param));

    // Each entry's name, arg and num are relocated; read the name through its relocation.
    std::map<uint64_t, ElfRelocation> rels;
    for (const auto& rel : ko.relocations_for(*section)) {
        CHECK(rel.type == R_X86_64_64);
        rels.emplace(rel.offset, rel);
    }
    struct Expected {
        uint32_t type, max_elems;
        bool has_num;
    };
    const std::map<std::string, Expected> expected = {
        {"count", {LKM_PARAM_INT, 0, false}},    {"level", {LKM_PARAM_UINT, 0, false}},
        {"offset", {LKM_PARAM_LONG, 0, false}},  {"verbose", {LKM_PARAM_BOOL, 0, false}},
        {"name", {LKM_PARAM_CHARP, 0, false}},   {"values", {LKM_PARAM_INT, 8, true}},
    };
    std::set<std::string> seen;
    for (size_t i = 0; i < 6; i++) {
        lkm_kernel_param p;
        std::memcpy(&p, bytes.data() + i * sizeof p, sizeof p);
        uint64_t base = i * sizeof p;
        REQUIRE(rels.count(base + offsetof(lkm_kernel_param, name)));
        REQUIRE(rels.count(base + offsetof(lkm_kernel_param, arg)));
        const auto& name_rel = rels.at(base + offsetof(lkm_kernel_param, name));
        std::string name = string_in(ko, name_rel.symbol, name_rel.addend);
        INFO("parameter " << name);
        REQUIRE(expected.count(name));
        CHECK(p.type == expected.at(name).type);
        CHECK(p.max_elems == expected.at(name).max_elems);
        CHECK(rels.count(base + offsetof(lkm_kernel_param, num)) == expected.at(name).has_num);
        seen.insert(name);
    }
    CHECK(seen.size() == 6);
}

TEST_CASE("big is at least 1 MiB with at least 10,000 relocations", "[samples]")
{
    auto ko = load_ko("big");
    CHECK(ko.file_size() >= 1024 * 1024);
    uint64_t loaded = 0;
    for (const auto& section : ko.sections())
        if (section.header->sh_flags & SHF_ALLOC)
            loaded += section.header->sh_size;
    CHECK(loaded >= 1024 * 1024); // what the kernel maps, not just debug information
    CHECK(ko.alloc_relocation_count() >= 10000);

    // The same count through llvm-readelf: "... '.rela.X' at offset 0x... contains N entries:",
    // for the sections a loader applies (not .rela.debug_*).
    auto result = run_command(std::string(LKMEMU_LLVM_READELF) + " --relocations " + ko_path("big"));
    REQUIRE(result.exit_status == 0);
    size_t counted = 0;
    for (const auto& line : lines_of(result.output)) {
        unsigned long entries;
        char section[256];
        if (std::sscanf(line.c_str(), "Relocation section '%255[^']' at offset %*s contains %lu entries",
                        section, &entries)
                == 2
            && std::string(section).rfind(".rela.debug", 0) != 0)
            counted += entries;
    }
    CHECK(counted == ko.alloc_relocation_count());
}

TEST_CASE("cxx_demo has its static constructor in .init_array and uses kmalloc/kfree", "[samples]")
{
    auto ko = load_ko("cxx_demo");
    auto init_array = ko.section(".init_array");
    REQUIRE(init_array);
    CHECK(init_array->header->sh_type == SHT_INIT_ARRAY);
    CHECK(init_array->header->sh_flags == (SHF_ALLOC | SHF_WRITE));
    REQUIRE(init_array->header->sh_size >= 8);
    auto rels = ko.relocations_for(*init_array);
    CHECK(rels.size() == init_array->header->sh_size / 8);
    for (const auto& rel : rels)
        CHECK(rel.type == R_X86_64_64);
    // operator new/delete (sdk/lib/cxx_support.cpp) sit on the kernel's allocator.
    auto undefined = undefined_symbols(ko);
    CHECK(undefined.count("kmalloc"));
    CHECK(undefined.count("kfree"));
    CHECK(ko.symbol("_Znwm"));  // operator new(size_t)
    CHECK(ko.symbol("_ZdlPv")); // operator delete(void*)
    // No C++ runtime beyond what the kernel exports (no __cxa_atexit, __dso_handle, typeinfo).
    for (const auto& name : undefined)
        CHECK(kernel_exports().count(name));
}

TEST_CASE("the W^X samples put their targets where the kernel will forbid the access", "[samples]")
{
    auto rodata = load_ko("wx_rodata");
    CHECK(flags_of(rodata, "wx_rodata_message") == SHF_ALLOC); // read-only, not executable
    CHECK(flags_of(rodata, "wx_rodata_poke") == (SHF_ALLOC | SHF_EXECINSTR));

    auto text = load_ko("wx_text");
    CHECK(section_of(text, "wx_text_victim") == ".text");
    CHECK(flags_of(text, "wx_text_poke") == (SHF_ALLOC | SHF_EXECINSTR));

    auto data = load_ko("wx_data");
    CHECK(section_of(data, "wx_data_payload") == ".data");
    CHECK(flags_of(data, "wx_data_payload") == (SHF_ALLOC | SHF_WRITE));
    CHECK(flags_of(data, "wx_data_jump") == (SHF_ALLOC | SHF_EXECINSTR));

    // The functions the oops names have a symbol with a size (for "+0xoff/0xsize").
    for (auto [ko, name] : {std::pair{&rodata, "wx_rodata_poke"}, std::pair{&text, "wx_text_poke"},
                            std::pair{&data, "wx_data_jump"}}) {
        auto sym = ko->symbol(name);
        REQUIRE(sym);
        CHECK(ELF64_ST_TYPE(sym->sym->st_info) == STT_FUNC);
        CHECK(sym->sym->st_size > 0);
    }
}

TEST_CASE("holder and chardev use the timer, reference and character-device API", "[samples]")
{
    CHECK(undefined_symbols(load_ko("holder"))
          == std::set<std::string>{"try_module_get", "module_put", "mod_timer", "del_timer_sync",
                                   "jiffies", "__msecs_to_jiffies", "printk"});
    auto chardev = undefined_symbols(load_ko("chardev"));
    for (const char* name : {"register_chrdev", "unregister_chrdev", "copy_to_user", "kmalloc", "kfree",
                             "snprintf"}) {
        INFO(name);
        CHECK(chardev.count(name));
    }
    // holder refers to itself (THIS_MODULE) and chardev's fops.owner does too.
    for (const char* module : {"holder", "chardev"}) {
        auto ko = load_ko(module);
        bool refers_to_this_module = false;
        for (const auto& section : ko.sections())
            if (section.header->sh_flags & SHF_ALLOC)
                for (const auto& rel : ko.relocations_for(section))
                    refers_to_this_module |= rel.symbol == "__this_module";
        INFO(module);
        CHECK(refers_to_this_module);
    }
}

TEST_CASE("initfail allocates through the kernel and needs nothing else", "[samples]")
{
    // Its -ENODEV from init is the kernel tests' to observe; here: it links against the kernel alone.
    auto ko = load_ko("initfail");
    CHECK(ko.symbol("initfail_init"));
    CHECK(undefined_symbols(ko) == std::set<std::string>{"kmalloc", "kfree", "printk"});
}
