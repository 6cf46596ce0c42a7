// lkmemu_compute_native: the compute benchmark's loops (compute_loops.S) run natively, the same
// bytes linked into this program.
//   lkmemu_compute_native --loop store|load --reps N
// prints "instructions NS" for one call.
#include "compute_loops.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv)
{
    std::string loop;
    uint64_t reps = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string const arg = argv[i];
        if (arg == "--loop")
            loop = argv[i + 1];
        else if (arg == "--reps")
            reps = std::strtoull(argv[i + 1], nullptr, 10);
    }
    if ((loop != "store" && loop != "load") || reps == 0) {
        std::fprintf(stderr, "usage: lkmemu_compute_native --loop store|load --reps N\n");
        return 2;
    }
    alignas(4096) static uint64_t buffer[COMPUTE_BUFFER_BYTES / sizeof(uint64_t)];
    volatile uint64_t sum = 0; // kept: the load loop's result is observed
    auto const start = std::chrono::steady_clock::now();
    if (loop == "store")
        compute_store_loop(buffer, reps);
    else
        sum = compute_load_loop(buffer, reps);
    auto const ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    uint64_t const instructions = loop == "store" ? COMPUTE_STORE_INSTRUCTIONS(reps) : COMPUTE_LOAD_INSTRUCTIONS(reps);
    std::printf("%llu %lld\n", static_cast<unsigned long long>(instructions), static_cast<long long>(ns));
    return 0;
}
