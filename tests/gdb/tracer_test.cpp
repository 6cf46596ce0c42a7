// --trace lines and --trace-filter parsing (emulator/trace).
#include "trace/trace_filter.h"
#include "trace/tracer.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace lkmemu::trace;

namespace {

// A kallsyms of three symbols: one kernel function, one module function, nothing else.
std::optional<SymbolLocation> symbolize(uint64_t address)
{
    if (address >= 0xffffffff80001000 && address < 0xffffffff80001100)
        return SymbolLocation {"load_module", address - 0xffffffff80001000, ""};
    if (address >= 0xffffffffa0000000 && address < 0xffffffffa0000040)
        return SymbolLocation {"hello_init", address - 0xffffffffa0000000, "hello"};
    if (address >= 0xffffffffa0000040 && address < 0xffffffffa0000080)
        return SymbolLocation {"", 0, "hello"}; // module padding: no symbol
    return std::nullopt;
}

struct Collected {
    std::vector<std::string> lines;
    Tracer tracer;

    explicit Collected(TraceFilter filter = {})
        : tracer(make_disassembler(), std::move(filter), symbolize,
                 [this](std::string_view line) { lines.emplace_back(line); })
    {
    }

    static Disassembler make_disassembler()
    {
        auto disassembler = Disassembler::open();
        REQUIRE_FALSE(disassembler.is_error());
        return disassembler.release_value();
    }
};

TraceFilter parse(std::string_view text)
{
    auto filter = parse_trace_filter(text);
    REQUIRE_FALSE(filter.is_error());
    return filter.release_value();
}

const uint8_t mov_rbp_rsp[] = {0x48, 0x89, 0xe5, 0xcc, 0xcc}; // mov rbp, rsp; then junk
const uint8_t push_rbp[] = {0x55};                           // push rbp
const uint8_t ret[] = {0xc3};                                // ret

} // namespace

TEST_CASE("Capstone decodes one instruction", "[trace]")
{
    auto disassembler = Collected::make_disassembler();
    auto decoded = disassembler.decode(0x1000, mov_rbp_rsp);
    REQUIRE(decoded);
    CHECK(decoded->length == 3);
    CHECK(decoded->mnemonic == "mov");
    CHECK(decoded->operands == "rbp, rsp");
    const uint8_t call_rel[] = {0xe8, 0xfb, 0xff, 0xff, 0xff}; // call to itself: address-relative
    auto call = disassembler.decode(0xffffffffa0000010, call_rel);
    REQUIRE(call);
    CHECK(call->operands == "0xffffffffa0000010");
    const uint8_t truncated[] = {0x48, 0x89};
    CHECK_FALSE(disassembler.decode(0x1000, truncated));
}

TEST_CASE("instruction lines carry address, symbol+offset, module, bytes, text", "[trace]")
{
    Collected c;
    CHECK(c.tracer.format_instruction(0xffffffffa0000004, mov_rbp_rsp) ==
          "ffffffffa0000004 hello_init+0x4 [hello]           48 89 e5              mov rbp, rsp");
    CHECK(c.tracer.format_instruction(0xffffffff80001010, push_rbp) ==
          "ffffffff80001010 load_module+0x10                 55                    push rbp");
    CHECK(c.tracer.format_instruction(0xffffffffa0000040, ret) ==
          "ffffffffa0000040 [hello]                          c3                    ret");
    CHECK(c.tracer.format_instruction(0x401000, ret) ==
          "0000000000401000                                  c3                    ret");
    const uint8_t bad[] = {0x0f, 0x0b + 0x30}; // 0f 3b: no such instruction
    CHECK(c.tracer.format_instruction(0x401000, bad) ==
          "0000000000401000                                  0f                    (bad)");
}

TEST_CASE("the filter decides which instructions are written", "[trace]")
{
    SECTION("kernel")
    {
        Collected c(parse("kernel"));
        c.tracer.instruction(0x401000, ret);
        c.tracer.instruction(0xffffffff80001010, push_rbp);
        REQUIRE(c.lines.size() == 1);
        CHECK(c.lines[0].starts_with("ffffffff80001010 load_module+0x10"));
    }
    SECTION("user")
    {
        Collected c(parse("user"));
        c.tracer.instruction(0x401000, ret);
        c.tracer.instruction(0xffffffff80001010, push_rbp);
        REQUIRE(c.lines.size() == 1);
        CHECK(c.lines[0].starts_with("0000000000401000"));
    }
    SECTION("module")
    {
        Collected c(parse("module:hello"));
        c.tracer.instruction(0xffffffff80001010, push_rbp);
        c.tracer.instruction(0xffffffffa0000000, push_rbp);
        c.tracer.instruction(0xffffffffa0000100, push_rbp); // past the module's symbols
        REQUIRE(c.lines.size() == 1);
        CHECK(c.lines[0].starts_with("ffffffffa0000000 hello_init+0x0 [hello]"));
    }
    SECTION("range")
    {
        Collected c(parse("0x401000-401002"));
        c.tracer.instruction(0x400fff, ret);
        c.tracer.instruction(0x401000, ret);
        c.tracer.instruction(0x401001, ret);
        c.tracer.instruction(0x401002, ret); // END is not part of the range
        CHECK(c.lines.size() == 2);
    }
}

