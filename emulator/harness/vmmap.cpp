#include "vmmap.h"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace lkmemu {

namespace {

constexpr uint64_t kDirectMapStart = 0xffff888000000000ull;
constexpr uint64_t kDirectMapEnd = 0xffffc88000000000ull; // 64 TiB, as Linux's 4-level layout
constexpr uint64_t kModuleAreaStart = 0xffffffffa0000000ull;
constexpr uint64_t kModuleAreaEnd = 0xffffffffff000000ull;
constexpr uint64_t kUserSpaceEnd = 0x0000800000000000ull;

std::string where(uint64_t address)
{
    if (address < kUserSpaceEnd)
        return "user";
    if (address >= kDirectMapStart && address < kDirectMapEnd)
        return "direct map";
    if (address >= kModuleAreaStart && address < kModuleAreaEnd)
        return "module area";
    return "kernel";
}

} // namespace

std::vector<NamedRegion> kernel_section_regions(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    std::vector<char> image((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<NamedRegion> regions;
    if (image.size() < sizeof(Elf64_Ehdr))
        return regions;
    Elf64_Ehdr header;
    std::copy_n(image.data(), sizeof header, reinterpret_cast<char*>(&header));
    uint64_t table_end = header.e_shoff + uint64_t(header.e_shnum) * sizeof(Elf64_Shdr);
    if (header.e_shentsize != sizeof(Elf64_Shdr) || table_end > image.size()
        || header.e_shstrndx >= header.e_shnum)
        return regions;
    auto section = [&](unsigned index) {
        Elf64_Shdr s;
        std::copy_n(image.data() + header.e_shoff + index * sizeof(Elf64_Shdr), sizeof s,
                    reinterpret_cast<char*>(&s));
        return s;
    };
    Elf64_Shdr names = section(header.e_shstrndx);
    for (unsigned i = 1; i < header.e_shnum; ++i) {
        Elf64_Shdr s = section(i);
        if (!(s.sh_flags & SHF_ALLOC) || s.sh_size == 0 || s.sh_addr < kUserSpaceEnd)
            continue;
        uint64_t name_at = names.sh_offset + s.sh_name;
        if (name_at >= image.size())
            continue;
        std::string name(image.data() + name_at, strnlen(image.data() + name_at, image.size() - name_at));
        regions.push_back({s.sh_addr, s.sh_addr + s.sh_size, "kernel " + name});
    }
    return regions;
}

std::vector<VmmapLine> describe_address_space(const std::vector<MappedRange>& ranges,
                                              const std::vector<NamedRegion>& regions_in)
{
    std::vector<NamedRegion> regions = regions_in;
    std::sort(regions.begin(), regions.end(),
              [](const NamedRegion& a, const NamedRegion& b) { return a.start < b.start; });

    std::vector<VmmapLine> lines;
    for (const MappedRange& range : ranges) {
        std::string perms = fmt::format("r{}{}", range.writable ? 'w' : '-', range.executable ? 'x' : '-');
        uint64_t at = range.start;
        while (at < range.end) {
            // The region containing `at`, or else the next region starting inside this range.
            const NamedRegion* inside = nullptr;
            uint64_t next_boundary = range.end;
            for (const NamedRegion& region : regions) {
                if (region.start <= at && at < region.end) {
                    inside = &region;
                    next_boundary = std::min(next_boundary, region.end);
                    break;
                }
                if (region.start > at && region.start < next_boundary)
                    next_boundary = region.start;
            }
            // Section ends are not page-aligned; a page holding the tail of one section and the
            // head of the next is named after the one it starts with.
            uint64_t piece_end = std::min(range.end, (next_boundary + 0xfff) & ~uint64_t(0xfff));
            if (piece_end <= at)
                piece_end = range.end;
            std::string what = inside ? inside->name : where(at);
            if (!lines.empty() && lines.back().end == at && lines.back().what == what
                && lines.back().perms == perms && lines.back().user == range.user)
                lines.back().end = piece_end;
            else
                lines.push_back({at, piece_end, perms, range.user, what});
            at = piece_end;
        }
    }
    return lines;
}

std::string format_vmmap(const std::vector<VmmapLine>& lines)
{
    std::string out;
    for (const VmmapLine& line : lines)
        out += fmt::format("{:016x}-{:016x} {} {}\n", line.start, line.end, line.perms, line.what);
    return out;
}

} // namespace lkmemu
