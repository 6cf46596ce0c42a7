// Micro-benchmark: relocations applied per second on the host, for a generated module with
// 100,000 relocations (60,000 PLT32/PC32 calls in .text, 40,000 R_X86_64_64 pointers in .data)
// against 1,000 imported kernel symbols. Prints two figures: the whole link (validate, lay out,
// copy, resolve, relocate) and apply_relocations alone. Results go in docs/benchmarks.md.
#include <loader/loader.h>
#include <loader/tools/host_memory.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

using namespace lkm;
using namespace lkm::elf;

namespace {

constexpr unsigned text_relocations = 60000, data_relocations = 40000, imports = 1000;

struct Builder {
    std::vector<uint8_t> bytes;
    size_t append(const void* data, size_t size, size_t align = 8)
    {
        while (bytes.size() % align)
            bytes.push_back(0);
        size_t at = bytes.size();
        bytes.insert(bytes.end(), static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + size);
        return at;
    }
};

// A valid module: .text, .data, this_module, .modinfo, three RELA sections, symbols.
std::vector<uint8_t> generate_module()
{
    std::string shstrtab("\0", 1), strtab("\0", 1);
    auto add_name = [](std::string& table, const std::string& name) {
        uint32_t at = static_cast<uint32_t>(table.size());
        table += name;
        table.push_back('\0');
        return at;
    };
    std::vector<uint8_t> text(text_relocations * 5, 0), data(data_relocations * 8, 0);
    for (unsigned i = 0; i < text_relocations; ++i)
        text[i * 5] = 0xe8; // call rel32
    lkm_this_module mod {};
    mod.abi_version = LKM_THIS_MODULE_ABI;
    std::strcpy(mod.name, "bench");
    const char modinfo[] = "license=GPL\0name=bench";

    std::vector<Elf64_Sym> syms(1);
    Elf64_Sym text_section {};
    text_section.st_info = STT_SECTION;
    text_section.st_shndx = 1;
    syms.push_back(text_section); // 1: local
    Elf64_Sym init {};
    init.st_name = add_name(strtab, "bench_init");
    init.st_info = (STB_GLOBAL << 4) | STT_FUNC;
    init.st_shndx = 1;
    syms.push_back(init); // 2: first global
    for (unsigned i = 0; i < imports; ++i) {
        Elf64_Sym s {};
        s.st_name = add_name(strtab, "kernel_fn_" + std::to_string(i));
        s.st_info = (STB_GLOBAL << 4) | STT_FUNC;
        syms.push_back(s);
    }
    std::vector<Elf64_Rela> rela_text, rela_data, rela_mod;
    for (unsigned i = 0; i < text_relocations; ++i) {
        bool local = i % 4 == 3;
        rela_text.push_back({ i * 5 + 1ull, elf64_r_info(local ? 1 : 3 + i % imports, local ? R_X86_64_PC32 : R_X86_64_PLT32), -4 });
    }
    for (unsigned i = 0; i < data_relocations; ++i)
        rela_data.push_back({ i * 8ull, elf64_r_info(3 + i % imports, R_X86_64_64), 0 });
    rela_mod.push_back({ __builtin_offsetof(lkm_this_module, init), elf64_r_info(2, R_X86_64_64), 0 });

    Builder b;
    Elf64_Ehdr eh {};
    b.append(&eh, sizeof eh);
    std::vector<Elf64_Shdr> sh(11);
    auto section = [&](unsigned i, const char* name, uint32_t type, uint64_t flags, size_t offset, size_t size,
                       uint32_t link = 0, uint32_t info = 0, uint64_t align = 8, uint64_t entsize = 0) {
        sh[i] = { add_name(shstrtab, name), type, flags, 0, offset, size, link, info, align, entsize };
    };
    section(1, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, b.append(text.data(), text.size(), 16), text.size(), 0, 0, 16);
    section(2, ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, b.append(data.data(), data.size()), data.size());
    section(3, ".gnu.linkonce.this_module", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, b.append(&mod, sizeof mod), sizeof mod);
    section(4, ".modinfo", SHT_PROGBITS, SHF_ALLOC, b.append(modinfo, sizeof modinfo, 1), sizeof modinfo, 0, 0, 1);
    auto rela = [&](unsigned i, const char* name, std::vector<Elf64_Rela>& r, unsigned target) {
        section(i, name, SHT_RELA, SHF_INFO_LINK, b.append(r.data(), r.size() * sizeof(Elf64_Rela)),
            r.size() * sizeof(Elf64_Rela), 8, target, 8, sizeof(Elf64_Rela));
    };
    rela(5, ".rela.text", rela_text, 1);
    rela(6, ".rela.data", rela_data, 2);
    rela(7, ".rela.gnu.linkonce.this_module", rela_mod, 3);
    section(8, ".symtab", SHT_SYMTAB, 0, b.append(syms.data(), syms.size() * sizeof(Elf64_Sym)),
        syms.size() * sizeof(Elf64_Sym), 9, 2, 8, sizeof(Elf64_Sym));
    section(9, ".strtab", SHT_STRTAB, 0, b.append(strtab.data(), strtab.size(), 1), strtab.size(), 0, 0, 1);
    size_t shstrtab_name = add_name(shstrtab, ".shstrtab");
    size_t shstrtab_offset = b.append(shstrtab.data(), shstrtab.size(), 1);
    sh[10] = { static_cast<uint32_t>(shstrtab_name), SHT_STRTAB, 0, 0, shstrtab_offset, shstrtab.size(), 0, 0, 1, 0 };
    size_t shoff = b.append(sh.data(), sh.size() * sizeof(Elf64_Shdr));

    std::memcpy(eh.e_ident, "\x7f" "ELF", 4);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_REL;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_shoff = shoff;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = static_cast<uint16_t>(sh.size());
    eh.e_shstrndx = 10;
    std::memcpy(b.bytes.data(), &eh, sizeof eh);
    return b.bytes;
}

class MapResolver final : public SymbolResolver {
public:
    MapResolver()
    {
        for (unsigned i = 0; i < imports; ++i)
            m_symbols["kernel_fn_" + std::to_string(i)] = tools::trial_kernel_base + 0x1000 + 16ull * i;
    }
    ErrorOr<ResolvedSymbol> resolve(const char* name) override
    {
        auto it = m_symbols.find(name);
        if (it == m_symbols.end())
            return Error::from_errno(LKM_ENOENT, "not exported");
        return ResolvedSymbol { it->second, false };
    }

private:
    std::unordered_map<std::string, uint64_t> m_symbols;
};

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv)
{
    int iterations = argc > 1 ? std::atoi(argv[1]) : 50;
    std::vector<uint8_t> bytes = generate_module();
    std::vector<uint64_t> image((bytes.size() + 7) / 8);
    std::memcpy(image.data(), bytes.data(), bytes.size());
    tools::MallocAllocator allocator;
    MapResolver resolver;
    const size_t relocations = text_relocations + data_relocations + 1;

    // Whole link, repeated.
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
        tools::TrialModuleMemory memory;
        load_info info(image.data(), bytes.size(), allocator);
        auto result = link_module(info, memory, resolver);
        if (result.is_error() || info.relocations_applied != relocations) {
            std::fprintf(stderr, "bench: link failed: %s: %s\n", result.is_error() ? result.error().reason : "count",
                result.is_error() ? result.error().context : "");
            return 1;
        }
    }
    double link_seconds = seconds_since(start);

    // apply_relocations alone, on one linked module (RELA: applying again gives the same bytes).
    tools::TrialModuleMemory memory;
    load_info info(image.data(), bytes.size(), allocator);
    if (link_module(info, memory, resolver).is_error())
        return 1;
    start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
        if (apply_relocations(info).is_error())
            return 1;
    double apply_seconds = seconds_since(start);

    std::printf("module: %zu bytes, %zu relocations, %u imports; %d iterations each\n", bytes.size(), relocations, imports,
        iterations);
    std::printf("link_module:       %8.3f ms/module  %12.0f relocations/s\n", 1e3 * link_seconds / iterations,
        relocations * iterations / link_seconds);
    std::printf("apply_relocations: %8.3f ms/module  %12.0f relocations/s\n", 1e3 * apply_seconds / iterations,
        relocations * iterations / apply_seconds);
    return 0;
}
