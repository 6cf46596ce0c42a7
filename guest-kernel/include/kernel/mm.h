// The physical page allocator (mm/page_alloc.cpp) and the memory counters the host's `meminfo`
// reads from guest memory (the symbol kernel_meminfo).
#pragma once

#include <lkmemu/observer.h>
#include <asm/page.h>
#include <kernel/mm_types.h>
#include <kernel/types.h>
#include <loader/error_or.h>

// The layout observers read (abi/lkmemu/observer.h): total_pages, free_pages, kmalloc_bytes,
// kmalloc_objects, module_area_pages (kernel/module/module_area.cpp), user_pages (mm/pgtable.cpp).
using meminfo_counters = lkm_meminfo;
extern "C" meminfo_counters kernel_meminfo;

// Hand the memory map's usable RAM to the allocator, keeping page 0, the kernel image and the
// boot structures out.
void page_alloc_init();
// After the kernel's own page tables are live: give the boot page tables (LKMEMU_MEMORY_BOOT)
// back to the allocator.
void page_alloc_free_boot_memory();
// Once the initramfs is unpacked: give the initrd's pages to the allocator; returns how many.
u64 free_initrd_mem(u64 base, u64 size);

// Whether alloc_pages clears what it hands out. Uninitialised is for memory its caller fills
// whole at once (Linux's allocations without __GFP_ZERO): zeroing it first would write every
// byte twice.
enum class page_contents : u8 { zeroed, uninitialised };

// count physically contiguous pages, zeroed unless asked otherwise; returns their physical
// address. ENOMEM when none. Page 0 is never handed out.
lkm::ErrorOr<u64> alloc_pages(size_t count, page_contents contents = page_contents::zeroed);
inline lkm::ErrorOr<u64> alloc_page() { return alloc_pages(1); }
void free_pages(u64 phys, size_t count);
// A page frame the allocator manages (Linux's pfn_valid): below the highest usable page.
bool pfn_valid(u64 pfn);
inline void free_page(u64 phys) { free_pages(phys, 1); }
// A page frame's reference count (Linux's get_page / put_page / page_count): alloc_pages sets it
// to 1; put_page frees the page when it drops to 0 and says so.
void get_page(u64 phys);
bool put_page(u64 phys);
unsigned page_count(u64 phys);

// An owned, physically contiguous, uninitialised buffer of whole pages, freed when it goes out
// of scope: for a module image that a copy from user space or a file read fills at once (and
// that a device may DMA into).
class page_buffer {
public:
    static lkm::ErrorOr<page_buffer> allocate(size_t bytes)
    {
        size_t pages = bytes ? (bytes + 4095) / 4096 : 1;
        u64 phys = TRY(alloc_pages(pages, page_contents::uninitialised));
        return page_buffer(phys, pages);
    }
    page_buffer(page_buffer&& other) : m_phys(other.m_phys), m_pages(other.m_pages) { other.m_pages = 0; }
    page_buffer(const page_buffer&) = delete;
    page_buffer& operator=(const page_buffer&) = delete;
    page_buffer& operator=(page_buffer&&) = delete;
    ~page_buffer()
    {
        if (m_pages)
            free_pages(m_phys, m_pages);
    }
    u8* data() const; // its kernel virtual address
    u64 phys() const { return m_phys; }

private:
    page_buffer(u64 phys, size_t pages) : m_phys(phys), m_pages(pages) {}
    u64 m_phys;
    size_t m_pages;
};

// --- address spaces (mm/mmap.cpp, mm/vma.cpp, mm/memory.cpp) ---------------------------------

// User space ends below the stack's top; mmap without a hint searches down from below the stack
// (its RLIMIT_STACK reserve and a guard gap); nothing is mapped below mmap_min_addr.
constexpr u64 TASK_SIZE = TASK_SIZE_MAX;
constexpr u64 STACK_TOP = TASK_SIZE;
constexpr u64 RLIMIT_STACK_DEFAULT = 8ull << 20;        // Linux's _STK_LIM
constexpr u64 STACK_GUARD_GAP = 256 * 4096ull;          // Linux's stack_guard_gap
constexpr u64 MMAP_BASE = STACK_TOP - RLIMIT_STACK_DEFAULT - STACK_GUARD_GAP;
constexpr u64 MMAP_MIN_ADDR = 0x10000;

// A new, empty address space (its own PML4, the kernel half shared); mm_users 1. ENOMEM.
lkm::ErrorOr<mm_struct*> mm_alloc();
// Drop a user; the last one frees every VMA, page and page table (user_pages back down).
void mmput(mm_struct* mm);
// fork's half: a copy of old whose private writable pages are copy-on-write in both (mm/fork
// callers: kernel/fork.cpp). ENOMEM, with nothing left behind.
lkm::ErrorOr<mm_struct*> dup_mm(mm_struct* old);

