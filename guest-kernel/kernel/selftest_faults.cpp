// selftest=faults: 1000 page faults and 1000 general-protection faults in a row, each fixed up
// through the exception table, then one #GP with no fixup, which must oops with its true vector
// (13) and panic. It exercises the emulator's exception delivery as much as the kernel's.
#include <lkmemu/errno.h>
#include <asm/desc.h>
#include <asm/uaccess.h>
#include <kernel/extable.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>

namespace {

constexpr int ROUNDS = 1000;
constexpr u64 UNMAPPED_USER_ADDRESS = 0x10000000;    // the kernel's tables map no user pages
constexpr u64 NON_CANONICAL_ADDRESS = 0x8000000000000000ull;

[[gnu::noinline]] void selftest_unfixed_gp()
{
    // A plain load from a non-canonical address: #GP(0), and this instruction has no fixup.
    volatile u64* bad = reinterpret_cast<volatile u64*>(NON_CANONICAL_ADDRESS);
    (void)*bad;
}

} // namespace

[[noreturn]] void selftest_faults()
{
    pr_info("selftest: faults: taking %d page faults and %d general protection faults\n", ROUNDS, ROUNDS);
    u64 pf_before = extable_fixup_count(X86_TRAP_PF);
    u64 gp_before = extable_fixup_count(X86_TRAP_GP);

    for (int i = 0; i < ROUNDS; i++) {
        u64 value = 0;
        if (copy_from_user(&value, UNMAPPED_USER_ADDRESS + static_cast<u64>(i) * 8, sizeof(value)) != sizeof(value))
            panic("selftest: copy_from_user from an unmapped address did not fail (round %d)", i);
    }
    for (int i = 0; i < ROUNDS; i++) {
        u64 value = 0;
        long error = copy_from_kernel_nofault_u64(&value, reinterpret_cast<const void*>(NON_CANONICAL_ADDRESS + static_cast<u64>(i) * 8));
        if (error != -LKM_EFAULT)
            panic("selftest: a non-canonical read did not fail (round %d, result %ld)", i, error);
    }

    u64 pf = extable_fixup_count(X86_TRAP_PF) - pf_before;
    u64 gp = extable_fixup_count(X86_TRAP_GP) - gp_before;
    pr_info("selftest: faults: %lu page faults fixed up\n", pf);
    pr_info("selftest: faults: %lu general protection faults fixed up\n", gp);
    if (pf != ROUNDS || gp != ROUNDS)
        panic("selftest: expected %d fixups of each, got %lu #PF and %lu #GP", ROUNDS, pf, gp);
    pr_info("selftest: faults: now a general protection fault without a fixup\n");
    selftest_unfixed_gp();
    panic("selftest: the unfixed general protection fault did not trap");
}
