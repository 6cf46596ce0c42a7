// Shared helpers for the loader tests: reading test objects, host allocators, a module memory
// provider at trial addresses, a table resolver, and byte-level ELF editing for rejection tests.
#pragma once

#include <loader/loader.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lkm::test {

inline constexpr uint64_t kernel_base = 0xffffffff80000000ull;
inline constexpr uint64_t module_base = 0xffffffffa0000000ull;

std::string object_path(const std::string& name); // e.g. "hello.clang.o"
std::vector<uint8_t> read_file(const std::string& path);
std::vector<std::string> producers();               // {"clang"} or {"clang", "gcc"}

// An ELF image in 8-byte aligned memory, editable for rejection tests.
class Image {
public:
    explicit Image(std::vector<uint8_t> bytes);
    static Image load(const std::string& object_name) { return Image(read_file(object_path(object_name))); }

    uint8_t* data() { return reinterpret_cast<uint8_t*>(m_words.data()); }
    size_t size() const { return m_size; }
    void truncate(size_t size) { m_size = size; }

    elf::Elf64_Ehdr& header() { return *reinterpret_cast<elf::Elf64_Ehdr*>(data()); }
    elf::Elf64_Shdr& section(unsigned index);
    unsigned section_index(const std::string& name); // fails the test if absent
    elf::Elf64_Shdr& section(const std::string& name) { return section(section_index(name)); }
    elf::Elf64_Sym& symbol(const std::string& name);
    unsigned symbol_index(const std::string& name);
    // The first RELA entry applying to `target` at `offset`.
    elf::Elf64_Rela& rela_at(const std::string& target, uint64_t offset);
    std::vector<elf::Elf64_Rela*> relas_of(const std::string& target);

private:
    std::vector<uint64_t> m_words;
    size_t m_size;
};

class HostAllocator final : public Allocator {
public:
    void* allocate(size_t size, size_t alignment) override;
    void deallocate(void* pointer) override;
    size_t live = 0; // allocations not yet freed
};

// Regions in host memory, linked for addresses in the module area: core at module_base, init
// right after it (or wherever the test asks).
class TrialMemory final : public ModuleMemoryProvider {
public:
    explicit TrialMemory(uint64_t core_address = module_base, uint64_t init_address = 0)
        : core_address(core_address), init_address(init_address) {}
    ErrorOr<ModuleMemory> allocate_region(Region region, size_t size) override;
    void free_region(Region region, const ModuleMemory& memory) override;
    uint64_t core_address, init_address;
    size_t live = 0;
    size_t fail_after = SIZE_MAX; // allocations to allow before answering ENOMEM
    size_t core_size = 0;
};

class TableResolver final : public SymbolResolver {
public:
    ErrorOr<ResolvedSymbol> resolve(const char* name) override;
    TableResolver& add(const std::string& name, uint64_t value, bool gpl_only = false)
    {
        table[name] = { value, gpl_only };
        return *this;
    }
    std::map<std::string, ResolvedSymbol> table;
    std::vector<std::string> asked;
};

// The kernel symbols the test objects import, at plausible kernel addresses.
TableResolver kernel_symbols();

// Runs the whole pipeline; the load_info keeps the result (and the regions) alive.
struct Linked {
    Image image;
    HostAllocator allocator;
    TrialMemory memory;
    std::unique_ptr<load_info> info;
    std::optional<Error> error;

    std::string error_text() const; // "ENOEXEC: reason: context", or "" on success
    std::vector<uint8_t> section_bytes(const std::string& name) const;
};
std::unique_ptr<Linked> link(Image image, SymbolResolver& resolver, TrialMemory memory = TrialMemory());
std::unique_ptr<Linked> link(Image image); // with kernel_symbols()

// "ENOEXEC: reason: context" for an Error.
std::string describe(const Error& error);

uint64_t read_u64(const uint8_t* p);
uint32_t read_u32(const uint8_t* p);

} // namespace lkm::test
