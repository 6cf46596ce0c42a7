#include "image_mutator.h"

#include <fmt/format.h>

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

namespace lkmemu::fuzz {

namespace {

// Reads and writes a T at a byte offset, bounds-checked: a mutated image may be anything.
template<typename T>
std::optional<T> load(const std::vector<uint8_t>& image, uint64_t offset)
{
    if (offset > image.size() || image.size() - offset < sizeof(T))
        return std::nullopt;
    T value;
    std::memcpy(&value, image.data() + offset, sizeof(T));
    return value;
}

template<typename T>
void store(std::vector<uint8_t>& image, uint64_t offset, const T& value)
{
    if (offset <= image.size() && image.size() - offset >= sizeof(T))
        std::memcpy(image.data() + offset, &value, sizeof(T));
}

// The section headers as the image has them now (empty if they are not inside the file).
struct Sections {
    uint64_t table = 0; // file offset of the section header table
    std::vector<Elf64_Shdr> headers;

    static Sections of(const std::vector<uint8_t>& image)
    {
        Sections s;
        auto ehdr = load<Elf64_Ehdr>(image, 0);
        if (!ehdr || ehdr->e_shentsize != sizeof(Elf64_Shdr))
            return s;
        s.table = ehdr->e_shoff;
        for (uint16_t i = 0; i < ehdr->e_shnum; ++i) {
            auto header = load<Elf64_Shdr>(image, s.table + uint64_t(i) * sizeof(Elf64_Shdr));
            if (!header)
                return Sections {};
            s.headers.push_back(*header);
        }
        return s;
    }
    uint64_t at(size_t index) const { return table + index * sizeof(Elf64_Shdr); }
    std::vector<size_t> of_type(uint32_t type) const
    {
        std::vector<size_t> found;
        for (size_t i = 0; i < headers.size(); ++i)
            if (headers[i].sh_type == type)
                found.push_back(i);
        return found;
    }
    // Whether the section's bytes lie inside the image.
    bool in_file(const std::vector<uint8_t>& image, size_t index) const
    {
        const Elf64_Shdr& h = headers[index];
        return h.sh_type != SHT_NOBITS && h.sh_offset <= image.size() && image.size() - h.sh_offset >= h.sh_size;
    }
    std::string name(const std::vector<uint8_t>& image, size_t index) const
    {
        auto ehdr = load<Elf64_Ehdr>(image, 0);
        if (!ehdr || ehdr->e_shstrndx >= headers.size())
            return {};
        uint64_t at = headers[ehdr->e_shstrndx].sh_offset + headers[index].sh_name;
        std::string name;
        while (at < image.size() && image[at] && name.size() < 64)
            name += char(image[at++]);
        return name;
    }
    std::optional<size_t> named(const std::vector<uint8_t>& image, std::string_view wanted) const
    {
        for (size_t i = 0; i < headers.size(); ++i)
            if (name(image, i) == wanted)
                return i;
        return std::nullopt;
    }
};

// A value a check is likely to compare against: the edges, off-by-ones of the old value, another
// section's index, a random one.
uint64_t interesting(Rng& rng, uint64_t old, size_t section_count)
{
    switch (rng.below(10)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return ~0ull;
    case 3: return old + 1;
    case 4: return old - 1;
    case 5: return old * 2 + rng.below(16);
    case 6: return rng.below(section_count + 2);
    case 7: return uint64_t(1) << rng.below(64);
    case 8: return 0x7fffffffull + rng.below(3);
    default: return rng.next();
    }
}

void flip_bytes(std::vector<uint8_t>& image, Rng& rng, std::vector<std::string>& steps)
{
    if (image.empty())
        return;
    uint64_t const count = 1 + rng.below(8);
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t const at = rng.below(image.size());
        uint8_t const old = image[at];
        image[at] = rng.one_in(2) ? uint8_t(old ^ (1u << rng.below(8))) : uint8_t(rng.next());
        steps.push_back(fmt::format("byte {:#x}: {:#04x} -> {:#04x}", at, old, image[at]));
    }
}

void truncate(std::vector<uint8_t>& image, Rng& rng, std::vector<std::string>& steps)
{
    uint64_t const size = rng.one_in(4) ? rng.below(0x40 + 1) : rng.below(image.size() + 1);
    steps.push_back(fmt::format("truncated from {} to {} bytes", image.size(), size));
    image.resize(size);
}

void elf_header_field(std::vector<uint8_t>& image, Rng& rng, std::vector<std::string>& steps)
{
    auto ehdr = load<Elf64_Ehdr>(image, 0);
    if (!ehdr)
        return flip_bytes(image, rng, steps);
    const char* field;
    switch (rng.below(5)) {
    case 0: ehdr->e_shoff = interesting(rng, ehdr->e_shoff, 0); field = "e_shoff"; break;
    case 1: ehdr->e_shnum = uint16_t(interesting(rng, ehdr->e_shnum, ehdr->e_shnum)); field = "e_shnum"; break;
    case 2: ehdr->e_shstrndx = uint16_t(interesting(rng, ehdr->e_shstrndx, ehdr->e_shnum)); field = "e_shstrndx"; break;
    case 3: ehdr->e_type = uint16_t(interesting(rng, ehdr->e_type, 4)); field = "e_type"; break;
    default: ehdr->e_machine = uint16_t(interesting(rng, ehdr->e_machine, 64)); field = "e_machine"; break;
    }
    store(image, 0, *ehdr);
    steps.push_back(fmt::format("ELF header {} changed", field));
}

void section_header_field(std::vector<uint8_t>& image, Rng& rng, std::vector<std::string>& steps)
{
    Sections const s = Sections::of(image);
    if (s.headers.size() < 2)
        return flip_bytes(image, rng, steps);
    size_t const index = 1 + rng.below(s.headers.size() - 1);
    Elf64_Shdr h = s.headers[index];
    size_t const n = s.headers.size();
    const char* field;
    uint64_t old;
    switch (rng.below(9)) {
    case 0: old = h.sh_type; h.sh_type = uint32_t(rng.one_in(2) ? rng.below(20) : interesting(rng, old, n)); field = "sh_type"; break;
    case 1: old = h.sh_flags; h.sh_flags ^= uint64_t(1) << rng.below(12); field = "sh_flags"; break;
    case 2: old = h.sh_addr; h.sh_addr = interesting(rng, old, n); field = "sh_addr"; break;
    case 3: old = h.sh_offset; h.sh_offset = interesting(rng, old, n); field = "sh_offset"; break;
    case 4: old = h.sh_size; h.sh_size = interesting(rng, old, n); field = "sh_size"; break;
    case 5: old = h.sh_link; h.sh_link = uint32_t(interesting(rng, old, n)); field = "sh_link"; break;
    case 6: old = h.sh_info; h.sh_info = uint32_t(interesting(rng, old, n)); field = "sh_info"; break;
    case 7: old = h.sh_addralign; h.sh_addralign = interesting(rng, old, n); field = "sh_addralign"; break;
    default: old = h.sh_entsize; h.sh_entsize = interesting(rng, old, n); field = "sh_entsize"; break;
    }
    store(image, s.at(index), h);
    steps.push_back(fmt::format("section [{}] {} {}: {:#x} -> changed", index, s.name(image, index), field, old));
}

void relocation_entry(std::vector<uint8_t>& image, Rng& rng, std::vector<std::string>& steps)
{
    Sections const s = Sections::of(image);
    std::vector<size_t> relas = s.of_type(SHT_RELA);
    std::erase_if(relas, [&](size_t i) { return !s.in_file(image, i) || s.headers[i].sh_size < sizeof(Elf64_Rela); });
    if (relas.empty())
        return section_header_field(image, rng, steps);
    size_t const index = relas[rng.below(relas.size())];
    const Elf64_Shdr& h = s.headers[index];
    uint64_t const entry = rng.below(h.sh_size / sizeof(Elf64_Rela));
    uint64_t const at = h.sh_offset + entry * sizeof(Elf64_Rela);
    Elf64_Rela r = *load<Elf64_Rela>(image, at);
    uint64_t target_size = h.sh_info < s.headers.size() ? s.headers[h.sh_info].sh_size : 0;
    const char* field;
    switch (rng.below(4)) {
    case 0: // just inside, at, and past the end of the section it applies to
        r.r_offset = rng.one_in(2) ? target_size - rng.below(8) : interesting(rng, r.r_offset, 0);
        field = "r_offset";
        break;
    case 1: r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), rng.below(R_X86_64_NUM + 2)); field = "type"; break;
    case 2: r.r_info = ELF64_R_INFO(uint32_t(interesting(rng, ELF64_R_SYM(r.r_info), 64)), ELF64_R_TYPE(r.r_info)); field = "symbol"; break;
    default: r.r_addend = int64_t(rng.one_in(2) ? r.r_addend + int64_t(rng.below(0x2000)) - 0x1000 : interesting(rng, r.r_addend, 0)); field = "addend"; break;
    }
    store(image, at, r);
    steps.push_back(fmt::format("relocation {} #{}: {} changed", s.name(image, index), entry, field));
}

