// A whole file's bytes in one read: the kernel image, ELF symbol readers and command scripts
// need the file entire. (Reading through std::istreambuf_iterator costs milliseconds for the
// half-megabyte kernel, at every boot.) And an open regular file read where it lies: a module
// file goes from the host's page cache straight into guest memory (OpenFile::read_at).
#pragma once

#include "support/result.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lkmemu {

// The most read_file_contents reads of a file whose size is not known beforehand (a pipe, a
// /proc file, a device): /dev/zero ends with EFBIG instead of exhausting the host's memory.
inline constexpr uint64_t max_unsized_file = 256ull << 20;

// The file's bytes, or an error that says why it could not be read ("No such file or
// directory", "Permission denied", "Is a directory", ...). `error_number`, when given, receives
// the errno. A FIFO is opened without waiting for a writer (none: it is empty).
Result<std::vector<uint8_t>> read_file_contents(const std::string& path, int* error_number = nullptr);

// An open regular file (O_RDONLY, opened without blocking, checked with fstat): anything else is
// refused before a byte is read, EISDIR for a directory, EINVAL for a device, FIFO or socket.
class OpenFile {
public:
    static Result<OpenFile> open_regular(const std::string& path, int* error_number = nullptr);
    OpenFile(OpenFile&& other) noexcept : m_fd(other.m_fd), m_size(other.m_size) { other.m_fd = -1; }
    OpenFile& operator=(OpenFile&&) = delete;
    OpenFile(const OpenFile&) = delete;
    ~OpenFile();

    uint64_t size() const { return m_size; } // at open
    // pread: up to out.size() bytes at offset; the count (0 at the end) or a negative errno.
    int64_t read_at(uint64_t offset, std::span<uint8_t> out) const;

private:
    OpenFile(int fd, uint64_t size) : m_fd(fd), m_size(size) {}
    int m_fd;
    uint64_t m_size;
};

} // namespace lkmemu
