// Every packet family the dispatcher answers, against the fake target, with exact replies.
#include "fake_target.h"

#include "gdb/packet.h"
#include "gdb/session.h"
#include "gdb/target_description.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

using namespace lkmemu::gdb;
using lkmemu::gdb::testing::FakeTarget;

namespace {

struct Fixture {
    FakeTarget target;
    std::vector<std::string> log;
    GdbSession session {target, [this](std::string_view line) { log.emplace_back(line); }};

    Fixture() { REQUIRE_FALSE(session.attach().is_error()); }

    std::string reply(std::string_view packet)
    {
        auto response = session.handle(packet);
        REQUIRE(response.reply);
        return *response.reply;
    }
};

// Little-endian hex of a 64-bit value, as registers travel.
std::string le64(uint64_t value)
{
    std::vector<uint8_t> bytes(8);
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    return to_hex(bytes);
}

std::string fmt_hex(size_t value)
{
    char text[20];
    std::snprintf(text, sizeof text, "%zx", value);
    return text;
}

size_t register_offset(Register reg)
{
    size_t offset = 0;
    for (const auto& info : register_table()) {
        if (info.id == reg)
            return offset;
        offset += info.bytes();
    }
    return offset;
}

} // namespace

TEST_CASE("qSupported announces the features the stub has", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;xmlRegisters=i386") ==
          "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+");
}

TEST_CASE("qXfer:features:read serves target.xml in pieces", "[gdb][session]")
{
    Fixture f;
    const std::string& xml = target_description_xml();
    std::string assembled;
    for (size_t offset = 0;;) {
        auto chunk = f.reply("qXfer:features:read:target.xml:" + fmt_hex(offset) + ",100");
        REQUIRE_FALSE(chunk.empty());
        auto data = unescape_binary(std::string_view(chunk).substr(1));
        REQUIRE(data);
        assembled.append(data->begin(), data->end());
        offset += data->size();
        if (chunk[0] == 'l')
            break;
        REQUIRE(chunk[0] == 'm');
        REQUIRE(data->size() == 0x100);
    }
    CHECK(assembled == xml);
    CHECK(f.reply("qXfer:features:read:target.xml:" + fmt_hex(xml.size()) + ",100") == "l");
    CHECK(f.reply("qXfer:features:read:64bit-sse.xml:0,100") == "E00");
    CHECK(f.reply("qXfer:features:read:target.xml:zz,100") == "E01");
}

TEST_CASE("thread and attach queries name the one CPU", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("qAttached") == "1");
    CHECK(f.reply("qC") == "QC1");
    CHECK(f.reply("qfThreadInfo") == "m1");
    CHECK(f.reply("qsThreadInfo") == "l");
    CHECK(f.reply("Hg0") == "OK");
    CHECK(f.reply("Hc-1") == "OK");
    CHECK(f.reply("T1") == "OK");
    CHECK(f.reply("qSymbol::") == "OK");
    CHECK(f.reply("vCont?") == "vCont;c;C;s;S");
}

TEST_CASE("unknown packets get the empty reply", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("qTStatus").empty());
    CHECK(f.reply("vMustReplyEmpty").empty());
    CHECK(f.reply("bc").empty());
    CHECK(f.reply("Z5,0,1").empty());
    CHECK(f.reply("").empty());
}

TEST_CASE("QStartNoAckMode answers OK and asks the connection to stop acking", "[gdb][session]")
{
    Fixture f;
    auto response = f.session.handle("QStartNoAckMode");
    CHECK(response.reply == "OK");
    CHECK(response.effect == SessionEffect::StartNoAckMode);
}

TEST_CASE("'?' reports the attach stop", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("?") == "T05thread:1;");
}

TEST_CASE("'g' returns every register of the description in order", "[gdb][session]")
{
    Fixture f;
    auto g = f.reply("g");
    REQUIRE(g.size() == register_file_bytes() * 2);
    CHECK(g.substr(0, 16) == le64(0x1234));
    CHECK(g.substr(register_offset(Register::rip) * 2, 16) == le64(FakeTarget::code_base));
    CHECK(g.substr(register_offset(Register::eflags) * 2, 8) == "02000000");
    CHECK(g.substr(register_offset(Register::cs) * 2, 8) == "08000000");
    CHECK(g.substr(register_offset(Register::st0) * 2, 20) == std::string(20, '0'));
    CHECK(g.substr(register_offset(Register::fctrl) * 2, 8) == "7f030000");
    CHECK(g.substr(register_offset(Register::gs_base) * 2, 16) == le64(0xffff888000100000));
    CHECK(g.substr(register_offset(Register::cr0) * 2, 16) == le64(0x80010033));
    CHECK(g.substr(register_offset(Register::efer) * 2, 16) == le64(0xd00));
}

