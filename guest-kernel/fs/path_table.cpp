// The hashed path table of fs/internal.h.
#include "internal.h"

#include <kernel/string.h>

namespace {

// FNV-1a: cheap, and spreads paths that differ only at the end ("/dev/a0", "/dev/a1" ...).
u32 path_hash(const char* path)
{
    u32 hash = 2166136261u;
    for (; *path; path++)
        hash = (hash ^ static_cast<u8>(*path)) * 16777619u;
    return hash;
}

} // namespace

path_entry* path_table::find(const char* path) const
{
    u32 hash = path_hash(path);
    for (path_entry* e = m_buckets[hash % BUCKETS]; e; e = e->next) {
        if (e->hash == hash && !strcmp(e->path, path))
            return e;
    }
    return nullptr;
}

void path_table::insert(path_entry* entry, const char* path)
{
    entry->path = path;
    entry->hash = path_hash(path);
    path_entry*& bucket = m_buckets[entry->hash % BUCKETS];
    entry->next = bucket;
    bucket = entry;
}

void path_table::remove(path_entry* entry)
{
    for (path_entry** link = &m_buckets[entry->hash % BUCKETS]; *link; link = &(*link)->next) {
        if (*link == entry) {
            *link = entry->next;
            entry->next = nullptr;
            return;
        }
    }
}
