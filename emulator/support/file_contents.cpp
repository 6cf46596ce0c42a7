#include "support/file_contents.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <utility>
#include <sys/stat.h>
#include <unistd.h>

namespace lkmemu {

namespace {

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    ~FileDescriptor()
    {
        if (m_fd >= 0)
            close(m_fd);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor(FileDescriptor&& other) noexcept : m_fd(other.release()) {}
    FileDescriptor& operator=(FileDescriptor&&) = delete;
    int get() const { return m_fd; }
    int release()
    {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }

private:
    int m_fd;
};

// O_NONBLOCK so that a FIFO without a writer does not hold open() forever; cleared again, so
// that reads wait for data as usual (a FIFO without a writer reads as empty).
int open_without_blocking(const std::string& path)
{
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    return fd;
}

// `errno`, as the caller's *error_number and as the error's message.
Error errno_error(int error, int* error_number)
{
    if (error_number)
        *error_number = error;
    return Error { std::strerror(error) };
}

// The file, opened without blocking and stat'ed; a directory is EISDIR.
Result<std::pair<FileDescriptor, struct stat>> open_and_stat(const std::string& path, int* error_number)
{
    FileDescriptor fd(open_without_blocking(path));
    if (fd.get() < 0)
        return errno_error(errno, error_number);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0)
        return errno_error(errno, error_number);
    if (S_ISDIR(st.st_mode))
        return errno_error(EISDIR, error_number);
    return std::pair<FileDescriptor, struct stat>(std::move(fd), st);
}

// Storage a read overwrites at once: not zeroed first, as std::vector's resize would.
struct UninitialisedBytes {
    std::unique_ptr<uint8_t[]> data;
    size_t capacity = 0;
    void grow(size_t capacity_wanted, size_t used)
    {
        std::unique_ptr<uint8_t[]> bigger(new uint8_t[capacity_wanted]);
        if (used)
            std::memcpy(bigger.get(), data.get(), used);
        data = std::move(bigger);
        capacity = capacity_wanted;
    }
};

} // namespace

Result<std::vector<uint8_t>> read_file_contents(const std::string& path, int* error_number)
{
    auto fail = [&](int error) { return errno_error(error, error_number); };
    auto [fd, st] = LKMEMU_TRY(open_and_stat(path, error_number));
    bool const sized = S_ISREG(st.st_mode) && st.st_size > 0;
    if (sized) {
        // The common case, a regular file: one read into a vector of its size. (A file that grew
        // since fstat is read as it was; one that shrank, as it is now.)
        std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
        size_t used = 0;
        while (used < bytes.size()) {
            ssize_t const n = read(fd.get(), bytes.data() + used, bytes.size() - used);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return fail(errno);
            if (n == 0)
                break;
            used += static_cast<size_t>(n);
        }
        bytes.resize(used);
        return bytes;
    }
    // The size is unknown (a pipe or /proc file says 0): read until end of file, up to a limit,
    // into storage that is not zeroed, then once into the vector.
    UninitialisedBytes buffer;
    size_t used = 0;
    for (;;) {
        if (used == buffer.capacity) {
            if (buffer.capacity >= max_unsized_file)
                return fail(EFBIG);
            buffer.grow(buffer.capacity ? buffer.capacity * 2 : 4096, used);
        }
        ssize_t const n = read(fd.get(), buffer.data.get() + used, buffer.capacity - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(errno);
        }
        if (n == 0)
            break;
        used += static_cast<size_t>(n);
    }
    return std::vector<uint8_t>(buffer.data.get(), buffer.data.get() + used);
}

Result<OpenFile> OpenFile::open_regular(const std::string& path, int* error_number)
{
    auto [fd, st] = LKMEMU_TRY(open_and_stat(path, error_number));
    if (!S_ISREG(st.st_mode))
        return errno_error(EINVAL, error_number);
    return OpenFile(fd.release(), static_cast<uint64_t>(st.st_size));
}

OpenFile::~OpenFile()
{
    if (m_fd >= 0)
        close(m_fd);
}

int64_t OpenFile::read_at(uint64_t offset, std::span<uint8_t> out) const
{
    size_t done = 0;
    while (done < out.size()) {
        ssize_t const n = pread(m_fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        done += static_cast<size_t>(n);
    }
    return static_cast<int64_t>(done);
}

} // namespace lkmemu
