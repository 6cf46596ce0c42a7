// Framing: checksums, acks, Ctrl-C, escaping and hex, byte by byte as they arrive.
#include "gdb/packet.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace lkmemu::gdb;

namespace {

std::vector<Frame> feed_all(PacketReader& reader, std::string_view bytes)
{
    std::vector<Frame> frames;
    for (char c : bytes)
        if (auto frame = reader.feed(c))
            frames.push_back(*frame);
    return frames;
}

} // namespace

TEST_CASE("packet checksum is the byte sum modulo 256", "[gdb][packet]")
{
    CHECK(packet_checksum("") == 0);
    CHECK(packet_checksum("OK") == 0x9a);
    CHECK(frame_packet("OK") == "$OK#9a");
    CHECK(frame_packet("qSupported") == "$qSupported#37");
}

TEST_CASE("reader yields a packet whose checksum matches", "[gdb][packet]")
{
    PacketReader reader;
    auto frames = feed_all(reader, "$qSupported:multiprocess+#c6");
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].kind == FrameKind::Packet);
    CHECK(frames[0].body == "qSupported:multiprocess+");
}

TEST_CASE("reader accepts upper-case checksum digits", "[gdb][packet]")
{
    PacketReader reader;
    auto frames = feed_all(reader, "$m0,1#FA");
    REQUIRE(frames.size() == 1);
    CHECK(packet_checksum("m0,1") == 0xfa);
    CHECK(frames[0].kind == FrameKind::Packet);
}

TEST_CASE("reader reports a bad checksum and recovers on the next packet", "[gdb][packet]")
{
    PacketReader reader;
    auto frames = feed_all(reader, "$OK#00$OK#9a");
    REQUIRE(frames.size() == 2);
    CHECK(frames[0].kind == FrameKind::BadChecksum);
    CHECK(frames[1].kind == FrameKind::Packet);
    CHECK(frames[1].body == "OK");
}

TEST_CASE("reader reports a non-hex checksum as bad", "[gdb][packet]")
{
    PacketReader reader;
    auto frames = feed_all(reader, "$OK#zz");
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].kind == FrameKind::BadChecksum);
}

TEST_CASE("reader sees acks, nacks and Ctrl-C between packets and skips noise", "[gdb][packet]")
{
    PacketReader reader;
    auto frames = feed_all(reader, "+x-\x03 $g#67");
    REQUIRE(frames.size() == 4);
    CHECK(frames[0].kind == FrameKind::Ack);
    CHECK(frames[1].kind == FrameKind::Nack);
    CHECK(frames[2].kind == FrameKind::Interrupt);
    CHECK(frames[3].kind == FrameKind::Packet);
    CHECK(frames[3].body == "g");
}

TEST_CASE("a 0x03 byte inside a packet body is data, not Ctrl-C", "[gdb][packet]")
{
    PacketReader reader;
    std::string body = "X0,1:\x03";
    auto frames = feed_all(reader, frame_packet(body));
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].kind == FrameKind::Packet);
    CHECK(frames[0].body == body);
}

TEST_CASE("reader drops a body past max_packet_size", "[gdb][packet]")
{
    PacketReader reader;
    std::string body(max_packet_size + 1, 'a');
    auto frames = feed_all(reader, frame_packet(body) + frame_packet("g"));
    REQUIRE(frames.size() == 2);
    CHECK(frames[0].kind == FrameKind::TooLong);
    CHECK(frames[1].kind == FrameKind::Packet);
}

TEST_CASE("binary escaping covers # $ } * and round-trips", "[gdb][packet]")
{
    std::vector<uint8_t> data = {'#', '$', '}', '*', 'a', 0x00, 0xff};
    auto escaped = escape_binary(data);
    CHECK(escaped == std::string("}\x03}\x04}]}\x0a" "a\x00\xff", 11));
    auto back = unescape_binary(escaped);
    REQUIRE(back);
    CHECK(*back == data);
    CHECK_FALSE(unescape_binary("abc}"));
}

TEST_CASE("hex encoding and decoding", "[gdb][packet]")
{
    std::vector<uint8_t> data = {0x00, 0x7f, 0xab, 0xff};
    CHECK(to_hex(data) == "007fabff");
    CHECK(from_hex("007FabfF") == data);
    CHECK_FALSE(from_hex("abc"));
    CHECK_FALSE(from_hex("zz"));
    CHECK(parse_hex_number("ffffffff81000000") == 0xffffffff81000000);
    CHECK_FALSE(parse_hex_number(""));
    CHECK_FALSE(parse_hex_number("10000000000000000"));
    CHECK_FALSE(parse_hex_number("12g"));
}
