// PKCS#7 SignedData (pkcs7.h), RFC 5652:
//   ContentInfo ::= SEQUENCE { contentType OID (signedData), content [0] EXPLICIT SignedData }
//   SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE { eContentType,
//                             [0] EXPLICIT eContent OPTIONAL }, certificates [0] IMPLICIT OPTIONAL,
//                             crls [1] IMPLICIT OPTIONAL, signerInfos SET OF SignerInfo }
//   SignerInfo ::= SEQUENCE { version, sid (issuerAndSerialNumber | [0] SubjectKeyIdentifier),
//                             digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
//                             signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] OPTIONAL }
#include <crypto/oid.h>
#include <crypto/pkcs7.h>
#include <crypto/sha256.h>

namespace crypto {
namespace {

lkm::ErrorOr<pkcs7_signer> parse_signer_info(der_span info)
{
    der_reader reader(info);
    pkcs7_signer signer {};
    TRY(reader.expect(ASN1_INTEGER)); // version 1 (issuerAndSerialNumber) or 3 (SKID)
    if (reader.peek_tag() == ASN1_SEQUENCE) {
        der_reader sid(TRY(reader.expect(ASN1_SEQUENCE)));
        if (sid.peek_tag() != ASN1_SEQUENCE)
            return der_bad_message("PKCS#7: signer without an issuer");
        signer.issuer = TRY(sid.next()).whole;
        signer.serial = TRY(sid.expect(ASN1_INTEGER));
        TRY(sid.expect_end());
    } else {
        signer.skid = TRY(reader.expect(ASN1_CONTEXT_PRIMITIVE_0));
    }
    der_span digest = TRY(der_algorithm_oid(reader));
    if (!digest.equals(oid::sha256, sizeof(oid::sha256)))
        return lkm::Error::from_errno(LKM_ENOPKG, "PKCS#7: unsupported digest algorithm");
    der_span attributes;
    signer.authattrs = TRY(reader.optional(ASN1_CONTEXT_0, &attributes));
    der_span algorithm = TRY(der_algorithm_oid(reader));
    if (!algorithm.equals(oid::rsa_encryption, sizeof(oid::rsa_encryption)) &&
        !algorithm.equals(oid::sha256_with_rsa, sizeof(oid::sha256_with_rsa)))
        return lkm::Error::from_errno(LKM_ENOPKG, "PKCS#7: unsupported signature algorithm");
    signer.signature = TRY(reader.expect(ASN1_OCTET_STRING));
    TRY(reader.optional(ASN1_CONTEXT_1, &attributes));
    TRY(reader.expect_end());
    return signer;
}

// The certificate of `keys` the signer names: by issuer and serial number, or by SKID.
const x509_certificate* find_key(const pkcs7_signer& signer, const x509_certificate* keys, size_t key_count)
{
    for (size_t i = 0; i < key_count; i++) {
        const x509_certificate& key = keys[i];
        if (signer.issuer.size ? signer.issuer.equals(key.issuer) && signer.serial.equals(key.serial)
                               : key.skid.size && signer.skid.equals(key.skid))
            return &key;
    }
    return nullptr;
}

} // namespace

lkm::ErrorOr<pkcs7_signer> pkcs7_signer_iterator::next()
{
    return parse_signer_info(TRY(m_reader.expect(ASN1_SEQUENCE)));
}

lkm::ErrorOr<pkcs7_message> pkcs7_parse(der_span der)
{
    der_reader top(der);
    der_reader content_info(TRY(top.expect(ASN1_SEQUENCE)));
    TRY(top.expect_end());
    der_span type = TRY(content_info.expect(ASN1_OID));
    if (!type.equals(oid::pkcs7_signed_data, sizeof(oid::pkcs7_signed_data)))
        return der_bad_message("PKCS#7: not SignedData");
    der_reader explicit_content(TRY(content_info.expect(ASN1_CONTEXT_0)));
    TRY(content_info.expect_end());
    der_reader signed_data(TRY(explicit_content.expect(ASN1_SEQUENCE)));
    TRY(explicit_content.expect_end());

    pkcs7_message message {};
    TRY(signed_data.expect(ASN1_INTEGER)); // version
    TRY(signed_data.expect(ASN1_SET));     // digestAlgorithms: each signer names its own
    der_reader encapsulated(TRY(signed_data.expect(ASN1_SEQUENCE)));
    der_span content_type = TRY(encapsulated.expect(ASN1_OID));
    message.data_is_pkcs7_data = content_type.equals(oid::pkcs7_data, sizeof(oid::pkcs7_data));
    der_span content;
    message.has_content = TRY(encapsulated.optional(ASN1_CONTEXT_0, &content));
    TRY(encapsulated.expect_end());
    // Certificates in the message could only chain to a built-in key, and sign-file puts none.
    der_span skipped;
    TRY(signed_data.optional(ASN1_CONTEXT_0, &skipped));
    TRY(signed_data.optional(ASN1_CONTEXT_1, &skipped));
    message.signer_infos = TRY(signed_data.expect(ASN1_SET));
    TRY(signed_data.expect_end());

    pkcs7_signer_iterator signers(message); // every SignerInfo well formed, now
    if (signers.at_end())
        return der_bad_message("PKCS#7: no signer");
    while (!signers.at_end())
        message.authattrs |= TRY(signers.next()).authattrs;
    return message;
}

lkm::ErrorOr<void> pkcs7_verify(const pkcs7_message& message, const uint8_t* data, size_t size,
                                const x509_certificate* keys, size_t key_count, lkm::Allocator& allocator)
{
    if (!message.data_is_pkcs7_data)
        return lkm::Error::from_errno(LKM_EKEYREJECTED, "Invalid module sig (not pkcs7-data)");
    if (message.authattrs)
        return lkm::Error::from_errno(LKM_EKEYREJECTED, "Invalid module sig (has authattrs)");
    if (message.has_content)
        return lkm::Error::from_errno(LKM_EINVAL, "PKCS#7: the content is not detached");

    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256(data, size, digest);
    // Linux's pkcs7_validate_trust: signers without a key are passed over; the last verdict of a
    // signer with a key stands.
    lkm::ErrorOr<void> verdict = lkm::Error::from_errno(LKM_ENOKEY, "PKCS#7: no signer's key is in the keyring");
    pkcs7_signer_iterator signers(message);
    while (!signers.at_end()) {
        pkcs7_signer signer = TRY(signers.next());
        const x509_certificate* key = find_key(signer, keys, key_count);
        if (!key)
            continue;
        auto checked = rsa_verify_sha256(key->key, signer.signature, digest, allocator);
        if (checked.is_error() && checked.error().code != LKM_EKEYREJECTED)
            return checked.release_error();
        verdict = checked.is_error() ? lkm::ErrorOr<void>(checked.release_error()) : lkm::ErrorOr<void>();
    }
    return verdict;
}

} // namespace crypto
