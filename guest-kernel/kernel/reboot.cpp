// reboot(2): Linux's magic numbers and permission check. This machine can only power off (the
// debug-exit device); it has no reset line, so restart and halt are refused.
#include <lkmemu/devices.h>
#include <lkmemu/errno.h>
#include <lkmemu/reboot.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

namespace {

bool g_ctrl_alt_del_reboots = true;

[[noreturn]] void kernel_power_off()
{
    pr_emerg("reboot: Power down\n");
    machine_power_off(LKMEMU_EXIT_POWEROFF);
}

} // namespace

long sys_reboot(int magic1, int magic2, unsigned cmd, u64 arg)
{
    if (current()->euid != 0)
        return -LKM_EPERM;
    u32 m2 = static_cast<u32>(magic2);
    if (static_cast<u32>(magic1) != LKM_LINUX_REBOOT_MAGIC1 ||
        (m2 != LKM_LINUX_REBOOT_MAGIC2 && m2 != LKM_LINUX_REBOOT_MAGIC2A && m2 != LKM_LINUX_REBOOT_MAGIC2B &&
         m2 != LKM_LINUX_REBOOT_MAGIC2C))
        return -LKM_EINVAL;
    switch (cmd) {
    case LKM_LINUX_REBOOT_CMD_POWER_OFF:
        kernel_power_off();
    case LKM_LINUX_REBOOT_CMD_CAD_ON:
        g_ctrl_alt_del_reboots = true;
        return 0;
    case LKM_LINUX_REBOOT_CMD_CAD_OFF:
        g_ctrl_alt_del_reboots = false;
        return 0;
    default:
        return -LKM_EINVAL; // restart, halt, kexec, suspend: not on this machine
    }
}
