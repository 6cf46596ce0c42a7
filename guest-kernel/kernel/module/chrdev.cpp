// register_chrdev / unregister_chrdev as modules see them (the SDK's linux/fs.h): Linux's
// struct file and file_operations layouts, major 0 picks a free major, and the device node
// /dev/NAME comes and goes with the registration. The kernel's own character-device layer
// (fs/char_dev.cpp) has a smaller file_operations; each module registration gets an adapter
// that holds the kernel-side operations and forwards to the module's, with a Linux-layout
// struct file per open. As Linux's chrdev_open does with fops_get, open takes a reference on
// fops->owner (the module's __this_module) and release drops it, so a module with an open file
// cannot be removed.
#include "internal.h"

#include <lkmemu/fs.h>
#include <kernel/fs.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/vsprintf.h>

extern "C" bool try_module_get(module* owner);
extern "C" void module_put(module* owner);

namespace {

// The module's side of a file: the contract's struct file and file_operations (abi/lkmemu/fs.h),
// which the SDK gives modules under Linux's names. fops->owner is really the address of the
// owner's __this_module.
using sdk_file = lkm_file;
using sdk_file_operations = lkm_file_operations;

constexpr unsigned FMODE_READ = LKM_FMODE_READ, FMODE_WRITE = LKM_FMODE_WRITE;

struct module_chrdev {
    file_operations kernel_fops; // first: f->f_op points here
    const sdk_file_operations* fops;
    unsigned major;
    char name[32];
    char path[48];
    module_chrdev* next; // in g_chrdevs
};
module_chrdev* g_chrdevs; // every module registration, newest first

const module_chrdev* adapter_of(const file* f) { return reinterpret_cast<const module_chrdev*>(f->f_op); }
sdk_file* sdk_file_of(const file* f) { return static_cast<sdk_file*>(f->private_data); }

int adapter_open(file* f)
{
    const sdk_file_operations* fops = adapter_of(f)->fops;
    if (fops->owner && !try_module_get(fops->owner))
        return -LKM_ENXIO; // the module is going away
    auto* sf = static_cast<sdk_file*>(kmalloc(sizeof(sdk_file)));
    if (!sf) {
        module_put(fops->owner);
        return -LKM_ENOMEM;
    }
    u32 access = f->f_flags & O_ACCMODE;
    *sf = { fops, f->f_flags, (access != O_WRONLY ? FMODE_READ : 0) | (access != O_RDONLY ? FMODE_WRITE : 0), 0, nullptr };
    f->private_data = sf;
    int ret = fops->open ? fops->open(nullptr, sf) : 0;
    if (ret < 0) {
        kfree(sf);
        f->private_data = nullptr;
        module_put(fops->owner);
    }
    return ret;
}

ssize_t adapter_read(file* f, u64 buf, size_t count)
{
    sdk_file* sf = sdk_file_of(f);
    return sf->f_op->read ? sf->f_op->read(sf, reinterpret_cast<char*>(buf), count, &sf->f_pos) : -LKM_EINVAL;
}

ssize_t adapter_write(file* f, u64 buf, size_t count)
{
    sdk_file* sf = sdk_file_of(f);
    return sf->f_op->write ? sf->f_op->write(sf, reinterpret_cast<const char*>(buf), count, &sf->f_pos) : -LKM_EINVAL;
}

void adapter_release(file* f)
{
    sdk_file* sf = sdk_file_of(f);
    const sdk_file_operations* fops = sf->f_op;
    if (fops->release)
        fops->release(nullptr, sf);
    kfree(sf);
    module_put(fops->owner);
}

} // namespace

extern "C" {

int export_register_chrdev(unsigned major, const char* name, const sdk_file_operations* fops) asm("register_chrdev");
int export_register_chrdev(unsigned major, const char* name, const sdk_file_operations* fops)
{
    if (!name || !fops || !*name || strlen(name) >= sizeof(module_chrdev::name) || strchr(name, '/'))
        return -LKM_EINVAL;
    auto* dev = static_cast<module_chrdev*>(kmalloc(sizeof(module_chrdev)));
    if (!dev)
        return -LKM_ENOMEM;
    dev->kernel_fops = { adapter_open, adapter_read, adapter_write, adapter_release, nullptr, nullptr };
    dev->fops = fops;
    strlcpy(dev->name, name, sizeof(dev->name));
    snprintf(dev->path, sizeof(dev->path), "/dev/%s", name);
    int ret = register_chrdev(major, dev->name, &dev->kernel_fops); // major 0: a free one, returned
    if (ret < 0) {
        kfree(dev);
        return ret;
    }
    dev->major = major ? major : static_cast<unsigned>(ret);
    ret = register_device_node(dev->path, dev->major, 0, 0600);
    if (ret < 0) {
        unregister_chrdev(dev->major);
        kfree(dev);
        return ret == -LKM_EEXIST ? -LKM_EBUSY : ret; // the name is another device's
    }
    dev->next = g_chrdevs;
    g_chrdevs = dev;
    return major ? 0 : static_cast<int>(dev->major);
}

void export_unregister_chrdev(unsigned major, const char* name) asm("unregister_chrdev");
void export_unregister_chrdev(unsigned major, const char* name)
{
    for (module_chrdev** link = &g_chrdevs; *link; link = &(*link)->next) {
        module_chrdev* dev = *link;
        if (dev->major != major || !name || strcmp(dev->name, name) != 0)
            continue;
        *link = dev->next;
        unregister_device_node(dev->path);
        unregister_chrdev(major);
        kfree(dev);
        return;
    }
    pr_warn("unregister_chrdev: %u %s was not registered\n", major, name ? name : "(null)");
}

} // extern "C"

unsigned unregister_module_chrdevs(u64 start, u64 size, const char* module_name)
{
    auto inside = [&](const void* p) { return reinterpret_cast<u64>(p) - start < size; };
    unsigned removed = 0;
    for (module_chrdev** link = &g_chrdevs; *link;) {
        module_chrdev* dev = *link;
        const sdk_file_operations* fops = dev->fops;
        bool points_inside = inside(fops) || inside(fops->owner) || inside(reinterpret_cast<const void*>(fops->read))
            || inside(reinterpret_cast<const void*>(fops->write)) || inside(reinterpret_cast<const void*>(fops->open))
            || inside(reinterpret_cast<const void*>(fops->release)) || inside(reinterpret_cast<const void*>(fops->llseek));
        if (!points_inside) {
            link = &dev->next;
            continue;
        }
        pr_warn("module %s left a character device registered: %s, major %u (unregistered)\n", module_name, dev->path,
                dev->major);
        *link = dev->next;
        unregister_device_node(dev->path);
        unregister_chrdev(dev->major);
        kfree(dev);
        removed++;
    }
    return removed;
}
