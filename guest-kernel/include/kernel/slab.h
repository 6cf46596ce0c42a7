// kmalloc / kfree (mm/slab.cpp): power-of-two size classes up to 1 KiB on shared pages, larger
// requests on their own physically contiguous pages (the harness's DMA buffers need that).
// Memory is zeroed. kernel_meminfo.kmalloc_bytes counts what callers asked for.
#pragma once

#include <kernel/types.h>

void* kmalloc(size_t size);
// A pointer kmalloc did not return, or one already freed, is reported (KASAN's "invalid-free" /
// "double-free" naming the caller), taints the kernel B, and is not freed.
void kfree(const void* pointer);
// The same, the report naming caller (a return address); false when the free was refused.
bool kfree_track_caller(const void* pointer, u64 caller);

// What tracked allocations are charged to (each module has one): its live objects are on a list
// through their prefix, so an unload finds what was left allocated without scanning the heap.
struct kmalloc_link;
struct kmalloc_owner {
    kmalloc_link* objects;
    u64 count;
    u64 bytes; // what the callers asked for
};
// kmalloc for `owner` (nullptr: an untracked allocation), recording caller (a return address) as
// the allocating call site. Linux's kmalloc_track_caller, with the owner made explicit.
void* kmalloc_track_caller(size_t size, u64 caller, kmalloc_owner* owner);
// Calls report for each object still allocated for owner, then forgets them: they stay allocated
// (as kmemleak leaves them), charged to nobody, and kfree still frees them. owner is empty after.
using kmalloc_leak_fn = void (*)(void* context, const void* object, size_t size, u64 caller);
void kmalloc_owner_release(kmalloc_owner* owner, kmalloc_leak_fn report, void* context);

// Owns one kmalloc allocation; frees it when it goes out of scope.
template<typename T>
class KBuffer {
public:
    KBuffer() = default;
    explicit KBuffer(size_t count) : m_data(static_cast<T*>(kmalloc(count * sizeof(T)))) {}
    ~KBuffer() { kfree(m_data); }
    KBuffer(const KBuffer&) = delete;
    KBuffer& operator=(const KBuffer&) = delete;
    KBuffer(KBuffer&& other) : m_data(other.m_data) { other.m_data = nullptr; }
    KBuffer& operator=(KBuffer&& other)
    {
        if (this != &other) {
            kfree(m_data);
            m_data = other.m_data;
            other.m_data = nullptr;
        }
        return *this;
    }

    T* get() const { return m_data; }
    explicit operator bool() const { return m_data != nullptr; }
    T* release()
    {
        T* p = m_data;
        m_data = nullptr;
        return p;
    }

private:
    T* m_data = nullptr;
};
