// Module signatures in the running kernel (docs/versions.md, "Signing"), Linux's rules: a module
// signed with the build's key loads untainted; an unsigned one, or one signed by a key the kernel
// does not have, loads tainted E with Linux's one notice, unless module.sig_enforce=1 refuses it
// (EKEYREJECTED); a signature that does not hold (a byte of the module changed) is EKEYREJECTED
// either way, a malformed one EBADMSG. insmod -f makes a signed module count as unsigned, as
// Linux's "mangled module". Then modinfo's sig_* fields and compressed modules against the host's
// kmod.
#include "module_support.h"

#include <lkmemu/module_abi.h>

#include <filesystem>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const std::string kMarker = LKM_MODULE_SIG_STRING;
const std::string kNotice = "module verification failed: signature and/or required key missing - tainting kernel";
constexpr unsigned kTaintE = 1u << 13;

std::filesystem::path work_dir()
{
    auto dir = std::filesystem::temp_directory_path() / "lkmemu-signing-test";
    std::filesystem::create_directories(dir);
    return dir;
}

std::string write_file(const std::string& bytes, const std::string& name)
{
    auto path = work_dir() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path.string();
}

struct SignedModule {
    std::string image;   // the ELF alone
    std::string pkcs7;
    std::string info;    // struct lkm_module_signature
};

// Splits a signed module as Linux's mod_verify_sig does.
SignedModule split(const std::string& bytes)
{
    REQUIRE(bytes.size() > kMarker.size() + sizeof(lkm_module_signature));
    REQUIRE(bytes.compare(bytes.size() - kMarker.size(), kMarker.size(), kMarker) == 0);
    size_t info_at = bytes.size() - kMarker.size() - sizeof(lkm_module_signature);
    lkm_module_signature ms;
    std::memcpy(&ms, bytes.data() + info_at, sizeof(ms));
    size_t sig_len = __builtin_bswap32(ms.sig_len);
    REQUIRE(sig_len < info_at);
    return { bytes.substr(0, info_at - sig_len), bytes.substr(info_at - sig_len, sig_len),
             bytes.substr(info_at, sizeof(ms)) };
}

std::string info_with_length(size_t sig_len)
{
    lkm_module_signature ms {};
    ms.id_type = LKM_PKEY_ID_PKCS7;
    ms.sig_len = __builtin_bswap32(static_cast<uint32_t>(sig_len));
    return std::string(reinterpret_cast<const char*>(&ms), sizeof(ms));
}

// hello.ko as the build signed it, and variants of it.
std::string signed_hello() { return read_bytes(module_path("hello")); }
std::string unsigned_hello() { return write_file(split(signed_hello()).image, "hello-unsigned.ko"); }

