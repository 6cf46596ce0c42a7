// SHA-256 (FIPS 180-4), the digest Linux's default module signing uses (CONFIG_MODULE_SIG_SHA256).
// Freestanding: the kernel, the host's tests and the fuzzer compile the same file.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace crypto {

constexpr size_t SHA256_DIGEST_SIZE = 32;
constexpr size_t SHA256_BLOCK_SIZE = 64;

struct sha256_state {
    uint32_t h[8];
    uint64_t length; // bytes hashed so far
    uint8_t block[SHA256_BLOCK_SIZE];
    size_t used; // bytes in block
};

void sha256_init(sha256_state& state);
void sha256_update(sha256_state& state, const uint8_t* data, size_t size);
void sha256_final(sha256_state& state, uint8_t digest[SHA256_DIGEST_SIZE]);
void sha256(const uint8_t* data, size_t size, uint8_t digest[SHA256_DIGEST_SIZE]);

} // namespace crypto
