// The data of ramfs's regular files: pages held in an array that doubles as the file grows, so a
// file is as large as memory allows. A page not yet written (a hole, or the space past a
// truncation) reads as zeros.
#include "ramfs.h"

#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/slab.h>
#include <kernel/string.h>

namespace {

constexpr size_t PAGE = 4096;

struct ramfs_data {
    size_t nr_slots;
    u8** pages; // nr_slots entries, nullptr for a hole
};

ramfs_data* data_of(const inode* i) { return static_cast<ramfs_data*>(i->i_private); }

// The page holding byte offset pos, made if create (nullptr: a hole, or no memory).
u8* page_at(inode* i, u64 pos, bool create)
{
    size_t index = pos / PAGE;
    ramfs_data* data = data_of(i);
    if (!data) {
        if (!create)
            return nullptr;
        data = static_cast<ramfs_data*>(kmalloc(sizeof(ramfs_data)));
        if (!data)
            return nullptr;
        i->i_private = data;
    }
    if (index >= data->nr_slots) {
        if (!create)
            return nullptr;
        size_t slots = data->nr_slots ? data->nr_slots : 4;
        while (slots <= index)
            slots *= 2;
        auto** pages = static_cast<u8**>(kmalloc(slots * sizeof(u8*)));
        if (!pages)
            return nullptr;
        if (data->nr_slots)
            memcpy(pages, data->pages, data->nr_slots * sizeof(u8*));
        kfree(data->pages);
        data->pages = pages;
        data->nr_slots = slots;
    }
    if (!data->pages[index] && create)
        data->pages[index] = static_cast<u8*>(kmalloc(PAGE)); // zeroed
    return data->pages[index];
}

ssize_t ramfs_read_iter(file* f, u64 user_buf, size_t count, u64* pos)
{
    inode* i = file_inode(f);
    if (*pos >= i->i_size)
        return 0;
    count = min<size_t>(count, i->i_size - *pos);
    size_t done = 0;
    while (done < count) {
        u64 at = *pos + done;
        size_t chunk = min<size_t>(count - done, PAGE - at % PAGE);
        const u8* page = page_at(i, at, false);
        size_t left = 0;
        if (page) {
            left = copy_to_user(user_buf + done, page + at % PAGE, chunk);
        } else {
            static const u8 zeros[256] = {};
            for (size_t z = 0; z < chunk && !left; z += sizeof zeros)
                left = copy_to_user(user_buf + done + z, zeros, min(chunk - z, sizeof zeros));
        }
        if (left) {
            if (!done)
                return -LKM_EFAULT;
            break;
        }
        done += chunk;
    }
    *pos += done;
    i->i_atime = current_time();
    return static_cast<ssize_t>(done);
}

ssize_t ramfs_write_iter(file* f, u64 user_buf, size_t count, u64* pos)
{
    inode* i = file_inode(f);
    if (f->f_flags & O_APPEND)
        *pos = i->i_size;
    size_t done = 0;
    while (done < count) {
        u64 at = *pos + done;
        size_t chunk = min<size_t>(count - done, PAGE - at % PAGE);
        u8* page = page_at(i, at, true);
        if (!page) {
            if (!done)
                return -LKM_ENOSPC;
            break;
        }
        if (copy_from_user(page + at % PAGE, user_buf + done, chunk)) {
            if (!done)
                return -LKM_EFAULT;
            break;
        }
        done += chunk;
    }
    *pos += done;
    if (*pos > i->i_size)
        i->i_size = *pos;
    i->i_mtime = i->i_ctime = current_time();
    return static_cast<ssize_t>(done);
}

ssize_t ramfs_read(file* f, u64 user_buf, size_t count) { return ramfs_read_iter(f, user_buf, count, &f->f_pos); }
ssize_t ramfs_write(file* f, u64 user_buf, size_t count) { return ramfs_write_iter(f, user_buf, count, &f->f_pos); }

ssize_t ramfs_read_kernel(file* f, void* buf, size_t count, u64 pos)
{
    inode* i = file_inode(f);
    if (pos >= i->i_size)
        return 0;
    count = min<size_t>(count, i->i_size - pos);
    for (size_t done = 0; done < count;) {
        size_t chunk = min<size_t>(count - done, PAGE - (pos + done) % PAGE);
        const u8* page = page_at(i, pos + done, false);
        if (page)
            memcpy(static_cast<u8*>(buf) + done, page + (pos + done) % PAGE, chunk);
        else
            memset(static_cast<u8*>(buf) + done, 0, chunk);
        done += chunk;
    }
    return static_cast<ssize_t>(count);
}

ssize_t ramfs_write_kernel(file* f, const void* buf, size_t count, u64 pos)
{
    inode* i = file_inode(f);
    for (size_t done = 0; done < count;) {
        size_t chunk = min<size_t>(count - done, PAGE - (pos + done) % PAGE);
        u8* page = page_at(i, pos + done, true);
        if (!page)
            return -LKM_ENOSPC;
        memcpy(page + (pos + done) % PAGE, static_cast<const u8*>(buf) + done, chunk);
        done += chunk;
    }
    if (pos + count > i->i_size)
        i->i_size = pos + count;
    i->i_mtime = i->i_ctime = current_time();
    return static_cast<ssize_t>(count);
}

long ramfs_llseek(file* f, s64 offset, int whence)
{
    s64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<s64>(f->f_pos)
             : whence == SEEK_END ? static_cast<s64>(file_inode(f)->i_size) : -1;
    if (base < 0 || base + offset < 0)
        return -LKM_EINVAL;
    f->f_pos = static_cast<u64>(base + offset);
    return static_cast<long>(f->f_pos);
}

int ramfs_setsize(inode* i, u64 size)
{
    ramfs_data* data = data_of(i);
    if (size < i->i_size && data) {
        // Free the pages wholly past the end; zero the tail of the last one kept.
        for (size_t index = (size + PAGE - 1) / PAGE; index < data->nr_slots; index++) {
            kfree(data->pages[index]);
            data->pages[index] = nullptr;
        }
        if (size % PAGE && size / PAGE < data->nr_slots && data->pages[size / PAGE])
            memset(data->pages[size / PAGE] + size % PAGE, 0, PAGE - size % PAGE);
    }
    i->i_size = size;
    i->i_mtime = i->i_ctime = current_time();
    return 0;
}

} // namespace

void ramfs_free_data(inode* i)
{
    ramfs_data* data = data_of(i);
    if (!data)
        return;
    for (size_t index = 0; index < data->nr_slots; index++)
        kfree(data->pages[index]);
    kfree(data->pages);
    kfree(data);
    i->i_private = nullptr;
}

const inode_operations ramfs_file_inode_operations = {
    .create = nullptr, .mkdir = nullptr, .mknod = nullptr, .symlink = nullptr, .link = nullptr,
    .unlink = nullptr, .rmdir = nullptr, .rename = nullptr, .get_link = nullptr, .setsize = ramfs_setsize,
};

const file_operations ramfs_file_operations = {
    .open = nullptr,
    .read = ramfs_read,
    .write = ramfs_write,
    .release = nullptr,
    .llseek = ramfs_llseek,
    .read_kernel = ramfs_read_kernel,
    .read_iter = ramfs_read_iter,
    .write_iter = ramfs_write_iter,
    .iterate = nullptr,
    .unlocked_ioctl = nullptr,
    .write_kernel = ramfs_write_kernel,
};
