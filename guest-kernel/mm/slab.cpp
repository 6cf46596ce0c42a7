// kmalloc: small requests come from per-size-class pages ("slabs") of equal objects, large ones
// get their own contiguous pages. Every page starts with a header, so kfree finds the page of a
// pointer by rounding down and knows what it is. A slab page goes back to the page allocator as
// soon as its last object is freed, so free memory returns to its baseline.
//
// kfree checks what it is given, as KASAN does in Linux (mm/kasan/report.c): a pointer kmalloc
// did not return (outside the direct map, not on a kmalloc page, not the start of an object) is an
// "invalid-free", an object already free a "double-free". Either is reported with the caller's
// symbol and a call trace, taints the kernel B (TAINT_BAD_PAGE, as KASAN's end_report), and the
// free is refused: the allocator is never corrupted, so nothing breaks later.
//
// A freed small object is not reused at once: it waits in a FIFO quarantine (KASAN's
// mm/kasan/quarantine.c) until QUARANTINE_BYTES of slots freed after it have queued up, so a second
// kfree of a pointer whose memory would otherwise already hold a new object is still a
// "double-free". A slab page whose last live object goes is freed at once, taking its quarantined
// slots out of the queue: the quarantine never holds a page, so free memory still returns to its
// baseline; a double free after that page was reused is caught only if the new use of the page
// does not have a live object at that address.
//
// Tracked allocations (kmalloc_track_caller: what modules get) come from their own classes, whose
// objects carry a link onto their owner's list and the allocating call site, so a module's unload
// finds what it left allocated in O(leaks) instead of scanning the heap.
#include <asm/page.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/string.h>

struct kmalloc_link {
    kmalloc_link* next; // on owner->objects
    kmalloc_link* prev;
    kmalloc_owner* owner; // nullptr once released
    u64 caller;           // the allocating call's return address
};

