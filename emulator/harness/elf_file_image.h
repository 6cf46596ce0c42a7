// A file's bytes with bounds-checked reads, for the host's small ELF readers (kernel symbols for
// inspection commands, module symbols for the tracer): a corrupt file must not crash them.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace lkmemu {

struct ElfFileImage {
    std::vector<char> bytes;

    // The whole file; empty if it cannot be read.
    static ElfFileImage read_file(const std::string& path)
    {
        std::ifstream file(path, std::ios::binary);
        return {std::vector<char>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>())};
    }

    template<typename T>
    bool read(uint64_t offset, T& out) const
    {
        if (offset > bytes.size() || bytes.size() - offset < sizeof(T))
            return false;
        std::memcpy(&out, bytes.data() + offset, sizeof(T));
        return true;
    }

    // The NUL-terminated string at `offset`, cut at the end of the file; "" past it.
    std::string string_at(uint64_t offset) const
    {
        if (offset >= bytes.size())
            return {};
        return std::string(bytes.data() + offset, strnlen(bytes.data() + offset, bytes.size() - offset));
    }
};

} // namespace lkmemu
