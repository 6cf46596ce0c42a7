// Exception tables (guest-kernel/lib/extable.cpp) on the host: sort_extable orders a table of
// self-relative entries by instruction address, rebasing each moved entry's offsets so that it
// still names the same instruction and fixup; search_extable then finds every listed
// instruction and nothing else.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include <kernel/extable.h>

namespace {

// Stand-ins for instructions: bytes of one static block, near the tables so that the 32-bit
// self-relative offsets reach them (as text and __ex_table in the kernel image).
unsigned char g_text[4096];
exception_table_entry g_table[300];

void set_entry(exception_table_entry& e, uint64_t insn, uint64_t fixup)
{
    e.insn = static_cast<int32_t>(static_cast<int64_t>(insn - reinterpret_cast<uint64_t>(&e.insn)));
    e.fixup = static_cast<int32_t>(static_cast<int64_t>(fixup - reinterpret_cast<uint64_t>(&e.fixup)));
}

uint64_t text(size_t offset) { return reinterpret_cast<uint64_t>(g_text) + offset; }

} // namespace

TEST_CASE("extable: sort_extable orders entries by instruction and keeps each entry's fixup")
{
    for (size_t count : { size_t(0), size_t(1), size_t(2), size_t(7), size_t(300) }) {
        std::vector<size_t> insns(count);
        for (size_t i = 0; i < count; i++)
            insns[i] = 4 * i + 1;
        std::shuffle(insns.begin(), insns.end(), std::mt19937(static_cast<unsigned>(count)));
        std::map<uint64_t, uint64_t> expected; // instruction -> fixup
        for (size_t i = 0; i < count; i++) {
            uint64_t fixup = text(2048 + insns[i] % 512); // fixups are shared, as usercopy.S's
            set_entry(g_table[i], text(insns[i]), fixup);
            expected[text(insns[i])] = fixup;
        }

        sort_extable(g_table, g_table + count);

        for (size_t i = 0; i + 1 < count; i++)
            CHECK(ex_insn_addr(&g_table[i]) < ex_insn_addr(&g_table[i + 1]));
        for (size_t i = 0; i < count; i++) {
            REQUIRE(expected.count(ex_insn_addr(&g_table[i])));
            CHECK(ex_fixup_addr(&g_table[i]) == expected[ex_insn_addr(&g_table[i])]);
        }
    }
}

TEST_CASE("extable: search_extable finds each listed instruction and no other address")
{
    size_t count = 300;
    std::map<uint64_t, uint64_t> fixup_of;
    for (size_t i = 0; i < count; i++) {
        uint64_t insn = text(4 * ((i * 7) % count) + 2); // every 4th byte, out of order
        set_entry(g_table[i], insn, text(3000 + i % 5));
        fixup_of[insn] = text(3000 + i % 5);
    }
    sort_extable(g_table, g_table + count);
    for (size_t i = 0; i < count; i++) {
        uint64_t insn = text(4 * i + 2);
        const exception_table_entry* e = search_extable(g_table, count, insn);
        REQUIRE(e != nullptr);
        CHECK(ex_insn_addr(e) == insn);
        CHECK(ex_fixup_addr(e) == fixup_of.at(insn));
        CHECK(search_extable(g_table, count, insn + 1) == nullptr); // inside the "instruction"
        CHECK(search_extable(g_table, count, insn - 1) == nullptr);
    }
    CHECK(search_extable(g_table, count, text(0)) == nullptr);
    CHECK(search_extable(g_table, count, text(4 * count + 2)) == nullptr);
    CHECK(search_extable(g_table, 0, text(2)) == nullptr);
}