void symbol_field(std::vector<uint8_t>& image, Rng& rng, std::vector<std::string>& steps)
{
    Sections const s = Sections::of(image);
    std::vector<size_t> symtabs = s.of_type(SHT_SYMTAB);
    std::erase_if(symtabs, [&](size_t i) { return !s.in_file(image, i) || s.headers[i].sh_size < 2 * sizeof(Elf64_Sym); });
    if (symtabs.empty())
        return section_header_field(image, rng, steps);
    const Elf64_Shdr& h = s.headers[symtabs.front()];
    uint64_t const entry = 1 + rng.below(h.sh_size / sizeof(Elf64_Sym) - 1);
    uint64_t const at = h.sh_offset + entry * sizeof(Elf64_Sym);
    Elf64_Sym sym = *load<Elf64_Sym>(image, at);
    size_t const n = s.headers.size();
    const char* field;
    switch (rng.below(5)) {
    case 0: sym.st_name = uint32_t(interesting(rng, sym.st_name, 0)); field = "st_name"; break;
    case 1: sym.st_info = uint8_t(rng.next()); field = "st_info"; break;
    case 2: {
        static constexpr uint16_t special[] = {SHN_UNDEF, SHN_ABS, SHN_COMMON, SHN_XINDEX, SHN_LORESERVE};
        sym.st_shndx = rng.one_in(2) ? special[rng.below(std::size(special))] : uint16_t(rng.below(n + 2));
        field = "st_shndx";
        break;
    }
    case 3: sym.st_value = rng.one_in(2) ? sym.st_value + rng.below(0x100) : interesting(rng, sym.st_value, n); field = "st_value"; break;
    default: sym.st_size = interesting(rng, sym.st_size, n); field = "st_size"; break;
    }
    store(image, at, sym);
    steps.push_back(fmt::format("symbol #{}: {} changed", entry, field));
}

