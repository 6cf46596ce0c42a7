// The initramfs's newc reader (guest-kernel/init/initramfs_cpio.cpp) compiled for the host: the
// entries an archive yields, the names' paths, concatenated archives and checksums, and every
// refusal, naming the entry and the check.
#include "initramfs_newc.h"

#include <cstring>

using namespace initramfs_test;

namespace {

struct Collect final : cpio_visitor {
    std::vector<cpio_entry> entries;
    lkm::ErrorOr<void> entry(const cpio_entry& e) override
    {
        entries.push_back(e);
        return {};
    }
};

std::string parse_error(const std::string& archive) { return message(cpio_parse(bytes(archive), archive.size(), nullptr)); }

} // namespace

TEST_CASE("initramfs: a newc archive's entries, in order")
{
    std::string const archive = newc(sample);
    Collect collect;
    auto parsed = cpio_parse(bytes(archive), archive.size(), &collect);
    REQUIRE(!parsed.is_error());
    CHECK(parsed.value() == sample.size());
    REQUIRE(collect.entries.size() == sample.size());
    for (size_t i = 0; i < sample.size(); i++) {
        const cpio_entry& e = collect.entries[i];
        CHECK(e.index == i);
        CHECK(std::string(e.name) == sample[i].name);
        CHECK(e.mode == sample[i].mode);
        CHECK(std::string(reinterpret_cast<const char*>(e.data), e.size) == sample[i].data);
    }
    CHECK(collect.entries[5].rdev_major == 5);
    CHECK(collect.entries[5].rdev_minor == 1);
    CHECK(collect.entries[6].uid == 1000);
    CHECK(collect.entries[2].mtime == 1700000001);
}

TEST_CASE("initramfs: entry names map to paths under the root")
{
    char out[64];
    auto path = [&](const char* name) {
        REQUIRE(!cpio_entry_path(name, out, sizeof out).is_error());
        return std::string(out);
    };
    CHECK(path(".") == "/");
    CHECK(path("./") == "/");
    CHECK(path("/") == "/");
    CHECK(path("etc") == "/etc");
    CHECK(path("./etc/passwd") == "/etc/passwd");
    CHECK(path("/lib//modules/./x.ko") == "/lib/modules/x.ko");
    char tiny[4];
    CHECK(cpio_entry_path("etc/passwd", tiny, sizeof tiny).error().code == LKM_ENAMETOOLONG);
}

TEST_CASE("initramfs: concatenated archives with zeros between them, and 070702 checksums")
{
    std::string archive = newc({ { "a", 0040755 } }) + std::string(512, '\0') + newc({ { "a/b", 0100600, "xyz" } }, true, "070702");
    archive += std::string(100, '\0');
    Collect collect;
    auto parsed = cpio_parse(bytes(archive), archive.size(), &collect);
    REQUIRE(!parsed.is_error());
    CHECK(parsed.value() == 2);
    CHECK(collect.entries[1].archive == 1);
    CHECK(collect.entries[1].index == 1);
    CHECK(cpio_parse(nullptr, 0, nullptr).value() == 0); // nothing: no entries, no error
    std::string const zeros(64, '\0');
    CHECK(cpio_parse(bytes(zeros), zeros.size(), nullptr).value() == 0);
}

