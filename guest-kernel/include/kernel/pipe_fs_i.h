// Pipes and FIFOs (Linux's include/linux/pipe_fs_i.h, fs/pipe.c): a ring of page buffers between
// the readers and the writers of one pipe_inode_info. An anonymous pipe's inode lives on the
// internal pipefs; a FIFO's is a ramfs inode whose pipe exists while some file has it open.
#pragma once

#include <kernel/mutex.h>
#include <kernel/pipe_ring.h>
#include <kernel/types.h>
#include <kernel/wait.h>

struct file;
struct file_operations;

// One slot: a page and the bytes in it still to be read.
struct pipe_buffer {
    u64 page;       // physical address; 0 for an empty slot
    u32 offset, len;
    bool can_merge; // a short write may append to it (not a page a splice lent)
};

struct pipe_inode_info {
    mutex lock;
    wait_queue_head rd_wait, wr_wait; // readers wait for data, writers for room (and FIFO opens)
    // Free-running indices: slot (n & (ring_size - 1)), head - tail buffers in use.
    unsigned head, tail;
    unsigned max_usage; // slots a writer may fill (F_SETPIPE_SZ)
    unsigned ring_size; // a power of two
    unsigned readers, writers; // open files that read / write
    unsigned files;            // open files on it: the last release frees it
    unsigned r_counter, w_counter; // readers / writers ever opened (a FIFO open waits for a change)
    u64 tmp_page; // a page kept from the last drained buffer for the next write
    pipe_buffer* bufs;
};

// Every pipe and FIFO file's operations; a FIFO inode's i_fop (its open is fifo_open).
extern const file_operations pipefifo_fops;
// Boot (vfs_init): the internal file system anonymous pipes' inodes live on (Linux's init_pipe_fs).
void init_pipe_fs();
// fcntl's F_GETPIPE_SZ and F_SETPIPE_SZ (-EBADF when f is not a pipe).
long pipe_fcntl(file* f, unsigned cmd, u64 arg);
