// The kernel's signature crypto (guest-kernel/crypto/) on the host: SHA-256 against FIPS 180-4's
// examples, RSA PKCS#1 v1.5 verification against signatures OpenSSL makes (the well-kept
// implementation as the reference), the DER reader's refusals, and PKCS#7 messages made by
// lkmemu-sign-file checked with the build's certificate.
#include <crypto/asn1.h>
#include <crypto/pkcs7.h>
#include <crypto/rsa.h>
#include <crypto/sha256.h>
#include <crypto/x509.h>
#include <loader/tools/host_memory.h>

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

// Named one by one: crypto's ASN1_* tag names would clash with OpenSSL's types.
using crypto::der_reader;
using crypto::der_span;
using crypto::pkcs7_parse;
using crypto::pkcs7_verify;
using crypto::rsa_public_key;
using crypto::rsa_verify_sha256;
using crypto::sha256;
using crypto::SHA256_DIGEST_SIZE;
using crypto::sha256_final;
using crypto::sha256_init;
using crypto::sha256_state;
using crypto::sha256_update;
using crypto::x509_parse;

namespace {

std::string hex(const uint8_t* bytes, size_t size)
{
    std::string text;
    for (size_t i = 0; i < size; i++) {
        static const char digits[] = "0123456789abcdef";
        text += digits[bytes[i] >> 4];
        text += digits[bytes[i] & 15];
    }
    return text;
}

std::string sha256_hex(const std::string& message)
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256(reinterpret_cast<const uint8_t*>(message.data()), message.size(), digest);
    return hex(digest, sizeof(digest));
}

std::vector<uint8_t> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

der_span span_of(const std::vector<uint8_t>& bytes) { return { bytes.data(), bytes.size() }; }

// An RSA key of `bits` from OpenSSL, its public half as DER numbers, and signing with it.
struct OpenSslKey {
    EVP_PKEY* key = nullptr;
    std::vector<uint8_t> n, e;

    explicit OpenSslKey(unsigned bits)
    {
        key = EVP_RSA_gen(bits);
        REQUIRE(key);
        BIGNUM *bn_n = nullptr, *bn_e = nullptr;
        REQUIRE(EVP_PKEY_get_bn_param(key, "n", &bn_n));
        REQUIRE(EVP_PKEY_get_bn_param(key, "e", &bn_e));
        n.resize(static_cast<size_t>(BN_num_bytes(bn_n)));
        e.resize(static_cast<size_t>(BN_num_bytes(bn_e)));
        BN_bn2bin(bn_n, n.data());
        BN_bn2bin(bn_e, e.data());
        BN_free(bn_n);
        BN_free(bn_e);
    }
    ~OpenSslKey() { EVP_PKEY_free(key); }
    rsa_public_key public_key() const { return { span_of(n), span_of(e) }; }

    std::vector<uint8_t> sign_sha256(const std::string& message) const
    {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1);
        size_t size = 0;
        REQUIRE(EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const uint8_t*>(message.data()), message.size()) == 1);
        std::vector<uint8_t> signature(size);
        REQUIRE(EVP_DigestSign(ctx, signature.data(), &size, reinterpret_cast<const uint8_t*>(message.data()), message.size()) == 1);
        EVP_MD_CTX_free(ctx);
        signature.resize(size);
        return signature;
    }
};

int verify(const OpenSslKey& key, const std::vector<uint8_t>& signature, const std::string& message)
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256(reinterpret_cast<const uint8_t*>(message.data()), message.size(), digest);
    lkm::tools::MallocAllocator allocator;
    auto result = rsa_verify_sha256(key.public_key(), span_of(signature), digest, allocator);
    return result.is_error() ? result.error().code : 0;
}

} // namespace