namespace {

constexpr u32 SLAB_MAGIC = 0x51ab51ab;
constexpr u32 LARGE_MAGIC = 0x1a26e0bb;
// What freed pages keep until they are reused, so that a second kfree is still told apart.
constexpr u32 SLAB_FREED_MAGIC = 0x51abf2ee;
constexpr u32 LARGE_FREED_MAGIC = 0x1a26f2ee;

struct free_object {
    free_object* next;
};

// At the start of every kmalloc page (or page run).
struct page_header {
    u32 magic;
    u32 size_class; // slab: index into g_classes
    union {
        struct {
            u32 in_use;   // live objects
            u32 capacity; // objects per page
            free_object* free_list;
            page_header* next; // the class's pages with free objects
            page_header* prev;
        } slab;
        struct {
            u64 pages;     // the run's length in pages
            u64 requested; // the size the caller asked for
            u32 tracked;   // link is in use
            kmalloc_link link;
        } large;
    };
};
constexpr size_t HEADER_SIZE = align_up(sizeof(page_header), 16);

// The 16 bytes before every small object's data. When the object is free its slot starts with
// the free-list link, which overlays only the first word; state stays readable.
constexpr u32 OBJECT_LIVE = 0x0b1ec7ed;
constexpr u32 OBJECT_FREE = 0xf4eef4ee; // a slot never handed out reads 0 (pages come zeroed)
constexpr u32 OBJECT_QUARANTINED = 0x9aa7f4ee; // freed, in the quarantine: not yet on a free list
struct object_prefix {
    u64 unused;
    u32 requested; // for the byte accounting
    u32 state;
};

struct size_class {
    u32 size;
    u32 prefix; // bytes before the data: object_prefix, and for tracked classes kmalloc_link first
    page_header* partial; // pages with at least one free object
};
constexpr u32 PLAIN_PREFIX = sizeof(object_prefix);
constexpr u32 TRACKED_PREFIX = sizeof(kmalloc_link) + sizeof(object_prefix);
size_class g_classes[] = {
    { 16, PLAIN_PREFIX, nullptr }, { 32, PLAIN_PREFIX, nullptr }, { 64, PLAIN_PREFIX, nullptr },
    { 128, PLAIN_PREFIX, nullptr }, { 256, PLAIN_PREFIX, nullptr }, { 512, PLAIN_PREFIX, nullptr },
    { 1024, PLAIN_PREFIX, nullptr },
    // Tracked: a 16- or 32-byte slot would not hold the prefix.
    { 64, TRACKED_PREFIX, nullptr }, { 128, TRACKED_PREFIX, nullptr }, { 256, TRACKED_PREFIX, nullptr },
    { 512, TRACKED_PREFIX, nullptr }, { 1024, TRACKED_PREFIX, nullptr },
};
constexpr u32 PLAIN_FIRST = 0, PLAIN_LAST = 6, TRACKED_FIRST = 7, TRACKED_LAST = 11;

// How many bytes of freed slots the quarantine holds back from reuse, oldest released first: 256
// objects of the largest class, thousands of small ones.
constexpr u64 QUARANTINE_BYTES = 256 * 1024;

// A quarantined slot's link, in the first 16 bytes of its data (every class used has at least 16).
struct quarantine_link {
    quarantine_link* next; // newer
    quarantine_link* prev; // older
};
quarantine_link* g_quarantine_oldest;
quarantine_link* g_quarantine_newest;
u64 g_quarantine_bytes;

page_header* page_of(const void* p) { return reinterpret_cast<page_header*>(align_down(reinterpret_cast<u64>(p), PAGE_SIZE)); }
u8* large_data(page_header* page) { return reinterpret_cast<u8*>(page) + HEADER_SIZE; }

void unlink(size_class& c, page_header* page)
{
    if (page->slab.prev)
        page->slab.prev->slab.next = page->slab.next;
    else
        c.partial = page->slab.next;
    if (page->slab.next)
        page->slab.next->slab.prev = page->slab.prev;
    page->slab.next = page->slab.prev = nullptr;
}

void push(size_class& c, page_header* page)
{
    page->slab.prev = nullptr;
    page->slab.next = c.partial;
    if (c.partial)
        c.partial->slab.prev = page;
    c.partial = page;
}

void link_to_owner(kmalloc_link* link, kmalloc_owner* owner, u64 caller, size_t size)
{
    *link = { owner->objects, nullptr, owner, caller };
    if (owner->objects)
        owner->objects->prev = link;
    owner->objects = link;
    owner->count++;
    owner->bytes += size;
}

void unlink_from_owner(kmalloc_link* link, size_t size)
{
    kmalloc_owner* owner = link->owner;
    if (!owner)
        return; // released: its owner is gone
    if (link->prev)
        link->prev->next = link->next;
    else
        owner->objects = link->next;
    if (link->next)
        link->next->prev = link->prev;
    owner->count--;
    owner->bytes -= size;
    *link = {};
}

page_header* new_slab(u32 class_index)
{
    auto phys = alloc_page();
    if (phys.is_error())
        return nullptr;
    auto* page = static_cast<page_header*>(__va(phys.value()));
    u32 size = g_classes[class_index].size;
    page->magic = SLAB_MAGIC;
    page->size_class = class_index;
    page->slab.capacity = static_cast<u32>((PAGE_SIZE - HEADER_SIZE) / size);
    page->slab.in_use = 0;
    page->slab.free_list = nullptr;
    for (u32 i = page->slab.capacity; i-- > 0;) {
        auto* object = reinterpret_cast<free_object*>(reinterpret_cast<u8*>(page) + HEADER_SIZE + i * size);
        object->next = page->slab.free_list;
        page->slab.free_list = object;
    }
    return page;
}

void* kmalloc_small(size_t size, u32 first, kmalloc_owner* owner, u64 caller)
{
    u32 index = first;
    while (g_classes[index].size - g_classes[index].prefix < size)
        index++; // stops at `last` at the latest: kmalloc_common checked that it fits
    size_class& c = g_classes[index];
    page_header* page = c.partial;
    if (!page) {
        page = new_slab(index);
        if (!page)
            return nullptr;
        push(c, page);
    }
    free_object* object = page->slab.free_list;
    page->slab.free_list = object->next;
    page->slab.in_use++;
    if (!page->slab.free_list) // on the partial list only while it has a slot to give
        unlink(c, page);
    memset(object, 0, c.size);
    u8* data = reinterpret_cast<u8*>(object) + c.prefix;
    auto* prefix = reinterpret_cast<object_prefix*>(data) - 1;
    prefix->requested = static_cast<u32>(size);
    prefix->state = OBJECT_LIVE;
    if (owner)
        link_to_owner(reinterpret_cast<kmalloc_link*>(object), owner, caller, size);
    return data;
}

void* kmalloc_large(size_t size, kmalloc_owner* owner, u64 caller)
{
    u64 pages = align_up(size + HEADER_SIZE, PAGE_SIZE) / PAGE_SIZE;
    auto phys = alloc_pages(pages);
    if (phys.is_error())
        return nullptr;
    auto* page = static_cast<page_header*>(__va(phys.value()));
    page->magic = LARGE_MAGIC;
    page->large.pages = pages;
    page->large.requested = size;
    page->large.tracked = owner != nullptr;
    if (owner)
        link_to_owner(&page->large.link, owner, caller, size);
    return large_data(page);
}

void* kmalloc_common(size_t size, kmalloc_owner* owner, u64 caller)
{
    if (size == 0 || size > (1ull << 30))
        return nullptr;
    u32 last = owner ? TRACKED_LAST : PLAIN_LAST;
    bool small = size <= g_classes[last].size - g_classes[last].prefix;
    void* p = small ? kmalloc_small(size, owner ? TRACKED_FIRST : PLAIN_FIRST, owner, caller)
                    : kmalloc_large(size, owner, caller);
    if (p) {
        kernel_meminfo.kmalloc_bytes += size;
        kernel_meminfo.kmalloc_objects++;
    }
    return p;
}

// KASAN's report for a bad free (mm/kasan/report.c: "BUG: KASAN: double-free in %pS", then
// "Free of addr"), without its shadow-memory detail.
bool report_bad_free(const char* bug_type, const void* pointer, u64 caller)
{
    pr_err("==================================================================\n");
    pr_err("BUG: KASAN: %s in %pS\n", bug_type, reinterpret_cast<void*>(caller));
    pr_err("Free of addr %p\n", pointer);
    dump_stack();
    pr_err("==================================================================\n");
    add_kernel_taint(TAINT_BAD_PAGE);
    return false; // refused
}

bool in_direct_map(u64 address)
{
    return address >= page_offset_base && pfn_valid((address - page_offset_base) / PAGE_SIZE);
}

void free_large(page_header* page)
{
    if (page->large.tracked)
        unlink_from_owner(&page->large.link, page->large.requested);
    kernel_meminfo.kmalloc_bytes -= page->large.requested;
    kernel_meminfo.kmalloc_objects--;
    page->magic = LARGE_FREED_MAGIC;
    free_pages(__pa(page), page->large.pages);
}

// The object at pointer on slab page `page`, or nullptr if pointer is not the start of an
// object's data there.
object_prefix* slab_object(page_header* page, const void* pointer)
{
    if (page->size_class > TRACKED_LAST)
        return nullptr;
    const size_class& c = g_classes[page->size_class];
    u64 first = reinterpret_cast<u64>(page) + HEADER_SIZE + c.prefix;
    u64 address = reinterpret_cast<u64>(pointer);
    if (address < first || (address - first) % c.size != 0 || (address - first) / c.size >= page->slab.capacity)
        return nullptr;
    return reinterpret_cast<object_prefix*>(const_cast<void*>(pointer)) - 1;
}

quarantine_link* quarantine_link_of(object_prefix* prefix) { return reinterpret_cast<quarantine_link*>(prefix + 1); }
object_prefix* prefix_of(quarantine_link* link) { return reinterpret_cast<object_prefix*>(link) - 1; }

void quarantine_unlink(quarantine_link* link, const size_class& c)
{
    if (link->prev)
        link->prev->next = link->next;
    else
        g_quarantine_oldest = link->next;
    if (link->next)
        link->next->prev = link->prev;
    else
        g_quarantine_newest = link->prev;
    g_quarantine_bytes -= c.size;
}

// A slot out of the quarantine onto its page's free list: reusable from now on.
void release_slot(page_header* page, object_prefix* prefix)
{
    size_class& c = g_classes[page->size_class];
    prefix->state = OBJECT_FREE;
    auto* object = reinterpret_cast<free_object*>(reinterpret_cast<u8*>(prefix + 1) - c.prefix);
    bool had_free = page->slab.free_list != nullptr;
    object->next = page->slab.free_list;
    page->slab.free_list = object;
    if (!had_free)
        push(c, page);
}

void quarantine_put(page_header* page, object_prefix* prefix)
{
    const size_class& c = g_classes[page->size_class];
    prefix->state = OBJECT_QUARANTINED;
    quarantine_link* link = quarantine_link_of(prefix);
    *link = { nullptr, g_quarantine_newest };
    if (g_quarantine_newest)
        g_quarantine_newest->next = link;
    else
        g_quarantine_oldest = link;
    g_quarantine_newest = link;
    g_quarantine_bytes += c.size;
    while (g_quarantine_bytes > QUARANTINE_BYTES) {
        quarantine_link* oldest = g_quarantine_oldest;
        page_header* its_page = page_of(oldest);
        quarantine_unlink(oldest, g_classes[its_page->size_class]);
        release_slot(its_page, prefix_of(oldest));
    }
}

// The page's last live object went: its quarantined slots leave the queue with it. (A walk over
// the page's slots, once per page freed.)
void free_slab(page_header* page)
{
    size_class& c = g_classes[page->size_class];
    for (u32 i = 0; i < page->slab.capacity; i++) {
        auto* prefix = reinterpret_cast<object_prefix*>(reinterpret_cast<u8*>(page) + HEADER_SIZE + i * c.size + c.prefix) - 1;
        if (prefix->state == OBJECT_QUARANTINED) {
            quarantine_unlink(quarantine_link_of(prefix), c);
            prefix->state = OBJECT_FREE; // a later kfree of it is still a double free
        }
    }
    if (page->slab.free_list)
        unlink(c, page);
    page->magic = SLAB_FREED_MAGIC;
    free_page(__pa(page));
}

void free_small(page_header* page, object_prefix* prefix)
{
    size_class& c = g_classes[page->size_class];
    u8* slot = reinterpret_cast<u8*>(prefix + 1) - c.prefix;
    if (c.prefix == TRACKED_PREFIX)
        unlink_from_owner(reinterpret_cast<kmalloc_link*>(slot), prefix->requested);
    kernel_meminfo.kmalloc_bytes -= prefix->requested;
    kernel_meminfo.kmalloc_objects--;
    page->slab.in_use--;
    if (page->slab.in_use == 0) {
        prefix->state = OBJECT_FREE;
        free_slab(page);
        return;
    }
    quarantine_put(page, prefix);
}

} // namespace

