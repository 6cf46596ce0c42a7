// `lkmemu check`: validate modules as the kernel would (their version magic included) and link them
// at trial addresses without running them. The kernel's exports come from kernel.elf (by default
// the one `lkmemu run` boots, or --kernel FILE), a list (--kernel-symbols), or nowhere (--no-kernel:
// kernel imports get placeholders and are listed). Several FILEs are checked in order, as insmod
// of each in turn would load them: each sees the exports of those before it that linked.
// `--module DEP.ko` (repeatable) links a dependency first, at its own trial address, and lets the
// checked modules import its exports, without reporting on it.
//   hello.ko: ok: module hello, core 0x4000 bytes (text 0x69 rodata 0x8a ro_after_init 0x4 data 0x60),
//     init 0x1000 bytes, 24 relocations, 2 exports, 1 parameter, init .init.text+0x0 at 0x...,
//     exit .exit.text+0x0 at 0x...; unresolved without --kernel: printk, optional_hook (weak), ...
// (one line). On failure: "hello.ko: ENOENT: Unknown symbol: printk, other" on stderr (every
// unknown symbol named), exit 1.
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

// A module linked at a trial address: where the next one goes, and its exports for the next ones.
struct TrialLink {
    uint64_t end; // the first page after its core and init
    bool ok = false;
};

// Links `path` at `address` against the kernel's and the earlier modules' exports and adds its own
// exports to `modules`, as insmod of it would. Failures go to `err` after `prefix` (the file for a
// checked module, "check: --module FILE" for a dependency); a checked module's summary to `out`.
TrialLink link_and_publish(const std::string& path, const std::string& prefix, uint64_t address,
    const std::optional<SymbolMap>& kernel, SymbolMap& modules, std::ostream* out, std::ostream& err)
{
    TrialLink link { address };
    std::string reason;
    auto file = read_module_file(path, reason);
    if (!file) {
        err << fmt::format("{}: cannot read: {}\n", prefix, reason);
        return link;
    }
    MallocAllocator allocator;
    TrialModuleMemory memory(address);
    CheckResolver resolver(kernel, modules);
    load_info info(file->data(), file->size, allocator);
    // The version check included, so that `check` refuses what insmod would refuse.
    auto result = link_module(info, memory, resolver, ModinfoCheck::vermagic);
    if (result.is_error()) {
        const Error& e = result.error();
        if (e.kind == ErrorKind::UnknownSymbol && resolver.unknown().size() > 1)
            err << fmt::format("{}: {}: {}: {}\n", prefix, lkm_errno_name(e.code), e.reason, fmt::join(resolver.unknown(), ", "));
        else
            err << fmt::format("{}: {}\n", prefix, describe(e));
        return link;
    }
    for (size_t i = 0; i < info.num_exports + info.num_gpl_exports; ++i) {
        ExportedSymbol symbol = module_export(info, i).release_value(); // find_module_sections checked each
        modules[symbol.name] = { symbol.value, symbol.gpl_only, symbol.has_crc, symbol.crc };
    }
    if (out)
        *out << fmt::format("{}: ok: {}\n", path, summary(info, resolver, kernel.has_value()));
    constexpr uint64_t page = 4096;
    link.end = address + (info.core_layout.size + info.init_layout.size + page - 1) / page * page;
    link.ok = true;
    return link;
}

} // namespace

int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
    const std::string& default_kernel)
{
    std::string symbols_path, kernel_path;
    bool no_kernel = false;
    std::vector<std::string> files;
    CLI::App app("Validate lkmemu modules and link them at trial addresses in the module area, in order: each FILE "
                 "may use the exports of the FILEs before it",
        "lkmemu check");
    auto* symbols_option = app.add_option("--kernel-symbols", symbols_path, "Kernel exports: lines \"NAME\" or \"NAME GPL\"");
    auto* kernel_option = app.add_option("--kernel", kernel_path,
        default_kernel.empty() ? std::string("kernel.elf whose exports (or global symbols) to link against")
                               : "kernel.elf whose exports (or global symbols) to link against (default: " + default_kernel + ")");
    kernel_option->excludes(symbols_option);
    app.add_flag("--no-kernel", no_kernel,
           "Link without the kernel's exports: kernel imports get placeholder addresses and are listed")
        ->excludes(symbols_option)
        ->excludes(kernel_option);
    std::vector<std::string> dependencies;
    app.add_option("--module", dependencies,
        "A module the checked ones use: linked first (after the kernel symbols), its exports added")
        ->allow_extra_args(false); // one file per --module, so the checked FILE stays positional
    app.add_option("FILE", files, "Module file(s) (.ko), checked in order")->required();
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
    if (kernel_path.empty() && symbols_path.empty() && !no_kernel)
        kernel_path = default_kernel; // empty in-process: no kernel, as --no-kernel
    std::optional<SymbolMap> kernel;
    std::string error;
    if (!symbols_path.empty() && !(kernel = read_kernel_symbol_list(symbols_path, error))) {
        err << "check: " << error << "\n";
        return 1;
    }
    if (!kernel_path.empty() && !(kernel = read_kernel_elf_symbols(kernel_path, error))) {
        err << "check: " << error << "\n";
        if (kernel_path == default_kernel)
            err << "check: give --kernel FILE, --kernel-symbols FILE or --no-kernel\n";
        return 1;
    }
    SymbolMap modules;
    for (size_t i = 0; i < dependencies.size(); ++i) {
        uint64_t address = trial_module_base + (i + 1) * dependency_spacing;
        if (!link_and_publish(dependencies[i], "check: --module " + dependencies[i], address, kernel, modules, nullptr, err).ok)
            return 1;
    }
    int status = 0;
    uint64_t address = trial_module_base;
    for (const auto& path : files) {
        TrialLink link = link_and_publish(path, path, address, kernel, modules, &out, err);
        if (!link.ok)
            status = 1;
        address = link.end;
    }
    return status;
}

} // namespace lkm::tools
