// The harness device: a mailbox between the host (lkmemu's command runner) and the guest.
//
// The kernel's driver exposes it to user space as the character device /dev/harness. The init
// process read()s one request at a time and write()s one response per request; the kernel driver
// moves the bytes with the device's DMA registers below. Under QEMU the ports read as all-ones,
// so LKMEMU_HARNESS_REG_ID does not match and the kernel knows no harness is attached.
//
// Registers (32-bit port I/O at LKMEMU_PORT_HARNESS + offset):
//   REG_ID        r   LKMEMU_HARNESS_ID
//   REG_ADDR_LO   w   guest-physical buffer address, low 32 bits
//   REG_ADDR_HI   w   ... high 32 bits
//   REG_LENGTH    rw  w: buffer capacity (GET_REQUEST) or message length (PUT_RESPONSE);
//                     r: after GET_REQUEST, the request's length
//   REG_COMMAND   w   LKMEMU_HARNESS_CMD_*; the device completes it before the OUT returns
//   REG_STATUS    r   0, or a negative errno for the last command (-E2BIG: buffer too small,
//                     -EFAULT: buffer outside RAM)
// A GET_REQUEST blocks (the guest CPU is stopped) until the host has a command; when the host has
// none left it answers with a request whose op is LKMEMU_HARNESS_OP_POWEROFF.
#pragma once

#include <stdint.h>

#define LKMEMU_HARNESS_ID 0x4e484b4cu /* "LKHN" */

#define LKMEMU_HARNESS_REG_ID 0x0
#define LKMEMU_HARNESS_REG_ADDR_LO 0x4
#define LKMEMU_HARNESS_REG_ADDR_HI 0x8
#define LKMEMU_HARNESS_REG_LENGTH 0xc
#define LKMEMU_HARNESS_REG_COMMAND 0x10
#define LKMEMU_HARNESS_REG_STATUS 0x14

#define LKMEMU_HARNESS_CMD_GET_REQUEST 1
#define LKMEMU_HARNESS_CMD_PUT_RESPONSE 2

enum lkmemu_harness_op {
    LKMEMU_HARNESS_OP_POWEROFF = 1,      /* no arguments: init powers the machine off */
    LKMEMU_HARNESS_OP_DMESG = 2,         /* no arguments: syslog(SYSLOG_ACTION_READ_ALL) */
    LKMEMU_HARNESS_OP_INSMOD = 3,        /* args: parameter string; data: the .ko image */
    LKMEMU_HARNESS_OP_RMMOD = 4,         /* args: module name; flags: O_NONBLOCK|O_TRUNC */
    LKMEMU_HARNESS_OP_LSMOD = 5,         /* no arguments: the text of /proc/modules */
    LKMEMU_HARNESS_OP_READ_FILE = 6,     /* args: path; response: the file's contents */
};

/* A request, as init reads it from /dev/harness: this header, then args_length bytes of
 * arguments (not NUL-terminated), then data_length bytes of data. */
struct lkmemu_harness_request {
    uint32_t op; /* enum lkmemu_harness_op */
    uint32_t flags;
    uint32_t args_length;
    uint32_t data_length;
};

/* A response, as init writes it to /dev/harness: this header, then text_length bytes of text. */
struct lkmemu_harness_response {
    int32_t status; /* 0 or a negative errno, as the system call returned it */
    uint32_t text_length;
};
