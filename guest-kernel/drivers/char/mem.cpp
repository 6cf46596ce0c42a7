// /dev/null and /dev/zero, as Linux's drivers/char/mem.c (major 1, minors 3 and 5): the stdin
// the harness's exec gives a program, and what a shell's `> /dev/null` writes to.
#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/mem_devices.h>
#include <kernel/printk.h>

namespace {

constexpr unsigned MEM_MAJOR = 1; // Linux's
constexpr unsigned NULL_MINOR = 3, ZERO_MINOR = 5, KMSG_MINOR = 11;

ssize_t read_null(file*, u64, size_t) { return 0; }
ssize_t write_null(file*, u64, size_t count) { return static_cast<ssize_t>(count); }
// Linux's null_lseek: the position stays 0.
long null_lseek(file* f, s64, int)
{
    f->f_pos = 0;
    return 0;
}

ssize_t read_zero(file*, u64 user_buf, size_t count)
{
    static const u8 zeros[512] = {};
    size_t done = 0;
    while (done < count) {
        size_t n = min(count - done, sizeof(zeros));
        if (copy_to_user(user_buf + done, zeros, n))
            return done ? static_cast<ssize_t>(done) : -LKM_EFAULT;
        done += n;
    }
    return static_cast<ssize_t>(done);
}

const file_operations g_null_fops = { .read = read_null, .write = write_null, .llseek = null_lseek };
const file_operations g_zero_fops = { .read = read_zero, .write = write_null, .llseek = null_lseek };

// As Linux's memory_open: the minor picks the device's operations.
int memory_open(file* f)
{
    switch (f->minor) {
    case NULL_MINOR:
        f->f_op = &g_null_fops;
        return 0;
    case ZERO_MINOR:
        f->f_op = &g_zero_fops;
        return 0;
    case KMSG_MINOR:
        f->f_op = &devkmsg_fops;
        return devkmsg_fops.open ? devkmsg_fops.open(f) : 0;
    default:
        return -LKM_ENXIO;
    }
}

const file_operations g_memory_fops = { .open = memory_open };

} // namespace

void chr_dev_init()
{
    int error = register_chrdev(MEM_MAJOR, "mem", &g_memory_fops);
    if (error == 0)
        error = register_device_node("/dev/null", MEM_MAJOR, NULL_MINOR, 0666);
    if (error == 0)
        error = register_device_node("/dev/zero", MEM_MAJOR, ZERO_MINOR, 0666);
    if (error < 0)
        pr_err("mem: cannot register /dev/null and /dev/zero: %d\n", error);
}
