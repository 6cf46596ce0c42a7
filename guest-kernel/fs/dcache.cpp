// The dentry cache (Linux's fs/dcache.c): names hashed by (parent, name) in a table that doubles
// as it fills, so d_lookup is one bucket however many names a directory holds. A file system pins
// each positive dentry with a reference of its own (ramfs's "extra count"); a dentry that is
// unhashed (unlinked, or a negative lookup) is freed with its last reference.
#include <lkmemu/errno.h>
#include <kernel/dcache.h>
#include <kernel/slab.h>
#include <kernel/string.h>

namespace {

struct dentry_hashtable {
    dentry** buckets = nullptr;
    size_t nr_buckets = 0;
    size_t nr_entries = 0;
};
dentry_hashtable g_table;

u32 name_hash(const dentry* parent, const char* name, size_t length)
{
    // FNV-1a over the parent's address and the name.
    u32 hash = 2166136261u;
    u64 p = reinterpret_cast<u64>(parent);
    for (int i = 0; i < 8; i++, p >>= 8)
        hash = (hash ^ static_cast<u8>(p)) * 16777619u;
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ static_cast<u8>(name[i])) * 16777619u;
    return hash;
}

void hash_insert(dentry** buckets, size_t nr_buckets, dentry* d)
{
    dentry*& bucket = buckets[d->d_hash & (nr_buckets - 1)];
    d->d_hash_next = bucket;
    bucket = d;
}

constexpr size_t MIN_BUCKETS = 256;

// Rehashes into nr buckets (a failed allocation keeps the old table: lookups only get slower).
void resize(size_t nr)
{
    auto** buckets = static_cast<dentry**>(kmalloc(nr * sizeof(dentry*)));
    if (!buckets)
        return;
    for (size_t i = 0; i < g_table.nr_buckets; i++) {
        for (dentry* d = g_table.buckets[i]; d;) {
            dentry* next = d->d_hash_next;
            hash_insert(buckets, nr, d);
            d = next;
        }
    }
    kfree(g_table.buckets);
    g_table.buckets = buckets;
    g_table.nr_buckets = nr;
}

// The table doubles when it holds more names than buckets and halves when under a quarter full,
// so a bucket holds about one name and a directory emptied gives its memory back.
void maybe_grow()
{
    if (g_table.nr_entries >= g_table.nr_buckets)
        resize(g_table.nr_buckets ? g_table.nr_buckets * 2 : MIN_BUCKETS);
}

void maybe_shrink()
{
    if (g_table.nr_buckets > MIN_BUCKETS && g_table.nr_entries < g_table.nr_buckets / 4)
        resize(g_table.nr_buckets / 2);
}

void d_hash_add(dentry* d)
{
    maybe_grow();
    hash_insert(g_table.buckets, g_table.nr_buckets, d);
    g_table.nr_entries++;
    d->d_flags &= ~DCACHE_UNHASHED;
}

void d_unhash(dentry* d)
{
    if (d->d_flags & DCACHE_UNHASHED)
        return;
    for (dentry** link = &g_table.buckets[d->d_hash & (g_table.nr_buckets - 1)]; *link; link = &(*link)->d_hash_next) {
        if (*link == d) {
            *link = d->d_hash_next;
            break;
        }
    }
    d->d_hash_next = nullptr;
    d->d_flags |= DCACHE_UNHASHED;
    g_table.nr_entries--;
    maybe_shrink();
}

dentry* alloc_dentry(const char* name, size_t length)
{
    auto* d = static_cast<dentry*>(kmalloc(sizeof(dentry) + length + 1));
    if (!d)
        return nullptr;
    d->d_count = 1;
    d->d_flags = DCACHE_UNHASHED;
    INIT_LIST_HEAD(&d->d_child);
    INIT_LIST_HEAD(&d->d_subdirs);
    d->d_len = static_cast<u32>(length);
    d->d_name = d->d_iname;
    memcpy(d->d_name, name, length);
    d->d_name[length] = '\0';
    return d;
}

} // namespace

dentry* d_lookup(const dentry* parent, const char* name, size_t length)
{
    if (!g_table.nr_buckets)
        return nullptr;
    u32 hash = name_hash(parent, name, length);
    for (dentry* d = g_table.buckets[hash & (g_table.nr_buckets - 1)]; d; d = d->d_hash_next) {
        if (d->d_hash == hash && d->d_parent == parent && d->d_len == length && !memcmp(d->d_name, name, length))
            return dget(d);
    }
    return nullptr;
}

dentry* d_alloc(dentry* parent, const char* name, size_t length)
{
    dentry* d = alloc_dentry(name, length);
    if (!d)
        return nullptr;
    d->d_parent = dget(parent);
    d->d_sb = parent->d_sb;
    d->d_hash = name_hash(parent, name, length);
    list_add_tail(&d->d_child, &parent->d_subdirs);
    d_hash_add(d);
    return d;
}

dentry* d_alloc_root(super_block* sb, inode* root)
{
    dentry* d = alloc_dentry("/", 1);
    if (!d)
        return nullptr;
    d->d_parent = d;
    d->d_sb = sb;
    d->d_inode = root;
    return d;
}

dentry* d_alloc_cursor(dentry* dir)
{
    dentry* d = alloc_dentry("", 0);
    if (!d)
        return nullptr;
    d->d_flags |= DCACHE_CURSOR;
    d->d_parent = dir; // no reference: the file holding the cursor holds the directory
    d->d_sb = dir->d_sb;
    list_add(&d->d_child, &dir->d_subdirs);
    return d;
}

void d_instantiate(dentry* d, inode* i) { d->d_inode = i; }

bool d_is_negative(const dentry* d) { return !d->d_inode; }

void d_delete(dentry* d)
{
    inode* i = d->d_inode;
    d->d_inode = nullptr;
    d_unhash(d);
    if (i)
        iput(i);
    dput(d); // the file system's pin
}

int d_move(dentry* d, dentry* target)
{
    auto* name = static_cast<char*>(kmalloc(target->d_len + 1));
    if (!name)
        return -LKM_ENOMEM;
    memcpy(name, target->d_name, target->d_len + 1);
    d_unhash(d);
    if (d->d_name != d->d_iname)
        kfree(d->d_name);
    d->d_name = name;
    d->d_len = target->d_len;
    dentry* old_parent = d->d_parent;
    list_del_init(&d->d_child);
    d->d_parent = dget(target->d_parent);
    list_add_tail(&d->d_child, &d->d_parent->d_subdirs);
    d->d_hash = target->d_hash;
    d_hash_add(d);
    if (!target->d_inode)
        d_unhash(target); // a negative target goes with its last reference
    dput(old_parent);
    return 0;
}

void dput(dentry* d)
{
    while (d && --d->d_count == 0) {
        if (!(d->d_flags & DCACHE_UNHASHED) && d->d_inode)
            return; // a pinned name's last user reference went; the pin keeps it (cannot happen)
        d_unhash(d);
        dentry* parent = d->d_parent == d ? nullptr : d->d_parent;
        if (d->d_flags & DCACHE_CURSOR)
            parent = nullptr;
        list_del_init(&d->d_child);
        if (d->d_inode)
            iput(d->d_inode);
        if (d->d_name != d->d_iname)
            kfree(d->d_name);
        kfree(d);
        d = parent;
    }
}

bool simple_empty(const dentry* dir)
{
    for (list_head* l = dir->d_subdirs.next; l != &dir->d_subdirs; l = l->next) {
        const dentry* child = list_entry(l, dentry, d_child);
        if (!(child->d_flags & DCACHE_CURSOR) && child->d_inode)
            return false;
    }
    return true;
}
