// InstructionCounter on its own: instructions per block decoded once and cached, whether a block
// ends in an instruction that may set IF, and dropping a page's cached blocks when new code may
// be written there (the machine calls invalidate_page on a write through a fresh translation).
#include "machine/instruction_counter.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <vector>

using namespace lkmemu;

namespace {

// Guest memory as the counter reads it: code placed at virtual addresses.
struct FakeCode {
    std::map<uint64_t, std::vector<uint8_t>> blocks;
    int reads = 0;

    InstructionCounter::CodeReader reader()
    {
        return [this](uint64_t va, std::span<uint8_t> out) {
            reads++;
            auto it = blocks.find(va);
            if (it == blocks.end() || it->second.size() < out.size())
                return false;
            std::memcpy(out.data(), it->second.data(), out.size());
            return true;
        };
    }
};

const std::vector<uint8_t> three_nops = { 0x90, 0x90, 0x90 };  // 3 instructions
const std::vector<uint8_t> one_long_nop = { 0x0f, 0x1f, 0x00 }; // nop dword [rax]: 1 instruction

} // namespace

TEST_CASE("instructions are counted per block, decoded once", "[counter]")
{
    FakeCode code;
    code.blocks[0x1000] = three_nops;
    code.blocks[0x2000] = one_long_nop;
    InstructionCounter counter(code.reader());
    counter.on_block(0x1000, 3);
    counter.on_block(0x1000, 3);
    counter.on_block(0x2000, 3);
    CHECK(counter.total() == 7);
    CHECK(code.reads == 2);
}

TEST_CASE("new code at a cached address counts anew once its page is invalidated", "[counter]")
{
    FakeCode code;
    code.blocks[0xffffffffa0000010] = three_nops;
    code.blocks[0xffffffffa0001000] = three_nops;
    InstructionCounter counter(code.reader());
    counter.on_block(0xffffffffa0000010, 3);
    counter.on_block(0xffffffffa0001000, 3);
    REQUIRE(counter.total() == 6);

    // Another module's code where the first one was: same address, same size.
    code.blocks[0xffffffffa0000010] = one_long_nop;
    counter.invalidate_page(0xffffffffa0002000); // another page: nothing cached there
    counter.on_block(0xffffffffa0000010, 3);
    CHECK(counter.total() == 9); // still the cached count: nothing said the page changed

    counter.invalidate_page(0xffffffffa0000000);
    counter.on_block(0xffffffffa0000010, 3);
    CHECK(counter.total() == 10);
    counter.on_block(0xffffffffa0001000, 3); // the other page's block stayed cached
    CHECK(counter.total() == 13);
    CHECK(code.reads == 3);
}

TEST_CASE("a block across a page boundary is dropped with either page", "[counter]")
{
    FakeCode code;
    code.blocks[0x1ffe] = three_nops; // 0x1ffe..0x2000
    InstructionCounter counter(code.reader());
    counter.on_block(0x1ffe, 3);
    counter.invalidate_page(0x2000);
    counter.on_block(0x1ffe, 3);
    CHECK(code.reads == 2);
    counter.invalidate_page(0x1000);
    counter.on_block(0x1ffe, 3);
    CHECK(code.reads == 3);
    CHECK(counter.total() == 9);
}

TEST_CASE("a block that ends in sti, popf, iretq or sysret may have set IF", "[counter]")
{
    FakeCode code;
    code.blocks[0x1000] = { 0x90, 0xfb };       // nop; sti
    code.blocks[0x2000] = { 0x90, 0x9d };       // nop; popfq
    code.blocks[0x3000] = { 0x48, 0xcf };       // iretq
    code.blocks[0x4000] = { 0x48, 0x0f, 0x07 }; // sysretq
    code.blocks[0x5000] = { 0x90, 0xc3 };       // nop; ret
    code.blocks[0x6000] = { 0xfb, 0x90, 0xc3 }; // sti; nop; ret: IF was set, then more ran
    InstructionCounter counter(code.reader());
    CHECK(counter.on_block(0x1000, 2));
    CHECK(counter.on_block(0x2000, 2));
    CHECK(counter.on_block(0x3000, 2));
    CHECK(counter.on_block(0x4000, 3));
    CHECK_FALSE(counter.on_block(0x5000, 2));
    CHECK_FALSE(counter.on_block(0x6000, 3));
    // Unreadable code: count one and assume the worst.
    CHECK(counter.on_block(0x7000, 4));
}

TEST_CASE("many distinct blocks are each decoded once, a page forget drops only that page's",
          "[counter]")
{
    // Every address reads as nops, so a block of n bytes is n instructions.
    int reads = 0;
    InstructionCounter counter([&reads](uint64_t, std::span<uint8_t> out) {
        reads++;
        std::memset(out.data(), 0x90, out.size());
        return true;
    });
    // 100,000 blocks of 4 bytes, 16 bytes apart: 256 blocks on each 4 KiB page from 0x100000.
    constexpr uint64_t base = 0x100000;
    constexpr int blocks = 100000;
    auto run_all = [&] {
        for (int i = 0; i < blocks; i++)
            counter.on_block(base + uint64_t(i) * 16, 4);
    };
    run_all();
    run_all();
    CHECK(counter.decodes() == blocks);
    CHECK(reads == blocks);
    CHECK(counter.cached_blocks() == size_t(blocks));
    CHECK(counter.total() == uint64_t(blocks) * 2 * 4);

    // The same start with another size is another block.
    counter.on_block(base, 8);
    CHECK(counter.decodes() == blocks + 1);

    // A block spanning pages 0x100000 and 0x101000 (the fifth page is untouched by it).
    counter.on_block(base + 0xffc, 8);
    CHECK(counter.decodes() == blocks + 2);

    counter.invalidate_page(base + 4 * 0x1000); // 256 blocks there
    CHECK(counter.cached_blocks() == size_t(blocks + 2 - 256));
    run_all();
    CHECK(counter.decodes() == blocks + 2 + 256);
    counter.on_block(base + 0xffc, 8); // still cached
    counter.on_block(base, 8);
    CHECK(counter.decodes() == blocks + 2 + 256);

    // Forgetting the second page drops its 256 blocks and the spanning one, not the first page's.
    counter.invalidate_page(base + 0x1000);
    CHECK(counter.cached_blocks() == size_t(blocks + 2 - 257));
    counter.on_block(base, 8);
    counter.on_block(base + 0x10, 4);
    CHECK(counter.decodes() == blocks + 2 + 256);
    counter.on_block(base + 0xffc, 8);
    CHECK(counter.decodes() == blocks + 2 + 256 + 1);
    // ... and forgetting the first page now drops the re-cached spanning block with it.
    counter.invalidate_page(base);
    counter.invalidate_page(base + 0x1000);
    CHECK(counter.cached_blocks() == size_t(blocks + 2 - 256 - 256 - 2));
    counter.invalidate_page(0x7000); // nothing there
    CHECK(counter.cached_blocks() == size_t(blocks - 512));

    counter.invalidate();
    CHECK(counter.cached_blocks() == 0);
    run_all();
    CHECK(counter.decodes() == blocks + 2 + 256 + 1 + blocks);
}
