// Boot: start_kernel (init/main.cpp) and the kernel command line (init/cmdline.cpp).
#pragma once

#include <kernel/types.h>

[[noreturn]] void start_kernel();

constexpr const char* INIT_PATH = "/init"; // what the embedded init program is called
constexpr size_t MAX_INIT_ARGS = 32;
constexpr size_t MAX_INIT_ENVS = 32;

// The parameters the kernel understands. As on Linux, the others are handed to init: a word
// with '=' becomes an environment variable, one without an argument, and everything after "--"
// is an argument. (Words with a '.' before any '=' are module parameters on Linux and are
// ignored here.)
struct kernel_cmdline {
    bool console_enabled = true; // console=ttyS0 (default) or console=none
    int loglevel = -1;           // loglevel=N, -1 when not given
    bool selftest_faults = false; // selftest=faults (a comma-separated list: selftest=wx,faults)
    bool selftest_wx = false;     // selftest=wx
    bool selftest_sched = false;  // selftest=sched
    bool selftest_mm = false;     // selftest=mm
    bool selftest_oops = false;   // selftest=oops
    bool modules_disabled = false; // modules_disabled=1: init_module/delete_module refuse everyone
    char module_veto[56] = {};     // module_veto=NAME: a test notifier vetoes loading NAME
    char module_fail_stage[80] = {}; // module.fail_stage=STAGE[:MODULE]: load_module fails after STAGE (a test hook)
    const char* kunit_filter_glob = nullptr; // kunit.filter_glob=SUITE[.CASE]: the KUnit suites/cases that run
    size_t kunit_filter_glob_length = 0;      // (globs, lib/kunit/executor.cpp), pointing into the command line
    bool module_sig_enforce = false; // module.sig_enforce=1: only validly signed modules load (Linux's CONFIG_MODULE_SIG_FORCE)
    int watchdog_thresh = 10;       // watchdog_thresh=N: soft lockups are 2 * N s (kernel/watchdog.cpp); 0: off
    bool softlockup_panic = false;  // softlockup_panic=1: a soft lockup panics
    char hostname[65] = {};         // hostname=NAME: uname's nodename (default "lkmemu"), at most 64 bytes
    const char* random_seed = nullptr; // random.seed=TEXT: the generator's key (drivers/char/random.cpp),
    size_t random_seed_length = 0;     // pointing into the boot command line
    // init=PATH (Linux's execute_command): run PATH from the file system as init, on /dev/console,
    // instead of the embedded harness-driven init. Empty: the embedded one.
    char init_path[256] = {};
    // nullptr-terminated; argv[0] is the init path, envp starts with Linux's HOME=/ TERM=linux.
    // (Initialised, so that the struct is constant-initialised: the kernel runs no constructors.)
    const char* init_argv[MAX_INIT_ARGS + 2] = {};
    const char* init_envp[MAX_INIT_ENVS + 3] = {};
};
extern kernel_cmdline kernel_cmdline;
enum class CmdlinePass {
    Early, // before the console: console= and loglevel= only, silently
    Full,  // everything, with a message for what is unknown or invalid
};
void parse_kernel_cmdline(const char* command_line, CmdlinePass pass);