void modinfo_string(std::vector<uint8_t>& image, Rng& rng, std::vector<std::string>& steps)
{
    Sections const s = Sections::of(image);
    auto index = s.named(image, ".modinfo");
    if (!index || !s.in_file(image, *index) || s.headers[*index].sh_size == 0)
        return section_header_field(image, rng, steps);
    uint64_t const begin = s.headers[*index].sh_offset, size = s.headers[*index].sh_size;
    uint64_t const at = begin + rng.below(size);
    switch (rng.below(4)) {
    case 0: // a terminator gone: two entries run together, or the last runs off the end
        image[at] = image[at] ? uint8_t('x') : uint8_t('=');
        steps.push_back(fmt::format(".modinfo byte {} replaced", at - begin));
        break;
    case 1: // a byte that is not ASCII (module names, vermagic and licences are printed)
        image[at] = uint8_t(0x80 + rng.below(0x80));
        steps.push_back(fmt::format(".modinfo byte {} set to {:#04x}", at - begin, image[at]));
        break;
    case 2: { // an entry's value rewritten in place
        static constexpr std::string_view values[] = {"GPL", "Proprietary", "", "nonexistent_dep", ",,,",
                                                      "1.0 SMP mod_unload", "hello", "Y"};
        std::string_view const value = values[rng.below(std::size(values))];
        uint64_t const start = at;
        for (size_t i = 0; i < value.size() && start + i < begin + size - 1; ++i)
            image[start + i] = uint8_t(value[i]);
        steps.push_back(fmt::format(".modinfo at {} overwritten with \"{}\"", at - begin, value));
        break;
    }
    default: { // a whole key renamed to one the kernel reads
        static constexpr std::string_view keys[] = {"name=", "depends=", "vermagic=", "license=", "intree=", "parm="};
        std::string_view const key = keys[rng.below(std::size(keys))];
        uint64_t start = at;
        while (start > begin && image[start - 1])
            --start;
        for (size_t i = 0; i < key.size() && start + i < begin + size - 1; ++i)
            image[start + i] = uint8_t(key[i]);
        steps.push_back(fmt::format(".modinfo entry at {} renamed to \"{}\"", start - begin, key));
        break;
    }
    }
}

