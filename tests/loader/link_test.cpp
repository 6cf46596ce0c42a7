// The whole pipeline on real modules: layout, symbols, metadata, failure cleanup.
#include "support.h"

#include <catch2/catch.hpp>

using namespace lkm;
using namespace lkm::test;
using namespace lkm::elf;

namespace {

unsigned index_of(const load_info& info, const std::string& name)
{
    for (unsigned i = 1; i < info.shnum; ++i)
        if (name == info.section_name(i))
            return i;
    FAIL("no section " << name);
    return 0;
}

uint64_t symbol_value(const load_info& info, const std::string& name)
{
    for (unsigned i = 1; i < info.num_syms; ++i)
        if (name == info.symbol_name(i))
            return info.symbol_value[i];
    FAIL("no symbol " << name);
    return 0;
}

std::vector<std::string> hello_variants()
{
    std::vector<std::string> out;
    for (const auto& p : producers()) {
        out.push_back("hello." + p + ".o");
        out.push_back("hello." + p + ".ko");
    }
    return out;
}

} // namespace

TEST_CASE("hello links: name, license, entry points, exports, parameters", "[link]")
{
    for (const auto& file : hello_variants()) {
        INFO(file);
        auto linked = link(Image::load(file));
        REQUIRE(linked->error_text() == "");
        load_info& info = *linked->info;
        CHECK(std::string(info.name) == "hello");
        CHECK(std::string(info.license) == "GPL");
        CHECK(info.gpl_compatible);

        REQUIRE(info.init.present);
        CHECK(std::string(info.section_name(info.init.section)) == ".init.text");
        CHECK(info.init.address == info.section_address(info.init.section) + info.init.offset);
        CHECK(info.init.address == symbol_value(info, "hello_init"));
        CHECK(info.placement[info.init.section].region == Region::init);
        REQUIRE(info.exit.present);
        CHECK(std::string(info.section_name(info.exit.section)) == ".exit.text");
        CHECK(info.exit.address == symbol_value(info, "hello_exit"));
        CHECK(info.placement[info.exit.section].region == Region::core); // modules can unload

        REQUIRE(info.num_exports == 1);
        REQUIRE(info.num_gpl_exports == 1);
        auto plain = module_export(info, 0);
        REQUIRE(!plain.is_error());
        CHECK(std::string(plain.value().name) == "hello_add");
        CHECK(plain.value().value == symbol_value(info, "hello_add"));
        CHECK(!plain.value().gpl_only);
        auto gpl = module_export(info, 1);
        REQUIRE(!gpl.is_error());
        CHECK(std::string(gpl.value().name) == "hello_abs_value");
        CHECK(gpl.value().gpl_only);
        CHECK(info.num_params == 1);
        CHECK(module_export(info, 2).is_error());
    }
}

