// selftest=wx: W^X as the CPU enforces it, checked from inside. Writes to the kernel text, to
// rodata and to the direct map's alias of the text, and a call into a data page, must each fault
// (and be fixed up through the exception table); then boot continues. A violation panics.
#include <lkmemu/errno.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/uaccess.h>
#include <kernel/extable.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>

extern "C" char _text[], __start_rodata[];
extern "C" long nx_probe_call(); // arch/x86_64/lib/nx_probe.S

namespace {

void expect_write_refused(void* address, const char* what)
{
    u64 before = extable_fixup_count(X86_TRAP_PF);
    long result = copy_to_kernel_nofault_u64(address, 0xdeadbeef);
    if (result != -LKM_EFAULT || extable_fixup_count(X86_TRAP_PF) != before + 1)
        panic("selftest: W^X: a write to %s (%p) was not refused", what, address);
    pr_info("selftest: W^X: write to %s refused (#PF)\n", what);
}

} // namespace

void selftest_wx()
{
    expect_write_refused(_text + 64, "kernel text");
    expect_write_refused(__start_rodata, "kernel rodata");
    expect_write_refused(__va(__pa(_text + 64)), "the direct-map alias of kernel text");

    u64 before = extable_fixup_count(X86_TRAP_PF);
    if (nx_probe_call() != -LKM_EFAULT || extable_fixup_count(X86_TRAP_PF) != before + 1)
        panic("selftest: W^X: code in a data page ran");
    pr_info("selftest: W^X: call into kernel data refused (#PF, NX)\n");
}