TEST_CASE("sha256: FIPS 180-4's examples and NIST's long messages")
{
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: the same digest whatever the pieces it is fed in")
{
    std::string message(1000, '\0');
    for (size_t i = 0; i < message.size(); i++)
        message[i] = static_cast<char>(i * 7 + 3);
    for (size_t piece : { 1u, 3u, 63u, 64u, 65u, 127u }) {
        sha256_state state;
        sha256_init(state);
        for (size_t at = 0; at < message.size(); at += piece)
            sha256_update(state, reinterpret_cast<const uint8_t*>(message.data()) + at, std::min(piece, message.size() - at));
        uint8_t digest[SHA256_DIGEST_SIZE];
        sha256_final(state, digest);
        CHECK(hex(digest, sizeof(digest)) == sha256_hex(message));
    }
}

TEST_CASE("rsa: OpenSSL's PKCS#1 v1.5 sha256 signatures verify - another message or key is EKEYREJECTED")
{
    for (unsigned bits : { 1024u, 2048u, 3072u, 4096u }) {
        INFO(bits << "-bit key");
        OpenSslKey key(bits), other(bits);
        std::vector<uint8_t> signature = key.sign_sha256("a module image");
        CHECK(verify(key, signature, "a module image") == 0);
        CHECK(verify(key, signature, "a module imagE") == LKM_EKEYREJECTED);
        // Another key of the same size decodes the signature into noise, not a PKCS#1 block
        // (EBADMSG) -- or, when the signature is not below that key's modulus (about half the
        // time), refuses it as out of range (EINVAL), as Linux's RSA does.
        int other_code = verify(other, signature, "a module image");
        CHECK((other_code == LKM_EBADMSG || other_code == LKM_EINVAL));
        std::vector<uint8_t> flipped = signature;
        flipped[flipped.size() / 2] ^= 0x10;
        int code = verify(key, flipped, "a module image");
        CHECK((code == LKM_EBADMSG || code == LKM_EINVAL));
        std::vector<uint8_t> short_signature(signature.begin() + 1, signature.end());
        CHECK(verify(key, short_signature, "a module image") == LKM_EINVAL);
    }
}

TEST_CASE("rsa: a signature not below the modulus is EINVAL, a key past 4096 bits ENOPKG")
{
    OpenSslKey key(2048);
    std::vector<uint8_t> too_big = key.n; // == n
    CHECK(verify(key, too_big, "x") == LKM_EINVAL);
    std::vector<uint8_t> huge_n(513, 0xff);
    rsa_public_key huge { span_of(huge_n), span_of(key.e) };
    uint8_t digest[SHA256_DIGEST_SIZE] = {};
    lkm::tools::MallocAllocator allocator;
    auto result = rsa_verify_sha256(huge, span_of(huge_n), digest, allocator);
    REQUIRE(result.is_error());
    CHECK(result.error().code == LKM_ENOPKG);
}

TEST_CASE("der: lengths are checked against what encloses them - only DER is accepted")
{
    auto read_one = [](std::vector<uint8_t> bytes) {
        der_reader reader(span_of(bytes));
        auto element = reader.next();
        return element.is_error() ? element.error().code : 0;
    };
    CHECK(read_one({ 0x04, 0x02, 'h', 'i' }) == 0);
    CHECK(read_one({ 0x04, 0x03, 'h', 'i' }) == LKM_EBADMSG);          // longer than the buffer
    CHECK(read_one({ 0x04 }) == LKM_EBADMSG);                          // no length
    CHECK(read_one({ 0x30, 0x80, 0x00, 0x00 }) == LKM_EBADMSG);        // indefinite (BER)
    CHECK(read_one({ 0x04, 0x81, 0x02, 'h', 'i' }) == LKM_EBADMSG);    // long form for a short length
    CHECK(read_one({ 0x04, 0x82, 0x00, 0x90 }) == LKM_EBADMSG);        // leading zero in the length
    CHECK(read_one({ 0x04, 0x85, 1, 0, 0, 0, 0 }) == LKM_EBADMSG);     // a length of five bytes
    CHECK(read_one({ 0x04, 0x84, 0xff, 0xff, 0xff, 0xff }) == LKM_EBADMSG); // 4 GiB in a few bytes
    CHECK(read_one({ 0x1f, 0x81, 0x01, 0x00 }) == LKM_EBADMSG);        // a multi-byte tag

    std::vector<uint8_t> nested { 0x30, 0x04, 0x02, 0x01, 0x05, 0xff };
    der_reader outer(span_of(nested));
    auto sequence = outer.expect(crypto::ASN1_SEQUENCE);
    REQUIRE(!sequence.is_error());
    der_reader inner(sequence.value());
    auto integer = inner.expect(crypto::ASN1_INTEGER);
    REQUIRE(!integer.is_error());
    CHECK(integer.value().size == 1);
    CHECK(inner.expect_end().is_error()); // the 0xff left over inside the SEQUENCE
}

TEST_CASE("x509: the build's certificate: its key, serial, issuer and subject as OpenSSL reads them")
{
    std::vector<uint8_t> der = read_file(LKMEMU_SIGNING_CERT);
    auto cert = x509_parse(span_of(der));
    REQUIRE(!cert.is_error());
    const unsigned char* p = der.data();
    X509* openssl = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(openssl);
    EVP_PKEY* key = X509_get0_pubkey(openssl);
    BIGNUM* n = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key, "n", &n));
    std::vector<uint8_t> n_bytes(static_cast<size_t>(BN_num_bytes(n)));
    BN_bn2bin(n, n_bytes.data());
    BN_free(n);
    CHECK(cert.value().key.n.equals(n_bytes.data(), n_bytes.size()));
    const ASN1_INTEGER* serial = X509_get0_serialNumber(openssl);
    auto magnitude = crypto::der_unsigned_integer(cert.value().serial); // OpenSSL's has no sign byte
    REQUIRE(!magnitude.is_error());
    CHECK(magnitude.value().equals(ASN1_STRING_get0_data(serial), static_cast<size_t>(ASN1_STRING_length(serial))));
    CHECK(std::string(reinterpret_cast<const char*>(cert.value().subject_cn.data), cert.value().subject_cn.size) ==
          "Build time autogenerated kernel key");
    const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(openssl);
    REQUIRE(skid);
    CHECK(cert.value().skid.equals(ASN1_STRING_get0_data(skid), static_cast<size_t>(ASN1_STRING_length(skid))));
    X509_free(openssl);
}

