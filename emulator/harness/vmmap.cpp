#include "vmmap.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace lkmemu {

namespace {

constexpr uint64_t kDirectMapStart = 0xffff888000000000ull;
constexpr uint64_t kDirectMapEnd = 0xffffc88000000000ull; // 64 TiB, as Linux's 4-level layout
constexpr uint64_t kStackAreaStart = 0xffffc90000000000ull; // kernel stacks (asm/page.h VMAP_STACK_*)
constexpr uint64_t kStackAreaEnd = kStackAreaStart + (512ull << 30);
constexpr uint64_t kModuleAreaStart = 0xffffffffa0000000ull;
constexpr uint64_t kModuleAreaEnd = 0xffffffffff000000ull;
constexpr uint64_t kUserSpaceEnd = 0x0000800000000000ull;

std::string where(uint64_t address)
{
    if (address < kUserSpaceEnd)
        return "user";
    if (address >= kDirectMapStart && address < kDirectMapEnd)
        return "direct map";
    if (address >= kStackAreaStart && address < kStackAreaEnd)
        return "kernel stacks";
    if (address >= kModuleAreaStart && address < kModuleAreaEnd)
        return "module area";
    return "kernel";
}

} // namespace

std::vector<VmmapLine> describe_address_space(const std::vector<MappedRange>& ranges,
                                              const std::vector<NamedRegion>& regions_in)
{
    // An empty section (hello's .text when all its code is in .init.text) names no byte.
    std::vector<NamedRegion> regions;
    std::copy_if(regions_in.begin(), regions_in.end(), std::back_inserter(regions),
                 [](const NamedRegion& region) { return region.end > region.start; });
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
