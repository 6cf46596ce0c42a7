// selftest=mm: address spaces checked from the kernel side, by pid 1 before it becomes init.
// fork's copy-on-write: dup_mm of an mm with written pages, then writes through each copy, which
// must see only its own; and hostile executables: load_elf_binary on crafted images, each refused
// with ENOEXEC and its reason, never a fault. Memory (free pages, user pages, kmalloc objects)
// must come back to where it was. One line per check; a failure panics.
#include <lkmemu/errno.h>
#include <lkmemu/mman.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/binfmts.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <kernel/string.h>
#include <loader/elf.h>

namespace {

constexpr u64 BASE = 0x400000;

struct counters {
    u64 free_pages, user_pages, kmalloc_objects;
};
counters snapshot() { return { kernel_meminfo.free_pages, kernel_meminfo.user_pages, kernel_meminfo.kmalloc_objects }; }

void expect(bool ok, const char* what)
{
    if (!ok)
        panic("selftest: mm: %s", what);
    pr_info("selftest: mm: %s ok\n", what);
}

u64 pte_of(mm_struct* mm, u64 va)
{
    u64* pte = lookup_address_in(mm->pgd, va, nullptr);
    return pte ? *pte : 0;
}

u64 read_word(mm_struct* mm, u64 va)
{
    u64 pte = pte_of(mm, va);
    return pte ? *static_cast<u64*>(__va((pte & PTE_PFN_MASK) + (va & (PAGE_SIZE - 1)))) : ~0ull;
}

void write_word(mm_struct* mm, u64 va, u64 value)
{
    if (copy_to_mm(mm, va, &value, sizeof(value)).is_error())
        panic("selftest: mm: copy_to_mm %#lx failed", va);
}

void check_copy_on_write()
{
    counters before = snapshot();
    mm_struct* parent = mm_alloc().release_value();
    auto mapped = do_mmap(parent, nullptr, BASE, 4 * PAGE_SIZE, LKM_PROT_READ | LKM_PROT_WRITE,
                          LKM_MAP_PRIVATE | LKM_MAP_ANONYMOUS | LKM_MAP_FIXED_NOREPLACE, 0, 0);
    expect(!mapped.is_error() && mapped.value() == BASE, "mmap of 4 anonymous pages");
    for (u64 i = 0; i < 3; i++)
        write_word(parent, BASE + i * PAGE_SIZE, 0x100 + i); // page 3 stays untouched
    u64 page0 = pte_of(parent, BASE) & PTE_PFN_MASK;

    auto dup = dup_mm(parent);
    expect(!dup.is_error(), "dup_mm");
    mm_struct* child = dup.value();
    expect(page_count(page0) == 2 && (pte_of(child, BASE) & PTE_PFN_MASK) == page0, "pages shared after dup_mm");
    expect(!(pte_of(parent, BASE) & _PAGE_RW) && !(pte_of(child, BASE) & _PAGE_RW),
           "shared pages read-only in both");
    expect(read_word(child, BASE + PAGE_SIZE) == 0x101, "the child reads the parent's data");

    write_word(child, BASE, 0xc0);
    expect(read_word(child, BASE) == 0xc0 && read_word(parent, BASE) == 0x100, "a child's write copies the page");
    expect(page_count(page0) == 1, "the parent is the page's last holder");
    write_word(parent, BASE, 0xd0);
    expect((pte_of(parent, BASE) & PTE_PFN_MASK) == page0 && read_word(parent, BASE) == 0xd0 &&
               read_word(child, BASE) == 0xc0,
           "the last holder's write takes the page over");
    write_word(parent, BASE + PAGE_SIZE, 0xd1);
    expect(read_word(parent, BASE + PAGE_SIZE) == 0xd1 && read_word(child, BASE + PAGE_SIZE) == 0x101,
           "a parent's write copies the page");
    write_word(child, BASE + 3 * PAGE_SIZE, 0xc3);
    expect(read_word(child, BASE + 3 * PAGE_SIZE) == 0xc3 && pte_of(parent, BASE + 3 * PAGE_SIZE) == 0,
           "a page untouched at fork is the child's own");

    mmput(child);
    expect(read_word(parent, BASE + 2 * PAGE_SIZE) == 0x102, "the parent keeps its pages after the child's mmput");
    mmput(parent);
    counters after = snapshot();
    if (after.free_pages != before.free_pages || after.user_pages != before.user_pages ||
        after.kmalloc_objects != before.kmalloc_objects)
        panic("selftest: mm: memory not back after fork: free %lu -> %lu, user %lu -> %lu, kmalloc %lu -> %lu",
              before.free_pages, after.free_pages, before.user_pages, after.user_pages, before.kmalloc_objects,
              after.kmalloc_objects);
    expect(true, "free pages, user pages and kmalloc objects back after both mmput");
}

// --- hostile executables --------------------------------------------------------------------------

struct Phdr {
    u32 p_type, p_flags;
    u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

// A small valid executable: one r-x segment holding the headers and an entry point, and room
// for a second program header and an interpreter name.
struct test_image {
    lkm::elf::Elf64_Ehdr eh;
    Phdr ph[2];
    char interp[32];
    u8 code[128];
};

test_image valid_image()
{
    test_image image {};
    memcpy(image.eh.e_ident, "\x7f" "ELF", 4);
    image.eh.e_ident[lkm::elf::EI_CLASS] = lkm::elf::ELFCLASS64;
    image.eh.e_ident[lkm::elf::EI_DATA] = lkm::elf::ELFDATA2LSB;
    image.eh.e_type = 2; // ET_EXEC
    image.eh.e_machine = lkm::elf::EM_X86_64;
    image.eh.e_entry = BASE + __builtin_offsetof(test_image, code);
    image.eh.e_phoff = __builtin_offsetof(test_image, ph);
    image.eh.e_phentsize = sizeof(Phdr);
    image.eh.e_phnum = 1;
    image.ph[0] = { 1, 4 | 1, 0, BASE, BASE, sizeof(test_image), sizeof(test_image), PAGE_SIZE }; // PT_LOAD R+X
    memset(image.code, 0x90, sizeof(image.code));
    return image;
}

void expect_noexec(const char* what, const test_image& image, size_t size, const char* reason)
{
    counters before = snapshot();
    mm_struct* mm = mm_alloc().release_value();
    auto loaded = load_elf_binary(mm, reinterpret_cast<const u8*>(&image), size);
    mmput(mm);
    counters after = snapshot();
    if (!loaded.is_error())
        panic("selftest: mm: ELF with %s was loaded", what);
    if (loaded.error().code != LKM_ENOEXEC || strcmp(loaded.error().reason, reason) != 0)
        panic("selftest: mm: ELF with %s: error %d (%s), expected ENOEXEC (%s)", what, loaded.error().code,
              loaded.error().reason, reason);
    if (after.free_pages != before.free_pages || after.user_pages != before.user_pages)
        panic("selftest: mm: ELF with %s: memory not back", what);
    pr_info("selftest: mm: ELF with %s: ENOEXEC (%s) ok\n", what, reason);
}

void check_hostile_elf()
{
    {
        test_image image = valid_image();
        mm_struct* mm = mm_alloc().release_value();
        auto loaded = load_elf_binary(mm, reinterpret_cast<const u8*>(&image), sizeof(image));
        bool ok = !loaded.is_error() && loaded.value().entry == image.eh.e_entry &&
                  loaded.value().phdr_addr == BASE + image.eh.e_phoff && loaded.value().brk == BASE + PAGE_SIZE;
        ok = ok && read_word(mm, BASE) == *reinterpret_cast<const u64*>(&image);
        mmput(mm);
        expect(ok, "a valid ELF loads (entry, AT_PHDR, brk, its bytes)");
    }
    test_image image = valid_image();
    expect_noexec("a truncated header", image, 40, "ELF: shorter than its header");

    image = valid_image();
    image.eh.e_phoff = 1u << 30;
    expect_noexec("program headers past the end", image, sizeof(image), "ELF: program headers outside the file");

    image = valid_image();
    image.eh.e_phnum = 0xffff;
    expect_noexec("65535 program headers", image, sizeof(image), "ELF: program headers outside the file");

    image = valid_image();
    image.ph[0].p_filesz = image.ph[0].p_memsz = 1ull << 40;
    expect_noexec("a segment past the end of the file", image, sizeof(image), "ELF: segment outside the file");

    image = valid_image();
    image.ph[0].p_memsz = 1ull << 62;
    expect_noexec("an absurd p_memsz", image, sizeof(image), "ELF: segment outside user space");

    image = valid_image();
    image.ph[0].p_vaddr = 0xffffffff80000000ull;
    expect_noexec("a kernel-half segment", image, sizeof(image), "ELF: segment outside user space");

    image = valid_image();
    image.eh.e_phnum = 2;
    image.ph[1] = image.ph[0];
    image.ph[1].p_vaddr += 64;
    expect_noexec("overlapping segments", image, sizeof(image), "ELF: segments overlap");

    image = valid_image();
    image.eh.e_entry = BASE + 2 * PAGE_SIZE;
    expect_noexec("the entry outside the text", image, sizeof(image), "ELF: entry point not in an executable segment");

    image = valid_image();
    image.ph[0].p_flags = 4 | 2 | 1;
    expect_noexec("a writable and executable segment", image, sizeof(image),
                  "ELF: segment is writable and executable (W^X)");

    image = valid_image();
    image.eh.e_phnum = 2;
    strlcpy(image.interp, "/lib64/ld-linux-x86-64.so.2", sizeof(image.interp));
    image.ph[1] = { 3, 4, __builtin_offsetof(test_image, interp), 0, 0, 28, 28, 1 }; // PT_INTERP
    expect_noexec("an interpreter", image, sizeof(image), "ELF: dynamically linked (PT_INTERP)");

    image = valid_image();
    image.eh.e_type = 3; // ET_DYN
    expect_noexec("ET_DYN", image, sizeof(image), "ELF: position-independent executables (ET_DYN) are not supported");
}

} // namespace

void selftest_mm()
{
    check_copy_on_write();
    check_hostile_elf();
    pr_info("selftest: mm: done\n");
}
