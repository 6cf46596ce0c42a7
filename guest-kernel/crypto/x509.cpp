// X.509 certificate parsing (x509.h), RFC 5280 4.1:
//   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
//   TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity,
//                                 subject, subjectPublicKeyInfo, [1], [2] OPTIONAL, [3] extensions OPTIONAL }
#include <crypto/oid.h>
#include <crypto/x509.h>

namespace crypto {
namespace {

// Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }: the CN and O attributes' values.
lkm::ErrorOr<void> parse_subject(der_span name, x509_certificate& cert)
{
    der_reader rdns(name);
    while (!rdns.at_end()) {
        der_reader attributes(TRY(rdns.expect(ASN1_SET)));
        while (!attributes.at_end()) {
            der_reader attribute(TRY(attributes.expect(ASN1_SEQUENCE)));
            der_span type = TRY(attribute.expect(ASN1_OID));
            der_element value = TRY(attribute.next());
            TRY(attribute.expect_end());
            if (type.equals(oid::common_name, sizeof(oid::common_name)))
                cert.subject_cn = value.contents;
            else if (type.equals(oid::organization_name, sizeof(oid::organization_name)))
                cert.subject_o = value.contents;
        }
    }
    return {};
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm, BIT STRING { RSAPublicKey } },
// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1).
lkm::ErrorOr<rsa_public_key> parse_public_key(der_span info)
{
    der_reader reader(info);
    der_span algorithm = TRY(der_algorithm_oid(reader));
    der_span bits = TRY(reader.expect(ASN1_BIT_STRING));
    TRY(reader.expect_end());
    if (!algorithm.equals(oid::rsa_encryption, sizeof(oid::rsa_encryption)))
        return lkm::Error::from_errno(LKM_ENOPKG, "X.509: the key is not RSA");
    if (bits.size < 1 || bits.data[0] != 0) // the count of unused bits
        return der_bad_message("X.509: public key is not whole bytes");
    der_reader outer(der_span { bits.data + 1, bits.size - 1 });
    der_reader numbers(TRY(outer.expect(ASN1_SEQUENCE)));
    TRY(outer.expect_end());
    rsa_public_key key;
    key.n = TRY(der_unsigned_integer(TRY(numbers.expect(ASN1_INTEGER))));
    key.e = TRY(der_unsigned_integer(TRY(numbers.expect(ASN1_INTEGER))));
    TRY(numbers.expect_end());
    return key;
}

// Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
lkm::ErrorOr<void> parse_extensions(der_span explicit_tag, x509_certificate& cert)
{
    der_reader wrapper(explicit_tag);
    der_reader extensions(TRY(wrapper.expect(ASN1_SEQUENCE)));
    TRY(wrapper.expect_end());
    while (!extensions.at_end()) {
        der_reader extension(TRY(extensions.expect(ASN1_SEQUENCE)));
        der_span id = TRY(extension.expect(ASN1_OID));
        der_span critical;
        TRY(extension.optional(ASN1_BOOLEAN, &critical));
        der_span value = TRY(extension.expect(ASN1_OCTET_STRING));
        TRY(extension.expect_end());
        if (id.equals(oid::subject_key_identifier, sizeof(oid::subject_key_identifier))) {
            der_reader inner(value); // SubjectKeyIdentifier ::= OCTET STRING
            cert.skid = TRY(inner.expect(ASN1_OCTET_STRING));
            TRY(inner.expect_end());
        }
    }
    return {};
}

} // namespace

lkm::ErrorOr<x509_certificate> x509_parse(der_span der)
{
    der_reader top(der);
    der_reader certificate(TRY(top.expect(ASN1_SEQUENCE)));
    TRY(top.expect_end());
    der_reader tbs(TRY(certificate.expect(ASN1_SEQUENCE)));
    TRY(der_algorithm_oid(certificate));
    TRY(certificate.expect(ASN1_BIT_STRING));
    TRY(certificate.expect_end());

    x509_certificate cert;
    der_span version;
    TRY(tbs.optional(ASN1_CONTEXT_0, &version));
    cert.serial = TRY(tbs.expect(ASN1_INTEGER));
    TRY(der_algorithm_oid(tbs));
    if (tbs.peek_tag() != ASN1_SEQUENCE)
        return der_bad_message("X.509: no issuer");
    cert.issuer = TRY(tbs.next()).whole;
    TRY(tbs.expect(ASN1_SEQUENCE)); // validity: not checked, as Linux does not for built-in keys
    TRY(parse_subject(TRY(tbs.expect(ASN1_SEQUENCE)), cert));
    cert.key = TRY(parse_public_key(TRY(tbs.expect(ASN1_SEQUENCE))));
    while (!tbs.at_end()) {
        der_element field = TRY(tbs.next());
        if (field.tag == ASN1_CONTEXT_3)
            TRY(parse_extensions(field.contents, cert));
        else if (field.tag != 0x81 && field.tag != 0x82) // issuerUniqueID, subjectUniqueID
            return der_bad_message("X.509: unexpected field in the certificate");
    }
    return cert;
}

} // namespace crypto
