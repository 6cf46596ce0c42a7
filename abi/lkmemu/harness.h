// The harness device: a mailbox between the host (lkmemu's command runner) and the guest.
//
// The kernel's driver exposes it to user space as the character device /dev/harness, which only
// one process (init) may hold open. init read()s one request at a time and write()s one response
// per request; the driver moves the bytes with the device's DMA registers below. A request's data
// (an insmod's module file) is not part of what /dev/harness delivers: it stays in the device as
// "the current request's data" until the next request is taken, and the driver exposes it as the
// regular file /dev/harness_data (its size: the header's data_length), which init hands to
// finit_module(2). The kernel then reads it (GET_DATA) straight into its own buffer: the host
// copies the file into guest memory once, from the file itself. Under QEMU the
// ports read as all-ones, so LKMEMU_HARNESS_REG_ID does not match and the kernel knows no harness
// is attached.
//
// Registers (32-bit port I/O at LKMEMU_PORT_HARNESS + offset):
//   REG_ID        r   LKMEMU_HARNESS_ID
//   REG_ADDR_LO   w   guest-physical buffer address, low 32 bits
//   REG_ADDR_HI   w   ... high 32 bits
//   REG_LENGTH    rw  w: buffer capacity (GET_REQUEST) or message length (PUT_RESPONSE);
//                     r: after PEEK_REQUEST or GET_REQUEST, the whole request's length
//   REG_COMMAND   w   LKMEMU_HARNESS_CMD_*; the device completes it before the OUT returns
//   REG_STATUS    r   0, or a negative errno for the last command (-EFAULT: buffer outside RAM,
//                     -EINVAL: a malformed response or an unknown command, -EIO: the host could
//                     not read the data)
//   REG_DATA_OFFSET w  GET_DATA: where in the current request's data to start
//
// GET_DATA copies up to LENGTH bytes of the current request's data, from DATA_OFFSET on, to the
// buffer; LENGTH then reads the number copied (0: at or past the end).
//
// One exchange per command: PEEK_REQUEST waits (the guest CPU is stopped) until the host has its
// next request and reports its length, so the driver allocates a buffer of that size once;
// GET_REQUEST then copies the request and consumes it; PUT_RESPONSE hands back the answer. A
// GET_REQUEST buffer shorter than the request receives its first LENGTH bytes and the rest is
// dropped, as with a datagram, so nothing stays stuck in the device. When the host has no
// commands left, its request is LKMEMU_HARNESS_OP_POWEROFF.
#pragma once

#include <stdint.h>

#include "module_abi.h"

#define LKMEMU_HARNESS_ID 0x4e484b4cu /* "LKHN" */

#define LKMEMU_HARNESS_REG_ID 0x0
#define LKMEMU_HARNESS_REG_ADDR_LO 0x4
#define LKMEMU_HARNESS_REG_ADDR_HI 0x8
#define LKMEMU_HARNESS_REG_LENGTH 0xc
#define LKMEMU_HARNESS_REG_COMMAND 0x10
#define LKMEMU_HARNESS_REG_STATUS 0x14
#define LKMEMU_HARNESS_REG_DATA_OFFSET 0x18

#define LKMEMU_HARNESS_CMD_GET_REQUEST 1  /* copy the pending request (waiting for one if none) */
#define LKMEMU_HARNESS_CMD_PUT_RESPONSE 2 /* take the response in the buffer */
#define LKMEMU_HARNESS_CMD_PEEK_REQUEST 3 /* wait for the next request; LENGTH reads its length */
#define LKMEMU_HARNESS_CMD_GET_DATA 4     /* copy a piece of the current request's data */

/* STATUS after PEEK_REQUEST or GET_REQUEST when the host has no request yet (its `sleep` lets
 * guest time pass): the driver halts until the next interrupt and asks again. */
#define LKMEMU_HARNESS_STATUS_WAIT 1

/* The largest message either way, and the largest data init reads into its own memory (for
 * init_module(2), when finit_module(2) is not used): the kernel's largest module image
 * (LKM_MAX_MODULE_IMAGE) with room to spare. init's buffers have this size (demand-zero: only what
 * a message touches is backed by pages). Data is not bounded by it: a larger file reaches the
 * kernel's size check (data_length saturates at 0xffffffff). */
#define LKMEMU_HARNESS_MAX_MESSAGE (LKM_MAX_MODULE_IMAGE + (1u << 20))

