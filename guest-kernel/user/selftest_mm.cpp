// init_test=mm: the address-space system calls (brk, mmap, munmap, mprotect, mremap, madvise)
// checked through real system calls from ring 3, before init starts serving. Each check writes
// one line to /dev/kmsg, "mm: NAME ok" or "mm: NAME FAILED (detail)", and
// tests/integration/mm_test.cpp asserts the lines (and that no VMA is left over: kmalloc's
// object count is a plain boot's).
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/mman.h>

namespace init {

namespace {

constexpr unsigned long P = 4096;
constexpr long RW = LKM_PROT_READ | LKM_PROT_WRITE;
constexpr long ANON = LKM_MAP_PRIVATE | LKM_MAP_ANONYMOUS;


long syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    register long r9 asm("r9") = f;
    asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return ret;
}

long mmap(unsigned long addr, unsigned long len, long prot, long flags, long fd = -1, long off = 0)
{
    return syscall6(sys::NR_mmap, static_cast<long>(addr), static_cast<long>(len), prot, flags, fd, off);
}
long munmap(unsigned long addr, unsigned long len) { return sys::syscall(sys::NR_munmap, static_cast<long>(addr), static_cast<long>(len)); }
long mprotect(unsigned long addr, unsigned long len, long prot)
{
    return sys::syscall(sys::NR_mprotect, static_cast<long>(addr), static_cast<long>(len), prot);
}
long mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, long flags, unsigned long new_addr = 0)
{
    return syscall6(sys::NR_mremap, static_cast<long>(addr), static_cast<long>(old_len), static_cast<long>(new_len),
                    flags, static_cast<long>(new_addr), 0);
}
long brk(unsigned long addr) { return sys::syscall(sys::NR_brk, static_cast<long>(addr)); }
long madvise(unsigned long addr, unsigned long len, long advice)
{
    return sys::syscall(sys::NR_madvise, static_cast<long>(addr), static_cast<long>(len), advice);
}

volatile unsigned long& word(unsigned long addr) { return *reinterpret_cast<volatile unsigned long*>(addr); }

selftest_log* g_log; // while run_mm_selftest runs

void note(const char* text) { g_log->say(text); }

// One check: ok when the condition holds, else the failure with the value seen.
void check(const char* name, bool ok, const char* failure, long value) { g_log->check(name, ok, failure, value); }

// The stack pages the checks below will use, faulted in first.
__attribute__((noinline)) void touch_stack()
{
    volatile char pages[16 * P];
    for (unsigned long i = 0; i < sizeof(pages); i += P)
        pages[i] = 1;
}

void check_brk()
{
    long start = brk(0);
    long grown = brk(static_cast<unsigned long>(start) + 3 * P);
    bool ok = grown == start + static_cast<long>(3 * P);
    if (ok) {
        for (unsigned long a = static_cast<unsigned long>(start); a < static_cast<unsigned long>(grown); a += P)
            ok = ok && word(a) == 0;
        word(static_cast<unsigned long>(start) + 2 * P) = 0x1234;
        ok = ok && word(static_cast<unsigned long>(start) + 2 * P) == 0x1234;
    }
    check("brk_grow", ok, "brk did not grow to a zeroed, writable heap", grown - start);
    long shrunk = brk(static_cast<unsigned long>(start));
    check("brk_shrink", shrunk == start, "brk did not shrink back", shrunk - start);
    long below = brk(static_cast<unsigned long>(start) - P);
    check("brk_below_start", below == start, "a break below the heap's start moved it", below - start);
    // Grown again, the pages are fresh ones: zeros, not what was there before the shrink.
    grown = brk(static_cast<unsigned long>(start) + 3 * P);
    ok = grown == start + static_cast<long>(3 * P) && word(static_cast<unsigned long>(start) + 2 * P) == 0;
    check("brk_regrow_zeroed", ok, "a regrown heap kept old contents", grown - start);
    brk(static_cast<unsigned long>(start));
}