// The VMA tree (mm/vma.cpp). find_vma: the first VMA with vm_end > addr (it may start above
// addr), or nullptr; O(log n).
vm_area_struct* find_vma(mm_struct* mm, u64 addr);
// The VMA overlapping [start, end), lowest first, or nullptr.
vm_area_struct* find_vma_intersection(mm_struct* mm, u64 start, u64 end);
vm_area_struct* vma_next(vm_area_struct* vma);
vm_area_struct* vma_prev(vm_area_struct* vma);
// A VMA for mm (not linked yet); ENOMEM.
lkm::ErrorOr<vm_area_struct*> vm_area_alloc(mm_struct* mm);
// Frees a VMA that is not linked, dropping its file reference.
void vm_area_free(vm_area_struct* vma);
// Link a VMA into its mm's tree (it must not overlap one there) / take it out.
void vma_link(vm_area_struct* vma);
void vma_unlink(vm_area_struct* vma);
// Cut vma in two at addr (page-aligned, strictly inside): vma keeps [vm_start, addr) and the new
// VMA, linked, gets [addr, vm_end) with the file offset moved on. Returns the new one; ENOMEM.
lkm::ErrorOr<vm_area_struct*> split_vma(vm_area_struct* vma, u64 addr);
// Whether b can be joined to the end of a: adjacent, equal flags and protection, the same file
// with contiguous offsets (Linux's is_mergeable_vma + can_vma_merge_after).
bool vma_can_merge(const vm_area_struct* a, const vm_area_struct* b);
// Join vma with its neighbours where vma_can_merge allows (Linux's vma_merge); returns the VMA
// that now covers vma's range (vma itself, or its previous neighbour, which absorbed it).
vm_area_struct* vma_merge_neighbours(vm_area_struct* vma);
// The highest free range of length bytes with low <= start and start + length <= high, not
// touching a VM_GROWSDOWN VMA's guard gap (Linux's unmapped_area_topdown). ENOMEM when none.
lkm::ErrorOr<u64> find_unmapped_area_topdown(mm_struct* mm, u64 length, u64 low, u64 high);
// The page-table bits for vm_flags (Linux's vm_get_page_prot): no RW without VM_WRITE, NX
// without VM_EXEC, not present for PROT_NONE.
pgprot_t vm_get_page_prot(unsigned long vm_flags);

// Pages (mm/memory.cpp). The result of a fault (Linux's vm_fault_t): what the fault handler
// does with an access it could not satisfy.
enum class vm_fault_t : u8 {
    done,    // the page is there now: retry the access
    sigsegv, // no VMA, or one that does not allow the access
    sigbus,  // a file mapping's page past the end of the file
    oom,     // no memory for the page or a page table
};
// Satisfy a fault at address in vma (which allows the access): a fresh zeroed page, the file's
// bytes, or for a write to a copy-on-write page a private copy (or the page itself when no one
// else maps it any more).
vm_fault_t handle_mm_fault(vm_area_struct* vma, u64 address, bool write);
// Unmap and release every page mapped in [start, end) (the VMAs there stay).
void zap_page_range(mm_struct* mm, u64 start, u64 end);
// Give every page mapped in [start, end) the protection prot (copy-on-write pages stay
// read-only until their write fault).
void change_protection(mm_struct* mm, u64 start, u64 end, pgprot_t prot);
// Move the pages mapped in [old_start, old_start + length) to new_start (mremap's move; the
// destination has no pages). ENOMEM for a page table.
lkm::ErrorOr<void> move_page_tables(mm_struct* mm, u64 old_start, u64 new_start, u64 length);
// Copy vma's mappings into dst (fork): writable private pages become read-only in both and
// shared by reference count.
lkm::ErrorOr<void> copy_page_range(mm_struct* dst, vm_area_struct* vma);
// Copy len bytes into mm at va from the kernel, faulting its pages in (exec's stack set-up, for
// an mm that is not loaded). EFAULT outside a VMA, ENOMEM.
lkm::ErrorOr<void> copy_to_mm(mm_struct* mm, u64 va, const void* src, size_t len);

// Extend a VM_GROWSDOWN VMA down to cover address (RLIMIT_STACK, and the guard gap to the VMA
// below, permitting); ENOMEM otherwise (mm/mmap.cpp).
lkm::ErrorOr<void> expand_stack(vm_area_struct* vma, u64 address);

// mmap and munmap for the kernel (mm/mmap.cpp): sys_mmap's and exec's. prot/flags are the
// contract's PROT_*/MAP_* (abi/lkmemu/mman.h); returns the address.
lkm::ErrorOr<u64> do_mmap(mm_struct* mm, file* f, u64 addr, u64 len, unsigned long prot, unsigned long flags,
                          unsigned long vm_extra, u64 pgoff);
lkm::ErrorOr<void> do_munmap(mm_struct* mm, u64 start, u64 len);

struct pt_regs;
// The page fault handler's part (mm/fault.cpp, Linux's do_user_addr_fault): a fault at a user
// address, from ring 3 or a uaccess helper, in the current task's mm. done if the access can be
// retried; otherwise why not (the trap handler then fixes the kernel up, or signals the task).
vm_fault_t do_user_addr_fault(pt_regs* regs, u64 address);
// do_user_addr_fault() == done; false too for a fault that is not on a user address.
bool handle_page_fault(pt_regs* regs, u64 address);
