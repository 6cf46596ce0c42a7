// lkmemu-sign-file: Linux's scripts/sign-file for lkmemu modules, with its arguments:
//
//   lkmemu-sign-file [-dp] HASH_ALGO PRIVATE_KEY X509 MODULE [DEST]
//
// appends to MODULE (or writes to DEST) a PKCS#7 (CMS) SignedData over the module's bytes --
// detached, without certificates or signed attributes, the signer named by the certificate's
// issuer and serial number -- then struct lkm_module_signature (only id_type PKCS#7 and the
// message's length, big-endian) and "~Module signature appended~\n". -p also keeps the message
// in MODULE.p7s; -d writes only MODULE.p7s. The key is PEM; the certificate PEM or DER.
#include <lkmemu/module_abi.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& what)
{
    std::fprintf(stderr, "lkmemu-sign-file: %s\n", what.c_str());
    ERR_print_errors_fp(stderr);
    std::exit(1);
}

template<typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Cms = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;

std::vector<unsigned char> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        fail(path + ": " + std::strerror(errno));
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

void write_file(const std::string& path, const std::vector<unsigned char>& bytes)
{
    std::string temporary = path + ".~signed~"; // renamed over the file: never half-written
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!out.flush())
            fail(temporary + ": " + std::strerror(errno));
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        fail(path + ": " + std::strerror(errno));
}

Key read_private_key(const std::string& path)
{
    Bio bio(BIO_new_file(path.c_str(), "rb"));
    if (!bio)
        fail(path + ": cannot open");
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key)
        fail(path + ": not a PEM private key");
    return key;
}

// DER if it starts as a SEQUENCE with a two-byte length (as sign-file decides), else PEM.
Cert read_x509(const std::string& path)
{
    std::vector<unsigned char> bytes = read_file(path);
    const unsigned char* p = bytes.data();
    Cert cert;
    if (bytes.size() >= 2 && bytes[0] == 0x30 && bytes[1] == 0x82) {
        cert.reset(d2i_X509(nullptr, &p, static_cast<long>(bytes.size())));
    } else {
        Bio bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
        cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    }
    if (!cert)
        fail(path + ": not an X.509 certificate");
    return cert;
}

std::vector<unsigned char> sign(const std::vector<unsigned char>& module, const char* hash, EVP_PKEY* key, X509* cert)
{
    const EVP_MD* digest = EVP_get_digestbyname(hash);
    if (!digest)
        fail(std::string("unknown hash algorithm ") + hash);
    Bio data(BIO_new_mem_buf(module.data(), static_cast<int>(module.size())));
    Cms cms(CMS_sign(nullptr, nullptr, nullptr, nullptr,
                     CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED | CMS_STREAM));
    if (!cms)
        fail("CMS_sign");
    if (!CMS_add1_signer(cms.get(), cert, key, digest, CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR))
        fail("CMS_add1_signer");
    if (CMS_final(cms.get(), data.get(), nullptr, CMS_NOCERTS | CMS_BINARY) != 1)
        fail("CMS_final");
    unsigned char* der = nullptr;
    int length = i2d_CMS_ContentInfo(cms.get(), &der);
    if (length <= 0)
        fail("i2d_CMS_ContentInfo");
    std::vector<unsigned char> message(der, der + length);
    OPENSSL_free(der);
    return message;
}

} // namespace

int main(int argc, char** argv)
{
    bool save_sig = false, sign_only = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char* flag = argv[i] + 1; *flag; flag++) {
            if (*flag == 'p')
                save_sig = true;
            else if (*flag == 'd')
                sign_only = save_sig = true;
            else
                fail(std::string("unknown option -") + *flag);
        }
    }
    if (argc - i != 4 && argc - i != 5) {
        std::fprintf(stderr, "Usage: lkmemu-sign-file [-dp] <hash algo> <key> <x509> <module> [<dest>]\n");
        return 2;
    }
    const char* hash = argv[i];
    std::string module_path = argv[i + 3];
    std::string dest = argc - i == 5 ? argv[i + 4] : module_path;

    Key key = read_private_key(argv[i + 1]);
    Cert cert = read_x509(argv[i + 2]);
    std::vector<unsigned char> module = read_file(module_path);
    std::vector<unsigned char> message = sign(module, hash, key.get(), cert.get());
    if (save_sig)
        write_file(module_path + ".p7s", message);
    if (sign_only)
        return 0;

    lkm_module_signature info {};
    info.id_type = LKM_PKEY_ID_PKCS7;
    info.sig_len = __builtin_bswap32(static_cast<uint32_t>(message.size()));
    const char* marker = LKM_MODULE_SIG_STRING;
    std::vector<unsigned char> signed_module = module;
    signed_module.insert(signed_module.end(), message.begin(), message.end());
    const auto* info_bytes = reinterpret_cast<const unsigned char*>(&info);
    signed_module.insert(signed_module.end(), info_bytes, info_bytes + sizeof(info));
    signed_module.insert(signed_module.end(), marker, marker + std::strlen(marker));
    write_file(dest, signed_module);
    return 0;
}
