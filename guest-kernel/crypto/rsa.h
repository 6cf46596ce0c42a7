// RSA signature verification with PKCS#1 v1.5 padding (RFC 8017 8.2.2, EMSA-PKCS1-v1_5), what
// Linux's rsa + pkcs1pad(rsa,sha256) do for a module signature, over a small bignum: s^e mod n by
// Montgomery multiplication on 64-bit limbs. Verification uses only public values, so it need not
// run in constant time. Freestanding.
#pragma once

#include <crypto/asn1.h>
#include <loader/allocator.h>

namespace crypto {

// Keys up to 4096 bits, as Linux's MODULE_SIG_KEY_TYPE_RSA allows; a larger key is ENOPKG (an
// algorithm we do not offer, so to module_sig_check an unavailable key).
constexpr size_t RSA_MAX_MODULUS_BITS = 4096;

struct rsa_public_key {
    der_span n; // big-endian, no leading zero byte
    der_span e;
};

// Checks `signature` over a SHA-256 `digest`. Linux's errnos (crypto/rsa.c, rsa-pkcs1pad.c):
// EINVAL for a signature whose length is not the key's or whose value is not below n; EBADMSG
// for a decoded block that is not PKCS#1 v1.5 with sha256's DigestInfo; EKEYREJECTED for a
// well-formed block holding another digest (the data or the key differ). ENOMEM for scratch.
lkm::ErrorOr<void> rsa_verify_sha256(const rsa_public_key& key, der_span signature, const uint8_t* digest,
                                     lkm::Allocator& allocator);

} // namespace crypto
