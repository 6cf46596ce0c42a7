// compute_main: reads "loop=store|load reps=N" from the PVH command line (qemu -append), runs the
// loop and powers QEMU off through isa-debug-exit (port 0xf4; QEMU exits with status 1 for 0).
#include "../compute_loops.h"

#include <stdint.h>

struct hvm_start_info { // Xen's public arch-x86/hvm/start_info.h, the fields read here
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr;
};

static uint64_t buffer[COMPUTE_BUFFER_BYTES / sizeof(uint64_t)] __attribute__((aligned(4096)));

static const char* find(const char* s, const char* key)
{
    for (; *s; ++s) {
        const char* a = s;
        const char* b = key;
        while (*b && *a == *b)
            ++a, ++b;
        if (!*b)
            return a;
    }
    return 0;
}

static void power_off(uint32_t status)
{
    __asm__ volatile("outl %0, %1" : : "a"(status), "Nd"((uint16_t)0xf4));
}

void compute_main(const struct hvm_start_info* info)
{
    const char* cmdline = (const char*)(uintptr_t)info->cmdline_paddr;
    const char* reps_text = cmdline ? find(cmdline, "reps=") : 0;
    const char* loop = cmdline ? find(cmdline, "loop=") : 0;
    uint64_t reps = 0;
    for (const char* p = reps_text; p && *p >= '0' && *p <= '9'; ++p)
        reps = reps * 10 + (uint64_t)(*p - '0');
    if (!reps || !loop) {
        power_off(1); // QEMU exits with status 3: bad command line
        return;
    }
    if (*loop == 'l')
        buffer[0] = compute_load_loop(buffer, reps);
    else
        compute_store_loop(buffer, reps);
    power_off(0);
}
