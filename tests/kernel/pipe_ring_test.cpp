// The pipe ring's arithmetic (guest-kernel/include/kernel/pipe_ring.h), compiled for the host:
// free-running head and tail indices that wrap past UINT_MAX, and F_SETPIPE_SZ's rounding.
#include <catch2/catch.hpp>

#include <climits>

#undef PIPE_BUF // the host's <limits.h> has it as a macro; the kernel's is a constant of the same value
#include <kernel/pipe_ring.h>

TEST_CASE("pipe ring: occupancy, empty and full, across the wrap of the indices")
{
    CHECK(pipe_empty(0, 0));
    CHECK(pipe_occupancy(5, 2) == 3);
    CHECK_FALSE(pipe_full(5, 2, PIPE_DEF_BUFFERS));
    CHECK(pipe_full(18, 2, PIPE_DEF_BUFFERS));
    // head has wrapped, tail not yet: still head - tail slots in use.
    unsigned tail = UINT_MAX - 1, head = tail + 16;
    CHECK(head < tail);
    CHECK(pipe_occupancy(head, tail) == 16);
    CHECK(pipe_full(head, tail, 16));
    CHECK_FALSE(pipe_empty(head, tail));
    CHECK(pipe_empty(head, head));
    // The slot of an index is its low bits, so consecutive indices stay consecutive slots.
    constexpr unsigned ring = 16;
    CHECK(((tail + 1) & (ring - 1)) == ((tail & (ring - 1)) + 1) % ring);
}

TEST_CASE("pipe ring: F_SETPIPE_SZ rounds up to a power-of-two number of pages")
{
    CHECK(round_pipe_size_slots(0) == 1);
    CHECK(round_pipe_size_slots(1) == 1);
    CHECK(round_pipe_size_slots(4096) == 1);
    CHECK(round_pipe_size_slots(4097) == 2);
    CHECK(round_pipe_size_slots(3 * 4096) == 4);
    CHECK(round_pipe_size_slots(65536) == 16);
    CHECK(round_pipe_size_slots(1048576) == 256);
    CHECK(round_pipe_size_slots(1ull << 31) == (1u << 19));
    CHECK(round_pipe_size_slots((1ull << 31) + 1) == 0); // too large: EINVAL
}