void check_mmap_munmap()
{
    long p = mmap(0, 4 * P, RW, ANON);
    bool ok = p > 0 && (p & static_cast<long>(P - 1)) == 0;
    check("mmap_anon", ok, "anonymous mmap failed", p);
    if (!ok)
        return;
    auto a = static_cast<unsigned long>(p);
    ok = true;
    for (unsigned long i = 0; i < 4; i++) {
        ok = ok && word(a + i * P) == 0;
        word(a + i * P) = 100 + i;
    }
    check("mmap_anon_zeroed", ok, "fresh anonymous memory was not zero", 0);

    long fixed = mmap(a + P, P, RW, ANON | LKM_MAP_FIXED);
    ok = fixed == static_cast<long>(a + P) && word(a + P) == 0 && word(a) == 100 && word(a + 2 * P) == 102;
    check("mmap_fixed_replaces", ok, "MAP_FIXED did not replace just its page", fixed);

    long noreplace = mmap(a, P, RW, ANON | LKM_MAP_FIXED_NOREPLACE);
    check("mmap_fixed_noreplace_eexist", noreplace == -LKM_EEXIST, "expected -EEXIST", noreplace);

    long hole = munmap(a + P, P);
    ok = hole == 0 && word(a) == 100 && word(a + 2 * P) == 102 && word(a + 3 * P) == 103;
    check("munmap_middle", ok, "the pages either side of an unmapped hole changed", hole);
    // The hole is free again: MAP_FIXED_NOREPLACE may take it.
    long refill = mmap(a + P, P, RW, ANON | LKM_MAP_FIXED_NOREPLACE);
    check("munmap_hole_free", refill == static_cast<long>(a + P), "the hole was not free", refill);

    // read() into an unmapped page: EFAULT, not a dead init.
    munmap(a + P, P);
    long fd = sys::open("/proc/version", sys::O_RDONLY);
    long efault = fd < 0 ? fd : sys::read(static_cast<int>(fd), reinterpret_cast<void*>(a + P), 64);
    if (fd >= 0)
        sys::close(static_cast<int>(fd));
    check("read_into_hole_efault", efault == -LKM_EFAULT, "expected -EFAULT", efault);

    long dontneed = madvise(a + 2 * P, P, LKM_MADV_DONTNEED);
    check("madvise_dontneed_zeroes", dontneed == 0 && word(a + 2 * P) == 0 && word(a + 3 * P) == 103,
          "MADV_DONTNEED did not drop just its page", dontneed);

    long unmapped = munmap(a, 4 * P); // spanning the hole: fine
    check("munmap_whole", unmapped == 0, "munmap over a hole failed", unmapped);
}

void check_mprotect()
{
    long p = mmap(0, 3 * P, RW, ANON);
    if (p < 0) {
        check("mprotect_read_only", false, "mmap failed", p);
        return;
    }
    auto a = static_cast<unsigned long>(p);
    word(a + P) = 77;
    long ro = mprotect(a + P, P, LKM_PROT_READ);
    check("mprotect_read_only", ro == 0 && word(a + P) == 77, "read-only page lost its contents", ro);
    long none = mprotect(a + P, P, LKM_PROT_NONE);
    long back = mprotect(a + P, P, RW);
    bool ok = none == 0 && back == 0 && word(a + P) == 77;
    if (ok) {
        word(a + P) = 78;
        ok = word(a + P) == 78;
    }
    check("mprotect_none_and_back", ok, "PROT_NONE and back lost the page", none ? none : back);
    long rwx = mprotect(a, P, LKM_PROT_READ | LKM_PROT_WRITE | LKM_PROT_EXEC);
    check("mprotect_rwx", rwx == 0, "user space may map RWX", rwx);
    long unaligned = mprotect(a + 1, P, LKM_PROT_READ);
    check("mprotect_unaligned_einval", unaligned == -LKM_EINVAL, "expected -EINVAL", unaligned);
    munmap(a, 3 * P);
    long unmapped = mprotect(a, P, LKM_PROT_READ);
    check("mprotect_unmapped_enomem", unmapped == -LKM_ENOMEM, "expected -ENOMEM", unmapped);
}

