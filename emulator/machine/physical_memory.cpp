#include "machine/physical_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lkmemu {

namespace {
constexpr uint64_t page_size = 4096;
// /proc/self/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
constexpr uint64_t pagemap_present = 1ull << 63, pagemap_swapped = 1ull << 62, pagemap_file = 1ull << 61;
} // namespace

Result<PhysicalMemory> PhysicalMemory::allocate(uint64_t size)
{
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return make_error(fmt::format("cannot allocate {} MiB of guest RAM: {}", size >> 20, std::strerror(errno)));
    return PhysicalMemory(static_cast<uint8_t*>(p), size);
}

Result<PhysicalMemory> PhysicalMemory::map_file(int fd, uint64_t offset, uint64_t size)
{
    int const backing = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (backing < 0)
        return make_error(fmt::format("cannot keep the snapshot open: {}", std::strerror(errno)));
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, static_cast<off_t>(offset));
    if (p == MAP_FAILED) {
        int const error = errno;
        close(backing);
        return make_error(fmt::format("cannot map {} MiB of guest RAM from the snapshot: {}", size >> 20, std::strerror(error)));
    }
    return PhysicalMemory(static_cast<uint8_t*>(p), size, backing, offset);
}

PhysicalMemory::PhysicalMemory(PhysicalMemory&& other) noexcept
    : m_data(other.m_data), m_size(other.m_size), m_backing_fd(other.m_backing_fd), m_backing_offset(other.m_backing_offset)
{
    other.m_data = nullptr;
    other.m_size = 0;
    other.m_backing_fd = -1;
}

PhysicalMemory::~PhysicalMemory()
{
    if (m_data)
        munmap(m_data, m_size);
    if (m_backing_fd >= 0)
        close(m_backing_fd);
}

Result<void> PhysicalMemory::remap_file(int fd, uint64_t offset)
{
    int const backing = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (backing < 0)
        return make_error(fmt::format("cannot keep the snapshot open: {}", std::strerror(errno)));
    void* p = mmap(m_data, m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED, fd, static_cast<off_t>(offset));
    if (p == MAP_FAILED) {
        int const error = errno;
        close(backing);
        return make_error(fmt::format("cannot map guest RAM from the snapshot: {}", std::strerror(error)));
    }
    if (m_backing_fd >= 0)
        close(m_backing_fd);
    m_backing_fd = backing;
    m_backing_offset = offset;
    return {};
}

bool PhysicalMemory::is_mapped_from(int fd, uint64_t offset) const
{
    struct stat mine {}, theirs {};
    return m_backing_fd >= 0 && offset == m_backing_offset && fstat(m_backing_fd, &mine) == 0 && fstat(fd, &theirs) == 0 &&
           mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino;
}

Result<std::vector<uint64_t>> PhysicalMemory::pages_in_use() const
{
    std::vector<uint64_t> pages = LKMEMU_TRY(private_pages());
    if (m_backing_fd < 0)
        return pages;
    std::vector<uint64_t> data;
    off_t const begin = static_cast<off_t>(m_backing_offset), end = static_cast<off_t>(m_backing_offset + m_size);
    for (off_t at = begin; at < end;) {
        off_t const start = lseek(m_backing_fd, at, SEEK_DATA);
        if (start < 0 || start >= end)
            break; // ENXIO: no data past `at`
        off_t const stop = std::min(lseek(m_backing_fd, start, SEEK_HOLE), end);
        for (uint64_t page = uint64_t(start - begin) / page_size; page * page_size < uint64_t(stop - begin); ++page)
            data.push_back(page);
        at = stop;
    }
    std::vector<uint64_t> merged;
    merged.reserve(pages.size() + data.size());
    std::set_union(pages.begin(), pages.end(), data.begin(), data.end(), std::back_inserter(merged));
    return merged;
}

Result<std::vector<uint64_t>> PhysicalMemory::private_pages() const
{
    int const fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return make_error(fmt::format("cannot open /proc/self/pagemap: {}", std::strerror(errno)));
    uint64_t const pages = m_size / page_size;
    std::vector<uint64_t> entries(std::min<uint64_t>(pages, 1 << 16));
    std::vector<uint64_t> result;
    uint64_t const first_entry = reinterpret_cast<uintptr_t>(m_data) / page_size;
    for (uint64_t done = 0; done < pages;) {
        uint64_t const chunk = std::min<uint64_t>(entries.size(), pages - done);
        ssize_t const n = pread(fd, entries.data(), chunk * 8, static_cast<off_t>((first_entry + done) * 8));
        if (n != static_cast<ssize_t>(chunk * 8)) {
            int const error = errno;
            close(fd);
            return make_error(fmt::format("cannot read /proc/self/pagemap: {}", n < 0 ? std::strerror(error) : "short read"));
        }
        for (uint64_t i = 0; i < chunk; ++i) {
            uint64_t const e = entries[i];
            if ((e & pagemap_swapped) || ((e & pagemap_present) && !(e & pagemap_file)))
                result.push_back(done + i);
        }
        done += chunk;
    }
    close(fd);
    return result;
}

Result<void> PhysicalMemory::discard_pages(uint64_t first_page, uint64_t count)
{
    if (madvise(m_data + first_page * page_size, count * page_size, MADV_DONTNEED) != 0)
        return make_error(fmt::format("cannot discard guest RAM pages: {}", std::strerror(errno)));
    return {};
}

} // namespace lkmemu