TEST_CASE("layout: core and init regions, page-aligned permission classes", "[link][layout]")
{
    for (const auto& file : hello_variants()) {
        INFO(file);
        auto linked = link(Image::load(file));
        REQUIRE(linked->error_text() == "");
        load_info& info = *linked->info;
        struct Expect {
            const char* section;
            Region region;
            SectionClass section_class;
        };
        const Expect expected[] = {
            { ".text", Region::core, SectionClass::text },
            { ".exit.text", Region::core, SectionClass::text },
            { ".rodata", Region::core, SectionClass::rodata },
            { "__ksymtab", Region::core, SectionClass::rodata },
            { "__param", Region::core, SectionClass::rodata },
            { ".data..ro_after_init", Region::core, SectionClass::ro_after_init },
            { ".data", Region::core, SectionClass::data },
            { ".bss", Region::core, SectionClass::data },
            { ".gnu.linkonce.this_module", Region::core, SectionClass::data },
            { ".init.text", Region::init, SectionClass::text },
        };
        for (const auto& e : expected) {
            INFO(e.section);
            const SectionPlacement& p = info.placement[index_of(info, e.section)];
            CHECK(p.region == e.region);
            CHECK(p.section_class == e.section_class);
            const RegionLayout& layout = e.region == Region::core ? info.core_layout : info.init_layout;
            unsigned c = static_cast<unsigned>(e.section_class);
            CHECK(p.offset >= layout.class_offset[c]);
            CHECK(p.offset + info.sechdrs[index_of(info, e.section)].sh_size <= layout.class_offset[c] + layout.class_size[c]);
        }
        CHECK(info.placement[index_of(info, ".modinfo")].region == Region::none);
        CHECK(info.placement[index_of(info, ".symtab")].region == Region::none);
        for (const RegionLayout* layout : { &info.core_layout, &info.init_layout }) {
            CHECK(layout->size % loader_page_size == 0);
            for (unsigned c = 0; c < section_class_count; ++c) {
                CHECK(layout->class_offset[c] % loader_page_size == 0);
                if (c + 1 < section_class_count)
                    CHECK(layout->class_offset[c] + layout->class_size[c] <= layout->class_offset[c + 1]);
            }
        }
        // The classes hello has are non-empty and in order: text, rodata, ro_after_init, data.
        CHECK(info.core_layout.class_offset[0] == 0);
        CHECK(info.core_layout.class_offset[1] == 0x1000);
        CHECK(info.core_layout.class_offset[2] == 0x2000);
        CHECK(info.core_layout.class_offset[3] == 0x3000);
        CHECK(info.core_layout.size == 0x4000);
        CHECK(info.init_layout.size == 0x1000);
        for (unsigned i = 1; i < info.shnum; ++i)
            if (info.placement[i].region != Region::none && info.sechdrs[i].sh_addralign > 1) {
                INFO(info.section_name(i));
                CHECK(info.section_address(i) % info.sechdrs[i].sh_addralign == 0);
            }
    }
}

TEST_CASE("module memory: sections copied, .bss zeroed", "[link]")
{
    auto linked = link(Image::load("hello.clang.o"));
    REQUIRE(linked->error_text() == "");
    CHECK(linked->section_bytes(".bss") == std::vector<uint8_t>(4, 0));
    auto rodata = linked->section_bytes(".rodata");
    CHECK(std::string(reinterpret_cast<const char*>(rodata.data())) == "hello");
    auto data = linked->section_bytes(".data");
    CHECK(read_u32(data.data()) == 42);
}

TEST_CASE("symbols: kernel imports, weak undefined, SHN_ABS", "[link][symbols]")
{
    TableResolver resolver = kernel_symbols();
    auto linked = link(Image::load("hello.clang.o"), resolver);
    REQUIRE(linked->error_text() == "");
    load_info& info = *linked->info;
    CHECK(symbol_value(info, "printk") == kernel_base + 0x1000);
    CHECK(symbol_value(info, "optional_hook") == 0); // weak, not exported by anyone
    CHECK(std::find(resolver.asked.begin(), resolver.asked.end(), "optional_hook") != resolver.asked.end());
    CHECK(symbol_value(info, "hello_abs") == 0x1234);
    CHECK(symbol_value(info, "hello_value") == info.section_address(index_of(info, ".data")));
}

TEST_CASE("an unknown symbol is named", "[link][symbols]")
{
    TableResolver resolver = kernel_symbols();
    resolver.table.erase("printk");
    auto linked = link(Image::load("hello.clang.o"), resolver);
    CHECK(linked->error_text() == "ENOENT: Unknown symbol: printk");
}

TEST_CASE("a GPL-only export is refused to a proprietary module", "[link][symbols]")
{
    for (const auto& producer : producers()) {
        INFO(producer);
        auto linked = link(Image::load("proprietary." + producer + ".o"));
        CHECK(linked->error_text()
            == "ENOENT: GPL-only symbol used by a module whose license is not GPL-compatible: kernel_gpl_only (license \"Proprietary\")");
    }
    TableResolver resolver = kernel_symbols();
    resolver.add("kernel_gpl_only", kernel_base + 0x2000, false);
    CHECK(link(Image::load("proprietary.clang.o"), resolver)->error_text() == "");
}

TEST_CASE("resolver errors other than ENOENT pass through unchanged", "[link][symbols]")
{
    struct Busy final : SymbolResolver {
        ErrorOr<ResolvedSymbol> resolve(const char*) override { return Error::from_errno(LKM_EBUSY, "exporting module still loading"); }
    } busy;
    CHECK(link(Image::load("hello.clang.o"), busy)->error_text() == "EBUSY: exporting module still loading");
}

