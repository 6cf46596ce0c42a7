// C++ allocation for modules: what <new> would declare, without a C++ standard library.
//
// The SDK links sdk/lib/cxx_support.cpp into every module with a C++ source; it defines
// operator new/delete on top of kmalloc/kfree. Plain `new` on a failed allocation is a BUG()
// (the kernel oopses, naming the module), since without exceptions it cannot report failure; use
// `new (std::nothrow) T` to get nullptr instead. Pure virtual calls land in the kernel's
// __cxa_pure_virtual, which oopses too.
#pragma once

#include <stddef.h>

namespace std {
struct nothrow_t {
    explicit nothrow_t() = default;
};
extern const nothrow_t nothrow;
enum class align_val_t : size_t {};
} // namespace std

void* operator new(size_t size);
void* operator new[](size_t size);
void* operator new(size_t size, const std::nothrow_t&) noexcept;
void* operator new[](size_t size, const std::nothrow_t&) noexcept;
void operator delete(void* ptr) noexcept;
void operator delete[](void* ptr) noexcept;
void operator delete(void* ptr, size_t size) noexcept;
void operator delete[](void* ptr, size_t size) noexcept;

/* The kernel's: the compiler fills pure virtual vtable slots with it; it reports a BUG. */
extern "C" void __cxa_pure_virtual(void);

inline void* operator new(size_t, void* where) noexcept { return where; }
inline void* operator new[](size_t, void* where) noexcept { return where; }
