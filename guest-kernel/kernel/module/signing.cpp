// Module signature checking (Linux's kernel/module/signing.c and kernel/module_signature.c).
// A signed module is the ELF image followed by a PKCS#7 SignedData over the image, struct
// lkm_module_signature (its length) and the marker "~Module signature appended~\n", as
// scripts/sign-file appends them. The check runs on the image as init_module/finit_module handed
// it over, before any ELF parsing, and strips the trailer so the loader sees the ELF alone.
#include "internal.h"

#include <crypto/pkcs7.h>
#include <crypto/system_keyring.h>
#include <kernel/init.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <lkmemu/module_abi.h>

namespace {

class KernelAllocator final : public lkm::Allocator {
public:
    void* allocate(size_t size, size_t alignment) override { return alignment <= 16 ? kmalloc(size) : nullptr; }
    void deallocate(void* pointer) override { kfree(pointer); }
};

u32 be32_to_cpu(u32 value) { return __builtin_bswap32(value); }

// Linux's mod_check_sig: the trailer's fixed fields, before its length is trusted.
long mod_check_sig(const lkm_module_signature& ms, size_t file_len, const char* name)
{
    if (be32_to_cpu(ms.sig_len) >= file_len - sizeof(ms))
        return -LKM_EBADMSG;
    if (ms.id_type != LKM_PKEY_ID_PKCS7) {
        pr_err("%s: not signed with expected PKCS#7 message\n", name);
        return -LKM_ENOPKG;
    }
    if (ms.algo != 0 || ms.hash != 0 || ms.signer_len != 0 || ms.key_id_len != 0 || ms.__pad[0] != 0 ||
        ms.__pad[1] != 0 || ms.__pad[2] != 0) {
        pr_err("%s: PKCS#7 signature info has unexpected non-zero params\n", name);
        return -LKM_EBADMSG;
    }
    return 0;
}

// Linux's verify_pkcs7_signature against the built-in keys (VERIFYING_MODULE_SIGNATURE).
long verify_pkcs7_signature(const u8* data, size_t len, const u8* raw_pkcs7, size_t pkcs7_len)
{
    KernelAllocator allocator;
    auto message = crypto::pkcs7_parse(crypto::der_span { raw_pkcs7, pkcs7_len });
    if (message.is_error())
        return -message.error().code;
    system_keyring keyring = builtin_trusted_keys();
    auto verified = crypto::pkcs7_verify(message.value(), data, len, keyring.keys, keyring.count, allocator);
    if (verified.is_error()) {
        if (verified.error().code == LKM_EKEYREJECTED && !message.value().data_is_pkcs7_data)
            pr_warn("Invalid module sig (not pkcs7-data)\n");
        else if (verified.error().code == LKM_EKEYREJECTED && message.value().authattrs)
            pr_warn("Invalid module sig (has authattrs)\n");
        return -verified.error().code;
    }
    return 0;
}

// Linux's mod_verify_sig: *len is the image without the marker; on return, without the trailer.
long mod_verify_sig(const u8* mod, size_t* len)
{
    lkm_module_signature ms;
    size_t modlen = *len;
    if (modlen <= sizeof(ms))
        return -LKM_EBADMSG;
    memcpy(&ms, mod + (modlen - sizeof(ms)), sizeof(ms));
    if (long err = mod_check_sig(ms, modlen, "module"); err)
        return err;
    size_t sig_len = be32_to_cpu(ms.sig_len);
    modlen -= sig_len + sizeof(ms);
    *len = modlen;
    return verify_pkcs7_signature(mod, modlen, mod + modlen, sig_len);
}

} // namespace

bool is_module_sig_enforced() { return kernel_cmdline.module_sig_enforce; }

long module_sig_check(const u8* mod, size_t* len, unsigned flags, bool* sig_ok)
{
    long err = -LKM_ENODATA;
    const size_t markerlen = sizeof(LKM_MODULE_SIG_STRING) - 1;
    // A module whose version information the caller asked to ignore is no longer the module
    // that was signed (Linux's "mangled_module"): it counts as unsigned.
    bool mangled_module = flags & (LKM_MODULE_INIT_IGNORE_MODVERSIONS | LKM_MODULE_INIT_IGNORE_VERMAGIC);
    *sig_ok = false;
    if (!mangled_module && *len > markerlen && memcmp(mod + *len - markerlen, LKM_MODULE_SIG_STRING, markerlen) == 0) {
        *len -= markerlen; // the image without the signature, from here on
        err = mod_verify_sig(mod, len);
        if (!err) {
            *sig_ok = true;
            return 0;
        }
    }
    // Without enforcement these errors leave a module unverified (tainted E) but loadable; every
    // other error -- malformed, or a signature that does not hold -- is fatal even then.
    const char* reason;
    switch (err) {
    case -LKM_ENODATA:
        reason = "unsigned module";
        break;
    case -LKM_ENOPKG:
        reason = "module with unsupported crypto";
        break;
    case -LKM_ENOKEY:
        reason = "module with unavailable key";
        break;
    default:
        return err;
    }
    if (is_module_sig_enforced()) {
        pr_notice("Loading of %s is rejected\n", reason);
        return -LKM_EKEYREJECTED;
    }
    return 0;
}

void module_sig_taint(module* mod, bool sig_ok)
{
    if (sig_ok)
        return;
    static bool noticed; // Linux's pr_notice_once
    if (!noticed) {
        noticed = true;
        pr_notice("%s: module verification failed: signature and/or required key missing - tainting kernel\n",
                  mod->name);
    }
    add_kernel_taint(TAINT_UNSIGNED_MODULE);
    mod->taints |= 1u << TAINT_UNSIGNED_MODULE;
}