template<typename T>
T read_at(const std::string& bytes, size_t offset)
{
    REQUIRE(offset + sizeof(T) <= bytes.size());
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

// The file offset of the image's first non-empty code section (.text, or hello's .init.text):
// Elf64_Ehdr / Elf64_Shdr fields read directly.
size_t text_offset(const std::string& image)
{
    uint64_t shoff = read_at<uint64_t>(image, 0x28);
    uint16_t shentsize = read_at<uint16_t>(image, 0x3a), shnum = read_at<uint16_t>(image, 0x3c);
    uint16_t shstrndx = read_at<uint16_t>(image, 0x3e);
    uint64_t strtab = read_at<uint64_t>(image, shoff + size_t(shstrndx) * shentsize + 0x18);
    for (uint16_t i = 0; i < shnum; i++) {
        size_t header = shoff + size_t(i) * shentsize;
        std::string name = image.c_str() + strtab + read_at<uint32_t>(image, header);
        if ((name == ".text" || name == ".init.text") && read_at<uint64_t>(image, header + 0x20) > 0)
            return read_at<uint64_t>(image, header + 0x18);
    }
    FAIL("hello.ko has no code");
    return 0;
}

// One byte of code changed, the signature kept.
std::string tampered_hello()
{
    SignedModule m = split(signed_hello());
    m.image[text_offset(m.image)] ^= 0x01;
    return write_file(m.image + m.pkcs7 + m.info + kMarker, "hello-tampered.ko");
}

// Signed with a second key made here, which the kernel does not have.
std::string wrongly_keyed_hello()
{
    auto dir = work_dir();
    std::string key = (dir / "other_key.pem").string();
    std::string genkey = (std::filesystem::path(LKMEMU_SIGNING_KEY).parent_path() / "x509.genkey").string();
    if (!std::filesystem::exists(key)) {
        std::string command = std::string(LKMEMU_OPENSSL) + " req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 -config " +
                              genkey + " -outform PEM -out " + key + " -keyout " + key + " >/dev/null 2>&1";
        REQUIRE(std::system(command.c_str()) == 0);
    }
    std::string unsigned_path = unsigned_hello();
    std::string out = (dir / "hello-other-key.ko").string();
    std::string command = std::string(LKMEMU_SIGN_FILE) + " sha256 " + key + " " + key + " " + unsigned_path + " " + out;
    REQUIRE(std::system(command.c_str()) == 0);
    return out;
}

// The PKCS#7 message cut short, the trailer saying so (a well-formed trailer, a broken message).
std::string truncated_signature_hello()
{
    SignedModule m = split(signed_hello());
    std::string cut = m.pkcs7.substr(0, m.pkcs7.size() - 17);
    return write_file(m.image + cut + info_with_length(cut.size()) + kMarker, "hello-truncated-sig.ko");
}

// A trailer whose length runs past the start of the file (Linux's mod_check_sig: EBADMSG).
std::string overlong_trailer_hello()
{
    SignedModule m = split(signed_hello());
    std::string bytes = m.image + m.pkcs7 + info_with_length(m.image.size() + m.pkcs7.size() + 1) + kMarker;
    return write_file(bytes, "hello-overlong-trailer.ko");
}

unsigned tainted(const std::string& output) { return static_cast<unsigned>(std::stoul(output)); }

} // namespace

TEST_CASE("signing: the kernel loads the build's certificate at boot, as Linux's system keyring")
{
    auto s = run_session("lsmod");
    CHECK(contains(s.console(), "Loading compiled-in X.509 certificates\n"));
    CHECK(contains(s.console(), "Loaded X.509 cert 'Build time autogenerated kernel key: "));
}

TEST_CASE("signing: a module signed with the build's key loads untainted, with or without sig_enforce")
{
    for (const std::string cmdline : { "", "module.sig_enforce=1" }) {
        INFO(cmdline);
        auto s = run_observed("insmod " + module_path("hello") + "; cat /proc/modules; cat /proc/sys/kernel/tainted; rmmod hello", cmdline);
        REQUIRE(s.results.size() == 4);
        CHECK(s.result(0).status == 0);
        CHECK(!contains(s.result(1).output, "(E)"));
        CHECK(tainted(s.result(2).output) == 0);
        CHECK(!contains(s.console(), kNotice));
        CHECK(s.result(3).status == 0);
        CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
    }
}

TEST_CASE("signing: an unsigned module loads tainted E with Linux's notice, once - sig_enforce refuses it")
{
    std::string path = unsigned_hello();
    auto s = run_observed("insmod " + path + "; cat /proc/modules; cat /proc/sys/kernel/tainted; rmmod hello; insmod " + path);
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).status == 0);
    CHECK(contains(s.result(1).output, "hello "));
    CHECK(contains(s.result(1).output, " (E)\n"));
    CHECK(tainted(s.result(2).output) == kTaintE);
    CHECK(contains(s.console(), "hello: " + kNotice + "\n"));
    CHECK(s.result(4).status == 0);
    // pr_notice_once: one notice per boot, however many unsigned modules follow.
    std::string console = s.console();
    CHECK(console.find(kNotice) == console.rfind(kNotice));

    auto enforced = run_observed("insmod " + path + "; cat /proc/modules; cat /proc/sys/kernel/tainted", "module.sig_enforce=1");
    REQUIRE(enforced.results.size() == 3);
    CHECK(enforced.result(0).status == -LKM_EKEYREJECTED);
    CHECK(contains(enforced.result(0).error, "Key was rejected by service"));
    CHECK(contains(enforced.console(), "Loading of unsigned module is rejected\n"));
    CHECK(enforced.result(1).output.empty());
    CHECK(tainted(enforced.result(2).output) == 0);
    CHECK_MEMINFO_EQUAL(enforced.last().meminfo, enforced.before(0).meminfo);
}