// Parameters: the module's own names with values its parser must refuse or clamp, names it does
// not have, and forms parse_args must handle (no value, quoting, many, very long).
std::vector<std::string> parameters(const SeedModule& seed, Rng& rng, std::vector<std::string>& steps)
{
    static constexpr std::string_view values[] = {
        "", "0", "-1", "y", "n", "abc", "2147483648", "-9223372036854775809", "18446744073709551616",
        "1,2,3", "1,2,3,4,5,6,7,8,9", ",", "0x7fffffff", "\"quoted value\"", "\"unterminated", "=", "%s%s%n",
        "\xff\xfe", "1e9"};
    std::vector<std::string> params;
    uint64_t const count = rng.below(5);
    for (uint64_t i = 0; i < count; ++i) {
        std::string name = !seed.params.empty() && !rng.one_in(4) ? seed.params[rng.below(seed.params.size())]
                                                                  : std::string(rng.one_in(2) ? "nosuch" : "a.b");
        if (rng.one_in(8)) {
            params.push_back(name); // a bare name: true for a bool, an error for the rest
            continue;
        }
        std::string value = rng.one_in(6) ? std::string(1 + rng.below(4096), 'A') : std::string(values[rng.below(std::size(values))]);
        params.push_back(name + "=" + value);
    }
    if (!params.empty())
        steps.push_back(fmt::format("{} parameter(s)", params.size()));
    return params;
}

} // namespace

SeedModule make_seed(std::string name, std::vector<uint8_t> image)
{
    SeedModule seed {std::move(name), std::move(image), {}};
    Sections const s = Sections::of(seed.image);
    if (auto index = s.named(seed.image, ".modinfo"); index && s.in_file(seed.image, *index)) {
        auto const* begin = reinterpret_cast<const char*>(seed.image.data() + s.headers[*index].sh_offset);
        std::string_view text(begin, s.headers[*index].sh_size);
        for (size_t at = 0; at < text.size();) {
            size_t end = text.find('\0', at);
            if (end == std::string_view::npos)
                end = text.size();
            std::string_view entry = text.substr(at, end - at);
            if (entry.starts_with("parmtype=")) {
                entry.remove_prefix(9);
                seed.params.emplace_back(entry.substr(0, entry.find(':')));
            }
            at = end + 1;
        }
    }
    return seed;
}

MutatedInput mutate(const SeedModule& seed, Rng& rng)
{
    MutatedInput input {seed.image, {}, {}};
    // One in eight inputs keeps the image valid and exercises parameters alone.
    uint64_t const mutations = rng.one_in(8) ? 0 : 1 + rng.below(rng.one_in(3) ? 4 : 1);
    for (uint64_t i = 0; i < mutations; ++i) {
        switch (rng.below(16)) {
        case 0: case 1: case 2: flip_bytes(input.image, rng, input.steps); break;
        case 3: truncate(input.image, rng, input.steps); break;
        case 4: elf_header_field(input.image, rng, input.steps); break;
        case 5: case 6: case 7: section_header_field(input.image, rng, input.steps); break;
        case 8: case 9: case 10: case 11: relocation_entry(input.image, rng, input.steps); break;
        case 12: case 13: symbol_field(input.image, rng, input.steps); break;
        default: modinfo_string(input.image, rng, input.steps); break;
        }
    }
    if (mutations == 0 || rng.one_in(4))
        input.params = parameters(seed, rng, input.steps);
    if (input.steps.empty())
        input.steps.push_back("unchanged");
    return input;
}

} // namespace lkmemu::fuzz
