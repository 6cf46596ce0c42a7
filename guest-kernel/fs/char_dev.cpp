// Character devices by major number, and the device nodes that name them.
#include <lkmemu/errno.h>
#include <kernel/fs.h>
#include <kernel/string.h>

namespace {

constexpr unsigned MAX_CHRDEV = 256;
constexpr size_t MAX_NODES = 16;

struct chrdev {
    const char* name;
    const file_operations* fops;
};
chrdev g_chrdevs[MAX_CHRDEV];

struct device_node {
    char path[64];
    unsigned major;
    unsigned minor;
    u32 mode;
};
device_node g_nodes[MAX_NODES];
size_t g_nr_nodes;

} // namespace

int register_chrdev(unsigned major, const char* name, const file_operations* fops)
{
    if (major == 0 || major >= MAX_CHRDEV || !fops)
        return -LKM_EINVAL;
    if (g_chrdevs[major].fops)
        return -LKM_EBUSY;
    g_chrdevs[major] = { name, fops };
    return 0;
}

void unregister_chrdev(unsigned major)
{
    if (major < MAX_CHRDEV)
        g_chrdevs[major] = {};
}

int register_device_node(const char* path, unsigned major, unsigned minor, u32 mode)
{
    if (strlen(path) >= sizeof(g_nodes[0].path))
        return -LKM_ENAMETOOLONG;
    if (g_nr_nodes == MAX_NODES)
        return -LKM_ENOSPC;
    device_node& node = g_nodes[g_nr_nodes++];
    strlcpy(node.path, path, sizeof(node.path));
    node.major = major;
    node.minor = minor;
    node.mode = mode;
    return 0;
}

void unregister_device_node(const char* path)
{
    for (size_t i = 0; i < g_nr_nodes; i++) {
        if (strcmp(g_nodes[i].path, path) != 0)
            continue;
        g_nodes[i] = g_nodes[--g_nr_nodes];
        g_nodes[g_nr_nodes] = {};
        return;
    }
}

// For vfs_open: the device at path, if any.
bool lookup_device_node(const char* path, const file_operations** fops, unsigned* minor, u32* mode)
{
    for (size_t i = 0; i < g_nr_nodes; i++) {
        if (strcmp(g_nodes[i].path, path) != 0)
            continue;
        *fops = g_chrdevs[g_nodes[i].major].fops; // nullptr: node without a driver (ENXIO)
        *minor = g_nodes[i].minor;
        *mode = g_nodes[i].mode;
        return true;
    }
    return false;
}
