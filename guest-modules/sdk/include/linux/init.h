// Section markers for code and data used only while loading or unloading (linux/init.h), and
// module_init/module_exit.
//
// The kernel frees .init.text/.init.data/.init.rodata once init has returned successfully, and a
// module built into a kernel would discard .exit.text; both are plain sections in a .ko.
#pragma once

#include <linux/compiler.h>

#define __init __section(".init.text") __cold notrace
#define __initdata __section(".init.data")
#define __initconst __section(".init.rodata")
#define __exit __section(".exit.text") __cold notrace /* no __used in a module, as in Linux */
#define __exitdata __section(".exit.data")

typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);

/* module_init(fn) makes fn the module's init_module, module_exit(fn) its cleanup_module: the two
 * names modpost looks for and points __this_module.init/.exit at. In C they are aliases, as in
 * Linux; a C++ function name is mangled, so there they are thin extern "C" wrappers instead. */
#ifdef __cplusplus
#define module_init(initfn)                                                                        \
    extern "C" int init_module(void);                                                              \
    extern "C" __init int init_module(void) { return initfn(); }
#define module_exit(exitfn)                                                                        \
    extern "C" void cleanup_module(void);                                                          \
    extern "C" __exit void cleanup_module(void) { exitfn(); }
#else
#define module_init(initfn)                                                                        \
    static inline __maybe_unused initcall_t __inittest(void) { return initfn; }                    \
    int init_module(void) __attribute__((__alias__(#initfn)));                                     \
    __ADDRESSABLE(initfn)
#define module_exit(exitfn)                                                                        \
    static inline __maybe_unused exitcall_t __exittest(void) { return exitfn; }                    \
    void cleanup_module(void) __attribute__((__alias__(#exitfn)));                                 \
    __ADDRESSABLE(exitfn)
#endif

/* A reference to sym in a section the final link discards (sdk/module.lds), as Linux's
 * ___ADDRESSABLE. Here it keeps the optimiser from renaming a static init function to the alias
 * that points at it, so hello_init keeps its own symbol and an oops can name it. */
#define __ADDRESSABLE(sym)                                                                         \
    static void* __UNIQUE_ID(__addressable_##sym) __used                                           \
        __section(".discard.addressable") = (void*)&sym;
