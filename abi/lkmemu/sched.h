/* clone(2)'s flags as Linux's x86-64 user ABI has them (include/uapi/linux/sched.h). The low
 * byte (CSIGNAL) is the signal the parent gets at the child's death. Which ones lkmemu's kernel
 * supports is in docs/kernel.md ("Processes"); the others fail with EINVAL. */
#pragma once

#define LKM_CSIGNAL 0x000000ffu
#define LKM_CLONE_VM 0x00000100u
#define LKM_CLONE_FS 0x00000200u
#define LKM_CLONE_FILES 0x00000400u
#define LKM_CLONE_SIGHAND 0x00000800u
#define LKM_CLONE_PIDFD 0x00001000u
#define LKM_CLONE_PTRACE 0x00002000u
#define LKM_CLONE_VFORK 0x00004000u
#define LKM_CLONE_PARENT 0x00008000u
#define LKM_CLONE_THREAD 0x00010000u
#define LKM_CLONE_NEWNS 0x00020000u
#define LKM_CLONE_SYSVSEM 0x00040000u
#define LKM_CLONE_SETTLS 0x00080000u
#define LKM_CLONE_PARENT_SETTID 0x00100000u
#define LKM_CLONE_CHILD_CLEARTID 0x00200000u
#define LKM_CLONE_DETACHED 0x00400000u
#define LKM_CLONE_UNTRACED 0x00800000u
#define LKM_CLONE_CHILD_SETTID 0x01000000u
#define LKM_CLONE_NEWCGROUP 0x02000000u
#define LKM_CLONE_NEWUTS 0x04000000u
#define LKM_CLONE_NEWIPC 0x08000000u
#define LKM_CLONE_NEWUSER 0x10000000u
#define LKM_CLONE_NEWPID 0x20000000u
#define LKM_CLONE_NEWNET 0x40000000u
#define LKM_CLONE_IO 0x80000000u
