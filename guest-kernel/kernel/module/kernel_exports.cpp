// The functions behind the kernel's export table: the table itself (__ksymtab, __ksymtab_gpl and
// their CRCs in __kcrctab, __kcrctab_gpl) is generated from guest-modules/sdk/kernel-exports.txt
// by genksyms.py (kernel_ksymtab.S in the build), as Linux's EXPORT_SYMBOL and genksyms make it;
// kernel.ld collects it between __start___ksymtab and __stop___ksymtab. load_module resolves
// modules' imports against it, and `lkmemu check --kernel kernel.elf` reads the same sections.
//
// Where the kernel's own C++ function has another signature (printk's C++ name, kmalloc without
// flags, the inline user copies), a C wrapper here is what gets exported. The wrappers are named
// with asm labels so that their ELF names are the exported names.
#include "internal.h"

#include <asm/uaccess.h>
#include <lkmemu/module_abi.h>
#include <kernel/irq.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/timer.h>
#include <kernel/vsprintf.h>
#include <stdarg.h>

extern "C" {

int export_printk(const char* fmt, ...) asm("printk");
int export_printk(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vprintk(fmt, args);
    va_end(args);
    return n;
}

int export_snprintf(char* buf, size_t size, const char* fmt, ...) asm("snprintf");
int export_snprintf(char* buf, size_t size, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}

void* export_kmalloc(size_t size, unsigned flags) asm("kmalloc");
void* export_kmalloc(size_t size, unsigned flags)
{
    (void)flags; // GFP_KERNEL, GFP_ATOMIC, __GFP_ZERO: kmalloc never sleeps and always zeroes
    // Charged to the calling module, so that what it leaves allocated is reported at its unload.
    u64 caller = reinterpret_cast<u64>(__builtin_return_address(0));
    return kmalloc_track_caller(size, caller, module_kmalloc_owner(caller));
}

// A refused free (KASAN's report is out) during a module's init or exit stops that call with a
// BUG, as a fault in it would: the load fails with EFAULT, or the module stays Unloading. Anywhere
// else (a module's read, a timer) refusing the free is all: the kernel goes on.
void export_kfree(const void* pointer) asm("kfree");
void export_kfree(const void* pointer)
{
    if (!kfree_track_caller(pointer, reinterpret_cast<u64>(__builtin_return_address(0))) && in_module_call()
        && !in_interrupt()) {
        pr_emerg("kernel BUG at kernel/module/kernel_exports.cpp:%d!\n", __LINE__); // Linux's BUG()
        __builtin_trap();
    }
}

unsigned long export_copy_to_user(void* to, const void* from, unsigned long n) asm("copy_to_user");
unsigned long export_copy_to_user(void* to, const void* from, unsigned long n)
{
    return copy_to_user(reinterpret_cast<u64>(to), from, n);
}

unsigned long export_copy_from_user(void* to, const void* from, unsigned long n) asm("copy_from_user");
unsigned long export_copy_from_user(void* to, const void* from, unsigned long n)
{
    return copy_from_user(to, reinterpret_cast<u64>(from), n);
}

// Where a pure virtual call lands: a BUG, as Linux's (an invalid opcode, then the oops).
[[noreturn]] void __cxa_pure_virtual()
{
    pr_emerg("BUG: pure virtual function called\n");
    __builtin_trap();
}

// Never called: exported for its CRC, which covers the module format's structures (Linux's
// module_layout); every module's __versions names it first.
void module_layout(lkm_this_module*, lkm_modversion_info*, lkm_kernel_param*, lkm_kernel_symbol*, lkm_kcrc*) {}

} // extern "C"
