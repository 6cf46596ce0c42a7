// The kernel's random numbers (drivers/char/random.cpp): a ChaCha20 stream keyed at boot from
// the command line's random.seed= (or a fixed default), so that a boot is reproducible: the same
// seed gives the same bytes, in getrandom(2) and in the kernel (exec's AT_RANDOM) alike.
#pragma once

#include <kernel/types.h>

// Key the generator with seed (length bytes; nullptr: the default). The first use does it from
// the command line's random.seed= on its own; a test may re-key.
void rand_initialize(const char* seed, size_t length);
// Fill buf with the stream's next bytes.
void get_random_bytes(void* buf, size_t len);
