// PKCS#7 / CMS SignedData (RFC 5652 5), as Linux's module signatures carry it: detached content,
// no certificates, no signed attributes (scripts/sign-file.c), checked against a keyring of
// X.509 certificates. Linux: crypto/asymmetric_keys/pkcs7_parser.c, pkcs7_verify.c,
// pkcs7_trust.c. Freestanding.
#pragma once

#include <crypto/asn1.h>
#include <crypto/x509.h>

namespace crypto {

struct pkcs7_signer {
    der_span issuer;    // issuerAndSerialNumber's Name (whole), or empty
    der_span serial;    // and its serial number
    der_span skid;      // or a [0] subjectKeyIdentifier
    bool authattrs;     // signedAttrs present
    der_span signature;
};

struct pkcs7_message {
    bool data_is_pkcs7_data; // eContentType is id-data
    bool has_content;        // the content is inside (not detached)
    der_span signer_infos;   // SET OF SignerInfo, each checked by pkcs7_parse
    bool authattrs;          // any signer has signed attributes
};

// EBADMSG for malformed DER or structure, ENOPKG for a digest or key algorithm other than
// sha256 and RSA (Linux's parser refuses those while parsing).
lkm::ErrorOr<pkcs7_message> pkcs7_parse(der_span der);

// Each SignerInfo of a parsed message, in order.
class pkcs7_signer_iterator {
public:
    explicit pkcs7_signer_iterator(const pkcs7_message& message) : m_reader(message.signer_infos) {}
    bool at_end() const { return m_reader.at_end(); }
    lkm::ErrorOr<pkcs7_signer> next();

private:
    der_reader m_reader;
};

// The module-signature rules of Linux's verify_pkcs7_signature: the message must sign id-data
// without signed attributes (else EKEYREJECTED), the content must be detached (else EINVAL),
// and some signer must be a key of `keys` (ENOKEY if none is) whose signature over `data` holds
// (EKEYREJECTED, or RSA's EBADMSG/EINVAL for a malformed one).
lkm::ErrorOr<void> pkcs7_verify(const pkcs7_message& message, const uint8_t* data, size_t size,
                                const x509_certificate* keys, size_t key_count, lkm::Allocator& allocator);

} // namespace crypto
