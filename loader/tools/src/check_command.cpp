// `lkmemu check`: validate a module as the kernel would (its version magic included) and link it at
// a trial address without running it.
// `--module DEP.ko` (repeatable) links a dependency first, at its own trial address, and lets the
// checked module import its exports, as if DEP.ko had been insmod'ed before.
//   hello.ko: ok: module hello, core 0x4000 bytes (text 0x69 rodata 0x8a ro_after_init 0x4 data 0x60),
//     init 0x1000 bytes, 24 relocations, 2 exports, 1 parameter, init .init.text+0x0 at 0x...,
//     exit .exit.text+0x0 at 0x...; unresolved without --kernel: printk, optional_hook (weak), ...
// (one line). On failure: "hello.ko: ENOENT: Unknown symbol: printk" on stderr, exit 1.
#include "kernel_symbols.h"
#include "module_file.h"

#include <loader/loader.h>
#include <loader/tools/commands.h>
#include <loader/tools/host_memory.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace lkm::tools {
namespace {

// Dependencies go after the checked module in the module area, 64 MiB apart.
constexpr uint64_t dependency_spacing = 64ull << 20;

std::string describe(const Error& e)
{
    const char* name = lkm_errno_name(e.code);
    return fmt::format("{}: {}{}{}", name ? name : std::to_string(e.code), e.reason, e.context[0] ? ": " : "", e.context);
}

std::string describe_entry(const load_info& info, const EntryPoint& entry, const char* what)
{
    if (!entry.present)
        return fmt::format("no {}", what);
    const char* section = entry.section ? info.section_name(entry.section) : "(undefined)";
    return fmt::format("{} {}+{:#x} at {:#x}", what, section, entry.offset, entry.address);
}

bool is_weak_import(const load_info& info, const std::string& name)
{
    for (unsigned i = 1; i < info.num_syms; ++i)
        if (info.symtab[i].st_shndx == elf::SHN_UNDEF && elf::elf64_st_bind(info.symtab[i].st_info) == elf::STB_WEAK
            && name == info.symbol_name(i))
            return true;
    return false;
}

std::string summary(const load_info& info, const CheckResolver& resolver, bool have_kernel)
{
    const RegionLayout& core = info.core_layout;
    std::string line = fmt::format("module {}, core {:#x} bytes (text {:#x} rodata {:#x} ro_after_init {:#x} data {:#x}), "
                                   "init {:#x} bytes, {} relocations, {} exports, {} parameter{}, {}, {}",
        info.name, core.size, core.class_size[0], core.class_size[1], core.class_size[2], core.class_size[3],
        info.init_layout.size, info.relocations_applied, info.num_exports + info.num_gpl_exports, info.num_params,
        info.num_params == 1 ? "" : "s", describe_entry(info, info.init, "init"), describe_entry(info, info.exit, "exit"));
    if (!have_kernel) {
        std::vector<std::string> names;
        for (const auto& name : resolver.unresolved())
            names.push_back(is_weak_import(info, name) ? name + " (weak)" : name);
        line += names.empty() ? "; no imports" : fmt::format("; unresolved without --kernel: {}", fmt::join(names, ", "));
    }
    return line;
}

// Links a module the checked one depends on at its own trial address and adds its exports to the
// symbols (as insmod of the dependency first would), or says why it cannot.
bool add_module_exports(const std::string& path, uint64_t address, const std::optional<SymbolMap>& kernel,
    SymbolMap& modules, std::ostream& err)
{
    std::string reason;
    auto file = read_module_file(path, reason);
    if (!file) {
        err << fmt::format("check: --module {}: cannot read: {}\n", path, reason);
        return false;
    }
    MallocAllocator allocator;
    TrialModuleMemory memory(address);
    CheckResolver resolver(kernel, modules);
    load_info info(file->data(), file->size, allocator);
    // The version check included, so that `check` refuses what insmod would refuse.
    auto result = link_module(info, memory, resolver, ModinfoCheck::vermagic);
    if (result.is_error()) {
        err << fmt::format("check: --module {}: {}\n", path, describe(result.error()));
        return false;
    }
    for (size_t i = 0; i < info.num_exports + info.num_gpl_exports; ++i) {
        ExportedSymbol symbol = module_export(info, i).release_value(); // find_module_sections checked each
        modules[symbol.name] = { symbol.value, symbol.gpl_only };
    }
    return true;
}

int check_file(const std::string& path, const std::optional<SymbolMap>& kernel, const SymbolMap& modules,
    std::ostream& out, std::ostream& err)
{
    std::string reason;
    auto file = read_module_file(path, reason);
    if (!file) {
        err << fmt::format("{}: cannot read: {}\n", path, reason);
        return 1;
    }
    MallocAllocator allocator;
    TrialModuleMemory memory;
    CheckResolver resolver(kernel, modules);
    load_info info(file->data(), file->size, allocator);
    // The version check included, so that `check` refuses what insmod would refuse.
    auto result = link_module(info, memory, resolver, ModinfoCheck::vermagic);
    if (result.is_error()) {
        err << fmt::format("{}: {}\n", path, describe(result.error()));
        return 1;
    }
    out << fmt::format("{}: ok: {}\n", path, summary(info, resolver, kernel.has_value()));
    return 0;
}

} // namespace

int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    std::string symbols_path, kernel_path;
    std::vector<std::string> files;
    CLI::App app("Validate lkmemu modules and link them at a trial address in the module area", "check");
    auto* symbols_option = app.add_option("--kernel-symbols", symbols_path, "Kernel exports: lines \"NAME\" or \"NAME GPL\"");
    app.add_option("--kernel", kernel_path, "kernel.elf whose exports (or global symbols) to link against")
        ->excludes(symbols_option);
    std::vector<std::string> dependencies;
    app.add_option("--module", dependencies,
        "A module the checked ones use: linked first (after the kernel symbols), its exports added")
        ->allow_extra_args(false); // one file per --module, so the checked FILE stays positional
    app.add_option("file", files, "Module file(s)")->required();
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return 0;
    } catch (const CLI::ParseError& e) {
        err << "check: " << e.what() << "\n";
        return 1;
    }
    std::optional<SymbolMap> kernel;
    std::string error;
    if (!symbols_path.empty() && !(kernel = read_kernel_symbol_list(symbols_path, error))) {
        err << "check: " << error << "\n";
        return 1;
    }
    if (!kernel_path.empty() && !(kernel = read_kernel_elf_symbols(kernel_path, error))) {
        err << "check: " << error << "\n";
        return 1;
    }
    SymbolMap modules;
    for (size_t i = 0; i < dependencies.size(); ++i) {
        uint64_t address = trial_module_base + (i + 1) * dependency_spacing;
        if (!add_module_exports(dependencies[i], address, kernel, modules, err))
            return 1;
    }
    int status = 0;
    for (const auto& path : files)
        if (check_file(path, kernel, modules, out, err) != 0)
            status = 1;
    return status;
}

} // namespace lkm::tools
