// Stages 3 and 4: decide where each section goes (layout_sections), then get the memory and put
// the sections there (move_module) — Linux's layout_and_allocate, split in two.
//
// Two regions, as Linux: core (lives as long as the module) and init (.init.* sections, freed
// once init returns). Inside each, sections are grouped by permission class
//     text | rodata | ro_after_init | data (and bss)
// with every class starting on a page so the kernel can map it r-x, r--, r--(after init), rw-.
// .exit.* sections stay in core: modules can be unloaded.
#include <loader/format.h>
#include <loader/loader.h>

namespace lkm {
namespace {

using namespace elf;

// Nothing in the module area could hold more; a hostile .bss size stops here, before arithmetic.
constexpr uint64_t max_region_size = 512ull << 20;

uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

bool starts_with(const char* s, const char* prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

bool is_loaded(const load_info& info, unsigned i)
{
    // .modinfo is read from the image, never loaded (Linux clears its SHF_ALLOC).
    return (info.sechdrs[i].sh_flags & SHF_ALLOC) && i != info.index.info;
}

SectionClass class_of(const load_info& info, unsigned i)
{
    const Elf64_Shdr& s = info.sechdrs[i];
    if (s.sh_flags & SHF_EXECINSTR)
        return SectionClass::text;
    if (!(s.sh_flags & SHF_WRITE))
        return SectionClass::rodata;
    const char* name = info.section_name(i);
    if (starts_with(name, ".data..ro_after_init") && name[20] == '\0')
        return SectionClass::ro_after_init;
    return SectionClass::data;
}

Region region_of(const load_info& info, unsigned i)
{
    return starts_with(info.section_name(i), ".init") ? Region::init : Region::core;
}

} // namespace

const char* section_class_name(SectionClass c)
{
    switch (c) {
    case SectionClass::text:
        return "text";
    case SectionClass::rodata:
        return "rodata";
    case SectionClass::ro_after_init:
        return "ro_after_init";
    case SectionClass::data:
        return "data";
    }
    return "?";
}

ErrorOr<void> layout_sections(load_info& info)
{
    if (!info.validated)
        return Error::from_errno(LKM_EINVAL, "layout_sections before elf_validity_check");
    info.placement = TRY(Array<SectionPlacement>::create(info.allocator, info.shnum));
    const Region regions[] = { Region::core, Region::init };
    for (Region region : regions) {
        RegionLayout& layout = region == Region::core ? info.core_layout : info.init_layout;
        uint64_t cursor = 0;
        for (unsigned c = 0; c < section_class_count; ++c) {
            cursor = align_up(cursor, loader_page_size);
            layout.class_offset[c] = cursor;
            for (unsigned i = 1; i < info.shnum; ++i) {
                if (!is_loaded(info, i) || region_of(info, i) != region
                    || class_of(info, i) != static_cast<SectionClass>(c))
                    continue;
                const Elf64_Shdr& s = info.sechdrs[i];
                if (s.sh_size > max_region_size)
                    return make_error(LKM_E2BIG, "section too large for the module area", "%s: %llu bytes",
                        info.section_name(i), static_cast<unsigned long long>(s.sh_size));
                cursor = align_up(cursor, s.sh_addralign ? s.sh_addralign : 1);
                info.placement[i] = { region, static_cast<SectionClass>(c), cursor };
                cursor += s.sh_size;
                if (cursor > max_region_size)
                    return make_error(LKM_E2BIG, "module too large for the module area", "%s region passes %llu MiB",
                        region == Region::core ? "core" : "init", static_cast<unsigned long long>(max_region_size >> 20));
            }
            layout.class_size[c] = cursor - layout.class_offset[c];
        }
        layout.size = align_up(cursor, loader_page_size);
    }
    if (info.core_layout.size == 0)
        return make_error(LKM_ENOEXEC, "module has nothing to load", "no SHF_ALLOC sections in core");
    return {};
}

ErrorOr<void> move_module(load_info& info, ModuleMemoryProvider& provider)
{
    if (!info.placement.size())
        return Error::from_errno(LKM_EINVAL, "move_module before layout_sections");
    info.memory_provider = &provider;
    info.core = TRY(provider.allocate_region(Region::core, info.core_layout.size));
    __builtin_memset(info.core.memory, 0, info.core.size);
    if (info.init_layout.size) {
        info.init_region = TRY(provider.allocate_region(Region::init, info.init_layout.size));
        __builtin_memset(info.init_region.memory, 0, info.init_region.size);
    }
    for (unsigned i = 1; i < info.shnum; ++i) {
        const Elf64_Shdr& s = info.sechdrs[i];
        if (info.placement[i].region == Region::none || s.sh_type == SHT_NOBITS)
            continue; // .bss is already zero
        __builtin_memcpy(info.section_memory(i), info.section_data(i), s.sh_size);
    }
    return {};
}

} // namespace lkm
