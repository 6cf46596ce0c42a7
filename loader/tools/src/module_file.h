// Reading a module file into memory the loader can take (8-byte aligned), for the host tools.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lkm::tools {

// std::allocator's storage comes from ::operator new, aligned for any fundamental type: the
// loader's 8-byte-aligned reads of ELF structures are fine on it.
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= 8);

struct ModuleFile {
    std::vector<uint8_t> bytes;
    size_t size = 0; // bytes.size()
    const uint8_t* data() const { return bytes.data(); }
};

// A regular file's contents (support/file_contents.h), or nullopt with `error` set to why not
// (strerror text, or "not a regular file").
std::optional<ModuleFile> read_module_file(const std::string& path, std::string& error);

} // namespace lkm::tools
