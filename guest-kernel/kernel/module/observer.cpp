// What the kernel publishes about its modules for observers outside the guest
// (abi/lkmemu/observer.h): the host's vmmap, gdb's lkm-symbols. lkm_observed_modules points at
// the first struct lkm_observed_module; each module embeds its own and a kmalloc'd array of its
// allocated sections (core ones first, then init ones, which go when init memory is freed).
#include "internal.h"

#include <kernel/slab.h>
#include <kernel/string.h>

extern "C" {
// The head of the list the host reads by symbol name: a guest virtual address, 0 when empty.
u64 lkm_observed_modules;
}

namespace {

void link_last(lkm_observed_module* observed)
{
    observed->next = 0;
    u64* link = &lkm_observed_modules;
    while (*link)
        link = &reinterpret_cast<lkm_observed_module*>(*link)->next;
    *link = reinterpret_cast<u64>(observed);
}

} // namespace

lkm::ErrorOr<void> observe_module(module* mod, const lkm::load_info& info)
{
    size_t count = 0;
    for (unsigned i = 1; i < info.shnum; i++)
        count += info.placement[i].region != lkm::Region::none;
    if (count) {
        mod->observed_sections = static_cast<lkm_observed_section*>(kmalloc(count * sizeof(lkm_observed_section)));
        if (!mod->observed_sections)
            return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for the module's section list");
    }
    size_t n = 0;
    const lkm::Region regions[] = { lkm::Region::core, lkm::Region::init };
    for (lkm::Region region : regions) {
        for (unsigned i = 1; i < info.shnum; i++) {
            if (info.placement[i].region != region)
                continue;
            lkm_observed_section& s = mod->observed_sections[n++];
            s.address = info.section_address(i);
            s.size = info.sechdrs[i].sh_size;
            strlcpy(s.name, info.section_name(i), sizeof(s.name));
        }
    }
    lkm_observed_module& o = mod->observed;
    strlcpy(o.name, mod->name, sizeof(o.name));
    o.state = mod->state;
    o.section_count = static_cast<u32>(n);
    o.sections = reinterpret_cast<u64>(mod->observed_sections);
    o.core_base = mod->core.address;
    o.core_size = mod->core.size;
    o.init_base = mod->init.address;
    o.init_size = mod->init.size;
    link_last(&o);
    return {};
}

void observe_drop_init(module* mod)
{
    lkm_observed_module& o = mod->observed;
    u32 kept = 0;
    for (u32 i = 0; i < o.section_count; i++) {
        const lkm_observed_section& s = mod->observed_sections[i];
        if (s.address - o.init_base < o.init_size && o.init_size)
            continue;
        mod->observed_sections[kept++] = s;
    }
    o.section_count = kept;
    o.init_base = 0;
    o.init_size = 0;
}

void unobserve_module(module* mod)
{
    u64 self = reinterpret_cast<u64>(&mod->observed);
    for (u64* link = &lkm_observed_modules; *link; link = &reinterpret_cast<lkm_observed_module*>(*link)->next) {
        if (*link == self) {
            *link = mod->observed.next;
            break;
        }
    }
    kfree(mod->observed_sections);
    mod->observed_sections = nullptr;
    mod->observed.section_count = 0;
}
