// The kernel's built-in keys (Linux's certs/system_keyring.c): the X.509 certificates compiled
// into the kernel (certs/signing_key.x509 of the build, see docs/versions.md), the only keys a
// module signature is checked against. Kernel only.
#pragma once

#include <crypto/x509.h>

// Parses the compiled-in certificates, once at boot (Linux's load_system_certificate_list):
// "Loading compiled-in X.509 certificates", then "Loaded X.509 cert 'DESCRIPTION'" for each.
void load_system_certificate_list();

struct system_keyring {
    const crypto::x509_certificate* keys;
    size_t count;
};
system_keyring builtin_trusted_keys();
