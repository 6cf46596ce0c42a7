// Exported symbols and how imports find them (Linux's find_symbol and resolve_symbol in
// kernel/module/main.c). One table holds the kernel's exports (__ksymtab, __ksymtab_gpl) and those
// of every formed module, hashed by name: an import costs one bucket walk, however many modules
// are loaded. (Linux binary-searches each module's sorted __ksymtab in turn.)
//
// The table doubles when it holds more exports than buckets and halves when it holds under a
// quarter, so after the last module goes it is the size it was at boot (the tests compare
// kernel_meminfo with its baseline). If kmalloc cannot give a new bucket array the table keeps its
// old one: lookups stay right, only the chains are longer.
#include "internal.h"

#include <kernel/panic.h>
#include <kernel/slab.h>
#include <kernel/string.h>

extern "C" const lkm_kernel_symbol __start___ksymtab[], __stop___ksymtab[];
extern "C" const lkm_kernel_symbol __start___ksymtab_gpl[], __stop___ksymtab_gpl[];

namespace {

constexpr size_t MIN_BUCKETS = 64; // a power of two

module_export** g_buckets;
size_t g_bucket_count;
size_t g_export_count;
module_export* g_kernel_exports; // the kernel's, in the table from boot on

u64 name_hash(const char* name) // FNV-1a
{
    u64 hash = 0xcbf29ce484222325ull;
    for (; *name; name++)
        hash = (hash ^ static_cast<u8>(*name)) * 0x100000001b3ull;
    return hash;
}

module_export** bucket_of(const char* name) { return &g_buckets[name_hash(name) & (g_bucket_count - 1)]; }

void resize(size_t bucket_count)
{
    auto* buckets = static_cast<module_export**>(kmalloc(bucket_count * sizeof(module_export*)));
    if (!buckets)
        return;
    for (size_t i = 0; i < g_bucket_count; i++) {
        while (module_export* e = g_buckets[i]) {
            g_buckets[i] = e->hash_next;
            module_export** bucket = &buckets[name_hash(e->name) & (bucket_count - 1)];
            e->hash_next = *bucket;
            *bucket = e;
        }
    }
    kfree(g_buckets);
    g_buckets = buckets;
    g_bucket_count = bucket_count;
}

void insert(module_export* e)
{
    if (g_export_count + 1 > g_bucket_count)
        resize(g_bucket_count * 2);
    module_export** bucket = bucket_of(e->name);
    e->hash_next = *bucket;
    *bucket = e;
    g_export_count++;
}

void remove(module_export* e)
{
    for (module_export** link = bucket_of(e->name); *link; link = &(*link)->hash_next) {
        if (*link == e) {
            *link = e->hash_next;
            e->hash_next = nullptr;
            g_export_count--;
            break;
        }
    }
    if (g_bucket_count > MIN_BUCKETS && g_export_count < g_bucket_count / 4)
        resize(g_bucket_count / 2);
}

} // namespace

void export_table_init()
{
    size_t plain = static_cast<size_t>(__stop___ksymtab - __start___ksymtab);
    size_t gpl = static_cast<size_t>(__stop___ksymtab_gpl - __start___ksymtab_gpl);
    g_buckets = static_cast<module_export**>(kmalloc(MIN_BUCKETS * sizeof(module_export*)));
    g_kernel_exports = static_cast<module_export*>(kmalloc((plain + gpl) * sizeof(module_export)));
    if (!g_buckets || !g_kernel_exports)
        panic("module: no memory for the export table");
    g_bucket_count = MIN_BUCKETS;
    for (size_t i = 0; i < plain + gpl; i++) {
        const lkm_kernel_symbol& s = i < plain ? __start___ksymtab[i] : __start___ksymtab_gpl[i - plain];
        g_kernel_exports[i] = { reinterpret_cast<const char*>(s.name), s.value, i >= plain, nullptr, nullptr };
        insert(&g_kernel_exports[i]);
    }
}

const module_export* find_symbol(const char* name)
{
    for (const module_export* e = *bucket_of(name); e; e = e->hash_next) {
        if (!strcmp(e->name, name))
            return e;
    }
    return nullptr;
}

// Linux's verify_exported_symbols: a module may not export what the kernel or another module
// already exports. Its own exports are not in the table yet.
lkm::ErrorOr<void> verify_exported_symbols(const module* mod)
{
    for (size_t i = 0; i < mod->num_syms; i++) {
        if (const module_export* e = find_symbol(mod->syms[i].name))
            return lkm::make_error(LKM_ENOEXEC, "exports duplicate symbol", "%s (owned by %s)", e->name,
                                   e->owner ? e->owner->name : "kernel")
                .with_kind(lkm::ErrorKind::DuplicateExport);
    }
    return {};
}

void publish_exports(module* mod)
{
    for (size_t i = 0; i < mod->num_syms; i++)
        insert(&mod->syms[i]);
}

// Also for a module whose exports were never published: remove finds nothing then.
void unpublish_exports(module* mod)
{
    for (size_t i = 0; i < mod->num_syms; i++)
        remove(&mod->syms[i]);
}

lkm::ErrorOr<void> copy_exports(module* mod, const lkm::load_info& info)
{
    size_t count = info.num_exports + info.num_gpl_exports;
    if (!count)
        return {};
    mod->syms = static_cast<module_export*>(kmalloc(count * sizeof(module_export)));
    if (!mod->syms)
        return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for the module's exports");
    for (size_t i = 0; i < count; i++) {
        lkm::ExportedSymbol s = TRY(lkm::module_export(info, i));
        mod->syms[i] = { s.name, s.value, s.gpl_only, mod, nullptr };
        mod->num_syms = i + 1;
    }
    return {};
}

lkm::ErrorOr<lkm::ResolvedSymbol> ModuleSymbolResolver::resolve(const char* name)
{
    const module_export* e = find_symbol(name);
    if (!e)
        return lkm::Error::from_errno(LKM_ENOENT, "no such export");
    if (e->owner) {
        if (e->owner->state == LKM_MODULE_STATE_COMING)
            return lkm::make_error(LKM_EBUSY, "exporting module is still loading", "%s from %s", name, e->owner->name);
        // A GPL-only export for a module that may not use it is refused by the loader after this
        // returns; the link goes when the load is unwound.
        TRY(ref_module(m_mod, e->owner));
    }
    return lkm::ResolvedSymbol { e->value, e->gpl_only };
}
