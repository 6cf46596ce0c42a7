// lkmemu_compute_unicorn: the compute benchmark's loops (compute_loops.S) on a bare Unicorn engine,
// configured as lkmemu configures its own: x86-64, the virtual TLB (UC_TLB_VIRTUAL) filled by a
// hook from a fixed page table (code r-x, data and stack rw- NX: W^X), guest RAM mapped once with
// uc_mem_map_ptr. Nothing else is hooked, so the difference to lkmemu is lkmemu's per-block path,
// interrupts and the rest of its machine.
//
//   lkmemu_compute_unicorn --loop store|load --reps N [--block-hook] [--wx]
// prints "instructions NS" for one uc_emu_start over the loop in a fresh engine (translation
// included: scripts/bench.sh takes the difference of N and 2N). --block-hook adds an empty
// UC_HOOK_BLOCK callback (the engine's dispatch cost alone); --wx maps the data pages rwx, to
// show Unicorn 2.1's slow store path for pages with an executable TLB entry.
#include "compute_loops.h"

#include <unicorn/unicorn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr uint64_t code_va = 0x400000, data_va = 0x600000, stack_va = 0x700000;
constexpr uint64_t ram_size = 0x800000, page = 4096;
constexpr uint64_t return_va = code_va + page - 16; // a hlt the loop returns to

bool g_data_executable = false;

bool fill_tlb(uc_engine*, uint64_t va, uc_mem_type, uc_tlb_entry* entry, void*)
{
    uint64_t const page_va = va & ~(page - 1);
    if (page_va >= ram_size)
        return false;
    entry->paddr = page_va; // identity
    bool const code = page_va == code_va;
    entry->perms = static_cast<uc_prot>(code ? UC_PROT_READ | UC_PROT_EXEC
                                             : UC_PROT_READ | UC_PROT_WRITE | (g_data_executable ? UC_PROT_EXEC : 0));
    return true;
}

void on_block(uc_engine*, uint64_t, uint32_t, void*) {}

[[noreturn]] void fail(const char* what, uc_err err)
{
    std::fprintf(stderr, "lkmemu_compute_unicorn: %s: %s\n", what, uc_strerror(err));
    std::exit(1);
}

void check(uc_err err, const char* what)
{
    if (err != UC_ERR_OK)
        fail(what, err);
}

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: lkmemu_compute_unicorn --loop store|load --reps N [--block-hook] [--wx]\n");
    std::exit(2);
}

} // namespace

int main(int argc, char** argv)
{
    std::string loop;
    uint64_t reps = 0;
    bool block_hook = false;
    for (int i = 1; i < argc; ++i) {
        std::string const arg = argv[i];
        if (arg == "--loop" && i + 1 < argc)
            loop = argv[++i];
        else if (arg == "--reps" && i + 1 < argc)
            reps = std::strtoull(argv[++i], nullptr, 10);
        else if (arg == "--block-hook")
            block_hook = true;
        else if (arg == "--wx")
            g_data_executable = true;
        else
            usage();
    }
    if ((loop != "store" && loop != "load") || reps == 0)
        usage();

    std::vector<uint8_t> ram(ram_size);
    size_t const code_bytes = static_cast<size_t>(compute_loops_end - compute_loops_start);
    std::memcpy(ram.data() + code_va, compute_loops_start, code_bytes);
    ram[return_va] = 0xf4; // hlt: never reached, the run ends at its address
    auto const entry = code_va + static_cast<uint64_t>(
        (loop == "store" ? reinterpret_cast<const char*>(&compute_store_loop) : reinterpret_cast<const char*>(&compute_load_loop)) -
        compute_loops_start);
    uint64_t const rsp = stack_va + page - 8;
    std::memcpy(ram.data() + rsp, &return_va, 8);

    uc_engine* uc = nullptr;
    check(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), "uc_open");
    check(uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL), "virtual TLB");
    check(uc_mem_map_ptr(uc, 0, ram_size, UC_PROT_ALL, ram.data()), "mapping RAM");
    uc_hook hook;
    check(uc_hook_add(uc, &hook, UC_HOOK_TLB_FILL, reinterpret_cast<void*>(fill_tlb), nullptr, 1, 0), "TLB-fill hook");
    if (block_hook)
        check(uc_hook_add(uc, &hook, UC_HOOK_BLOCK, reinterpret_cast<void*>(on_block), nullptr, 1, 0), "block hook");
    uint64_t const rdi = data_va;
    check(uc_reg_write(uc, UC_X86_REG_RDI, &rdi), "RDI");
    check(uc_reg_write(uc, UC_X86_REG_RSI, &reps), "RSI");
    check(uc_reg_write(uc, UC_X86_REG_RSP, &rsp), "RSP");

    auto const start = std::chrono::steady_clock::now();
    check(uc_emu_start(uc, entry, return_va, 0, 0), "running the loop");
    auto const ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();

    uint64_t rip = 0;
    check(uc_reg_read(uc, UC_X86_REG_RIP, &rip), "RIP");
    if (rip != return_va) {
        std::fprintf(stderr, "lkmemu_compute_unicorn: the loop stopped at %#llx, not at its return\n",
                     static_cast<unsigned long long>(rip));
        return 1;
    }
    uc_close(uc);
    uint64_t const instructions = loop == "store" ? COMPUTE_STORE_INSTRUCTIONS(reps) : COMPUTE_LOAD_INSTRUCTIONS(reps);
    std::printf("%llu %lld\n", static_cast<unsigned long long>(instructions), static_cast<long long>(ns));
    return 0;
}
