// The kernel's export table: exactly the symbols guest-modules/sdk/kernel-exports.txt lists, with
// C linkage and the SDK's signatures. EXPORT_SYMBOL puts a struct lkm_kernel_symbol {value, name}
// into __ksymtab (kernel.ld collects it between __start___ksymtab and __stop___ksymtab), as
// Linux's include/linux/export.h does; load_module resolves modules' imports against it, and
// `lkmemu check --kernel kernel.elf` reads the same sections.
//
// Where the kernel's own C++ function has another signature (printk's C++ name, kmalloc without
// flags, the inline user copies), a C wrapper here is what gets exported. The wrappers are named
// with asm labels so that their ELF names are the exported names.
#include <asm/uaccess.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/timer.h>
#include <kernel/vsprintf.h>
#include <stdarg.h>

#define __EXPORT_SYMBOL(sym, section)                                                              \
    asm(".pushsection " section ",\"a\"\n"                                                         \
        ".balign 8\n"                                                                              \
        ".quad " #sym "\n"                                                                         \
        ".quad __kstrtab_" #sym "\n"                                                               \
        ".popsection\n"                                                                            \
        ".pushsection __ksymtab_strings,\"a\"\n"                                                   \
        "__kstrtab_" #sym ":\n"                                                                    \
        ".asciz \"" #sym "\"\n"                                                                    \
        ".popsection\n")
#define EXPORT_SYMBOL(sym) __EXPORT_SYMBOL(sym, "__ksymtab")
#define EXPORT_SYMBOL_GPL(sym) __EXPORT_SYMBOL(sym, "__ksymtab_gpl")

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
    return kmalloc(size);
}

void export_kfree(const void* pointer) asm("kfree");
void export_kfree(const void* pointer) { kfree(pointer); }

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

} // extern "C"

EXPORT_SYMBOL(printk);
EXPORT_SYMBOL(snprintf);
EXPORT_SYMBOL(kmalloc);
EXPORT_SYMBOL(kfree);
EXPORT_SYMBOL(memcpy);
EXPORT_SYMBOL(memmove);
EXPORT_SYMBOL(memset);
EXPORT_SYMBOL(memcmp);
EXPORT_SYMBOL(strlen);
EXPORT_SYMBOL(strcmp);
EXPORT_SYMBOL(try_module_get);   // kernel/module/unload.cpp
EXPORT_SYMBOL(module_put);
EXPORT_SYMBOL(register_chrdev);  // kernel/module/chrdev.cpp
EXPORT_SYMBOL(unregister_chrdev);
EXPORT_SYMBOL(copy_to_user);
EXPORT_SYMBOL(copy_from_user);
EXPORT_SYMBOL(jiffies);
EXPORT_SYMBOL(__msecs_to_jiffies); // kernel/timer.cpp
EXPORT_SYMBOL(mod_timer);
EXPORT_SYMBOL(del_timer_sync);
EXPORT_SYMBOL(__cxa_pure_virtual);
