// A signed module's signature as kmod reports it (libkmod-signature.c, kmod_module_signature_info):
// the trailer Linux's sign-file appends (abi/lkmemu/module_abi.h, struct lkm_module_signature)
// and, for PKCS#7, the first signer's issuer CN, serial number, digest and signature, read with
// OpenSSL as kmod does. For `lkmemu modinfo`'s sig_* fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lkm::tools {

struct ModuleSignatureInfo {
    std::string id_type;   // "PKCS#7"
    std::string signer;    // the issuer's CN
    std::vector<uint8_t> key_id; // the serial number, minimal big-endian bytes
    std::string hash_algo; // "sha256"
    std::vector<uint8_t> signature;
};

// nullopt when the file carries no signature kmod would show (no marker, a trailer that does not
// fit, a PKCS#7 message OpenSSL cannot read).
std::optional<ModuleSignatureInfo> module_signature_info(const uint8_t* data, size_t size);

// kmod's kmod_module_hex_to_str: "01:AB:...", a "\n\t\t" after every 20th byte but the last.
std::string kmod_hex(const std::vector<uint8_t>& bytes);

} // namespace lkm::tools
