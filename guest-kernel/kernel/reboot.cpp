// reboot(2): Linux's magic numbers and permission check. This machine can only power off (the
// debug-exit device); it has no reset line, so restart and halt are refused.
#include <lkmemu/devices.h>
#include <lkmemu/errno.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

namespace {

constexpr u32 LINUX_REBOOT_MAGIC1 = 0xfee1dead;
constexpr u32 LINUX_REBOOT_MAGIC2 = 672274793, LINUX_REBOOT_MAGIC2A = 85072278,
              LINUX_REBOOT_MAGIC2B = 369367448, LINUX_REBOOT_MAGIC2C = 537993216;
constexpr u32 LINUX_REBOOT_CMD_POWER_OFF = 0x4321fedc;
constexpr u32 LINUX_REBOOT_CMD_CAD_ON = 0x89abcdef;
constexpr u32 LINUX_REBOOT_CMD_CAD_OFF = 0x00000000;

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
    if (static_cast<u32>(magic1) != LINUX_REBOOT_MAGIC1 ||
        (m2 != LINUX_REBOOT_MAGIC2 && m2 != LINUX_REBOOT_MAGIC2A && m2 != LINUX_REBOOT_MAGIC2B &&
         m2 != LINUX_REBOOT_MAGIC2C))
        return -LKM_EINVAL;
    switch (cmd) {
    case LINUX_REBOOT_CMD_POWER_OFF:
        kernel_power_off();
    case LINUX_REBOOT_CMD_CAD_ON:
        g_ctrl_alt_del_reboots = true;
        return 0;
    case LINUX_REBOOT_CMD_CAD_OFF:
        g_ctrl_alt_del_reboots = false;
        return 0;
    default:
        return -LKM_EINVAL; // restart, halt, kexec, suspend: not on this machine
    }
}
