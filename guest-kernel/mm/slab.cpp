// kmalloc: small requests come from per-size-class pages ("slabs") of equal objects, large ones
// get their own contiguous pages. Every page starts with a header, so kfree finds the page of a
// pointer by rounding down and knows what it is. A slab page goes back to the page allocator as
// soon as its last object is freed, so free memory returns to its baseline.
#include <asm/page.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/string.h>

namespace {

constexpr u32 SLAB_MAGIC = 0x51ab51ab;
constexpr u32 LARGE_MAGIC = 0x1a26e0bb;

struct free_object {
    free_object* next;
};

// At the start of every kmalloc page (or page run).
struct page_header {
    u32 magic;
    u32 size_class;   // slab: index into g_classes
    u64 pages;        // large: the run's length in pages
    u64 requested;    // large: the size the caller asked for
    u32 in_use;       // slab: live objects
    u32 capacity;     // slab: objects per page
    free_object* free_list;
    page_header* next; // slab: the class's pages with free objects
    page_header* prev;
};
constexpr size_t HEADER_SIZE = align_up(sizeof(page_header), 16);

struct size_class {
    u32 size;
    page_header* partial; // pages with at least one free object
};
size_class g_classes[] = { { 16, nullptr }, { 32, nullptr }, { 64, nullptr }, { 128, nullptr },
                           { 256, nullptr }, { 512, nullptr }, { 1024, nullptr } };

// Live small allocations remember their requested size in a prefix, for the byte accounting.
struct object_prefix {
    u64 requested;
    u64 reserved;
};

page_header* page_of(const void* p) { return reinterpret_cast<page_header*>(align_down(reinterpret_cast<u64>(p), PAGE_SIZE)); }

void unlink(size_class& c, page_header* page)
{
    if (page->prev)
        page->prev->next = page->next;
    else
        c.partial = page->next;
    if (page->next)
        page->next->prev = page->prev;
    page->next = page->prev = nullptr;
}

void push(size_class& c, page_header* page)
{
    page->prev = nullptr;
    page->next = c.partial;
    if (c.partial)
        c.partial->prev = page;
    c.partial = page;
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
    page->capacity = static_cast<u32>((PAGE_SIZE - HEADER_SIZE) / size);
    page->in_use = 0;
    page->free_list = nullptr;
    for (u32 i = page->capacity; i-- > 0;) {
        auto* object = reinterpret_cast<free_object*>(reinterpret_cast<u8*>(page) + HEADER_SIZE + i * size);
        object->next = page->free_list;
        page->free_list = object;
    }
    return page;
}

void* kmalloc_small(size_t size)
{
    size_t total = size + sizeof(object_prefix);
    u32 index = 0;
    while (g_classes[index].size < total)
        index++;
    size_class& c = g_classes[index];
    page_header* page = c.partial;
    if (!page) {
        page = new_slab(index);
        if (!page)
            return nullptr;
        push(c, page);
    }
    free_object* object = page->free_list;
    page->free_list = object->next;
    if (++page->in_use == page->capacity)
        unlink(c, page);
    memset(object, 0, c.size);
    auto* prefix = reinterpret_cast<object_prefix*>(object);
    prefix->requested = size;
    return prefix + 1;
}

void* kmalloc_large(size_t size)
{
    u64 pages = align_up(size + HEADER_SIZE, PAGE_SIZE) / PAGE_SIZE;
    auto phys = alloc_pages(pages);
    if (phys.is_error())
        return nullptr;
    auto* page = static_cast<page_header*>(__va(phys.value()));
    page->magic = LARGE_MAGIC;
    page->pages = pages;
    page->requested = size;
    return reinterpret_cast<u8*>(page) + HEADER_SIZE;
}

} // namespace

void* kmalloc(size_t size)
{
    if (size == 0 || size > (1ull << 30))
        return nullptr;
    bool small = size + sizeof(object_prefix) <= g_classes[array_size(g_classes) - 1].size;
    void* p = small ? kmalloc_small(size) : kmalloc_large(size);
    if (p) {
        kernel_meminfo.kmalloc_bytes += size;
        kernel_meminfo.kmalloc_objects++;
    }
    return p;
}

void kfree(const void* pointer)
{
    if (!pointer)
        return;
    page_header* page = page_of(pointer);
    if (page->magic == LARGE_MAGIC && pointer == reinterpret_cast<u8*>(page) + HEADER_SIZE) {
        kernel_meminfo.kmalloc_bytes -= page->requested;
        kernel_meminfo.kmalloc_objects--;
        page->magic = 0;
        free_pages(__pa(page), page->pages);
        return;
    }
    if (page->magic != SLAB_MAGIC)
        panic("kfree: %p was not allocated by kmalloc", pointer);
    size_class& c = g_classes[page->size_class];
    auto* prefix = static_cast<const object_prefix*>(pointer) - 1;
    kernel_meminfo.kmalloc_bytes -= prefix->requested;
    kernel_meminfo.kmalloc_objects--;
    auto* object = reinterpret_cast<free_object*>(const_cast<object_prefix*>(prefix));
    bool was_full = page->in_use == page->capacity;
    object->next = page->free_list;
    page->free_list = object;
    page->in_use--;
    if (page->in_use == 0) {
        if (!was_full)
            unlink(c, page);
        page->magic = 0;
        free_page(__pa(page));
    } else if (was_full) {
        push(c, page);
    }
}
