#include "kernel_symbols.h"

#include "module_file.h"

#include <lkmemu/module_abi.h>
#include <loader/tools/host_memory.h>
#include <support/elf_reader.h>

#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace lkm::tools {

using namespace elf;

std::optional<SymbolMap> read_kernel_symbol_list(const std::string& path, std::string& error)
{
    std::ifstream in(path);
    if (!in) {
        error = fmt::format("cannot open {}: {}", path, std::strerror(errno));
        return std::nullopt;
    }
    SymbolMap symbols;
    std::string line;
    for (unsigned number = 1; std::getline(in, line); ++number) {
        std::istringstream words(line);
        std::string name, licence, extra;
        if (!(words >> name) || name[0] == '#')
            continue;
        words >> licence;
        if ((!licence.empty() && licence != "GPL") || (words >> extra)) {
            error = fmt::format("{}:{}: expected \"NAME\" or \"NAME GPL\", got \"{}\"", path, number, line);
            return std::nullopt;
        }
        symbols[name] = { trial_kernel_base + 0x1000 + 16ull * number, licence == "GPL" };
    }
    return symbols;
}

std::optional<SymbolMap> read_kernel_elf_symbols(const std::string& path, std::string& error)
{
    auto file = read_module_file(path, error);
    if (!file) {
        error = fmt::format("cannot read {}: {}", path, error);
        return std::nullopt;
    }
    auto parsed = lkmemu::ElfReader::parse(fmt::format("{}: not a usable x86-64 ELF kernel", path), std::move(file->bytes));
    if (parsed.is_error()) {
        error = parsed.error().message;
        return std::nullopt;
    }
    auto const& image = parsed.value();
    auto bad = [&](const lkmemu::Error& why) {
        error = why.message;
        return std::nullopt;
    };
    if (image.sections().empty())
        return bad(lkmemu::make_error(fmt::format("{}: not a usable x86-64 ELF kernel: no section headers", path)));

    SymbolMap symbols;
    bool has_ksymtab = false;
    for (size_t index = 0; index < image.sections().size(); ++index) {
        auto const name = image.section_name(index);
        if (name.is_error())
            return bad(name.error());
        if (name.value() != "__ksymtab" && name.value() != "__ksymtab_gpl")
            continue;
        has_ksymtab = true;
        bool const gpl = name.value() == "__ksymtab_gpl";
        auto const table = image.contents(index);
        if (table.is_error())
            return bad(table.error());
        if (image.sections()[index].sh_type == SHT_NOBITS || table.value().size() % sizeof(lkm_kernel_symbol))
            return bad(lkmemu::make_error(fmt::format("{}: not a usable x86-64 ELF kernel: malformed export table {}", path,
                                                      name.value())));
        for (size_t off = 0; off < table.value().size(); off += sizeof(lkm_kernel_symbol)) {
            lkm_kernel_symbol entry;
            std::memcpy(&entry, table.value().data() + off, sizeof entry);
            auto const export_name = image.string_at_address(entry.name);
            if (export_name.is_error())
                return bad(export_name.error());
            symbols[std::string(export_name.value())] = { entry.value, gpl };
        }
    }
    if (has_ksymtab)
        return symbols;

    // A linked kernel: kernel.ld has put the tables inside .rodata, between __start___ksymtab and
    // __stop___ksymtab (and _gpl), with their CRCs from __start___kcrctab (and _gpl).
    // Calls visit(symbol, name) for every symbol of every symbol table; the first read error.
    auto const each_symbol = [&](auto visit) -> std::optional<lkmemu::Error> {
        for (size_t index = 0; index < image.sections().size(); ++index) {
            if (image.sections()[index].sh_type != SHT_SYMTAB)
                continue;
            auto const table = image.symbols(index);
            if (table.is_error())
                return table.error();
            for (const Elf64_Sym& sym : table.value()) {
                auto const name = image.symbol_name(index, sym);
                if (name.is_error())
                    return name.error();
                visit(sym, name.value());
            }
        }
        return std::nullopt;
    };
    std::map<std::string, uint64_t, std::less<>> globals;
    if (auto failed = each_symbol([&](const Elf64_Sym& sym, std::string_view name) {
            if (name.starts_with("__start___k") || name.starts_with("__stop___k"))
                globals[std::string(name)] = sym.st_value;
        }))
        return bad(*failed);
    auto const linked_table = [&](const std::string& suffix, bool gpl) -> std::optional<lkmemu::Error> {
        auto start = globals.find("__start___ksymtab" + suffix), stop = globals.find("__stop___ksymtab" + suffix);
        auto crcs = globals.find("__start___kcrctab" + suffix);
        for (uint64_t va = start->second, i = 0; va + sizeof(lkm_kernel_symbol) <= stop->second;
             va += sizeof(lkm_kernel_symbol), ++i) {
            auto const bytes = image.at_address(va, sizeof(lkm_kernel_symbol));
            if (bytes.is_error())
                return bytes.error();
            lkm_kernel_symbol entry;
            std::memcpy(&entry, bytes.value().data(), sizeof entry);
            auto const export_name = image.string_at_address(entry.name);
            if (export_name.is_error())
                return export_name.error();
            ResolvedSymbol resolved { entry.value, gpl };
            if (crcs != globals.end()) {
                auto const crc = image.at_address(crcs->second + i * sizeof(lkm_kcrc), sizeof(lkm_kcrc));
                if (crc.is_error())
                    return crc.error();
                resolved.has_crc = true;
                std::memcpy(&resolved.crc, crc.value().data(), sizeof(lkm_kcrc));
            }
            symbols[std::string(export_name.value())] = resolved;
        }
        return std::nullopt;
    };
    if (globals.count("__start___ksymtab") && globals.count("__stop___ksymtab") && globals.count("__start___ksymtab_gpl")
        && globals.count("__stop___ksymtab_gpl")) {
        for (auto [suffix, gpl] : { std::pair { "", false }, std::pair { "_gpl", true } }) {
            if (auto failed = linked_table(suffix, gpl))
                return bad(*failed);
        }
        return symbols;
    }

    if (auto failed = each_symbol([&](const Elf64_Sym& sym, std::string_view name) {
            uint8_t const bind = elf64_st_bind(sym.st_info);
            if ((bind == STB_GLOBAL || bind == STB_WEAK) && sym.st_shndx != SHN_UNDEF && !name.empty())
                symbols[std::string(name)] = { sym.st_value, false };
        }))
        return bad(*failed);
    return symbols;
}

ErrorOr<ResolvedSymbol> CheckResolver::resolve(const char* name)
{
    if (auto it = m_modules.find(name); it != m_modules.end())
        return it->second;
    if (m_kernel) {
        auto it = m_kernel->find(name);
        if (it == m_kernel->end())
            return Error::from_errno(LKM_ENOENT, "not exported by the kernel");
        return it->second;
    }
    // No kernel given: note the import and give it a distinct placeholder in the kernel image.
    // module_layout is asked for only for its CRC (modversions): without a kernel there is none.
    if (std::strcmp(name, "module_layout") == 0)
        return Error::from_errno(LKM_ENOENT, "no kernel to compare module_layout with");
    m_unresolved.push_back(name);
    return ResolvedSymbol { trial_kernel_base + 0x1000 + 16ull * m_unresolved.size(), false };
}

} // namespace lkm::tools
