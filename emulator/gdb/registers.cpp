#include "gdb/registers.h"

namespace lkmemu::gdb {

namespace {

using enum Register;
using enum RegisterFeature;

constexpr RegisterInfo gpr(Register id, std::string_view name, std::string_view type = "int64")
{
    return {id, name, 64, type, "general", Core};
}
constexpr RegisterInfo selector(Register id, std::string_view name) { return {id, name, 32, "int32", "general", Core}; }
constexpr RegisterInfo x87(Register id, std::string_view name) { return {id, name, 80, "i387_ext", "float", Core}; }
constexpr RegisterInfo x87_control(Register id, std::string_view name) { return {id, name, 32, "int", "float", Core}; }
constexpr RegisterInfo system(Register id, std::string_view name, RegisterFeature feature = System)
{
    return {id, name, 64, "int64", "general", feature};
}
// Bases and CR2 are virtual addresses: data_ptr makes gdb print them in hex, not as negatives.
constexpr RegisterInfo address(Register id, std::string_view name, RegisterFeature feature = System)
{
    return {id, name, 64, "data_ptr", "general", feature};
}

constexpr std::array<RegisterInfo, register_count> table = {{
    gpr(rax, "rax"), gpr(rbx, "rbx"), gpr(rcx, "rcx"), gpr(rdx, "rdx"),
    gpr(rsi, "rsi"), gpr(rdi, "rdi"), gpr(rbp, "rbp", "data_ptr"), gpr(rsp, "rsp", "data_ptr"),
    gpr(r8, "r8"), gpr(r9, "r9"), gpr(r10, "r10"), gpr(r11, "r11"),
    gpr(r12, "r12"), gpr(r13, "r13"), gpr(r14, "r14"), gpr(r15, "r15"),
    gpr(rip, "rip", "code_ptr"),
    {eflags, "eflags", 32, "i386_eflags", "general", Core},
    selector(cs, "cs"), selector(ss, "ss"), selector(ds, "ds"),
    selector(es, "es"), selector(fs, "fs"), selector(gs, "gs"),
    x87(st0, "st0"), x87(st1, "st1"), x87(st2, "st2"), x87(st3, "st3"),
    x87(st4, "st4"), x87(st5, "st5"), x87(st6, "st6"), x87(st7, "st7"),
    x87_control(fctrl, "fctrl"), x87_control(fstat, "fstat"), x87_control(ftag, "ftag"),
    x87_control(fiseg, "fiseg"), x87_control(fioff, "fioff"), x87_control(foseg, "foseg"),
    x87_control(fooff, "fooff"), x87_control(fop, "fop"),
    address(fs_base, "fs_base", Segments), address(gs_base, "gs_base", Segments),
    address(k_gs_base, "k_gs_base"), {cr0, "cr0", 64, "lkmemu_cr0", "general", System},
    address(cr2, "cr2"), system(cr3, "cr3"), {cr4, "cr4", 64, "lkmemu_cr4", "general", System},
    system(cr8, "cr8"), {efer, "efer", 64, "lkmemu_efer", "general", System},
}};

constexpr bool table_is_in_register_order()
{
    for (size_t i = 0; i < table.size(); ++i)
        if (static_cast<size_t>(table[i].id) != i)
            return false;
    return true;
}
static_assert(table_is_in_register_order(), "register_table() must be indexed by Register");

} // namespace

const std::array<RegisterInfo, register_count>& register_table() { return table; }

const RegisterInfo& register_info(Register reg) { return table[static_cast<size_t>(reg)]; }

std::optional<Register> register_from_number(uint64_t n)
{
    if (n >= register_count)
        return std::nullopt;
    return static_cast<Register>(n);
}

size_t register_file_bytes()
{
    size_t total = 0;
    for (const auto& info : table)
        total += info.bytes();
    return total;
}

} // namespace lkmemu::gdb