enum lkmemu_harness_op {
    LKMEMU_HARNESS_OP_POWEROFF = 1,  /* init powers the machine off */
    LKMEMU_HARNESS_OP_DMESG = 2,     /* syslog(SYSLOG_ACTION_READ_ALL) */
    LKMEMU_HARNESS_OP_INSMOD = 3,    /* args: parameter string; data: the .ko file; flags:
                                        finit_module's LKM_MODULE_INIT_* (insmod -f) */
    LKMEMU_HARNESS_OP_RMMOD = 4,     /* args: module name; flags: LKMEMU_HARNESS_RMMOD_* */
    LKMEMU_HARNESS_OP_LSMOD = 5,     /* the text of /proc/modules */
    LKMEMU_HARNESS_OP_READ_FILE = 6, /* args: path; response: the file's contents */
    LKMEMU_HARNESS_OP_LS = 7,        /* args: path; flags: LKMEMU_HARNESS_LS_*; response: ls's
                                        lines (names sorted; with -l: mode, links, uid, gid, size,
                                        name and "-> target" for a symlink, no dates) */
    LKMEMU_HARNESS_OP_EXEC = 8,      /* args: the program's path, then argv[0..n), each string
                                        NUL-terminated; init forks, the child execve's the path
                                        (stdin /dev/null, stdout and stderr init's pipe); response:
                                        the output, in parts (LKMEMU_HARNESS_RESPONSE_MORE), and
                                        the child's wait status (see the response) */
    LKMEMU_HARNESS_OP_INSMOD_FILE = 9, /* args: a guest path, then the parameter string, each
                                          NUL-terminated; flags as INSMOD: init opens the guest's
                                          file and calls finit_module(2) on it */
};

/* RMMOD's flags: delete_module(2)'s own (lkmemu/fcntl.h: LKM_O_NONBLOCK, LKM_O_TRUNC for
 * rmmod -f), passed on as they are, and the harness's: */
#define LKMEMU_HARNESS_RMMOD_WAIT (1u << 31) /* rmmod -w: init retries while the module is busy */

/* LS's flags. */
#define LKMEMU_HARNESS_LS_LONG (1u << 0) /* ls -l */

/* A request, as init reads it from /dev/harness: this header, then args_length bytes of
 * arguments. The arguments are one NUL-terminated string (args_length counts the NUL; "" for an
 * op without arguments), so that init can hand them to a system call where they lie. The
 * request's data_length bytes of data are read from /dev/harness_data. */
struct lkmemu_harness_request {
    uint32_t op; /* enum lkmemu_harness_op */
    uint32_t flags;
    uint32_t args_length;
    uint32_t data_length;
};

/* A response, as init writes it to /dev/harness: this header, then text_length bytes of text.
 *
 * status: 0 or a negative errno, as the system call returned it. A positive status is a wait
 * status (wait4(2)'s word: exit code << 8, or the signal in the low 7 bits): the child init ran
 * the request in exited with it (EXEC: any exit but 0), or was killed by that signal before it
 * could answer (INSMOD, RMMOD: made in a child, as a shell runs kmod's insmod). A status word of
 * 0 (EXEC: exit 0) is status 0.
 *
 * A long answer comes in parts: every response but the last has LKMEMU_HARNESS_RESPONSE_MORE, and
 * the host joins their texts; the last one's status and flags are the answer's. */
struct lkmemu_harness_response {
    int32_t status;
    uint32_t text_length;
    uint32_t flags; /* LKMEMU_HARNESS_RESPONSE_* */
};

#define LKMEMU_HARNESS_RESPONSE_MORE (1u << 0)       /* a part: more of this answer follows */
#define LKMEMU_HARNESS_RESPONSE_NOT_OPENED (1u << 1) /* the status is the open(2) of the request's
                                                        path: the file could not be opened (cat,
                                                        INSMOD_FILE), not the call it was for */

/* wait4(2)'s status word, as Linux's WIFEXITED / WEXITSTATUS / WTERMSIG read it. */
#define LKMEMU_WAIT_EXITED(status) (((status) & 0x7f) == 0)
#define LKMEMU_WAIT_EXIT_CODE(status) (((status) >> 8) & 0xff)
#define LKMEMU_WAIT_SIGNALED(status) (((status) & 0x7f) != 0 && ((status) & 0x7f) != 0x7f)
#define LKMEMU_WAIT_TERM_SIGNAL(status) ((status) & 0x7f)
