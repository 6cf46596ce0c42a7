#include "module_signature.h"

#include <lkmemu/module_abi.h>

#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <cstring>
#include <fmt/format.h>
#include <memory>

namespace lkm::tools {
namespace {

// kmod's tables (from Linux 3.7's enum pkey_algo / pkey_hash_algo / pkey_id_type): a trailer whose
// fields are out of them is not a signature to kmod.
constexpr unsigned PKEY_ALGO_COUNT = 2;
constexpr const char* pkey_hash_algo[] = { "md4", "md5", "sha1", "rmd160", "sha256", "sha384", "sha512", "sha224", "sm3" };
constexpr const char* pkey_id_type[] = { "PGP", "X509", "PKCS#7" };

struct Pkcs7Free {
    void operator()(PKCS7* p) const { PKCS7_free(p); }
};
struct BignumFree {
    void operator()(BIGNUM* p) const { BN_free(p); }
};

// kmod's x509_name_to_str: the value of the name's commonName entry.
std::string common_name(X509_NAME* name)
{
    int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0)
        return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    return { reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)), static_cast<size_t>(ASN1_STRING_length(data)) };
}

// kmod's hash name for a digest OID: its place in pkey_hash_algo by OpenSSL's NID.
std::string hash_name(const ASN1_OBJECT* oid)
{
    switch (OBJ_obj2nid(oid)) {
    case NID_md4: return "md4";
    case NID_md5: return "md5";
    case NID_sha1: return "sha1";
    case NID_ripemd160: return "rmd160";
    case NID_sha256: return "sha256";
    case NID_sha384: return "sha384";
    case NID_sha512: return "sha512";
    case NID_sha224: return "sha224";
    case NID_sm3: return "sm3";
    default: return {};
    }
}

std::optional<ModuleSignatureInfo> fill_pkcs7(const uint8_t* message, size_t size, ModuleSignatureInfo info)
{
    const unsigned char* p = message;
    std::unique_ptr<PKCS7, Pkcs7Free> pkcs7(d2i_PKCS7(nullptr, &p, static_cast<long>(size)));
    if (!pkcs7)
        return std::nullopt;
    STACK_OF(PKCS7_SIGNER_INFO)* signers = PKCS7_get_signer_info(pkcs7.get());
    PKCS7_SIGNER_INFO* signer = signers ? sk_PKCS7_SIGNER_INFO_value(signers, 0) : nullptr;
    if (!signer || !signer->issuer_and_serial || !signer->enc_digest)
        return std::nullopt;
    std::unique_ptr<BIGNUM, BignumFree> serial(ASN1_INTEGER_to_BN(signer->issuer_and_serial->serial, nullptr));
    if (!serial)
        return std::nullopt;
    info.key_id.resize(static_cast<size_t>(BN_num_bytes(serial.get())));
    BN_bn2bin(serial.get(), info.key_id.data());
    info.signer = common_name(signer->issuer_and_serial->issuer);
    const unsigned char* signature = ASN1_STRING_get0_data(signer->enc_digest);
    info.signature.assign(signature, signature + ASN1_STRING_length(signer->enc_digest));
    X509_ALGOR* digest = nullptr;
    PKCS7_SIGNER_INFO_get0_algs(signer, nullptr, &digest, nullptr);
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, digest);
    info.hash_algo = hash_name(oid);
    return info;
}

} // namespace

std::optional<ModuleSignatureInfo> module_signature_info(const uint8_t* data, size_t size)
{
    const size_t marker = std::strlen(LKM_MODULE_SIG_STRING);
    if (size < marker || std::memcmp(data + size - marker, LKM_MODULE_SIG_STRING, marker) != 0)
        return std::nullopt;
    size -= marker;
    lkm_module_signature ms;
    if (size < sizeof(ms))
        return std::nullopt;
    size -= sizeof(ms);
    std::memcpy(&ms, data + size, sizeof(ms));
    if (ms.algo >= PKEY_ALGO_COUNT || ms.hash >= std::size(pkey_hash_algo) || ms.id_type >= std::size(pkey_id_type))
        return std::nullopt;
    size_t sig_len = __builtin_bswap32(ms.sig_len);
    if (sig_len == 0 || size < sig_len + ms.signer_len + ms.key_id_len)
        return std::nullopt;
    ModuleSignatureInfo info;
    info.id_type = pkey_id_type[ms.id_type];
    size -= sig_len;
    if (ms.id_type == LKM_PKEY_ID_PKCS7)
        return fill_pkcs7(data + size, sig_len, std::move(info));
    // The older formats name everything in the trailer itself (kmod's fill_default).
    info.signature.assign(data + size, data + size + sig_len);
    size -= ms.key_id_len;
    info.key_id.assign(data + size, data + size + ms.key_id_len);
    size -= ms.signer_len;
    info.signer.assign(reinterpret_cast<const char*>(data + size), ms.signer_len);
    info.hash_algo = pkey_hash_algo[ms.hash];
    return info;
}

std::string kmod_hex(const std::vector<uint8_t>& bytes)
{
    std::string text;
    for (size_t i = 0; i < bytes.size(); i++) {
        text += fmt::format("{:02X}", bytes[i]);
        if (i + 1 < bytes.size()) {
            text += ':';
            if ((i + 1) % 20 == 0)
                text += "\n\t\t";
        }
    }
    return text;
}

} // namespace lkm::tools
