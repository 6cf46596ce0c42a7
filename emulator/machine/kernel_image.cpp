#include "machine/kernel_image.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace lkmemu {

using namespace lkm::elf;

Result<KernelImage> KernelImage::read(const std::string& path, uint64_t ram_size)
{
    // The reader checks the header and that the program and section header tables are inside
    // the file: nothing in the section headers is needed to boot, but a file whose section
    // header table runs past its end was cut short, and half a kernel is not booted.
    auto reader = LKMEMU_TRY(ElfReader::read_file(path, "kernel", lkm::elf::ET_EXEC));
    auto fail = [&](std::string why) { return make_error(fmt::format("{}: {}", reader.label(), why)); };
    auto const& header = reader.header();
    uint64_t const file_size = reader.bytes().size();
    KernelImage image;

    image.m_entry = header.e_entry;
    image.m_paddr_start = UINT64_MAX;
    bool entry_in_text = false;
    auto const& segments = reader.segments();
    for (size_t i = 0; i < segments.size(); ++i) {
        auto const& ph = segments[i];
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        auto where = fmt::format("PT_LOAD {} (vaddr {:#x}, paddr {:#x}, memsz {:#x})", i, ph.p_vaddr, ph.p_paddr, ph.p_memsz);
        if (ph.p_filesz > ph.p_memsz)
            return fail(where + ": filesz is larger than memsz");
        if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
            return fail(fmt::format("truncated: {} needs file bytes [{:#x}, {:#x}), file is {:#x} bytes", where,
                                    ph.p_offset, ph.p_offset + ph.p_filesz, file_size));
        if (ph.p_paddr < lowest_paddr)
            return fail(fmt::format("{} lies below {:#x}, over the boot info and page tables", where, lowest_paddr));
        if (ph.p_paddr > ram_size || ph.p_memsz > ram_size - ph.p_paddr)
            return fail(fmt::format("{} lies outside the machine's {} MiB of RAM", where, ram_size >> 20));
        if ((ph.p_vaddr & 0xfff) != (ph.p_paddr & 0xfff))
            return fail(where + ": vaddr and paddr differ in their offset within a page");
        KernelSegment segment { ph.p_vaddr, ph.p_paddr, ph.p_offset, ph.p_filesz, ph.p_memsz,
                                (ph.p_flags & PF_R) != 0, (ph.p_flags & PF_W) != 0, (ph.p_flags & PF_X) != 0 };
        if (segment.executable && header.e_entry >= ph.p_vaddr && header.e_entry - ph.p_vaddr < ph.p_memsz)
            entry_in_text = true;
        image.m_paddr_start = std::min(image.m_paddr_start, ph.p_paddr);
        image.m_paddr_end = std::max(image.m_paddr_end, ph.p_paddr + ph.p_memsz);
        image.m_segments.push_back(segment);
    }
    if (segments.empty())
        return fail("no usable program headers");
    if (image.m_segments.empty())
        return fail("no PT_LOAD segments");
    for (size_t a = 0; a < image.m_segments.size(); ++a) {
        for (size_t b = a + 1; b < image.m_segments.size(); ++b) {
            auto const& x = image.m_segments[a];
            auto const& y = image.m_segments[b];
            if (x.paddr < y.paddr + y.memory_size && y.paddr < x.paddr + x.memory_size)
                return fail(fmt::format("PT_LOAD segments at paddr {:#x} and {:#x} overlap", x.paddr, y.paddr));
        }
    }
    if (!entry_in_text)
        return fail(fmt::format("entry point {:#x} is not inside an executable PT_LOAD", header.e_entry));
    image.m_file = std::move(reader);
    return image;
}

void KernelImage::load_into(std::span<uint8_t> ram) const
{
    for (auto const& s : m_segments) {
        std::memcpy(ram.data() + s.paddr, m_file->bytes().data() + s.file_offset, s.file_size);
        std::memset(ram.data() + s.paddr + s.file_size, 0, s.memory_size - s.file_size);
    }
}

} // namespace lkmemu