TEST_CASE("initramfs: hostile archives are refused naming the entry and the check")
{
    CHECK(parse_error("hello world, not an archive") == "no cpio magic");
    CHECK(parse_error(std::string("\x1f\x8b\x08\x00", 4) + std::string(20, 'x')) == "gzip compressed (this kernel has no decompressor)");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + "\x28\xb5\x2f\xfd" + std::string(8, 'z')) == "entry 1: zstd compressed (this kernel has no decompressor)");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + std::string(1, '\0') + newc({ { "b", 0040755 } })) ==
          "entry 1: broken padding");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + "junk") == "entry 1: no cpio magic");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + "0707") == "entry 1: truncated header");
    CHECK(parse_error(newc({ { "a", 0040755 } }, false)) == "entry 1: archive ends without TRAILER!!!");

    CHECK(parse_error(newc({ { "../etc/passwd", 0100644, "x" } })) == "entry 0 (../etc/passwd): name has a `..' component");
    CHECK(parse_error(newc({ { "a", 0040755 }, { "/a/../../x", 0100644 } })) ==
          "entry 1 (/a/../../x): name has a `..' component");
    CHECK(parse_error(newc({ { "", 0100644 } })) == "entry 0: empty name");
    CHECK(parse_error(newc({ { "x", 0170644 } })) == "entry 0 (x): mode has no known file type");
    CHECK(parse_error(newc({ { "x", 0000644 } })) == "entry 0 (x): mode has no known file type");
    CHECK(parse_error(newc({ { "x", 0110644 } })) == "entry 0 (x): mode has no known file type");
    CHECK(parse_error(newc({ { "x", 0100644 | 0200000 } })) == "entry 0 (x): mode has bits beyond 07777");
    CHECK(parse_error(newc({ { "l", 0120777, std::string(4096, 'a') } })) ==
          "entry 0 (l): symlink target longer than PATH_MAX");
    CHECK(parse_error(newc({ { "l", 0120777, "" } })) == "entry 0 (l): symlink without a target");
    CHECK(parse_error(newc({ { "l", 0120777, std::string("a\0b", 3) } })) == "entry 0 (l): symlink target holds a NUL");
    CHECK(parse_error(newc({ { "d", 0040755, "data" } })) == "entry 0 (d): data for an entry that is not a file or symlink");
    CHECK(parse_error(newc({ { std::string(5000, 'n'), 0100644 } })).rfind("entry 0 (nnnn", 0) == 0);
    CHECK(parse_error(newc({ { std::string(5000, 'n'), 0100644 } })).find("...): name longer than PATH_MAX") != std::string::npos);

    // Damage one field of a good header at a time.
    std::string const good = newc({ { "f", 0100644, "data" } });
    auto with = [&](size_t at, const std::string& text) {
        std::string s = good;
        s.replace(at, text.size(), text);
        return s;
    };
    CHECK(parse_error(with(0, "070707")) == "no cpio magic");
    CHECK(parse_error(with(6 + 8, "0000G644")) == "entry 0: non-hex digit in c_mode");
    CHECK(parse_error(with(6 + 6 * 8, "FFFFFFFF")) == "entry 0 (f): file size larger than what is left of the archive");
    CHECK(parse_error(with(6 + 6 * 8, "00001000")) == "entry 0 (f): file size larger than what is left of the archive");
    CHECK(parse_error(with(6 + 6 * 8, "00000009")) == "entry 1: no cpio magic"); // inside the archive: it reads on
    CHECK(parse_error(with(6 + 11 * 8, "00000000")) == "entry 0: empty name");
    CHECK(parse_error(with(6 + 11 * 8, "00000001")) == "entry 0 (f): name without its NUL at c_namesize");
    CHECK(parse_error(with(6 + 11 * 8, "00001001")).find("name longer than PATH_MAX") != std::string::npos);
    CHECK(parse_error(with(6 + 11 * 8, "00000003")) == "entry 0 (f): name without its NUL at c_namesize");
    CHECK(parse_error(with(6 + 11 * 8, "00000100")) == "entry 0 (f): truncated name");
    std::string bad_sum = newc({ { "f", 0100644, "data" } }, true, "070702");
    REQUIRE(bad_sum.substr(6 + 12 * 8, 8) == "0000019A"); // 'd' + 'a' + 't' + 'a'
    bad_sum[6 + 12 * 8 + 7] = 'B';
    CHECK(parse_error(bad_sum) == "entry 0 (f): checksum mismatch (070702)");
}

TEST_CASE("initramfs: an archive cut short at any byte is refused, never read past its end")
{
    std::string const archive = newc(sample);
    size_t const trailer_name_end = archive.size() - 3; // TRAILER!!! + NUL (121 bytes) ends here, padding after
    for (size_t length = 0; length < archive.size(); length++) {
        // A private copy of exactly `length` bytes, so the sanitizers see any read past it.
        std::unique_ptr<u8[]> cut(new u8[length ? length : 1]);
        std::memcpy(cut.get(), archive.data(), length);
        auto parsed = cpio_parse(cut.get(), length, nullptr);
        INFO("length " << length);
        if (length == 0)
            CHECK(parsed.value() == 0);
        else if (length < trailer_name_end)
            CHECK(parsed.is_error());
        else
            CHECK(!parsed.is_error());
    }
}