TEST_CASE("'G' writes every register", "[gdb][session]")
{
    Fixture f;
    auto g = f.reply("g");
    g.replace(register_offset(Register::rbx) * 2, 16, le64(0xfeedface));
    g.replace(register_offset(Register::cr3) * 2, 16, le64(0x20000));
    CHECK(f.reply("G" + g) == "OK");
    CHECK(f.target.reg(Register::rbx) == 0xfeedface);
    CHECK(f.target.reg(Register::cr3) == 0x20000);

    CHECK(f.reply("G" + g.substr(1)) == "E01");          // odd hex
    CHECK(f.reply("G" + g.substr(4)) == "E03");          // one byte short
    CHECK(f.reply("G" + std::string(g.size(), 'q')) == "E01");
    REQUIRE(f.log.size() == 3);
    CHECK(f.log[1].starts_with("gdb: bad length in packet 'G"));
}

TEST_CASE("'p' reads one register by number", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("p0") == le64(0x1234));
    CHECK(f.reply("p10") == le64(FakeTarget::code_base));            // rip is 16
    CHECK(f.reply("p11") == "02000000");                             // eflags is 17
    CHECK(f.reply("p2b") == le64(0x80010033));                       // cr0 is 43
    CHECK(f.reply("p30") == le64(0xd00));                            // efer is 48, the last
    CHECK(f.reply("p31") == "E02");
    CHECK(f.reply("pzz") == "E01");
    CHECK(f.log.back() == "gdb: malformed packet in packet 'pzz'");
}

TEST_CASE("'P' writes one register and reports target refusals as errno", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("P0=" + le64(0x55aa)) == "OK");
    CHECK(f.target.reg(Register::rax) == 0x55aa);
    CHECK(f.reply("P12=10000000") == "OK"); // cs, 32 bits
    CHECK(f.target.reg(Register::cs) == 0x10);
    CHECK(f.reply("P12=1000") == "E03");
    CHECK(f.reply("P12=ff000000") == "E01"); // the fake refuses cs=0xff: EPERM
    CHECK(f.log.back() == "gdb: cs: selector refused");
    CHECK(f.reply("P40=00") == "E02");
    CHECK(f.reply("P0") == "E01");
}

TEST_CASE("'m' reads mapped memory and answers EFAULT for unmapped", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("mffffffff81001000,8") == "1122334455667788");
    CHECK(f.reply("mffffffff81000000,3") == "9090ff");
    CHECK(f.reply("mffffffff82000000,4") == "E0e");
    CHECK(f.log.back() == "gdb: mffffffff82000000: address not mapped");
    CHECK(f.reply("m0,1") == "E0e");
    CHECK(f.reply("mffffffff81001000") == "E01");
}

TEST_CASE("'m' across the end of mapped memory returns the readable part", "[gdb][session]")
{
    Fixture f;
    // The stack page is the last mapped one: 4 bytes readable, 4 not.
    auto reply = f.reply("mffffffff81002ffc,8");
    CHECK(reply == "00000000");
}

TEST_CASE("'M' and 'X' write memory, hex and binary", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("Mffffffff81001000,2:abcd") == "OK");
    CHECK(f.reply("mffffffff81001000,2") == "abcd");
    // X carries '#' and '}' escaped.
    CHECK(f.reply(std::string("Xffffffff81001000,3:}\x03}]a")) == "OK");
    CHECK(f.reply("mffffffff81001000,3") == "237d61");
    CHECK(f.reply("Xffffffff81001000,0:") == "OK"); // gdb's probe for X support
    CHECK(f.reply("Mffffffff82000000,1:00") == "E0e");
    CHECK(f.reply("Mffffffff81001000,2:ab") == "E03");
    CHECK(f.reply("Mffffffff81001000,1") == "E01");
}

TEST_CASE("'M' across a page boundary writes both pages", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("Mffffffff81001ffe,4:01020304") == "OK");
    CHECK(f.reply("mffffffff81001ffe,4") == "01020304");
}

TEST_CASE("'Z'/'z' insert and remove every kind", "[gdb][session]")
{
    Fixture f;
    for (int kind = 0; kind <= 4; ++kind) {
        auto args = std::to_string(kind) + ",ffffffff81000009,1";
        CHECK(f.reply("Z" + args) == "OK");
        CHECK(f.target.breakpoint_count() == 1);
        CHECK(f.reply("z" + args) == "OK");
        CHECK(f.target.breakpoint_count() == 0);
    }
    CHECK(f.reply("z0,ffffffff81000009,1") == "E02"); // ENOENT
    CHECK(f.reply("Z0,ffffffff81000009,1;X1,0") == "OK"); // a condition is ignored
    CHECK(f.reply("Z0,ffffffff81000009") == "E01");
}

TEST_CASE("'s' steps one instruction", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("s") == "T05thread:1;");
    CHECK(f.target.reg(Register::rip) == FakeTarget::code_base + 1);
    CHECK(f.reply("vCont;s:1") == "T05thread:1;");
    CHECK(f.reply("S05") == "T05thread:1;");
    CHECK(f.target.reg(Register::rip) == FakeTarget::code_base + 9);
}

