// modversions and symbol namespaces at load time (docs/versions.md), with byte-patched copies of
// the samples (same length, so the ELF stays valid): a CRC in __versions one bit off is refused
// with Linux's "disagrees about version of symbol" and EINVAL, and loads forced (taint F) with
// `insmod -f` or --force-modversion; module_layout's CRC guards the module format (ENOEXEC); a
// module without __versions loads forced; one without an entry is warned about; with __versions
// only what follows the release is compared in the vermagic; a namespaced export is refused to a
// module that does not import the namespace.
#include "module_support.h"

#include <lkmemu/module_abi.h>

#include <filesystem>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

std::string write_module(const std::string& bytes, const std::string& out_name)
{
    auto path = std::filesystem::temp_directory_path() / ("lkmemu-versions-test-" + out_name + ".ko");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path.string();
}

// The offset of module `bytes`'s __versions entry for `symbol` (struct lkm_modversion_info: the
// CRC, then the name padded with NULs to LKM_MODULE_NAME_LEN).
size_t versions_entry(const std::string& bytes, const std::string& symbol)
{
    std::string name(LKM_MODULE_NAME_LEN, '\0');
    name.replace(0, symbol.size(), symbol);
    size_t at = bytes.find(name);
    REQUIRE(at != std::string::npos);
    REQUIRE(bytes.find(name, at + 1) == std::string::npos);
    REQUIRE(at >= sizeof(uint64_t));
    return at - sizeof(uint64_t);
}

// A copy of module `name`.ko with bit 0 of its __versions CRC for `symbol` flipped.
std::string with_crc_flipped(const std::string& name, const std::string& symbol)
{
    std::string bytes = module_image(name); // unsigned: a patched signature would not hold
    bytes[versions_entry(bytes, symbol)] ^= 1;
    return write_module(bytes, name + "-" + symbol + "-crc");
}

std::string patched(const std::string& name, const std::string& from, const std::string& to, const std::string& out_name)
{
    REQUIRE(from.size() == to.size());
    std::string bytes = module_image(name);
    size_t at = bytes.find(from);
    REQUIRE(at != std::string::npos);
    REQUIRE(bytes.find(from, at + 1) == std::string::npos);
    bytes.replace(at, from.size(), to);
    return write_module(bytes, out_name);
}

} // namespace