TEST_CASE("signing: a module changed after signing is EKEYREJECTED, enforced or not")
{
    std::string path = tampered_hello();
    for (const std::string cmdline : { "", "module.sig_enforce=1" }) {
        INFO(cmdline);
        auto s = run_observed("insmod " + path + "; cat /proc/modules; cat /proc/sys/kernel/tainted", cmdline);
        REQUIRE(s.results.size() == 3);
        CHECK(s.result(0).status == -LKM_EKEYREJECTED);
        CHECK(s.result(1).output.empty());
        CHECK(tainted(s.result(2).output) == 0);
        CHECK(!contains(s.console(), kNotice));
        CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
    }
}

TEST_CASE("signing: a key the kernel does not have is an unavailable key: taint E, or refused enforced")
{
    std::string path = wrongly_keyed_hello();
    auto s = run_observed("insmod " + path + "; cat /proc/modules; cat /proc/sys/kernel/tainted; rmmod hello");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(0).status == 0);
    CHECK(contains(s.result(1).output, " (E)\n"));
    CHECK(tainted(s.result(2).output) == kTaintE);
    CHECK(contains(s.console(), "hello: " + kNotice + "\n"));

    auto enforced = run_observed("insmod " + path + "; cat /proc/sys/kernel/tainted", "module.sig_enforce=1");
    REQUIRE(enforced.results.size() == 2);
    CHECK(enforced.result(0).status == -LKM_EKEYREJECTED);
    CHECK(contains(enforced.console(), "Loading of module with unavailable key is rejected\n"));
    CHECK(tainted(enforced.result(1).output) == 0);
}

TEST_CASE("signing: a truncated signature is EBADMSG, enforced or not - a cut marker is no signature")
{
    for (const std::string& path : { truncated_signature_hello(), overlong_trailer_hello() }) {
        for (const std::string cmdline : { "", "module.sig_enforce=1" }) {
            INFO(path << " " << cmdline);
            auto s = run_observed("insmod " + path + "; cat /proc/sys/kernel/tainted", cmdline);
            REQUIRE(s.results.size() == 2);
            CHECK(s.result(0).status == -LKM_EBADMSG);
            CHECK(contains(s.result(0).error, "Bad message"));
            CHECK(tainted(s.result(1).output) == 0);
        }
    }
    // The file cut inside the marker: no marker, so no signature (ENODATA inside the kernel):
    // an unsigned module to module_sig_check, and, the ELF being whole, it loads tainted E.
    std::string bytes = signed_hello();
    std::string cut = write_file(bytes.substr(0, bytes.size() - 3), "hello-cut-marker.ko");
    auto s = run_observed("insmod " + cut + "; cat /proc/sys/kernel/tainted");
    CHECK(s.result(0).status == 0);
    CHECK(tainted(s.result(1).output) == kTaintE);
    auto enforced = run_observed("insmod " + cut, "module.sig_enforce=1");
    CHECK(enforced.result(0).status == -LKM_EKEYREJECTED);
    CHECK(contains(enforced.console(), "Loading of unsigned module is rejected\n"));
}

TEST_CASE("signing: insmod -f makes a signed module a mangled one: unsigned, tainted F and E")
{
    auto s = run_observed("insmod -f " + module_path("hello") + "; cat /proc/modules; cat /proc/sys/kernel/tainted; rmmod hello");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(0).status == 0);
    CHECK(contains(s.result(1).output, " (FE)\n"));
    CHECK(tainted(s.result(2).output) == (kTaintE | 2u));
    auto enforced = run_observed("insmod -f " + module_path("hello"), "module.sig_enforce=1");
    CHECK(enforced.result(0).status == -LKM_EKEYREJECTED);
}

