// compute: the compute benchmark's lkmemu runner (docs/benchmarks.md, "Guest compute"). Its init
// runs one of compute_loops.S's loops `reps` times over a 4 KiB buffer in .bss (rw-, NX: data pages
// are never executable) and returns, so `insmod compute.ko loop=store reps=N` is the loop plus a
// load whose cost scripts/bench.sh cancels by also running 2N.
#include <linux/module.h>
#include <linux/string.h>

#include "compute_loops.h"

static long reps = 1000;
module_param(reps, long, 0444);
MODULE_PARM_DESC(reps, "how many times the loop sweeps its 4 KiB buffer (>= 1)");

static char* loop = "store";
module_param(loop, charp, 0444);
MODULE_PARM_DESC(loop, "store or load");

static uint64_t buffer[COMPUTE_BUFFER_BYTES / sizeof(uint64_t)] __aligned(4096);

static int __init compute_init(void)
{
    if (reps < 1)
        return -EINVAL;
    if (strcmp(loop, "store") == 0) {
        compute_store_loop(buffer, (uint64_t)reps);
        pr_info("compute: store loop, %ld reps, %llu instructions\n", reps,
                (unsigned long long)COMPUTE_STORE_INSTRUCTIONS(reps));
    } else if (strcmp(loop, "load") == 0) {
        uint64_t const sum = compute_load_loop(buffer, (uint64_t)reps);
        pr_info("compute: load loop, %ld reps, %llu instructions, sum %llu\n", reps,
                (unsigned long long)COMPUTE_LOAD_INSTRUCTIONS(reps), (unsigned long long)sum);
    } else {
        pr_err("compute: loop=%s: expected store or load\n", loop);
        return -EINVAL;
    }
    return 0;
}

static void __exit compute_exit(void)
{
}

module_init(compute_init);
module_exit(compute_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Runs the compute benchmark's fixed loop (benchmarks/compute)");
