// The SDK and the kernel share one contract (abi/): what both sides see is defined there once,
// and modules reach nothing else of the kernel. (That the two sides agree at run time is the
// integration tests': chardev's read through struct file_operations, holder's timer_list.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct SourceFile {
    std::string path;
    std::string text;
};

std::vector<SourceFile> sources_under(const std::string& dir)
{
    std::vector<SourceFile> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        auto extension = entry.path().extension();
        if (!entry.is_regular_file() || (extension != ".h" && extension != ".c" && extension != ".cpp"))
            continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        files.push_back({entry.path().string(), text.str()});
    }
    REQUIRE_FALSE(files.empty());
    return files;
}

} // namespace

TEST_CASE("the SDK's headers include only the SDK, the contract and clang's C headers", "[sdk][abi]")
{
    std::regex include(R"(#include\s*[<"]([^>"]+)[>"])");
    std::regex allowed(R"((linux|lkmemu)/[a-z_]+\.h|stddef\.h|stdint\.h|stdarg\.h|stdbool\.h)");
    for (const auto& file : sources_under(LKMEMU_SDK_DIR "/include")) {
        for (auto it = std::sregex_iterator(file.text.begin(), file.text.end(), include); it != std::sregex_iterator();
             ++it) {
            std::string header = (*it)[1];
            INFO(file.path << ": " << header);
            CHECK(std::regex_match(header, allowed));
            if (header.starts_with("lkmemu/") && header != "lkmemu/new.h")
                CHECK(std::filesystem::exists(LKMEMU_SOURCE_DIR "/abi/" + header));
        }
    }
}

TEST_CASE("structures modules and the kernel both see are defined once, in abi/", "[sdk][abi]")
{
    const std::vector<std::string> shared = {"file_operations", "file", "inode", "timer_list", "hlist_node",
                                             "list_head", "lkm_file_operations", "lkm_file"};
    std::vector<SourceFile> files = sources_under(LKMEMU_SDK_DIR "/include");
    for (auto& file : sources_under(LKMEMU_SOURCE_DIR "/guest-kernel"))
        files.push_back(std::move(file));
    for (const auto& name : shared) {
        std::regex definition("struct\\s+" + name + "\\s*\\{");
        for (const auto& file : files) {
            INFO(file.path << " defines struct " << name);
            if (name == "file" || name == "file_operations") {
                // The kernel's own, smaller file layer keeps these names (include/kernel/fs.h);
                // a module's device sees the contract's lkm_file instead.
                if (file.path.ends_with("/guest-kernel/include/kernel/fs.h"))
                    continue;
            }
            CHECK_FALSE(std::regex_search(file.text, definition));
        }
    }
    // No copy of a shared layout is held together by assertions any more.
    for (const auto& file : files) {
        INFO(file.path);
        CHECK_FALSE(std::regex_search(file.text, std::regex(R"(layout is (module )?ABI)")));
    }
}

TEST_CASE("each system call number is written once, in the contract's list", "[abi]")
{
    std::ifstream in(LKMEMU_SOURCE_DIR "/abi/lkmemu/syscalls.h");
    std::stringstream list;
    list << in.rdbuf();
    std::string text = list.str();
    std::regex entry(R"(X\(([0-9]+), ([a-z_0-9]+),)");
    std::vector<SourceFile> files = sources_under(LKMEMU_SOURCE_DIR "/guest-kernel");
    for (auto& file : sources_under(LKMEMU_SOURCE_DIR "/emulator"))
        files.push_back(std::move(file));
    int count = 0;
    std::vector<std::string> copies;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), entry); it != std::sregex_iterator(); ++it) {
        // A number beside its name, as a table writes them (NR_open = 2, case 2: return "open",
        // X(2, open ...), {2, "open"}), would be a second copy of the list.
        std::string nr = (*it)[1], name = (*it)[2];
        std::regex copy("\\b(NR_)?" + name + "\\b[\"' ]*[=:,][ ]*" + nr + "\\b|\\b" + nr +
                        "\\b[ ]*[,:)][ ]*(return[ ]+)?[\"']?(sys_)?" + name + "\\b");
        for (const auto& file : files) {
            std::istringstream lines(file.text);
            for (std::string line; std::getline(lines, line);) {
                if (std::regex_search(line, copy))
                    copies.push_back(file.path + ": " + line);
            }
        }
        count++;
    }
    CHECK(count >= 14);
    CHECK(copies == std::vector<std::string> {});
}
