// PhysicalMemory: guest RAM as one host buffer, mapped into the CPU engine at guest-physical 0
// with uc_mem_map_ptr. The MMU, the boot loader and the devices read and write it directly.
//
// Either anonymous memory (a boot; committed lazily by the host kernel) or a copy-on-write
// mapping of a snapshot file (MAP_PRIVATE): pages are read from the file when first touched and
// copied only when the guest writes them, so resuming costs a mapping, not a copy. The pages that
// became private since (written by the guest) are what an in-process reset has to put back.
#pragma once

#include "support/result.h"

#include <cstdint>
#include <span>
#include <vector>

namespace lkmemu {

class PhysicalMemory {
public:
    static Result<PhysicalMemory> allocate(uint64_t size);
    // `size` bytes of `fd` from `offset` (page-aligned), copy-on-write.
    static Result<PhysicalMemory> map_file(int fd, uint64_t offset, uint64_t size);
    PhysicalMemory(PhysicalMemory&&) noexcept;
    PhysicalMemory& operator=(PhysicalMemory&&) = delete;
    PhysicalMemory(const PhysicalMemory&) = delete;
    ~PhysicalMemory();

    std::span<uint8_t> bytes() const { return { m_data, m_size }; }
    uint8_t* data() const { return m_data; }
    uint64_t size() const { return m_size; }
    bool contains(uint64_t pa, uint64_t length) const { return pa <= m_size && length <= m_size - pa; }
    bool is_file_backed() const { return m_backing_fd >= 0; }

    // Replaces the whole buffer, at the same host address (so the engine's mapping stays valid),
    // with a copy-on-write mapping of `fd` from `offset`.
    Result<void> remap_file(int fd, uint64_t offset);
    // Whether the buffer is a mapping of that very file (same inode) at that offset.
    bool is_mapped_from(int fd, uint64_t offset) const;
    // The pages that may hold something other than zeros, ascending: the private ones and, for a
    // file mapping, those the file has data for (lseek SEEK_DATA; its holes read as zero).
    Result<std::vector<uint64_t>> pages_in_use() const;
    // Page numbers (pa / 4096), ascending, of the pages the host holds privately: written since
    // the buffer was mapped (for anonymous memory: every page ever touched). From
    // /proc/self/pagemap: present and not a file page, or swapped out.
    Result<std::vector<uint64_t>> private_pages() const;
    // Drops private copies of [first_page, first_page + count): they read the file again (or
    // zero, for anonymous memory).
    Result<void> discard_pages(uint64_t first_page, uint64_t count);

private:
    PhysicalMemory(uint8_t* data, uint64_t size, int backing_fd = -1, uint64_t backing_offset = 0)
        : m_data(data), m_size(size), m_backing_fd(backing_fd), m_backing_offset(backing_offset)
    {
    }
    uint8_t* m_data = nullptr;
    uint64_t m_size = 0;
    int m_backing_fd = -1; // a dup of the file mapped (owned), or -1 for anonymous memory
    uint64_t m_backing_offset = 0;
};

} // namespace lkmemu
