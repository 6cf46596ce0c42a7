/* prctl(2)'s options (include/uapi/linux/prctl.h) and arch_prctl(2)'s codes
 * (arch/x86/include/uapi/asm/prctl.h), the ones lkmemu implements; any other is EINVAL. */
#pragma once

#define LKM_PR_SET_PDEATHSIG 1 /* the signal sent to the task when its parent dies */
#define LKM_PR_GET_PDEATHSIG 2
#define LKM_PR_GET_DUMPABLE 3
#define LKM_PR_SET_DUMPABLE 4  /* 0 or 1 (SUID_DUMP_DISABLE / SUID_DUMP_USER) */
#define LKM_PR_SET_NAME 15     /* comm: 16 bytes with the NUL */
#define LKM_PR_GET_NAME 16

#define LKM_ARCH_SET_GS 0x1001
#define LKM_ARCH_SET_FS 0x1002
#define LKM_ARCH_GET_FS 0x1003
#define LKM_ARCH_GET_GS 0x1004
