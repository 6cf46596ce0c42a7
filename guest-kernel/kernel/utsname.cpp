// The system's name (Linux's kernel/utsname_sysctl.c and kernel/sys.c): uname(2),
// sethostname(2), setdomainname(2). The release is the module release (LKM_UTS_RELEASE, what
// every module's vermagic starts with), so /lib/modules/$(uname -r) is where the .ko files are;
// the version is fixed text, so that two boots answer alike.
#include <lkmemu/errno.h>
#include <lkmemu/module_abi.h>
#include <lkmemu/utsname.h>
#include <asm/uaccess.h>
#include <kernel/init.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>

namespace {

constexpr char DEFAULT_HOSTNAME[] = "lkmemu";

lkm_new_utsname g_uts;
bool g_uts_ready;

// Filled at first use: the command line (hostname=) is parsed before anything can ask.
lkm_new_utsname& utsname()
{
    if (!g_uts_ready) {
        strlcpy(g_uts.sysname, "Linux", sizeof(g_uts.sysname));
        strlcpy(g_uts.nodename, kernel_cmdline.hostname[0] ? kernel_cmdline.hostname : DEFAULT_HOSTNAME,
                sizeof(g_uts.nodename));
        strlcpy(g_uts.release, LKM_UTS_RELEASE, sizeof(g_uts.release));
        strlcpy(g_uts.version, "#1 lkmemu", sizeof(g_uts.version));
        strlcpy(g_uts.machine, "x86_64", sizeof(g_uts.machine));
        strlcpy(g_uts.domainname, "(none)", sizeof(g_uts.domainname));
        g_uts_ready = true;
    }
    return g_uts;
}

// sethostname / setdomainname: root only (CAP_SYS_ADMIN), at most 64 bytes, not NUL-terminated
// in user memory (len says how long).
long set_name(char (&field)[LKM_NEW_UTS_LEN + 1], u64 name, int len)
{
    if (current()->euid != 0)
        return -LKM_EPERM;
    if (len < 0 || len > LKM_NEW_UTS_LEN)
        return -LKM_EINVAL;
    char copy[LKM_NEW_UTS_LEN + 1] = {};
    if (copy_from_user(copy, name, static_cast<size_t>(len)))
        return -LKM_EFAULT;
    memcpy(field, copy, sizeof(copy)); // the rest of the field zeroed, as Linux's memset
    return 0;
}

} // namespace

long sys_uname(u64 name)
{
    return copy_to_user(name, &utsname(), sizeof(lkm_new_utsname)) ? -LKM_EFAULT : 0;
}

long sys_sethostname(u64 name, int len) { return set_name(utsname().nodename, name, len); }
long sys_setdomainname(u64 name, int len) { return set_name(utsname().domainname, name, len); }
