/* getrandom(2)'s flags (include/uapi/linux/random.h). lkmemu's pool is ready from boot (seeded
 * from the command line, see docs/kernel.md), so none of them ever makes a call wait. */
#pragma once

#define LKM_GRND_NONBLOCK 0x0001
#define LKM_GRND_RANDOM 0x0002
#define LKM_GRND_INSECURE 0x0004
