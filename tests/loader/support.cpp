#include "support.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace lkm::test {

std::string object_path(const std::string& name) { return std::string(LKMEMU_TEST_OBJECT_DIR) + "/" + name; }

std::vector<uint8_t> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        FAIL("cannot open " << path);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

std::vector<std::string> producers()
{
    if (LKMEMU_TEST_HAVE_GCC)
        return { "clang", "gcc" };
    return { "clang" };
}

Image::Image(std::vector<uint8_t> bytes) : m_words((bytes.size() + 7) / 8), m_size(bytes.size())
{
    if (!bytes.empty())
        std::memcpy(m_words.data(), bytes.data(), bytes.size());
}

elf::Elf64_Shdr& Image::section(unsigned index)
{
    REQUIRE(index < header().e_shnum);
    return reinterpret_cast<elf::Elf64_Shdr*>(data() + header().e_shoff)[index];
}

unsigned Image::section_index(const std::string& name)
{
    const char* names = reinterpret_cast<const char*>(data() + section(header().e_shstrndx).sh_offset);
    for (unsigned i = 1; i < header().e_shnum; ++i)
        if (name == names + section(i).sh_name)
            return i;
    FAIL("no section " << name);
    return 0;
}

unsigned Image::symbol_index(const std::string& name)
{
    unsigned symtab = section_index(".symtab");
    const elf::Elf64_Shdr& s = section(symtab);
    const char* names = reinterpret_cast<const char*>(data() + section(s.sh_link).sh_offset);
    auto* syms = reinterpret_cast<elf::Elf64_Sym*>(data() + s.sh_offset);
    for (unsigned i = 1; i < s.sh_size / sizeof(elf::Elf64_Sym); ++i)
        if (name == names + syms[i].st_name)
            return i;
    FAIL("no symbol " << name);
    return 0;
}

elf::Elf64_Sym& Image::symbol(const std::string& name)
{
    unsigned index = symbol_index(name);
    return reinterpret_cast<elf::Elf64_Sym*>(data() + section(".symtab").sh_offset)[index];
}

std::vector<elf::Elf64_Rela*> Image::relas_of(const std::string& target)
{
    unsigned target_index = section_index(target);
    std::vector<elf::Elf64_Rela*> out;
    for (unsigned i = 1; i < header().e_shnum; ++i) {
        elf::Elf64_Shdr& s = section(i);
        if (s.sh_type != elf::SHT_RELA || s.sh_info != target_index)
            continue;
        auto* rela = reinterpret_cast<elf::Elf64_Rela*>(data() + s.sh_offset);
        for (size_t k = 0; k < s.sh_size / sizeof(elf::Elf64_Rela); ++k)
            out.push_back(&rela[k]);
    }
    return out;
}

elf::Elf64_Rela& Image::rela_at(const std::string& target, uint64_t offset)
{
    for (auto* r : relas_of(target))
        if (r->r_offset == offset)
            return *r;
    FAIL("no relocation at " << target << "+" << offset);
    throw;
}

void* HostAllocator::allocate(size_t size, size_t alignment)
{
    void* p = std::aligned_alloc(std::max<size_t>(alignment, alignof(std::max_align_t)),
        (size + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t));
    if (p)
        ++live;
    return p;
}

void HostAllocator::deallocate(void* pointer)
{
    --live;
    std::free(pointer);
}

ErrorOr<ModuleMemory> TrialMemory::allocate_region(Region region, size_t size)
{
    if (fail_after == 0)
        return Error::from_errno(LKM_ENOMEM, "test: no module memory");
    if (fail_after != SIZE_MAX)
        --fail_after;
    void* p = std::aligned_alloc(loader_page_size, size);
    if (!p)
        return Error::from_errno(LKM_ENOMEM, "test: aligned_alloc failed");
    std::memset(p, 0xcc, size); // the loader must clear it
    ++live;
    ModuleMemory m;
    m.memory = static_cast<uint8_t*>(p);
    m.size = size;
    if (region == Region::core) {
        m.address = core_address;
        core_size = size;
    } else {
        m.address = init_address ? init_address : core_address + core_size; // as the tools do
    }
    return m;
}

void TrialMemory::free_region(Region, const ModuleMemory& memory)
{
    --live;
    std::free(memory.memory);
}

ErrorOr<ResolvedSymbol> TableResolver::resolve(const char* name)
{
    asked.push_back(name);
    auto it = table.find(name);
    if (it == table.end())
        return Error::from_errno(LKM_ENOENT, "not in table");
    return it->second;
}

TableResolver kernel_symbols()
{
    TableResolver r;
    r.add("printk", kernel_base + 0x1000)
        .add("kernel_gpl_only", kernel_base + 0x2000, true)
        .add("ext_func", kernel_base + 0x3000)
        .add("ext_data", kernel_base + 0x4000)
        .add("ext_low", 0x5000)
        .add("ext_pc", kernel_base + 0x5000);
    return r;
}

std::string describe(const Error& error)
{
    const char* name = lkm_errno_name(error.code);
    std::string s = name ? name : std::to_string(error.code);
    s += ": ";
    s += error.reason;
    if (error.context[0]) {
        s += ": ";
        s += error.context;
    }
    return s;
}

std::string Linked::error_text() const { return error ? describe(*error) : ""; }

std::vector<uint8_t> Linked::section_bytes(const std::string& name) const
{
    for (unsigned i = 1; i < info->shnum; ++i)
        if (name == info->section_name(i)) {
            uint8_t* p = info->section_memory(i);
            REQUIRE(p);
            return { p, p + info->sechdrs[i].sh_size };
        }
    FAIL("no section " << name);
    return {};
}

std::unique_ptr<Linked> link(Image image, SymbolResolver& resolver, TrialMemory memory)
{
    auto linked = std::unique_ptr<Linked>(new Linked { std::move(image), {}, memory, nullptr, std::nullopt });
    linked->info = std::make_unique<load_info>(linked->image.data(), linked->image.size(), linked->allocator);
    auto result = link_module(*linked->info, linked->memory, resolver);
    if (result.is_error())
        linked->error = result.release_error();
    return linked;
}

std::unique_ptr<Linked> link(Image image)
{
    TableResolver resolver = kernel_symbols();
    return link(std::move(image), resolver);
}

uint64_t read_u64(const uint8_t* p)
{
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

uint32_t read_u32(const uint8_t* p)
{
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

} // namespace lkm::test
