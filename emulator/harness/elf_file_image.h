// A file's bytes with bounds-checked reads, for the host's small ELF readers (kernel symbols for
// inspection commands, module symbols for the tracer): a corrupt file must not crash them.
#pragma once

#include "support/file_contents.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace lkmemu {

struct ElfFileImage {
    std::vector<uint8_t> bytes;

    // The whole file; empty if it cannot be read.
    static ElfFileImage read_file(const std::string& path)
    {
        auto contents = read_file_contents(path);
        return { contents.is_error() ? std::vector<uint8_t>() : contents.release_value() };
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
        auto const* text = reinterpret_cast<const char*>(bytes.data() + offset);
        return std::string(text, strnlen(text, bytes.size() - offset));
    }
};

} // namespace lkmemu
