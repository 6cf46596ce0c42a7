// C++ runtime support linked into every C++ module: global operator new/delete over the kernel's
// kmalloc/kfree. Each module gets its own copy (module symbols are private unless exported).
#include <linux/kernel.h>
#include <linux/slab.h>
#include <lkmemu/new.h>

namespace std {
const nothrow_t nothrow{};
}

namespace {
void* allocate_or_bug(size_t size)
{
    // kmalloc(0) is NULL, but new of an empty object must return a unique pointer.
    void* ptr = kmalloc(size ? size : 1, GFP_KERNEL);
    if (!ptr) {
        pr_err("operator new: out of memory allocating %zu bytes\n", size);
        BUG();
    }
    return ptr;
}
} // namespace

void* operator new(size_t size) { return allocate_or_bug(size); }
void* operator new[](size_t size) { return allocate_or_bug(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept
{
    return kmalloc(size ? size : 1, GFP_KERNEL);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept
{
    return kmalloc(size ? size : 1, GFP_KERNEL);
}
void operator delete(void* ptr) noexcept { kfree(ptr); }
void operator delete[](void* ptr) noexcept { kfree(ptr); }
void operator delete(void* ptr, size_t) noexcept { kfree(ptr); }
void operator delete[](void* ptr, size_t) noexcept { kfree(ptr); }
