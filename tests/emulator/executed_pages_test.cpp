// ExecutedPages (machine/executed_pages.h): after a restore it names exactly the virtual pages
// whose code may have changed — executable from a page the restore put back, or now translating
// elsewhere or nowhere — and keeps the rest.
#include "machine/executed_pages.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace lkmemu;

namespace {

std::vector<uint64_t> forget(ExecutedPages& pages, std::vector<uint64_t> const& changed,
                             std::map<uint64_t, uint64_t> const& page_tables)
{
    std::vector<uint64_t> forgotten;
    pages.forget_changed(
        changed,
        [&](uint64_t va) -> std::optional<uint64_t> {
            auto it = page_tables.find(va);
            return it == page_tables.end() ? std::nullopt : std::optional<uint64_t>(it->second);
        },
        [&](uint64_t va) { forgotten.push_back(va); });
    std::sort(forgotten.begin(), forgotten.end());
    return forgotten;
}

} // namespace

TEST_CASE("executed pages: a restore forgets the changed code and keeps the rest", "[executed_pages]")
{
    ExecutedPages pages;
    pages.note(0xffffffff80000000, 0x100000); // kernel text
    pages.note(0xffffffff80001000, 0x101000);
    pages.note(0xffffffffa0000000, 0x2b7000); // a module's text
    pages.note(0xffffffffa0000000, 0x2b7000); // again: recorded once
    pages.note(0x400000, 0x2b7000);           // an alias of the same page
    pages.note(0xffffffffa0001000, 0x2c8000); // remapped below
    CHECK(pages.size() == 5);

    std::map<uint64_t, uint64_t> const page_tables {
        { 0xffffffff80000000, 0x100000 }, { 0xffffffff80001000, 0x101000 },
        { 0xffffffffa0000000, 0x2b7000 }, { 0x400000, 0x2b7000 },
        { 0xffffffffa0001000, 0x3000 }, // now another page
    };
    // 0x2b7000 was put back: both of its virtual pages go, and the remapped one.
    CHECK(forget(pages, { 0x5000, 0x2b7000, 0x2b8000 }, page_tables) ==
          std::vector<uint64_t> { 0x400000, 0xffffffffa0000000, 0xffffffffa0001000 });
    CHECK(pages.size() == 2);
    // Nothing changed since: nothing is forgotten.
    CHECK(forget(pages, {}, page_tables).empty());
    // Unmapped now: forgotten, even though its page did not change.
    CHECK(forget(pages, {}, { { 0xffffffff80000000, 0x100000 } }) == std::vector<uint64_t> { 0xffffffff80001000 });
    CHECK(pages.size() == 1);

    // A pair forgotten and executed again is recorded again (the last-pair shortcut is reset).
    pages.note(0xffffffff80001000, 0x101000);
    CHECK(pages.size() == 2);
    pages.clear();
    CHECK(pages.size() == 0);
    pages.note(0xffffffff80001000, 0x101000);
    CHECK(pages.size() == 1);
}