namespace {

bool host_kmod_has(const std::string& feature)
{
    auto version = run_shell("/sbin/modinfo --version 2>&1");
    return version.status == 0 && contains(version.output, feature);
}

std::string compressed(const std::string& tool, const std::string& suffix)
{
    std::string out = (work_dir() / ("hello.ko" + suffix)).string();
    std::string command = tool + " < " + module_path("hello") + " > " + out;
    REQUIRE(std::system(command.c_str()) == 0);
    return out;
}

void check_modinfo_matches_kmod(const std::string& path)
{
    INFO(path);
    auto ours = run_lkmemu("modinfo " + path);
    auto kmod = run_shell("/sbin/modinfo " + path + " 2>&1");
    CHECK(ours.status == 0);
    CHECK(kmod.status == 0);
    CHECK(ours.output == kmod.output);
    for (const std::string field : { "sig_id", "signer", "sig_key", "sig_hashalgo", "signature" }) {
        auto ours_field = run_lkmemu("modinfo -F " + field + " " + path);
        auto kmod_field = run_shell("/sbin/modinfo -F " + field + " " + path + " 2>&1");
        CHECK(ours_field.output == kmod_field.output);
    }
}

} // namespace

TEST_CASE("signing: modinfo's sig_* fields are kmod's, on a signed module")
{
    if (!host_kmod_has("+LIBCRYPTO")) {
        WARN("skipped: the host's kmod has no libcrypto: it shows no signer, sig_key or signature to compare with");
        return;
    }
    check_modinfo_matches_kmod(module_path("hello"));
    check_modinfo_matches_kmod(module_path("params"));
    check_modinfo_matches_kmod(wrongly_keyed_hello());
    auto ours = run_lkmemu("modinfo " + module_path("hello"));
    CHECK(contains(ours.output, "sig_id:         PKCS#7\n"));
    CHECK(contains(ours.output, "signer:         Build time autogenerated kernel key\n"));
    CHECK(contains(ours.output, "sig_hashalgo:   sha256\n"));
    CHECK(contains(ours.output, "signature:      "));
    CHECK(contains(ours.output, ":\n\t\t")); // kmod's 20 bytes a line
    // An unsigned module has no sig_* fields, as with kmod.
    check_modinfo_matches_kmod(unsigned_hello());
    CHECK(!contains(run_lkmemu("modinfo " + unsigned_hello()).output, "sig_id"));
}

TEST_CASE("signing: .ko.xz and .ko.zst: modinfo as kmod's, insmod loads the signed image untainted")
{
    if (!host_kmod_has("+XZ") || !host_kmod_has("+ZSTD") || !host_kmod_has("+LIBCRYPTO")) {
        WARN("skipped: the host's kmod lacks xz, zstd or libcrypto");
        return;
    }
    std::string xz = compressed("xz --check=crc32 --lzma2=dict=1MiB -c", ".xz");
    std::string zst = compressed("zstd -q -c", ".zst");
    check_modinfo_matches_kmod(xz);
    check_modinfo_matches_kmod(zst);
    auto s = run_observed("insmod " + xz + "; cat /proc/modules; rmmod hello; insmod " + zst +
                          "; cat /proc/modules; cat /proc/sys/kernel/tainted; rmmod hello");
    REQUIRE(s.results.size() == 7);
    CHECK(s.result(0).status == 0);
    CHECK(contains(s.result(1).output, "hello "));
    CHECK(s.result(3).status == 0);
    CHECK(contains(s.result(4).output, "hello "));
    CHECK(tainted(s.result(5).output) == 0);
    CHECK(s.result(6).status == 0);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);

    std::string corrupt = read_bytes(xz);
    corrupt.resize(corrupt.size() / 2);
    std::string corrupt_path = write_file(corrupt, "hello-corrupt.ko.xz");
    auto refused = run_observed("insmod " + corrupt_path);
    CHECK(!refused.result(0).ok); // refused on the host, before the guest sees it
    CHECK(contains(refused.result(0).error, "xz: "));
}
