// The object identifiers the signature check knows, as their DER contents (Linux: include/linux/oid_registry.h).
#pragma once

#include <stdint.h>

namespace crypto::oid {

inline constexpr uint8_t rsa_encryption[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };  // 1.2.840.113549.1.1.1
inline constexpr uint8_t sha256_with_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b }; // 1.2.840.113549.1.1.11
inline constexpr uint8_t pkcs7_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };      // 1.2.840.113549.1.7.1
inline constexpr uint8_t pkcs7_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 }; // 1.2.840.113549.1.7.2
inline constexpr uint8_t sha256[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 };          // 2.16.840.1.101.3.4.2.1
inline constexpr uint8_t common_name[] = { 0x55, 0x04, 0x03 };                                          // 2.5.4.3
inline constexpr uint8_t organization_name[] = { 0x55, 0x04, 0x0a };                                    // 2.5.4.10
inline constexpr uint8_t subject_key_identifier[] = { 0x55, 0x1d, 0x0e };                               // 2.5.29.14

} // namespace crypto::oid
