// Module parameters (linux/moduleparam.h) and .modinfo records.
//
//   static int count = 1;
//   module_param(count, int, 0444);                     insmod m.ko count=3
//   MODULE_PARM_DESC(count, "how many");
//   static int values[8]; static unsigned int nr_values;
//   module_param_array(values, int, &nr_values, 0444);  insmod m.ko values=1,2,3
//
// Each parameter is one struct lkm_kernel_param in the __param section (abi/lkmemu/module_abi.h),
// which the kernel fills from the insmod argument string before init runs, plus a
// "parmtype=NAME:TYPE" record in .modinfo for tools. Types: int, uint, long, bool, charp, and
// arrays of them. The variable's type must match (checked at compile time, as in Linux): int,
// unsigned int, long, bool, char *. A charp ends up pointing at a kmalloc'd copy of the value.
#pragma once

#include <lkmemu/module_abi.h>
#include <linux/compiler.h>
#include <linux/types.h>

/* One "tag=info" record in .modinfo. */
#define __MODULE_INFO(tag, name, info)                                                             \
    static const char __UNIQUE_ID(name)[] __used __section(".modinfo") __aligned(1) =              \
        __stringify(tag) "=" info

#define __MODULE_PARM_TYPE(name, _type) __MODULE_INFO(parmtype, name##type, #name ":" _type)
#define MODULE_PARM_DESC(_parm, desc) __MODULE_INFO(parm, _parm, #_parm ":" desc)

/* The element type in struct lkm_kernel_param, by SDK type name. */
#define __LKM_PARAM_TYPE_int LKM_PARAM_INT
#define __LKM_PARAM_TYPE_uint LKM_PARAM_UINT
#define __LKM_PARAM_TYPE_long LKM_PARAM_LONG
#define __LKM_PARAM_TYPE_bool LKM_PARAM_BOOL
#define __LKM_PARAM_TYPE_charp LKM_PARAM_CHARP

/* Compile-time check that the variable has the type the parameter claims: a function returning
 * the variable's address as a pointer to the expected type (an error in C++, and in C with the
 * SDK's -Werror=incompatible-pointer-types). */
#define __param_check(name, p, type)                                                               \
    static inline __always_unused type* __check_##name(void) { return (p); }
#define param_check_int(name, p) __param_check(name, p, int)
#define param_check_uint(name, p) __param_check(name, p, unsigned int)
#define param_check_long(name, p) __param_check(name, p, long)
#define param_check_bool(name, p) __param_check(name, p, bool)
#define param_check_charp(name, p) __param_check(name, p, char*)

#define __module_param_call(name, arg, type, max_elems, nump, _perm)                               \
    static const char __param_str_##name[] = #name;                                                \
    static const struct lkm_kernel_param __param_##name __used __section("__param")                \
        __aligned(8) = {(uint64_t)(uintptr_t)__param_str_##name,                                   \
                        (uint64_t)(uintptr_t)(arg),                                                \
                        (type),                                                                    \
                        (max_elems),                                                               \
                        (uint64_t)(uintptr_t)(nump),                                               \
                        (_perm),                                                                   \
                        0}

/* module_param_named(name, value, type, perm): parameter "name" sets variable "value". */
#define module_param_named(name, value, type, perm)                                                \
    param_check_##type(name, &(value));                                                            \
    __module_param_call(name, &(value), __LKM_PARAM_TYPE_##type, 0, 0, perm);                      \
    __MODULE_PARM_TYPE(name, #type)

#define module_param(name, type, perm) module_param_named(name, name, type, perm)

/* module_param_array_named(name, array, type, nump, perm): "name=a,b,c" fills array[0..2] and,
 * when nump is not NULL, stores the count (3) in *nump. */
#define module_param_array_named(name, array, type, nump, perm)                                    \
    param_check_##type(name, &(array)[0]);                                                         \
    __module_param_call(name, &(array)[0], __LKM_PARAM_TYPE_##type,                                \
                        sizeof(array) / sizeof((array)[0]), nump, perm);                           \
    __MODULE_PARM_TYPE(name, "array of " #type)

#define module_param_array(name, type, nump, perm)                                                 \
    module_param_array_named(name, name, type, nump, perm)