void* kmalloc(size_t size) { return kmalloc_common(size, nullptr, 0); }

void* kmalloc_track_caller(size_t size, u64 caller, kmalloc_owner* owner) { return kmalloc_common(size, owner, caller); }

void kfree(const void* pointer) { kfree_track_caller(pointer, reinterpret_cast<u64>(__builtin_return_address(0))); }

bool kfree_track_caller(const void* pointer, u64 caller)
{
    if (!pointer)
        return true;
    if (!in_direct_map(reinterpret_cast<u64>(pointer)))
        return report_bad_free("invalid-free", pointer, caller); // reading its page could fault
    page_header* page = page_of(pointer);
    if (page->magic == LARGE_MAGIC || page->magic == LARGE_FREED_MAGIC) {
        if (pointer != large_data(page))
            return report_bad_free("invalid-free", pointer, caller);
        if (page->magic == LARGE_FREED_MAGIC)
            return report_bad_free("double-free", pointer, caller);
        free_large(page);
        return true;
    }
    bool slab = page->magic == SLAB_MAGIC || page->magic == SLAB_FREED_MAGIC;
    object_prefix* prefix = slab ? slab_object(page, pointer) : nullptr;
    if (!prefix || (prefix->state != OBJECT_LIVE && prefix->state != OBJECT_FREE && prefix->state != OBJECT_QUARANTINED))
        return report_bad_free("invalid-free", pointer, caller);
    if (prefix->state != OBJECT_LIVE)
        return report_bad_free("double-free", pointer, caller); // its page may be gone too
    if (page->magic != SLAB_MAGIC)
        return report_bad_free("invalid-free", pointer, caller);
    free_small(page, prefix);
    return true;
}

void kmalloc_owner_release(kmalloc_owner* owner, kmalloc_leak_fn report, void* context)
{
    for (kmalloc_link* link = owner->objects; link;) {
        kmalloc_link* next = link->next;
        page_header* page = page_of(link);
        const void* object;
        size_t size;
        if (link == &page->large.link) {
            object = large_data(page);
            size = page->large.requested;
        } else {
            auto* prefix = reinterpret_cast<object_prefix*>(reinterpret_cast<u8*>(link) + TRACKED_PREFIX) - 1;
            object = prefix + 1;
            size = prefix->requested;
        }
        report(context, object, size, link->caller);
        link->next = link->prev = nullptr;
        link->owner = nullptr;
        link = next;
    }
    *owner = {};
}
