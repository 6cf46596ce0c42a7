// Loading a static ELF64 executable (ET_EXEC, x86-64) into a new address space (Linux's
// fs/binfmt_elf.c): every PT_LOAD segment becomes a private VMA with the segment's permissions,
// its file bytes copied in and its .bss left demand-zero. The image is not trusted: every header
// is checked against the file and user space before anything is mapped from it, and a bad one is
// ENOEXEC with the reason. A segment that asks to be writable and executable is refused (W^X for
// programs as loaded; mprotect may still grant RWX later, as Linux does).
#include <lkmemu/mman.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/binfmts.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
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
constexpr u16 ET_EXEC = 2, ET_DYN = 3;
constexpr u32 PT_LOAD = 1, PT_INTERP = 3;
constexpr u32 PF_X = 1, PF_W = 2, PF_R = 4;
constexpr size_t INTERP_MAX = 4096; // PATH_MAX

lkm::Error noexec(const char* reason) { return lkm::Error::from_errno(LKM_ENOEXEC, reason); }

Elf64_Phdr program_header(const Elf64_Ehdr& eh, const u8* image, u16 i)
{
    Elf64_Phdr ph;
    memcpy(&ph, image + eh.e_phoff + i * sizeof(Elf64_Phdr), sizeof(ph));
    return ph;
}

// A PT_INTERP names the dynamic linker the program needs; there is none here. Its name goes to
// the log so the reason is plain.
lkm::Error refuse_interpreter(const Elf64_Phdr& ph, const u8* image, size_t size)
{
    char name[64] = "?";
    if (ph.p_offset < size && ph.p_filesz <= size - ph.p_offset && ph.p_filesz > 0 && ph.p_filesz <= INTERP_MAX) {
        size_t length = min<size_t>(ph.p_filesz, sizeof(name) - 1);
        memcpy(name, image + ph.p_offset, length);
        name[length] = 0;
    }
    pr_err("exec: dynamically linked program (interpreter %s): not supported\n", name);
    return noexec("ELF: dynamically linked (PT_INTERP)");
}

lkm::ErrorOr<void> check_segment(const Elf64_Phdr& ph, size_t size)
{
    if (ph.p_filesz > ph.p_memsz || ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
        return noexec("ELF: segment outside the file");
    if (ph.p_vaddr < MMAP_MIN_ADDR || ph.p_memsz > MMAP_BASE || ph.p_vaddr > MMAP_BASE - ph.p_memsz)
        return noexec("ELF: segment outside user space");
    if ((ph.p_flags & PF_W) && (ph.p_flags & PF_X))
        return noexec("ELF: segment is writable and executable (W^X)");
    return {};
}

lkm::ErrorOr<void> load_segment(mm_struct* mm, const Elf64_Phdr& ph, const u8* image)
{
    u64 start = align_down(ph.p_vaddr, PAGE_SIZE);
    u64 end = align_up(ph.p_vaddr + ph.p_memsz, PAGE_SIZE);
    unsigned long prot = ((ph.p_flags & PF_R) ? LKM_PROT_READ : 0) | ((ph.p_flags & PF_W) ? LKM_PROT_WRITE : 0) |
                         ((ph.p_flags & PF_X) ? LKM_PROT_EXEC : 0);
    auto mapped = do_mmap(mm, nullptr, start, end - start, prot,
                          LKM_MAP_PRIVATE | LKM_MAP_ANONYMOUS | LKM_MAP_FIXED_NOREPLACE, 0, 0);
    if (mapped.is_error())
        return mapped.error().code == LKM_EEXIST ? noexec("ELF: segments overlap") : mapped.release_error();
    // The file's bytes now (the pages they are on, the rest of those pages zero); the whole
    // pages after them come zeroed at first touch.
    if (ph.p_filesz)
        TRY(copy_to_mm(mm, ph.p_vaddr, image + ph.p_offset, ph.p_filesz));
    return {};
}

} // namespace

lkm::ErrorOr<elf_load_info> load_elf_binary(mm_struct* mm, const u8* image, size_t size)
{
    if (size < sizeof(Elf64_Ehdr))
        return noexec("ELF: shorter than its header");
    Elf64_Ehdr eh;
    memcpy(&eh, image, sizeof(eh));
    if (memcmp(eh.e_ident, "\x7f" "ELF", 4) != 0 || eh.e_ident[lkm::elf::EI_CLASS] != lkm::elf::ELFCLASS64 ||
        eh.e_ident[lkm::elf::EI_DATA] != lkm::elf::ELFDATA2LSB)
        return noexec("ELF: not a little-endian ELF64 file");
    if ((eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_machine != lkm::elf::EM_X86_64)
        return noexec("ELF: not an x86-64 executable");
    if (eh.e_type == ET_DYN)
        return noexec("ELF: position-independent executables (ET_DYN) are not supported");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        eh.e_phoff > size || eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
        return noexec("ELF: program headers outside the file");

    // Every header checked before anything is mapped.
    bool entry_mapped = false;
    for (u16 i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph = program_header(eh, image, i);
        if (ph.p_type == PT_INTERP)
            return refuse_interpreter(ph, image, size);
        if (ph.p_type != PT_LOAD)
            continue;
        TRY(check_segment(ph, size));
        if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr && eh.e_entry < ph.p_vaddr + ph.p_memsz)
            entry_mapped = true;
    }
    if (!entry_mapped)
        return noexec("ELF: entry point not in an executable segment");

    elf_load_info info {};
    info.entry = eh.e_entry;
    info.phent = sizeof(Elf64_Phdr);
    info.phnum = eh.e_phnum;
    info.start_code = ~0ull;
    for (u16 i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph = program_header(eh, image, i);
        if (ph.p_type != PT_LOAD || (!(ph.p_flags & PF_R) && !(ph.p_flags & PF_X)))
            continue; // nothing accessible: reserve nothing
        TRY(load_segment(mm, ph, image));
        if (ph.p_offset <= eh.e_phoff && eh.e_phoff < ph.p_offset + ph.p_filesz)
            info.phdr_addr = ph.p_vaddr + (eh.e_phoff - ph.p_offset);
        if (ph.p_flags & PF_X) {
            info.start_code = min(info.start_code, ph.p_vaddr);
            info.end_code = max(info.end_code, ph.p_vaddr + ph.p_filesz);
        } else {
            info.start_data = info.start_data ? min(info.start_data, ph.p_vaddr) : ph.p_vaddr;
            info.end_data = max(info.end_data, ph.p_vaddr + ph.p_filesz);
        }
        info.brk = max(info.brk, align_up(ph.p_vaddr + ph.p_memsz, PAGE_SIZE));
    }
    return info;
}