void check_mremap()
{
    long p = mmap(0, 2 * P, RW, ANON);
    if (p < 0) {
        check("mremap_grow_in_place", false, "mmap failed", p);
        return;
    }
    auto a = static_cast<unsigned long>(p);
    word(a) = 5;
    word(a + P) = 6;
    // Room after it? Make sure: unmap what is there, then grow in place.
    munmap(a + 2 * P, 2 * P);
    long grown = mremap(a, 2 * P, 4 * P, 0);
    bool ok = grown == p && word(a) == 5 && word(a + P) == 6 && word(a + 3 * P) == 0;
    check("mremap_grow_in_place", ok, "mremap did not grow in place", grown);
    long shrunk = mremap(a, 4 * P, 2 * P, 0);
    check("mremap_shrink", shrunk == p, "mremap did not shrink", shrunk);

    // Blocked right after: without MREMAP_MAYMOVE it cannot grow; with it, it moves, pages and all.
    long blocker = mmap(a + 2 * P, P, LKM_PROT_READ, ANON | LKM_MAP_FIXED_NOREPLACE);
    long stuck = mremap(a, 2 * P, 8 * P, 0);
    check("mremap_blocked_enomem", blocker == static_cast<long>(a + 2 * P) && stuck == -LKM_ENOMEM,
          "expected -ENOMEM", stuck);
    long moved = mremap(a, 2 * P, 8 * P, LKM_MREMAP_MAYMOVE);
    auto m = static_cast<unsigned long>(moved);
    ok = moved > 0 && moved != p && word(m) == 5 && word(m + P) == 6 && word(m + 7 * P) == 0;
    // The old range is free now.
    long old_free = ok ? mmap(a, 2 * P, RW, ANON | LKM_MAP_FIXED_NOREPLACE) : -1;
    ok = ok && old_free == p;
    check("mremap_maymove", ok, "mremap did not move the mapping with its pages", moved);
    munmap(a, 3 * P);
    if (moved > 0)
        munmap(m, 8 * P);
    long bad = mremap(a + 1, P, 2 * P, 0);
    check("mremap_unaligned_einval", bad == -LKM_EINVAL, "expected -EINVAL", bad);
}

void check_errnos()
{
    long zero = mmap(0, 0, RW, ANON);
    check("mmap_zero_length_einval", zero == -LKM_EINVAL, "expected -EINVAL", zero);
    long unaligned = mmap(0x10000001, P, RW, ANON | LKM_MAP_FIXED);
    check("mmap_fixed_unaligned_einval", unaligned == -LKM_EINVAL, "expected -EINVAL", unaligned);
    long huge = mmap(0, 1ul << 47, RW, ANON);
    check("mmap_huge_enomem", huge == -LKM_ENOMEM, "expected -ENOMEM", huge);
    long shared = mmap(0, P, RW, LKM_MAP_SHARED | LKM_MAP_ANONYMOUS);
    check("mmap_shared_einval", shared == -LKM_EINVAL, "expected -EINVAL (MAP_SHARED unsupported)", shared);
    long badfd = mmap(0, P, LKM_PROT_READ, LKM_MAP_PRIVATE, 99);
    check("mmap_bad_fd_ebadf", badfd == -LKM_EBADF, "expected -EBADF", badfd);
    long unaligned_unmap = munmap(0x10000001, P);
    check("munmap_unaligned_einval", unaligned_unmap == -LKM_EINVAL, "expected -EINVAL", unaligned_unmap);
}

// Many single-page mappings, each next to the last: they merge, and all come back.
void check_many()
{
    long first = mmap(0, P, RW, ANON);
    bool ok = first > 0;
    unsigned long base = static_cast<unsigned long>(first);
    for (unsigned long i = 1; ok && i < 256; i++)
        ok = mmap(base - i * P, P, RW, ANON | LKM_MAP_FIXED_NOREPLACE) == static_cast<long>(base - i * P);
    for (unsigned long i = 0; ok && i < 256; i++)
        word(base - i * P) = i;
    long unmapped = ok ? munmap(base - 255 * P, 256 * P) : -1;
    check("mmap_256_pages", ok && unmapped == 0, "page-at-a-time mappings failed", unmapped);
}

// The stack grows on demand below its initial 128 KiB (up to RLIMIT_STACK).
__attribute__((noinline)) bool deep_stack()
{
    volatile char pages[512 * 1024];
    for (unsigned long i = sizeof(pages); i >= P; i -= P)
        pages[i - P] = static_cast<char>(i);
    return pages[0] == 0;
}

} // namespace

void run_mm_selftest()
{
    selftest_log log("mm");
    g_log = &log;
    note("selftest start");
    touch_stack();
    check_brk();
    check_mmap_munmap();
    check_mprotect();
    check_mremap();
    check_errnos();
    check_many();
    check("stack_grows", deep_stack(), "the stack did not grow", 0);
    note("selftest done");
    g_log = nullptr;
}

} // namespace init
