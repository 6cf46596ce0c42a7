/* wait4(2) and waitid(2) as Linux's x86-64 user ABI has them (include/uapi/linux/wait.h): the
 * options, waitid's id types, the SIGCHLD si_code values, and the status word's encoding. */
#pragma once

#define LKM_WNOHANG 0x00000001
#define LKM_WUNTRACED 0x00000002 /* wait4's name for WSTOPPED */
#define LKM_WSTOPPED 0x00000002
#define LKM_WEXITED 0x00000004
#define LKM_WCONTINUED 0x00000008
#define LKM_WNOWAIT 0x01000000 /* leave the child waitable */
#define LKM_WNOTHREAD 0x20000000 /* __WNOTHREAD */
#define LKM_WALL 0x40000000      /* __WALL: clone children too */
#define LKM_WCLONE 0x80000000u   /* __WCLONE: only children whose exit signal is not SIGCHLD */

/* waitid's idtype */
#define LKM_P_ALL 0
#define LKM_P_PID 1
#define LKM_P_PGID 2
#define LKM_P_PIDFD 3

/* si_code of SIGCHLD and of waitid's siginfo */
#define LKM_CLD_EXITED 1
#define LKM_CLD_KILLED 2
#define LKM_CLD_DUMPED 3
#define LKM_CLD_TRAPPED 4
#define LKM_CLD_STOPPED 5
#define LKM_CLD_CONTINUED 6

/* The status word: exit(code) is code << 8; death by signal sig is sig (| 0x80 had a core been
 * written, which lkmemu never does); a stop 0x7f | sig << 8; a continue 0xffff. */
#define LKM_W_EXITCODE(code, sig) (((code) & 0xff) << 8 | (sig))
#define LKM_W_STOPCODE(sig) ((sig) << 8 | 0x7f)
#define LKM_W_CONTINUED 0xffff
