/* poll(2)/select(2) with Linux's x86-64 user ABI (include/uapi/asm-generic/poll.h, linux/
 * posix_types.h): the event bits, struct pollfd, and select's fd_set (an array of 64-bit words,
 * one bit a descriptor). The kernel's poll and select (fs/select.cpp), its drivers' ->poll
 * (include/kernel/poll.h) and init's tests (user/selftest_pipe.cpp) use these. */
#pragma once

#include <stdint.h>

#define LKM_POLLIN 0x0001   /* data to read */
#define LKM_POLLPRI 0x0002  /* urgent data */
#define LKM_POLLOUT 0x0004  /* a write would not block */
#define LKM_POLLERR 0x0008  /* error (always reported) */
#define LKM_POLLHUP 0x0010  /* hung up: the other end closed (always reported) */
#define LKM_POLLNVAL 0x0020 /* fd is not open (always reported) */
#define LKM_POLLRDNORM 0x0040
#define LKM_POLLRDBAND 0x0080
#define LKM_POLLWRNORM 0x0100
#define LKM_POLLWRBAND 0x0200
#define LKM_POLLMSG 0x0400
#define LKM_POLLRDHUP 0x2000

struct lkm_pollfd {
    int32_t fd;       /* negative: ignored (revents 0) */
    int16_t events;   /* requested */
    int16_t revents;  /* returned */
};

/* select(2)'s limit on nfds in glibc's fd_set (FD_SETSIZE); the kernel takes any nfds up to
 * RLIMIT_NOFILE, as Linux, reading ceil(nfds / 64) words of each set. */
#define LKM_FD_SETSIZE 1024
#define LKM_NFDBITS 64
typedef struct {
    uint64_t fds_bits[LKM_FD_SETSIZE / LKM_NFDBITS];
} lkm_fd_set;

#ifdef __cplusplus
static_assert(sizeof(struct lkm_pollfd) == 8, "struct pollfd is 8 bytes on x86-64");
static_assert(sizeof(lkm_fd_set) == 128, "fd_set is 1024 bits");
#endif
