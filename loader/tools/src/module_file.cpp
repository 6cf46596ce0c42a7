#include "module_file.h"

#include <support/file_contents.h>
#include <support/module_decompress.h>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace lkm::tools {

namespace {
constexpr size_t max_module_file = 256u << 20; // far more than any module; bounds memory use
}

std::optional<ModuleFile> read_module_file(const std::string& path, std::string& error)
{
    // Only regular files: a device such as /dev/zero would be read without end.
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "not a regular file";
        return std::nullopt;
    }
    if (static_cast<uint64_t>(st.st_size) > max_module_file) {
        error = std::strerror(EFBIG);
        return std::nullopt;
    }
    auto contents = lkmemu::read_file_contents(path);
    if (contents.is_error()) {
        error = contents.error().message;
        return std::nullopt;
    }
    ModuleFile file;
    file.bytes = contents.release_value();
    // A .ko.xz or .ko.zst, recognised by its magic as kmod does: its ELF image.
    if (auto compression = lkmemu::module_compression(file.bytes); compression != lkmemu::ModuleCompression::none) {
        auto image = lkmemu::decompress_module(file.bytes, compression);
        if (image.is_error()) {
            error = image.error().message;
            return std::nullopt;
        }
        file.bytes = image.release_value();
    }
    file.size = file.bytes.size();
    return file;
}

} // namespace lkm::tools
