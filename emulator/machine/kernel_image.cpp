#include "machine/kernel_image.h"

#include "support/file_contents.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <elf.h>

namespace lkmemu {

Result<KernelImage> KernelImage::read(const std::string& path, uint64_t ram_size)
{
    auto fail = [&](std::string why) { return make_error(fmt::format("kernel '{}': {}", path, why)); };

    auto contents = read_file_contents(path);
    if (contents.is_error())
        return fail(fmt::format("cannot open: {}", contents.error().message));
    KernelImage image;
    image.m_file = contents.release_value();
    auto const& file = image.m_file;

    if (file.size() < 4 || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0)
        return fail("not an ELF file (bad magic)");
    if (file.size() < sizeof(Elf64_Ehdr))
        return fail(fmt::format("truncated: {} bytes, shorter than an ELF64 header", file.size()));
    Elf64_Ehdr header;
    std::memcpy(&header, file.data(), sizeof header);
    if (header.e_ident[EI_CLASS] != ELFCLASS64)
        return fail(fmt::format("wrong ELF class {} (need ELFCLASS64)", header.e_ident[EI_CLASS]));
    if (header.e_ident[EI_DATA] != ELFDATA2LSB)
        return fail("not little-endian");
    if (header.e_machine != EM_X86_64)
        return fail(fmt::format("wrong machine {} (need EM_X86_64, 62)", header.e_machine));
    if (header.e_type != ET_EXEC)
        return fail(fmt::format("ELF type {} is not ET_EXEC (a linked kernel)", header.e_type));
    if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0)
        return fail("no usable program headers");
    uint64_t const phdrs_end = header.e_phoff + uint64_t(header.e_phnum) * sizeof(Elf64_Phdr);
    if (header.e_phoff > file.size() || phdrs_end > file.size())
        return fail(fmt::format("truncated: program headers end at {:#x}, file is {:#x} bytes", phdrs_end, file.size()));

    // Nothing in the section headers is needed to boot, but a file whose section header table
    // runs past its end was cut short: refuse it rather than boot half a kernel.
    if (header.e_shnum != 0) {
        uint64_t const shdrs_end = header.e_shoff + uint64_t(header.e_shnum) * header.e_shentsize;
        if (header.e_shentsize != sizeof(Elf64_Shdr))
            return fail(fmt::format("section header size {} is not {}", header.e_shentsize, sizeof(Elf64_Shdr)));
        if (header.e_shoff > file.size() || shdrs_end > file.size())
            return fail(fmt::format("truncated: section headers end at {:#x}, file is {:#x} bytes", shdrs_end, file.size()));
    }

    image.m_entry = header.e_entry;
    image.m_paddr_start = UINT64_MAX;
    bool entry_in_text = false;
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr ph;
        std::memcpy(&ph, file.data() + header.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        auto where = fmt::format("PT_LOAD {} (vaddr {:#x}, paddr {:#x}, memsz {:#x})", i, ph.p_vaddr, ph.p_paddr, ph.p_memsz);
        if (ph.p_filesz > ph.p_memsz)
            return fail(where + ": filesz is larger than memsz");
        if (ph.p_offset > file.size() || ph.p_filesz > file.size() - ph.p_offset)
            return fail(fmt::format("truncated: {} needs file bytes [{:#x}, {:#x}), file is {:#x} bytes", where,
                                    ph.p_offset, ph.p_offset + ph.p_filesz, file.size()));
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
    return image;
}

void KernelImage::load_into(std::span<uint8_t> ram) const
{
    for (auto const& s : m_segments) {
        std::memcpy(ram.data() + s.paddr, m_file.data() + s.file_offset, s.file_size);
        std::memset(ram.data() + s.paddr + s.file_size, 0, s.memory_size - s.file_size);
    }
}

} // namespace lkmemu
