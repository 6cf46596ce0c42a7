// /dev/harness: the lkmemu harness mailbox (abi/lkmemu/harness.h) as a character device.
// read() learns the host's next request's length from the device (PEEK_REQUEST), fetches the
// request into a kernel bounce buffer of that size (GET_REQUEST) and copies it to the caller;
// write() copies a response from the caller and hands it over (PUT_RESPONSE). The device DMAs to
// and from guest-physical memory, so bounce buffers are physically contiguous kmalloc memory.
//
// The device is exclusive, as Linux's exclusive character devices: its one opener is init, and
// any later open() is EBUSY, so no other reader can take init's requests.
//
// /dev/harness_data (minor 1) is the data of the request read last (an insmod's module file), as
// a regular file of the header's data_length bytes: finit_module(2) reads it with the kernel's
// own read (read_kernel), which has the device write straight into the kernel's buffer (GET_DATA),
// so the image crosses from the host once. read() serves the init_module(2) path, through a
// bounce buffer. Its size changes with every request, as a file rewritten between reads would.
#include <lkmemu/devices.h>
#include <lkmemu/errno.h>
#include <lkmemu/harness.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/harness.h>
#include <kernel/printk.h>
#include <kernel/slab.h>

namespace {

constexpr unsigned HARNESS_MAJOR = 240; // from Linux's "local/experimental use" range
constexpr unsigned HARNESS_MINOR = 0, HARNESS_DATA_MINOR = 1;
constexpr size_t DATA_BOUNCE_SIZE = 64 * 1024; // read()'s bounce buffer for the data

bool g_present;
bool g_open; // held by its one opener (init) until it closes it
lkm_inode g_data_inode { S_IFREG | 0400, 0 }; // i_size: the current request's data_length

u32 reg_read(u16 reg) { return inl(LKMEMU_PORT_HARNESS + reg); }
void reg_write(u16 reg, u32 value) { outl(LKMEMU_PORT_HARNESS + reg, value); }

// Run one device command; returns the device's status (0 or -errno).
int harness_command(u32 command)
{
    reg_write(LKMEMU_HARNESS_REG_COMMAND, command);
    return static_cast<int>(reg_read(LKMEMU_HARNESS_REG_STATUS));
}

// Run one device command on a buffer.
int harness_command(u32 command, const void* buffer, u32 length)
{
    u64 phys = __pa(buffer);
    reg_write(LKMEMU_HARNESS_REG_ADDR_LO, static_cast<u32>(phys));
    reg_write(LKMEMU_HARNESS_REG_ADDR_HI, static_cast<u32>(phys >> 32));
    reg_write(LKMEMU_HARNESS_REG_LENGTH, length);
    return harness_command(command);
}

extern const file_operations g_harness_data_fops;

int harness_open(file* f)
{
    if (!g_present)
        return -LKM_ENODEV;
    if (f->minor == HARNESS_DATA_MINOR) {
        f->f_op = &g_harness_data_fops; // as Linux's chrdev_open hands over to the minor's fops
        f->f_inode = &g_data_inode;
        return 0;
    }
    if (g_open)
        return -LKM_EBUSY;
    g_open = true;
    return 0;
}

void harness_release(file*) { g_open = false; }

// Takes the pending request and throws it away (a GET_REQUEST into no buffer).
void drop_request()
{
    g_data_inode.i_size = 0; // its data goes with it
    reg_write(LKMEMU_HARNESS_REG_ADDR_LO, 0);
    reg_write(LKMEMU_HARNESS_REG_ADDR_HI, 0);
    reg_write(LKMEMU_HARNESS_REG_LENGTH, 0);
    harness_command(LKMEMU_HARNESS_CMD_GET_REQUEST);
}

// One request per read(), taken from the device whole in one GET_REQUEST. A request larger than
// the caller's buffer is still taken (it would block every later one otherwise) and delivered
// truncated, as a datagram socket does; its header says how long it really was, so the reader
// can tell. Once the host has handed out a request, read() consumes it even when it fails
// (ENOMEM: no bounce buffer for it; EFAULT: the caller's buffer cannot take it), so that the
// reader can answer it with the error and the next read() gets the next request.
ssize_t harness_read(file*, u64 user_buf, size_t count)
{
    if (count < sizeof(lkmemu_harness_request))
        return -LKM_EINVAL;
    int status = harness_command(LKMEMU_HARNESS_CMD_PEEK_REQUEST);
    if (status == LKMEMU_HARNESS_STATUS_WAIT) {
        // The host lets guest time pass first (`sleep`): halt with interrupts on, so the timer
        // ticks and its callbacks run, and ask again after each interrupt.
        do {
            safe_halt();
            status = harness_command(LKMEMU_HARNESS_CMD_PEEK_REQUEST);
        } while (status == LKMEMU_HARNESS_STATUS_WAIT);
        local_irq_disable();
    }
    if (status < 0)
        return status;
    size_t length = reg_read(LKMEMU_HARNESS_REG_LENGTH);
    size_t capacity = min(min(length, count), static_cast<size_t>(LKMEMU_HARNESS_MAX_MESSAGE));
    KBuffer<u8> bounce(capacity);
    if (!bounce) {
        drop_request();
        return -LKM_ENOMEM;
    }
    status = harness_command(LKMEMU_HARNESS_CMD_GET_REQUEST, bounce.get(), static_cast<u32>(capacity));
    if (status < 0) {
        drop_request();
        return status;
    }
    if (reg_read(LKMEMU_HARNESS_REG_LENGTH) != length)
        return -LKM_EIO; // the device delivered another request than it announced
    lkmemu_harness_request header {};
    if (capacity >= sizeof header)
        __builtin_memcpy(&header, bounce.get(), sizeof header);
    g_data_inode.i_size = header.data_length; // /dev/harness_data is this request's data now
    if (copy_to_user(user_buf, bounce.get(), capacity))
        return -LKM_EFAULT;
    return static_cast<ssize_t>(capacity);
}

ssize_t harness_write(file*, u64 user_buf, size_t count)
{
    if (count < sizeof(lkmemu_harness_response) || count > LKMEMU_HARNESS_MAX_MESSAGE)
        return -LKM_EINVAL;
    KBuffer<u8> bounce(count);
    if (!bounce)
        return -LKM_ENOMEM;
    if (copy_from_user(bounce.get(), user_buf, count))
        return -LKM_EFAULT;
    int status = harness_command(LKMEMU_HARNESS_CMD_PUT_RESPONSE, bounce.get(), static_cast<u32>(count));
    if (status < 0)
        return status;
    return static_cast<ssize_t>(count);
}

// Up to count bytes of the current request's data at pos, by the device, into buf (guest-physical
// memory the device writes: it must be in the direct map). The count copied, 0 at the end.
ssize_t get_data(void* buf, size_t count, u64 pos)
{
    if (pos >= g_data_inode.i_size)
        return 0;
    count = min(count, static_cast<size_t>(g_data_inode.i_size - pos));
    count = min(count, static_cast<size_t>(0x80000000u)); // LENGTH is 32 bits
    reg_write(LKMEMU_HARNESS_REG_DATA_OFFSET, static_cast<u32>(pos));
    int status = harness_command(LKMEMU_HARNESS_CMD_GET_DATA, buf, static_cast<u32>(count));
    if (status < 0)
        return status;
    return static_cast<ssize_t>(reg_read(LKMEMU_HARNESS_REG_LENGTH));
}

bool in_direct_map(const void* buf, size_t count)
{
    u64 v = reinterpret_cast<u64>(buf);
    return v >= DIRECT_MAP_BASE && v < VMAP_STACK_START && count <= VMAP_STACK_START - v;
}

ssize_t harness_data_read_kernel(file*, void* buf, size_t count, u64 pos)
{
    if (!in_direct_map(buf, count))
        return -LKM_EINVAL;
    return get_data(buf, count, pos);
}

ssize_t harness_data_read(file* f, u64 user_buf, size_t count)
{
    KBuffer<u8> bounce(min(count, DATA_BOUNCE_SIZE) ? min(count, DATA_BOUNCE_SIZE) : 1);
    if (!bounce)
        return -LKM_ENOMEM;
    size_t done = 0;
    while (done < count) {
        ssize_t n = get_data(bounce.get(), min(count - done, DATA_BOUNCE_SIZE), f->f_pos);
        if (n < 0)
            return done ? static_cast<ssize_t>(done) : n;
        if (n == 0)
            break;
        if (copy_to_user(user_buf + done, bounce.get(), static_cast<size_t>(n)))
            return done ? static_cast<ssize_t>(done) : -LKM_EFAULT;
        done += static_cast<size_t>(n);
        f->f_pos += static_cast<u64>(n);
    }
    return static_cast<ssize_t>(done);
}

// Only back to the start (or to any offset from it): init reads each request's data from 0.
long harness_data_llseek(file* f, s64 offset, int whence)
{
    if (whence != SEEK_SET || offset < 0)
        return -LKM_EINVAL;
    f->f_pos = static_cast<u64>(offset);
    return offset;
}

const file_operations g_harness_fops = { harness_open, harness_read, harness_write, harness_release, nullptr, nullptr };
const file_operations g_harness_data_fops
    = { nullptr, harness_data_read, nullptr, nullptr, harness_data_llseek, harness_data_read_kernel };

} // namespace

void harness_init()
{
    u32 id = reg_read(LKMEMU_HARNESS_REG_ID);
    g_present = id == LKMEMU_HARNESS_ID;
    // Debug level: the line differs between lkmemu and QEMU, and the console transcript up to
    // "Run /init" must not (docs/kernel.md).
    if (g_present)
        pr_debug("harness: lkmemu harness at %#x\n", LKMEMU_PORT_HARNESS);
    else
        pr_debug("harness: none (ID register reads %#x)\n", id);
    int error = register_chrdev(HARNESS_MAJOR, "harness", &g_harness_fops);
    if (error == 0)
        error = register_device_node("/dev/harness", HARNESS_MAJOR, HARNESS_MINOR, 0600);
    if (error == 0)
        error = register_device_node("/dev/harness_data", HARNESS_MAJOR, HARNESS_DATA_MINOR, 0400);
    if (error < 0)
        pr_err("harness: cannot register /dev/harness: %d\n", error);
}
