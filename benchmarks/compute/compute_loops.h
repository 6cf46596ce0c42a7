// The compute benchmark's two loops (compute_loops.S) and how many instructions they execute, so
// every runner reports the same instruction count for the same reps.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void compute_store_loop(uint64_t* buffer, uint64_t reps);
uint64_t compute_load_loop(const uint64_t* buffer, uint64_t reps);
extern const char compute_loops_start[], compute_loops_end[];

#ifdef __cplusplus
}
#endif

#define COMPUTE_BUFFER_BYTES 4096
#define COMPUTE_INSTRUCTIONS_PER_REP 708 // 2 + 64 * (8 + 3) + 2
#define COMPUTE_STORE_INSTRUCTIONS(reps) ((uint64_t)(reps) * COMPUTE_INSTRUCTIONS_PER_REP + 1)
#define COMPUTE_LOAD_INSTRUCTIONS(reps) ((uint64_t)(reps) * COMPUTE_INSTRUCTIONS_PER_REP + 3)