TEST_CASE("pkcs7: a message from lkmemu-sign-file verifies with the build's key, and only over its data")
{
    auto dir = std::filesystem::temp_directory_path() / "lkmemu-crypto-test";
    std::filesystem::create_directories(dir);
    std::string data_path = (dir / "data.bin").string();
    {
        std::ofstream out(data_path, std::ios::binary | std::ios::trunc);
        out << "pretend this is an ELF image";
    }
    std::string command = std::string(LKMEMU_SIGN_FILE) + " -d sha256 " + LKMEMU_SIGNING_KEY + " " + LKMEMU_SIGNING_CERT + " " + data_path;
    REQUIRE(std::system(command.c_str()) == 0);
    std::vector<uint8_t> message_bytes = read_file(data_path + ".p7s");
    std::vector<uint8_t> cert_bytes = read_file(LKMEMU_SIGNING_CERT);
    auto cert = x509_parse(span_of(cert_bytes));
    REQUIRE(!cert.is_error());
    auto message = pkcs7_parse(span_of(message_bytes));
    REQUIRE(!message.is_error());
    CHECK(message.value().data_is_pkcs7_data);
    CHECK(!message.value().has_content);
    CHECK(!message.value().authattrs);

    lkm::tools::MallocAllocator allocator;
    std::string data = "pretend this is an ELF image";
    auto good = pkcs7_verify(message.value(), reinterpret_cast<const uint8_t*>(data.data()), data.size(), &cert.value(), 1, allocator);
    CHECK(!good.is_error());
    data[0] = 'P';
    auto tampered = pkcs7_verify(message.value(), reinterpret_cast<const uint8_t*>(data.data()), data.size(), &cert.value(), 1, allocator);
    REQUIRE(tampered.is_error());
    CHECK(tampered.error().code == LKM_EKEYREJECTED);
    auto no_key = pkcs7_verify(message.value(), reinterpret_cast<const uint8_t*>(data.data()), data.size(), nullptr, 0, allocator);
    REQUIRE(no_key.is_error());
    CHECK(no_key.error().code == LKM_ENOKEY);

    // Every truncation of the message is refused by the parser as malformed, never read past.
    for (size_t size = 0; size < message_bytes.size(); size++) {
        auto cut = pkcs7_parse(der_span { message_bytes.data(), size });
        REQUIRE(cut.is_error());
        CHECK(cut.error().code == LKM_EBADMSG);
    }
}
