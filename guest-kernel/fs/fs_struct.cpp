// A task's root, working directory and umask (Linux's fs/fs_struct.c).
#include <lkmemu/errno.h>
#include <kernel/fdtable.h>
#include <kernel/sched.h>
#include <kernel/slab.h>

fs_struct init_fs = { 1, 022, { nullptr, nullptr }, { nullptr, nullptr } };

fs_struct* current_fs()
{
    const task_struct* task = current();
    fs_struct* fs = task ? task->fs : nullptr;
    return fs ? fs : &init_fs;
}

void set_fs_pwd(fs_struct* fs, const path* p)
{
    path old = fs->pwd;
    fs->pwd = *p;
    if (old.dentry)
        path_put(&old);
}

lkm::ErrorOr<fs_struct*> copy_fs_struct(fs_struct* old)
{
    auto* fs = static_cast<fs_struct*>(kmalloc(sizeof(fs_struct)));
    if (!fs)
        return lkm::Error::from_errno(LKM_ENOMEM, "copy_fs_struct: no memory");
    fs->users = 1;
    fs->umask = old->umask;
    fs->root = old->root;
    fs->pwd = old->pwd;
    path_get(&fs->root);
    path_get(&fs->pwd);
    return fs;
}

void free_fs_struct(fs_struct* fs)
{
    if (--fs->users || fs == &init_fs)
        return;
    path_put(&fs->root);
    path_put(&fs->pwd);
    kfree(fs);
}
