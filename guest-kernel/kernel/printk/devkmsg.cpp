// /dev/kmsg (character device 1:11, as Linux's): the log, one record per read(), for readers
// that want only what is new — open, lseek(fd, 0, SEEK_END), later read until EAGAIN. This is
// how init learns the kernel's reason when an insmod fails (user/kmod.cpp).
//
// As Linux: a reader starts at the oldest stored record; a record larger than the read buffer is
// EINVAL; a reader whose next record was overwritten gets EPIPE once and continues at the oldest;
// with no new record, O_NONBLOCK gives EAGAIN and a blocking read waits (halting between ticks).
// A write is logged as one message (Linux's devkmsg_write): a leading "<N>" gives its level, else
// the default. SEEK_DATA is not supported.
#include <lkmemu/errno.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/mem_devices.h>
#include <kernel/printk.h>

namespace {

constexpr unsigned MEM_MAJOR = 1; // Linux's "mem" devices: 1:11 is kmsg
constexpr unsigned KMSG_MINOR = 11;
constexpr size_t STORED_MAX = 640;                // printk's longest line (emit_line)
constexpr size_t RECORD_MAX = 4 * STORED_MAX + 64; // every byte escaped, plus the prefix

// f_pos is the sequence number of the reader's next record.
int devkmsg_open(file* f)
{
    f->f_pos = log_first_seq();
    return 0;
}

ssize_t devkmsg_read(file* f, u64 user_buf, size_t count)
{
    char stored[STORED_MAX];
    size_t stored_length = 0;
    for (;;) {
        if (f->f_pos < log_first_seq()) {
            f->f_pos = log_first_seq();
            return -LKM_EPIPE; // records were overwritten before this reader saw them
        }
        stored_length = log_read_record(f->f_pos, stored, sizeof(stored));
        if (stored_length)
            break;
        if (f->f_flags & O_NONBLOCK)
            return -LKM_EAGAIN;
        safe_halt(); // a timer callback (a module's) may print; nothing else can
        local_irq_disable();
    }
    char record[RECORD_MAX];
    size_t length = kmsg_format_record(stored, stored_length, f->f_pos, record, sizeof(record));
    if (length > sizeof(record) || length > count)
        return -LKM_EINVAL;
    if (copy_to_user(user_buf, record, length))
        return -LKM_EFAULT;
    f->f_pos++;
    return static_cast<ssize_t>(length);
}

ssize_t devkmsg_write(file*, u64 user_buf, size_t count)
{
    char text[STORED_MAX];
    size_t length = min(count, sizeof(text) - 1);
    if (copy_from_user(text, user_buf, length))
        return -LKM_EFAULT;
    text[length] = 0;
    const char* message = text;
    int level = LOGLEVEL_DEFAULT;
    if (length >= 3 && text[0] == '<' && text[1] >= '0' && text[1] <= '7' && text[2] == '>') {
        level = text[1] - '0';
        message += 3;
    }
    printk(KERN_SOH "%c%s", '0' + level, message);
    return static_cast<ssize_t>(count);
}

long devkmsg_llseek(file* f, s64 offset, int whence)
{
    if (offset != 0)
        return -LKM_ESPIPE;
    switch (whence) {
    case SEEK_SET:
        f->f_pos = log_first_seq();
        return 0;
    case SEEK_END:
        f->f_pos = log_next_seq();
        return 0;
    default:
        return -LKM_EINVAL;
    }
}

} // namespace

// Opened through the mem driver's major (drivers/char/mem.cpp), as Linux's kmsg_fops.
const file_operations devkmsg_fops = { devkmsg_open, devkmsg_read, devkmsg_write, nullptr, devkmsg_llseek, nullptr };

void devkmsg_init()
{
    int error = register_device_node("/dev/kmsg", MEM_MAJOR, KMSG_MINOR, 0644);
    if (error < 0)
        pr_err("printk: cannot register /dev/kmsg: %d\n", error);
}
