// The module subsystem's lookups on the host, at a scale no boot reaches: the address tree
// (guest-kernel/kernel/module/tree_lookup.cpp) against a brute-force search over thousands of
// regions inserted and removed in random order, and the export table (symbols.cpp) with ten
// thousand exports from a thousand modules: every name found with its owner, duplicates refused,
// and the table's memory back to its boot size once they are gone.
#include "fake_page_alloc.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <asm/page.h>
#include <kernel/mm.h>
#include <kernel/slab.h>

#include "kernel/module/internal.h"

// The kernel's export table as kernel.ld collects it: the host linker defines __start___ksymtab
// and __stop___ksymtab around a section of that name, as ld does for the kernel.
namespace {
int kernel_function_a() { return 1; }
int kernel_function_b() { return 2; }
} // namespace
extern "C" {
__attribute__((used, section("__ksymtab"))) lkm_kernel_symbol fake_ksymtab[] = {
    { reinterpret_cast<u64>(&kernel_function_a), reinterpret_cast<u64>("printk") },
    { reinterpret_cast<u64>(&kernel_function_b), reinterpret_cast<u64>("kmalloc") },
};
__attribute__((used, section("__ksymtab_gpl"))) lkm_kernel_symbol fake_ksymtab_gpl[] = {
    { reinterpret_cast<u64>(&kernel_function_a), reinterpret_cast<u64>("gpl_only_helper") },
};
// Their CRCs, entry for entry, as genksyms writes them for the kernel.
__attribute__((used, section("__kcrctab"))) lkm_kcrc fake_kcrctab[] = { 0x1234abcd, 0x0badf00d };
__attribute__((used, section("__kcrctab_gpl"))) lkm_kcrc fake_kcrctab_gpl[] = { 0x600dcafe };
}

// What the resolver calls for an import from a module (unload.cpp in the kernel).
static std::vector<std::pair<module*, module*>> g_refs;
lkm::ErrorOr<void> ref_module(module* a, module* b)
{
    g_refs.push_back({ a, b });
    return {};
}

namespace {

std::unique_ptr<module> new_module(const std::string& name, u64 core, u64 core_size, u64 init = 0, u64 init_size = 0)
{
    auto mod = std::make_unique<module>();
    std::memset(mod.get(), 0, sizeof(module));
    std::strncpy(mod->name, name.c_str(), sizeof(mod->name) - 1);
    mod->state = LKM_MODULE_STATE_LIVE;
    mod->core = { nullptr, core, core_size };
    mod->init = { nullptr, init, init_size };
    return mod;
}

void export_table_ready()
{
    static bool ready = false;
    if (!ready) {
        export_table_init();
        ready = true;
    }
}

} // namespace

TEST_CASE("module tree: mod_find agrees with a brute-force search as regions come and go")
{
    std::mt19937_64 random(9);
    constexpr u64 page = 4096;
    std::vector<std::unique_ptr<module>> live;
    u64 next = MODULES_VADDR;
    auto brute_force = [&](u64 address) -> module* {
        for (auto& mod : live) {
            if (address - mod->core.address < mod->core.size ||
                (mod->init.size && address - mod->init.address < mod->init.size))
                return mod.get();
        }
        return nullptr;
    };
    for (int round = 0; round < 4000; round++) {
        bool add = live.empty() || random() % 3 != 0;
        if (add) {
            u64 core_pages = 1 + random() % 8, init_pages = random() % 3;
            u64 core = next, init = next + (core_pages + 1) * page;
            next = init + (init_pages + 1) * page;
            auto mod = new_module("m" + std::to_string(round), core, core_pages * page, init_pages ? init : 0,
                                  init_pages * page);
            mod_tree_insert(mod.get());
            live.push_back(std::move(mod));
        } else {
            size_t victim = random() % live.size();
            module* mod = live[victim].get();
            if (mod->init.size && random() % 2) { // init memory freed first, as do_init_module does
                mod_tree_remove_init(mod);
                mod->init = {};
            } else {
                mod_tree_remove(mod);
                mod_tree_remove(mod); // twice: an unwinder may remove what is gone already
                live.erase(live.begin() + static_cast<long>(victim));
            }
        }
        if (round % 50 == 0) {
            for (int probe = 0; probe < 200; probe++) {
                u64 address = MODULES_VADDR + random() % (next - MODULES_VADDR + 2 * page);
                REQUIRE(mod_find(address) == brute_force(address));
            }
        }
    }
    for (auto& mod : live) {
        REQUIRE(mod_find(mod->core.address) == mod.get());
        REQUIRE(mod_find(mod->core.address + mod->core.size - 1) == mod.get());
        REQUIRE(mod_find(mod->core.address + mod->core.size) != mod.get()); // the guard page
        mod_tree_remove(mod.get());
    }
    CHECK(mod_find(MODULES_VADDR) == nullptr);
    CHECK_FALSE(is_module_address(MODULES_VADDR));
}

