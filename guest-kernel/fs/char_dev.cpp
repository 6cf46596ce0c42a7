// Character devices by major number, and the device nodes that name them (a devtmpfs stand-in).
// Majors are Linux's: below CHRDEV_MAJOR_MAX, and register_chrdev(0, ...) picks a free one from
// the same dynamic ranges, 254 down to 234, then 511 down to 384. Device nodes are as many as
// are registered, found by path through a hashed table.
#include "internal.h"

#include <lkmemu/errno.h>
#include <kernel/slab.h>
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

struct device_node {
    path_entry entry; // first: the table's entry is the node
    unsigned major;
    unsigned minor;
    u32 mode;
    char* path() { return reinterpret_cast<char*>(this + 1); } // allocated behind the node
};
path_table g_nodes;

device_node* node_of(path_entry* entry) { return reinterpret_cast<device_node*>(entry); }

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
    size_t length = strlen(path);
    if (major >= CHRDEV_MAJOR_MAX)
        return -LKM_EINVAL;
    if (length >= PATH_MAX)
        return -LKM_ENAMETOOLONG;
    if (g_nodes.find(path))
        return -LKM_EEXIST;
    auto* node = static_cast<device_node*>(kmalloc(sizeof(device_node) + length + 1));
    if (!node)
        return -LKM_ENOMEM;
    memcpy(node->path(), path, length + 1);
    node->major = major;
    node->minor = minor;
    node->mode = mode;
    g_nodes.insert(&node->entry, node->path());
    return 0;
}

void unregister_device_node(const char* path)
{
    path_entry* entry = g_nodes.find(path);
    if (!entry)
        return;
    g_nodes.remove(entry);
    kfree(node_of(entry));
}

bool lookup_device_node(const char* path, const file_operations** fops, unsigned* minor, u32* mode)
{
    path_entry* entry = g_nodes.find(path);
    if (!entry)
        return false;
    const device_node* node = node_of(entry);
    *fops = g_chrdevs[node->major].fops; // nullptr: node without a driver (ENXIO)
    *minor = node->minor;
    *mode = node->mode;
    return true;
}
