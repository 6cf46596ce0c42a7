// Loading a static ELF64 executable (ET_EXEC, x86-64) into a user address space. Every PT_LOAD
// page with file bytes is a fresh zeroed page filled from the image and mapped with the segment's
// permissions; the segment's remaining .bss pages are demand-zero (mm/fault.cpp);
// a segment that asks to be writable and executable is refused (W^X holds in user space too).
#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/binfmts.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <loader/elf.h>

namespace {

using lkm::elf::Elf64_Ehdr;

// Program headers: loader/elf.h covers relocatable objects only, so these live here.
struct Elf64_Phdr {
    u32 p_type;
    u32 p_flags;
    u64 p_offset;
    u64 p_vaddr;
    u64 p_paddr;
    u64 p_filesz;
    u64 p_memsz;
    u64 p_align;
};
constexpr u16 ET_EXEC = 2;
constexpr u32 PT_LOAD = 1;
constexpr u32 PF_X = 1, PF_W = 2, PF_R = 4;
constexpr u64 USER_MIN_ADDRESS = 0x10000; // nothing below, as Linux's mmap_min_addr

lkm::Error noexec(const char* reason) { return lkm::Error::from_errno(LKM_ENOEXEC, reason); }

// The pages holding file bytes are filled now; the whole pages after them (the rest of .bss) are
// left to demand paging: a program's large zero-initialised buffers cost nothing until touched.
lkm::ErrorOr<void> load_segment(u64 pml4_phys, const Elf64_Phdr& ph, const u8* image, vm_areas& zero_fill)
{
    pgprot_t prot = (ph.p_flags & PF_X) ? PAGE_USER_ROX : (ph.p_flags & PF_W) ? PAGE_USER_RW : PAGE_USER_RO;
    u64 start = align_down(ph.p_vaddr, PAGE_SIZE);
    u64 end = align_up(ph.p_vaddr + ph.p_memsz, PAGE_SIZE);
    u64 file_start = ph.p_vaddr, file_end = ph.p_vaddr + ph.p_filesz;
    u64 filled_end = align_up(file_end, PAGE_SIZE);
    for (u64 va = start; va < filled_end; va += PAGE_SIZE) {
        u64 phys = TRY(map_user_page(pml4_phys, va, prot));
        // The part of [file_start, file_end) on this page comes from the image; the rest stays 0.
        u64 copy_from = max(va, file_start), copy_to = min(va + PAGE_SIZE, file_end);
        if (copy_from < copy_to)
            memcpy(static_cast<u8*>(__va(phys)) + (copy_from - va), image + ph.p_offset + (copy_from - file_start),
                   copy_to - copy_from);
    }
    if (filled_end < end)
        TRY(zero_fill.add(filled_end, end, prot));
    return {};
}

} // namespace

lkm::ErrorOr<u64> load_elf_binary(u64 pml4_phys, const u8* image, size_t size, vm_areas& zero_fill)
{
    if (size < sizeof(Elf64_Ehdr))
        return noexec("ELF: shorter than its header");
    Elf64_Ehdr eh;
    memcpy(&eh, image, sizeof(eh));
    if (memcmp(eh.e_ident, "\x7f" "ELF", 4) != 0 || eh.e_ident[lkm::elf::EI_CLASS] != lkm::elf::ELFCLASS64 ||
        eh.e_ident[lkm::elf::EI_DATA] != lkm::elf::ELFDATA2LSB)
        return noexec("ELF: not a little-endian ELF64 file");
    if (eh.e_type != ET_EXEC || eh.e_machine != lkm::elf::EM_X86_64)
        return noexec("ELF: not an x86-64 executable");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        eh.e_phoff > size || eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
        return noexec("ELF: program headers outside the file");

    bool entry_mapped = false;
    for (u16 i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, image + eh.e_phoff + i * sizeof(Elf64_Phdr), sizeof(ph));
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
            return noexec("ELF: segment outside the file");
        if (ph.p_vaddr < USER_MIN_ADDRESS || ph.p_memsz > USER_STACK_TOP ||
            ph.p_vaddr > USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE - PAGE_SIZE - ph.p_memsz)
            return noexec("ELF: segment outside user space");
        if ((ph.p_flags & PF_W) && (ph.p_flags & PF_X))
            return noexec("ELF: segment is writable and executable (W^X)");
        if (!(ph.p_flags & PF_R) && !(ph.p_flags & PF_X))
            continue; // nothing accessible: reserve nothing
        TRY(load_segment(pml4_phys, ph, image, zero_fill));
        if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr && eh.e_entry < ph.p_vaddr + ph.p_memsz)
            entry_mapped = true;
    }
    if (!entry_mapped)
        return noexec("ELF: entry point not in an executable segment");
    return eh.e_entry;
}
