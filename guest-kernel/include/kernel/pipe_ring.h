// A pipe's ring of buffers as numbers (Linux's pipe_occupancy / pipe_empty / pipe_full and
// round_pipe_size): free-running head and tail indices, slot (n & (ring_size - 1)), head - tail
// slots in use even after the indices wrap. Pure, so the host unit-tests it
// (tests/kernel/pipe_ring_test.cpp); the pipe itself is include/kernel/pipe_fs_i.h.
#pragma once

#include <kernel/types.h>

constexpr unsigned PIPE_DEF_BUFFERS = 16;   // slots of a new pipe: 64 KiB
constexpr size_t PIPE_BUF = 4096;           // writes up to this size are atomic (POSIX)
constexpr unsigned PIPE_MAX_SIZE = 1048576; // /proc/sys/fs/pipe-max-size: the unprivileged limit

inline unsigned pipe_occupancy(unsigned head, unsigned tail) { return head - tail; }
inline bool pipe_empty(unsigned head, unsigned tail) { return head == tail; }
inline bool pipe_full(unsigned head, unsigned tail, unsigned limit) { return pipe_occupancy(head, tail) >= limit; }
// F_SETPIPE_SZ's size in slots: whole pages, a power of two, at least one; 0 if too large.
inline unsigned round_pipe_size_slots(u64 size)
{
    if (size > (1ull << 31))
        return 0;
    u64 pages = (size + 4095) / 4096;
    unsigned slots = 1;
    while (slots < pages)
        slots <<= 1;
    return slots;
}
