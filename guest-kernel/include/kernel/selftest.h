// Boot self-tests, chosen with selftest= on the command line.
#pragma once

// selftest=faults (kernel/selftest_faults.cpp). Does not return: it ends in an oops and a panic.
[[noreturn]] void selftest_faults();

// selftest=wx (kernel/selftest_wx.cpp): W^X holds for the kernel image and the direct map.
// Returns when it does; panics otherwise.
void selftest_wx();

// selftest=sched (kernel/selftest_sched.cpp): kernel threads, preemption at cond_resched, sleeping,
// a mutex, a completion, wait_event_timeout, and the threads' memory returned. Run by pid 1
// before it becomes init; prints one line per check, panics on a failure.
void selftest_sched();

// selftest=mm (kernel/selftest_mm.cpp): fork's copy-on-write through dup_mm, and hostile ELF
// images refused by load_elf_binary with ENOEXEC; memory back afterwards. Run by pid 1 before it
// becomes init; one line per check, panics on a failure.
void selftest_mm();

// selftest=oops (kernel/selftest_oops.cpp): oopsing kernel threads die with SIGSEGV, with a
// module call on its own stack or not, and pid 1's faulting module call returns -EFAULT; memory
// back afterwards. Run by pid 1 before it becomes init; one line per check, panics on a failure.
void selftest_oops();
