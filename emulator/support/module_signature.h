// The signature trailer Linux's sign-file appends to a module (abi/lkmemu/module_abi.h): where
// the ELF image ends, for tools that change a module's bytes and so must drop what no longer
// holds (Linux's scripts/extract-module-sig.pl -0). The fuzzer's seeds and the tests' patched
// modules are unsigned images made this way.
#pragma once

#include <lkmemu/module_abi.h>

#include <cstdint>
#include <cstring>
#include <span>

namespace lkmemu {

// The length of `bytes` without a well-formed signature trailer (the marker, struct
// lkm_module_signature, a sig_len that fits); all of it when there is none.
inline size_t module_image_size(std::span<const uint8_t> bytes)
{
    const size_t marker = sizeof(LKM_MODULE_SIG_STRING) - 1;
    if (bytes.size() < marker + sizeof(lkm_module_signature) ||
        std::memcmp(bytes.data() + bytes.size() - marker, LKM_MODULE_SIG_STRING, marker) != 0)
        return bytes.size();
    lkm_module_signature ms;
    size_t info_at = bytes.size() - marker - sizeof(ms);
    std::memcpy(&ms, bytes.data() + info_at, sizeof(ms));
    size_t sig_len = __builtin_bswap32(ms.sig_len);
    return sig_len <= info_at ? info_at - sig_len : bytes.size();
}

} // namespace lkmemu
