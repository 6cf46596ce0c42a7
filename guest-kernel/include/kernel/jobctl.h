// Job control (kernel/jobctl.cpp, kernel/signal_stop.cpp, drivers/tty/): process groups and
// sessions (Linux's kernel/sys.c setpgid family), signals to a whole group, and the stop and
// continue of the job-control signals (Linux's do_signal_stop / prepare_signal's SIGCONT).
// task_struct's pgrp, session and tty fields hold the state; fork inherits them.
#pragma once

#include <lkmemu/signal.h>
#include <kernel/types.h>

struct task_struct;

// Calls fn(task, arg) for every user process (thread-group leaders, kernel threads left out),
// in pid order of the process tree's walk; fn returns false to stop early.
void for_each_process(bool (*fn)(task_struct* task, void* arg), void* arg);
// Whether any process (a zombie too: its pid still holds the group) has process group pgrp.
bool pgrp_exists(int pgrp);
// sig to every process of group pgrp (Linux's __kill_pgrp_info), each through kill(2)'s
// permission rule (group_send_sig_info, which lets the kernel's own signals through): 0 if at
// least one got it, else the last error (-ESRCH when the group is empty).
int kill_pgrp_info(int sig, const lkm_siginfo* info, int pgrp);
// kill(-1, sig): every process but init and the caller; -ESRCH when there is none, else the
// last error other than EPERM, or 0 (Linux's kill_something_info).
int kill_all_info(int sig, const lkm_siginfo* info);

// The job-control stop (kernel/signal_stop.cpp). From get_signal, with a stop signal whose
// action is the default: the current task stops (TASK_STOPPED) until SIGCONT or SIGKILL, its
// parent told (SIGCHLD with CLD_STOPPED, a wake-up of its wait). Returns when it runs again.
void do_signal_stop(int sig);
// From the sending side of SIGCONT (prepare_signal): a stopped t runs again and its parent is
// told (CLD_CONTINUED).
void signal_wake_continued(task_struct* t);
// Whether process group pgrp is orphaned (Linux's is_current_pgrp_orphaned): no member but
// init's children has a parent in another group of the same session. (So the jobs of a shell
// that runs as init, pid 1, are orphaned, as on Linux: ^Z does not stop them.) A stop by SIGTSTP/SIGTTIN/SIGTTOU is dropped
// for such a group, as Linux does, since nobody could continue it.
bool is_pgrp_orphaned(int pgrp);
