#include "kernel_symbols.h"

#include "module_file.h"

#include <lkmemu/module_abi.h>
#include <loader/tools/host_memory.h>

#include <cstring>
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

namespace {

// Bounds-checked views of a (possibly malformed) kernel.elf.
class ElfFile {
public:
    explicit ElfFile(const ModuleFile& file) : m_file(file) {}

    bool inside(uint64_t offset, uint64_t size) const { return offset <= m_file.size && size <= m_file.size - offset; }
    template<typename T>
    bool read(uint64_t offset, T& out) const
    {
        if (!inside(offset, sizeof(T)))
            return false;
        std::memcpy(&out, m_file.data() + offset, sizeof(T));
        return true;
    }
    // A NUL-terminated string at offset within [table, table + size), or nullopt.
    std::optional<std::string> string_at(uint64_t table, uint64_t size, uint64_t offset) const
    {
        if (!inside(table, size) || offset >= size)
            return std::nullopt;
        const char* begin = reinterpret_cast<const char*>(m_file.data() + table);
        const void* nul = std::memchr(begin + offset, '\0', size - offset);
        if (!nul)
            return std::nullopt;
        return std::string(begin + offset, static_cast<const char*>(nul));
    }

private:
    const ModuleFile& m_file;
};

} // namespace

std::optional<SymbolMap> read_kernel_elf_symbols(const std::string& path, std::string& error)
{
    auto file = read_module_file(path, error);
    if (!file) {
        error = fmt::format("cannot read {}: {}", path, error);
        return std::nullopt;
    }
    ElfFile elf(*file);
    Elf64_Ehdr eh;
    auto bad = [&](const char* why) {
        error = fmt::format("{}: not a usable x86-64 ELF kernel: {}", path, why);
        return std::nullopt;
    };
    if (!elf.read(0, eh) || std::memcmp(eh.e_ident, "\x7f" "ELF", 4) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64
        || eh.e_machine != EM_X86_64)
        return bad("bad ELF header");
    if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || !elf.inside(eh.e_shoff, uint64_t(eh.e_shnum) * sizeof(Elf64_Shdr)))
        return bad("bad section header table");
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    for (unsigned i = 0; i < eh.e_shnum; ++i)
        elf.read(eh.e_shoff + i * sizeof(Elf64_Shdr), sh[i]);
    if (eh.e_shstrndx >= eh.e_shnum)
        return bad("bad e_shstrndx");
    auto section_name = [&](const Elf64_Shdr& s) {
        return elf.string_at(sh[eh.e_shstrndx].sh_offset, sh[eh.e_shstrndx].sh_size, s.sh_name).value_or("");
    };
    // A string at a run address: find the loaded section holding it.
    auto string_at_address = [&](uint64_t address) -> std::optional<std::string> {
        for (const auto& s : sh)
            if ((s.sh_flags & SHF_ALLOC) && s.sh_type != SHT_NOBITS && address >= s.sh_addr && address - s.sh_addr < s.sh_size)
                return elf.string_at(s.sh_offset, s.sh_size, address - s.sh_addr);
        return std::nullopt;
    };

    SymbolMap symbols;
    bool has_ksymtab = false;
    for (const auto& s : sh) {
        std::string name = section_name(s);
        if (name != "__ksymtab" && name != "__ksymtab_gpl")
            continue;
        has_ksymtab = true;
        if (s.sh_type == SHT_NOBITS || !elf.inside(s.sh_offset, s.sh_size) || s.sh_size % sizeof(lkm_kernel_symbol))
            return bad("malformed export table");
        for (uint64_t off = 0; off < s.sh_size; off += sizeof(lkm_kernel_symbol)) {
            lkm_kernel_symbol entry;
            elf.read(s.sh_offset + off, entry);
            auto export_name = string_at_address(entry.name);
            if (!export_name)
                return bad("export table entry whose name is not in the image");
            symbols[*export_name] = { entry.value, name == "__ksymtab_gpl" };
        }
    }
    if (has_ksymtab)
        return symbols;

    for (const auto& s : sh) {
        if (s.sh_type != SHT_SYMTAB)
            continue;
        if (s.sh_link >= eh.e_shnum || !elf.inside(s.sh_offset, s.sh_size))
            return bad("malformed symbol table");
        const Elf64_Shdr& strtab = sh[s.sh_link];
        for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= s.sh_size; off += sizeof(Elf64_Sym)) {
            Elf64_Sym sym;
            elf.read(s.sh_offset + off, sym);
            uint8_t bind = elf64_st_bind(sym.st_info);
            if ((bind != STB_GLOBAL && bind != STB_WEAK) || sym.st_shndx == SHN_UNDEF)
                continue;
            auto name = elf.string_at(strtab.sh_offset, strtab.sh_size, sym.st_name);
            if (name && !name->empty())
                symbols[*name] = { sym.st_value, false };
        }
    }
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
    m_unresolved.push_back(name);
    return ResolvedSymbol { trial_kernel_base + 0x1000 + 16ull * m_unresolved.size(), false };
}

} // namespace lkm::tools
