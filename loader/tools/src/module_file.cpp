#include "module_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

namespace lkm::tools {

namespace {
constexpr size_t max_module_file = 256u << 20; // far more than any module; bounds memory use
}

std::optional<ModuleFile> read_module_file(const std::string& path, std::string& error)
{
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
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    ModuleFile file;
    file.size = static_cast<size_t>(st.st_size);
    file.words.resize((file.size + 7) / 8 + 1);
    in.read(reinterpret_cast<char*>(file.words.data()), static_cast<std::streamsize>(file.size));
    if (static_cast<size_t>(in.gcount()) != file.size) {
        error = "short read";
        return std::nullopt;
    }
    return file;
}

} // namespace lkm::tools
