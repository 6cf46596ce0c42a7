// Reading a module file into memory the loader can take (8-byte aligned), for the host tools.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lkm::tools {

struct ModuleFile {
    std::vector<uint64_t> words; // aligned storage
    size_t size = 0;
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words.data()); }
};

// The file's contents, or nullopt with `error` set to why not (strerror text).
std::optional<ModuleFile> read_module_file(const std::string& path, std::string& error);


} // namespace lkm::tools
