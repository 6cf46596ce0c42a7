// The parts of an X.509 certificate (RFC 5280) a module signature is checked with: who issued
// it and its serial number (how a PKCS#7 signer names its key), the subject key identifier, the
// subject's CN and O (Linux's key description), and the RSA public key. Linux:
// crypto/asymmetric_keys/x509_cert_parser.c. The certificate's own signature is not checked:
// the only certificates are the ones built into the kernel, trusted as Linux trusts its
// system_certificates. Freestanding.
#pragma once

#include <crypto/asn1.h>
#include <crypto/rsa.h>

namespace crypto {

struct x509_certificate {
    der_span issuer;    // the whole Name, compared byte for byte
    der_span serial;    // INTEGER contents as encoded
    der_span subject_cn;
    der_span subject_o;
    der_span skid;      // subjectKeyIdentifier's value; empty when the extension is absent
    rsa_public_key key;
};

// EBADMSG for a malformed certificate, ENOPKG for a key that is not RSA.
lkm::ErrorOr<x509_certificate> x509_parse(der_span der);

} // namespace crypto