TEST_CASE("modversions: a CRC one bit off is refused with Linux's message and EINVAL")
{
    std::string path = with_crc_flipped("hello", "printk");
    auto s = run_observed("insmod " + path + "; cat /proc/modules");
    REQUIRE(s.results.size() == 2);
    CHECK(s.result(0).status == -LKM_EINVAL);
    CHECK(contains(s.result(0).error, "hello: disagrees about version of symbol printk"));
    CHECK(contains(s.console(), "hello: disagrees about version of symbol printk\n"));
    CHECK(contains(s.console(), "hello: Unknown symbol printk (err -22)\n"));
    CHECK(s.result(1).output.empty());
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("modversions: insmod -f and --force-modversion load it, tainting the kernel F")
{
    std::string path = with_crc_flipped("hello", "printk");
    for (const std::string option : { "-f", "--force-modversion" }) {
        INFO(option);
        auto s = run_observed("cat /proc/sys/kernel/tainted; insmod " + option + " " + path
                              + "; cat /proc/modules; rmmod hello; insmod " + module_path("wx_text")
                              + "; cat /proc/sys/kernel/tainted");
        REQUIRE(s.results.size() == 6);
        CHECK(s.result(0).output == "0\n"); // Linux's /proc/sys/kernel/tainted: the mask in decimal
        CHECK(s.result(1).ok);
        CHECK(contains(s.console(), "hello: module_layout: kernel tainted.\n")); // Linux's try_to_force_load
        // The patched copy is unsigned, so E (bit 13) too (docs/versions.md, "Signing").
        CHECK(s.result(2).output == "hello 12288 0 - Live 0xffffffffa0000000 (FE)\n");
        CHECK(s.result(3).ok);
        CHECK(contains(s.result(4).error, "CPU: 0 PID: 1 Comm: init Tainted: FE\n"));
        // F (bit 1, the forced load), D (bit 7: the oops wx_text's write to its own text made), E
        CHECK(s.result(5).output == "8322\n");
    }
    // --force-vermagic forces only the vermagic: the CRC still disagrees.
    auto s = run_observed("insmod --force-vermagic " + path);
    CHECK(s.result(0).status == -LKM_EINVAL);
    CHECK(contains(s.console(), "hello: disagrees about version of symbol printk\n"));
}

TEST_CASE("modversions: a module's import from another module is checked against that module's CRC")
{
    std::string path = with_crc_flipped("consumer", "provider_add");
    auto s = run_observed("insmod " + module_path("provider") + "; insmod " + path + "; cat /proc/modules; rmmod provider");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(1).status == -LKM_EINVAL);
    CHECK(contains(s.console(), "consumer: disagrees about version of symbol provider_add\n"));
    CHECK(lines_of(s.result(2).output).size() == 1); // provider only, with no user
    CHECK(s.result(3).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("modversions: module_layout's CRC guards the module format (ENOEXEC)")
{
    std::string path = with_crc_flipped("hello", "module_layout");
    auto s = run_observed("insmod " + path + "; cat /proc/modules");
    REQUIRE(s.results.size() == 2);
    CHECK(s.result(0).status == -LKM_ENOEXEC);
    CHECK(contains(s.console(), "hello: disagrees about version of symbol module_layout\n"));
    CHECK_FALSE(contains(s.console(), "Unknown symbol module_layout"));
    CHECK(s.result(1).output.empty());
}

TEST_CASE("modversions: without __versions a module loads forced, without an entry, with a warning")
{
    // __versions renamed: the module has no versions at all (Linux: "modprobe --force does this").
    // (The section's name, NUL-delimited in .shstrtab: the symbol ____versions does not match.)
    std::string unversioned = patched("hello", std::string("\0__versions\0", 12), std::string("\0__versionz\0", 12),
                                      "unversioned");
    // printk's entry renamed: a broken toolchain, which Linux warns about once and lets go.
    std::string bytes = module_image("hello");
    bytes[versions_entry(bytes, "printk") + sizeof(uint64_t) + 5] = 'K';
    std::string no_entry = write_module(bytes, "no-printk-version");

    auto s = run_observed("insmod " + no_entry + "; cat /proc/modules; rmmod hello; insmod " + unversioned + "; cat /proc/modules; rmmod hello");
    REQUIRE(s.results.size() == 6);
    CHECK(s.result(0).ok);
    CHECK(contains(s.console(), "hello: no symbol version for printk\n"));
    CHECK(s.result(1).output == "hello 12288 0 - Live 0xffffffffa0000000 (E)\n"); // patched: unsigned
    CHECK(s.result(3).ok);
    CHECK(contains(s.console(), "hello: module_layout: kernel tainted.\n"));
    CHECK(s.result(4).output == "hello 12288 0 - Live 0xffffffffa0000000 (FE)\n");
    CHECK(s.result(5).ok);
}

TEST_CASE("modversions: exports without __kcrctab load forced, and their users are not checked")
{
    // provider's __kcrctab renamed: its export table has no CRCs (the _gpl one keeps its own).
    std::string path = patched("provider", std::string("\0__kcrctab\0", 11), std::string("\0__kcrctaX\0", 11),
                               "provider-no-kcrctab");
    std::string consumer = with_crc_flipped("consumer", "provider_add");
    auto s = run_observed("insmod " + path + "; insmod " + consumer + "; cat /proc/modules; rmmod consumer; rmmod provider");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).ok);
    CHECK(contains(s.console(), "provider: no versions for exported symbols: kernel tainted.\n"));
    CHECK(s.result(1).ok); // Linux: "Exporting module didn't supply crcs?  OK, we're already tainted."
    CHECK(contains(s.result(2).output, "provider 12288 1 consumer, Live 0xffffffffa0000000 (FE)"));
    CHECK(s.result(3).ok);
    CHECK(s.result(4).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("modversions: with __versions only what follows the release is compared (same_magic)")
{
    std::string other_release = patched("hello", "vermagic=lkmemu-abi1 ", "vermagic=lkmemu-abi9 ", "release");
    auto s = run_observed("insmod " + other_release + "; cat /proc/modules; rmmod hello");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).output == "hello 12288 0 - Live 0xffffffffa0000000 (E)\n"); // patched: unsigned
    // Without __versions the release counts again.
    std::string bytes = read_bytes(other_release);
    size_t at = bytes.find(std::string("\0__versions\0", 12));
    REQUIRE(at != std::string::npos);
    bytes.replace(at + 1, 10, "__versionz");
    std::string unversioned = write_module(bytes, "release-unversioned");
    auto refused = run_observed("insmod " + unversioned);
    CHECK(refused.result(0).status == -LKM_ENOEXEC);
    CHECK(contains(refused.console(), "hello: version magic mismatch: 'lkmemu-abi9 x86_64"));
}

TEST_CASE("namespaces: a namespaced export is refused to a module that does not import it")
{
    auto s = run_observed("insmod " + module_path("nsprovider") + "; insmod " + module_path("nsconsumer")
                          + "; rmmod nsconsumer; rmmod nsprovider");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(1).ok);
    CHECK(contains(s.console(), "nsconsumer: 3 * 14 = 42\n"));
    CHECK(s.result(3).ok);

    // nsconsumer.ko with its import_ns= record renamed (same length): no import any more.
    std::string stripped = patched("nsconsumer", "import_ns=LKMEMU_SAMPLES", "imported_=LKMEMU_SAMPLES", "no-import");
    auto refused = run_observed("insmod " + module_path("nsprovider") + "; insmod " + stripped
                                + "; cat /proc/modules; rmmod nsprovider");
    REQUIRE(refused.results.size() == 4);
    CHECK(refused.result(1).status == -LKM_EINVAL);
    CHECK(contains(refused.console(), "nsconsumer: module uses symbol (nsprovider_triple) from namespace "
                                      "LKMEMU_SAMPLES, but does not import it.\n"));
    CHECK(contains(refused.console(), "nsconsumer: Unknown symbol nsprovider_triple (err -22)\n"));
    CHECK(lines_of(refused.result(2).output).size() == 1);
    CHECK(refused.result(3).ok);
    CHECK_MEMINFO_EQUAL(refused.last().meminfo, refused.before(0).meminfo);
}

TEST_CASE("modversions: lkmemu check gives the kernel's verdict on a CRC")
{
    std::string path = with_crc_flipped("hello", "printk");
    std::string command = std::string(LKMEMU_BINARY_PATH) + " check --kernel " LKMEMU_KERNEL_PATH " " + path + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe);
    std::string output;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        output.append(buffer, n);
    int status = pclose(pipe);
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(output == path + ": EINVAL: disagrees about version of symbol: printk\n");
    std::string good = std::string(LKMEMU_BINARY_PATH) + " check --kernel " LKMEMU_KERNEL_PATH " " + module_path("hello")
                       + " >/dev/null 2>&1";
    CHECK(WEXITSTATUS(system(good.c_str())) == 0);
}
