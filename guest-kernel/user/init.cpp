// init: the first user process. It serves the lkmemu harness: read a request from /dev/harness,
// make the real system call for it from ring 3, write the answer back. Without a harness (under
// QEMU) there is nothing to serve, so it powers the machine off.
//
// Environment (from the kernel command line, as on Linux): uid=N makes init drop to uid N (real
// and effective) once it has opened /dev/harness (a root-only device), so every request is made
// unprivileged. It keeps 0 as its saved uid only to take root back for the final power-off.
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/wait.h>

namespace init {

namespace {

// The value of NAME=value in envp, or nullptr.
const char* getenv(const char* const* envp, const char* name)
{
    for (; *envp; envp++) {
        const char* entry = *envp;
        size_t i = 0;
        while (name[i] && entry[i] == name[i])
            i++;
        if (!name[i] && entry[i] == '=')
            return entry + i + 1;
    }
    return nullptr;
}

bool equal(const char* a, const char* b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return a[i] == b[i];
}

bool parse_uid(const char* text, unsigned* uid)
{
    unsigned long value = 0;
    if (!*text)
        return false;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || value > 0xffffffffu / 10)
            return false;
        value = value * 10 + static_cast<unsigned>(*text - '0');
    }
    if (value > 0xfffffffeu)
        return false;
    *uid = static_cast<unsigned>(value);
    return true;
}

[[noreturn]] void power_off()
{
    sys::setresuid(sys::UID_UNCHANGED, 0, sys::UID_UNCHANGED); // back to root if init dropped it
    sys::reboot(sys::LINUX_REBOOT_CMD_POWER_OFF);
    sys::exit(1); // reboot refused: init dies and the kernel reports it
}

// One request, by the op the contract gives it (abi/lkmemu/harness.h).
void serve(const request& request)
{
    switch (request.op) {
    case LKMEMU_HARNESS_OP_POWEROFF:
        respond(0);
        power_off();
    case LKMEMU_HARNESS_OP_DMESG:
        serve_dmesg();
        return;
    case LKMEMU_HARNESS_OP_INSMOD:
        serve_insmod(request);
        return;
    case LKMEMU_HARNESS_OP_RMMOD:
        serve_rmmod(request);
        return;
    case LKMEMU_HARNESS_OP_LSMOD:
        serve_lsmod();
        return;
    case LKMEMU_HARNESS_OP_READ_FILE:
        serve_read_file(request);
        return;
    case LKMEMU_HARNESS_OP_LS:
        serve_ls(request);
        return;
    case LKMEMU_HARNESS_OP_EXEC:
        serve_exec(request);
        return;
    case LKMEMU_HARNESS_OP_INSMOD_FILE:
        serve_insmod_file(request);
        return;
    default:
        respond(-LKM_ENOSYS);
        return;
    }
}

} // namespace

} // namespace init

using namespace init;

extern "C" [[noreturn]] void init_main(const long* initial_stack)
{
    long argc = initial_stack[0];
    auto* envp = reinterpret_cast<const char* const*>(initial_stack + 1 + argc + 1);

    if (open_harness() < 0)
        power_off(); // no host attached (e.g. QEMU): nothing to serve
    open_kernel_log(); // before the first request: init's own files are part of the baseline

    if (const char* uid_text = getenv(envp, "uid")) {
        unsigned uid;
        if (!parse_uid(uid_text, &uid) || sys::setresuid(uid, uid, 0) != 0)
            sys::exit(4); // asked to run unprivileged and cannot: do not serve as root instead
    }
    if (const char* test = getenv(envp, "init_test")) {
        g_insmod_bad_pointer = equal(test, "insmod_badptr");
        g_finit_test = equal(test, "finit_badfd")      ? finit_test::bad_fd
                       : equal(test, "finit_badflags") ? finit_test::bad_flags
                       : equal(test, "finit_chardev")  ? finit_test::char_device
                                                       : finit_test::none;
        if (equal(test, "signals"))
            run_signals_selftest();
        if (equal(test, "mm"))
            run_mm_selftest();
        if (equal(test, "sched"))
            run_sched_selftest();
        if (equal(test, "abi"))
            run_abi_selftest();
        if (equal(test, "vfs"))
            run_vfs_selftest();
        if (equal(test, "pipe"))
            run_pipe_selftest();
        if (equal(test, "proc"))
            run_proc_selftest();
        if (equal(test, "tty"))
            run_tty_selftest();
        if (equal(test, "signals_segv"))
            signals_unhandled_segv();
    }
    if (const char* syscall = getenv(envp, "insmod_syscall"))
        g_insmod_init_module = equal(syscall, "init_module");
    if (const char* where = getenv(envp, "insmod_in"))
        g_module_calls_in_child = equal(where, "child");

    for (;;) {
        // Orphans are reparented to init (the kernel's child reaper): their zombies go before
        // each request, so that no request sees them (a meminfo baseline, say).
        while (sys::syscall(sys::NR_wait4, -1, 0, LKM_WNOHANG | LKM_WALL, 0) > 0) {
        }
        serve(next_request());
    }
}