TEST_CASE("export table: ten thousand exports of a thousand modules are found, refused twice, and leave")
{
    export_table_ready();
    lkm_meminfo baseline = kernel_meminfo;

    // The kernel's own, from __ksymtab and __ksymtab_gpl.
    const module_export* printk_export = find_symbol("printk");
    REQUIRE(printk_export);
    CHECK(printk_export->owner == nullptr);
    CHECK_FALSE(printk_export->gpl_only);
    REQUIRE(find_symbol("gpl_only_helper"));
    CHECK(find_symbol("gpl_only_helper")->gpl_only);
    // With the CRC of the same entry in __kcrctab / __kcrctab_gpl.
    CHECK(printk_export->has_crc);
    CHECK(printk_export->crc == 0x1234abcd);
    CHECK(find_symbol("kmalloc")->crc == 0x0badf00d);
    CHECK(find_symbol("gpl_only_helper")->crc == 0x600dcafe);
    CHECK(find_symbol("no_such_symbol") == nullptr);

    constexpr int modules = 1000, per_module = 10;
    std::vector<std::unique_ptr<module>> mods;
    std::vector<std::string> names; // stable storage for the export names
    names.reserve(modules * per_module);
    for (int m = 0; m < modules; m++) {
        auto mod = new_module("exporter" + std::to_string(m), 0, 0);
        mod->syms = static_cast<module_export*>(kmalloc(per_module * sizeof(module_export)));
        for (int k = 0; k < per_module; k++) {
            names.push_back("export_" + std::to_string(m) + "_" + std::to_string(k));
            mod->syms[k] = { names.back().c_str(), u64(m * per_module + k), k == 0, mod.get(), nullptr };
        }
        mod->num_syms = per_module;
        REQUIRE_FALSE(verify_exported_symbols(mod.get()).is_error());
        publish_exports(mod.get());
        mods.push_back(std::move(mod));
    }
    for (int m = 0; m < modules; m++) {
        for (int k = 0; k < per_module; k++) {
            const module_export* e = find_symbol(("export_" + std::to_string(m) + "_" + std::to_string(k)).c_str());
            REQUIRE(e);
            REQUIRE(e->owner == mods[m].get());
            REQUIRE(e->value == u64(m * per_module + k));
        }
    }

    // A module exporting a name already there is refused with the owner's name (kernel or module).
    auto twin = new_module("twin", 0, 0);
    module_export twin_syms[] = { { "export_7_3", 0, false, twin.get(), nullptr } };
    twin->syms = twin_syms;
    twin->num_syms = 1;
    auto duplicate = verify_exported_symbols(twin.get());
    REQUIRE(duplicate.is_error());
    CHECK(duplicate.error().code == LKM_ENOEXEC);
    CHECK(duplicate.error().kind == lkm::ErrorKind::DuplicateExport);
    CHECK(std::string(duplicate.error().context) == "export_7_3 (owned by exporter7)");
    twin_syms[0].name = "printk";
    CHECK(std::string(verify_exported_symbols(twin.get()).error().context) == "printk (owned by kernel)");
    unpublish_exports(twin.get()); // never published: nothing to remove

    // Imports resolve through the table; one from a module links the two.
    auto importer = new_module("importer", 0, 0);
    ModuleSymbolResolver resolver(importer.get());
    auto resolved = resolver.resolve("export_999_9");
    REQUIRE_FALSE(resolved.is_error());
    CHECK(resolved.value().value == 9999);
    REQUIRE(g_refs.size() == 1);
    CHECK(g_refs[0].first == importer.get());
    CHECK(g_refs[0].second == mods[999].get());
    CHECK(resolver.resolve("nothing_exports_this").error().code == LKM_ENOENT);

    // Leaving in another order than they came: every name gone, the table back to its boot size.
    std::shuffle(mods.begin(), mods.end(), std::mt19937(4));
    for (auto& mod : mods) {
        unpublish_exports(mod.get());
        CHECK(find_symbol(mod->syms[1].name) == nullptr);
        kfree(mod->syms);
    }
    CHECK(find_symbol("export_0_0") == nullptr);
    REQUIRE(find_symbol("kmalloc"));
    CHECK(kernel_meminfo.kmalloc_bytes == baseline.kmalloc_bytes);
    CHECK(kernel_meminfo.kmalloc_objects == baseline.kmalloc_objects);
}
