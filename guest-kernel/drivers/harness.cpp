// /dev/harness: the lkmemu harness mailbox (abi/lkmemu/harness.h) as a character device.
// read() fetches the host's next request into a kernel bounce buffer (GET_REQUEST) and copies it
// to the caller; write() copies a response from the caller and hands it over (PUT_RESPONSE).
// The device DMAs to and from guest-physical memory, so bounce buffers are physically contiguous
// kmalloc memory, sized per request (a module image can be megabytes).
#include <lkmemu/devices.h>
#include <lkmemu/errno.h>
#include <lkmemu/harness.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/harness.h>
#include <kernel/printk.h>
#include <kernel/slab.h>

namespace {

constexpr unsigned HARNESS_MAJOR = 240; // from Linux's "local/experimental use" range
constexpr size_t HARNESS_MAX_TRANSFER = 64ull << 20;

bool g_present;

u32 reg_read(u16 reg) { return inl(LKMEMU_PORT_HARNESS + reg); }
void reg_write(u16 reg, u32 value) { outl(LKMEMU_PORT_HARNESS + reg, value); }

// Run one device command on a buffer; returns the device's status (0 or -errno).
int harness_command(u32 command, const void* buffer, u32 length)
{
    u64 phys = __pa(buffer);
    reg_write(LKMEMU_HARNESS_REG_ADDR_LO, static_cast<u32>(phys));
    reg_write(LKMEMU_HARNESS_REG_ADDR_HI, static_cast<u32>(phys >> 32));
    reg_write(LKMEMU_HARNESS_REG_LENGTH, length);
    reg_write(LKMEMU_HARNESS_REG_COMMAND, command);
    return static_cast<int>(reg_read(LKMEMU_HARNESS_REG_STATUS));
}

int harness_open(file*) { return g_present ? 0 : -LKM_ENODEV; }

// One request per read(). A request larger than the caller's buffer is still taken from the
// device (it would block every later one otherwise) and delivered truncated, as a datagram
// socket does; its header says how long it really was, so the reader can tell and answer E2BIG.
ssize_t harness_read(file*, u64 user_buf, size_t count)
{
    if (count < sizeof(lkmemu_harness_request))
        return -LKM_EINVAL;
    // Most requests are a few bytes: start with a page and let the device say (E2BIG) when it
    // needs more, rather than allocate (and zero) the caller's whole buffer for each request.
    size_t capacity = min(count, PAGE_SIZE);
    KBuffer<u8> bounce(capacity);
    if (!bounce)
        return -LKM_ENOMEM;
    int status = harness_command(LKMEMU_HARNESS_CMD_GET_REQUEST, bounce.get(), static_cast<u32>(capacity));
    if (status == -LKM_E2BIG) {
        size_t needed = reg_read(LKMEMU_HARNESS_REG_LENGTH); // the device keeps the request pending
        if (needed > HARNESS_MAX_TRANSFER)
            return -LKM_E2BIG;
        bounce = KBuffer<u8>(needed);
        if (!bounce)
            return -LKM_ENOMEM;
        capacity = needed;
        status = harness_command(LKMEMU_HARNESS_CMD_GET_REQUEST, bounce.get(), static_cast<u32>(capacity));
    }
    if (status < 0)
        return status;
    size_t length = reg_read(LKMEMU_HARNESS_REG_LENGTH);
    if (length > capacity)
        return -LKM_EIO; // the device claims more than it was allowed to write
    size_t delivered = min(length, count);
    if (copy_to_user(user_buf, bounce.get(), delivered))
        return -LKM_EFAULT;
    return static_cast<ssize_t>(delivered);
}

ssize_t harness_write(file*, u64 user_buf, size_t count)
{
    if (count < sizeof(lkmemu_harness_response) || count > HARNESS_MAX_TRANSFER)
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

const file_operations g_harness_fops = { harness_open, harness_read, harness_write, nullptr, nullptr };

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
        error = register_device_node("/dev/harness", HARNESS_MAJOR, 0, 0600);
    if (error < 0)
        pr_err("harness: cannot register /dev/harness: %d\n", error);
}
