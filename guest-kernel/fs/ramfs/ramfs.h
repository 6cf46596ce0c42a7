// ramfs's parts (fs/ramfs/): the directory operations (inode.cpp) and the data of its regular
// files (file.cpp).
#pragma once

#include "../internal.h"

inode* ramfs_get_inode(super_block* sb, u32 mode, u32 dev);
extern const inode_operations ramfs_file_inode_operations;
extern const file_operations ramfs_file_operations;
void ramfs_free_data(inode* i);
// The i_fop of character-device inodes (fs/char_dev.cpp): hands the open to the driver.
extern const file_operations def_chr_fops;
