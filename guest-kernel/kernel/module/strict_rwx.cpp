// Page permissions of a loaded module (Linux's kernel/module/strict_rwx.c). The loader lays each
// region out as text | rodata | ro_after_init | data, every class starting on a page, so each
// class gets its own permissions: text r-x, rodata r--, ro_after_init r-- once init has returned,
// data (and bss) rw- NX. Module pages are mapped rw- NX by module_alloc; set_memory_* flush the
// TLB entry of every page they change.
#include "internal.h"

#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/panic.h>

namespace {

using lkm::SectionClass;

struct class_pages {
    u64 address;
    size_t pages;
};

class_pages pages_of(const lkm::ModuleMemory& memory, const lkm::RegionLayout& layout, SectionClass c)
{
    unsigned i = static_cast<unsigned>(c);
    if (!memory.size || !layout.class_size[i])
        return { 0, 0 };
    return { memory.address + layout.class_offset[i], align_up(layout.class_size[i], PAGE_SIZE) / PAGE_SIZE };
}

// These calls cannot fail on pages module_alloc mapped; if one does, the page tables are broken.
void must(lkm::ErrorOr<void> result, const char* what)
{
    if (result.is_error())
        panic("%s: %s", what, result.error().reason);
}

template<typename Fn> void for_each_region(const module* mod, SectionClass c, Fn fn)
{
    class_pages core = pages_of(mod->core, mod->core_layout, c);
    if (core.pages)
        fn(core);
    class_pages init = pages_of(mod->init, mod->init_layout, c);
    if (init.pages)
        fn(init);
}

} // namespace

void module_enable_rodata_ro(const module* mod, bool after_init)
{
    for_each_region(mod, SectionClass::rodata, [](class_pages p) { must(set_memory_ro(p.address, p.pages), "rodata ro"); });
    if (after_init) {
        for_each_region(mod, SectionClass::ro_after_init,
                        [](class_pages p) { must(set_memory_ro(p.address, p.pages), "ro_after_init ro"); });
    }
}

void module_enable_nx(const module* mod)
{
    const SectionClass classes[] = { SectionClass::rodata, SectionClass::ro_after_init, SectionClass::data };
    for (SectionClass c : classes)
        for_each_region(mod, c, [](class_pages p) { must(set_memory_nx(p.address, p.pages), "nx"); });
}

void module_enable_text_rox(const module* mod)
{
    for_each_region(mod, SectionClass::text, [](class_pages p) {
        must(set_memory_ro(p.address, p.pages), "text ro"); // W^X: read-only before executable
        must(set_memory_x(p.address, p.pages), "text x");
    });
}

void module_disable_protections(const lkm::ModuleMemory& memory)
{
    if (!memory.size)
        return;
    size_t pages = memory.size / PAGE_SIZE;
    must(set_memory_nx(memory.address, pages), "disable x"); // W^X: not executable before writable
    must(set_memory_rw(memory.address, pages), "disable ro");
}
