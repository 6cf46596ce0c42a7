// read_file_contents (emulator/support/file_contents.h): exact bytes of regular files, errors
// with their errno and message, and files whose size says 0 but which have content (/proc).
#include "support/file_contents.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace lkmemu;

namespace {

// A fresh directory under the system's temporary directory, removed with everything in it.
class TemporaryDirectory {
public:
    TemporaryDirectory()
    {
        std::string name = (std::filesystem::temp_directory_path() / "lkmemu-file-contents-test.XXXXXX").string();
        REQUIRE(mkdtemp(name.data()) != nullptr);
        m_path = name;
    }
    ~TemporaryDirectory()
    {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

} // namespace

TEST_CASE("read_file_contents returns a regular file's exact bytes, NUL bytes included")
{
    TemporaryDirectory directory;
    // An odd size, not a multiple of any buffer or page size; every byte value, zero included.
    std::vector<uint8_t> bytes(100'003);
    for (size_t i = 0; i < bytes.size(); i++)
        bytes[i] = static_cast<uint8_t>(i * 7 + (i >> 8));
    bytes[0] = 0;
    bytes.back() = 0;
    auto const path = directory.path() / "binary";
    write_file(path, bytes);

    auto result = read_file_contents(path.string());
    REQUIRE(!result.is_error());
    CHECK(result.value().size() == bytes.size());
    CHECK((result.value() == bytes));
}

TEST_CASE("read_file_contents of an empty file is an empty vector")
{
    TemporaryDirectory directory;
    auto const path = directory.path() / "empty";
    write_file(path, {});

    auto result = read_file_contents(path.string());
    REQUIRE(!result.is_error());
    CHECK(result.value().empty());
}

TEST_CASE("read_file_contents of a missing file fails with ENOENT and says so")
{
    TemporaryDirectory directory;
    int error_number = 0;
    auto result = read_file_contents((directory.path() / "missing").string(), &error_number);
    REQUIRE(result.is_error());
    CHECK(error_number == ENOENT);
    CHECK_THAT(result.error().message, Catch::Contains("No such file or directory"));
}

TEST_CASE("read_file_contents of a directory fails with EISDIR")
{
    TemporaryDirectory directory;
    int error_number = 0;
    auto result = read_file_contents(directory.path().string(), &error_number);
    REQUIRE(result.is_error());
    CHECK(error_number == EISDIR);
    CHECK_THAT(result.error().message, Catch::Contains("Is a directory"));
}

TEST_CASE("read_file_contents reads a /proc file whole although its size says 0")
{
    // The case the size-as-a-hint loop exists for: stat reports 0 bytes for /proc files.
    REQUIRE(std::filesystem::file_size("/proc/self/status") == 0);

    auto result = read_file_contents("/proc/self/status");
    REQUIRE(!result.is_error());
    auto const& bytes = result.value();
    REQUIRE(!bytes.empty());
    std::string const text(bytes.begin(), bytes.end());
    CHECK_THAT(text, Catch::Contains("Name:"));
    CHECK(text.back() == '\n');
}
