// Character devices by major number (Linux's fs/char_dev.c). Majors are Linux's: below
// CHRDEV_MAJOR_MAX, and register_chrdev(0, ...) picks a free one from the same dynamic ranges,
// 254 down to 234, then 511 down to 384. A device node is a character-device inode in the tree
// (devtmpfs's nodes under /dev); opening it hands the file to the driver of its major.
#include "ramfs/ramfs.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <kernel/string.h>

namespace {

// Linux's fs/char_dev.c limits: the major space is bounded, the number of devices is not capped
// below it.
constexpr unsigned CHRDEV_MAJOR_MAX = 512;
constexpr unsigned CHRDEV_MAJOR_DYN_END = 234;        // 254 .. 234
constexpr unsigned CHRDEV_MAJOR_DYN_EXT_START = 511;  // then 511 .. 384
constexpr unsigned CHRDEV_MAJOR_DYN_EXT_END = 384;

struct chrdev {
    const char* name;
    const file_operations* fops;
};
chrdev g_chrdevs[CHRDEV_MAJOR_MAX]; // by major

// Linux's find_dynamic_major.
int find_dynamic_major()
{
    for (unsigned major = 254; major >= CHRDEV_MAJOR_DYN_END; major--) {
        if (!g_chrdevs[major].fops)
            return static_cast<int>(major);
    }
    for (unsigned major = CHRDEV_MAJOR_DYN_EXT_START; major >= CHRDEV_MAJOR_DYN_EXT_END; major--) {
        if (!g_chrdevs[major].fops)
            return static_cast<int>(major);
    }
    return -LKM_EBUSY;
}

} // namespace

const file_operations* chrdev_fops(unsigned major) { return major < CHRDEV_MAJOR_MAX ? g_chrdevs[major].fops : nullptr; }

// Linux's chrdev_open: the driver's operations replace the inode's, and its open runs.
int chrdev_open(file* f)
{
    const file_operations* fops = chrdev_fops(MAJOR(file_inode(f)->i_rdev));
    if (!fops)
        return -LKM_ENXIO;
    f->f_op = fops;
    f->minor = MINOR(file_inode(f)->i_rdev);
    f->f_inode = nullptr; // not a regular file, unless the driver says so
    return fops->open ? fops->open(f) : 0;
}

const file_operations def_chr_fops = { .open = chrdev_open };

int register_chrdev(unsigned major, const char* name, const file_operations* fops)
{
    if (major >= CHRDEV_MAJOR_MAX || !fops)
        return -LKM_EINVAL;
    int result = 0;
    if (major == 0) {
        result = find_dynamic_major();
        if (result < 0)
            return result;
        major = static_cast<unsigned>(result);
    }
    if (g_chrdevs[major].fops)
        return -LKM_EBUSY;
    g_chrdevs[major] = { name, fops };
    return result;
}

void unregister_chrdev(unsigned major)
{
    if (major < CHRDEV_MAJOR_MAX)
        g_chrdevs[major] = {};
}

int register_device_node(const char* path, unsigned major, unsigned minor, u32 mode)
{
    if (major >= CHRDEV_MAJOR_MAX)
        return -LKM_EINVAL;
    if (strlen(path) >= PATH_MAX)
        return -LKM_ENAMETOOLONG;
    return do_mknodat(LKM_AT_FDCWD, path, S_IFCHR | (mode & S_IALLUGO), MKDEV(major, minor));
}

void unregister_device_node(const char* path) { do_unlinkat(LKM_AT_FDCWD, path); }
