// Address spaces through the real system calls from ring 3 (init_test=mm runs
// guest-kernel/user/selftest_mm.cpp in init before it serves): brk, mmap (anonymous, MAP_FIXED,
// MAP_FIXED_NOREPLACE), munmap of a middle part, mprotect (PROT_NONE and back, RWX), mremap in
// place and moving, MADV_DONTNEED, the errno cases, 256 page-sized mappings, and a stack that
// grows on demand. No VMA is left behind: kmalloc's objects are as many as after a plain boot. Each check is one line in the kernel log.
#include "module_support.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const char* const k_expected_lines[] = {
    "mm: selftest start",
    "mm: brk_grow ok",
    "mm: brk_shrink ok",
    "mm: brk_below_start ok",
    "mm: brk_regrow_zeroed ok",
    "mm: mmap_anon ok",
    "mm: mmap_anon_zeroed ok",
    "mm: mmap_fixed_replaces ok",
    "mm: mmap_fixed_noreplace_eexist ok",
    "mm: munmap_middle ok",
    "mm: munmap_hole_free ok",
    "mm: read_into_hole_efault ok",
    "mm: madvise_dontneed_zeroes ok",
    "mm: munmap_whole ok",
    "mm: mprotect_read_only ok",
    "mm: mprotect_none_and_back ok",
    "mm: mprotect_rwx ok",
    "mm: mprotect_unaligned_einval ok",
    "mm: mprotect_unmapped_enomem ok",
    "mm: mremap_grow_in_place ok",
    "mm: mremap_shrink ok",
    "mm: mremap_blocked_enomem ok",
    "mm: mremap_maymove ok",
    "mm: mremap_unaligned_einval ok",
    "mm: mmap_zero_length_einval ok",
    "mm: mmap_fixed_unaligned_einval ok",
    "mm: mmap_huge_enomem ok",
    "mm: mmap_shared_einval ok",
    "mm: mmap_bad_fd_ebadf ok",
    "mm: munmap_unaligned_einval ok",
    "mm: mmap_256_pages ok",
    "mm: stack_grows ok",
    "mm: selftest done",
};

} // namespace

TEST_CASE("mm: brk, mmap, munmap, mprotect, mremap and madvise from ring 3, with their errnos, leave no VMA behind")
{
    auto s = run_session("dmesg; lsmod", "init_test=mm");
    INFO(s.console());
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    std::vector<std::string> expected(std::begin(k_expected_lines), std::end(k_expected_lines));
    CHECK(selftest_lines(s.result(0).output, "mm: ") == expected);
    CHECK_FALSE(contains(s.result(0).output, "segfault at"));
    CHECK(s.result(1).ok); // init goes on serving
    CHECK(s.stop.reason == StopReason::PowerOff);

    // Every VMA the checks made (and split) is freed: as many kmalloc objects as a plain boot.
    auto with = run_observed("lsmod", "init_test=mm");
    auto without = run_observed("lsmod");
    CHECK(with.before(0).meminfo.kmalloc_objects == without.before(0).meminfo.kmalloc_objects);
}

TEST_CASE("mm: selftest=mm checks fork's copy-on-write and refuses hostile executables with ENOEXEC")
{
    auto s = run_session("lsmod", "selftest=mm");
    INFO(s.console());
    const std::string& console = s.console();
    for (const char* line : {
             "selftest: mm: dup_mm ok",
             "selftest: mm: pages shared after dup_mm ok",
             "selftest: mm: shared pages read-only in both ok",
             "selftest: mm: a child's write copies the page ok",
             "selftest: mm: the last holder's write takes the page over ok",
             "selftest: mm: a parent's write copies the page ok",
             "selftest: mm: a page untouched at fork is the child's own ok",
             "selftest: mm: free pages, user pages and kmalloc objects back after both mmput ok",
             "selftest: mm: a valid ELF loads (entry, AT_PHDR, brk, its bytes) ok",
             "selftest: mm: ELF with a truncated header: ENOEXEC (ELF: shorter than its header) ok",
             "selftest: mm: ELF with 65535 program headers: ENOEXEC (ELF: program headers outside the file) ok",
             "selftest: mm: ELF with a segment past the end of the file: ENOEXEC (ELF: segment outside the file) ok",
             "selftest: mm: ELF with an absurd p_memsz: ENOEXEC (ELF: segment outside user space) ok",
             "selftest: mm: ELF with overlapping segments: ENOEXEC (ELF: segments overlap) ok",
             "selftest: mm: ELF with the entry outside the text: ENOEXEC (ELF: entry point not in an executable "
             "segment) ok",
             "exec: dynamically linked program (interpreter /lib64/ld-linux-x86-64.so.2): not supported",
             "selftest: mm: ELF with an interpreter: ENOEXEC (ELF: dynamically linked (PT_INTERP)) ok",
             "selftest: mm: done",
         })
        CHECK(contains(console, line));
    REQUIRE(s.results.size() == 1);
    CHECK(s.result(0).ok); // init runs after it
    CHECK(s.stop.reason == StopReason::PowerOff);
}
