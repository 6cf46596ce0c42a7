// init_test=abi: Linux's user ABI beyond files and memory checked through the real system calls
// from ring 3, before init starts serving: uname, sysinfo, getrandom, the rlimits, the uid and gid
// transitions, arch_prctl and %fs, set_tid_address and the robust list, prctl, the clocks, getcpu
// and the affinity, and ENOSYS for calls the kernel does not have. Each check writes one line to
// /dev/kmsg, "abi: NAME ok" or "abi: NAME FAILED (detail value)"; a few lines report values
// (uname's fields, getrandom's bytes) so that tests/integration/abi_test.cpp can compare boots.
// init runs as root here and comes back to root (its saved uid stays 0) after each drop.
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/prctl.h>
#include <lkmemu/random.h>
#include <lkmemu/resource.h>
#include <lkmemu/sysinfo.h>
#include <lkmemu/time.h>
#include <lkmemu/utsname.h>

namespace init {

namespace {

using sys::syscall;


constexpr long BAD_POINTER = 0x1000; // unmapped: below init's image
constexpr unsigned UNCHANGED = static_cast<unsigned>(-1);

selftest_log* g_log; // while run_abi_selftest runs

void say(const selftest_line& line) { g_log->say(line); }
void say(const char* text) { g_log->say(text); }
// One check's line; value says what was seen when it failed.
void check(const char* name, bool ok, long value = 0) { g_log->check(name, ok, nullptr, value); }

bool equal(const char* a, const char* b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return a[i] == b[i];
}

bool bytes_equal(const void* a, const void* b, size_t n)
{
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return false;
    }
    return true;
}

template<typename T> long ptr(T* p) { return reinterpret_cast<long>(p); }

// --- uname, sethostname, sysinfo ---

void check_uname()
{
    lkm_new_utsname uts;
    long ret = syscall(sys::NR_uname, ptr(&uts));
    check("uname", ret == 0, ret);
    selftest_line line;
    line.add("uname: ").add(uts.sysname).add(" | ").add(uts.nodename).add(" | ").add(uts.release).add(" | ");
    line.add(uts.version).add(" | ").add(uts.machine).add(" | ").add(uts.domainname);
    say(line);
    ret = syscall(sys::NR_uname, BAD_POINTER);
    check("uname with a bad pointer is EFAULT", ret == -LKM_EFAULT, ret);

    static const char name[] = "renamed";
    ret = syscall(sys::NR_sethostname, ptr(name), 7);
    syscall(sys::NR_uname, ptr(&uts));
    check("sethostname as root", ret == 0 && equal(uts.nodename, "renamed"), ret);
    ret = syscall(sys::NR_sethostname, ptr(name), LKM_NEW_UTS_LEN + 1);
    check("sethostname of 65 bytes is EINVAL", ret == -LKM_EINVAL, ret);
    syscall(sys::NR_setresuid, UNCHANGED, 1000, UNCHANGED);
    ret = syscall(sys::NR_sethostname, ptr(name), 7);
    syscall(sys::NR_setresuid, UNCHANGED, 0, UNCHANGED);
    check("sethostname unprivileged is EPERM", ret == -LKM_EPERM, ret);
}

void check_sysinfo()
{
    lkm_sysinfo info;
    long ret = syscall(sys::NR_sysinfo, ptr(&info));
    check("sysinfo", ret == 0, ret);
    bool sane = info.mem_unit == 1 && info.totalram >= (16u << 20) && info.freeram > 0 &&
                info.freeram < info.totalram && info.procs >= 1 && info.uptime >= 0 && info.totalswap == 0;
    check("sysinfo: RAM in bytes, free below total, a task, no swap", sane, static_cast<long>(info.freeram));
    ret = syscall(sys::NR_sysinfo, BAD_POINTER);
    check("sysinfo with a bad pointer is EFAULT", ret == -LKM_EFAULT, ret);
}

// --- getrandom ---

void check_getrandom()
{
    unsigned char first[16], second[16];
    long ret = syscall(sys::NR_getrandom, ptr(first), sizeof(first), 0);
    check("getrandom 16 bytes", ret == 16, ret);
    selftest_line line;
    line.add("getrandom: ").add_hex(first, sizeof(first));
    say(line);
    ret = syscall(sys::NR_getrandom, ptr(second), sizeof(second), LKM_GRND_NONBLOCK);
    check("getrandom: the next bytes differ", ret == 16 && !bytes_equal(first, second, sizeof(first)), ret);
    ret = syscall(sys::NR_getrandom, ptr(second), sizeof(second), LKM_GRND_RANDOM);
    check("getrandom GRND_RANDOM", ret == 16, ret);
    ret = syscall(sys::NR_getrandom, ptr(second), sizeof(second), LKM_GRND_INSECURE);
    check("getrandom GRND_INSECURE", ret == 16, ret);
    ret = syscall(sys::NR_getrandom, ptr(second), sizeof(second), LKM_GRND_INSECURE | LKM_GRND_RANDOM);
    check("getrandom GRND_INSECURE|GRND_RANDOM is EINVAL", ret == -LKM_EINVAL, ret);
    ret = syscall(sys::NR_getrandom, ptr(second), sizeof(second), 0x8);
    check("getrandom with an unknown flag is EINVAL", ret == -LKM_EINVAL, ret);
    ret = syscall(sys::NR_getrandom, BAD_POINTER, 16, 0);
    check("getrandom to a bad pointer is EFAULT", ret == -LKM_EFAULT, ret);
    ret = syscall(sys::NR_getrandom, ptr(second), 0, 0);
    check("getrandom of 0 bytes is 0", ret == 0, ret);
}

// --- limits ---

long getrlimit(int resource, lkm_rlimit64* limit) { return syscall(sys::NR_getrlimit, resource, ptr(limit)); }
long setrlimit(int resource, const lkm_rlimit64* limit) { return syscall(sys::NR_setrlimit, resource, ptr(limit)); }

void check_rlimits()
{
    lkm_rlimit64 limit;
    long ret = getrlimit(LKM_RLIMIT_NOFILE, &limit);
    check("RLIMIT_NOFILE is 1024/4096", ret == 0 && limit.rlim_cur == 1024 && limit.rlim_max == 4096, ret);
    ret = getrlimit(LKM_RLIMIT_STACK, &limit);
    check("RLIMIT_STACK is 8 MiB/unlimited",
          ret == 0 && limit.rlim_cur == (8u << 20) && limit.rlim_max == LKM_RLIM_INFINITY, ret);
    ret = getrlimit(LKM_RLIMIT_CORE, &limit);
    check("RLIMIT_CORE is 0/unlimited", ret == 0 && limit.rlim_cur == 0 && limit.rlim_max == LKM_RLIM_INFINITY, ret);
    ret = getrlimit(LKM_RLIMIT_NPROC, &limit);
    check("RLIMIT_NPROC is from memory, soft = hard", ret == 0 && limit.rlim_cur >= 10 && limit.rlim_cur == limit.rlim_max, ret);
    ret = getrlimit(LKM_RLIM_NLIMITS, &limit);
    check("getrlimit(RLIM_NLIMITS) is EINVAL", ret == -LKM_EINVAL, ret);

    lkm_rlimit64 inverted { 100, 50 };
    ret = setrlimit(LKM_RLIMIT_NOFILE, &inverted);
    check("setrlimit soft above hard is EINVAL", ret == -LKM_EINVAL, ret);
    lkm_rlimit64 lower { 512, 2048 };
    ret = setrlimit(LKM_RLIMIT_NOFILE, &lower);
    getrlimit(LKM_RLIMIT_NOFILE, &limit);
    check("setrlimit lowers NOFILE to 512/2048", ret == 0 && limit.rlim_cur == 512 && limit.rlim_max == 2048, ret);

    syscall(sys::NR_setresuid, UNCHANGED, 1000, UNCHANGED);
    lkm_rlimit64 raise { 1024, 4096 };
    ret = setrlimit(LKM_RLIMIT_NOFILE, &raise);
    check("raising the hard limit unprivileged is EPERM", ret == -LKM_EPERM, ret);
    lkm_rlimit64 soft_up { 2048, 2048 };
    ret = setrlimit(LKM_RLIMIT_NOFILE, &soft_up);
    check("raising the soft limit to the hard one unprivileged", ret == 0, ret);
    syscall(sys::NR_setresuid, UNCHANGED, 0, UNCHANGED);

    lkm_rlimit64 old;
    ret = syscall(sys::NR_prlimit64, 0, LKM_RLIMIT_NOFILE, ptr(&raise), ptr(&old));
    getrlimit(LKM_RLIMIT_NOFILE, &limit);
    check("prlimit64 as root: old 2048/2048, new 1024/4096",
          ret == 0 && old.rlim_cur == 2048 && old.rlim_max == 2048 && limit.rlim_cur == 1024 && limit.rlim_max == 4096, ret);
    ret = syscall(sys::NR_prlimit64, 1, LKM_RLIMIT_STACK, 0, ptr(&old));
    check("prlimit64 of pid 1 reads RLIMIT_STACK", ret == 0 && old.rlim_cur == (8u << 20), ret);
    ret = syscall(sys::NR_prlimit64, 99999, LKM_RLIMIT_NOFILE, 0, ptr(&old));
    check("prlimit64 of no such pid is ESRCH", ret == -LKM_ESRCH, ret);
    ret = syscall(sys::NR_prlimit64, 0, LKM_RLIMIT_NOFILE, BAD_POINTER, 0);
    check("prlimit64 with a bad new pointer is EFAULT", ret == -LKM_EFAULT, ret);
}

// --- credentials ---

bool resuid_is(unsigned r, unsigned e, unsigned s)
{
    unsigned got[3] = { 1, 1, 1 };
    long ret = syscall(sys::NR_getresuid, ptr(&got[0]), ptr(&got[1]), ptr(&got[2]));
    return ret == 0 && got[0] == r && got[1] == e && got[2] == s;
}

bool resgid_is(unsigned r, unsigned e, unsigned s)
{
    unsigned got[3] = { 1, 1, 1 };
    long ret = syscall(sys::NR_getresgid, ptr(&got[0]), ptr(&got[1]), ptr(&got[2]));
    return ret == 0 && got[0] == r && got[1] == e && got[2] == s;
}

void check_credentials()
{
    check("root: uid, euid, gid, egid are 0",
          syscall(sys::NR_getuid) == 0 && syscall(sys::NR_geteuid) == 0 && syscall(sys::NR_getgid) == 0 &&
              syscall(sys::NR_getegid) == 0);
    long ret = syscall(sys::NR_setresgid, 100, 200, 300);
    check("setresgid as root", ret == 0 && resgid_is(100, 200, 300), ret);
    check("getgid and getegid follow", syscall(sys::NR_getgid) == 100 && syscall(sys::NR_getegid) == 200);
    ret = syscall(sys::NR_setregid, 300, UNCHANGED);
    check("setregid: the saved gid follows the effective one", ret == 0 && resgid_is(300, 200, 200), ret);
    ret = syscall(sys::NR_setgid, 0);
    check("setgid as root sets all three", ret == 0 && resgid_is(0, 0, 0), ret);
    ret = syscall(sys::NR_setgid, UNCHANGED);
    check("setgid(-1) is EINVAL", ret == -LKM_EINVAL, ret);

    ret = syscall(sys::NR_setresuid, 1000, 1000, 0);
    check("setresuid(1000, 1000, 0)", ret == 0 && resuid_is(1000, 1000, 0) && syscall(sys::NR_getuid) == 1000, ret);
    ret = syscall(sys::NR_setreuid, UNCHANGED, 2000);
    check("setreuid to an id not held is EPERM", ret == -LKM_EPERM, ret);
    ret = syscall(sys::NR_setresgid, 5, 5, 5);
    check("setresgid unprivileged to a gid not held is EPERM", ret == -LKM_EPERM, ret);
    ret = syscall(sys::NR_setreuid, UNCHANGED, 0);
    check("setreuid(-1, 0) unprivileged: 0 is the saved uid; saved follows", ret == 0 && resuid_is(1000, 0, 0), ret);
    ret = syscall(sys::NR_setuid, 0);
    check("setuid(0) as root again", ret == 0 && resuid_is(0, 0, 0), ret);
    ret = syscall(sys::NR_getresuid, BAD_POINTER, BAD_POINTER, BAD_POINTER);
    check("getresuid with bad pointers is EFAULT", ret == -LKM_EFAULT, ret);

    unsigned groups[] = { 50, 7, 20 };
    ret = syscall(sys::NR_setgroups, 3, ptr(groups));
    check("setgroups as root", ret == 0, ret);
    ret = syscall(sys::NR_getgroups, 0, 0);
    check("getgroups(0) counts them", ret == 3, ret);
    unsigned got[3] = {};
    ret = syscall(sys::NR_getgroups, 2, ptr(got));
    check("getgroups with too small a list is EINVAL", ret == -LKM_EINVAL, ret);
    ret = syscall(sys::NR_getgroups, 3, ptr(got));
    check("getgroups gives them sorted", ret == 3 && got[0] == 7 && got[1] == 20 && got[2] == 50, ret);
    syscall(sys::NR_setresuid, UNCHANGED, 1000, UNCHANGED);
    ret = syscall(sys::NR_setgroups, 0, 0);
    syscall(sys::NR_setresuid, UNCHANGED, 0, UNCHANGED);
    check("setgroups unprivileged is EPERM", ret == -LKM_EPERM, ret);
    ret = syscall(sys::NR_setgroups, 0, 0);
    check("setgroups(0) empties the list", ret == 0 && syscall(sys::NR_getgroups, 0, 0) == 0, ret);
}

// --- TLS, thread bookkeeping, prctl ---

struct alignas(64) thread_control_block {
    thread_control_block* self; // %fs:0, as the x86-64 TLS ABI has it
    uint64_t canary;
};
thread_control_block g_tcb;

void check_tls()
{
    g_tcb.self = &g_tcb;
    g_tcb.canary = 0x1c2b3a4958677685ull;
    long ret = syscall(sys::NR_arch_prctl, LKM_ARCH_SET_FS, ptr(&g_tcb));
    uint64_t self, canary;
    asm volatile("mov %%fs:0, %0\n\tmov %%fs:8, %1" : "=r"(self), "=r"(canary));
    check("arch_prctl(ARCH_SET_FS): %fs:0 is the block, %fs:8 its canary",
          ret == 0 && self == reinterpret_cast<uint64_t>(&g_tcb) && canary == g_tcb.canary, ret);
    lkm_timespec delay { 0, 20000000 };
    sys::nanosleep(&delay); // ticks, interrupts and a return through the timer's path on the way
    asm volatile("mov %%fs:8, %0" : "=r"(canary));
    check("the FS base survives a sleep", canary == g_tcb.canary);
    uint64_t base = 0;
    ret = syscall(sys::NR_arch_prctl, LKM_ARCH_GET_FS, ptr(&base));
    check("arch_prctl(ARCH_GET_FS)", ret == 0 && base == reinterpret_cast<uint64_t>(&g_tcb), ret);
    ret = syscall(sys::NR_arch_prctl, LKM_ARCH_SET_FS, 0x800000000000l);
    check("arch_prctl(ARCH_SET_FS) of a non-canonical address is EPERM", ret == -LKM_EPERM, ret);
    ret = syscall(sys::NR_arch_prctl, LKM_ARCH_SET_GS, ptr(&g_tcb));
    uint64_t gs_self;
    asm volatile("mov %%gs:0, %0" : "=r"(gs_self));
    uint64_t gs_base = 0;
    syscall(sys::NR_arch_prctl, LKM_ARCH_GET_GS, ptr(&gs_base));
    check("arch_prctl(ARCH_SET_GS): %gs:0 and ARCH_GET_GS",
          ret == 0 && gs_self == reinterpret_cast<uint64_t>(&g_tcb) && gs_base == gs_self, ret);
    syscall(sys::NR_arch_prctl, LKM_ARCH_SET_GS, 0);
    ret = syscall(sys::NR_arch_prctl, 0x1009, 0);
    check("arch_prctl with an unknown code is EINVAL", ret == -LKM_EINVAL, ret);
    syscall(sys::NR_arch_prctl, LKM_ARCH_SET_FS, 0);
}

void check_thread_bookkeeping()
{
    static int tid_word;
    long ret = syscall(sys::NR_set_tid_address, ptr(&tid_word));
    check("set_tid_address returns the tid", ret == 1, ret);
    static uint64_t robust_head[3];
    ret = syscall(sys::NR_set_robust_list, ptr(robust_head), 24);
    check("set_robust_list", ret == 0, ret);
    ret = syscall(sys::NR_set_robust_list, ptr(robust_head), 25);
    check("set_robust_list with len 25 is EINVAL", ret == -LKM_EINVAL, ret);
    uint64_t head = 0, length = 0;
    ret = syscall(sys::NR_get_robust_list, 0, ptr(&head), ptr(&length));
    check("get_robust_list", ret == 0 && head == reinterpret_cast<uint64_t>(robust_head) && length == 24, ret);
    ret = syscall(334, 0, 0, 0, 0); // rseq
    check("rseq is ENOSYS (no CONFIG_RSEQ)", ret == -LKM_ENOSYS, ret);
}

void check_prctl()
{
    static const char long_name[] = "abi-selftest-longer-than-15";
    long ret = syscall(sys::NR_prctl, LKM_PR_SET_NAME, ptr(long_name));
    char name[16] = {};
    long got = syscall(sys::NR_prctl, LKM_PR_GET_NAME, ptr(name));
    check("prctl(PR_SET_NAME) cuts at 15 bytes", ret == 0 && got == 0 && equal(name, "abi-selftest-lo"), ret);
    static const char init_name[] = "init";
    syscall(sys::NR_prctl, LKM_PR_SET_NAME, ptr(init_name));
    ret = syscall(sys::NR_prctl, LKM_PR_GET_NAME, BAD_POINTER);
    check("prctl(PR_GET_NAME) to a bad pointer is EFAULT", ret == -LKM_EFAULT, ret);
    ret = syscall(sys::NR_prctl, LKM_PR_SET_PDEATHSIG, 9);
    int signal = 0;
    syscall(sys::NR_prctl, LKM_PR_GET_PDEATHSIG, ptr(&signal));
    check("prctl(PR_SET_PDEATHSIG, SIGKILL)", ret == 0 && signal == 9, ret);
    ret = syscall(sys::NR_prctl, LKM_PR_SET_PDEATHSIG, 65);
    check("prctl(PR_SET_PDEATHSIG, 65) is EINVAL", ret == -LKM_EINVAL, ret);
    syscall(sys::NR_prctl, LKM_PR_SET_PDEATHSIG, 0);
    ret = syscall(sys::NR_prctl, LKM_PR_GET_DUMPABLE);
    check("prctl(PR_GET_DUMPABLE) is 1", ret == 1, ret);
    ret = syscall(sys::NR_prctl, LKM_PR_SET_DUMPABLE, 2);
    check("prctl(PR_SET_DUMPABLE, 2) is EINVAL", ret == -LKM_EINVAL, ret);
    ret = syscall(sys::NR_prctl, 9999);
    check("prctl with an unknown option is EINVAL", ret == -LKM_EINVAL, ret);
}

// --- time, CPU ---

long monotonic_ns()
{
    lkm_timespec ts {};
    syscall(sys::NR_clock_gettime, LKM_CLOCK_MONOTONIC, ptr(&ts));
    return ts.tv_sec * 1000000000l + ts.tv_nsec;
}

void check_clocks()
{
    long before = monotonic_ns();
    lkm_timespec delay { 0, 20000000 };
    sys::nanosleep(&delay);
    long after = monotonic_ns();
    check("CLOCK_MONOTONIC advances by the 20 ms slept", after - before >= 20000000, after - before);
    lkm_timespec real {};
    long ret = syscall(sys::NR_clock_gettime, LKM_CLOCK_REALTIME, ptr(&real));
    check("CLOCK_REALTIME is from 2024-01-01 on", ret == 0 && real.tv_sec >= 1704067200, real.tv_sec);
    lkm_timespec boot {};
    ret = syscall(sys::NR_clock_gettime, LKM_CLOCK_BOOTTIME, ptr(&boot));
    long offset = real.tv_sec - boot.tv_sec; // one second less if a tick crossed a second between the reads
    check("CLOCK_BOOTTIME is CLOCK_MONOTONIC's time", ret == 0 && (offset == 1704067200 || offset == 1704067199), offset);
    ret = syscall(sys::NR_clock_gettime, 99, ptr(&real));
    check("clock_gettime of clock 99 is EINVAL", ret == -LKM_EINVAL, ret);
    ret = syscall(sys::NR_clock_gettime, LKM_CLOCK_MONOTONIC, BAD_POINTER);
    check("clock_gettime to a bad pointer is EFAULT", ret == -LKM_EFAULT, ret);
    lkm_timespec res {};
    ret = syscall(sys::NR_clock_getres, LKM_CLOCK_MONOTONIC, ptr(&res));
    check("clock_getres is a tick (4 ms)", ret == 0 && res.tv_sec == 0 && res.tv_nsec == 4000000, res.tv_nsec);
    lkm_timeval tv {};
    ret = syscall(sys::NR_gettimeofday, ptr(&tv), 0);
    long seconds = syscall(sys::NR_time, 0);
    check("gettimeofday and time agree with CLOCK_REALTIME",
          ret == 0 && tv.tv_sec >= real.tv_sec && seconds >= tv.tv_sec && seconds - real.tv_sec < 2, ret);
    lkm_tms tms { 1, 1, 1, 1 };
    long ticks = syscall(sys::NR_times, ptr(&tms));
    check("times: clock ticks since boot", ticks > 0 && ticks * 10000000l <= monotonic_ns() + 10000000, ticks);
}

void check_cpu()
{
    unsigned cpu = 7, node = 7;
    long ret = syscall(sys::NR_getcpu, ptr(&cpu), ptr(&node), 0);
    check("getcpu: CPU 0, node 0", ret == 0 && cpu == 0 && node == 0, ret);
    uint64_t mask[2] = { 0, 0 };
    ret = syscall(sys::NR_sched_getaffinity, 0, sizeof(mask), ptr(mask));
    check("sched_getaffinity: 8 bytes, CPU 0", ret == 8 && mask[0] == 1, ret);
    ret = syscall(sys::NR_sched_getaffinity, 0, 4, ptr(mask));
    check("sched_getaffinity with 4 bytes is EINVAL", ret == -LKM_EINVAL, ret);
}

// --- what the kernel does not implement ---

void check_enosys()
{
    // sysfs(2) (139), twice: ENOSYS both times, one log line (abi_test.cpp counts it).
    long first = syscall(139, 1, 0);
    long second = syscall(139, 1, 0);
    check("an unimplemented call (sysfs) is ENOSYS, twice", first == -LKM_ENOSYS && second == -LKM_ENOSYS, first);
    long unknown = syscall(1000);
    check("a number past Linux's table is ENOSYS", unknown == -LKM_ENOSYS, unknown);
}

} // namespace

void run_abi_selftest()
{
    selftest_log log("abi");
    g_log = &log;
    say("selftest start");
    check_uname();
    check_sysinfo();
    check_getrandom();
    check_rlimits();
    check_credentials();
    check_tls();
    check_thread_bookkeeping();
    check_prctl();
    check_clocks();
    check_cpu();
    check_enosys();
    log.done();
    g_log = nullptr;
}

} // namespace init
