// libFuzzer target over the kernel's DER readers (guest-kernel/crypto/): each input is parsed as
// an X.509 certificate and as a PKCS#7 message, and a message that parses is verified against the
// build's certificate, so the RSA path runs on whatever signature the input holds. ASan and UBSan
// catch any read past the input. scripts/fuzz.sh --der runs it; seeds are the build's certificate
// and the signatures of the built modules.
#include <crypto/pkcs7.h>
#include <crypto/x509.h>
#include <loader/tools/host_memory.h>

#include <fstream>
#include <iterator>
#include <vector>

namespace {

std::vector<uint8_t> g_cert_bytes;
crypto::x509_certificate g_cert;
bool g_have_cert;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::ifstream in(LKMEMU_SIGNING_CERT, std::ios::binary);
    g_cert_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    auto cert = crypto::x509_parse({ g_cert_bytes.data(), g_cert_bytes.size() });
    g_have_cert = !cert.is_error();
    if (g_have_cert)
        g_cert = cert.value();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // A copy of exactly `size` bytes, so that ASan sees any read past the end.
    std::vector<uint8_t> input(data, data + size);
    crypto::der_span span { input.data(), input.size() };
    (void)crypto::x509_parse(span);
    auto message = crypto::pkcs7_parse(span);
    if (!message.is_error()) {
        lkm::tools::MallocAllocator allocator;
        (void)crypto::pkcs7_verify(message.value(), input.data(), input.size(), g_have_cert ? &g_cert : nullptr,
                                   g_have_cert ? 1 : 0, allocator);
    }
    return 0;
}