TEST_CASE("every failure frees what was allocated", "[link]")
{
    SECTION("module memory refused")
    {
        for (size_t allowed : { 0, 1 }) {
            TrialMemory memory;
            memory.fail_after = allowed;
            TableResolver resolver = kernel_symbols();
            auto linked = link(Image::load("hello.clang.o"), resolver, memory);
            CHECK(linked->error_text() == "ENOMEM: test: no module memory");
            linked->info.reset();
            CHECK(linked->memory.live == 0);
            CHECK(linked->allocator.live == 0);
        }
    }
    SECTION("symbol resolution fails after the memory was allocated")
    {
        TableResolver empty;
        auto linked = link(Image::load("hello.clang.o"), empty);
        CHECK(linked->error_text() == "ENOENT: Unknown symbol: printk");
        CHECK(linked->memory.live == 2);
        linked->info.reset();
        CHECK(linked->memory.live == 0);
        CHECK(linked->allocator.live == 0);
    }
    SECTION("success, memory handed to the caller")
    {
        auto linked = link(Image::load("hello.clang.o"));
        REQUIRE(linked->error_text() == "");
        ModuleMemory core = linked->info->core, init = linked->info->init_region;
        linked->info->release_module_memory();
        linked->info.reset();
        CHECK(linked->memory.live == 2);
        linked->memory.free_region(Region::core, core);
        linked->memory.free_region(Region::init, init);
    }
}

TEST_CASE("modinfo records", "[link][modinfo]")
{
    Image image = Image::load("hello.clang.o");
    HostAllocator allocator;
    load_info info(image.data(), image.size(), allocator);
    REQUIRE(!elf_validity_check(info).is_error());
    REQUIRE(!setup_load_info(info).is_error());
    CHECK(std::string(get_modinfo(info, "author")) == "lkmemu tests");
    CHECK(std::string(get_modinfo(info, "vermagic")) == LKM_VERMAGIC);
    CHECK(std::string(get_modinfo(info, "depends")) == "");
    CHECK(get_modinfo(info, "firmware") == nullptr);
    CHECK(get_modinfo(info, "auth") == nullptr);
    std::vector<std::string> records;
    for_each_modinfo(info, [&](const char* key, size_t key_length, const char* value) {
        records.push_back(std::string(key, key_length) + "=" + value);
    });
    CHECK(records
        == std::vector<std::string> { "parmtype=verbose:int", "parm=verbose:print more", "license=GPL", "author=lkmemu tests",
            "description=loader test module", "alias=hello-alias", "vermagic=" LKM_VERMAGIC, "name=hello",
            "depends=" });
}

TEST_CASE("license_is_gpl_compatible follows Linux's list", "[link][modinfo]")
{
    for (const char* yes : { "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" })
        CHECK(license_is_gpl_compatible(yes));
    for (const char* no : { "Proprietary", "GPL v3 only", "gpl", "", "GPLv2" })
        CHECK(!license_is_gpl_compatible(no));
    CHECK(!license_is_gpl_compatible(nullptr));
}

TEST_CASE("C++ static constructors: .init_array laid out in init and reported", "[link]")
{
    for (const auto& producer : producers()) {
        INFO(producer);
        auto linked = link(Image::load("ctors." + producer + ".o"));
        REQUIRE(linked->error_text() == "");
        const load_info& info = *linked->info;
        unsigned index = index_of(info, ".init_array");
        CHECK(info.placement[index].region == Region::init);
        CHECK(info.placement[index].section_class == SectionClass::data);
        REQUIRE(info.num_ctors >= 1);
        CHECK(info.ctors_address == info.section_address(index));
        // Each entry is a relocated address of code in the module.
        const uint8_t* entries = linked->info->memory_at(info.ctors_address, 8 * info.num_ctors);
        REQUIRE(entries);
        for (size_t i = 0; i < info.num_ctors; ++i) {
            uint64_t ctor = read_u64(entries + 8 * i);
            CHECK(ctor >= info.core.address);
            CHECK(info.memory_at(ctor, 1) != nullptr);
        }
    }
}
