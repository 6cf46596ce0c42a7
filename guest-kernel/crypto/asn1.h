// A bounds-checked reader of DER (X.690's distinguished encoding), the one part of ASN.1 the module
// signature needs: PKCS#7 SignedData and X.509 certificates (pkcs7.h, x509.h). Linux decodes them
// with its table-driven crypto/asn1_decoder.c; this is a cursor instead, read by hand-written
// parsers that state each expected element.
//
// Every length is checked against what encloses it before anything is read, so a truncated or
// lying length is EBADMSG, never a read past the buffer. Only DER: definite lengths in their
// shortest form, single-byte tags. Freestanding (kernel, host tests, the fuzzer).
#pragma once

#include <loader/error_or.h>

#include <stddef.h>
#include <stdint.h>

namespace crypto {

// Universal tags (X.680) and the context-specific ones the parsers meet.
enum : uint8_t {
    ASN1_BOOLEAN = 0x01,
    ASN1_INTEGER = 0x02,
    ASN1_BIT_STRING = 0x03,
    ASN1_OCTET_STRING = 0x04,
    ASN1_NULL = 0x05,
    ASN1_OID = 0x06,
    ASN1_SEQUENCE = 0x30, // constructed
    ASN1_SET = 0x31,      // constructed
    ASN1_CONTEXT_0 = 0xa0, // [0] constructed (EXPLICIT, or IMPLICIT over a constructed type)
    ASN1_CONTEXT_1 = 0xa1,
    ASN1_CONTEXT_3 = 0xa3,
    ASN1_CONTEXT_PRIMITIVE_0 = 0x80, // [0] IMPLICIT over a primitive type
};

// Bytes inside the buffer being parsed: never owned, never past its end.
struct der_span {
    const uint8_t* data = nullptr;
    size_t size = 0;

    bool equals(const uint8_t* bytes, size_t length) const
    {
        return size == length && (length == 0 || __builtin_memcmp(data, bytes, length) == 0);
    }
    bool equals(der_span other) const { return equals(other.data, other.size); }
};

struct der_element {
    uint8_t tag;
    der_span contents; // the value
    der_span whole;    // tag, length and value: what an X.509 Name is compared by
};

class der_reader {
public:
    der_reader() = default;
    explicit der_reader(der_span span) : m_next(span.data), m_end(span.data + span.size) {}

    bool at_end() const { return m_next == m_end; }
    // The next element's tag without consuming it; -1 at the end.
    int peek_tag() const { return at_end() ? -1 : *m_next; }
    // The next element, whatever its tag.
    lkm::ErrorOr<der_element> next();
    // The next element, which must have `tag`; its contents.
    lkm::ErrorOr<der_span> expect(uint8_t tag);
    // The next element if it has `tag` (an OPTIONAL field): true and its contents in *out.
    lkm::ErrorOr<bool> optional(uint8_t tag, der_span* out);
    // EBADMSG unless everything was read: trailing bytes inside a structure are malformed.
    lkm::ErrorOr<void> expect_end() const;

private:
    const uint8_t* m_next = nullptr;
    const uint8_t* m_end = nullptr;
};

// The value of a non-negative INTEGER without its sign byte (RSA's n and e, serial numbers keep
// theirs: they are compared as encoded). EBADMSG for a negative or empty one.
lkm::ErrorOr<der_span> der_unsigned_integer(der_span integer);

// An AlgorithmIdentifier (SEQUENCE { OID, parameters OPTIONAL }): the OID's contents.
lkm::ErrorOr<der_span> der_algorithm_oid(der_reader& reader);

lkm::Error der_bad_message(const char* reason);

} // namespace crypto