TEST_CASE("'c' stops at a software breakpoint with RIP on it", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("Z0,ffffffff81000009,1") == "OK");
    CHECK(f.reply("c") == "T05swbreak:;thread:1;");
    CHECK(f.target.reg(Register::rip) == FakeTarget::code_base + 9);
    CHECK(f.target.data_word() == 0x44332212);
    CHECK(f.reply("?") == "T05swbreak:;thread:1;");
    // Resuming from the breakpoint does not stop on it again at once.
    CHECK(f.reply("vCont;c") == "T05swbreak:;thread:1;");
    CHECK(f.target.data_word() == 0x44332213);
}

TEST_CASE("a hardware breakpoint reports hwbreak", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("Z1,ffffffff81000002,1") == "OK");
    CHECK(f.reply("c") == "T05hwbreak:;thread:1;");
    CHECK(f.target.reg(Register::rip) == FakeTarget::code_base + 2);
}

TEST_CASE("watchpoints report their kind and address", "[gdb][session]")
{
    Fixture f;
    SECTION("write")
    {
        CHECK(f.reply("Z2,ffffffff81001000,4") == "OK");
        CHECK(f.reply("c") == "T05watch:ffffffff81001000;thread:1;");
    }
    SECTION("read")
    {
        CHECK(f.reply("Z3,ffffffff81001002,1") == "OK");
        CHECK(f.reply("c") == "T05rwatch:ffffffff81001002;thread:1;");
    }
    SECTION("access")
    {
        CHECK(f.reply("Z4,ffffffff81001000,8") == "OK");
        CHECK(f.reply("c") == "T05awatch:ffffffff81001000;thread:1;");
    }
    // After the accessing instruction, as x86 debug registers trap.
    CHECK(f.target.reg(Register::rip) == FakeTarget::code_base + 9);
}

TEST_CASE("'c ADDR' resumes there and the machine powering off is 'W'", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("cffffffff8100000c") == "W34"); // hlt with rax = 0x1234
    CHECK(f.reply("C0b;ffffffff8100000c") == "W34");
}

TEST_CASE("a fault the target cannot deliver stops with its signal", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("cffffffff82000000") == "T0bthread:1;");     // fetch from unmapped: SIGSEGV
    CHECK(f.reply("cffffffff81000004") == "T04thread:1;");     // not an instruction: SIGILL
    CHECK(f.reply("czz") == "E01");
}

TEST_CASE("an interrupt stops the resume with SIGINT", "[gdb][session]")
{
    Fixture f;
    f.target.interrupt();
    CHECK(f.reply("c") == "T02thread:1;");
    CHECK(f.reply("?") == "T02thread:1;");
}

TEST_CASE("'D' detaches and ends the session", "[gdb][session]")
{
    Fixture f;
    CHECK(f.reply("Z0,ffffffff81000009,1") == "OK");
    auto response = f.session.handle("D;1");
    CHECK(response.reply == "OK");
    CHECK(response.effect == SessionEffect::End);
    CHECK(f.target.detached());
    CHECK(f.target.breakpoint_count() == 0);
}

TEST_CASE("'k' and vKill end the target", "[gdb][session]")
{
    Fixture f;
    auto k = f.session.handle("k");
    CHECK_FALSE(k.reply);
    CHECK(k.effect == SessionEffect::End);
    CHECK(f.target.killed());

    Fixture g;
    auto v = g.session.handle("vKill;1");
    CHECK(v.reply == "OK");
    CHECK(v.effect == SessionEffect::End);
    CHECK(g.target.killed());
}

TEST_CASE("random packets never crash the stub and always get a well-formed reply", "[gdb][session]")
{
    // Deterministic: the same 20000 packets every run. Resume-to-stop packets ('c', vCont;c)
    // are left out because the fake's program loops forever without a breakpoint.
    static constexpr std::string_view prefixes[] = {
        "g", "G", "p", "P", "m", "M", "X", "Z", "z", "s", "S", "?", "H", "T", "q", "Q", "v",
        "qXfer:features:read:", "qXfer:features:read:target.xml:", "qSupported", "vCont;s", "D", "k",
    };
    static constexpr std::string_view alphabet = "0123456789abcdefABCDEFxyz,:;=-}#$* \x03\xff";
    uint64_t state = 0x243f6a8885a308d3;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (int i = 0; i < 20000; ++i) {
        Fixture f;
        std::string packet(prefixes[next() % std::size(prefixes)]);
        for (uint64_t n = next() % 48; n > 0; --n)
            packet += alphabet[next() % alphabet.size()];
        auto response = f.session.handle(packet);
        if (!response.reply) {
            CHECK(packet[0] == 'k');
            continue;
        }
        const std::string& reply = *response.reply;
        // Either empty (unsupported), "OK", an error "Exx", a stop reply, or data.
        bool is_error = reply.size() == 3 && reply[0] == 'E';
        INFO(packet << " -> " << reply);
        CHECK(reply.size() <= 2 * max_packet_size);
        if (is_error)
            CHECK(parse_hex_number(reply.substr(1)).has_value());
    }
}