TEST_CASE("fault, interrupt and syscall lines", "[trace]")
{
    Collected c;
    c.tracer.fault(14, 0x3, 0xffffffffa0001000, 0xffffffffa0000010);
    c.tracer.fault(6, std::nullopt, std::nullopt, 0x401000);
    c.tracer.interrupt(32, 0xffffffff80001000);
    const uint64_t args[] = {0x402000, 0x1f40, 0x401000};
    c.tracer.syscall(175, "init_module", args, 0x401234);
    c.tracer.syscall_return(175, "init_module", -17);
    c.tracer.syscall_return(0, "read", 12);
    c.tracer.syscall_return(999, "", -4095);
    REQUIRE(c.lines.size() == 7);
    CHECK(c.lines[0] == "--- fault #PF (14) error=0x3 cr2=0xffffffffa0001000 at ffffffffa0000010 hello_init+0x10 [hello]");
    CHECK(c.lines[1] == "--- fault #UD (6) at 0000000000401000");
    CHECK(c.lines[2] == "--- interrupt 32 at ffffffff80001000 load_module+0x0");
    CHECK(c.lines[3] == "--- syscall 175 init_module(0x402000, 0x1f40, 0x401000) at 0000000000401234");
    CHECK(c.lines[4] == "--- syscall 175 init_module returned -17 (EEXIST)");
    CHECK(c.lines[5] == "--- syscall 0 read returned 12");
    CHECK(c.lines[6] == "--- syscall 999 ? returned -4095");
}

TEST_CASE("exception mnemonics", "[trace]")
{
    CHECK(exception_mnemonic(0) == "#DE");
    CHECK(exception_mnemonic(8) == "#DF");
    CHECK(exception_mnemonic(13) == "#GP");
    CHECK(exception_mnemonic(14) == "#PF");
    CHECK(exception_mnemonic(15) == "vector");
    CHECK(exception_mnemonic(21) == "#CP");
    CHECK(exception_mnemonic(32) == "vector");
}

TEST_CASE("filter parsing: good and bad", "[trace]")
{
    CHECK(parse("kernel").kind == TraceFilter::Kind::Kernel);
    CHECK(parse("user").kind == TraceFilter::Kind::User);
    auto module = parse("module:hello");
    CHECK(module.kind == TraceFilter::Kind::Module);
    CHECK(module.module == "hello");
    auto range = parse("ffffffffa0000000-0xffffffffa0001000");
    CHECK(range.kind == TraceFilter::Kind::Range);
    CHECK(range.begin == 0xffffffffa0000000);
    CHECK(range.end == 0xffffffffa0001000);
    CHECK(range.hook_first() == 0xffffffffa0000000);
    CHECK(range.hook_last() == 0xffffffffa0000fff);
    CHECK(parse("kernel").hook_first() == kernel_space_start);
    CHECK(parse("user").hook_last() == user_space_end - 1);

    struct Bad {
        const char* text;
        const char* reason;
    };
    for (auto [text, reason] : {
             Bad {"", "expected kernel, user, module:NAME or BEGIN-END"},
             Bad {"kernal", "expected kernel, user, module:NAME or BEGIN-END"},
             Bad {"module:", "module: needs a module name (module:NAME)"},
             Bad {"0x10-zz", "BEGIN-END must be two hex addresses"},
             Bad {"-10", "BEGIN-END must be two hex addresses"},
             Bad {"20-10", "BEGIN must be below END (the range is [BEGIN, END))"},
         }) {
        auto filter = parse_trace_filter(text);
        REQUIRE(filter.is_error());
        CHECK(filter.error().code == LKM_EINVAL);
        CHECK(std::string(filter.error().reason) == reason);
        CHECK(std::string(filter.error().context) == text);
    }
}

TEST_CASE("open_file writes lines to the file", "[trace]")
{
    std::string path = "tracer_test_output.txt";
    {
        auto tracer = Tracer::open_file(path, {}, symbolize);
        REQUIRE_FALSE(tracer.is_error());
        tracer.value().instruction(0xffffffff80001000, push_rbp);
        tracer.value().interrupt(32, 0xffffffff80001001);
    }
    std::ifstream in(path);
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    CHECK(first == "ffffffff80001000 load_module+0x0                  55                    push rbp");
    CHECK(second == "--- interrupt 32 at ffffffff80001001 load_module+0x1");
    std::remove(path.c_str());

    auto failed = Tracer::open_file("/nonexistent-dir/trace.txt", {}, symbolize);
    REQUIRE(failed.is_error());
    CHECK(failed.error().code == LKM_ENOENT);
    CHECK(std::string(failed.error().reason) == "cannot open the trace file");
    CHECK(std::string(failed.error().context) == "/nonexistent-dir/trace.txt");
}
