// syslog(2): reading and controlling the kernel log buffer. As Linux with dmesg_restrict=0:
// anyone may read the whole buffer or ask its size; clearing and console control need root.
#include <lkmemu/errno.h>
#include <lkmemu/syslog.h>
#include <asm/uaccess.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscalls.h>

namespace {

int g_saved_console_loglevel = -1;

long read_all(u64 buf, int len, bool clear)
{
    if (!buf || len < 0)
        return -LKM_EINVAL;
    if (len == 0)
        return 0;
    size_t size = min<size_t>(static_cast<size_t>(len), LOG_BUF_LEN);
    KBuffer<char> bounce(size);
    if (!bounce)
        return -LKM_ENOMEM;
    size_t n = log_buf_copy(bounce.get(), size);
    if (copy_to_user(buf, bounce.get(), n))
        return -LKM_EFAULT;
    if (clear)
        log_buf_clear();
    return static_cast<long>(n);
}

} // namespace

long sys_syslog(int type, u64 buf, int len)
{
    bool privileged = current()->euid == 0;
    switch (type) {
    case LKM_SYSLOG_ACTION_CLOSE:
    case LKM_SYSLOG_ACTION_OPEN:
        return 0;
    case LKM_SYSLOG_ACTION_READ_ALL:
        return read_all(buf, len, false);
    case LKM_SYSLOG_ACTION_SIZE_BUFFER:
        return LOG_BUF_LEN;
    case LKM_SYSLOG_ACTION_SIZE_UNREAD:
        return static_cast<long>(log_buf_used());
    default:
        break;
    }
    if (!privileged)
        return -LKM_EPERM;
    switch (type) {
    case LKM_SYSLOG_ACTION_READ_CLEAR:
        return read_all(buf, len, true);
    case LKM_SYSLOG_ACTION_CLEAR:
        log_buf_clear();
        return 0;
    case LKM_SYSLOG_ACTION_CONSOLE_OFF:
        if (g_saved_console_loglevel < 0)
            g_saved_console_loglevel = console_loglevel;
        console_loglevel = 1; // only KERN_EMERG
        return 0;
    case LKM_SYSLOG_ACTION_CONSOLE_ON:
        if (g_saved_console_loglevel >= 0) {
            console_loglevel = g_saved_console_loglevel;
            g_saved_console_loglevel = -1;
        }
        return 0;
    case LKM_SYSLOG_ACTION_CONSOLE_LEVEL:
        if (len < 1 || len > 8)
            return -LKM_EINVAL;
        console_loglevel = len < 1 ? 1 : len;
        g_saved_console_loglevel = -1;
        return 0;
    default:
        return -LKM_EINVAL;
    }
}
