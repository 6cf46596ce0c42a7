// The binary contract between a loadable module (.ko), the loader (loader/) and the kernel.
// Modelled on Linux: a module is an ET_REL object whose .gnu.linkonce.this_module section holds a
// struct lkm_this_module (name, init, exit), whose .modinfo holds "key=value\0" records, whose
// __ksymtab / __ksymtab_gpl sections export symbols, and whose __param section describes its
// parameters. The SDK (guest-modules/sdk) emits these; the loader and kernel read them.
#pragma once

#include <stdint.h>

#define LKM_MODULE_NAME_LEN 56 /* as Linux's MODULE_NAME_LEN (64 - sizeof(unsigned long)) */
#define LKM_THIS_MODULE_ABI 1u
/* .modinfo vermagic= that the kernel accepts: the release (the ABI version), then architecture,
 * code model and features. A module with __versions is compared from the first space on (Linux's
 * same_magic): its CRCs, module_layout's among them, say whether the interfaces match. */
#define LKM_UTS_RELEASE "lkmemu-abi1" /* uname -r: the release modules are built for */
#define LKM_VERMAGIC LKM_UTS_RELEASE " x86_64 mcmodel=kernel mod_unload modversions"
/* init_module(2) refuses a larger image with EFBIG (as Linux's finit_module caps its read). */
#define LKM_MAX_MODULE_IMAGE (64u << 20)

/* finit_module(2)'s flags (Linux's include/uapi/linux/module.h, same values). IGNORE_VERMAGIC
 * loads a module whatever its vermagic says, tainting the kernel F (forced); IGNORE_MODVERSIONS
 * does the same for its symbol CRCs. A compressed file is refused with EOPNOTSUPP, as by a
 * kernel built without CONFIG_MODULE_DECOMPRESS; any other bit is EINVAL. */
#define LKM_MODULE_INIT_IGNORE_MODVERSIONS 1u
#define LKM_MODULE_INIT_IGNORE_VERMAGIC 2u
#define LKM_MODULE_INIT_COMPRESSED_FILE 4u

/* A signed module (Linux's include/linux/module_signature.h): the ELF image, a PKCS#7
 * SignedData over it, this struct, then LKM_MODULE_SIG_STRING without its NUL. Only id_type
 * and sig_len (big-endian) are used; the rest is 0 for PKCS#7. docs/versions.md, "Signing". */
#define LKM_MODULE_SIG_STRING "~Module signature appended~\n"
#define LKM_PKEY_ID_PKCS7 2
struct lkm_module_signature {
    uint8_t algo;       /* public-key crypto algorithm [0] */
    uint8_t hash;       /* digest algorithm [0] */
    uint8_t id_type;    /* key identifier type [LKM_PKEY_ID_PKCS7] */
    uint8_t signer_len; /* length of signer's name [0] */
    uint8_t key_id_len; /* length of key identifier [0] */
    uint8_t __pad[3];
    uint32_t sig_len;   /* length of the PKCS#7 message, big-endian */
};

/* Section .gnu.linkonce.this_module: exactly one of these. init and exit are filled by
 * R_X86_64_64 relocations against the module's init and exit functions (or stay 0). */
struct lkm_this_module {
    uint32_t abi_version; /* LKM_THIS_MODULE_ABI */
    uint32_t reserved;
    char name[LKM_MODULE_NAME_LEN]; /* NUL-terminated */
    uint64_t init;                  /* int (*)(void) */
    uint64_t exit;                  /* void (*)(void) */
};

/* Sections __ksymtab and __ksymtab_gpl: arrays of these (value, name and ns are R_X86_64_64
 * relocated), strings in __ksymtab_strings. As Linux's struct kernel_symbol without PREL32. */
struct lkm_kernel_symbol {
    uint64_t value;
    uint64_t name; /* const char * */
    uint64_t ns;   /* const char *: the symbol namespace (EXPORT_SYMBOL_NS), or 0 */
};

/* Sections __kcrctab and __kcrctab_gpl: one CRC per entry of __ksymtab / __ksymtab_gpl, in the
 * same order (Linux's s32 crcs): modpost's CRC of the export's declaration (docs/versions.md). */
typedef uint32_t lkm_kcrc;

/* Section __versions: one per symbol the module imports, with the CRC its exporter had when the
 * module was built (Linux's struct modversion_info); "module_layout" first. */
struct lkm_modversion_info {
    uint64_t crc; /* unsigned long, of which the low 32 bits are a CRC */
    char name[LKM_MODULE_NAME_LEN];
};

/* Section __param: one per module_param. */
enum lkm_param_type {
    LKM_PARAM_INT = 1,   /* int */
    LKM_PARAM_UINT = 2,  /* unsigned int */
    LKM_PARAM_LONG = 3,  /* long */
    LKM_PARAM_BOOL = 4,  /* bool: y/n/1/0/Y/N, or the bare name for true */
    LKM_PARAM_CHARP = 5, /* char *: the kernel points it at a kmalloc'd copy of the value */
};

/* Bytes of one element of a parameter of this type; 0 for a type this ABI does not know. */
static inline uint32_t lkm_param_type_size(uint32_t type)
{
    switch (type) {
    case LKM_PARAM_INT:
    case LKM_PARAM_UINT: return 4;
    case LKM_PARAM_LONG:
    case LKM_PARAM_CHARP: return 8;
    case LKM_PARAM_BOOL: return 1;
    default: return 0;
    }
}

struct lkm_kernel_param {
    uint64_t name;      /* const char *, relocated */
    uint64_t arg;       /* address of the variable (or of the array's first element), relocated */
    uint32_t type;      /* enum lkm_param_type of the element */
    uint32_t max_elems; /* 0 for a scalar; N for an array of N elements */
    uint64_t num;       /* unsigned int * receiving an array's element count, relocated (or 0) */
    uint32_t perm;      /* sysfs-style permission bits, informational */
    uint32_t reserved;
};
